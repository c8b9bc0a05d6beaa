"""Log keys: each kind built as the Log shows it, and taken apart again."""

from __future__ import annotations

import datetime as dt

from sheetsync.keys import (
    NOTICE_KEY,
    KeyParts,
    cancelled_key,
    completed_key,
    completed_parts,
    milestone_key,
    milestone_keys,
    moved_key,
    split_key,
    summary_key,
    summary_keys,
    summary_month,
)

DUE = dt.date(2027, 3, 1)


def test_notice_keys_name_kind_milestone_due_and_stage() -> None:
    """A reminder, an overdue notice and an escalation read kind:milestone:due:stage."""
    assert milestone_key("reminder", "M-1", DUE, 7) == "reminder:M-1:2027-03-01:7"
    assert milestone_key("overdue", "M-1", "2027-03-01", 2) == "overdue:M-1:2027-03-01:2"
    assert milestone_keys(["escalation"], ["M-1"], ["2027-03-01"], [1]) == [
        "escalation:M-1:2027-03-01:1"
    ]


def test_row_change_keys() -> None:
    """Completed keys carry the series anchor, moved keys the new date, cancelled keys terms."""
    assert completed_key("M-1", DUE, dt.date(2026, 3, 1)) == "completed:M-1:2027-03-01:2026-03-01"
    assert moved_key("C-1/notice", "none", "2027-01-31") == "moved:C-1/notice:none:2027-01-31"
    assert cancelled_key("C-1/review", "2027-05-01") == "cancelled:C-1/review:2027-05-01:terms"


def test_summary_key_uses_a_lower_case_owner_and_the_month() -> None:
    """The same owner typed in capitals gets the same monthly summary key."""
    key = summary_key("Jane@Example.com", dt.date(2026, 11, 30))
    assert key == "summary:jane@example.com:2026-11"
    assert summary_month(key) == "2026-11"
    assert summary_month("reminder:M-1:2027-03-01:7") is None


def test_summary_keys_are_each_owners_summary_key_in_order() -> None:
    """Keys made for several owners at once are each one's ``summary_key``, in order."""
    owners = ["Jane@Example.com", "raj@x.com", "Ünal@örnek.com.tr"]
    today = dt.date(2027, 1, 5)
    assert summary_keys(owners, today) == [summary_key(o, today) for o in owners]
    assert summary_keys(owners, today)[1] == "summary:raj@x.com:2027-01"
    assert summary_keys([], today) == []


def test_split_key_reads_a_milestone_id_holding_colons() -> None:
    """A Milestone ID with a colon is still found whole: keys are read from their right end."""
    assert split_key(milestone_key("reminder", "A:1", DUE, 7)) == KeyParts(
        "reminder", "A:1", "2027-03-01", "7"
    )


def test_split_key_refuses_summary_and_malformed_keys() -> None:
    """A summary key or a Key cell a person typed over is not taken for a milestone key."""
    assert split_key("summary:jane@example.com:2026-11") is None
    assert split_key("reminder:M-1") is None
    assert split_key("") is None


def test_completed_parts_round_trip() -> None:
    """A completed key gives back its milestone, due date and anchor; a typo gives None."""
    key = completed_key("M-1", DUE, dt.date(2026, 3, 1))
    assert completed_parts(key) == ("M-1", DUE, dt.date(2026, 3, 1))
    assert completed_parts("completed:M-1:2027-03-01:soon") is None
    assert completed_parts("reminder:M-1:2027-03-01:7") is None


def test_notice_pattern_matches_only_sent_notice_keys() -> None:
    """The pattern history reads the Log with finds notices and skips summaries and moves."""
    assert NOTICE_KEY.match("overdue:A:1:2027-03-01:3").groups() == (
        "overdue",
        "A:1",
        "2027-03-01",
        "3",
    )
    assert NOTICE_KEY.match("summary:jane@example.com:2026-11") is None
    assert NOTICE_KEY.match("moved:M-1:2027-01-01:2027-02-01") is None
