"""Time Log pruning on both backends: a Log of many expired rows, some still guarding.

    python bench/prune.py --rows 60000 --kept 3000 [--old 2000]

The Log holds ``--rows`` expired rows (past occurrences, sent in 2021) with ``--kept``
rows spread evenly among them that must stay (old rows about a current due date), so
the expired rows come in ``--kept`` separate runs. Each backend prunes through
its real ``write_status``: the workbook loads, prunes and saves the file with openpyxl;
the Google backend re-reads the Log and sends deleteDimension ranges through gspread to
the Sheets API emulator (in this process, quotas off). Printed: wall and CPU seconds
for the whole call and, for the workbook, for the prune alone (in memory); the API
calls; the rows left. With ``--old N`` the row-at-a-time deletion the workbook used
before is timed on N rows.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import openpyxl

from sheetsync.backends.gsheets import GoogleSheetsBackend
from sheetsync.backends.xlsx import XlsxBackend
from sheetsync.backends.xlsx.backend import _prune
from sheetsync.record.prune import LogPrune, rows_to_prune
from sheetsync.schema import LOG_COLUMNS
from sheetsync.testing.emulator import SheetsEmulator, gspread_client

TODAY = dt.date(2026, 12, 1)
REST = ["C-1", "M-1", "ann@example.com", "Reminder: pay", "<m@example.com>", "sent"]


def log_grid(expired: int, kept: int) -> list[list[object]]:
    """The Log: ``expired`` old rows with ``kept`` rows that must stay spread among them."""
    rows: list[list[object]] = [list(LOG_COLUMNS)]
    every = max(1, expired // max(kept, 1))
    for n in range(expired):
        rows.append(["2021-03-01T12:00:00Z", "reminder", f"reminder:M-{n}:2021-04-01:30", *REST])
        if n % every == every - 1 and (len(rows) - 1) - (n + 1) < kept:
            current = f"reminder:K-{n}:2027-01-01:30"
            rows.append(["2021-03-01T12:00:00Z", "reminder", current, *REST])
    return rows


def policy(grid: list[list[object]]) -> LogPrune:
    """Everything before 2025-10-27 may go, except rows about the K- milestones."""
    current = frozenset((str(r[2]).split(":")[1], "2027-01-01") for r in grid if "K-" in str(r[2]))
    return LogPrune(TODAY - dt.timedelta(days=400), f"{TODAY:%Y-%m}", current)


def bench_workbook(grid: list[list[object]], folder: Path) -> dict[str, object]:
    """write_status on a workbook holding the Log; the prune alone, timed in memory."""
    path = folder / "tracker.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "Log"
    for row in grid:
        book.active.append(row)
    book.save(path)
    loaded = openpyxl.load_workbook(path)
    with timed() as prune_only:
        _prune(loaded["Log"], policy(grid))
    with timed() as whole:
        XlsxBackend(path).write_status([], policy(grid))
    left = openpyxl.load_workbook(path, read_only=True)["Log"].max_row
    return {"write_status": whole, "prune_alone": prune_only, "rows_left": left}


@contextmanager
def timed() -> Iterator[dict[str, float]]:
    """Wall and CPU seconds of the block (the machine is shared: CPU is the steadier)."""
    got: dict[str, float] = {}
    wall, cpu = time.perf_counter(), time.process_time()
    yield got
    got["wall_s"] = round(time.perf_counter() - wall, 2)
    got["cpu_s"] = round(time.process_time() - cpu, 2)


def bench_google(grid: list[list[object]]) -> dict[str, object]:
    """write_status through gspread against the emulator: calls, seconds, rows left."""
    with SheetsEmulator() as emu:
        emu.disable_quotas()
        sheet = emu.create_spreadsheet("Tracker", {"Log": grid})
        backend = GoogleSheetsBackend(gspread_client(emu.host), sheet)
        backend.read()
        emu.reset_counts()
        with timed() as whole:
            backend.write_status([], policy(grid))
        return {
            "write_status": whole,
            "api_calls": dict(emu.calls),
            "rows_left": len(emu.values(sheet, "Log")),
        }


def bench_old(rows: int) -> dict[str, float]:
    """Seconds the former row-at-a-time deletion takes for ``rows`` expired rows."""
    grid = log_grid(rows, rows // 20)
    book = openpyxl.Workbook()
    sheet = book.active
    for row in grid:
        sheet.append(row)
    doomed = rows_to_prune(grid, policy(grid))
    with timed() as spent:
        for row in sorted(doomed, reverse=True):
            sheet.delete_rows(row)
    return spent


def main() -> None:
    """Parse arguments, run both benches, print one JSON object."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=60_000, help="expired Log rows")
    parser.add_argument("--kept", type=int, default=3_000, help="rows that must stay")
    parser.add_argument("--old", type=int, default=0, help="time the old way on N rows")
    args = parser.parse_args()
    grid = log_grid(args.rows, args.kept)
    with tempfile.TemporaryDirectory() as folder:
        out: dict[str, object] = {"expired": args.rows, "kept": len(grid) - 1 - args.rows}
        out["workbook"] = bench_workbook(grid, Path(folder))
        out["google"] = bench_google(grid)
        if args.old:
            out[f"workbook_row_at_a_time_{args.old}"] = bench_old(args.old)
    print(json.dumps(out), file=sys.stdout)


if __name__ == "__main__":
    main()
