"""Where a first run's peak memory builds up: the RSS before, at its peak inside, and after
each step, on a synthetic tracker in the Sheets API emulator.

    python bench/memory.py --rows 500000

The tracker and the emulator are ``bench/run.py``'s (the emulator in its own process, so
its memory is not counted). A thread samples this process's resident set every 20 ms;
each step the pipeline calls (``bench/run.py``'s PIPELINE_STEPS and BACKEND_STEPS but
the glue) is wrapped to note the RSS when it starts, the highest sample while it runs and
the RSS when it returns, one line per call in the order the calls end (a run renders
each delivery batch inside ``deliver``: those lines come before its own). The last line
is ``ru_maxrss``, the figure ``bench/run.py``
reports as peak RSS.
"""

from __future__ import annotations

import argparse
import functools
import resource
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

SAMPLE_S = 0.02


class Resident:
    """This process's resident set in MB: now, and the highest sample inside each open step.

    Steps nest (a delivery renders each batch inside it), so each open step has its own peak;
    a step on a background thread (a Log append while the next batch renders) has its own.
    """

    def __init__(self) -> None:
        self.peaks: dict[int, list[int]] = {}  # by thread: one per open step, innermost last
        self._lock = threading.Lock()  # a start is never undone by a sample taken before it
        self._stop = threading.Event()
        threading.Thread(target=self._sample, daemon=True).start()

    @staticmethod
    def now() -> int:
        status = Path("/proc/self/status").read_text(encoding="ascii")
        line = next(x for x in status.splitlines() if x.startswith("VmRSS"))
        return int(line.split()[1]) // 1024

    def start(self) -> int:
        with self._lock:
            peaks = self.peaks.setdefault(threading.get_ident(), [])
            peaks.append(self.now())
            return peaks[-1]

    def finish(self) -> int:
        with self._lock:
            return max(self.peaks[threading.get_ident()].pop(), self.now())

    def stop(self) -> None:
        self._stop.set()

    def _sample(self) -> None:
        while not self._stop.wait(SAMPLE_S):
            with self._lock:
                now = self.now()
                for peaks in self.peaks.values():
                    peaks[:] = [max(peak, now) for peak in peaks]


def watch(owner: object, name: str, label: str, rss: Resident, rows: list[tuple]) -> None:
    """Replace ``owner.name`` by the same callable, noting the RSS around each call."""
    original = getattr(owner, name)

    @functools.wraps(original)
    def watched(*args: Any, **kwargs: Any) -> Any:
        before = rss.start()
        try:
            return original(*args, **kwargs)
        finally:
            rows.append((label, name, before, rss.finish(), rss.now()))

    setattr(owner, name, watched)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="milestones in the tracker")
    args = parser.parse_args()
    import run as bench  # bench/run.py: its emulator process and step names

    emulator = bench.EmulatorProcess(args.rows)  # forked before anything heavy is imported
    sheet_id = emulator.ask("seed")
    from sheetsync import pipeline
    from sheetsync.backends.gsheets import GoogleSheetsBackend
    from sheetsync.backends.gsheets.retry import RetryPolicy
    from sheetsync.testing.emulator import gspread_client
    from sheetsync.transports.outbox import OutboxTransport

    rss, rows = Resident(), list[tuple]()
    for name, label in bench.PIPELINE_STEPS.items():
        if label != "glue":
            watch(pipeline, name, label, rss, rows)
    backend = GoogleSheetsBackend(gspread_client(emulator.host), sheet_id, retry=RetryPolicy())
    for name, label in bench.BACKEND_STEPS.items():
        watch(backend, name, label, rss, rows)
    start = Resident.now()
    options = pipeline.RunOptions(today=bench.TODAY, clock=lambda: bench.NOON)
    with tempfile.TemporaryDirectory() as outbox:
        pipeline.run(backend, OutboxTransport(outbox), options)
    rss.stop()
    print(f"{args.rows:,} milestones, first run; RSS in MB (before the run: {start})")
    print(f"{'step':12} {'function':22} {'before':>7} {'peak':>7} {'after':>7}")
    for label, name, before, peak, after in rows:
        print(f"{label:12} {name:22} {before:7} {peak:7} {after:7}")
    print(f"ru_maxrss {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB")


if __name__ == "__main__":
    main()
