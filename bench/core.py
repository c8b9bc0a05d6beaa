"""Time the pure core (normalize → derive → evaluate → plan) beside a bare pandas pass.

    python bench/core.py --rows 100000 --rows 1000000 [--repeats 3]

Both run cold, each in a fresh process of its own, as a run and a bare script do: the
core child builds the grid, then times the core once; the reference child builds the
same grid, then times the reference once. The two alternate, ``--repeats`` times each
per size, and the ratio is of their median CPU seconds (the machine is shared: single
runs swing by a fifth). Grids are built before the clock starts (reading is the
backend's cost, not the core's). The core is called as ``pipeline.run`` calls it:
numpy's huge-page advice off (``small_pages``), the grid held out of the garbage
collector's passes, as the read step leaves it (``long_lived``), and what each step
keeps settled there too; the reference runs in the same state.

The core child also times the reference once more right after the core, in the same
process, as this bench did before it ran the reference alone: printed beside the ratio
as ``ratio_after_core`` (that reference starts warm, on pandas paths and a heap the core
has just used). The reference (``reference.py``) is what a bare pandas/numpy script does
over the same grid: read the columns, parse the due dates, compare them with today,
group by owner. The last line printed is a JSON object.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

TODAY = dt.date(2026, 12, 1)


def measure_core(rows: int) -> dict[str, object]:
    """Build a tracker of ``rows`` milestones; time the core's steps, then the reference."""
    from reference import reference_pass

    from sheetsync.pipeline import long_lived, small_pages

    snapshot = _snapshot(rows)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with small_pages(), long_lived() as settle:
        settle()  # the grid as the run's read step leaves it: out of the collector's passes
        clock = _Stopwatch()
        emails, problems = _core(snapshot, clock, settle)
        steps = dict(clock.cpu)
        rss_core = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        after = _Stopwatch()
        reference_pass(snapshot.tabs, TODAY)
        after.lap("reference")
    return {
        "cpu_s": sum(steps.values()),
        "steps_cpu_s": steps,
        "reference_after_core_cpu_s": after.cpu["reference"],
        "emails": emails,
        "problems": problems,
        "peak_rss_mb": round(rss_core),
        "rss_before_core_mb": round(rss_before),
    }


def measure_reference(rows: int) -> dict[str, object]:
    """Build the same tracker; time the reference alone, in the core's state."""
    from reference import reference_pass

    from sheetsync.pipeline import long_lived, small_pages

    snapshot = _snapshot(rows)
    with small_pages(), long_lived() as settle:
        settle()
        clock = _Stopwatch()
        owners = reference_pass(snapshot.tabs, TODAY)
        clock.lap("reference")
    return {"cpu_s": clock.cpu["reference"], "reference_owners": owners}


def _snapshot(rows: int) -> Any:
    from synthetic import synthetic_tracker

    from sheetsync.model import Snapshot

    return Snapshot("bench", synthetic_tracker(rows, TODAY))


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
    """CPU seconds per step: CPU time stays honest when the machine is shared."""

    def __init__(self) -> None:
        self.cpu: dict[str, float] = {}
        self._mark = time.process_time()

    def lap(self, name: str) -> None:
        now = time.process_time()
        self.cpu[name] = now - self._mark
        self._mark = now


def _child(kind: str, rows: int) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--rows", str(rows)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result: dict[str, object] = json.loads(out.strip().splitlines()[-1])
    return result


def compare(rows: int, repeats: int) -> dict[str, object]:
    """Core and reference, each cold in its own process, alternating ``repeats`` times."""
    cores, references = [], []
    for _ in range(repeats):
        cores.append(_child("core", rows))
        references.append(_child("reference", rows))

    def median(runs: list[dict[str, object]], key: str) -> float:
        return round(statistics.median(float(r[key]) for r in runs), 3)  # type: ignore[arg-type]

    core, reference = median(cores, "cpu_s"), median(references, "cpu_s")
    after = median(cores, "reference_after_core_cpu_s")
    steps = {
        step: round(statistics.median(r["steps_cpu_s"][step] for r in cores), 3)  # type: ignore[index]
        for step in cores[0]["steps_cpu_s"]  # type: ignore[attr-defined]
    }
    return {
        "rows": rows,
        "repeats": repeats,
        "cpu_s": core,
        "steps_cpu_s": steps,
        "cpu_us_per_row": round(core / rows * 1e6, 3),
        "rows_per_s": round(rows / core),
        "reference_cpu_s": reference,
        "ratio_cpu": round(core / reference, 2),
        "core_runs_cpu_s": [round(float(r["cpu_s"]), 3) for r in cores],  # type: ignore[arg-type]
        "reference_runs_cpu_s": [round(float(r["cpu_s"]), 3) for r in references],  # type: ignore[arg-type]
        "reference_after_core_cpu_s": after,
        "ratio_after_core": round(core / after, 2),
        "emails": cores[0]["emails"],
        "problems": cores[0]["problems"],
        "reference_owners": references[0]["reference_owners"],
        "peak_rss_mb": max(int(r["peak_rss_mb"]) for r in cores),  # type: ignore[call-overload]
    }


def _line(result: dict[str, object]) -> str:
    return (
        f"{result['rows']:>9,} milestones: core CPU {result['cpu_s']} s {result['steps_cpu_s']} "
        f"({result['cpu_us_per_row']} µs/row); reference CPU {result['reference_cpu_s']} s; "
        f"core/reference {result['ratio_cpu']}× (medians of {result['repeats']}; core runs "
        f"{result['core_runs_cpu_s']}, reference runs {result['reference_runs_cpu_s']}); "
        f"reference right after the core {result['reference_after_core_cpu_s']} s "
        f"({result['ratio_after_core']}×); peak RSS {result['peak_rss_mb']:,} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, action="append", help="milestones (repeatable)")
    parser.add_argument("--repeats", type=int, default=3, help="cold runs of each per size")
    parser.add_argument("--child", choices=["core", "reference"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    sizes = args.rows or [100_000, 1_000_000]
    if args.child:
        measure = measure_core if args.child == "core" else measure_reference
        print(json.dumps(measure(sizes[0])))
        return
    results = []
    for rows in sizes:
        results.append(compare(rows, args.repeats))
        print(_line(results[-1]), flush=True)
    per_row = [float(r["cpu_us_per_row"]) for r in results]  # type: ignore[arg-type]
    summary = {
        "sizes": results,
        "linearity": round(per_row[-1] / per_row[0], 2),  # CPU per row, largest ÷ smallest
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
