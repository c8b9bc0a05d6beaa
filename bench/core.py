"""Time the pure core (normalize → evaluate → plan) on synthetic in-memory trackers.

    python bench/core.py --rows 100000 --rows 1000000

Each size runs in a fresh process so its peak RSS is its own; the grids are
built before the clock starts (reading is the backend's cost, not the core's).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

TODAY = dt.date(2026, 12, 1)


def measure(rows: int) -> dict[str, object]:
    """Build a tracker of ``rows`` milestones and time each pure step once."""
    from synthetic import synthetic_tracker

    from sheetsync.evaluate import evaluate_milestones
    from sheetsync.model import Snapshot
    from sheetsync.normalize import normalize
    from sheetsync.pipeline import _attach_problems, gc_paused
    from sheetsync.plan import PlanContext, plan_notifications

    snapshot = Snapshot("bench", synthetic_tracker(rows, TODAY))
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    clock = _Stopwatch()
    with gc_paused():  # as the pipeline runs these steps
        tracker = normalize(snapshot)
    clock.lap("normalize")
    tracker.milestones = evaluate_milestones(tracker.milestones, tracker.settings, TODAY)
    _attach_problems(tracker)
    clock.lap("evaluate")
    with gc_paused():
        notes = plan_notifications(
            tracker.milestones,
            tracker.contracts,
            tracker.ledger,
            PlanContext(tracker.settings, TODAY),
        )
    clock.lap("plan")
    steps, cpu = clock.wall, clock.cpu
    total = sum(steps.values())
    return {
        "rows": rows,
        "seconds": round(total, 3),
        "rows_per_s": round(rows / total),
        "steps_s": {k: round(v, 3) for k, v in steps.items()},
        "cpu_s": round(sum(cpu.values()), 3),
        "steps_cpu_s": {k: round(v, 3) for k, v in cpu.items()},
        "emails": len(notes.notifications),
        "problems": len(tracker.problems),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "rss_before_core_mb": round(rss_before),
    }


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, action="append", help="milestones (repeatable)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sizes = args.rows or [100_000, 1_000_000]
    if args.child:
        print(json.dumps(measure(sizes[0])))
        return
    for rows in sizes:
        out = subprocess.run(
            [sys.executable, __file__, "--child", "--rows", str(rows)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        result = json.loads(out.strip().splitlines()[-1])
        print(
            f"{rows:>9,} milestones: {result['seconds']:7.2f} s  "
            f"{result['rows_per_s']:>9,} rows/s  "
            f"peak RSS {result['peak_rss_mb']:,} MB  steps {result['steps_s']}  "
            f"CPU {result['cpu_s']} s {result['steps_cpu_s']}"
        )
        print(json.dumps(result))


if __name__ == "__main__":
    main()
