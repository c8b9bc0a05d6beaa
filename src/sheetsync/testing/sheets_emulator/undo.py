"""What a ``spreadsheets:batchUpdate`` keeps so that a failing request can undo the batch.

Properties, rules, merges, filters, charts, named ranges and developer metadata are
small: they are copied whole when the batch begins. A tab's cells can be millions, so
they are copied only before the first request that can change them: a batch that only
writes metadata or properties (the lease a run takes and releases) copies no cell, and
one that writes a tab copies that tab alone, as Google's cost would grow with what a
batch touches, not with the size of the spreadsheet.

Which tabs a request can change the cells of is decided by its kind: the kinds in
:data:`CELL_FREE` change none; those in :data:`CELL_TARGETS` change the tabs their
payload names; any other kind, or a payload that does not name an existing tab, is
taken to change every tab (slower, never wrong).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from .cells import Cell
from .model import Sheet, Spreadsheet
from .requests_common import range_sheet

CELL_FREE = frozenset(
    {
        "addSheet",
        "deleteSheet",
        "updateSpreadsheetProperties",
        "appendDimension",
        "addDimensionGroup",
        "deleteDimensionGroup",
        "repeatCell",
        "setDataValidation",
        "addConditionalFormatRule",
        "addProtectedRange",
        "deleteProtectedRange",
        "addNamedRange",
        "deleteNamedRange",
        "setBasicFilter",
        "clearBasicFilter",
        "createDeveloperMetadata",
        "updateDeveloperMetadata",
        "deleteDeveloperMetadata",
        "addChart",
        "updateChartSpec",
        "deleteEmbeddedObject",
        "unmergeCells",
        "updateDimensionProperties",
        "autoResizeDimensions",
    }
)
"""Request kinds whose handlers never change a stored cell (deleteSheet drops the tab whole)."""


def _range(request: dict[str, Any]) -> list[Any]:
    return [request.get("range", {})]


CELL_TARGETS: dict[str, Callable[[dict[str, Any]], list[Any]]] = {
    "updateCells": lambda request: [request.get("start") or request.get("range")],
    "appendCells": lambda request: [request],
    "updateSheetProperties": lambda request: [request.get("properties", {})],
    "insertDimension": _range,
    "deleteDimension": _range,
    "sortRange": _range,
    "mergeCells": _range,
    "copyPaste": lambda request: [request.get("destination", {})],
    "cutPaste": lambda request: [request.get("source", {}), request.get("destination", {})],
}
"""Request kinds that change cells, and the parts of their payload holding those tabs' sheetId."""

Kept = tuple[Sheet, dict[str, Any], dict[str, Any]]


class Undo:
    """The spreadsheet as a batch found it, enough to put it back after a failed request."""

    def __init__(self, book: Spreadsheet) -> None:
        self._book = book
        self._props = copy.deepcopy(book.props)
        self._named = copy.deepcopy(book.named_ranges)
        self._metadata = copy.deepcopy(book.developer_metadata)
        self._sheets: list[Kept] = [
            (sheet, copy.deepcopy(sheet.props), _rules(sheet)) for sheet in book.sheets
        ]
        self._cells: dict[int, list[list[Cell]]] = {}  # id(sheet) -> its rows, as found

    def before(self, request: dict[str, Any]) -> None:
        """Keep the cells of every tab ``request`` can change that are not kept yet."""
        for sheet in self._changed_by(request):
            if id(sheet) not in self._cells:
                self._cells[id(sheet)] = sheet.grid.copy_rows()

    def restore(self) -> None:
        """Put the spreadsheet back as the batch found it."""
        book = self._book
        book.props, book.named_ranges, book.developer_metadata = (
            self._props,
            self._named,
            self._metadata,
        )
        book.sheets = [sheet for sheet, _, _ in self._sheets]
        for sheet, props, rules in self._sheets:
            sheet.props = props
            for name, value in rules.items():
                setattr(sheet, name, value)
            rows = self._cells.get(id(sheet))
            if rows is not None:
                sheet.grid.rows = rows

    def _changed_by(self, request: dict[str, Any]) -> list[Sheet]:
        """The tabs, of those the batch found, whose cells ``request`` can change."""
        kind, payload = next(iter(request.items())) if len(request) == 1 else ("", None)
        if kind in CELL_FREE:
            return []
        known = {id(sheet): sheet for sheet, _, _ in self._sheets}
        targets = CELL_TARGETS.get(kind)
        if targets is not None and isinstance(payload, dict):
            try:
                found = [range_sheet(self._book, part) for part in targets(payload)]
            except Exception:  # the handler fails on it too; keep everything to be safe
                found = []
            if found:  # a tab the batch added goes with the undo: nothing to keep of it
                return [sheet for sheet in found if id(sheet) in known]
        return list(known.values())


RULE_ATTRIBUTES = (
    "protected_ranges",
    "conditional_formats",
    "validations",
    "formats",
    "merges",
    "groups",
    "basic_filter",
    "charts",
)
"""A tab's rules and objects besides its cells and properties: copied whole for an undo."""


def _rules(sheet: Sheet) -> dict[str, Any]:
    return {name: copy.deepcopy(getattr(sheet, name)) for name in RULE_ATTRIBUTES}
