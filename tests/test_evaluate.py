"""Statuses, stages, overdue notices and escalation levels (DESIGN.md §4)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from sheetsync.evaluate import NO_STAGE, evaluate_milestones
from sheetsync.normalize.settings import Settings

TODAY = dt.date(2027, 3, 1)


def frame(due_offsets: list[int | None], lead=(30, 7, 1), **extra: list[object]) -> pd.DataFrame:
    """Milestones due at the given offsets from TODAY (None: no readable date)."""
    n = len(due_offsets)
    due = [
        pd.Timestamp(TODAY + dt.timedelta(days=d)) if d is not None else pd.NaT for d in due_offsets
    ]
    data = {
        "due": pd.Series(due, dtype="datetime64[ns]"),
        "lead_days": [lead] * n,
        "done": [False] * n,
        "cancelled": [False] * n,
        "blocked": [d is None for d in due_offsets],
    }
    data.update(extra)
    return pd.DataFrame(data)


def test_status_follows_days_left_and_largest_lead():
    """Past due is Overdue, within the largest lead Due soon, beyond it Upcoming."""
    result = evaluate_milestones(frame([-1, 0, 30, 31]), Settings(), TODAY)
    assert list(result["status"]) == ["Overdue", "Due soon", "Due soon", "Upcoming"]
    assert list(result["days_left"]) == [-1, 0, 30, 31]


def test_done_cancelled_and_blocked_win_over_dates():
    """Done, Cancelled and Needs attention are decided before any date rule."""
    result = evaluate_milestones(
        frame([-5, -5, None], done=[True, False, False], cancelled=[False, True, False]),
        Settings(),
        TODAY,
    )
    assert list(result["status"]) == ["Done", "Cancelled", "Needs attention"]
    assert list(result["stage"]) == [NO_STAGE] * 3


def test_current_stage_is_the_smallest_reached_lead():
    """With leads 30, 7, 1: 20 days out is stage 30, 7 days out stage 7, due today stage 1."""
    result = evaluate_milestones(frame([31, 30, 20, 7, 6, 1, 0]), Settings(), TODAY)
    assert list(result["stage"]) == [NO_STAGE, 30, 30, 7, 7, 1, 1]


def test_first_overdue_notice_is_number_one_however_late():
    """Nothing sent yet: 1 or 15 days overdue, the current notice is #1 (one catch-up)."""
    result = evaluate_milestones(frame([-1, -7, -15]), Settings(), TODAY)
    assert list(result["overdue_n"]) == [1, 1, 1]


def test_next_overdue_notice_counts_from_the_last_one_sent():
    """Notice #2 went 6 days ago: #2 is still current; 7 days ago: #3 is due (repeat 7)."""
    sent_on = [pd.Timestamp(TODAY - dt.timedelta(days=k)) for k in (6, 7, 30)]
    result = evaluate_milestones(
        frame([-20, -20, -40], sent_overdue=[2, 2, 2], sent_overdue_on=sent_on),
        Settings(),
        TODAY,
    )
    assert list(result["overdue_n"]) == [2, 3, 3]


def test_escalation_levels_start_exactly_at_thresholds():
    """Escalate after 3, 10: level 1 from day 3, level 2 from day 10."""
    result = evaluate_milestones(frame([-2, -3, -9, -10, -40]), Settings(), TODAY)
    assert list(result["level"]) == [0, 1, 1, 2, 2]


def test_next_reminder_is_the_next_stage_day():
    """20 days out with leads 30, 7, 1: the next email goes 7 days before the due date."""
    result = evaluate_milestones(frame([20, 3, 0]), Settings(), TODAY)
    due = [TODAY + dt.timedelta(days=d) for d in (20, 3, 0)]
    expected = [
        due[0] - dt.timedelta(days=7),
        due[1] - dt.timedelta(days=1),
        due[2] + dt.timedelta(days=1),
    ]
    assert [ts.date() for ts in result["next_reminder"]] == expected


def test_next_reminder_when_overdue_is_next_notice_or_escalation():
    """Two days overdue: next is the level-1 escalation on day 3; four days: level 2 on day 10."""
    result = evaluate_milestones(frame([-2, -4]), Settings(), TODAY)
    assert result["next_reminder"].iloc[0].date() == TODAY + dt.timedelta(days=1)
    # notice #1 goes today (day 4), so the next is the level-2 escalation on day 10
    assert result["next_reminder"].iloc[1].date() == TODAY + dt.timedelta(days=6)


def test_custom_overdue_repeat_and_thresholds():
    """Settings change the overdue window and the escalation thresholds."""
    settings = Settings(overdue_repeat=3, escalate_after=(1, 5))
    result = evaluate_milestones(frame([-1, -4, -5]), settings, TODAY)
    assert list(result["overdue_n"]) == [1, 1, 1]
    assert list(result["level"]) == [1, 1, 2]
    assert result["next_reminder"].iloc[0].date() == TODAY + dt.timedelta(days=3)
