"""What an approval step shows while it waits, and what its row remembers when the Log goes.

Both backends, the real pipeline, a real SMTP server on loopback (helpers of
test_approvals). A waiting step has no due date until it opens; the open step's opening
day is in its Last Notified cell and a cancelled step's Status says so, so a Log a
person empties moves no due date, reopens nothing, resends nothing and logs nothing again.
"""

from __future__ import annotations

import datetime as dt

from editable import as_date
from sheetsync.approvals.steps import add_business_days
from test_approvals import APPROVERS, FINANCE, MONDAY, new_desk, server, steps, to, vendor

__all__ = ["new_desk", "server"]  # the fixtures, shared
TUESDAY = MONDAY + dt.timedelta(days=1)


def program_rows(desk) -> list[str]:
    """The Log's rows that open, move, add or cancel approval steps (a done step's
    ``completed`` row is written again into an emptied Log: it restores that record)."""
    kinds = ("opened:", "moved:", "added:", "cancelled:")
    keys = [str(r["Key"]) for r in desk.tracker.log()]
    return [k for k in keys if "/approval-" in k and k.startswith(kinds)]


def test_a_waiting_step_has_no_due_date_until_it_opens(new_desk):
    """Waiting: Due Date and Days Left blank, Upcoming, "waits for step 1", no Problem; once
    step 1 is done step 2 is due five business days after."""
    desk = new_desk(vendor())
    desk.run(MONDAY)
    waiting = list(steps(desk).values())[1:]
    assert [as_date(r["Due Date"]) for r in waiting] == [None, None, None]
    assert all(r["Days Left"] in (None, "") for r in waiting)
    assert {r["Status"] for r in waiting} == {"Upcoming"}
    assert all(r["Problems"] in (None, "") for r in waiting)
    assert waiting[0]["Next Reminder"] == "waits for step 1"
    desk.tick("C-1/approval-1")
    sent = desk.run(TUESDAY)
    opened = desk.step("C-1/approval-2")
    assert as_date(opened["Due Date"]) == add_business_days(TUESDAY, 5)
    assert opened["Status"] == "Due soon" and to(sent) & APPROVERS == {FINANCE}
    assert as_date(desk.step("C-1/approval-3")["Due Date"]) is None


def test_an_emptied_log_moves_no_due_date_and_reopens_nothing(new_desk):
    """Step 2 opened on Tuesday; the Log is emptied; Thursday's run keeps its due date, sends
    finance nothing again and writes no Log row about the steps."""
    desk = new_desk(vendor())
    desk.run(MONDAY)
    desk.tick("C-1/approval-1")
    desk.run(TUESDAY)
    due = as_date(desk.step("C-1/approval-2")["Due Date"])
    assert "opened 2026-12-01" in str(desk.step("C-1/approval-2")["Last Notified"])
    desk.tracker.clear("Log")
    sent = desk.run(TUESDAY + dt.timedelta(days=2))
    assert as_date(desk.step("C-1/approval-2")["Due Date"]) == due
    assert to(sent) & APPROVERS == set()
    assert program_rows(desk) == []


def test_cancelled_steps_stay_cancelled_when_the_log_is_emptied(new_desk):
    """Steps a value change cancelled stay Cancelled after the Log is emptied, logged once."""
    desk = new_desk(vendor("$2,000,000"))
    desk.run(MONDAY)
    desk.tracker.type("Contracts", "C-1", "Value", "$500,000")
    desk.run(TUESDAY)
    statuses = [r["Status"] for r in steps(desk).values()]
    assert statuses == ["Due soon", "Upcoming", "Cancelled", "Cancelled"]
    desk.tracker.clear("Log")
    sent = desk.run(TUESDAY + dt.timedelta(days=1))
    assert [r["Status"] for r in steps(desk).values()] == statuses
    assert program_rows(desk) == [] and to(sent) & APPROVERS == set()


def test_a_date_on_a_waiting_step_is_cleared_once_with_a_log_row(new_desk):
    """A waiting step with a due date (as an older version wrote it) is blanked, the Log says
    why, and the next run writes nothing more about it."""
    desk = new_desk(vendor())
    desk.run(MONDAY)
    desk.tracker.type("Milestones", "C-1/approval-2", "Due Date", "2026-12-14")
    desk.run(TUESDAY)
    assert as_date(desk.step("C-1/approval-2")["Due Date"]) is None
    moved = [r for r in desk.logged("moved") if "C-1/approval-2" in str(r["Key"])]
    assert len(moved) == 1 and "waits for step 1" in str(moved[0]["Subject"])
    desk.run(TUESDAY + dt.timedelta(days=1))
    assert len(desk.logged("moved")) == 1
