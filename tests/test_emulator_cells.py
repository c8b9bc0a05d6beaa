"""The emulator's updateCells, appendCells and includeSpreadsheetInResponse, over HTTP."""

from __future__ import annotations

import datetime as dt

import pytest

from gsheets_fixtures import backend
from sheetsync.backends.gsheets.finish import append_cells, update_cells
from sheetsync.errors import BackendError
from sheetsync.testing.emulator import SheetsEmulator

GRID = {"Log": [["Key", "Sent"], ["k1", 1], ["k2", 2]], "Other": [["x"]]}


def sheet_id_of(emulator: SheetsEmulator, sheet: str, tab: str) -> int:
    """A tab's sheetId."""
    return int(emulator.sheet_properties(sheet, tab)["sheetId"])


def test_update_cells_writes_values_dates_and_clears(emulator):
    """Text stays text (even "=1+1"), a date is a date cell, "" clears, a missing row is left."""
    sheet = emulator.create_spreadsheet("T", GRID)
    api = backend(emulator, sheet).api
    log = sheet_id_of(emulator, sheet, "Log")
    cells = {1: {2: "=1+1", 3: ""}, 2: {2: dt.date(2027, 1, 7), 3: True}}
    api.batch_update(update_cells(log, cells))
    assert emulator.values(sheet, "Log", render="FORMULA") == [
        ["Key", "Sent"],
        ["=1+1", 46394],
        ["", True],
    ]
    assert emulator.values(sheet, "Log", render="FORMATTED_VALUE")[1][1] == "2027-01-07"


def test_update_cells_past_the_grid_is_refused_and_changes_nothing(emulator):
    """A cell beyond the grid's last row fails the whole batch, as Google does."""
    sheet = emulator.create_spreadsheet("T", GRID)
    api = backend(emulator, sheet).api
    log = sheet_id_of(emulator, sheet, "Log")
    rows = emulator.sheet_properties(sheet, "Log")["gridProperties"]["rowCount"]
    before = emulator.values(sheet, "Log")
    with pytest.raises(BackendError, match="exceeds grid limits"):
        api.batch_update(update_cells(log, {1: {2: "changed", rows + 1: "too far"}}))
    assert emulator.values(sheet, "Log") == before


def test_append_cells_lands_below_the_last_row_with_data(emulator):
    """appendCells writes its rows right under the last filled row, one after the other."""
    sheet = emulator.create_spreadsheet("T", GRID)
    api = backend(emulator, sheet).api
    log = sheet_id_of(emulator, sheet, "Log")
    api.batch_update([append_cells(log, [["k3", 3]]), append_cells(log, [["k4", 4]])])
    assert [row[0] for row in emulator.values(sheet, "Log")] == ["Key", "k1", "k2", "k3", "k4"]


def test_batch_update_answers_with_the_spreadsheet_when_asked(emulator):
    """includeSpreadsheetInResponse with a fields mask gives just the asked-for parts."""
    sheet = emulator.create_spreadsheet("T", GRID)
    api = backend(emulator, sheet).api
    answer = api.batch_update([], fields="properties(title),sheets.properties(title)")
    assert answer == {
        "updatedSpreadsheet": {
            "properties": {"title": "T"},
            "sheets": [{"properties": {"title": "Log"}}, {"properties": {"title": "Other"}}],
        }
    }
    assert "updatedSpreadsheet" not in api.batch_update([])
