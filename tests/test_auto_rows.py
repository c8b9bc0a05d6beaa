"""Auto rows follow the contract, people's facts stand, repeat rules end (issue 11, items 3-4).

Each case runs the real pipeline on both backends: a workbook and the emulator-backed
Google sheet, edited between runs as a person would.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import builders
from editable import CONTRACT_HEADER, Tracker, as_date
from sheetsync.approvals.records import auto_mask
from sheetsync.record.summarised import summary_mark
from sheetsync.schema import LOG_COLUMNS
from sheetsync.testing.emulator import SheetsEmulator

MILESTONE_HEADER = [
    "Milestone ID",
    "Contract ID",
    "Milestone",
    "Type",
    "Due Date",
    "Repeat",
    "Done",
    "Completed On",
]


def contract(
    end: dt.date | None = None,
    notice: int | None = None,
    renew: str = "no",
    start: dt.date | None = None,
    review: str | None = None,
) -> list[object]:
    """Contract C-1 with the given terms."""
    return builders.row(
        CONTRACT_HEADER,
        contract_id="C-1",
        contract="Hosting",
        owner="ann@example.com",
        start_date=start,
        end_date=end,
        auto_renew=renew,
        renewal_term_months=12,
        notice_period_days=notice,
        review_every=review,
        contract_status="Active",
    )


def make(
    kind: str,
    tmp_path: Path,
    emulator: SheetsEmulator,
    contracts: list[list[object]],
    milestones: list[list[object]] | None = None,
) -> Tracker:
    """A tracker with ``contracts`` and ``milestones`` on backend ``kind``."""
    grids = {
        "Contracts": [CONTRACT_HEADER, *contracts],
        "Milestones": [MILESTONE_HEADER, *(milestones or [])],
        "Settings": [["Setting", "Value"], ["Default escalation", "gc@example.com"]],
        "Log": [list(LOG_COLUMNS)],
    }
    return Tracker(kind, grids, tmp_path, emulator)


def sent_for(tracker: Tracker, milestone: str, since: dt.date | None = None) -> list[str]:
    """The keys of emails sent about ``milestone`` (on or after ``since``)."""
    return [
        str(r["Key"])
        for r in tracker.log()
        if r["Result"] == "sent"
        and str(r["Key"]).split(":")[1:2] == [milestone]
        and (since is None or str(r["Sent At"])[:10] >= since.isoformat())
    ]


def recorded(tracker: Tracker, kind: str, milestone: str) -> list[dict[str, object]]:
    """The Log rows of ``kind`` (completed, cancelled, moved) about ``milestone``."""
    return [r for r in tracker.log() if r["Kind"] == kind and r["Milestone ID"] == milestone]


def test_deleted_finished_notice_row_stays_finished(kind, tmp_path, emulator):
    """A notice row ticked Done and then deleted is not brought back, and nothing is sent."""
    tracker = make(kind, tmp_path, emulator, [contract(dt.date(2027, 6, 30), 60)])
    tracker.run(dt.date(2027, 3, 1))  # notice due 2027-05-01: the 60-day reminder
    tracker.type("Milestones", "C-1/notice", "Done", "yes")
    tracker.run(dt.date(2027, 3, 2))
    before = sent_for(tracker, "C-1/notice")
    tracker.delete("Milestones", "C-1/notice")
    for day in (
        dt.date(2027, 3, 3),
        dt.date(2027, 4, 24),
        dt.date(2027, 5, 4),
        dt.date(2027, 5, 12),
    ):
        tracker.run(day)
    assert "C-1/notice" not in tracker.rows("Milestones")
    assert before == ["reminder:C-1/notice:2027-05-01:90"]
    assert sent_for(tracker, "C-1/notice") == before
    assert [r["Key"] for r in recorded(tracker, "completed", "C-1/notice")] == [
        "completed:C-1/notice:2027-05-01:2027-05-01"
    ]


def test_deleted_open_notice_row_comes_back_without_resending(kind, tmp_path, emulator):
    """An open notice row a person deletes is made again, and its sent stage is not resent."""
    tracker = make(kind, tmp_path, emulator, [contract(dt.date(2027, 6, 30), 60)])
    tracker.run(dt.date(2027, 3, 1))
    tracker.delete("Milestones", "C-1/notice")
    tracker.run(dt.date(2027, 3, 1))  # a later run the same day
    assert as_date(tracker.rows("Milestones")["C-1/notice"]["Due Date"]) == dt.date(2027, 5, 1)
    assert sent_for(tracker, "C-1/notice") == ["reminder:C-1/notice:2027-05-01:90"]


@pytest.mark.parametrize("cleared", ["Notice Period (days)", "End Date"])
def test_removed_term_cancels_its_auto_rows_with_a_log_row(kind, tmp_path, emulator, cleared):
    """Clearing Notice Period (or End Date) cancels the rows it made, logged once; no email."""
    tracker = make(kind, tmp_path, emulator, [contract(dt.date(2027, 6, 30), 60)])
    tracker.run(dt.date(2027, 3, 1))
    tracker.type("Contracts", "C-1", cleared, None)
    days = [dt.date(2027, 3, 2), dt.date(2027, 4, 24), dt.date(2027, 5, 4), dt.date(2027, 7, 12)]
    for day in days:
        tracker.run(day)
    gone = ["C-1/notice"] + (["C-1/expiry"] if cleared == "End Date" else [])
    rows = tracker.rows("Milestones")
    for milestone in gone:
        assert rows[milestone]["Status"] == "Cancelled"
        assert sent_for(tracker, milestone, since=days[0]) == []
        [log] = recorded(tracker, "cancelled", milestone)
        assert "no longer has" in str(log["Subject"]) and str(log["Sent At"])[:10] == "2027-03-02"
    if cleared != "End Date":
        assert rows["C-1/expiry"]["Status"] == "Overdue"  # the term still ends on 30 June


def test_renewed_term_stands_when_auto_renew_is_switched_off(kind, tmp_path, emulator):
    """After a roll-forward, Auto-Renew off keeps Term End; no rollback, no past deadline."""
    tracker = make(kind, tmp_path, emulator, [contract(dt.date(2027, 1, 31), 60, "yes")])
    tracker.run(dt.date(2027, 2, 1))  # rolls to 2028-01-31; notice 2027-12-02
    tracker.type("Contracts", "C-1", "Auto-Renew", "no")
    for day in (dt.date(2027, 2, 2), dt.date(2027, 3, 1), dt.date(2027, 8, 5)):
        tracker.run(day)
    contracts, milestones = tracker.rows("Contracts")["C-1"], tracker.rows("Milestones")
    assert as_date(contracts["Term End"]) == dt.date(2028, 1, 31)
    assert as_date(milestones["C-1/notice"]["Due Date"]) == dt.date(2027, 12, 2)
    assert as_date(milestones["C-1/expiry"]["Due Date"]) == dt.date(2028, 1, 31)
    assert recorded(tracker, "moved", "C-1/notice") == []
    sent = sent_for(tracker, "C-1/notice") + sent_for(tracker, "C-1/expiry")
    assert sent == ["reminder:C-1/notice:2027-12-02:120"]  # on 8 August; nothing overdue


def test_cadence_change_replans_the_review_once(kind, tmp_path, emulator):
    """Quarterly → Monthly moves the review once and writes Repeat; later runs leave it."""
    start = dt.date(2027, 1, 15)
    tracker = make(kind, tmp_path, emulator, [contract(start=start, review="Quarterly")])
    tracker.run(dt.date(2027, 3, 1))  # review due 2027-04-15
    tracker.type("Contracts", "C-1", "Review Every", "Monthly")
    for day in (dt.date(2027, 3, 2), dt.date(2027, 3, 5), dt.date(2027, 3, 9)):
        tracker.run(day)
    review = tracker.rows("Milestones")["C-1/review"]
    assert as_date(review["Due Date"]) == dt.date(2027, 3, 15)
    assert review["Repeat"] == "Monthly" and review["Milestone"] == "Review Hosting (Monthly)"
    moves = recorded(tracker, "moved", "C-1/review")
    assert [str(m["Sent At"])[:10] for m in moves] == ["2027-03-02"]


def test_cadence_change_keeps_an_early_done(kind, tmp_path, emulator):
    """A review ticked Done early stays done when the cadence changes: nothing is sent for it."""
    start = dt.date(2027, 1, 15)
    tracker = make(kind, tmp_path, emulator, [contract(start=start, review="Monthly")])
    tracker.run(dt.date(2027, 3, 1))  # review due 2027-03-15
    tracker.type("Milestones", "C-1/review", "Done", "yes")
    tracker.type("Contracts", "C-1", "Review Every", "every 2 months")
    for day in (dt.date(2027, 3, 2), dt.date(2027, 3, 15), dt.date(2027, 3, 25)):
        tracker.run(day)
    review = tracker.rows("Milestones")["C-1/review"]
    assert as_date(review["Due Date"]) == dt.date(2027, 5, 15)
    assert review["Repeat"] == "every 2 months" and review["Done"] in (None, "", False)
    assert sent_for(tracker, "C-1/review", since=dt.date(2027, 3, 2)) == []
    completed = [r["Key"] for r in recorded(tracker, "completed", "C-1/review")]
    assert completed == ["completed:C-1/review:2027-03-15:2027-03-15"]


def test_cadence_change_leaves_an_overdue_review_overdue(kind, tmp_path, emulator):
    """An overdue review stays on its date when Risk changes the cadence, and escalates."""
    start = dt.date(2027, 1, 15)
    tracker = make(kind, tmp_path, emulator, [contract(start=start, review="Quarterly")])
    tracker.run(dt.date(2027, 4, 10))  # review due 2027-04-15
    tracker.run(dt.date(2027, 4, 16))  # a day overdue
    tracker.type("Contracts", "C-1", "Review Every", None)
    tracker.type("Contracts", "C-1", "Risk", "Low")  # annual
    for day in (dt.date(2027, 4, 17), dt.date(2027, 4, 20), dt.date(2027, 4, 27)):
        tracker.run(day)
    review = tracker.rows("Milestones")["C-1/review"]
    assert as_date(review["Due Date"]) == dt.date(2027, 4, 15)
    assert review["Status"] == "Overdue" and review["Repeat"] == "annual"
    sent = set(sent_for(tracker, "C-1/review"))
    assert {
        "escalation:C-1/review:2027-04-15:1",
        "escalation:C-1/review:2027-04-15:2",
    } <= sent


def test_review_brought_back_after_a_cancel_starts_from_today(kind, tmp_path, emulator):
    """Review Every cleared, then set again months later: the next review, not an overdue one."""
    start = dt.date(2027, 1, 15)
    tracker = make(kind, tmp_path, emulator, [contract(start=start, review="Quarterly")])
    tracker.run(dt.date(2027, 3, 1))  # review due 2027-04-15
    tracker.type("Contracts", "C-1", "Review Every", None)
    tracker.run(dt.date(2027, 3, 2))
    assert tracker.rows("Milestones")["C-1/review"]["Status"] == "Cancelled"
    tracker.type("Contracts", "C-1", "Review Every", "Quarterly")
    tracker.run(dt.date(2027, 6, 1))
    review = tracker.rows("Milestones")["C-1/review"]
    assert as_date(review["Due Date"]) == dt.date(2027, 7, 15)
    assert review["Status"] == "Upcoming" and sent_for(tracker, "C-1/review") == []


def repeating(rule: str, due: dt.date) -> list[object]:
    """Milestone M-1 of C-1, repeating by ``rule`` from ``due``."""
    cells = {"milestone": "Board report", "type": "report", "due_date": due, "repeat": rule}
    return builders.row(MILESTONE_HEADER, milestone_id="M-1", contract_id="C-1", **cells)


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=MONTHLY;COUNT=3",
        "FREQ=MONTHLY;UNTIL=20270315",
        "FREQ=MONTHLY;UNTIL=20270320T235959Z",
    ],
)
def test_repeat_rule_that_ends_leaves_the_last_occurrence_done(kind, tmp_path, emulator, rule):
    """The third and last occurrence done stays done: nothing more is sent, one Log row."""
    tracker = make(kind, tmp_path, emulator, [contract()], [repeating(rule, dt.date(2027, 1, 15))])
    for day in (dt.date(2027, 1, 10), dt.date(2027, 2, 10), dt.date(2027, 3, 10)):
        tracker.type("Milestones", "M-1", "Done", "yes")
        tracker.run(day)
    for day in (dt.date(2027, 3, 11), dt.date(2027, 3, 20), dt.date(2027, 4, 30)):
        tracker.run(day)
    row = tracker.rows("Milestones")["M-1"]
    assert as_date(row["Due Date"]) == dt.date(2027, 3, 15)
    assert row["Status"] == "Done" and row["Done"] == "yes"
    assert sent_for(tracker, "M-1") == []
    completed = [str(r["Key"]).split(":")[2] for r in recorded(tracker, "completed", "M-1")]
    assert completed == ["2027-01-15", "2027-02-15", "2027-03-15"]


def test_new_due_date_reanchors_the_series(kind, tmp_path, emulator):
    """Monthly from 31 Jan, moved by a person to 10 Mar: the next occurrence is 10 Apr."""
    tracker = make(
        kind, tmp_path, emulator, [contract()], [repeating("monthly", dt.date(2027, 1, 31))]
    )
    tracker.type("Milestones", "M-1", "Done", "yes")
    tracker.run(dt.date(2027, 1, 30))  # → 28 Feb, anchored on 31 Jan
    tracker.type("Milestones", "M-1", "Due Date", dt.date(2027, 3, 10))
    tracker.run(dt.date(2027, 2, 20))
    tracker.type("Milestones", "M-1", "Done", "yes")
    tracker.run(dt.date(2027, 3, 9))
    assert as_date(tracker.rows("Milestones")["M-1"]["Due Date"]) == dt.date(2027, 4, 10)
    tracker.type("Milestones", "M-1", "Done", "yes")
    tracker.run(dt.date(2027, 4, 9))
    assert as_date(tracker.rows("Milestones")["M-1"]["Due Date"]) == dt.date(2027, 5, 10)


def test_ended_series_stays_done_when_the_log_is_emptied(kind, tmp_path, emulator):
    """COUNT=3 done three times, then the Log emptied: the last stays done, recorded once."""
    rule = "FREQ=MONTHLY;COUNT=3"
    tracker = make(kind, tmp_path, emulator, [contract()], [repeating(rule, dt.date(2027, 1, 15))])
    for day in (dt.date(2027, 1, 10), dt.date(2027, 2, 10), dt.date(2027, 3, 10)):
        tracker.type("Milestones", "M-1", "Done", "yes")
        tracker.run(day)
    tracker.clear("Log")
    for day in (dt.date(2027, 3, 11), dt.date(2027, 4, 30)):
        tracker.run(day)
    row = tracker.rows("Milestones")["M-1"]
    assert (as_date(row["Due Date"]), row["Status"]) == (dt.date(2027, 3, 15), "Done")
    assert row["Last Notified"].rpartition(" · summary ")[0] == "series from 2027-01-15"
    assert (summary_mark(row["Last Notified"]) or ("",))[0] == "2027-04"
    assert sent_for(tracker, "M-1") == [] and recorded(tracker, "completed", "M-1") == []


def test_series_on_the_31st_keeps_its_day_when_the_log_is_emptied(kind, tmp_path, emulator):
    """Monthly from 31 Jan: after 28 Feb comes 31 Mar, though the Log was emptied between."""
    tracker = make(
        kind, tmp_path, emulator, [contract()], [repeating("monthly", dt.date(2027, 1, 31))]
    )
    tracker.type("Milestones", "M-1", "Done", "yes")
    tracker.run(dt.date(2027, 1, 30))  # → 28 Feb
    tracker.clear("Log")
    tracker.type("Milestones", "M-1", "Done", "yes")
    tracker.run(dt.date(2027, 2, 27))
    assert as_date(tracker.rows("Milestones")["M-1"]["Due Date"]) == dt.date(2027, 3, 31)


def test_cancellation_is_logged_once_when_the_log_is_emptied(kind, tmp_path, emulator):
    """The row already shows Cancelled: emptying the Log does not bring a second cancelled row."""
    tracker = make(kind, tmp_path, emulator, [contract(dt.date(2027, 6, 30), 60)])
    tracker.run(dt.date(2027, 3, 1))
    tracker.type("Contracts", "C-1", "Notice Period (days)", None)
    tracker.run(dt.date(2027, 3, 2))
    assert len(recorded(tracker, "cancelled", "C-1/notice")) == 1
    tracker.clear("Log")
    for day in (dt.date(2027, 3, 3), dt.date(2027, 4, 1)):
        tracker.run(day)
    assert recorded(tracker, "cancelled", "C-1/notice") == []
    assert tracker.rows("Milestones")["C-1/notice"]["Status"] == "Cancelled"


def test_auto_mask_finds_the_programs_rows_only() -> None:
    """Only a Source of exactly auto is the program's; manual, blank and missing cells are not."""
    sources = pd.Series(["auto", "manual", "", None, np.nan, "Auto"], dtype=object)
    assert auto_mask(sources).tolist() == [True, False, False, False, False, False]
