"""Reminder digests alone (``plan.reminders``, ``plan.emails``, ``plan.stages``): who gets which
reminders and overdue notices in which email, each saying why, less what the Log shows sent."""

from __future__ import annotations

import datetime as dt

import builders
from conftest import milestone, tracker_grids
from sheetsync.evaluate import evaluate_milestones
from sheetsync.model import Snapshot
from sheetsync.normalize import normalize
from sheetsync.plan import PlanContext
from sheetsync.plan.emails import noted_keys
from sheetsync.plan.notification import Notification
from sheetsync.plan.reminders import plan_reminders
from sheetsync.plan.stages import Planning, contract_names
from sheetsync.record.notified import attach_history
from sheetsync.schema import LOG_COLUMNS

TODAY = dt.date(2027, 3, 1)
JANE, BOB = "jane@example.com", "bob@example.com"


def due_in(n: int) -> dt.date:
    """The day ``n`` days after TODAY."""
    return TODAY + dt.timedelta(days=n)


def digests(
    rows: list[list[object]], log: list[list[object]] = (), settings: list[list[object]] = ()
) -> list[Notification]:
    """The reminder emails the pure steps plan for ``rows`` (Milestones) as of TODAY."""
    grids = tracker_grids(
        milestones=rows, settings=[["Default escalation", "gc@example.com"], *settings]
    )
    grids["Log"] = [list(LOG_COLUMNS), *log]
    tracker = normalize(Snapshot("Tracker", grids))
    frame = attach_history(tracker.milestones, tracker.ledger, TODAY)
    evaluated = evaluate_milestones(frame, tracker.settings, TODAY).assign(problems="")
    names = contract_names(tracker.contracts)
    context = PlanContext(tracker.settings, TODAY)
    planning = Planning(evaluated, names, tracker.ledger, context, noted_keys(evaluated))
    return plan_reminders(planning)


def summary(notes: list[Notification]) -> list[tuple[str, list[str]]]:
    """Each email as (its To, the keys of its items in order)."""
    return [(n.to_text, [i.key for i in n.items]) for n in notes]


def payment(ident: str, due: dt.date, **cells: object) -> list[object]:
    """A payment milestone of C-001 (leads 14, 7, 1) owned by Jane unless ``owner``."""
    return milestone(ident, "C-001", f"Pay {ident}", "payment", due, **({"owner": JANE} | cells))


def test_one_owners_reminders_and_overdue_notices_come_in_one_digest_most_urgent_first() -> None:
    """Jane's overdue payment comes before her payment due in 7 days, in one email."""
    notes = digests([payment("M-1", due_in(7)), payment("M-2", due_in(-1))])
    assert summary(notes) == [
        (JANE, [f"overdue:M-2:{due_in(-1)}:1", f"reminder:M-1:{due_in(7)}:7"]),
    ]


def test_without_digests_each_item_is_an_email_of_its_own() -> None:
    """Digest set to no: Jane gets two emails, one per milestone."""
    notes = digests(
        [payment("M-1", due_in(7)), payment("M-2", due_in(1))], settings=[["Digest", "no"]]
    )
    assert sorted(len(n.items) for n in notes) == [1, 1]
    assert {n.to_text for n in notes} == {JANE}


def test_each_owner_of_a_shared_milestone_gets_their_own_email() -> None:
    """A milestone owned by Jane and Bob: two emails, one to each, with the same item."""
    notes = digests([payment("M-1", due_in(7), owner=f"{JANE}; {BOB}")])
    assert summary(notes) == [
        (BOB, [f"reminder:M-1:{due_in(7)}:7"]),
        (JANE, [f"reminder:M-1:{due_in(7)}:7"]),
    ]


def test_what_the_log_shows_sent_to_an_owner_is_not_sent_again_to_them() -> None:
    """The Log has the reminder sent to Jane: only Bob is sent it now."""
    key = f"reminder:M-1:{due_in(7)}:7"
    log = [builders.log_row(key, f"{TODAY}T08:00:00Z", contract_id="C-001", recipients=JANE)]
    notes = digests([payment("M-1", due_in(7), owner=f"{JANE}; {BOB}")], log)
    assert summary(notes) == [(BOB, [key])]


def test_an_owner_whose_copy_failed_is_sent_it_again_and_the_others_are_not() -> None:
    """Sent to Jane and to Tom, failed for Bob: only Bob is sent it now; once all three
    have it, nothing goes."""
    key, tom = f"reminder:M-1:{due_in(7)}:7", "tom@example.com"

    def row(to: str, result: str = "sent") -> list[object]:
        at = f"{TODAY}T08:00:00Z"
        return builders.log_row(key, at, contract_id="C-001", recipients=to, result=result)

    owners = f"{JANE}; {BOB}; {tom}"
    log = [row(JANE), row(BOB, "failed: mailbox full"), row(tom)]
    assert summary(digests([payment("M-1", due_in(7), owner=owners)], log)) == [(BOB, [key])]
    assert digests([payment("M-1", due_in(7), owner=owners)], [*log, row(BOB)]) == []


def test_one_address_under_two_display_names_gets_one_email() -> None:
    """ "Jane Doe <jane@…>" on one row and "jane@…" on another: one digest with both items."""
    notes = digests(
        [payment("M-1", due_in(7), owner=f"Jane Doe <{JANE}>"), payment("M-2", due_in(1))]
    )
    assert len(notes) == 1 and len(notes[0].items) == 2


def test_every_item_says_which_rule_sent_it() -> None:
    """A reminder at the type's default lead says so, with its numbers; a row's own days too."""
    notes = digests([payment("M-1", due_in(7)), payment("M-2", due_in(30), remind_days="30")])
    rules = {i.milestone_id: i.rule for i in notes[0].items}
    assert rules == {
        "M-1": "7-day reminder (the default for payment milestones: 14, 7, 1 days before)",
        "M-2": "30-day reminder (your row's Remind Days: 30 days before)",
    }


def test_nothing_due_today_plans_no_email() -> None:
    """A payment 20 days off is between its stages: no reminder is due, no email is planned."""
    assert digests([payment("M-1", due_in(20))]) == []


def test_a_done_milestone_is_not_reminded() -> None:
    """A payment marked done is not reminded even on its reminder day."""
    assert digests([payment("M-1", due_in(7), done="yes")]) == []


def test_rows_sharing_part_of_a_rule_each_get_their_own_sentence() -> None:
    """Rules are told apart by every part: the stage, the days, the type, the ladder, who set it."""
    notes = digests(
        [
            payment("M-1", due_in(7)),
            payment("M-2", due_in(7), remind_days="7"),
            payment("M-3", due_in(7), remind_days="30, 7"),
            payment("M-4", due_in(-3)),
            payment("M-5", due_in(-5)),
            payment("M-6", due_in(-3)),
        ]
    )
    rules = {i.milestone_id: i.rule for i in notes[0].items}
    overdue = "a notice goes out every 7 days until it is marked done (this is notice #1)"
    assert rules == {
        "M-1": "7-day reminder (the default for payment milestones: 14, 7, 1 days before)",
        "M-2": "7-day reminder (your row's Remind Days: 7 days before)",
        "M-3": "7-day reminder (your row's Remind Days: 30, 7 days before)",
        "M-4": f"3 days overdue; {overdue}",
        "M-5": f"5 days overdue; {overdue}",
        "M-6": f"3 days overdue; {overdue}",
    }
