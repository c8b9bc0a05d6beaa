"""The Sheets API emulator's spreadsheet metadata, Google's JSON rules, named ranges and
developer metadata, driven over HTTP by the real gspread client and raw requests.
"""

from __future__ import annotations

from typing import Any

import gspread
import pytest

from emulator_fixtures import values_url
from sheetsync.testing.emulator import SheetsEmulator, gspread_client

pytest_plugins = ["emulator_fixtures"]  # emu, book, gc, http

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
