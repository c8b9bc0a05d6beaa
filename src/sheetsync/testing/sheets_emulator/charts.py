"""Embedded charts: ``addChart``, ``updateChartSpec``, ``deleteEmbeddedObject``.

Shapes follow the Sheets API reference: an EmbeddedChart is ``{chartId, spec, position,
border}``; ``position`` is an EmbeddedObjectPosition (``overlayPosition`` anchored on a
cell, or ``sheetId`` for a chart on its own sheet). A chart lives on the tab it is
anchored to, is listed in ``spreadsheets.get`` under ``sheets[].charts[]`` and goes
with its tab. Google fills in defaults the request left out (the hidden-data strategy,
the overlay's size), so a client must not expect the spec it sent back verbatim.
"""

from __future__ import annotations

import copy
from typing import Any

from .errors import ApiError
from .model import IdMaker, Sheet, Spreadsheet
from .requests_common import Handler, prune

DEFAULT_WIDTH, DEFAULT_HEIGHT = 600, 371  # pixels, as the Sheets UI draws a new chart
SPEC_DEFAULTS = {"hiddenDimensionStrategy": "SKIP_HIDDEN_ROWS_AND_COLUMNS"}
CHART_KINDS = (
    "basicChart",
    "pieChart",
    "bubbleChart",
    "candlestickChart",
    "orgChart",
    "histogramChart",
    "waterfallChart",
    "treemapChart",
    "scorecardChart",
)


def add_chart(book: Spreadsheet, request: dict[str, Any], ids: IdMaker) -> dict[str, Any]:
    """Add a chart; the reply carries it, with its chartId and the defaults filled in."""
    wanted = request.get("chart")
    if not isinstance(wanted, dict):
        raise ApiError.invalid("Invalid AddChartRequest: chart is required")
    chart_id = int(wanted.get("chartId", ids.number()))
    if _find(book, chart_id) is not None or any(s.sheet_id == chart_id for s in book.sheets):
        raise ApiError.invalid(f"An object with the ID {chart_id} already exists.")
    spec = _spec(book, wanted.get("spec"))
    sheet, position = _position(book, wanted.get("position"))
    chart = prune({"chartId": chart_id, "spec": spec, "position": position})
    if "border" in wanted:
        chart["border"] = copy.deepcopy(wanted["border"])
    sheet.charts.append(chart)
    return {"addChart": {"chart": copy.deepcopy(chart)}}


def update_chart_spec(book: Spreadsheet, request: dict[str, Any], ids: IdMaker) -> dict[str, Any]:
    """Replace a chart's spec (its position stays)."""
    chart_id = int(request.get("chartId", -1))
    found = _find(book, chart_id)
    if found is None:
        raise ApiError.invalid(f"No chart with id: {chart_id}")
    found[1]["spec"] = prune(_spec(book, request.get("spec")))
    return {}


def delete_embedded_object(
    book: Spreadsheet, request: dict[str, Any], ids: IdMaker
) -> dict[str, Any]:
    """Delete a chart by its objectId (the chartId)."""
    object_id = int(request.get("objectId", -1))
    found = _find(book, object_id)
    if found is None:
        raise ApiError.invalid(f"No embedded object with id: {object_id}")
    sheet, chart = found
    sheet.charts.remove(chart)
    return {}


def _find(book: Spreadsheet, chart_id: int) -> tuple[Sheet, dict[str, Any]] | None:
    for sheet in book.sheets:
        for chart in sheet.charts:
            if int(chart["chartId"]) == chart_id:
                return sheet, chart
    return None


def _spec(book: Spreadsheet, spec: Any) -> dict[str, Any]:
    """The stored spec: exactly one chart kind, every source range on an existing tab."""
    if not isinstance(spec, dict):
        raise ApiError.invalid("Invalid ChartSpec: spec is required")
    kinds = [kind for kind in CHART_KINDS if kind in spec]
    if len(kinds) != 1:
        raise ApiError.invalid("Invalid ChartSpec: exactly one chart type must be set")
    for grid_range in _source_ranges(spec):
        book.sheet_by_id(int(grid_range.get("sheetId", 0)))
    return {**SPEC_DEFAULTS, **copy.deepcopy(spec)}


def _source_ranges(value: Any) -> list[dict[str, Any]]:
    """Every GridRange under a ``sourceRange.sources`` anywhere in the spec."""
    if isinstance(value, list):
        return [r for item in value for r in _source_ranges(item)]
    if not isinstance(value, dict):
        return []
    found = list(value.get("sourceRange", {}).get("sources", []))
    return found + [r for k, v in value.items() if k != "sourceRange" for r in _source_ranges(v)]


def _position(book: Spreadsheet, position: Any) -> tuple[Sheet, dict[str, Any]]:
    """The tab a chart goes on and its stored EmbeddedObjectPosition."""
    if not isinstance(position, dict) or not position:
        raise ApiError.invalid("Invalid EmbeddedObjectPosition: a position is required")
    if "sheetId" in position:
        return book.sheet_by_id(int(position["sheetId"])), {"sheetId": position["sheetId"]}
    overlay = position.get("overlayPosition")
    if not isinstance(overlay, dict):
        raise ApiError.unimplemented("charts on a new sheet (position.newSheet)")
    anchor = overlay.get("anchorCell", {})
    sheet = book.sheet_by_id(int(anchor.get("sheetId", 0)))
    stored = {
        "widthPixels": DEFAULT_WIDTH,
        "heightPixels": DEFAULT_HEIGHT,
        **copy.deepcopy(overlay),
    }
    return sheet, {"overlayPosition": stored}


HANDLERS: dict[str, Handler] = {
    "addChart": add_chart,
    "updateChartSpec": update_chart_spec,
    "deleteEmbeddedObject": delete_embedded_object,
}
