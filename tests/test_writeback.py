"""The write-back step alone (``writeback``): the status cells each tab is given, from the pure
steps' output (``pipeline.prepare`` on an in-memory tracker), without any backend writing."""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import TODAY, days, milestone, tracker_grids
from sheetsync.backends.memory import MemoryBackend
from sheetsync.model import RowWrite, TabWrite
from sheetsync.pipeline import Prepared, RunOptions, prepare
from sheetsync.schema import MILESTONE_SYSTEM
from sheetsync.writeback import (
    Shown,
    contract_writes,
    milestone_writes,
    new_milestone_rows,
    settings_writes,
)


def prepared(grids: dict[str, list[list[object]]] | None = None) -> Prepared:
    """The pure steps' output for ``grids`` (the small tracker by default) as of TODAY."""
    return prepare(MemoryBackend(grids or tracker_grids()), RunOptions(today=TODAY))


def shown(found: Prepared, notified: dict[int, str] | None = None) -> Shown:
    """What the status columns show, as the pipeline builds it."""
    return Shown(found.today, found.tracker.problems, notified or {}, found.escalation)


def every_row(write: TabWrite) -> list[RowWrite]:
    """Each row a tab write sets, as a RowWrite: the column-wise rows, then the others."""
    rows = list(write.rows)
    if write.columns is not None:
        status = write.columns
        for i, row_id in enumerate(status.row_ids.tolist()):
            cells = {name: values[i] for name, values in status.values.items()}
            rows.append(RowWrite(row_id, int(status.read_rows[i]), cells))
    return rows


def milestone_rows(found: Prepared, notified: dict[int, str] | None = None) -> list[RowWrite]:
    """The Milestones tab's row writes."""
    tables = found.tracker.tables
    return every_row(
        milestone_writes(
            tables["Milestones"], found.evaluated, shown(found, notified), found.derived
        )
    )


def by_id(rows: list[RowWrite]) -> dict[str | None, dict[str, object]]:
    """Each row write's cells by the ID the row had when read."""
    return {r.row_id: r.cells for r in rows}


def test_each_milestone_row_gets_its_status_days_left_and_checked_day() -> None:
    """The overdue payment shows Overdue, -4 days, its escalation and the run's day."""
    cells = by_id(milestone_rows(prepared()))["M-0002"]
    assert cells["Status"] == "Overdue" and cells["Days Left"] == -4
    assert cells["Escalation"] == "Level 1 → cfo@example.com"
    assert cells["Checked"] == TODAY.isoformat() and cells["Source"] == "manual"
    assert set(cells) == set(MILESTONE_SYSTEM)


def test_done_and_cancelled_rows_show_no_next_reminder() -> None:
    """A done row and a terminated contract's row are given no Next Reminder."""
    cells = by_id(milestone_rows(prepared()))
    assert (cells["M-0004"]["Status"], cells["M-0004"]["Next Reminder"]) == ("Done", None)
    assert (cells["M-0005"]["Status"], cells["M-0005"]["Next Reminder"]) == ("Cancelled", None)
    assert cells["M-0001"]["Next Reminder"] == dt.date(2026, 12, 14)


def test_last_notified_is_written_on_its_sheet_row_only() -> None:
    """The record for sheet row 3 (M-0002) lands there; the other rows' cells stay empty."""
    cells = by_id(milestone_rows(prepared(), {3: "2026-11-28: overdue #1 · due 2026-11-24"}))
    assert cells["M-0002"]["Last Notified"] == "2026-11-28: overdue #1 · due 2026-11-24"
    assert [c["Last Notified"] for i, c in cells.items() if i != "M-0002"] == [None] * 4


def test_a_row_without_an_id_is_given_one_and_recognised_by_title_and_contract() -> None:
    """The blank-ID row gets M-0006, and is written only if its title and contract still match."""
    grids = tracker_grids(milestones=[milestone(None, "C-001", "No ID yet", "report", days(10))])
    (write,) = milestone_rows(prepared(grids))
    assert (write.row_id, write.read_row) == (None, 2)
    assert write.cells["Milestone ID"] == "M-0001"
    assert write.match == {"Milestone": "No ID yet", "Contract ID": "C-001"}


def test_a_rows_problem_is_written_in_its_problems_cell() -> None:
    """An unknown contract's row carries its Problem; a good row's Problems cell is emptied."""
    grids = tracker_grids(
        milestones=[
            milestone("M-0001", "C-999", "Lost", "report", days(10)),
            milestone("M-0002", "C-001", "Fine", "report", days(10)),
        ]
    )
    cells = by_id(milestone_rows(prepared(grids)))
    assert cells["M-0001"]["Problems"] == "Contract ID C-999 is not in the Contracts tab"
    assert cells["M-0001"]["Status"] == "Needs attention"
    assert cells["M-0002"]["Problems"] is None


def test_a_persons_escalation_column_is_left_theirs() -> None:
    """With a person's Escalation column of contacts, the level goes to Escalation Level."""
    grids = tracker_grids()
    grids["Milestones"][0] = [*grids["Milestones"][0], "Escalation"]
    grids["Milestones"][2] = [*grids["Milestones"][2], "ops@example.com"]
    cells = by_id(milestone_rows(prepared(grids)))["M-0002"]
    assert "Escalation" not in cells
    assert cells["Escalation Level"].startswith("Level 1 → ")


@pytest.fixture
def with_terms() -> Prepared:
    """The small tracker whose C-001 ends in 200 days with 60 days' notice."""
    grids = tracker_grids()
    grids["Contracts"][0] = [*grids["Contracts"][0], "End Date", "Notice Period (days)"]
    grids["Contracts"][1] = [*grids["Contracts"][1], days(200), 60]
    return prepared(grids)


def test_contracts_get_term_end_notice_deadline_next_milestone_and_health(with_terms) -> None:
    """C-001's Notice Deadline is 60 days before its term end; a terminated contract is Inactive."""
    table = with_terms.tracker.tables["Contracts"]
    cells = by_id(
        every_row(contract_writes(table, with_terms.tracker.contracts, shown(with_terms)))
    )
    assert cells["C-001"]["Term End"] == days(200)
    assert cells["C-001"]["Notice Deadline"] == days(140)
    assert cells["C-001"]["Next Milestone"] == f"Renewal notice ({days(30)})"
    assert (cells["C-002"]["Health"], cells["C-003"]["Health"]) == ("Overdue", "Inactive")


def test_auto_rows_are_appended_with_their_status_not_written_over(with_terms) -> None:
    """The notice and expiry rows derived from C-001's terms are new rows, marked auto."""
    table = with_terms.tracker.tables["Milestones"]
    found = shown(with_terms)
    fresh = new_milestone_rows(table, with_terms.evaluated, found, with_terms.derived.new_rows)
    assert [(r["Milestone ID"], r["Due Date"], r["Source"]) for r in fresh] == [
        ("C-001/notice", days(140), "auto"),
        ("C-001/expiry", days(200), "auto"),
    ]
    assert fresh[0]["Status"] == "Upcoming" and fresh[0]["Checked"] == TODAY.isoformat()
    written = {r.row_id for r in milestone_rows(with_terms)}
    assert written.isdisjoint({"C-001/notice", "C-001/expiry"})


def test_settings_problems_are_written_beside_their_setting() -> None:
    """A bad Digest value is written on the Digest row; the other settings' Problems are emptied."""
    grids = tracker_grids()
    grids["Settings"].append(["Digest", "sometimes"])
    found = prepared(grids)
    write = settings_writes(found.tracker.tables["Settings"], found.tracker.problems)
    assert write is not None and write.id_header == "Setting"
    cells = by_id(list(write.rows))
    assert cells["Digest"]["Problems"].startswith('Digest: "sometimes" is not yes or no')
    assert cells["Sender"]["Problems"] is None


def test_a_settings_tab_without_a_header_gets_no_problems_column() -> None:
    """Settings whose first row is a setting has nowhere to put Problems: nothing is written."""
    grids = tracker_grids()
    grids["Settings"] = [["Digest", "no"]]
    found = prepared(grids)
    assert settings_writes(found.tracker.tables["Settings"], found.tracker.problems) is None


def test_rows_found_by_id_beside_rows_needing_more_keep_each_rows_own_cells() -> None:
    """With a row given an ID and a row without a due date among them, the rows found by
    their ID alone carry exactly their own cells: whole Days Left, None where blank."""
    grids = tracker_grids(
        milestones=[
            milestone("M-0001", "C-001", "Renewal notice", "notice", days(30)),
            milestone(None, "C-001", "No ID yet", "report", days(10)),
            milestone("M-0002", "C-002", "Quarterly payment", "payment", days(-4)),
            milestone("M-0003", "C-001", "Undated", "report", None),  # type: ignore[arg-type]
            milestone("M-0004", "C-002", "Far off", "report", days(400)),
        ]
    )
    found = prepared(grids)
    write = milestone_writes(
        found.tracker.tables["Milestones"], found.evaluated, shown(found, {4: "2026-11-30"}),
        found.derived,
    )  # fmt: skip
    assert write.columns is not None
    assert write.columns.row_ids.tolist() == ["M-0001", "M-0002", "M-0003", "M-0004"]
    assert write.columns.read_rows.tolist() == [2, 4, 5, 6]
    assert [r.read_row for r in write.rows] == [3]
    cells = by_id(every_row(write))
    days_left = [cells[key]["Days Left"] for key in ("M-0001", "M-0002", "M-0003", "M-0004")]
    assert days_left == [30, -4, None, 400]
    assert all(type(d) is int for d in days_left if d is not None)
    assert cells["M-0002"]["Last Notified"] == "2026-11-30"
    assert cells["M-0001"]["Last Notified"] is None
    assert {len(values) for values in write.columns.values.values()} == {4}


def test_a_contract_without_an_id_is_not_written_and_blank_terms_stay_blank() -> None:
    """Term End and Notice Deadline go as days (not moments), None where a contract has none."""
    grids = tracker_grids()
    grids["Contracts"][0] = [*grids["Contracts"][0], "End Date", "Notice Period (days)"]
    grids["Contracts"][1] = [*grids["Contracts"][1], days(200), 60]
    grids["Contracts"].append(["", "No ID", "Hooli", "erin@example.com", "IT", "", "ref-4"])
    found = prepared(grids)
    table = found.tracker.tables["Contracts"]
    write = contract_writes(table, found.tracker.contracts, shown(found))
    cells = by_id(every_row(write))
    assert sorted(cells) == ["C-001", "C-002", "C-003"]
    assert type(cells["C-001"]["Term End"]) is dt.date
    assert cells["C-001"]["Term End"] == days(200)
    assert cells["C-002"]["Term End"] is None and cells["C-002"]["Notice Deadline"] is None
    assert write.columns is not None and write.columns.read_rows.tolist() == [2, 3, 4]
