"""``mergeCells`` / ``unmergeCells``: merged areas keep only their top-left value."""

from __future__ import annotations

from typing import Any

from .a1 import Box
from .model import Sheet


def _box(sheet: Sheet, grid_range: dict[str, Any]) -> Box:
    return Box(
        int(grid_range.get("startRowIndex", 0)),
        int(grid_range.get("startColumnIndex", 0)),
        int(grid_range.get("endRowIndex", sheet.row_count)),
        int(grid_range.get("endColumnIndex", sheet.column_count)),
    )


def _overlaps(a: Box, b: Box) -> bool:
    return a.row0 < b.row1 and b.row0 < a.row1 and a.col0 < b.col1 and b.col0 < a.col1


def _as_range(box: Box) -> dict[str, int]:
    return {
        "startRowIndex": box.row0,
        "endRowIndex": box.row1,
        "startColumnIndex": box.col0,
        "endColumnIndex": box.col1,
    }


def merge(sheet: Sheet, grid_range: dict[str, Any], merge_type: str) -> None:
    """Merge a range: as one area (MERGE_ALL), one per row or one per column."""
    whole = _box(sheet, grid_range)
    if merge_type == "MERGE_ROWS":
        parts = [Box(r, whole.col0, r + 1, whole.col1) for r in range(whole.row0, whole.row1)]
    elif merge_type == "MERGE_COLUMNS":
        parts = [Box(whole.row0, c, whole.row1, c + 1) for c in range(whole.col0, whole.col1)]
    else:
        parts = [whole]
    unmerge(sheet, grid_range)
    for part in parts:
        sheet.merges.append(_as_range(part))
        anchor = sheet.grid.cell(part.row0, part.col0)
        sheet.grid.clear(part)
        sheet.grid.write(part.row0, part.col0, [[anchor]])


def unmerge(sheet: Sheet, grid_range: dict[str, Any]) -> None:
    """Remove every merged area that overlaps the range."""
    area = _box(sheet, grid_range)
    sheet.merges[:] = [m for m in sheet.merges if not _overlaps(_box(sheet, m), area)]
