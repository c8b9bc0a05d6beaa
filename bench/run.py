"""Time a full run against the Sheets API emulator, beside the I/O floor and a naive script.

    python bench/run.py --rows 1000 --rows 10000 --rows 100000 --rows 500000

For each size, in a fresh process (so its peak RSS is its own): a synthetic tracker of
``--rows`` milestones (``bench/synthetic.py``, a contract per four) is seeded into the
emulator, then ``sheetsync.pipeline.run`` reads it through the real gspread client,
writes the system columns and the Log, and renders the emails into a temporary outbox.
The emulator (quotas off) runs in a second process, as Google would: its CPU and memory
are not the run's. Each step the pipeline calls is wrapped in a timer (exclusive wall
and CPU seconds); the pipeline itself is unchanged.

Then, in the same process, the references: the I/O floor (``bench/floor.py``: one
values:batchGet of a fresh copy of the tracker and one RAW values:batchUpdate of the
cells the run wrote, one range per column; then, timed apart, the same cells as the
run's own ranges) and the naive per-row script on 1,000 rows.

With ``--next-day``, the run of the following day on the same sheet is timed too (the
daily cost once the first run has written everything). The last line printed is the
JSON object of the last size.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import multiprocessing
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

TODAY = dt.date(2026, 12, 1)
NOON = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
NAIVE_ROWS = 1_000
TABS = ("Contracts", "Milestones", "Settings", "Log")
CAPTURE = "(bench capture)"
BACKGROUND = " (background)"
STDERR_LINES = 30  # of a failed size's child, printed
PIPELINE_STEPS = {
    "run": "glue",
    "prepare": "glue",
    "normalize": "normalize",
    "derive": "derive",
    "evaluate_milestones": "evaluate",
    "_attach_problems": "evaluate",
    "contract_health": "evaluate",
    "plan_notifications": "plan",
    "compose_batch": "render",  # one delivery batch at a time, inside deliver
    "deliver": "deliver",
    "_status_writes": "plan writes",
    "prune_policy": "plan writes",
    "new_milestone_rows": "plan writes",
}
BACKEND_STEPS = {
    "read": "read",
    "write_status": "write",
    "append_log": "write log",
    "append_rows": "write",
    "write_early": "write early",
}


class Steps:
    """Exclusive wall and CPU seconds per label: a nested step's time is not its caller's.

    A step the run takes on a background thread (a Log append, a values:batchUpdate in
    flight while the next is built) is labelled ``… (background)``: its wall overlaps
    the main thread's steps, so the total wall is the main thread's alone. CPU is each
    thread's own; the total is the whole process's during the outermost step.
    """

    def __init__(self) -> None:
        self.wall: dict[str, float] = defaultdict(float)
        self.cpu: dict[str, float] = defaultdict(float)
        self._local = threading.local()  # each thread's open steps
        self._process_cpu = 0.0
        self._wrapped: list[tuple[object, str, Any]] = []

    @contextmanager
    def step(self, label: str) -> Iterator[None]:
        """Time the block under ``label``, minus the steps timed inside it."""
        if threading.current_thread() is not threading.main_thread():
            label += BACKGROUND
        children = self._local.__dict__.setdefault("children", [])
        outermost = not children and not label.endswith(BACKGROUND)
        children.append([0.0, 0.0])
        wall, cpu, process = time.perf_counter(), time.thread_time(), time.process_time()
        try:
            yield
        finally:
            wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
            if outermost:
                self._process_cpu += time.process_time() - process
            inner = children.pop()
            self.wall[label] += wall - inner[0]
            self.cpu[label] += cpu - inner[1]
            if children:
                children[-1][0] += wall
                children[-1][1] += cpu

    def wrap(self, owner: object, name: str, label: str) -> None:
        """Replace ``owner.name`` by the same callable, timed under ``label``."""
        original = getattr(owner, name)

        @functools.wraps(original)
        def timed(*args: Any, **kwargs: Any) -> Any:
            with self.step(label):
                return original(*args, **kwargs)

        self._wrapped.append((owner, name, original))
        setattr(owner, name, timed)

    def unwrap(self) -> None:
        """Put every wrapped callable back."""
        for owner, name, original in reversed(self._wrapped):
            setattr(owner, name, original)
        self._wrapped.clear()

    def totals(self) -> tuple[float, float]:
        """Wall seconds of the main thread's steps and CPU seconds of the process, both
        without the bench's own capture."""
        main = [k for k in self.wall if not k.endswith(BACKGROUND)]
        wall = sum(self.wall[k] for k in main if k != CAPTURE)
        capture = sum(v for k, v in self.cpu.items() if k.startswith(CAPTURE))
        return wall, self._process_cpu - capture


class EmulatorProcess:
    """The Sheets API emulator in a child process, seeded there, steered over a pipe."""

    def __init__(self, rows: int) -> None:
        context = multiprocessing.get_context("fork")
        self._conn, child = context.Pipe()
        args = (child, rows)
        self._process = context.Process(target=_serve, args=args, daemon=True)
        self._process.start()
        self.host: str = self._conn.recv()

    def ask(self, request: str) -> Any:
        """Send a request ("seed", "seed naive", "counters", "drop ID") and return the answer."""
        self._conn.send(request)
        return self._conn.recv()

    def stop(self) -> None:
        """Stop the emulator and wait for its process."""
        self._conn.send("stop")
        self._process.join()


def _serve(conn: Any, rows: int) -> None:
    from synthetic import synthetic_tracker

    from sheetsync.testing.emulator import SheetsEmulator

    grids = {"Tracker": synthetic_tracker(rows, TODAY), "Naive": synthetic_tracker(1_000, TODAY)}
    with SheetsEmulator() as emulator:
        emulator.disable_quotas()
        conn.send(emulator.host)
        while (request := conn.recv()) != "stop":
            conn.send(_answer(emulator, request, grids))


def _answer(emulator: Any, request: str, grids: dict[str, Any]) -> Any:
    if request.startswith("seed"):
        title = "Naive" if request == "seed naive" else "Tracker"
        return emulator.create_spreadsheet(title, grids[title])
    if request.startswith("drop "):
        return emulator.store.delete(request.removeprefix("drop "))
    counters = {
        "calls": dict(emulator.calls),
        "bytes_received": emulator.bytes_received,
        "bytes_sent": emulator.bytes_sent,
    }
    emulator.reset_counts()
    return counters


def instrument(steps: Steps, backend: Any, writes: Path) -> None:
    """Wrap the pipeline's steps, the backend's I/O and its HTTP requests in timers."""
    from sheetsync import pipeline

    for name, label in PIPELINE_STEPS.items():
        steps.wrap(pipeline, name, label)
    for name, label in BACKEND_STEPS.items():
        steps.wrap(backend, name, label)
    steps.wrap(backend.http, "request", "HTTP (wait for the API)")
    _capture_writes(steps, backend, writes)


def _capture_writes(steps: Steps, backend: Any, writes: Path) -> None:
    """Save the cells the run writes to ``writes`` (JSON lines of value ranges) for the floor.

    Each RAW values:batchUpdate body is saved as it is; the updateCells requests of a
    spreadsheets:batchUpdate (the cells of new rows, columns and tabs, in the run's last
    one) are saved as the value ranges that write the same cells.
    """
    from floor import updated_cells

    api = backend.api
    values_update, batch_update = api.values_update, api.batch_update

    def save(data: list[dict[str, Any]]) -> None:
        if data:
            with steps.step(CAPTURE), writes.open("a", encoding="utf-8") as out:
                out.write(json.dumps(data, ensure_ascii=False) + "\n")

    def capture(data: list[dict[str, Any]], option: str = "RAW") -> Any:
        if option == "RAW":
            save(data)
        return values_update(data, option)

    def capture_cells(requests: list[dict[str, Any]], *args: Any, **kwargs: Any) -> Any:
        titles = {info.sheet_id: info.title for info in backend._tabs.values()}
        save(updated_cells(requests, titles))
        return batch_update(requests, *args, **kwargs)

    api.values_update, api.batch_update = capture, capture_cells


def full_run(
    emulator: EmulatorProcess, sheet_id: str, writes: Path, days_later: int = 0
) -> dict[str, Any]:
    """``pipeline.run`` on the seeded tracker ``days_later`` days after TODAY, step by step."""
    from sheetsync import pipeline
    from sheetsync.backends.gsheets import GoogleSheetsBackend
    from sheetsync.backends.gsheets.retry import RetryPolicy
    from sheetsync.testing.emulator import gspread_client
    from sheetsync.transports.outbox import OutboxTransport

    backend = GoogleSheetsBackend(gspread_client(emulator.host), sheet_id, retry=RetryPolicy())
    steps = Steps()
    instrument(steps, backend, writes)
    later = dt.timedelta(days=days_later)
    options = pipeline.RunOptions(today=TODAY + later, clock=lambda: NOON + later)
    with tempfile.TemporaryDirectory() as outbox:
        result = pipeline.run(backend, OutboxTransport(outbox), options)
    steps.unwrap()
    wall, cpu = steps.totals()
    return {
        "wall_s": round(wall, 3),
        "cpu_s": round(cpu, 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "steps_s": _rounded(steps.wall),
        "steps_cpu_s": _rounded(steps.cpu),
        "emails": result.emails,
        "problems": len(result.problems),
    }


def measure(rows: int, next_day: bool = False) -> dict[str, Any]:
    """The full run, its API traffic, the I/O floor and the naive script, for one size.

    With ``next_day``, also the run of the day after on the same sheet (``next_day_*``).
    """
    emulator = EmulatorProcess(rows)  # forked before anything heavy is imported
    from floor import io_floor, naive

    from sheetsync.cells.dates import to_serial
    from sheetsync.testing.emulator import gspread_client

    with tempfile.TemporaryDirectory() as folder:
        writes = Path(folder) / "writes.jsonl"
        sheet_id = emulator.ask("seed")
        run = full_run(emulator, sheet_id, writes)
        traffic = _traffic(emulator.ask("counters"))
        later = _next_day(emulator, sheet_id, Path(folder)) if next_day else {}
        emulator.ask(f"drop {sheet_id}")
        copy = emulator.ask("seed")
        emulator.ask("counters")
        client = gspread_client(emulator.host)
        floor = io_floor(client, copy, list(TABS), _merged(writes))
    reference = naive(client, emulator.ask("seed naive"), NAIVE_ROWS, int(to_serial(TODAY)))
    emulator.stop()
    ratio = round(run["wall_s"] / floor["floor_s"], 2)
    return {
        "rows": rows,
        **run,
        **traffic,
        **floor,
        "ratio_vs_floor": ratio,
        **reference,
        **later,
    }


def _next_day(emulator: EmulatorProcess, sheet_id: str, folder: Path) -> dict[str, Any]:
    """The daily run after the first: wall, CPU, emails, calls and bytes."""
    run = full_run(emulator, sheet_id, folder / "next-day.jsonl", days_later=1)
    traffic = _traffic(emulator.ask("counters"))
    keep = (
        "wall_s",
        "cpu_s",
        "emails",
        "steps_s",
        "steps_cpu_s",
        "api_calls",
        "bytes_to_api",
        "bytes_from_api",
    )
    return {f"next_day_{k}": v for k, v in (run | traffic).items() if k in keep}


def _merged(writes: Path) -> list[dict[str, Any]]:
    """The value ranges of every captured values:batchUpdate body, in order."""
    lines = writes.read_text(encoding="utf-8").splitlines() if writes.exists() else []
    return [vr for line in lines for vr in json.loads(line)]


def _traffic(counters: dict[str, Any]) -> dict[str, Any]:
    calls = counters["calls"]
    return {
        "api_calls": sum(calls.values()),
        "calls_by_kind": calls,
        "bytes_to_api": counters["bytes_received"],
        "bytes_from_api": counters["bytes_sent"],
    }


def _rounded(values: dict[str, float]) -> dict[str, float]:
    return {k: round(v, 3) for k, v in sorted(values.items(), key=lambda kv: -kv[1])}


def _line(r: dict[str, Any]) -> str:
    return (
        f"{r['rows']:>9,} milestones: wall {r['wall_s']:.2f} s, CPU {r['cpu_s']:.2f} s, "
        f"peak RSS {r['peak_rss_mb']:,} MB, {r['emails']} emails, {r['problems']} problems, "
        f"{r['api_calls']} API calls {r['calls_by_kind']}, "
        f"{r['bytes_to_api']:,} B sent / {r['bytes_from_api']:,} B received; "
        f"floor {r['floor_s']:.2f} s (ratio {r['ratio_vs_floor']}; the run's "
        f"{r['write_ranges']:,} ranges instead of one per column: {r['floor_ranges_s']:.2f} s); "
        f"naive {r['naive_rows']:,} rows: {r['naive_calls']:,} calls, {r['naive_s']:.1f} s "
        f"on loopback, {r['naive_quota_min']} min at 60 writes/min\n"
        f"    steps wall {r['steps_s']}\n    steps CPU  {r['steps_cpu_s']}"
    ) + (_next_day_line(r) if "next_day_wall_s" in r else "")


def _next_day_line(r: dict[str, Any]) -> str:
    return (
        f"\n    next day: wall {r['next_day_wall_s']:.2f} s, CPU {r['next_day_cpu_s']:.2f} s, "
        f"{r['next_day_emails']} emails, {r['next_day_api_calls']} API calls, "
        f"{r['next_day_bytes_to_api']:,} B sent / {r['next_day_bytes_from_api']:,} B received"
        f"\n    next day steps wall {r['next_day_steps_s']}"
        f"\n    next day steps CPU  {r['next_day_steps_cpu_s']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, action="append", help="milestones (repeatable)")
    parser.add_argument(
        "--next-day", action="store_true", help="also time the next day's run on the same sheet"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sizes = args.rows or [1_000]
    flags = ["--next-day"] * args.next_day
    if args.child:
        print(json.dumps(measure(sizes[0], args.next_day)))
        return
    for rows in sizes:
        result = _child(rows, flags)
        print(_line(result), flush=True)
    print(json.dumps(result))


def _child(rows: int, flags: list[str]) -> dict[str, Any]:
    """Measure one size in a child process; its traceback's tail when it fails."""
    done = subprocess.run(
        [sys.executable, __file__, "--child", "--rows", str(rows), *flags],
        check=False,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-STDERR_LINES:])
        sys.exit(f"{rows:,} rows failed (exit {done.returncode}):\n{tail}")
    return json.loads(done.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
