"""The Sheets API emulator's values API and answers, driven over HTTP by the real gspread
client (and raw requests). Metadata and named ranges: test_emulator_metadata.py; quotas,
faults, edits and the command line: test_emulator_faults.py.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import gspread
import pytest

from emulator_fixtures import MILESTONES, values_url
from sheetsync.testing.emulator import SheetsEmulator

pytest_plugins = ["emulator_fixtures"]  # emu, book, gc, http

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
