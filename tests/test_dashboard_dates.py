"""The Dashboard's dates are real dates, shown in the reader's locale, on both backends.

On a Google Sheet, serial numbers under a DATE format without a pattern: they sort as
dates and show in the sheet's locale. The emulator stores the format requests as sent; the
run goes through the real gspread client. In a workbook, date cells under Excel's built-in
short date (number format 14), which Excel and LibreOffice show in the reader's locale.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Iterator

import openpyxl
import pytest
from openpyxl.styles.numbers import BUILTIN_FORMATS_REVERSE

from conftest import write_workbook
from gsheets_fixtures import backend as google_backend
from gsheets_fixtures import quick_retry
from sheetsync.backends.gsheets.lease import LeasePolicy
from sheetsync.backends.xlsx import XlsxBackend
from sheetsync.cells.dates import to_serial
from sheetsync.errors import SheetsyncError
from sheetsync.init.sample import sample_tracker
from sheetsync.pipeline import run
from sheetsync.testing.emulator import Fault, SheetsEmulator
from sheetsync.transports.outbox import OutboxTransport
from test_pipeline import ANCHOR, options


@pytest.fixture(scope="module")
def emulator() -> Iterator[SheetsEmulator]:
    """One emulator for the module, without quotas."""
    with SheetsEmulator() as emu:
        emu.disable_quotas()
        yield emu


def run_once(emulator: SheetsEmulator, sheet: str, tmp_path, day: dt.date = ANCHOR) -> None:
    """One run of the Google tracker as of ``day``."""
    run(google_backend(emulator, sheet), OutboxTransport(tmp_path / "outbox"), options(day))


def date_ranges(emulator: SheetsEmulator, sheet: str) -> list[dict[str, object]]:
    """The ranges of the Dashboard that a format request made dates."""
    return [
        f["range"]
        for f in emulator.stored_rules(sheet, "Dashboard")["formats"]
        if f["cell"]["userEnteredFormat"].get("numberFormat") == {"type": "DATE"}
    ]


def dates_in(grid: list[list[object]]) -> list[object]:
    """The as-of cell, then every value of column A below the chart's table."""
    return [grid[1][2], *(row[0] for row in grid[26:] if row and row[0] != "")]


def test_dashboard_dates_are_serials_under_a_date_format(emulator, tmp_path):
    """As-of and every Due / Oldest due are numbers under a DATE format (the locale's)."""
    sheet = emulator.create_spreadsheet("Tracker", sample_tracker(ANCHOR))  # type: ignore[arg-type]
    run_once(emulator, sheet, tmp_path)
    grid = emulator.values(sheet, "Dashboard")
    assert grid[1][1:3] == ["As of", int(to_serial(ANCHOR))]
    numbers = [v for v in dates_in(grid) if isinstance(v, int | float)]
    assert len(numbers) > 10 and all(40000 < v < 50000 for v in numbers)
    ranges = date_ranges(emulator, sheet)
    column_a = [r for r in ranges if (r.get("startColumnIndex"), r.get("endColumnIndex")) == (0, 1)]
    as_of = [r for r in ranges if r.get("startRowIndex") == 1 and r.get("startColumnIndex") == 2]
    assert len(column_a) == 1 and "startRowIndex" not in column_a[0] and len(as_of) == 1


def test_a_dashboard_with_iso_text_dates_gets_its_formats_once(emulator, tmp_path):
    """A tab an older version wrote (ISO text dates) gets the date formats on the next run,
    in the run's last batchUpdate (no extra call); the run after that sends none."""
    grids = sample_tracker(ANCHOR)
    sheet = emulator.create_spreadsheet("Tracker", grids)  # type: ignore[arg-type]
    run_once(emulator, sheet, tmp_path)
    emulator.edit(sheet, "Dashboard").type("C2", "'2026-11-30")  # text, as the old version wrote it
    before = len(date_ranges(emulator, sheet))
    upgrade = calls_of_run(emulator, sheet, tmp_path, ANCHOR + dt.timedelta(days=1))
    assert len(date_ranges(emulator, sheet)) == before + 2
    assert emulator.values(sheet, "Dashboard")[1][2] == int(to_serial(ANCHOR)) + 1
    daily = calls_of_run(emulator, sheet, tmp_path, ANCHOR + dt.timedelta(days=2))
    assert len(date_ranges(emulator, sheet)) == before + 2
    assert upgrade == daily, (upgrade, daily)


def calls_of_run(emulator: SheetsEmulator, sheet: str, tmp_path, day: dt.date) -> Counter[str]:
    """The API calls, by kind, one run as of ``day`` makes."""
    before = Counter(emulator.calls)
    run_once(emulator, sheet, tmp_path, day)
    return Counter(emulator.calls) - before


def test_workbook_dashboard_dates_are_the_readers_short_date(tmp_path):
    """In a workbook the as-of cell and every date listed are dates under the built-in short
    date (format 14, the reader's locale), not yyyy-mm-dd text or an ISO pattern."""
    path = write_workbook(tmp_path / "tracker.xlsx", sample_tracker(ANCHOR))
    run(XlsxBackend(str(path)), OutboxTransport(tmp_path / "outbox"), options(ANCHOR))
    sheet = openpyxl.load_workbook(path)["Dashboard"]
    as_of = sheet["C2"]
    listed = [row[0] for row in sheet.iter_rows(min_row=27) if isinstance(row[0].value, dt.date)]
    assert as_of.value.date() == ANCHOR and len(listed) > 10
    formats = {cell.number_format for cell in (as_of, *listed)}
    assert {BUILTIN_FORMATS_REVERSE.get(f) for f in formats} == {14}


LOST = {  # the answer to the batchUpdate carrying the formats, lost: carried out or not
    "500-not-carried-out": Fault(500),
    "500-carried-out": Fault(500, applied=True),
    "dropped-carried-out": Fault(applied=True, drop=True),
}


@pytest.mark.parametrize("fault", list(LOST.values()), ids=list(LOST))
def test_old_text_dates_are_formatted_even_when_the_answer_is_lost(emulator, tmp_path, fault):
    """The batchUpdate formatting an older Dashboard's text dates loses its answer: by the
    next run the dates have their format (once) and the as-of cell is a date serial."""
    sheet = emulator.create_spreadsheet("Tracker", sample_tracker(ANCHOR))  # type: ignore[arg-type]
    run_once(emulator, sheet, tmp_path)
    last = calls_of_run(emulator, sheet, tmp_path, ANCHOR)["spreadsheets.batchUpdate"]
    emulator.edit(sheet, "Dashboard").type("C2", "'2026-11-30")  # as the old version wrote it
    before = len(date_ranges(emulator, sheet))
    emulator.fail_calls({last: fault}, "spreadsheets.batchUpdate")  # the run's last one
    try:
        run_once(emulator, sheet, tmp_path, ANCHOR + dt.timedelta(days=1))
    finally:
        emulator.fail_calls({})
    run_once(emulator, sheet, tmp_path, ANCHOR + dt.timedelta(days=2))
    assert emulator.values(sheet, "Dashboard")[1][2] == int(to_serial(ANCHOR)) + 2
    assert len(date_ranges(emulator, sheet)) == before + 2


def test_old_text_dates_are_formatted_by_the_next_run_when_one_gives_up(emulator, tmp_path):
    """The run formatting an older Dashboard's text dates gives up on its last batchUpdate
    (every answer a 503): the as-of cell stays text, so the next run formats the dates."""
    sheet = emulator.create_spreadsheet("Tracker", sample_tracker(ANCHOR))  # type: ignore[arg-type]
    run_once(emulator, sheet, tmp_path)
    last = calls_of_run(emulator, sheet, tmp_path, ANCHOR)["spreadsheets.batchUpdate"]
    emulator.edit(sheet, "Dashboard").type("C2", "'2026-11-30")  # as the old version wrote it
    before = len(date_ranges(emulator, sheet))
    emulator.fail_calls(dict.fromkeys(range(last, last + 40), 503), "spreadsheets.batchUpdate")
    doomed = google_backend(emulator, sheet, retry=quick_retry(budget=5.0))
    try:
        with pytest.raises(SheetsyncError):
            run(doomed, OutboxTransport(tmp_path / "outbox"), options(ANCHOR + dt.timedelta(1)))
    finally:
        emulator.fail_calls({})
    assert emulator.values(sheet, "Dashboard")[1][2] == "2026-11-30"
    later = LeasePolicy(settle=0.0, clock=lambda: time.time() + LeasePolicy().ttl + 60)
    next_run = google_backend(emulator, sheet, lease=later)  # the dead run's lease expired
    run(next_run, OutboxTransport(tmp_path / "outbox"), options(ANCHOR + dt.timedelta(days=2)))
    assert emulator.values(sheet, "Dashboard")[1][2] == int(to_serial(ANCHOR)) + 2
    assert len(date_ranges(emulator, sheet)) == before + 2
