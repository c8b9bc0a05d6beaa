"""The ladder only moves forward, and rows remember (issue 11 items 1–2; README, The rules).

Expectations come from the README's rule: per occurrence (milestone and due date)
a reminder only at a shorter lead than the last one sent; the next overdue notice
*Overdue repeat* days after the last one sent, numbered on from it; escalation
levels only up; and what the row's Last Notified records is never sent again,
whatever happened to the Log or to the row's ID. Here the pure plan; day-by-day runs on
both backends: test_ladder_runs.py.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
import pytest

import builders
from conftest import TODAY
from ladder_rows import DUE, grids, row
from sheetsync.evaluate import evaluate_milestones
from sheetsync.model import Snapshot
from sheetsync.normalize import normalize
from sheetsync.plan import PlanContext, plan_notifications
from sheetsync.record.notified import (
    Sent,
    attach_history,
    filled_cells,
    parse_last_notified,
    series_start,
    with_series,
)
from sheetsync.schema import LOG_COLUMNS

# -- the pure plan ------------------------------------------------------------------------------


def log_row(key: str, to: str = "dan@example.com", result: str = "sent", at: str = "") -> list:
    """A Log row as the program writes it, about C-002 (sent at noon TODAY unless ``at``)."""
    sent_at = at or f"{TODAY.isoformat()}T12:00:00Z"
    cells = {"recipients": to, "subject": "subject", "message_id": "<id@x>", "result": result}
    return builders.log_row(key, sent_at, contract_id="C-002", **cells)


def planned(tabs: dict[str, Any], day: dt.date, log: list[list] = ()) -> list[str]:
    """The keys (and recipients) the pure steps plan for ``day``."""
    tabs = {**tabs, "Log": [list(LOG_COLUMNS), *log]}
    tracker = normalize(Snapshot("t", tabs))
    frame = attach_history(tracker.milestones, tracker.ledger, day)
    evaluated = evaluate_milestones(frame, tracker.settings, day)
    evaluated["problems"] = ""
    notes = plan_notifications(
        evaluated,
        tracker.contracts.assign(problems=""),
        tracker.ledger,
        PlanContext(tracker.settings, day),
    )
    return sorted(f"{k}>{n.to_text}" for n in notes.notifications for _, k in n.keys if ":M-" in k)


def test_last_notified_stops_a_resend_when_the_log_is_empty():
    """An empty Log, and the row records overdue #2 sent yesterday: nothing is sent."""
    cell = f"{TODAY + dt.timedelta(days=8)}: overdue #2 (2026-12-06) · escalation L1 · due {DUE}"
    assert planned(grids([row(notified=cell)]), DUE + dt.timedelta(days=9)) == []


def test_last_notified_numbers_the_next_notice_on():
    """The row records overdue #2 sent 7 days ago: notice #3 goes, not #1 or #2 again."""
    cell = f"2026-11-30: overdue #2 (2026-11-30) · escalation L1 · due {DUE}"
    keys = planned(grids([row(notified=cell)]), DUE + dt.timedelta(days=9))
    assert keys == [f"overdue:M-0001:{DUE}:3>dan@example.com"]


def test_last_notified_for_another_due_date_is_not_this_occurrences():
    """A record for an earlier due date does not hold back the current one's reminder."""
    cell = "2026-10-01: reminder 1d · due 2026-10-02"
    keys = planned(grids([row(notified=cell)]), DUE - dt.timedelta(days=7))
    assert keys == [f"reminder:M-0001:{DUE}:7>dan@example.com"]


@pytest.mark.parametrize(
    "cell",
    [
        "",
        "sent it!",
        "2026-13-45: reminder 7d · due 2026-02-31",
        "due",
        "reminder xd",
        42,
        "é" * 600,
    ],
)
def test_an_edited_last_notified_is_ignored_not_a_crash(cell):
    """Whatever a person typed into Last Notified, the stage the rule calls for goes out."""
    keys = planned(grids([row(notified=cell)]), DUE - dt.timedelta(days=7))
    assert keys == [f"reminder:M-0001:{DUE}:7>dan@example.com"]


def test_a_failed_copy_is_retried_although_the_row_records_the_stage():
    """The reminder reached one owner and failed for the other: only the failed one is retried."""
    owners = "dan@example.com; eve@example.com"
    key = f"reminder:M-0001:{DUE}:7"
    log = [log_row(key), log_row(key, "eve@example.com", "failed: mailbox full")]
    cell = f"2026-11-21: reminder 7d · due {DUE}"
    keys = planned(grids([row(owner=owners, notified=cell)]), DUE - dt.timedelta(days=6), log)
    assert keys == [f"{key}>eve@example.com"]


def test_a_renamed_id_keeps_the_rows_history():
    """The Log knows only the old ID; the row's Last Notified stops the stage under the new one."""
    log = [log_row(f"reminder:M-0001:{DUE}:7")]
    cell = f"2026-11-21: reminder 7d · due {DUE}"
    assert planned(grids([row("M-0100", notified=cell)]), DUE - dt.timedelta(days=6), log) == []


def test_a_raised_remind_days_never_sends_a_longer_lead_again():
    """30-day reminder sent; Remind Days raised to 45, 30, 14: nothing until the 14-day stage."""
    log = [log_row(f"reminder:M-0001:{DUE}:30")]
    tabs = grids([row(remind="45, 30, 14")])
    assert planned(tabs, DUE - dt.timedelta(days=25), log) == []
    assert planned(tabs, DUE - dt.timedelta(days=14), log) == [
        f"reminder:M-0001:{DUE}:14>dan@example.com"
    ]


def test_escalation_never_steps_down():
    """Level 2 sent; Escalate after lowered to a single threshold: no level-1 email."""
    log = [log_row(f"escalation:M-0001:{DUE}:2", "gc@example.com")]
    tabs = grids([row()], [["Escalate after (days overdue)", "5"]])
    keys = planned(tabs, DUE + dt.timedelta(days=12), log)
    assert not [k for k in keys if k.startswith("escalation")]


def test_next_reminder_is_a_full_period_after_the_last_notice():
    """Notice #4 went on day 7 (repeat then 3, now 7): Next Reminder says day 14."""
    cell = f"{DUE + dt.timedelta(days=7)}: overdue #4 ({DUE + dt.timedelta(days=7)}) · due {DUE}"
    tabs = grids([row(notified=cell)], [["Escalate after (days overdue)", "30"]])
    tracker = normalize(Snapshot("t", tabs))
    day = DUE + dt.timedelta(days=9)
    frame = attach_history(tracker.milestones, tracker.ledger, day)
    evaluated = evaluate_milestones(frame, tracker.settings, day)
    assert evaluated["next_reminder"].iloc[0].date() == DUE + dt.timedelta(days=14)
    assert evaluated["overdue_n"].iloc[0] == 4


def test_last_notified_text_reads_back_as_written():
    """The cell a run writes is readable and rebuilds the same record."""
    record = Sent(DUE, dt.date(2026, 12, 9), 30, 2, dt.date(2026, 12, 6), 1)
    text = record.text()
    assert (
        text
        == "2026-12-09: reminder 30d · overdue #2 (2026-12-06) · escalation L1 · due 2026-11-28"
    )
    assert parse_last_notified(text) == record


def test_last_notified_names_the_series_a_repeating_row_counts_from():
    """A repeating row's cell also names its series anchor; the stages read back the same."""
    record = Sent(DUE, dt.date(2026, 11, 25), 3)
    start = DUE - dt.timedelta(days=60)
    text = with_series(record.text(), start, DUE)
    assert text == f"2026-11-25: reminder 3d · due {DUE} · series from {start}"
    assert (parse_last_notified(text), series_start(text)) == (record, start)
    assert series_start(record.text()) is None  # a cell from before: the Log's anchor counts
    assert with_series(text, DUE, DUE) == record.text()  # a series moved to start here


def test_filled_cells_read_each_cell_as_if_cell_does():
    """A blank cell ("" or None) holds nothing; any other cell, even "0" or NaN, is filled."""
    cells = np.array(["", None, "0", float("nan"), "due 2027-01-01", ()], dtype=object)
    assert filled_cells(cells).tolist() == [False, False, True, True, True, False]


def test_filled_cells_read_long_runs_of_one_object_cell_by_cell_alike():
    """A column of long runs (a blank on every row, a few others) reads as each cell does:
    a run's one object tested once, a lone filled cell among blanks found, and a cell
    refusing a truth inside a run still leaves every cell to be looked at."""
    cells = np.array(["", *[""] * 40, "x", *[None] * 40, *[float("nan")] * 20], dtype=object)
    assert filled_cells(cells).tolist() == [bool(c) for c in cells]
    runs = np.array([*[""] * 40, pd.NA, *[""] * 40], dtype=object)
    assert filled_cells(runs).tolist() == [True] * len(runs)


def test_filled_cells_count_every_cell_when_one_refuses_a_truth():
    """A cell without a truth of its own (pd.NA) leaves every cell to be looked at."""
    cells = np.array(["", pd.NA, None], dtype=object)
    assert filled_cells(cells).tolist() == [True, True, True]
