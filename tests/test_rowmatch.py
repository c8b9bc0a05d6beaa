"""Where each write lands, alone (``backends.rowmatch``, shared by both backends): system
headers found or added, rows found by their ID as it is now, a vanished row skipped, and a
person's cell rewritten only if it still holds what the run read."""

from __future__ import annotations

import datetime as dt

from sheetsync.backends.rowmatch import CellPlan, comparable, header_columns, plan_cells
from sheetsync.cells.dates import to_serial
from sheetsync.model import RowWrite, TabWrite

HEADER = ["Milestone ID", "Milestone", "Due Date", None, "Status"]


def planned(rows: list[RowWrite], grid: list[list[object]]) -> CellPlan:
    """The plan for writing ``rows`` (Status, Checked) into ``grid`` as it is now."""
    write = TabWrite("Milestones", "Milestone ID", ("Status", "Checked"), rows)
    ids = [r[0] if r else None for r in grid[1:]]

    def cell(row: int, column: int) -> object:
        line = grid[row - 1] if row - 1 < len(grid) else []
        return line[column - 1] if column - 1 < len(line) else None

    return plan_cells(write, grid[0], ids, cell)


def status(row_id: str | None, read_row: int, **more: object) -> RowWrite:
    """A row write setting Status to Overdue (and RowWrite's other fields from ``more``)."""
    return RowWrite(row_id, read_row, {"Status": "Overdue", **more.pop("cells", {})}, **more)


def test_a_missing_system_header_is_added_after_the_last_header() -> None:
    """Status is found in column 5; Checked, missing, is added as column 6 (not in the gap)."""
    columns, added = header_columns(HEADER, ("Status", "Checked"))
    assert (columns["status"], columns["checked"]) == (5, 6)
    assert added == [(6, "Checked")]


def test_a_row_is_found_by_its_id_where_it_is_now() -> None:
    """M-2 was read on row 3; a person sorted the tab, it is on row 2 now: it is written there."""
    grid = [HEADER, ["M-2", "Pay"], ["M-1", "Report"]]
    plan = planned([status("M-2", 3)], grid)
    assert plan.cells == [(2, 5, "Overdue")]
    assert plan.report.written == 1


def test_a_row_deleted_since_the_read_is_skipped_and_reported() -> None:
    """M-9 is no longer on the tab: nothing is written for it, and the report names it."""
    plan = planned([status("M-9", 2)], [HEADER, ["M-1", "Report"]])
    assert plan.cells == []
    assert plan.report.skipped == ["M-9"]


def test_an_id_now_on_two_rows_is_written_only_to_the_row_read() -> None:
    """M-1 is now on rows 2 and 3: the row read (3) gets it; had it been elsewhere, neither."""
    grid = [HEADER, ["M-1", "Copy"], ["M-1", "Original"]]
    assert planned([status("M-1", 3)], grid).cells == [(3, 5, "Overdue")]
    assert planned([status("M-1", 4)], grid).report.skipped == ["M-1"]


def test_a_row_without_an_id_is_written_where_it_was_if_it_is_still_that_row() -> None:
    """The blank-ID row read on row 2 still holds its title: it gets its new ID and status."""
    write = status(None, 2, cells={"Milestone ID": "M-0002"}, match={"Milestone": "Pay"})
    plan = planned([write], [HEADER, [None, "Pay"]])
    assert sorted(plan.cells) == [(2, 1, "M-0002"), (2, 5, "Overdue")]


def test_a_row_a_person_inserted_where_a_blank_id_row_was_is_left_alone() -> None:
    """Row 2 now holds another milestone (a person inserted a row): nothing is written there;
    the row read moved down to row 3 and gets its new ID there."""
    write = status(None, 2, cells={"Milestone ID": "M-0002"}, match={"Milestone": "Pay"})
    plan = planned([write], [HEADER, [None, "Typed by a person"], [None, "Pay"]])
    assert sorted(plan.cells) == [(3, 1, "M-0002"), (3, 5, "Overdue")]
    assert plan.report.skipped == []


def test_a_moved_row_without_an_id_is_skipped_when_two_rows_hold_its_title() -> None:
    """Two blank-ID rows now hold the moved row's title: neither is guessed at."""
    write = status(None, 2, cells={"Milestone ID": "M-0002"}, match={"Milestone": "Pay"})
    plan = planned([write], [HEADER, [None, "Other"], [None, "Pay"], [None, "Pay"]])
    assert plan.cells == []
    assert plan.report.skipped == ["row 2"]


def test_a_moved_row_without_an_id_is_found_below_the_last_id() -> None:
    """Sorted to the bottom, below every ID, the row is still found (``height``)."""
    write = status(None, 2, cells={"Milestone ID": "M-0003"}, match={"Milestone": "Pay"})
    grid = [HEADER, ["M-1", "Report"], ["M-2", "Audit"], [None, "Pay"]]
    write_tab = TabWrite("Milestones", "Milestone ID", ("Status",), [write])
    ids = ["M-1", "M-2"]  # Google leaves the blank cells after the last ID out

    def cell(row: int, column: int) -> object:
        line = grid[row - 1] if row - 1 < len(grid) else []
        return line[column - 1] if column - 1 < len(line) else None

    assert plan_cells(write_tab, HEADER, ids, cell).cells == []
    plan = plan_cells(write_tab, HEADER, ids, cell, height=len(grid))
    assert sorted(plan.cells) == [(4, 1, "M-0003"), (4, 5, "Overdue")]


def test_a_persons_cell_changed_since_the_read_is_not_overwritten() -> None:
    """A roll-forward of Due Date expects the date read; a person changed it: only Status goes."""
    read = dt.date(2027, 1, 15)
    write = status("M-1", 2, cells={"Due Date": dt.date(2027, 2, 15)}, expect={"Due Date": read})
    kept = planned([write], [HEADER, ["M-1", "Pay", to_serial(read)]])
    changed = planned([write], [HEADER, ["M-1", "Pay", to_serial(dt.date(2027, 1, 20))]])
    assert sorted(kept.cells) == [(2, 3, dt.date(2027, 2, 15)), (2, 5, "Overdue")]
    assert changed.cells == [(2, 5, "Overdue")]
    assert changed.report.held == ["M-1"]


def test_a_date_and_its_serial_number_compare_equal_and_blank_is_blank() -> None:
    """A date cell read back as a serial number is the same value; "" and None are both blank."""
    day = dt.date(2027, 1, 15)
    assert comparable(day) == comparable(to_serial(day))
    assert comparable("") is None and comparable(None) is None
