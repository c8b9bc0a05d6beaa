"""What every batchUpdate request handler shares: its signature and GridRange helpers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .model import IdMaker, Sheet, Spreadsheet

Handler = Callable[[Spreadsheet, dict[str, Any], IdMaker], dict[str, Any]]
"""``handler(spreadsheet, request payload, id maker) -> reply``."""


def prune(value: Any) -> Any:
    """Drop what Google leaves out of answers: nulls, false, "", empty lists, sheetId 0."""
    if isinstance(value, dict):
        pruned = {k: prune(v) for k, v in value.items() if not _unset(v)}
        if pruned.get("sheetId") == 0:
            del pruned["sheetId"]
        return pruned
    if isinstance(value, list):
        return [prune(item) for item in value]
    return value


def _unset(value: Any) -> bool:
    return value is None or value is False or value == "" or value == []


def range_sheet(book: Spreadsheet, grid_range: dict[str, Any]) -> Sheet:
    """Return the tab a GridRange names (sheetId absent means 0)."""
    return book.sheet_by_id(int(grid_range.get("sheetId", 0)))
