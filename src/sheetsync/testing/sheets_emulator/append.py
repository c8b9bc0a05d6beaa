"""``values:append``: find the table a range points at and write below it, as Google does."""

from __future__ import annotations

from typing import Any

from .a1 import Box, format_box
from .errors import ApiError
from .grid import Grid
from .model import Spreadsheet
from .values_api import (
    Query,
    data_rows,
    locate,
    param,
    read_range,
    response_query,
    wants_values,
    write_values,
)

INSERT_OPTIONS = ("OVERWRITE", "INSERT_ROWS")


def append(book: Spreadsheet, text: str, query: Query, body: Any) -> dict[str, Any]:
    """``POST values/{range}:append``: write after the last row of the table at ``range``."""
    sheet, box = locate(book, text)
    rows = data_rows(body or {})
    insert = param(query, "insertDataOption", "OVERWRITE")
    if insert not in INSERT_OPTIONS:
        raise ApiError.invalid(f"Invalid value at 'insert_data_option' ({insert})")
    table = find_table(sheet.grid, box)
    start = Box(table.row1, table.col0, table.row1 + 1, table.col0 + 1) if table else box
    height = len(rows)
    if insert == "INSERT_ROWS" and start.row0 < sheet.row_count:
        sheet.grid.insert_rows(start.row0, height)
        sheet.resize(rows=sheet.row_count + height)
    elif start.row0 + height > sheet.row_count:
        sheet.resize(rows=start.row0 + height)
    _, updates = write_values(book, sheet, start, rows, param(query, "valueInputOption"))
    if wants_values(param(query, "includeValuesInResponse")) and "updatedRange" in updates:
        updates["updatedData"] = read_range(book, updates["updatedRange"], response_query(query))
    answer: dict[str, Any] = {"spreadsheetId": book.spreadsheet_id}
    if table:
        answer["tableRange"] = format_box(sheet.title, table)
    answer["updates"] = updates
    return answer


def find_table(grid: Grid, box: Box) -> Box | None:
    """Return the rectangle of data the append lands under, or None to write at ``box``.

    A one-cell range names its table by that cell (none when it is empty); a larger
    range holds the table around its last filled cell (Google picks the bottom-right one).
    """
    if box.rows == 1 and box.cols == 1:
        if grid.cell(box.row0, box.col0) is None:
            return None
        return _grow(grid, box.row0, box.col0, Box(0, 0, len(grid.rows), grid.extent()[1]))
    last = _last_filled(grid, box)
    return _grow(grid, *last, box) if last else None


def _last_filled(grid: Grid, box: Box) -> tuple[int, int] | None:
    for row in range(min(box.row1, len(grid.rows)) - 1, box.row0 - 1, -1):
        cells = grid.rows[row][box.col0 : box.col1]
        for offset in range(len(cells) - 1, -1, -1):
            if cells[offset] is not None:
                return row, box.col0 + offset
    return None


def _grow(grid: Grid, row: int, col: int, limit: Box) -> Box:
    top, left, bottom, right = row, col, row + 1, col + 1
    changed = True
    while changed:
        changed = False
        if bottom < limit.row1 and _row_filled(grid, bottom, left, right):
            bottom, changed = bottom + 1, True
        if top > limit.row0 and _row_filled(grid, top - 1, left, right):
            top, changed = top - 1, True
        if right < limit.col1 and _col_filled(grid, right, top, bottom):
            right, changed = right + 1, True
        if left > limit.col0 and _col_filled(grid, left - 1, top, bottom):
            left, changed = left - 1, True
    return Box(top, left, bottom, right)


def _row_filled(grid: Grid, row: int, left: int, right: int) -> bool:
    if row >= len(grid.rows):
        return False
    return any(cell is not None for cell in grid.rows[row][left:right])


def _col_filled(grid: Grid, col: int, top: int, bottom: int) -> bool:
    return any(col < len(cells) and cells[col] is not None for cells in grid.rows[top:bottom])
