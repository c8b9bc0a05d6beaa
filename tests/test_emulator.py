"""The Sheets API emulator, driven over HTTP by the real gspread client (and raw requests)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import gspread
import pytest
import requests

from sheetsync.testing.emulator import Fault, Quota, SheetsEmulator, gspread_client

CONTRACTS = [
    ["Contract ID", "Contract", "Value", "End Date", "Auto-Renew"],
    ["C-001", "Acme MSA", 120000, dt.date(2027, 3, 31), True],
    ["C-002", "Globex lease", 45000.5, dt.date(2026, 12, 31), False],
]
MILESTONES = [
    ["Milestone ID", "Contract ID", "Milestone", "Due Date"],
    ["M-0003", "C-002", "Pay rent", dt.date(2027, 1, 5)],
    ["M-0001", "C-001", "Renewal notice", dt.date(2026, 12, 1)],
    ["M-0002", "C-001", "QBR", dt.date(2027, 2, 10)],
]


@pytest.fixture
def emu() -> Iterator[SheetsEmulator]:
    """A running emulator with Google's default quotas."""
    with SheetsEmulator() as emulator:
        yield emulator


@pytest.fixture
def book(emu: SheetsEmulator) -> str:
    """The id of a seeded two-tab tracker."""
    return emu.create_spreadsheet(
        "Tracker", tabs={"Contracts": CONTRACTS, "Milestones": MILESTONES}
    )


@pytest.fixture
def gc(emu: SheetsEmulator) -> Iterator[gspread.Client]:
    """A real gspread client pointed at the emulator."""
    client = gspread_client(emu.host)
    yield client
    client.http_client.session.close()


@pytest.fixture
def http(emu: SheetsEmulator) -> Iterator[Any]:
    """Raw HTTP to the emulator: ``http("GET", "/v4/...", params=..., json=...)``."""
    session = requests.Session()

    def call(method: str, path: str, **kwargs: Any) -> requests.Response:
        return session.request(method, emu.base_url + path, timeout=10, **kwargs)

    yield call
    session.close()


def values_url(book: str, a1: str) -> str:
    """The path of ``values/{range}``."""
    return f"/v4/spreadsheets/{book}/values/{requests.utils.quote(a1, safe='')}"


# -- gspread round trips ------------------------------------------------------------------


def test_gspread_create_makes_a_spreadsheet_with_sheet1(emu: SheetsEmulator, gc: Any) -> None:
    """gspread's create() goes through Drive and yields a spreadsheet with one empty Sheet1."""
    sheet = gc.create("New tracker")
    assert [ws.title for ws in sheet.worksheets()] == ["Sheet1"]
    assert emu.values(sheet.id, "Sheet1") == []
    assert emu.calls["drive.files.create"] == 1


def test_gspread_reads_seeded_values_formatted(book: str, gc: Any) -> None:
    """Seeded numbers, dates and booleans come back as the text a person sees."""
    rows = gc.open_by_key(book).worksheet("Contracts").get_all_values()
    assert rows[1] == ["C-001", "Acme MSA", "120000", "2027-03-31", "TRUE"]
    assert rows[2][2] == "45000.5"


def test_gspread_reads_unformatted_values_typed(book: str, gc: Any) -> None:
    """UNFORMATTED_VALUE gives whole numbers as ints, dates as serial numbers, booleans."""
    ws = gc.open_by_key(book).worksheet("Contracts")
    row = ws.get("A2:E2", value_render_option="UNFORMATTED_VALUE")[0]
    assert row == ["C-001", "Acme MSA", 120000, 46477, True]
    assert isinstance(row[2], int)


def test_date_time_render_formatted_string(book: str, gc: Any) -> None:
    """dateTimeRenderOption=FORMATTED_STRING shows dates as text even when unformatted."""
    ws = gc.open_by_key(book).worksheet("Contracts")
    got = ws.get(
        "D2", value_render_option="UNFORMATTED_VALUE", date_time_render_option="FORMATTED_STRING"
    )
    assert got == [["2027-03-31"]]


def test_raw_write_keeps_formula_text_as_text(emu: SheetsEmulator, book: str, gc: Any) -> None:
    """RAW stores "=1+1" as the text "=1+1", never a formula."""
    ws = gc.open_by_key(book).worksheet("Milestones")
    ws.update([["=1+1", "+44", "0042"]], "E2", value_input_option="RAW")
    assert emu.values(book, "Milestones", render="FORMULA")[1][4:] == ["=1+1", "+44", "0042"]


def test_user_entered_parses_numbers_booleans_and_dates(
    emu: SheetsEmulator, book: str, gc: Any
) -> None:
    """USER_ENTERED turns typed text into numbers, booleans and date serials."""
    ws = gc.open_by_key(book).worksheet("Milestones")
    ws.update([["0042", "true", "2027-03-31", "3/31/2027", "1,200.50"]], "E2", raw=False)
    assert emu.values(book, "Milestones")[1][4:] == [42, True, 46477, 46477, 1200.5]
    shown = ws.get("E2:I2")[0]
    assert shown == ["42", "TRUE", "2027-03-31", "3/31/2027", "1,200.50"]


def test_user_entered_reads_day_first_dates_in_en_gb(emu: SheetsEmulator, gc: Any) -> None:
    """In an en_GB spreadsheet, 04/05/2027 is the 4th of May."""
    book = emu.create_spreadsheet("UK", locale="en_GB", time_zone="Europe/London")
    gc.open_by_key(book).sheet1.update([["04/05/2027"]], "A1", raw=False)
    (serial,) = emu.values(book, "Sheet1")[0]
    assert dt.date(1899, 12, 30) + dt.timedelta(days=serial) == dt.date(2027, 5, 4)


def test_user_entered_formula_is_evaluated(book: str, gc: Any) -> None:
    """A typed arithmetic formula shows its value, and FORMULA shows the formula."""
    ws = gc.open_by_key(book).worksheet("Milestones")
    ws.update([["=4/2"]], "F1", raw=False)
    assert ws.acell("F1").value == "2"
    assert ws.get("F1", value_render_option="FORMULA") == [["=4/2"]]


def test_append_row_lands_below_the_table(emu: SheetsEmulator, book: str, gc: Any) -> None:
    """append writes after the last row and answers tableRange and updates like Google."""
    ws = gc.open_by_key(book).worksheet("Milestones")
    answer = ws.append_row(["M-0004", "C-002", "Audit"])
    assert answer["tableRange"] == "Milestones!A1:D4"
    assert answer["updates"]["updatedRange"] == "Milestones!A5:C5"
    assert emu.values(book, "Milestones")[4] == ["M-0004", "C-002", "Audit"]


def test_append_insert_rows_grows_the_grid(emu: SheetsEmulator, book: str, gc: Any) -> None:
    """insertDataOption=INSERT_ROWS adds rows to the grid instead of overwriting."""
    ws = gc.open_by_key(book).worksheet("Milestones")
    ws.append_rows([["a"], ["b"]], insert_data_option="INSERT_ROWS")
    assert emu.sheet_properties(book, "Milestones")["gridProperties"]["rowCount"] == 1002


def test_clear_and_batch_clear_empty_ranges(emu: SheetsEmulator, book: str, gc: Any) -> None:
    """values.clear and values.batchClear empty exactly the ranges named."""
    ws = gc.open_by_key(book).worksheet("Milestones")
    ws.batch_clear(["A2:A4", "C3"])
    assert emu.values(book, "Milestones")[1:] == [
        ["", "C-002", "Pay rent", 46392],
        ["", "C-001", "", 46357],
        ["", "C-001", "QBR", 46428],
    ]


def test_batch_update_values_writes_several_ranges(emu: SheetsEmulator, book: str, gc: Any) -> None:
    """values.batchUpdate writes every range and totals the cells."""
    ws = gc.open_by_key(book).worksheet("Milestones")
    answer = ws.batch_update(
        [
            {"range": "E1", "values": [["Status"]]},
            {"range": "E3:E4", "values": [["Overdue"], ["Upcoming"]]},
        ]
    )
    assert answer["totalUpdatedCells"] == 3
    assert [row[4] for row in emu.values(book, "Milestones")[:4:2]] == ["Status", "Overdue"]


def test_values_batch_get_columns_major_dimension(book: str, gc: Any) -> None:
    """majorDimension=COLUMNS returns columns, trimmed like rows."""
    answer = gc.open_by_key(book).values_batch_get(
        ["Milestones!A1:B3"], params={"majorDimension": "COLUMNS"}
    )
    assert answer["valueRanges"][0]["values"] == [
        ["Milestone ID", "M-0003", "M-0001"],
        ["Contract ID", "C-002", "C-001"],
    ]


# -- ranges and answers -------------------------------------------------------------------


def test_empty_range_has_no_values_key(http: Any, book: str) -> None:
    """An empty range answers without a ``values`` key."""
    answer = http("GET", values_url(book, "Milestones!H1:J3")).json()
    assert answer == {"range": "Milestones!H1:J3", "majorDimension": "ROWS"}


def test_trailing_empty_cells_and_rows_are_trimmed(emu: SheetsEmulator, http: Any) -> None:
    """Trailing empty cells and rows are dropped; inner empty rows stay as []."""
    book = emu.create_spreadsheet("T", tabs={"Sheet1": [["a", None, None], [], ["b", "", None]]})
    answer = http("GET", values_url(book, "Sheet1!A1:C5")).json()
    assert answer["values"] == [["a"], [], ["b"]]


def test_whole_sheet_range_echoes_the_full_grid(http: Any, book: str) -> None:
    """A bare tab name reads the whole grid and echoes it as A1:Z1000."""
    assert http("GET", values_url(book, "Contracts")).json()["range"] == "Contracts!A1:Z1000"


def test_echoed_range_quotes_titles_like_google(emu: SheetsEmulator, http: Any) -> None:
    """Titles with spaces or that look like cells come back quoted; A1:C is bounded."""
    book = emu.create_spreadsheet("Q", tabs={"My Tab": [["x"]], "D3": [["y"]]})
    assert http("GET", values_url(book, "'My Tab'!A1:C")).json()["range"] == "'My Tab'!A1:C1000"
    assert http("GET", values_url(book, "D3")).json()["range"] == "'D3'!A1:Z1000"
    assert http("GET", values_url(book, "'D3'!A:A")).json()["values"] == [["y"]]


def test_range_without_tab_reads_the_first_tab(http: Any, book: str) -> None:
    """A range without a tab name refers to the first tab."""
    assert http("GET", values_url(book, "A2")).json()["values"] == [["C-001"]]


def test_unknown_tab_is_400_unable_to_parse_range(book: str, gc: Any) -> None:
    """A range naming no tab is a 400 INVALID_ARGUMENT "Unable to parse range"."""
    with pytest.raises(gspread.exceptions.APIError) as caught:
        gc.open_by_key(book).values_get("Nope!A1")
    assert caught.value.code == 400
    assert caught.value.error["status"] == "INVALID_ARGUMENT"
    assert caught.value.error["message"] == "Unable to parse range: Nope!A1"


def test_range_beyond_the_grid_is_400(http: Any, book: str) -> None:
    """Reading past the last row of the grid answers "exceeds grid limits"."""
    answer = http("GET", values_url(book, "Contracts!A1:B2000"))
    assert answer.status_code == 400
    assert "exceeds grid limits. Max rows: 1000" in answer.json()["error"]["message"]


def test_writing_more_rows_than_the_range_is_400(http: Any, book: str) -> None:
    """A values.update with more rows than its range is refused."""
    answer = http(
        "PUT",
        values_url(book, "Contracts!A1:B1"),
        params={"valueInputOption": "RAW"},
        json={"values": [["a"], ["b"]]},
    )
    assert answer.status_code == 400
    assert "tried writing to row [2]" in answer.json()["error"]["message"]


def test_unknown_spreadsheet_is_404(gc: Any) -> None:
    """An unknown id is a 404 NOT_FOUND, which gspread turns into SpreadsheetNotFound."""
    with pytest.raises(gspread.exceptions.SpreadsheetNotFound):
        gc.open_by_key("no-such-spreadsheet")


def test_private_spreadsheet_is_403(emu: SheetsEmulator, http: Any) -> None:
    """A spreadsheet marked private answers 403 PERMISSION_DENIED."""
    book = emu.create_spreadsheet("Secret", private=True)
    answer = http("GET", f"/v4/spreadsheets/{book}")
    assert answer.status_code == 403
    assert answer.json()["error"]["status"] == "PERMISSION_DENIED"


def test_unsupported_request_is_a_google_shaped_501(http: Any, book: str) -> None:
    """A request the emulator does not implement gets 501 UNIMPLEMENTED in Google's shape."""
    answer = http("POST", f"/v4/spreadsheets/{book}/developerMetadata:search", json={})
    assert answer.status_code == 501
    assert set(answer.json()["error"]) == {"code", "message", "status"}
    assert answer.json()["error"]["status"] == "UNIMPLEMENTED"


def test_unsupported_batch_request_is_501_and_changes_nothing(
    emu: SheetsEmulator, book: str, http: Any
) -> None:
    """A batchUpdate with an unknown request kind is refused as a whole."""
    body = {"requests": [{"addSheet": {"properties": {"title": "X"}}}, {"addSlicer": {}}]}
    answer = http("POST", f"/v4/spreadsheets/{book}:batchUpdate", json=body)
    assert answer.status_code == 501
    assert emu.store.books[book].find_sheet("X") is None


def test_malformed_json_is_400_not_a_traceback(http: Any, book: str) -> None:
    """A body that is not JSON gets Google's 400, never a Python traceback."""
    answer = http("POST", f"/v4/spreadsheets/{book}:batchUpdate", data=b"{oops")
    assert answer.status_code == 400
    assert answer.json()["error"]["message"] == "Invalid JSON payload received."


def test_bad_value_in_a_values_batch_writes_nothing(
    emu: SheetsEmulator, http: Any, book: str
) -> None:
    """A values.batchUpdate with one bad value is refused whole, with a 400."""
    body = {
        "valueInputOption": "RAW",
        "data": [
            {"range": "Milestones!E1", "values": [["Status"]]},
            {"range": "Milestones!F1", "values": [[{"nested": "object"}]]},
        ],
    }
    answer = http("POST", f"/v4/spreadsheets/{book}/values:batchUpdate", json=body)
    assert answer.status_code == 400
    assert emu.values(book, "Milestones")[0] == MILESTONES[0]


def test_bad_batch_request_payload_is_400_and_undone(
    emu: SheetsEmulator, http: Any, book: str
) -> None:
    """A malformed batchUpdate request is a 400 naming it, and changes nothing."""
    resize = {
        "properties": {"sheetId": 0, "gridProperties": {"rowCount": "many"}},
        "fields": "gridProperties.rowCount",
    }
    body = {"requests": [{"updateSheetProperties": resize}]}
    answer = http("POST", f"/v4/spreadsheets/{book}:batchUpdate", json=body)
    assert answer.status_code == 400
    assert answer.json()["error"]["message"].startswith("Invalid requests[0].updateSheetProperties")
    assert emu.sheet_properties(book, "Contracts")["gridProperties"]["rowCount"] == 1000


def test_requests_need_no_authorization(http: Any, book: str) -> None:
    """Requests without any Authorization header are served."""
    assert http("GET", f"/v4/spreadsheets/{book}").status_code == 200


# -- spreadsheet metadata -----------------------------------------------------------------


def test_fields_mask_sheets_properties(http: Any, book: str) -> None:
    """fields=sheets.properties returns only the tabs' properties."""
    answer = http("GET", f"/v4/spreadsheets/{book}", params={"fields": "sheets.properties"})
    body = answer.json()
    assert list(body) == ["sheets"]
    assert [s["properties"]["title"] for s in body["sheets"]] == ["Contracts", "Milestones"]
    assert body["sheets"][1]["properties"]["gridProperties"] == {
        "rowCount": 1000,
        "columnCount": 26,
    }


def test_fields_mask_with_parentheses(http: Any, book: str) -> None:
    """fields=properties(title,locale) keeps exactly those two properties."""
    answer = http("GET", f"/v4/spreadsheets/{book}", params={"fields": "properties(title,locale)"})
    assert answer.json() == {"properties": {"title": "Tracker", "locale": "en_US"}}


def test_fields_mask_nested_parentheses(http: Any, book: str) -> None:
    """Nested masks such as sheets(properties(title,gridProperties.rowCount)) are honoured."""
    mask = "sheets(properties(title,gridProperties.rowCount)),properties.timeZone"
    answer = http("GET", f"/v4/spreadsheets/{book}", params={"fields": mask}).json()
    assert answer == {
        "sheets": [
            {"properties": {"title": "Contracts", "gridProperties": {"rowCount": 1000}}},
            {"properties": {"title": "Milestones", "gridProperties": {"rowCount": 1000}}},
        ],
        "properties": {"timeZone": "Etc/GMT"},
    }


def test_grid_data_is_unimplemented_not_wrong(http: Any, book: str) -> None:
    """includeGridData=true is refused with 501 rather than answered without grid data."""
    answer = http("GET", f"/v4/spreadsheets/{book}", params={"includeGridData": "true"})
    assert answer.status_code == 501


def test_gspread_client_accepts_a_base_url(emu: SheetsEmulator, book: str) -> None:
    """gspread_client takes ``host:port`` or a full ``http://host:port`` base URL."""
    client = gspread_client(emu.base_url)
    try:
        assert client.open_by_key(book).title == "Tracker"
    finally:
        client.http_client.session.close()


def test_locale_and_time_zone_are_reported(emu: SheetsEmulator, gc: Any) -> None:
    """The locale and time zone given at creation are the spreadsheet's properties."""
    book = emu.create_spreadsheet("UK", locale="en_GB", time_zone="Europe/London")
    sheet = gc.open_by_key(book)
    assert (sheet.locale, sheet.timezone) == ("en_GB", "Europe/London")


def test_add_sheet_reply_carries_properties(emu: SheetsEmulator, book: str, gc: Any) -> None:
    """addSheet answers the new tab's properties with a fresh sheetId and index."""
    ws = gc.open_by_key(book).add_worksheet("Log", rows=10, cols=9)
    assert (ws.title, ws.index, ws.row_count, ws.col_count) == ("Log", 2, 10, 9)
    assert emu.sheet_properties(book, "Log")["sheetId"] == ws.id != 0


def test_duplicate_sheet_title_is_400(book: str, gc: Any) -> None:
    """Adding a tab whose title exists is a 400 naming the request."""
    with pytest.raises(gspread.exceptions.APIError) as caught:
        gc.open_by_key(book).add_worksheet("contracts", rows=1, cols=1)
    assert caught.value.error["message"].startswith("Invalid requests[0].addSheet: A sheet")


def test_freeze_sets_frozen_row_count(emu: SheetsEmulator, book: str, gc: Any) -> None:
    """updateSheetProperties with a fields mask freezes the header row."""
    gc.open_by_key(book).worksheet("Milestones").freeze(rows=1)
    assert emu.sheet_properties(book, "Milestones")["gridProperties"]["frozenRowCount"] == 1


def test_delete_sheet_removes_the_tab(emu: SheetsEmulator, book: str, gc: Any) -> None:
    """deleteSheet removes a tab and renumbers the others."""
    sheet = gc.open_by_key(book)
    sheet.del_worksheet(sheet.worksheet("Contracts"))
    assert [ws.title for ws in sheet.worksheets()] == ["Milestones"]
    assert emu.sheet_properties(book, "Milestones")["index"] == 0


def test_insert_and_delete_rows_shift_cells(emu: SheetsEmulator, book: str, gc: Any) -> None:
    """insertDimension and deleteDimension move the rows below."""
    ws = gc.open_by_key(book).worksheet("Milestones")
    ws.insert_rows([["M-0009"]], row=2)
    ws.delete_rows(3)
    assert [row[0] for row in emu.values(book, "Milestones")] == [
        "Milestone ID",
        "M-0009",
        "M-0001",
        "M-0002",
    ]


def test_protected_range_reply_has_an_id(emu: SheetsEmulator, book: str, gc: Any) -> None:
    """addProtectedRange answers the range with a protectedRangeId, and stores it."""
    answer = gc.open_by_key(book).worksheet("Contracts").add_protected_range("A1:E1")
    protected = answer["replies"][0]["addProtectedRange"]["protectedRange"]
    assert protected["protectedRangeId"] > 0
    stored = emu.stored_rules(book, "Contracts")["protectedRanges"]
    assert stored[0]["protectedRangeId"] == protected["protectedRangeId"]


def test_formats_validations_and_rules_are_stored(emu: SheetsEmulator, book: str, gc: Any) -> None:
    """repeatCell, setDataValidation and addConditionalFormatRule are kept for inspection."""
    sheet_id = gc.open_by_key(book).worksheet("Milestones").id
    grid = {"sheetId": sheet_id, "startRowIndex": 1, "startColumnIndex": 3, "endColumnIndex": 4}
    rule = {"ranges": [grid], "booleanRule": {"condition": {"type": "DATE_BEFORE"}}}
    gc.open_by_key(book).batch_update(
        {
            "requests": [
                {"repeatCell": {"range": grid, "cell": {}, "fields": "userEnteredFormat"}},
                {
                    "setDataValidation": {
                        "range": grid,
                        "rule": {"condition": {"type": "DATE_IS_VALID"}},
                    }
                },
                {"addConditionalFormatRule": {"rule": rule, "index": 0}},
            ]
        }
    )
    stored = emu.stored_rules(book, "Milestones")
    assert [len(stored[k]) for k in ("formats", "validations", "conditionalFormats")] == [1, 1, 1]


def test_batch_update_is_all_or_nothing(emu: SheetsEmulator, book: str, http: Any) -> None:
    """When one request of a batchUpdate fails, the earlier ones are undone."""
    body = {
        "requests": [{"addSheet": {"properties": {"title": "X"}}}, {"deleteSheet": {"sheetId": 7}}]
    }
    answer = http("POST", f"/v4/spreadsheets/{book}:batchUpdate", json=body)
    assert answer.status_code == 400
    assert emu.store.books[book].find_sheet("X") is None


def test_spreadsheets_create_with_tabs_and_locale(emu: SheetsEmulator, http: Any) -> None:
    """POST /v4/spreadsheets creates the tabs and properties asked for."""
    body = {
        "properties": {"title": "Made", "locale": "de_DE", "timeZone": "Europe/Berlin"},
        "sheets": [{"properties": {"title": "Contracts"}}, {"properties": {"title": "Log"}}],
    }
    answer = http("POST", "/v4/spreadsheets", json=body).json()
    assert answer["properties"]["locale"] == "de_DE"
    assert [s["properties"]["title"] for s in answer["sheets"]] == ["Contracts", "Log"]
    assert emu.values(answer["spreadsheetId"], "Log") == []


def test_rename_and_resize_a_tab(emu: SheetsEmulator, book: str, gc: Any) -> None:
    """updateSheetProperties renames a tab and resizes its grid."""
    ws = gc.open_by_key(book).worksheet("Milestones")
    ws.update_title("Deadlines")
    ws.resize(rows=3)
    assert emu.sheet_properties(book, "Deadlines")["gridProperties"]["rowCount"] == 3
    assert [row[0] for row in emu.values(book, "Deadlines")] == ["Milestone ID", "M-0003", "M-0001"]


def test_append_dimension_adds_columns(emu: SheetsEmulator, book: str, gc: Any) -> None:
    """appendDimension adds columns at the end of a tab."""
    ws = gc.open_by_key(book).worksheet("Milestones")
    request = {"appendDimension": {"sheetId": ws.id, "dimension": "COLUMNS", "length": 4}}
    gc.open_by_key(book).batch_update({"requests": [request]})
    assert emu.sheet_properties(book, "Milestones")["gridProperties"]["columnCount"] == 30


def test_drive_file_metadata_has_times(book: str, gc: Any) -> None:
    """Drive files.get answers the spreadsheet's name and RFC 3339 times."""
    sheet = gc.open_by_key(book)
    assert sheet.get_lastUpdateTime().endswith("Z")
    assert gc.http_client.get_file_drive_metadata(book)["name"] == "Tracker"


def test_drive_open_by_name_and_delete(emu: SheetsEmulator, book: str, gc: Any) -> None:
    """gspread finds a spreadsheet by name through Drive, and deletes it through Drive."""
    assert gc.open("Tracker").id == book
    gc.del_spreadsheet(book)
    with pytest.raises(gspread.exceptions.SpreadsheetNotFound):
        gc.open_by_key(book)


# -- Google's JSON rules and named ranges ---------------------------------------------------


def batch(http: Any, book: str, *requests_: dict[str, Any]) -> dict[str, Any]:
    """POST a spreadsheets:batchUpdate and return its JSON answer."""
    answer = http("POST", f"/v4/spreadsheets/{book}:batchUpdate", json={"requests": requests_})
    assert answer.status_code == 200, answer.text
    return answer.json()


def name_range(http: Any, book: str, name: str = "Dates") -> None:
    """Name Milestones!B2:D3 (a tab whose sheetId is not 0)."""
    tabs = http("GET", f"/v4/spreadsheets/{book}").json()["sheets"]
    sheet_id = next(
        t["properties"]["sheetId"] for t in tabs if t["properties"]["title"] == "Milestones"
    )
    grid = {
        "sheetId": sheet_id,
        "startRowIndex": 1,
        "endRowIndex": 3,
        "startColumnIndex": 1,
        "endColumnIndex": 4,
    }
    batch(http, book, {"addNamedRange": {"namedRange": {"name": name, "range": grid}}})


def test_colors_come_back_at_single_precision_without_zero_parts(http: Any, book: str) -> None:
    """A tab colour of 1/3 red reads back 0.33333334 (single precision); blue 0 is left out."""
    color = {"red": 1 / 3, "green": 0.1, "blue": 0.0}
    update = {"properties": {"sheetId": 0, "tabColor": color}, "fields": "tabColor"}
    batch(http, book, {"updateSheetProperties": update})
    added = batch(http, book, {"addSheet": {"properties": {"title": "New", "tabColor": color}}})
    expected = {"red": 0.33333334, "green": 0.1}
    assert added["replies"][0]["addSheet"]["properties"]["tabColor"] == expected
    first = http("GET", f"/v4/spreadsheets/{book}").json()["sheets"][0]["properties"]
    assert first["tabColor"] == expected
    assert '"red": 0.33333334' in http("GET", f"/v4/spreadsheets/{book}").text


def test_sheet_zero_shows_its_id_and_index_as_recorded(http: Any, book: str) -> None:
    """As recorded: SheetProperties print sheetId 0 and index 0; a GridRange omits sheetId 0."""
    first = http("GET", f"/v4/spreadsheets/{book}").json()["sheets"][0]["properties"]
    assert (first["sheetId"], first["index"]) == (0, 0)
    grid = {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 1}
    named = batch(http, book, {"addNamedRange": {"namedRange": {"name": "Top", "range": grid}}})
    assert named["replies"][0]["addNamedRange"]["namedRange"]["range"] == {
        "startRowIndex": 0,
        "endRowIndex": 1,
    }


def test_values_answers_leave_out_fields_at_their_default(http: Any, book: str) -> None:
    """No empty "responses", no zero counts, no empty "values"; "" and 0 cells in values stay."""
    path = f"/v4/spreadsheets/{book}/values:batchUpdate"
    empty = http("POST", path, json={"valueInputOption": "RAW", "data": []}).json()
    assert empty == {"spreadsheetId": book}
    blank = http(
        "PUT",
        values_url(book, "Contracts!H1"),
        params={"valueInputOption": "RAW"},
        json={"values": [[None]]},
    )
    assert set(blank.json()) == {"spreadsheetId", "updatedRange"}
    assert "values" not in http("GET", values_url(book, "Contracts!Z9")).json()
    http(
        "PUT",
        values_url(book, "Contracts!H1"),
        params={"valueInputOption": "RAW"},
        json={"values": [[0, ""]]},
    )
    read = http(
        "GET",
        values_url(book, "Contracts!G1:I1"),
        params={"valueRenderOption": "UNFORMATTED_VALUE"},
    )
    assert read.json()["values"] == [["", 0]]


def test_named_range_stands_for_a1_in_the_values_api(
    emu: SheetsEmulator, http: Any, gc: Any, book: str
) -> None:
    """get, batchGet, update, batchUpdate, append, clear and batchClear all take a range's name."""
    name_range(http, book)
    sheet = gc.open_by_key(book)
    got = sheet.values_get("Dates", params={"valueRenderOption": "UNFORMATTED_VALUE"})
    assert got["range"] == "Milestones!B2:D3"
    assert got["values"] == [["C-002", "Pay rent", 46392], ["C-001", "Renewal notice", 46357]]
    assert (
        sheet.values_batch_get(["dates", "Milestones!A1"])["valueRanges"][0]["range"]
        == "Milestones!B2:D3"
    )
    sheet.values_update(
        "Dates", params={"valueInputOption": "RAW"}, body={"values": [["x"], ["y"]]}
    )
    assert [row[1] for row in emu.values(book, "Milestones")[1:3]] == ["x", "y"]
    sheet.values_batch_update(
        {"valueInputOption": "RAW", "data": [{"range": "Dates", "values": [["z"]]}]}
    )
    assert emu.values(book, "Milestones")[1][1] == "z"
    appended = sheet.values_append(
        "Dates", params={"valueInputOption": "RAW"}, body={"values": [["w"]]}
    )
    assert appended["updates"]["updatedRange"] == "Milestones!B4"  # right below the range
    assert sheet.values_clear("Dates")["clearedRange"] == "Milestones!B2:D3"
    assert emu.values(book, "Milestones")[1:4] == [
        ["M-0003"],
        ["M-0001"],
        ["M-0002", "w", "QBR", 46428],
    ]
    cleared = http("POST", f"/v4/spreadsheets/{book}/values:batchClear", json={"ranges": ["Dates"]})
    assert cleared.json()["clearedRanges"] == ["Milestones!B2:D3"]


def test_unknown_range_name_is_a_parse_error(http: Any, book: str) -> None:
    """A name that is neither a tab, a named range nor A1 is answered 400 like Google."""
    name_range(http, book)
    answer = http("GET", values_url(book, "Datez"))
    assert answer.status_code == 400
    assert answer.json()["error"]["message"] == "Unable to parse range: Datez"


# -- quotas, faults and counts ------------------------------------------------------------


def test_61st_read_in_a_minute_is_429_with_retry_after(http: Any, book: str) -> None:
    """Past 60 reads a minute, Google's quota answers 429 RESOURCE_EXHAUSTED + Retry-After."""
    statuses = [http("GET", values_url(book, "A1")).status_code for _ in range(60)]
    refused = http("GET", values_url(book, "A1"))
    assert set(statuses) == {200}
    assert refused.status_code == 429
    assert refused.json()["error"]["status"] == "RESOURCE_EXHAUSTED"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60


def test_quota_is_per_user(emu: SheetsEmulator, http: Any, book: str) -> None:
    """Each Authorization header has its own quota."""
    emu.set_quota(reads=1)
    assert http("GET", values_url(book, "A1"), headers={"Authorization": "Bearer a"}).ok
    assert http("GET", values_url(book, "A1"), headers={"Authorization": "Bearer b"}).ok
    refused = http("GET", values_url(book, "A1"), headers={"Authorization": "Bearer a"})
    assert refused.status_code == 429


def test_writes_have_their_own_quota(emu: SheetsEmulator, http: Any, book: str) -> None:
    """Read quota used up, a write still goes through."""
    emu.set_quota(reads=2, writes=60)
    for _ in range(3):
        http("GET", values_url(book, "A1"))
    answer = http("POST", values_url(book, "Milestones!A9") + ":clear")
    assert answer.status_code == 200


def test_quota_window_slides(emu: SheetsEmulator, http: Any, book: str) -> None:
    """Once the window has passed, calls are accepted again."""
    now = [0.0]
    emu.quota = Quota(reads=1, writes=1, window=60.0, clock=lambda: now[0])
    assert http("GET", values_url(book, "A1")).status_code == 200
    assert http("GET", values_url(book, "A1")).status_code == 429
    now[0] = 61.0
    assert http("GET", values_url(book, "A1")).status_code == 200


def test_disabled_quotas_never_answer_429(emu: SheetsEmulator, http: Any, book: str) -> None:
    """With quotas disabled, the 61st read is served."""
    emu.disable_quotas()
    statuses = {http("GET", values_url(book, "A1")).status_code for _ in range(61)}
    assert statuses == {200}


def test_fault_schedule_answers_on_the_given_calls(
    emu: SheetsEmulator, http: Any, book: str
) -> None:
    """An explicit schedule makes the 3rd call answer 500 and the 5th 503, and counts them."""
    emu.fail_calls({3: 500, 5: 503})
    statuses = [http("GET", values_url(book, "A1")).status_code for _ in range(6)]
    assert statuses == [200, 200, 500, 200, 503, 200]
    assert emu.faults_injected == {"500": 1, "503": 1}


def test_fault_schedule_by_kind(emu: SheetsEmulator, book: str, gc: Any) -> None:
    """A schedule for one kind faults only that kind: the first values.batchUpdate gets 429."""
    ws = gc.open_by_key(book).worksheet("Milestones")
    emu.fail_calls({1: 429}, kind="values.batchUpdate")
    ws.get("A1")
    with pytest.raises(gspread.exceptions.APIError) as caught:
        ws.batch_update([{"range": "E1", "values": [["Status"]]}])
    assert caught.value.code == 429
    assert caught.value.response.headers["Retry-After"] == "1"
    ws.batch_update([{"range": "E1", "values": [["Status"]]}])


def test_random_faults_are_seeded(book: str) -> None:
    """The same seed and rate fault the same calls in two emulators."""

    def statuses() -> list[int]:
        with SheetsEmulator() as emulator, requests.Session() as session:
            spreadsheet = emulator.create_spreadsheet("R")
            emulator.fail_randomly(0.3, seed=7)
            url = emulator.base_url + values_url(spreadsheet, "A1")
            return [session.get(url, timeout=10).status_code for _ in range(30)]

    first = statuses()
    assert first == statuses()
    assert {429, 500, 503} & set(first)


def test_slow_fault_delays_the_answer(emu: SheetsEmulator, http: Any, book: str) -> None:
    """A slow fault answers normally, after the delay."""
    emu.fail_calls({1: Fault(delay=0.3)})
    started = time.monotonic()
    answer = http("GET", values_url(book, "A1"))
    assert answer.status_code == 200
    assert time.monotonic() - started >= 0.3
    assert emu.faults_injected["slow"] == 1


def test_lost_answer_after_the_write_was_applied(emu: SheetsEmulator, http: Any, book: str) -> None:
    """An applied-then-lost fault answers 500 yet the row is there; a naive retry adds it twice."""
    emu.lose_answers([1], kind="values.append")
    url = values_url(book, "Milestones!A1") + ":append"
    body = {"values": [["M-0009", "C-001", "Added"]]}
    assert http("POST", url, params={"valueInputOption": "RAW"}, json=body).status_code == 500
    assert emu.values(book, "Milestones")[-1] == ["M-0009", "C-001", "Added"]
    assert http("POST", url, params={"valueInputOption": "RAW"}, json=body).status_code == 200
    assert [row[0] for row in emu.values(book, "Milestones")].count("M-0009") == 2
    assert emu.faults_injected == {"applied-500": 1}


def test_lost_answer_can_drop_the_connection(emu: SheetsEmulator, http: Any, book: str) -> None:
    """With drop, the write is applied and the client sees the connection closed, no answer."""
    emu.lose_answers([1], kind="values.update", drop=True)
    with pytest.raises(requests.ConnectionError):
        http(
            "PUT",
            values_url(book, "Milestones!E1"),
            params={"valueInputOption": "RAW"},
            json={"values": [["Status"]]},
        )
    assert emu.values(book, "Milestones")[0][4] == "Status"
    assert emu.faults_injected == {"applied-drop": 1}


def test_random_lost_answers_hit_only_the_given_kinds(
    emu: SheetsEmulator, http: Any, book: str
) -> None:
    """lose_answers_randomly on writes never touches a read; every write loses its answer."""
    emu.lose_answers_randomly(1.0, kinds=["values.batchClear"], seed=1)
    assert {http("GET", values_url(book, "A1")).status_code for _ in range(5)} == {200}
    path = f"/v4/spreadsheets/{book}/values:batchClear"
    outcomes = []
    for _ in range(6):
        try:
            outcomes.append(http("POST", path, json={"ranges": ["Contracts!A3:E3"]}).status_code)
        except requests.ConnectionError:
            outcomes.append("dropped")
    assert set(outcomes) == {500, "dropped"}
    assert len(emu.values(book, "Contracts")) == 2  # the clear was carried out
    assert emu.faults_injected == {
        "applied-500": outcomes.count(500),
        "applied-drop": outcomes.count("dropped"),
    }


def test_calls_and_bytes_are_counted_and_reset(emu: SheetsEmulator, book: str, gc: Any) -> None:
    """Each call is counted by kind with its bytes; reset_counts starts over."""
    ws = gc.open_by_key(book).worksheet("Milestones")
    emu.reset_counts()
    ws.update([["x"]], "E1")
    ws.get("A1")
    assert emu.calls == {"values.update": 1, "values.get": 1}
    assert emu.bytes_received > 0 and emu.bytes_sent > emu.bytes_received
    emu.reset_counts()
    assert (sum(emu.calls.values()), emu.bytes_received, emu.bytes_sent) == (0, 0, 0)


# -- a person editing between calls -------------------------------------------------------


def test_edit_before_the_nth_call_of_a_kind(emu: SheetsEmulator, book: str, gc: Any) -> None:
    """A row inserted just before the first values.batchUpdate shifts what it overwrites."""
    ws = gc.open_by_key(book).worksheet("Milestones")
    ids = ws.col_values(1)
    emu.on_call(
        "values.batchUpdate",
        1,
        lambda: emu.edit(book, "Milestones").insert_rows(2, [["M-0099", "C-001", "New"]]),
    )
    ws.batch_update([{"range": f"E{ids.index('M-0003') + 1}", "values": [["Done"]]}])
    rows = emu.values(book, "Milestones")
    assert rows[1][0] == "M-0099" and rows[1][4:] == ["Done"]
    assert rows[2][0] == "M-0003" and len(rows[2]) == 4


def test_edit_sort_keeps_the_header(emu: SheetsEmulator, book: str) -> None:
    """Sorting by a header name reorders the rows below the header only."""
    emu.edit(book, "Milestones").sort("Milestone ID")
    assert [row[0] for row in emu.values(book, "Milestones")] == [
        "Milestone ID",
        "M-0001",
        "M-0002",
        "M-0003",
    ]


def test_edit_sort_descending_by_date_column(emu: SheetsEmulator, book: str) -> None:
    """Sorting by a column letter, descending, orders dates latest first."""
    emu.edit(book, "Milestones").sort("D", descending=True)
    assert [row[0] for row in emu.values(book, "Milestones")[1:]] == ["M-0002", "M-0003", "M-0001"]


def test_edit_delete_rows(emu: SheetsEmulator, book: str) -> None:
    """Deleting a row moves the rows below up and shrinks the grid."""
    emu.edit(book, "Milestones").delete_rows(2)
    assert [row[0] for row in emu.values(book, "Milestones")] == [
        "Milestone ID",
        "M-0001",
        "M-0002",
    ]
    assert emu.sheet_properties(book, "Milestones")["gridProperties"]["rowCount"] == 999


def test_edit_type_parses_like_a_person_typing(emu: SheetsEmulator, book: str) -> None:
    """Typing "TRUE" in a cell stores a boolean, and "31/12/2027" stays text in en_US."""
    editor = emu.edit(book, "Milestones")
    editor.type("E2", "TRUE")
    editor.type("F2", "31/12/2027")
    assert emu.values(book, "Milestones")[1][4:] == [True, "31/12/2027"]


def test_before_request_hook_sees_every_call(emu: SheetsEmulator, book: str, gc: Any) -> None:
    """before_request hooks run once per call, with its kind."""
    ws = gc.open_by_key(book).worksheet("Contracts")
    seen: list[str] = []
    emu.before_request(seen.append)
    ws.get_all_values()
    ws.update([["x"]], "F1")
    assert seen == ["values.get", "values.update"]


# -- scale and the command line -----------------------------------------------------------


def test_50000_row_tab_is_read_in_one_batch_get(emu: SheetsEmulator, gc: Any) -> None:
    """A 50,000-row tab is seeded fast and read back in a single values.batchGet."""
    rows = [["Milestone ID", "Contract ID", "Due Date", "Done"]]
    rows += [
        [f"M-{i:05d}", f"C-{i % 700:03d}", dt.date(2027, 1, 1), i % 2 == 0] for i in range(50000)
    ]
    book = emu.create_spreadsheet("Big", tabs={"Milestones": rows})
    answer = gc.open_by_key(book).values_batch_get(
        ["Milestones"], params={"valueRenderOption": "UNFORMATTED_VALUE"}
    )
    values = answer["valueRanges"][0]["values"]
    assert len(values) == 50001
    assert values[-1] == ["M-49999", "C-299", 46388, False]
    assert emu.calls["values.batchGet"] == 1


def test_module_entry_point_serves_until_terminated() -> None:
    """``python -m sheetsync.testing.emulator --port 0`` prints its host and answers."""
    process = subprocess.Popen(
        [sys.executable, "-m", "sheetsync.testing.emulator", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        assert line.startswith("SHEETS_EMULATOR_HOST=127.0.0.1:")
        host = line.split("=", 1)[1]
        answer = requests.get(f"http://{host}/v4/spreadsheets/nope", timeout=10)
        assert answer.status_code == 404
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


def test_module_entry_point_can_lose_answers() -> None:
    """``--lose-answers 1``: every write is carried out, then its answer is a 500 or lost."""
    process = subprocess.Popen(
        [sys.executable, "-m", "sheetsync.testing.emulator", "--port", "0", "--lose-answers", "1"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        base = "http://" + process.stdout.readline().strip().split("=", 1)[1]
        with requests.Session() as session:
            book = session.post(f"{base}/v4/spreadsheets", json={}, timeout=10).json()
            url = f"{base}{values_url(book['spreadsheetId'], 'Sheet1!A1')}"
            try:
                status = session.put(
                    url, params={"valueInputOption": "RAW"}, json={"values": [["x"]]}, timeout=10
                ).status_code
            except requests.ConnectionError:
                status = 0  # the connection was dropped
            assert status in (0, 500)
            assert session.get(url, timeout=10).json()["values"] == [["x"]]
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


def test_module_entry_point_refuses_a_rate_past_one() -> None:
    """``--lose-answers 2`` exits 2 with one line."""
    done = subprocess.run(
        [sys.executable, "-m", "sheetsync.testing.emulator", "--lose-answers", "2"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1].endswith("--lose-answers must be between 0 and 1")


# -- developer metadata ---------------------------------------------------------------------


def metadata(key: str, value: str, metadata_id: int = 7) -> dict[str, Any]:
    """A createDeveloperMetadata request on the spreadsheet, at a chosen id."""
    entry = {
        "metadataId": metadata_id,
        "metadataKey": key,
        "metadataValue": value,
        "location": {"spreadsheet": True},
        "visibility": "DOCUMENT",
    }
    return {"createDeveloperMetadata": {"developerMetadata": entry}}


def test_developer_metadata_is_created_and_listed_on_the_spreadsheet(http: Any, book: str) -> None:
    """A created entry comes back in the reply and in spreadsheets.get, location resolved."""
    url = f"/v4/spreadsheets/{book}:batchUpdate"
    reply = http("POST", url, json={"requests": [metadata("lease", "mine")]}).json()
    created = reply["replies"][0]["createDeveloperMetadata"]["developerMetadata"]
    assert created["location"] == {"locationType": "SPREADSHEET", "spreadsheet": True}
    fields = {"fields": "developerMetadata(metadataId,metadataValue)"}
    listed = http("GET", f"/v4/spreadsheets/{book}", params=fields).json()
    assert listed == {"developerMetadata": [{"metadataId": 7, "metadataValue": "mine"}]}


def test_a_taken_metadata_id_fails_the_whole_batch(
    emu: SheetsEmulator, http: Any, book: str
) -> None:
    """Creating an id that exists is a 400 and the batch's other requests are undone too."""
    url = f"/v4/spreadsheets/{book}:batchUpdate"
    http("POST", url, json={"requests": [metadata("lease", "first")]})
    stale = {"developerMetadataLookup": {"metadataId": 7, "metadataValue": "stale"}}
    requests_ = [{"deleteDeveloperMetadata": {"dataFilter": stale}}, metadata("lease", "second")]
    answer = http("POST", url, json={"requests": requests_})
    assert answer.status_code == 400 and "already exists" in answer.json()["error"]["message"]
    assert [m["metadataValue"] for m in emu.developer_metadata(book)] == ["first"]


def test_delete_by_value_then_create_replaces_only_the_value_read(
    emu: SheetsEmulator, http: Any, book: str
) -> None:
    """Deleting by id and value, then creating, swaps the entry when the value still matches."""
    url = f"/v4/spreadsheets/{book}:batchUpdate"
    http("POST", url, json={"requests": [metadata("lease", "first")]})
    still = {"developerMetadataLookup": {"metadataId": 7, "metadataValue": "first"}}
    requests_ = [{"deleteDeveloperMetadata": {"dataFilter": still}}, metadata("lease", "second")]
    reply = http("POST", url, json={"requests": requests_}).json()
    deleted = reply["replies"][0]["deleteDeveloperMetadata"]["deletedDeveloperMetadata"]
    assert [m["metadataValue"] for m in deleted] == ["first"]
    assert [m["metadataValue"] for m in emu.developer_metadata(book)] == ["second"]
    update = {
        "dataFilters": [{"developerMetadataLookup": {"metadataKey": "lease"}}],
        "developerMetadata": {"metadataValue": "third"},
        "fields": "metadataValue",
    }
    http("POST", url, json={"requests": [{"updateDeveloperMetadata": update}]})
    assert [m["metadataValue"] for m in emu.developer_metadata(book)] == ["third"]
