"""The emulator's spreadsheets:batchUpdate undo: a failing request puts back everything the
batch's earlier requests changed, and a batch copies only the cells it can change.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from emulator_fixtures import CONTRACTS, MILESTONES
from sheetsync.testing.emulator import SheetsEmulator
from sheetsync.testing.sheets_emulator.batch import HANDLERS
from sheetsync.testing.sheets_emulator.undo import CELL_FREE, CELL_TARGETS, RULE_ATTRIBUTES

pytest_plugins = ["emulator_fixtures"]  # emu, book, gc, http

CONTRACTS_ID, MILESTONES_ID = 0, 1  # the ``book`` fixture's tabs
CONTRACTS_CELL = {"sheetId": CONTRACTS_ID, "startRowIndex": 4, "endRowIndex": 5}
PROTECTED_ID = 42


def everything(emu: SheetsEmulator, book: str) -> Any:
    """A deep copy of all the spreadsheet holds: properties, tabs, cells, rules, names."""
    with emu.store.lock:
        found = emu.store.books[book]
        tabs = [
            (s.props, s.grid.rows, [getattr(s, name) for name in RULE_ATTRIBUTES])
            for s in found.sheets
        ]
        return copy.deepcopy((found.props, found.named_ranges, found.developer_metadata, tabs))


def batch(http: Any, book: str, requests: list[dict[str, Any]], **params: str) -> Any:
    """POST a spreadsheets:batchUpdate; the response."""
    body: dict[str, Any] = {"requests": requests}
    if params:
        body["includeSpreadsheetInResponse"] = True
    return http("POST", f"/v4/spreadsheets/{book}:batchUpdate", json=body, params=params)


def cells(sheet_id: int, row: int, *values: str) -> dict[str, Any]:
    """An updateCells request writing text from column A of a zero-based row."""
    data = [{"userEnteredValue": {"stringValue": value}} for value in values]
    return {
        "updateCells": {
            "start": {"sheetId": sheet_id, "rowIndex": row, "columnIndex": 0},
            "rows": [{"values": data}],
            "fields": "userEnteredValue",
        }
    }


def metadata(value: str, metadata_id: int) -> dict[str, Any]:
    """A createDeveloperMetadata request on the spreadsheet."""
    entry = {
        "metadataId": metadata_id,
        "metadataKey": "lease",
        "metadataValue": value,
        "location": {"spreadsheet": True},
        "visibility": "DOCUMENT",
    }
    return {"createDeveloperMetadata": {"developerMetadata": entry}}


def grid_range(sheet_id: int, rows: int, columns: int) -> dict[str, int]:
    """A GridRange from A1 of a tab."""
    return {"sheetId": sheet_id, "endRowIndex": rows, "endColumnIndex": columns}


@pytest.fixture
def book(emu: SheetsEmulator, http: Any) -> str:
    """A tracker whose tabs already hold rules, a name, a chart and metadata to undo to."""
    made = emu.create_spreadsheet("Tracker", tabs={"Contracts": CONTRACTS})
    chart = {
        "spec": {"basicChart": {"chartType": "BAR"}},
        "position": {"overlayPosition": {"anchorCell": {"sheetId": CONTRACTS_ID}}},
    }
    named = {"namedRangeId": "ids", "name": "Ids", "range": grid_range(MILESTONES_ID, 4, 1)}
    protect = {"protectedRangeId": PROTECTED_ID, "range": grid_range(CONTRACTS_ID, 1, 5)}
    setup = [
        {"addSheet": {"properties": {"sheetId": MILESTONES_ID, "title": "Milestones"}}},
        {"mergeCells": {"range": grid_range(CONTRACTS_ID, 1, 2), "mergeType": "MERGE_ALL"}},
        {"setBasicFilter": {"filter": {"range": grid_range(MILESTONES_ID, 4, 4)}}},
        {"addProtectedRange": {"protectedRange": protect}},
        {"addNamedRange": {"namedRange": named}},
        {"addChart": {"chart": chart}},
        metadata("first", 7),
    ]
    assert batch(http, made, setup).status_code == 200
    emu.edit(made, "Milestones").insert_rows(1, MILESTONES)
    return made


def dimension(sheet_id: int, kind: str, start: int, end: int) -> dict[str, Any]:
    """A DimensionRange."""
    return {"sheetId": sheet_id, "dimension": kind, "startIndex": start, "endIndex": end}


RESIZE = {
    "properties": {
        "sheetId": CONTRACTS_ID,
        "title": "Deals",
        "gridProperties": {"rowCount": 2, "columnCount": 3},
    },
    "fields": "title,gridProperties(rowCount,columnCount)",
}
RELABEL = {
    "dataFilters": [{"developerMetadataLookup": {"metadataKey": "lease"}}],
    "developerMetadata": {"metadataValue": "third"},
    "fields": "metadataValue",
}
APPENDED = [{"values": [{"userEnteredValue": {"stringValue": "M-0004"}}]}] * 3
CHANGES: dict[str, list[dict[str, Any]]] = {
    "cells": [
        cells(MILESTONES_ID, 1, "M-9999", "C-009"),
        cells(CONTRACTS_ID, 5, "C-005"),
        {"insertDimension": {"range": dimension(CONTRACTS_ID, "ROWS", 0, 1)}},
        {"deleteDimension": {"range": dimension(MILESTONES_ID, "COLUMNS", 3, 4)}},
        {"sortRange": {"range": grid_range(MILESTONES_ID, 4, 4), "sortSpecs": [{}]}},
        {
            "cutPaste": {
                "source": grid_range(CONTRACTS_ID, 2, 2),
                "destination": {"sheetId": MILESTONES_ID},
            }
        },
        {"copyPaste": {"source": grid_range(CONTRACTS_ID, 1, 1), "destination": CONTRACTS_CELL}},
        {"appendCells": {"sheetId": MILESTONES_ID, "rows": APPENDED, "fields": "userEnteredValue"}},
    ],
    "tabs": [
        {"addSheet": {"properties": {"sheetId": 5, "title": "Log", "index": 0}}},
        cells(5, 0, "Run", "When"),
        {"updateSheetProperties": RESIZE},
        {"appendDimension": {"sheetId": MILESTONES_ID, "dimension": "ROWS", "length": 5}},
        {"deleteSheet": {"sheetId": MILESTONES_ID}},
        {"updateSpreadsheetProperties": {"properties": {"title": "Gone"}, "fields": "title"}},
    ],
    "rules": [
        {"repeatCell": {"range": grid_range(CONTRACTS_ID, 1, 5), "fields": "userEnteredFormat"}},
        {"setDataValidation": {"range": grid_range(MILESTONES_ID, 4, 1)}},
        {"addConditionalFormatRule": {"rule": {"ranges": [grid_range(MILESTONES_ID, 4, 1)]}}},
        {"unmergeCells": {"range": grid_range(CONTRACTS_ID, 1, 2)}},
        {"mergeCells": {"range": grid_range(MILESTONES_ID, 2, 2), "mergeType": "MERGE_ROWS"}},
        {"clearBasicFilter": {"sheetId": MILESTONES_ID}},
        {"deleteProtectedRange": {"protectedRangeId": PROTECTED_ID}},
        {"addDimensionGroup": {"range": dimension(CONTRACTS_ID, "ROWS", 1, 2)}},
    ],
    "metadata": [
        {"deleteDeveloperMetadata": {"dataFilter": {"developerMetadataLookup": {"metadataId": 7}}}},
        metadata("second", 8),
        {"updateDeveloperMetadata": RELABEL},
        {"addNamedRange": {"namedRange": {"name": "More", "range": grid_range(0, 1, 1)}}},
        {"deleteNamedRange": {"namedRangeId": "ids"}},
    ],
}
CHANGES["all"] = [*CHANGES["metadata"], *CHANGES["rules"], *CHANGES["cells"], *CHANGES["tabs"]]
FAILING = {"deleteSheet": {"sheetId": 999}}


@pytest.mark.parametrize("kind", sorted(CHANGES))
def test_a_failing_request_undoes_every_earlier_change(
    emu: SheetsEmulator, http: Any, book: str, kind: str
) -> None:
    """Cells, tabs, rules and metadata changed before the failing request are all put back."""
    before = everything(emu, book)
    answer = batch(http, book, [*CHANGES[kind], FAILING])
    assert answer.status_code == 400
    failed = f"Invalid requests[{len(CHANGES[kind])}].deleteSheet: No grid with id: 999"
    assert answer.json()["error"]["message"] == failed
    assert everything(emu, book) == before
    assert batch(http, book, CHANGES[kind]).status_code == 200  # they do change it, alone
    assert everything(emu, book) != before


def big_book(emu: SheetsEmulator, rows: int) -> str:
    """A spreadsheet with a large Milestones tab and a smaller Log."""
    milestones = [MILESTONES[0], *([f"M-{n}", "C-001", "QBR", n] for n in range(rows))]
    log = [["Run", "Note"], *([f"run {n}", "sent"] for n in range(rows // 10))]
    return emu.create_spreadsheet("Big", tabs={"Milestones": milestones, "Log": log})


def rows_copied(emu: SheetsEmulator, book: str) -> dict[str, int]:
    """How many rows each tab's cells have had copied for an undo."""
    return {sheet.title: sheet.grid.rows_copied for sheet in emu.store.books[book].sheets}


def test_a_metadata_batch_copies_no_cell(emu: SheetsEmulator, http: Any) -> None:
    """Taking a lease (metadata, with the layout in the answer) copies none of the grid."""
    book = big_book(emu, 20_000)
    mask = "updatedSpreadsheet(sheets.properties(title,gridProperties),developerMetadata)"
    stale = {"developerMetadataLookup": {"metadataKey": "lease"}}
    take = [{"deleteDeveloperMetadata": {"dataFilter": stale}}, metadata("mine", 7)]
    answer = batch(http, book, take, fields=mask)
    assert answer.status_code == 200
    layout = answer.json()["updatedSpreadsheet"]
    assert [s["properties"]["gridProperties"]["rowCount"] for s in layout["sheets"]] == [
        20_001,
        2_001,
    ]
    assert [m["metadataValue"] for m in layout["developerMetadata"]] == ["mine"]
    assert rows_copied(emu, book) == {"Milestones": 0, "Log": 0}


def test_a_batch_copies_only_the_tab_it_writes(emu: SheetsEmulator, http: Any) -> None:
    """Writing one tab copies that tab's rows once, however many requests write it."""
    book = big_book(emu, 20_000)
    log_id = emu.sheet_properties(book, "Log")["sheetId"]
    writes = [cells(log_id, 1, "run 0", "resent"), cells(log_id, 2, "run 1", "resent")]
    assert batch(http, book, [metadata("mine", 7), *writes]).status_code == 200
    assert rows_copied(emu, book) == {"Milestones": 0, "Log": 2_001}
    assert emu.values(book, "Log")[1:3] == [["run 0", "resent"], ["run 1", "resent"]]


def test_a_failing_batch_puts_back_the_tab_it_wrote(emu: SheetsEmulator, http: Any) -> None:
    """The copied rows are what a failing batch restores; the other tab is left as it is."""
    book = big_book(emu, 2_000)
    log_id = emu.sheet_properties(book, "Log")["sheetId"]
    before = everything(emu, book)
    answer = batch(http, book, [cells(log_id, 1, "changed"), metadata("mine", 7), FAILING])
    assert answer.status_code == 400
    assert everything(emu, book) == before
    assert rows_copied(emu, book) == {"Milestones": 0, "Log": 201}


def test_an_unknown_tab_in_a_cell_write_keeps_every_tab(emu: SheetsEmulator, http: Any) -> None:
    """A write whose tab cannot be found is taken to change any tab (and fails as Google's)."""
    book = big_book(emu, 2_000)
    answer = batch(http, book, [cells(12345, 0, "x")])
    assert answer.status_code == 400
    assert answer.json()["error"]["message"].endswith("No grid with id: 12345")
    assert rows_copied(emu, book) == {"Milestones": 2_001, "Log": 201}


def test_every_request_kind_says_which_cells_it_can_change() -> None:
    """Each batchUpdate kind is either cell-free or names its tabs (else it keeps every tab)."""
    assert not CELL_FREE & set(CELL_TARGETS)
    assert CELL_FREE | set(CELL_TARGETS) == set(HANDLERS)
