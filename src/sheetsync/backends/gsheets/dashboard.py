"""The Dashboard tab on a Google Sheet: its cells, its formats and its one chart.

Everything that never changes is set up once, in the batchUpdate that adds the tab
(``init --google``, or the first run that finds it missing): number format, widths,
bold headings (conditional rules, so headings that move down the tab stay bold) and the
chart (``addChart``). The chart reads a table whose place never moves, so a daily run
changes only cells, sent in the run's values:batchUpdate: no request is added. Only
a chart a person changed, copied or deleted is mended, in a batchUpdate of its own
(``updateChartSpec``, ``deleteEmbeddedObject``, or ``addChart`` when it is gone).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
from gspread import urls
from gspread.utils import absolute_range_name, rowcol_to_a1

from ...cells.dates import to_serial
from ...dashboard import Dashboard
from ...dashboard.layout import AS_OF, CHART_COLOURS, DATE_COLUMN, HEADER_LABELS, SECTION_TITLES
from ...model import Cell, Grid
from ...schema import STATUSES
from .api import SheetsApi
from .retry import Recheck

PIXELS_PER_CHARACTER = 7
MIN_ROWS, COLUMNS = 1000, 20  # the new tab's grid; the chart sits over columns I to P
CHART_PIXELS = (640, 400)
NUMBER_FORMAT = {"type": "NUMBER", "pattern": "#,##0"}
DATE_FORMAT = {"type": "DATE"}  # no pattern: Google shows the date in the sheet's locale


def setup_requests(sheet_id: int, title: str, board: Dashboard) -> list[dict[str, Any]]:
    """Add the tab and everything about it that stays the same from run to run."""
    rows = max(MIN_ROWS, len(board.rows))
    grid = {"rowCount": rows, "columnCount": COLUMNS}
    add = {
        "addSheet": {"properties": {"sheetId": sheet_id, "title": title, "gridProperties": grid}}
    }
    whole = {"sheetId": sheet_id}
    number = {"userEnteredFormat": {"numberFormat": NUMBER_FORMAT, "horizontalAlignment": "LEFT"}}
    fields = "userEnteredFormat(numberFormat,horizontalAlignment)"
    requests = [add, _repeat(whole, number, fields), *date_formats(sheet_id)]
    requests.append(_repeat(_row(sheet_id, 0), _text(italic=True), "userEnteredFormat.textFormat"))
    requests.append(_repeat(_row(sheet_id, 1), _text(bold=True), "userEnteredFormat.textFormat"))
    for index, width in enumerate(board.widths):
        requests.append(_width(sheet_id, index, width * PIXELS_PER_CHARACTER))
    requests.append(_rule(sheet_id, _is_one_of(SECTION_TITLES), {"textFormat": {"bold": True}}, 0))
    headers = {
        "textFormat": {"bold": True},
        "backgroundColor": {"red": 0.9, "green": 0.9, "blue": 0.9},
    }
    requests.append(_rule(sheet_id, _is_one_of(HEADER_LABELS, 'AND($B1<>"",'), headers, 1))
    requests.append(
        {
            "addChart": {
                "chart": {
                    "spec": chart_spec(sheet_id, board),
                    "position": _position(sheet_id, board),
                }
            }
        }
    )
    return requests


def date_formats(sheet_id: int) -> list[dict[str, Any]]:
    """A date format on column A (every list's dates) and on the as-of cell: the dates are
    written as serial numbers, so they sort as dates and show in the sheet's locale."""
    date = {"userEnteredFormat": {"numberFormat": DATE_FORMAT}}
    fields = "userEnteredFormat.numberFormat"
    column = {"sheetId": sheet_id, "startColumnIndex": DATE_COLUMN - 1}
    column["endColumnIndex"] = DATE_COLUMN
    row, col = AS_OF
    cell = {**_row(sheet_id, row - 1), "startColumnIndex": col - 1, "endColumnIndex": col}
    return [_repeat(column, date, fields), _repeat(cell, date, fields)]


def undated(sheet_id: int, before: Grid) -> list[dict[str, Any]]:
    """The date formats again for a tab whose as-of cell is not yet a date serial (written by
    an older version as ISO text, or an empty tab a person made): once, then never.

    The as-of serial must go in the same batchUpdate as these formats (the backend sends
    the tab's cells in it then), so it tells the next run whether they took effect.
    """
    row, col = AS_OF
    cell = before[row - 1][col - 1] if len(before) >= row and len(before[row - 1]) >= col else None
    is_serial = isinstance(cell, int | float) and not isinstance(cell, bool)
    return [] if is_serial else date_formats(sheet_id)


def chart_spec(sheet_id: int, board: Dashboard) -> dict[str, Any]:
    """A column chart stacked by status over the monthly table (its header names the series)."""
    place = board.chart

    def column(index: int) -> dict[str, Any]:
        grid_range = {
            "sheetId": sheet_id,
            "startRowIndex": place.header_row - 1,
            "endRowIndex": place.last_row,
            "startColumnIndex": index,
            "endColumnIndex": index + 1,
        }
        return {"sourceRange": {"sources": [grid_range]}}

    return {
        "title": place.title,
        "basicChart": {
            "chartType": "COLUMN",
            "stackedType": "STACKED",
            "legendPosition": "BOTTOM_LEGEND",
            "headerCount": 1,
            "axis": [{"position": "LEFT_AXIS", "title": "Milestones"}],
            "domains": [{"domain": column(0)}],
            "series": [
                {"series": column(index), "targetAxis": "LEFT_AXIS", "colorStyle": _rgb(status)}
                for index, status in enumerate(STATUSES[: place.last_column - 1], start=1)
            ],
        },
    }


def mend_requests(
    sheet_id: int, rows: int, charts: Sequence[dict[str, Any]], board: Dashboard
) -> list[dict[str, Any]]:
    """What a daily run must change besides cells: nothing, unless the tab was altered.

    The first chart on the tab is the dashboard's; others are deleted, a changed one is
    set back (``updateChartSpec``), a deleted one added again. A grid too short grows.
    """
    requests: list[dict[str, Any]] = []
    if len(board.rows) > rows:
        grow = {"sheetId": sheet_id, "dimension": "ROWS", "length": len(board.rows) - rows}
        requests.append({"appendDimension": grow})
    wanted = chart_spec(sheet_id, board)
    if not charts:
        chart = {"spec": wanted, "position": _position(sheet_id, board)}
        return [*requests, {"addChart": {"chart": chart}}]
    first, *extra = charts
    requests += [{"deleteEmbeddedObject": {"objectId": c["chartId"]}} for c in extra]
    if signature(first.get("spec", {})) != signature(wanted):
        requests.append({"updateChartSpec": {"chartId": first["chartId"], "spec": wanted}})
    return requests


def signature(spec: dict[str, Any]) -> tuple[Any, ...]:
    """What makes the chart the dashboard's: its kind, stacking, title and data ranges.

    Google adds defaults to a spec it stores, so specs are compared by these only.
    """
    basic = spec.get("basicChart", {})

    def ranges(entries: list[dict[str, Any]], key: str) -> tuple[tuple[int, ...], ...]:
        found = []
        for entry in entries:
            for grid_range in entry.get(key, {}).get("sourceRange", {}).get("sources", []):
                found.append(tuple(int(grid_range.get(k, 0)) for k in _RANGE_KEYS))
        return tuple(found)

    return (
        spec.get("title"),
        basic.get("chartType"),
        basic.get("stackedType"),
        int(basic.get("headerCount", 0)),
        ranges(basic.get("domains", []), "domain"),
        ranges(basic.get("series", []), "series"),
    )


_RANGE_KEYS = ("sheetId", "startRowIndex", "endRowIndex", "startColumnIndex", "endColumnIndex")


def changed_ranges(title: str, before: Grid, board: Dashboard) -> Iterator[dict[str, Any]]:
    """One ValueRange per row whose cells change: new values, and "" over what must go.

    Cells already showing their value are sent as null (left alone); a person's text
    anywhere in the tab, inside or beyond the dashboard, is overwritten or cleared.
    """
    height = max(len(before), len(board.rows))
    for row in range(height):
        old = before[row] if row < len(before) else []
        new = [wire(v) for v in board.rows[row]] if row < len(board.rows) else []
        width = max(len(old), len(new))
        cells = new + [""] * (width - len(new))
        shows = ["" if v is None else v for v in old] + [""] * (width - len(old))
        changed = [
            c
            for c, (was, now) in enumerate(zip(shows, cells, strict=True))
            if not (type(was) is type(now) and was == now) and not _same(was, now)
        ]
        if not changed:
            continue
        first, last = changed[0], changed[-1]
        sent = dict.fromkeys(changed)
        values = [cells[c] if c in sent else None for c in range(first, last + 1)]
        start = rowcol_to_a1(row + 1, first + 1)
        yield {"range": absolute_range_name(title, start), "values": [values]}


def wire(value: object) -> Any:
    """A dashboard value as sent RAW: dates as serial numbers (their cells have a date format)."""
    kind = type(value)
    if kind is str or kind is int:
        return value  # most cells, without the checks below
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, dt.date):
        return int(to_serial(value))
    return value


def settled(api: SheetsApi, sheet_id: int, rows: int) -> Recheck:
    """After a lost answer: done when the tab has ``rows`` rows and exactly one chart."""

    def recheck() -> dict[str, Any] | None:
        fields = "sheets(properties(sheetId,gridProperties),charts(chartId))"
        meta = api.get(urls.SPREADSHEET_URL % api.spreadsheet_id, {"fields": fields})
        for sheet in meta.get("sheets", []):
            props = sheet.get("properties", {})
            if int(props.get("sheetId", 0)) != sheet_id:
                continue
            tall = props.get("gridProperties", {}).get("rowCount", 0) >= rows
            return {"replies": []} if tall and len(sheet.get("charts", [])) == 1 else None
        return None

    return recheck


def free_id(taken: set[int]) -> int:
    """A sheetId no tab uses, so the requests adding the tab can name it in the same batch."""
    candidate = 1_000_001
    while candidate in taken:
        candidate += 1
    return candidate


def _rgb(status: str) -> dict[str, Any]:
    """A ColorStyle: the status's chart colour as fractions of 1."""
    hex_ = CHART_COLOURS[status]
    red, green, blue = (int(hex_[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return {"rgbColor": {"red": red, "green": green, "blue": blue}}


def _cell_at(row: Sequence[Any], column: int) -> Any:
    value = row[column] if column < len(row) else ""
    return "" if value is None else value


def _same(old: Cell, new: Any) -> bool:
    if isinstance(old, bool) or isinstance(new, bool):
        return old is new
    if isinstance(old, int | float) and isinstance(new, int | float):
        return float(old) == float(new)
    return old == new


def _position(sheet_id: int, board: Dashboard) -> dict[str, Any]:
    anchor = {
        "sheetId": sheet_id,
        "rowIndex": board.chart.anchor_row - 1,
        "columnIndex": board.chart.anchor_column - 1,
    }
    width, height = CHART_PIXELS
    return {"overlayPosition": {"anchorCell": anchor, "widthPixels": width, "heightPixels": height}}


def _row(sheet_id: int, index: int) -> dict[str, Any]:
    return {"sheetId": sheet_id, "startRowIndex": index, "endRowIndex": index + 1}


def _text(**style: bool) -> dict[str, Any]:
    return {"userEnteredFormat": {"textFormat": style}}


def _repeat(grid_range: dict[str, Any], cell: dict[str, Any], fields: str) -> dict[str, Any]:
    return {"repeatCell": {"range": grid_range, "cell": cell, "fields": fields}}


def _width(sheet_id: int, index: int, pixels: int) -> dict[str, Any]:
    span = {"sheetId": sheet_id, "dimension": "COLUMNS", "startIndex": index, "endIndex": index + 1}
    return {
        "updateDimensionProperties": {
            "range": span,
            "properties": {"pixelSize": pixels},
            "fields": "pixelSize",
        }
    }


def _is_one_of(texts: Sequence[str], prefix: str = "") -> str:
    """A custom formula true on rows whose first cell is one of ``texts``."""
    quoted = ",".join('$A1="{}"'.format(t.replace('"', '""')) for t in texts)
    return f"={prefix}OR({quoted}){')' if prefix else ''}"


def _rule(sheet_id: int, formula: str, style: dict[str, Any], index: int) -> dict[str, Any]:
    condition = {"type": "CUSTOM_FORMULA", "values": [{"userEnteredValue": formula}]}
    rule = {
        "ranges": [{"sheetId": sheet_id}],
        "booleanRule": {"condition": condition, "format": style},
    }
    return {"addConditionalFormatRule": {"rule": rule, "index": index}}
