"""``sheetsync init --google`` lays out a tracker in the Sheets API emulator."""

from __future__ import annotations

import json
import re
import urllib.request

import pytest
from click.testing import CliRunner

from conftest import TODAY
from gsheets_fixtures import backend, running_emulator
from sheetsync.cli import main
from sheetsync.errors import UsageError
from sheetsync.init.google import create_google_tracker
from sheetsync.init.google_formats import TabPlan, format_requests
from sheetsync.pipeline import RunOptions, check
from sheetsync.schema import CONTRACT_SYSTEM, LOG_COLUMNS, MILESTONE_SYSTEM, STATUSES

TABS = ["Contracts", "Milestones", "Settings", "Log"]


@pytest.fixture
def emulator(monkeypatch):
    """A fresh emulator that SHEETS_EMULATOR_HOST points at."""
    for emu in running_emulator():
        monkeypatch.setenv("SHEETS_EMULATOR_HOST", emu.host)
        yield emu


def _created(emulator, **kwargs) -> str:
    line = create_google_tracker("Contract tracker", today=TODAY, **kwargs)
    found = re.search(r"/spreadsheets/d/([\w-]+)/edit \(ID ([\w-]+)\)", line)
    assert found and found[1] == found[2], line
    return found[1]


def _requests(emulator, sheet_id: str, tab: str, kind: str) -> list[dict]:
    return emulator.stored_rules(sheet_id, tab)[kind]


def _column(emulator, sheet_id: str, tab: str, header: str) -> int:
    return emulator.values(sheet_id, tab)[0].index(header)


def test_init_creates_four_tabs_with_headers(emulator):
    """The new spreadsheet has the four tabs and the Dashboard, system columns at the right end."""
    sheet_id = _created(emulator)
    assert [s.title for s in emulator.store.books[sheet_id].sheets] == [*TABS, "Dashboard"]
    milestones = emulator.values(sheet_id, "Milestones")[0]
    assert milestones[-len(MILESTONE_SYSTEM) :] == list(MILESTONE_SYSTEM)
    contracts = emulator.values(sheet_id, "Contracts")[0]
    assert contracts[-len(CONTRACT_SYSTEM) :] == list(CONTRACT_SYSTEM)
    assert emulator.values(sheet_id, "Log") == [list(LOG_COLUMNS)]


def test_init_takes_three_calls(emulator):
    """Create, one batchUpdate with every format, one values write."""
    _created(emulator, sample=True)
    assert dict(emulator.calls) == {
        "spreadsheets.create": 1,
        "spreadsheets.batchUpdate": 1,
        "values.batchUpdate": 1,
    }


def test_header_row_is_frozen_on_every_tab(emulator):
    """Each tab keeps its header in view."""
    sheet_id = _created(emulator)
    for tab in TABS:
        assert emulator.sheet_properties(sheet_id, tab)["gridProperties"]["frozenRowCount"] == 1


def test_every_tab_has_a_filter_over_the_whole_grid(emulator):
    """Each tab people fill in offers a filter over all its rows and columns (not the Dashboard)."""
    sheet_id = _created(emulator)
    url = f"{emulator.base_url}/v4/spreadsheets/{sheet_id}?fields=sheets(properties,basicFilter)"
    with urllib.request.urlopen(url) as answer:
        sheets = json.load(answer)["sheets"]
    for sheet in (s for s in sheets if s["properties"]["title"] != "Dashboard"):
        grid = sheet["properties"]["gridProperties"]
        span = sheet["basicFilter"]["range"]
        assert (span["startRowIndex"], span["startColumnIndex"]) == (0, 0)
        assert (span["endRowIndex"], span["endColumnIndex"]) == (
            grid["rowCount"],
            grid["columnCount"],
        ), sheet["properties"]["title"]


def test_long_system_and_log_columns_wrap(emulator):
    """Problems, Escalation and the Log's Subject and Recipients wrap, down the whole column."""
    sheet_id = _created(emulator)
    for tab, headers in (
        ("Milestones", ["Escalation", "Problems"]),
        ("Contracts", ["Next Milestone", "Problems"]),
        ("Log", ["Recipients", "Subject"]),
    ):
        wrapped = [
            emulator.values(sheet_id, tab)[0][f["range"]["startColumnIndex"]]
            for f in _requests(emulator, sheet_id, tab, "formats")
            if f["cell"]["userEnteredFormat"].get("wrapStrategy") == "WRAP"
        ]
        assert sorted(wrapped) == headers, tab


def test_system_and_log_columns_are_wide_enough():
    """Every column runs fill in gets a width; Status fits "Needs attention" (7 px a letter)."""
    header = [*MILESTONE_SYSTEM, *LOG_COLUMNS]
    widths = {}
    for request in format_requests(TabPlan("Milestones", 7, header)):
        if "updateDimensionProperties" in request:
            change = request["updateDimensionProperties"]
            widths[header[change["range"]["startIndex"]]] = change["properties"]["pixelSize"]
    assert set(widths) == set(header) - {"Contract ID"}  # the default fits it
    assert widths["Milestone ID"] >= len("C-027/approval-1") * 7
    assert widths["Status"] >= len("Needs attention") * 7
    assert widths["Last Notified"] >= len("2026-11-30 (overdue #12)") * 7


def test_dropdowns_and_done_checkboxes(emulator):
    """Type, Contract Status and Risk get dropdowns (warning only); Done gets checkboxes."""
    sheet_id = _created(emulator)
    rules = {}
    for tab in ("Contracts", "Milestones"):
        header = emulator.values(sheet_id, tab)[0]
        for request in _requests(emulator, sheet_id, tab, "validations"):
            rules[header[request["range"]["startColumnIndex"]]] = request["rule"]
    assert rules["Done"]["condition"]["type"] == "BOOLEAN"
    for header in ("Type", "Contract Status", "Risk"):
        assert rules[header]["condition"]["type"] == "ONE_OF_LIST"
        assert rules[header].get("strict") is not True
    choices = [v["userEnteredValue"] for v in rules["Risk"]["condition"]["values"]]
    assert choices == ["High", "Medium", "Low"]


def test_status_colours(emulator):
    """Every status its own colour: Overdue red, Due soon amber, Done grey, on the Status column."""
    sheet_id = _created(emulator)
    status = _column(emulator, sheet_id, "Milestones", "Status")
    colours = {}
    for rule in _requests(emulator, sheet_id, "Milestones", "conditionalFormats"):
        assert rule["ranges"][0]["startColumnIndex"] == status
        text = rule["booleanRule"]["condition"]["values"][0]["userEnteredValue"]
        colours[text] = rule["booleanRule"]["format"]["backgroundColor"]
    assert set(colours) == set(STATUSES)
    assert len({tuple(sorted(c.items())) for c in colours.values()}) == len(STATUSES)
    assert colours["Overdue"]["red"] > colours["Overdue"]["green"]  # red
    assert colours["Due soon"]["red"] > colours["Due soon"]["blue"]  # amber
    assert len({round(v, 2) for v in colours["Done"].values()}) == 1  # grey


def test_system_columns_are_protected_with_a_warning(emulator):
    """The program's columns warn before a person edits them; they are not locked."""
    sheet_id = _created(emulator)
    header = emulator.values(sheet_id, "Milestones")[0]
    [protected] = _requests(emulator, sheet_id, "Milestones", "protectedRanges")
    span = header[protected["range"]["startColumnIndex"] : protected["range"]["endColumnIndex"]]
    assert span == list(MILESTONE_SYSTEM)
    assert protected["warningOnly"] is True


def test_date_columns_get_a_date_format(emulator):
    """Due Date and Completed On are formatted as dates below the header."""
    sheet_id = _created(emulator)
    header = emulator.values(sheet_id, "Milestones")[0]
    dated = {
        header[f["range"]["startColumnIndex"]]
        for f in _requests(emulator, sheet_id, "Milestones", "formats")
        if "numberFormat" in f["cell"]["userEnteredFormat"]
    }
    assert dated == {"Due Date", "Completed On", "Next Reminder"}


def test_sample_rows_are_real_dates_and_checkboxes(emulator):
    """Sample dates are serial numbers (real dates) and Done holds booleans, ready to check."""
    sheet_id = _created(emulator, sample=True)
    rows = emulator.values(sheet_id, "Milestones")
    due, done = rows[0].index("Due Date"), rows[0].index("Done")
    assert all(isinstance(r[due], int) for r in rows[1:6])
    assert {r[done] for r in rows[1:] if len(r) > done} <= {True, False, ""}


def test_sample_tracker_checks_cleanly(emulator):
    """The Google backend reads the sample and evaluates every milestone."""
    sheet_id = _created(emulator, sample=True)
    result = check(backend(emulator, sheet_id), RunOptions(today=TODAY))
    assert result.rows >= len(emulator.values(sheet_id, "Milestones")) - 1  # plus derived rows
    assert result.statuses.get("Overdue") and result.statuses.get("Due soon")


def test_init_fills_an_existing_spreadsheet(emulator):
    """Given an ID, the missing tabs are added and an existing header only gains system columns."""
    sheet_id = emulator.create_spreadsheet(
        "Mine", {"Sheet1": [], "milestones": [["ID", "Contract", "Task", "Deadline", "My notes"]]}
    )
    line = create_google_tracker("Contract tracker", sheet_id)
    assert sheet_id in line
    titles = [s.title for s in emulator.store.books[sheet_id].sheets]
    assert titles == ["Sheet1", "milestones", "Contracts", "Settings", "Log", "Dashboard"]
    header = emulator.values(sheet_id, "milestones")[0]
    assert header == ["ID", "Contract", "Task", "Deadline", "My notes", *MILESTONE_SYSTEM]


def test_sample_refuses_a_tab_with_a_header(emulator):
    """--sample never writes rows under a header someone already made."""
    sheet_id = emulator.create_spreadsheet("Mine", {"Milestones": [["ID", "Task"]]})
    with pytest.raises(UsageError, match="needs an empty spreadsheet"):
        create_google_tracker("T", sheet_id, sample=True)


def test_cli_init_google_fills_the_spreadsheet_given(emulator):
    """`sheetsync init <ID> --google TITLE` prints the URL and ID and lays out the tabs."""
    sheet_id = emulator.create_spreadsheet("Blank")
    result = CliRunner().invoke(main, ["init", sheet_id, "--google", "Contract tracker"])
    assert result.exit_code == 0, result.output
    assert (
        f"https://docs.google.com/spreadsheets/d/{sheet_id}/edit (ID {sheet_id})" in result.output
    )
    assert emulator.values(sheet_id, "Milestones")[0][0] == "Milestone ID"
