"""The Google backend's cell planning, pure: which ranges and values a write sends.

Nothing here does I/O: given a tab's cells as re-read (``TabNow``) and the writes the
run wants, ``changed`` says which cells change and as what JSON values; these functions
group them in one range per run of rows in a column (gaps of up to ``GAP`` rows sent as
null, which leaves a cell untouched), and turn API answers into grids of cells.
``backend`` sends what they plan.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from gspread.utils import absolute_range_name

from ...model import Cell, Grid
from ...schema import header_key
from ..a1 import column_letters

GAP = 100  # rows sent as null between two changed cells of a column rather than a new range
ByColumn = dict[int, dict[int, Any]]
"""Cells to send for one tab: {column: {row: value}}, both 1-based."""
Planned = dict[int, Mapping[int, Any]]
"""Cells to send for one tab as planned: a column's cells may be worked out when read."""
Columns = Mapping[int, Mapping[int, Any]]
"""Either of the above, read only."""


@dataclass
class TabInfo:
    """A tab's title, gid and grid size, as the spreadsheet GET gave them."""

    title: str
    sheet_id: int
    rows: int
    columns: int

    @classmethod
    def from_json(cls, props: dict[str, Any]) -> TabInfo:
        """From a ``sheets[].properties`` object."""
        grid = props.get("gridProperties", {})
        return cls(
            props["title"],
            int(props.get("sheetId", 0)),
            grid.get("rowCount", 0),
            grid.get("columnCount", 0),
        )


@dataclass
class TabNow:
    """Columns of one tab as re-read just before writing: the header and chosen columns."""

    header: list[Cell]
    columns: dict[int, list[Cell]] = field(default_factory=dict)

    def cell(self, row: int, column: int) -> Cell:
        """The current value at (row, column), 1-based; None when empty or not re-read."""
        values = self.columns.get(column, [])
        return values[row - 1] if row <= len(values) else None


def header_after(header: Sequence[Cell], by_column: Columns) -> list[Cell]:
    """Row 1 as it will be once the planned header cells are written (a column whose
    cells are still to be worked out, ``changed.Changes``, is asked for its header alone)."""
    after = list(header)
    for column, cells in by_column.items():
        rows = getattr(cells, "header", cells)
        if 1 in rows:
            after.extend([None] * (column - len(after)))
            after[column - 1] = rows[1]
    return after


def to_wire(value: object) -> Any:
    """A value as sent RAW: dates as ISO text, None as "" (which clears the cell).

    Dates in a person's columns (a recurrence rolled forward) go as serial numbers
    instead, so the cell stays a real date in its own date format.
    """
    kind = type(value)
    if kind is str or kind is int or kind is bool:
        return value  # most cells, without the checks below
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str | bool | int | float):
        return value
    return str(value)


def is_day(value: object) -> bool:
    return isinstance(value, dt.date) and not isinstance(value, dt.datetime)


def value_ranges(tab: str, by_column: Columns) -> Iterator[dict[str, Any]]:
    """One ValueRange per run of rows in a column; gaps of up to ``GAP`` rows are sent as
    null (left untouched). A range too long for one body is cut by ``bodies.batches``."""
    for column in sorted(by_column):
        planned = by_column[column]
        worked_out = getattr(planned, "worked_out", None)  # ``changed.Changes``: a dict at once
        cells = worked_out() if worked_out is not None else planned
        letter = column_letters(column)
        for first, last in _runs(sorted(cells)):
            values = [cells.get(row) for row in range(first, last + 1)]
            yield {
                "range": absolute_range_name(tab, f"{letter}{first}:{letter}{last}"),
                "majorDimension": "COLUMNS",
                "values": [values],
            }


def drained_ranges(tab: str, by_column: dict[int, Mapping[int, Any]]) -> Iterator[dict[str, Any]]:
    """``value_ranges``, each column taken out of ``by_column`` (and let go) once its
    ranges are made: a big write holds its cells once, in the bodies still to send."""
    for column in sorted(by_column):
        yield from value_ranges(tab, {column: by_column.pop(column)})


def _runs(rows: Sequence[int]) -> Iterator[tuple[int, int]]:
    """(first, last) runs of sorted rows, bridging gaps of at most ``GAP`` rows."""
    if not rows:
        return
    first = last = rows[0]
    for row in rows[1:]:
        if row - last > GAP + 1:
            yield first, last
            first = row
        last = row
    yield first, last


def runs_descending(rows: Sequence[int]) -> list[tuple[int, int]]:
    """Contiguous (first, last) runs of 1-based rows below the header, bottom run first."""
    runs: list[tuple[int, int]] = []
    for row in sorted({r for r in rows if r > 1}):
        if runs and row == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], row)
        else:
            runs.append((row, row))
    return runs[::-1]


def placed(
    cells: Iterable[tuple[str, Any]],
    columns: dict[str, int],
    width: int,
    convert: Callable[[Any], Any],
) -> list[Any]:
    """One row of ``width`` cells with each (header, value) in its header's column."""
    out: list[Any] = [""] * width
    for name, value in cells:
        out[columns[_header_key(name)] - 1] = convert(value)
    return out


@functools.lru_cache(maxsize=1024)
def _header_key(name: str) -> str:
    """``header_key`` of a column name, once per name: rows name the same few columns."""
    return header_key(name)


def entered(value: object) -> Any:
    """A value for USER_ENTERED that Sheets stores as itself: text quoted, dates as ISO."""
    wire = to_wire(value)
    return "'" + wire if isinstance(wire, str) and wire and not is_day(value) else wire


def insert_rows(info: TabInfo, after: int, count: int) -> dict[str, Any]:
    """An insertDimension request for ``count`` rows below sheet row ``after``."""
    span = {"sheetId": info.sheet_id, "dimension": "ROWS", "startIndex": after}
    span["endIndex"] = after + count
    return {"insertDimension": {"range": span, "inheritFromBefore": after > 1}}


def grid_of(values: list[list[Any]]) -> Grid:
    """API rows as a grid: empty cells as None, empty trailing rows dropped."""
    grid: Grid = [as_cells(row) for row in values]
    while grid and all(v is None for v in grid[-1]):
        grid.pop()
    return grid


def transposed(columns: list[list[Any]]) -> Grid:
    """Columns as the API gave them (COLUMNS) turned into rows of cells."""
    height = max((len(c) for c in columns), default=0)
    return [
        [cell_of(column[row]) if row < len(column) else None for column in columns]
        for row in range(height)
    ]


def cell_of(value: Any) -> Cell:
    return None if value == "" or value is None else value


def as_cells(values: list[Any]) -> list[Cell]:
    """JSON values (text, numbers, booleans) as cells: "" is an empty cell."""
    return [None if v == "" else v for v in values]


def shown(value: Any) -> tuple[str, Any]:
    """A value as the sheet shows it: empty, a bool, a number or text ("" is empty)."""
    if value is None or value == "":
        return "empty", ""
    if isinstance(value, bool):
        return "bool", value
    if isinstance(value, int | float):
        return "number", float(value)
    return "text", str(value)


def grow_columns(tabs: dict[str, TabInfo], cells: Mapping[str, Columns]) -> list[dict[str, Any]]:
    """appendDimension requests for tabs whose new columns pass the grid's edge.

    Each such tab's ``TabInfo.columns`` is updated to the width the requests give it.
    """
    requests = []
    for tab, by_column in cells.items():
        info, widest = tabs[tab], max(by_column, default=0)
        if widest > info.columns:
            grow = {"sheetId": info.sheet_id, "dimension": "COLUMNS"}
            requests.append({"appendDimension": {**grow, "length": widest - info.columns}})
            info.columns = widest
    return requests


def delete_rows(tab: TabInfo, rows: Sequence[int]) -> list[dict[str, Any]]:
    """deleteDimension requests for 1-based ``rows`` of ``tab`` (never the header).

    Neighbouring rows go in one range, bottom range first so row numbers hold: a
    Log pruned of 60,000 rows is one request per run of rows, not per row.
    """
    return [
        {
            "deleteDimension": {
                "range": {
                    "sheetId": tab.sheet_id,
                    "dimension": "ROWS",
                    "startIndex": first - 1,
                    "endIndex": last,
                }
            }
        }
        for first, last in runs_descending(rows)
    ]
