"""The emulator's embedded charts: addChart, updateChartSpec, deleteEmbeddedObject, and get.

Driven with the real gspread client over HTTP, as a program talking to Google would.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import gspread
import pytest

from sheetsync.testing.emulator import SheetsEmulator, gspread_client

pytest_plugins = ["emulator_fixtures"]  # emu

MONTHS = [["Month", "Done", "Open"], ["Jan", 1, 2], ["Feb", 0, 3]]


@pytest.fixture
def sheet(emu: SheetsEmulator) -> Iterator[gspread.Spreadsheet]:
    """A spreadsheet with a small monthly table on its only tab (gid 0), via gspread."""
    client = gspread_client(emu.host)
    yield client.open_by_key(emu.create_spreadsheet("Charts", {"Board": MONTHS}))
    client.http_client.session.close()


def column_chart(sheet_id: int = 0, chart_type: str = "COLUMN") -> dict[str, Any]:
    """A ChartSpec: a stacked column chart over the table's two series."""

    def source(column: int) -> dict[str, Any]:
        grid = {"sheetId": sheet_id, "startRowIndex": 0, "endRowIndex": 3}
        grid |= {"startColumnIndex": column, "endColumnIndex": column + 1}
        return {"sourceRange": {"sources": [grid]}}

    return {
        "title": "Due per month",
        "basicChart": {
            "chartType": chart_type,
            "stackedType": "STACKED",
            "headerCount": 1,
            "domains": [{"domain": source(0)}],
            "series": [{"series": source(1)}, {"series": source(2)}],
        },
    }


def add(sheet: gspread.Spreadsheet, **extra: Any) -> dict[str, Any]:
    """addChart anchored at D2 of the first tab; the reply's chart."""
    anchor = {"sheetId": 0, "rowIndex": 1, "columnIndex": 3}
    chart = {"spec": column_chart(), "position": {"overlayPosition": {"anchorCell": anchor}}}
    answer = sheet.batch_update({"requests": [{"addChart": {"chart": {**chart, **extra}}}]})
    return answer["replies"][0]["addChart"]["chart"]


def charts(sheet: gspread.Spreadsheet) -> list[dict[str, Any]]:
    """``sheets[].charts`` of the first tab, as ``spreadsheets.get`` lists them."""
    meta = sheet.fetch_sheet_metadata({"fields": "sheets(properties.title,charts)"})
    return meta["sheets"][0].get("charts", [])


def test_add_chart_reply_and_get_show_the_chart_with_googles_defaults(sheet):
    """addChart answers the chart with a new chartId, Google's defaults filled in; get lists it."""
    chart = add(sheet)
    assert isinstance(chart["chartId"], int) and chart["chartId"] > 0
    assert chart["spec"]["hiddenDimensionStrategy"] == "SKIP_HIDDEN_ROWS_AND_COLUMNS"
    overlay = chart["position"]["overlayPosition"]
    assert (overlay["widthPixels"], overlay["heightPixels"]) == (600, 371)
    assert "sheetId" not in overlay["anchorCell"]  # gid 0 is left out, as Google does
    assert charts(sheet) == [chart]


def test_a_tab_without_charts_lists_none(sheet):
    """A tab with no chart has no ``charts`` key at all, as Google answers."""
    meta = sheet.fetch_sheet_metadata({"fields": "sheets(properties.title,charts)"})
    assert meta["sheets"] == [{"properties": {"title": "Board"}}]


def test_update_chart_spec_replaces_the_spec_and_keeps_the_position(sheet):
    """updateChartSpec changes the chart's spec only."""
    chart = add(sheet)
    line = column_chart(chart_type="LINE")
    sheet.batch_update(
        {"requests": [{"updateChartSpec": {"chartId": chart["chartId"], "spec": line}}]}
    )
    (now,) = charts(sheet)
    assert now["spec"]["basicChart"]["chartType"] == "LINE"
    assert now["position"] == chart["position"]


def test_delete_embedded_object_removes_the_chart(sheet):
    """deleteEmbeddedObject by chartId removes that chart and no other."""
    first, second = add(sheet), add(sheet)
    sheet.batch_update({"requests": [{"deleteEmbeddedObject": {"objectId": first["chartId"]}}]})
    assert [c["chartId"] for c in charts(sheet)] == [second["chartId"]]


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        ({"updateChartSpec": {"chartId": 42, "spec": column_chart()}}, "No chart with id: 42"),
        ({"deleteEmbeddedObject": {"objectId": 42}}, "No embedded object with id: 42"),
        ({"addChart": {"chart": {"spec": column_chart(), "position": {}}}}, "position"),
        ({"addChart": {"chart": {"spec": column_chart(7), "position": {"sheetId": 0}}}}, "7"),
        ({"addChart": {"chart": {"spec": {"title": "x"}, "position": {"sheetId": 0}}}}, "chart"),
    ],
)
def test_bad_chart_requests_are_400s(sheet, request_, message):
    """An unknown chart, a missing position, a range on no tab or no chart kind: a 400."""
    with pytest.raises(gspread.exceptions.APIError) as caught:
        sheet.batch_update({"requests": [request_]})
    assert caught.value.response.status_code == 400
    assert message in str(caught.value)


def test_chart_id_given_twice_is_refused(sheet):
    """A chartId already in use is refused; the first chart stays alone."""
    add(sheet, chartId=555)
    with pytest.raises(gspread.exceptions.APIError):
        add(sheet, chartId=555)
    assert [c["chartId"] for c in charts(sheet)] == [555]


def test_a_failed_batch_adds_no_chart(sheet):
    """A batch whose later request fails leaves no chart behind (all or nothing)."""
    anchor = {"overlayPosition": {"anchorCell": {"sheetId": 0}}}
    good = {"addChart": {"chart": {"spec": column_chart(), "position": anchor}}}
    bad = {"deleteEmbeddedObject": {"objectId": 99}}
    with pytest.raises(gspread.exceptions.APIError):
        sheet.batch_update({"requests": [good, bad]})
    assert charts(sheet) == []


def test_a_chart_goes_with_its_tab(sheet, emu):
    """Deleting the tab a chart sits on deletes the chart."""
    new = sheet.add_worksheet("Other", 10, 5)
    anchor = {"overlayPosition": {"anchorCell": {"sheetId": new.id}}}
    chart = {"spec": column_chart(), "position": anchor}
    sheet.batch_update({"requests": [{"addChart": {"chart": chart}}]})
    assert len(emu.charts(sheet.id, "Other")) == 1
    sheet.del_worksheet(new)
    meta = sheet.fetch_sheet_metadata({"fields": "sheets(properties.title,charts)"})
    assert [s["properties"]["title"] for s in meta["sheets"]] == ["Board"]
    assert "charts" not in meta["sheets"][0]
