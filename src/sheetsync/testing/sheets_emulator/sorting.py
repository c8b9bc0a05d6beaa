"""``sortRange``: order the rows of a range by columns, empty cells last."""

from __future__ import annotations

from typing import Any

from .cells import Cell, Formatted, Formula
from .model import Sheet


def sort_key(cell: Cell) -> tuple[int, Any]:
    """Order like Sheets: numbers (and dates), then text ignoring case, then booleans."""
    if isinstance(cell, Formula):
        cell = cell.value
    if isinstance(cell, Formatted):
        cell = cell.number
    if isinstance(cell, bool):
        return 2, cell
    if isinstance(cell, int | float):
        return 0, cell
    return 1, str(cell).lower()


def sort_rows(rows: list[list[Cell]], specs: list[tuple[int, bool]]) -> list[list[Cell]]:
    """Return ``rows`` sorted by (column, descending) specs; empty cells always go last."""
    ordered = list(rows)
    for column, descending in reversed(specs):

        def cell_of(row: list[Cell], column: int = column) -> Cell:
            return row[column] if column < len(row) else None

        filled = [row for row in ordered if cell_of(row) is not None]
        empty = [row for row in ordered if cell_of(row) is None]
        filled.sort(key=lambda row: sort_key(cell_of(row)), reverse=descending)
        ordered = filled + empty
    return ordered


def sort_range(sheet: Sheet, grid_range: dict[str, Any], specs: list[dict[str, Any]]) -> None:
    """Sort the rows of a GridRange in place (cells outside its columns stay put)."""
    top = int(grid_range.get("startRowIndex", 0))
    end = int(grid_range.get("endRowIndex", sheet.row_count))
    bottom = min(end, max(top, len(sheet.grid.rows)))
    left = int(grid_range.get("startColumnIndex", 0))
    right = int(grid_range.get("endColumnIndex", sheet.column_count))
    block = [
        [sheet.grid.cell(row, col) for col in range(left, min(right, left + _width(sheet)))]
        for row in range(top, bottom)
    ]
    pairs = [
        (int(spec.get("dimensionIndex", 0)) - left, spec.get("sortOrder") == "DESCENDING")
        for spec in specs
    ]
    sheet.grid.write(top, left, sort_rows(block, pairs))


def _width(sheet: Sheet) -> int:
    return sheet.grid.extent()[1]
