"""The local workbook backend writes only what DESIGN.md §5 allows."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

import builders
from conftest import MILESTONE_HEADER, tracker_grids, write_workbook
from sheetsync.backends.xlsx import XlsxBackend
from sheetsync.errors import TrackerError, TrackerNotFound
from sheetsync.model import RowWrite, TabWrite
from sheetsync.record.prune import LogPrune
from sheetsync.schema import MILESTONE_SYSTEM


def test_read_gives_dates_as_serial_numbers(workbook):
    """A real date cell arrives as its serial number, text as text."""
    snapshot = XlsxBackend(workbook).read()
    row = snapshot.tabs["Milestones"][1]
    assert row[0] == "M-0001"
    assert row[4] == pytest.approx((dt.date(2026, 12, 28) - dt.date(1899, 12, 30)).days)


def test_missing_file_is_tracker_not_found(tmp_path):
    """A path with no file says so."""
    with pytest.raises(TrackerNotFound, match="no workbook"):
        XlsxBackend(tmp_path / "nope.xlsx").read()


def test_not_a_workbook_is_a_tracker_error(tmp_path):
    """A file that is not .xlsx gives a one-line reason."""
    path = tmp_path / "fake.xlsx"
    path.write_text("hello")
    with pytest.raises(TrackerError, match=r"not an \.xlsx workbook"):
        XlsxBackend(path).read()


def _write(path, rows, tab="Milestones"):
    XlsxBackend(path).write_status([TabWrite(tab, "Milestone ID", MILESTONE_SYSTEM, rows)])
    return openpyxl.load_workbook(path)[tab]


def test_system_columns_added_at_right_end(workbook):
    """Missing system headers are appended after the person's last column."""
    sheet = _write(workbook, [RowWrite("M-0001", 2, {"Status": "Due soon"})])
    header = [c.value for c in sheet[1]]
    assert header[-len(MILESTONE_SYSTEM) :] == list(MILESTONE_SYSTEM)
    assert sheet.cell(2, header.index("Status") + 1).value == "Due soon"


def test_rows_are_found_by_id_after_a_sort(tmp_path):
    """When a person reorders rows, each value lands on the row with its ID."""
    grids = tracker_grids()
    grids["Milestones"][1:] = list(reversed(grids["Milestones"][1:]))
    path = write_workbook(tmp_path / "t.xlsx", grids)
    sheet = _write(path, [RowWrite("M-0001", 2, {"Status": "mine"})])
    status = [c.value for c in sheet[1]].index("Status") + 1
    row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 1).value == "M-0001")
    assert sheet.cell(row, status).value == "mine"
    assert sheet.cell(2, status).value is None


def test_deleted_row_is_skipped(workbook):
    """A write for an ID no longer in the sheet is skipped, not guessed."""
    report = XlsxBackend(workbook).write_status(
        [
            TabWrite(
                "Milestones",
                "Milestone ID",
                MILESTONE_SYSTEM,
                [RowWrite("M-9999", 2, {"Status": "x"})],
            )
        ],
    )
    assert report.written == 0
    assert report.skipped == ["M-9999"]


def test_new_id_written_only_into_a_still_blank_cell(tmp_path):
    """A row without an ID gets one only if its ID cell is still blank at write time."""
    grids = tracker_grids()
    grids["Milestones"][1][0] = None
    grids["Milestones"][2][0] = "typed-meanwhile"
    path = write_workbook(tmp_path / "t.xlsx", grids)
    rows = [
        RowWrite(None, 2, {"Milestone ID": "M-0006"}),
        RowWrite(None, 3, {"Milestone ID": "M-0007"}),
    ]
    sheet = _write(path, rows)
    assert sheet.cell(2, 1).value == "M-0006"
    assert sheet.cell(3, 1).value == "typed-meanwhile"


def test_conditional_cells_wait_when_a_person_changed_them(workbook):
    """Cells under ``expect`` are written only if they still hold what the run read."""
    rows = [RowWrite("M-0001", 2, {"Done": None, "Status": "Upcoming"}, expect={"Done": "yes"})]
    sheet = _write(workbook, rows)
    assert sheet.cell(2, 9).value is None  # Done was blank, not "yes": left alone
    status = [c.value for c in sheet[1]].index("Status") + 1
    assert sheet.cell(2, status).value == "Upcoming"


def test_formats_formulas_and_other_tabs_survive(tmp_path):
    """A person's formula, fill, and an extra tab are saved back as they were."""
    path = write_workbook(tmp_path / "t.xlsx", tracker_grids())
    book = openpyxl.load_workbook(path)
    book["Milestones"]["L1"] = "Budget"
    book["Milestones"]["L2"] = "=SUM(1,2)"
    book["Milestones"]["C2"].fill = openpyxl.styles.PatternFill("solid", fgColor="FFFF00")
    book.create_sheet("Notes")["A1"] = "keep me"
    book.save(path)
    sheet = _write(path, [RowWrite("M-0001", 2, {"Status": "Due soon"})])
    after = sheet.parent
    assert sheet["L2"].value == "=SUM(1,2)"
    assert sheet["C2"].fill.fgColor.rgb.endswith("FFFF00")
    assert after["Notes"]["A1"].value == "keep me"


def test_append_log_creates_the_tab_when_missing(tmp_path):
    """A workbook without a Log tab gets one, with its header."""
    grids = tracker_grids()
    del grids["Log"]
    path = write_workbook(tmp_path / "t.xlsx", grids)
    XlsxBackend(path).append_log(["Key", "Result"], [["k1", "sent"], ["k2", "sent"]])
    log = openpyxl.load_workbook(path)["Log"]
    assert [[c.value for c in r] for r in log.iter_rows()] == [
        ["Key", "Result"],
        ["k1", "sent"],
        ["k2", "sent"],
    ]


def test_prune_deletes_the_expired_log_rows_not_guarding_anything(tmp_path):
    """Expired Log rows go unless they guard a current due date; the rest keep their order."""
    path = write_workbook(tmp_path / "t.xlsx", tracker_grids())
    backend = XlsxBackend(path)
    keys = [f"reminder:M-{n}:2027-01-01:30" for n in (1, 2, 3)]
    backend.append_log(["Sent At", "Kind", "Key"], [["2020-01-01", "reminder", k] for k in keys])
    current = frozenset({("M-2", "2027-01-01")})
    backend.write_status([], LogPrune(dt.date(2020, 6, 1), "2020-06", current))
    log = openpyxl.load_workbook(path)["Log"]
    assert [r[2] for r in log.iter_rows(min_row=2, values_only=True)] == [keys[1]]


def test_new_id_skips_a_row_a_person_inserted_in_its_place(tmp_path):
    """A blank-ID row whose title is no longer the one read gets nothing; it waits a run."""
    grids = tracker_grids()
    grids["Milestones"].insert(
        1, builders.row(MILESTONE_HEADER, contract_id="C-001", milestone="Inserted by a person")
    )
    path = write_workbook(tmp_path / "t.xlsx", grids)
    row = RowWrite(None, 2, {"Milestone ID": "M-0006"}, match={"Milestone": "Renewal notice"})
    sheet = _write(path, [row])
    assert sheet.cell(2, 1).value is None


def test_tracker_name_comes_from_the_file_name_or_the_setting(tmp_path):
    """A workbook is named by its Tracker name setting, else by its file name made readable."""
    from sheetsync.pipeline import RunOptions, check

    grids = tracker_grids()
    path = write_workbook(tmp_path / "acme_contracts-2026.xlsx", grids)
    assert check(XlsxBackend(path), RunOptions()).tracker == "Acme contracts 2026"
    grids["Settings"].append(["Tracker name", "Globex renewals"])
    named = write_workbook(tmp_path / "other.xlsx", grids)
    assert check(XlsxBackend(named), RunOptions()).tracker == "Globex renewals"
