"""``copyPaste`` and ``cutPaste``: copy a block of cells, or move it."""

from __future__ import annotations

from typing import Any

from .a1 import Box
from .cells import Cell
from .model import Sheet


def grid_box(sheet: Sheet, grid_range: dict[str, Any]) -> Box:
    """Resolve a GridRange (absent bounds mean the whole grid) to a rectangle."""
    return Box(
        int(grid_range.get("startRowIndex", 0)),
        int(grid_range.get("startColumnIndex", 0)),
        int(grid_range.get("endRowIndex", sheet.row_count)),
        int(grid_range.get("endColumnIndex", sheet.column_count)),
    )


def block(sheet: Sheet, box: Box) -> list[list[Cell]]:
    """Return the stored cells of a rectangle, empty ones as None."""
    return [
        [sheet.grid.cell(row, col) for col in range(box.col0, box.col1)]
        for row in range(box.row0, min(box.row1, len(sheet.grid.rows)))
    ]


def copy_paste(source: Sheet, src: Box, target: Sheet, dst: Box) -> None:
    """Paste the source block into the destination, repeating it to fill it (like Sheets)."""
    cells = _padded(block(source, src), src)
    rows = max(dst.rows // src.rows, 1) * src.rows
    cols = max(dst.cols // src.cols, 1) * src.cols
    tiled = [[cells[r % src.rows][c % src.cols] for c in range(cols)] for r in range(rows)]
    target.grid.write(dst.row0, dst.col0, tiled)


def cut_paste(source: Sheet, src: Box, target: Sheet, row: int, col: int) -> None:
    """Move the source block so its top-left lands on (row, col)."""
    cells = _padded(block(source, src), src)
    source.grid.clear(src)
    target.grid.write(row, col, cells)


def _padded(cells: list[list[Cell]], box: Box) -> list[list[Cell]]:
    return cells + [[None] * box.cols for _ in range(box.rows - len(cells))]
