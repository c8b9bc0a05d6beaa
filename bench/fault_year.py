"""A fault-injected year: 400 days of daily runs on the sample tracker, checked by an oracle.

    python bench/fault_year.py [--days 400] [--seed 1]

The Google backend runs against the Sheets API emulator (20% of calls answer
429/500/503 or are carried out and their answer lost) and SmtpTransport against
SmtpServer on loopback (10% of sends meet a 451, a dropped connection or a stalled
reply), with skipped days, same-day reruns, a person editing the Milestones and the
Log (sorting, filtering, deleting rows and the tab) between runs, second runs started
while one is under way, and runs killed at random points. The simulation lives in
``tests/faultsim.py`` (shared with ``tests/test_fault_year.py``); this prints its
figures, the machine and the wall time. Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from faultsim import Figures, Plan, simulate


def machine() -> str:
    """CPU model, cores and Python, in one line."""
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    python = platform.python_version()
    return f"{model}, {os.cpu_count()} cores, {platform.system()}, Python {python}"


def missed(figures: Figures) -> list[str]:
    """The targets missed, each with its first few examples."""
    targets = {
        "missing": figures.missing,
        "duplicated with another Message-ID": figures.duplicated_other_id,
        "summaries resent another day": figures.summary_resent,
        "sent for Done or Cancelled rows": figures.closed_sent,
        "typed cells changed": figures.typed_changed,
        "unexpected": figures.unexpected,
    }
    return [f"{name}: {found[:3]}" for name, found in targets.items() if found]


def main(argv: list[str] | None = None) -> int:
    """Run the simulation and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=400)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)  # the transport's retry warnings, one per fault
    start = time.perf_counter()
    figures = simulate(Plan(days=args.days, seed=args.seed))
    wall = time.perf_counter() - start
    print("\n".join(figures.lines()))
    print(f"wall time                       {wall:.0f} s")
    print(f"machine                         {machine()}")
    problems = missed(figures)
    for problem in problems:
        print(f"TARGET MISSED  {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
