"""Did a write whose answer was lost take effect? Re-read the sheet and tell.

Google sometimes carries out a request and then loses the answer; the retrying client
would send it again. Writes to an exact range are safe to repeat; these are not, so each
gets a recheck (see :mod:`.retry`) that runs only after a lost answer, never on a normal
run, and returns the write's answer when it already took effect, else None to resend:

    values:append of Log rows     every row of the chunk is in the Log now
    addSheet                      a tab of that title exists now
    insertDimension of auto rows  the grid is that tall and the new rows are blank
    appendDimension               the grid has at least the columns it would have
    deleteDimension of Log rows   the rows at those positions no longer hold what was read
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from gspread import urls
from gspread.utils import absolute_range_name

from ...model import Cell, Grid
from .api import SheetsApi
from .cellplan import TabInfo, shown
from .retry import Recheck

SIZE_FIELDS = "sheets.properties(sheetId,title,index,sheetType,gridProperties)"


def rows_appended(api: SheetsApi, title: str, chunk: Sequence[Sequence[Any]]) -> Recheck:
    """Done when the tab holds every row of ``chunk`` (an append lands all rows or none)."""

    def recheck() -> dict[str, Any] | None:
        parts = api.batch_get([absolute_range_name(title)], "ROWS")
        present = Counter(row_key(row) for row in (parts[0].get("values", []) if parts else []))
        wanted = Counter(row_key(row) for row in chunk)
        done = all(present[key] >= count for key, count in wanted.items())
        return {"spreadsheetId": api.spreadsheet_id} if done else None

    return recheck


def tab_added(api: SheetsApi, title: str) -> Recheck:
    """Done when a tab called ``title`` exists; its properties make the addSheet reply."""

    def recheck() -> dict[str, Any] | None:
        for props in _sheet_properties(api):
            if props.get("title") == title:
                return {"replies": [{"addSheet": {"properties": props}}]}
        return None

    return recheck


def grid_at_least(api: SheetsApi, sizes: dict[int, tuple[int, int]]) -> Recheck:
    """Done when every sheet id in ``sizes`` has at least those (rows, columns)."""

    def recheck() -> dict[str, Any] | None:
        now = {
            int(p.get("sheetId", 0)): p.get("gridProperties", {}) for p in _sheet_properties(api)
        }
        for sheet_id, (rows, columns) in sizes.items():
            grid = now.get(sheet_id, {})
            if grid.get("rowCount", 0) < rows or grid.get("columnCount", 0) < columns:
                return None
        return {"spreadsheetId": api.spreadsheet_id, "replies": []}

    return recheck


def rows_inserted(api: SheetsApi, info: TabInfo, after: int, count: int) -> Recheck:
    """Done when the grid has ``info.rows`` rows and rows ``after + 1`` … ``after + count`` are
    blank.

    Rows a person added meanwhile can make the grid as tall as the insert would; if they
    hold anything where the new rows were to go, the insert is sent again, so the fill
    that follows never lands on a person's rows (at worst a blank row too many).
    """
    title, tall_enough = info.title, grid_at_least(api, {info.sheet_id: (info.rows, 0)})

    def recheck() -> dict[str, Any] | None:
        if tall_enough() is None:
            return None
        span = absolute_range_name(title, f"{after + 1}:{after + count}")
        parts = api.batch_get([span], "ROWS")
        if any(row_key(row) for row in (parts[0].get("values", []) if parts else [])):
            return None
        return {"spreadsheetId": api.spreadsheet_id, "replies": [{}]}

    return recheck


def rows_deleted(
    api: SheetsApi, title: str, runs: Sequence[tuple[int, int]], read: Grid
) -> Recheck:
    """Done when the rows of ``runs`` (1-based, inclusive) no longer all hold what was read.

    If they still do, the delete never happened and is sent again; if anything else is
    there now (the delete took effect, or a person moved rows), nothing is deleted.
    """

    def recheck() -> dict[str, Any] | None:
        parts = api.batch_get([absolute_range_name(title)], "ROWS")
        now = [list(row) for row in (parts[0].get("values", []) if parts else [])]
        for first, last in runs:
            for row in range(first, last + 1):
                was = read[row - 1] if row <= len(read) else []
                is_ = now[row - 1] if row <= len(now) else []
                if row_key(was) != row_key(is_):
                    return {"spreadsheetId": api.spreadsheet_id, "replies": []}
        return None

    return recheck


def row_key(row: Sequence[Cell | Any]) -> tuple[tuple[str, Any], ...]:
    """A row's values compared as the sheet shows them, trailing empty cells dropped."""
    cells = [shown(value) for value in row]
    while cells and cells[-1] == ("empty", ""):
        cells.pop()
    return tuple(cells)


def _sheet_properties(api: SheetsApi) -> list[dict[str, Any]]:
    meta = api.get(urls.SPREADSHEET_URL % api.spreadsheet_id, {"fields": SIZE_FIELDS})
    return [sheet.get("properties", {}) for sheet in meta.get("sheets", [])]
