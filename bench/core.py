"""Time the pure core (normalize → derive → evaluate → plan) beside a bare pandas pass.

    python bench/core.py --rows 100000 --rows 1000000

Each size runs in a fresh process so its peak RSS is its own; the grids are
built before the clock starts (reading is the backend's cost, not the core's).
The core is called as ``pipeline.run`` calls it: numpy's huge-page advice off
(``small_pages``), the grid held out of the garbage collector's passes, as the read
step leaves it (``long_lived``), and what each step keeps settled there too; the
reference runs after it in the same state. The reference
(``reference.py``) is what a bare pandas/numpy script does over the same grid: read
the columns, parse the due dates, compare them with today, group by owner. The last
line printed is a JSON object.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

TODAY = dt.date(2026, 12, 1)


def measure(rows: int) -> dict[str, object]:
    """Build a tracker of ``rows`` milestones; time the core's steps, then the reference."""
    from reference import reference_pass
    from synthetic import synthetic_tracker

    from sheetsync.model import Snapshot
    from sheetsync.pipeline import long_lived, small_pages

    snapshot = Snapshot("bench", synthetic_tracker(rows, TODAY))
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with small_pages(), long_lived() as settle:
        settle()  # the grid as the run's read step leaves it: out of the collector's passes
        clock = _Stopwatch()
        emails, problems = _core(snapshot, clock, settle)
        steps, cpu = dict(clock.wall), dict(clock.cpu)
        rss_core = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        ref_clock = _Stopwatch()
        owners = reference_pass(snapshot.tabs, TODAY)
        ref_clock.lap("reference")
    total, ref_cpu = sum(steps.values()), ref_clock.cpu["reference"]
    return {
        "rows": rows,
        "seconds": round(total, 3),
        "rows_per_s": round(rows / total),
        "steps_s": {k: round(v, 3) for k, v in steps.items()},
        "cpu_s": round(sum(cpu.values()), 3),
        "steps_cpu_s": {k: round(v, 3) for k, v in cpu.items()},
        "cpu_us_per_row": round(sum(cpu.values()) / rows * 1e6, 3),
        "reference_s": round(ref_clock.wall["reference"], 3),
        "reference_cpu_s": round(ref_cpu, 3),
        "ratio_cpu": round(sum(cpu.values()) / ref_cpu, 2),
        "emails": emails,
        "problems": problems,
        "reference_owners": owners,
        "peak_rss_mb": round(rss_core),
        "rss_before_core_mb": round(rss_before),
    }


def _core(snapshot: object, clock: _Stopwatch, settle: Callable[[], None]) -> tuple[int, int]:
    """normalize → derive → evaluate → plan, each as ``pipeline.prepare`` calls it."""
    from sheetsync.derive.changes import completed_now
    from sheetsync.normalize import normalize
    from sheetsync.pipeline import _evaluate, _links, gc_paused
    from sheetsync.plan import PlanContext, plan_notifications

    with gc_paused(settle):
        tracker = normalize(snapshot)  # type: ignore[arg-type]
    clock.lap("normalize")
    derived, evaluated = _evaluate(tracker, snapshot, TODAY, settle)  # type: ignore[arg-type]
    clock.lap("derive+evaluate")
    links = _links(snapshot, tracker, evaluated)  # type: ignore[arg-type]
    context = PlanContext(tracker.settings, TODAY, links, completed_now(derived.changes))
    with gc_paused(settle):
        plan = plan_notifications(evaluated, tracker.contracts, tracker.ledger, context)
    clock.lap("plan")
    return len(plan.notifications), len(tracker.problems)


class _Stopwatch:
    """Wall and CPU seconds per step: CPU time stays honest when the machine is shared."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = {}
        self.cpu: dict[str, float] = {}
        self._marks = (time.perf_counter(), time.process_time())

    def lap(self, name: str) -> None:
        now = (time.perf_counter(), time.process_time())
        self.wall[name] = now[0] - self._marks[0]
        self.cpu[name] = now[1] - self._marks[1]
        self._marks = now


def _line(result: dict[str, object]) -> str:
    return (
        f"{result['rows']:>9,} milestones: core {result['seconds']:6.2f} s wall, "
        f"CPU {result['cpu_s']} s {result['steps_cpu_s']} ({result['cpu_us_per_row']} µs/row); "
        f"reference CPU {result['reference_cpu_s']} s; core/reference {result['ratio_cpu']}×; "
        f"peak RSS {result['peak_rss_mb']:,} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, action="append", help="milestones (repeatable)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sizes = args.rows or [100_000, 1_000_000]
    if args.child:
        print(json.dumps(measure(sizes[0])))
        return
    results = []
    for rows in sizes:
        out = subprocess.run(
            [sys.executable, __file__, "--child", "--rows", str(rows)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        results.append(json.loads(out.strip().splitlines()[-1]))
        print(_line(results[-1]))
    per_row = [float(r["cpu_us_per_row"]) for r in results]
    summary = {
        "sizes": results,
        "linearity": round(per_row[-1] / per_row[0], 2),  # CPU per row, largest ÷ smallest
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
