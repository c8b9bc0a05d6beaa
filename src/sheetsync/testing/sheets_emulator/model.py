"""Spreadsheets and sheets held in memory, and the lookups requests need."""

from __future__ import annotations

import copy
import datetime as dt
import random
import string
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from . import defaults
from .a1 import Bounds, Box, clamp, column_letters, parse_cells, quote_title, split_range
from .cells import Cell
from .errors import ApiError
from .grid import Grid

_ID_CHARS = string.ascii_letters + string.digits + "-_"
_OMITTED_WHEN_FALSY = (
    "frozenRowCount",
    "frozenColumnCount",
    "hideGridlines",
    "rowGroupControlAfter",
    "columnGroupControlAfter",
)
_PROPS_OMITTED_WHEN_FALSY = ("hidden", "rightToLeft")


def now_rfc3339() -> str:
    """Return the current UTC time the way Drive prints it (``2023-07-25T15:40:49.067Z``)."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class Sheet:
    """One tab: its properties (Google's JSON), cells and the rules stored on it."""

    props: dict[str, Any]
    grid: Grid = field(default_factory=Grid)
    protected_ranges: list[dict[str, Any]] = field(default_factory=list)
    conditional_formats: list[dict[str, Any]] = field(default_factory=list)
    validations: list[dict[str, Any]] = field(default_factory=list)
    formats: list[dict[str, Any]] = field(default_factory=list)
    merges: list[dict[str, Any]] = field(default_factory=list)
    groups: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    basic_filter: dict[str, Any] | None = None
    charts: list[dict[str, Any]] = field(default_factory=list)  # EmbeddedChart resources

    @property
    def title(self) -> str:
        """The tab's name."""
        return str(self.props["title"])

    @property
    def sheet_id(self) -> int:
        """The tab's numeric id (gid)."""
        return int(self.props["sheetId"])

    @property
    def row_count(self) -> int:
        """Number of rows in the grid."""
        return int(self.props["gridProperties"]["rowCount"])

    @property
    def column_count(self) -> int:
        """Number of columns in the grid."""
        return int(self.props["gridProperties"]["columnCount"])

    def resize(self, rows: int | None = None, columns: int | None = None) -> None:
        """Set the grid size; cells outside the new size are dropped."""
        grid = self.props["gridProperties"]
        if rows is not None:
            grid["rowCount"] = rows
            self.grid.delete_rows(rows, len(self.grid.rows))
        if columns is not None:
            grid["columnCount"] = columns
            self.grid.delete_columns(columns, self.grid.extent()[1])

    def box(self, bounds: Bounds) -> Box:
        """Resolve ``bounds`` against this sheet's grid size."""
        return clamp(bounds, self.row_count, self.column_count)

    def check_inside(self, box: Box, label: str) -> None:
        """Raise Google's "exceeds grid limits" error when ``box`` leaves the grid."""
        if box.row1 > self.row_count or box.col1 > self.column_count:
            raise ApiError.invalid(
                f"Range ({label}) exceeds grid limits. Max rows: {self.row_count}, "
                f"max columns: {self.column_count}"
            )

    def to_json(self) -> dict[str, Any]:
        """Return the Sheet resource (without grid data)."""
        props = copy.deepcopy(self.props)
        grid = props.get("gridProperties", {})
        for key in _OMITTED_WHEN_FALSY:
            if not grid.get(key, True):
                del grid[key]
        for key in _PROPS_OMITTED_WHEN_FALSY:
            if not props.get(key, True):
                del props[key]
        parts: dict[str, Any] = {
            "merges": self.merges,
            "basicFilter": self.basic_filter,
            **self.groups,
            "conditionalFormats": self.conditional_formats,
            "protectedRanges": self.protected_ranges,
            "charts": self.charts,
        }
        present = {key: copy.deepcopy(value) for key, value in parts.items() if value}
        return {"properties": props, **present}


@dataclass
class Spreadsheet:
    """A spreadsheet: properties, tabs, named ranges and Drive metadata."""

    spreadsheet_id: str
    props: dict[str, Any]
    sheets: list[Sheet] = field(default_factory=list)
    named_ranges: list[dict[str, Any]] = field(default_factory=list)
    developer_metadata: list[dict[str, Any]] = field(default_factory=list)
    private: bool = False
    created_time: str = field(default_factory=now_rfc3339)
    modified_time: str = field(default_factory=now_rfc3339)

    @property
    def title(self) -> str:
        """The spreadsheet's name."""
        return str(self.props["title"])

    @property
    def locale(self) -> str:
        """The spreadsheet's locale, e.g. ``en_US``."""
        return str(self.props.get("locale", defaults.DEFAULT_LOCALE))

    def touch(self) -> None:
        """Record a modification time."""
        self.modified_time = now_rfc3339()

    def find_sheet(self, title: str) -> Sheet | None:
        """Return the tab with this title (exact first, then ignoring case) or None."""
        for sheet in self.sheets:
            if sheet.title == title:
                return sheet
        lowered = title.lower()
        return next((sheet for sheet in self.sheets if sheet.title.lower() == lowered), None)

    def sheet_by_id(self, sheet_id: int) -> Sheet:
        """Return the tab with this sheetId; 400 when there is none."""
        for sheet in self.sheets:
            if sheet.sheet_id == sheet_id:
                return sheet
        raise ApiError.invalid(f"No grid with id: {sheet_id}")

    def named_range(self, name: str) -> tuple[Sheet, Bounds] | None:
        """The tab and bounds of the named range called ``name`` (any case), if there is one."""
        wanted = name.lower()
        for named in self.named_ranges:
            if str(named.get("name", "")).lower() == wanted:
                grid = named.get("range", {})
                sheet = self.sheet_by_id(int(grid.get("sheetId", 0)))
                return sheet, Bounds(
                    grid.get("startRowIndex"),
                    grid.get("startColumnIndex"),
                    grid.get("endRowIndex"),
                    grid.get("endColumnIndex"),
                )
        return None

    def resolve(self, text: str) -> tuple[Sheet, Bounds]:
        """Resolve an A1 range (``'Tab'!A1:C``, ``Tab``, ``A1:B2``) or a named range."""
        title, cells = split_range(text)
        whole = Bounds(None, None, None, None)
        if title is None:
            assert cells is not None
            sheet = self.find_sheet(cells)
            if sheet is not None:
                return sheet, whole
            named = self.named_range(cells)
            if named is not None:
                return named
            bounds = parse_cells(cells)
            if bounds is None or not self.sheets:
                raise ApiError.bad_range(text)
            return self.sheets[0], bounds
        sheet = self.find_sheet(title)
        bounds = parse_cells(cells) if cells else whole
        if sheet is None or bounds is None:
            raise ApiError.bad_range(text)
        return sheet, bounds

    def reindex(self) -> None:
        """Renumber ``index`` of every tab after a tab is added, moved or removed."""
        for position, sheet in enumerate(self.sheets):
            sheet.props["index"] = position

    def to_json(self) -> dict[str, Any]:
        """Return the Spreadsheet resource (without grid data)."""
        out: dict[str, Any] = {
            "spreadsheetId": self.spreadsheet_id,
            "properties": copy.deepcopy(self.props),
            "sheets": [sheet.to_json() for sheet in self.sheets],
        }
        if self.named_ranges:
            out["namedRanges"] = copy.deepcopy(self.named_ranges)
        self._metadata_json(out)
        out["spreadsheetUrl"] = f"https://docs.google.com/spreadsheets/d/{self.spreadsheet_id}/edit"
        return out

    def _metadata_json(self, out: dict[str, Any]) -> None:
        """Developer metadata where Google lists it: on the spreadsheet or on its sheet."""
        on_book = [m for m in self.developer_metadata if m["location"].get("spreadsheet")]
        if on_book:
            out["developerMetadata"] = copy.deepcopy(on_book)
        for sheet, resource in zip(self.sheets, out["sheets"], strict=True):
            on_sheet = [
                m for m in self.developer_metadata if m["location"].get("sheetId") == sheet.sheet_id
            ]
            if on_sheet:
                resource["developerMetadata"] = copy.deepcopy(on_sheet)


def cells_label(sheet: Sheet, cells: str | None) -> str:
    """Return ``'Tab'!A1`` for error messages."""
    return f"{quote_title(sheet.title)}!{cells}" if cells else quote_title(sheet.title)


class IdMaker:
    """Random-looking but seeded ids: spreadsheet ids, sheetIds, protected range ids."""

    def __init__(self, seed: int = 0) -> None:
        self._random = random.Random(seed)

    def spreadsheet_id(self) -> str:
        """Return a 44-character id like Google's."""
        return "1" + "".join(self._random.choice(_ID_CHARS) for _ in range(43))

    def number(self) -> int:
        """Return a positive 31-bit id (sheetId, protectedRangeId)."""
        return self._random.randint(1, 2**31 - 1)


def new_sheet(sheet_id: int, title: str, rows: Sequence[Sequence[Cell]] = ()) -> Sheet:
    """Return a tab of the default size, grown to fit ``rows``."""
    height = max(defaults.DEFAULT_ROWS, len(rows))
    width = max([defaults.DEFAULT_COLUMNS, *(len(row) for row in rows)])
    return Sheet(defaults.sheet_properties(sheet_id, title, height, width), Grid(rows))


__all__ = ["IdMaker", "Sheet", "Spreadsheet", "cells_label", "column_letters", "new_sheet"]
