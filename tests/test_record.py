"""What a run leaves behind: Log rows, Last Notified cells, and which old Log rows go."""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage

import numpy as np
import pandas as pd

import builders
from sheetsync.cells.addresses import Address
from sheetsync.derive.changes import Change
from sheetsync.plan import Item, Notification
from sheetsync.record.notified import attach_history, last_notified, parse_last_notified
from sheetsync.record.prune import prune_policy
from sheetsync.record.rows import change_rows, log_rows, sent_today
from sheetsync.record.summarised import (
    held_marks,
    owners_code,
    row_codes,
    rows_to_mark,
    summary_mark,
    with_mark,
)
from sheetsync.schema import LOG_COLUMNS

NOW = dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC)
DUE = dt.date(2026, 12, 8)
JANE = Address("Jane", "jane@example.com")
BOSS = Address("Boss", "boss@example.com")


def item(milestone: str, lead: int = 7) -> Item:
    """A reminder for ``milestone``, due DUE."""
    return Item(
        f"reminder:{milestone}:{DUE}:{lead}",
        "reminder",
        milestone,
        "C-001",
        "Globex MSA",
        "Pay the invoice",
        "payment",
        DUE,
        7,
        lead,
        5,
        (JANE,),
        "7-day reminder",
    )


def message() -> EmailMessage:
    """A rendered email with only the headers the Log copies."""
    mail = EmailMessage()
    mail["Subject"] = "2 coming up"
    mail["Message-ID"] = "<digest.1@example.com>"
    return mail


def test_a_digest_gets_one_log_row_per_item() -> None:
    """Each key the email carries is its own Log row, in the Log's column order."""
    note = Notification("digest", (JANE,), (BOSS,), [item("M-1"), item("M-2")])
    rows = log_rows(note, message(), NOW, "sent")
    assert [dict(zip(LOG_COLUMNS, r, strict=True))["Key"] for r in rows] == [
        f"reminder:M-1:{DUE}:7",
        f"reminder:M-2:{DUE}:7",
    ]
    first = dict(zip(LOG_COLUMNS, rows[0], strict=True))
    assert first["Sent At"] == "2026-12-01T09:30:00Z"
    assert first["Recipients"] == "jane@example.com | cc: boss@example.com"
    assert (first["Milestone ID"], first["Result"]) == ("M-1", "sent")


def test_a_written_change_is_recorded_without_recipients() -> None:
    """A moved due date's Log row says recorded and names no recipient or Message-ID."""
    change = Change(
        "C-1/notice", "C-1", 7, {}, {}, "moved", "moved:C-1/notice:none:2027-01-31", "s"
    )
    (row,) = change_rows([change], NOW)
    assert dict(zip(LOG_COLUMNS, row, strict=True)) == {
        "Sent At": "2026-12-01T09:30:00Z",
        "Kind": "moved",
        "Key": "moved:C-1/notice:none:2027-01-31",
        "Contract ID": "C-1",
        "Milestone ID": "C-1/notice",
        "Recipients": "",
        "Subject": "s",
        "Message-ID": "",
        "Result": "recorded",
    }


def test_sent_today_counts_messages_since_local_midnight() -> None:
    """Messages sent since midnight in the tracker's zone count once each; failures do not."""
    log = pd.DataFrame(
        {
            "Sent At": ["2026-11-30T23:30:00Z", "2026-12-01T08:00:00Z", "2026-12-01T08:00:00Z"],
            "Result": ["sent", "sent", "failed: refused"],
            "Message-ID": ["<a@x>", "<b@x>", "<c@x>"],
        }
    )
    assert sent_today(log, NOW, "UTC") == 1
    assert sent_today(log, NOW, "Europe/Berlin") == 2  # midnight there is 23:00 UTC
    assert sent_today(log.iloc[:0], NOW, "UTC") == 0


def evaluated(due: str, last_notified: str | None = None) -> pd.DataFrame:
    """One evaluated milestone row (sheet row 5) with nothing in the Log about it."""
    row = pd.DataFrame(
        {
            "row": [5],
            "id": ["M-1"],
            "due": pd.to_datetime([due]),
            "status": ["Due soon"],
            "last_notified": pd.Series([last_notified], dtype=object),
        }
    )
    return attach_history(row, pd.DataFrame(columns=list(LOG_COLUMNS)), dt.date(2026, 12, 1))


def test_last_notified_says_what_this_run_sent() -> None:
    """A reminder sent now shows in the row's Last Notified, dated by the run's day."""
    sent = log_rows(Notification("digest", (JANE,), (), [item("M-1")]), message(), NOW, "sent")
    cells = last_notified(evaluated(str(DUE)), sent, dt.date(2026, 12, 1))
    assert cells == {5: f"2026-12-01: reminder 7d · due {DUE}"}


def test_a_failed_send_leaves_last_notified_as_it_was() -> None:
    """A refused email records nothing in the row: the next run tries again."""
    failed = log_rows(Notification("digest", (JANE,), (), [item("M-1")]), message(), NOW, "failed")
    assert last_notified(evaluated(str(DUE), "kept by hand"), failed, dt.date(2026, 12, 1)) == {
        5: "kept by hand"
    }


def test_pruning_keeps_rows_about_current_due_dates() -> None:
    """An old Log row about a milestone's current due date stays; one about a past date goes."""
    header = list(LOG_COLUMNS)
    cells = {"contract_id": "C-1", "recipients": "a@x.com", "subject": "s", "message_id": "<m@x>"}
    current = builders.log_row(f"reminder:M-1:{DUE}:30", "2025-01-01T08:00:00Z", **cells)
    past = builders.log_row("reminder:M-1:2025-01-08:7", "2025-01-01T08:00:00Z", **cells)
    policy = prune_policy(evaluated(str(DUE)), dt.date(2026, 12, 1), 400, [header, current, past])
    assert policy is not None
    assert policy.current == frozenset({("M-1", str(DUE))})
    assert prune_policy(evaluated(str(DUE)), dt.date(2026, 12, 1), 400, [header, current]) is None


def test_a_last_notified_cell_carries_the_summary_month_and_old_cells_read_as_before():
    """``summary 2026-12 (code)`` is read, replaced each month; old cells have none."""
    old = "2026-12-09: reminder 30d · due 2027-01-08"
    assert summary_mark(old) is None
    code = owners_code(["jane@example.com"])
    marked = with_mark(old, "2026-12", code)
    assert marked == f"{old} · summary 2026-12 ({code})"
    assert summary_mark(marked) == ("2026-12", code)
    assert with_mark(marked, "2027-01", code) == f"{old} · summary 2027-01 ({code})"
    assert with_mark("", "2026-12", code) == f"summary 2026-12 ({code})"
    assert parse_last_notified(marked) == parse_last_notified(old) is not None


def test_the_owners_code_names_the_set_of_owners():
    """Same owners in any order give the same code; another owner gives another one."""
    jane_boss = owners_code(["jane@example.com", "boss@example.com"])
    assert jane_boss == owners_code(["boss@example.com", "jane@example.com"])
    assert jane_boss != owners_code(["jane@example.com"])
    assert len(jane_boss) == 4 and int(jane_boss, 16) >= 0


# Rows 0-3 for owners 0 (ann), 1 (bob): row 0 ann, row 1 ann+bob, row 2 bob, row 3 nobody.
EMAILS = ["ann@example.com", "bob@example.com"]
PAIRS = (np.array([0, 0, 1, 1]), np.array([0, 1, 1, 2]))


def test_one_row_per_summarised_owner_is_marked_and_only_rows_all_its_owners_got():
    """Ann alone summarised: her own row, not the row she shares with Bob; both: one each."""
    held = np.zeros(4, dtype=bool)
    assert rows_to_mark(PAIRS, EMAILS, {"ann@example.com"}, held).tolist() == [0]
    assert rows_to_mark(PAIRS, EMAILS, {"bob@example.com"}, held).tolist() == [2]
    assert rows_to_mark(PAIRS, EMAILS, set(EMAILS), held).tolist() == [0, 1]
    assert rows_to_mark(PAIRS, EMAILS, set(), held).tolist() == []


def test_a_held_mark_stays_and_covers_its_owners():
    """Row 1 already marked for Ann and Bob: it stays the only marked row."""
    held = np.array([False, True, False, False])
    assert rows_to_mark(PAIRS, EMAILS, set(EMAILS), held).tolist() == [1]


def test_a_mark_counts_only_while_the_row_has_the_owners_it_was_made_for():
    """A mark made for Ann and Bob no longer counts once the row is Ann's alone, or for May."""
    both = owners_code(EMAILS)
    cells = pd.Series(
        [f"summary 2026-12 ({both})", f"x · summary 2026-12 ({both})", "", "summary 2026-11 (0000)"]
    )
    assert held_marks(cells, "2026-12", PAIRS, EMAILS).tolist() == [False, True, False, False]
    assert held_marks(cells, "2027-01", PAIRS, EMAILS).tolist() == [False] * 4
    assert row_codes(PAIRS, EMAILS, np.ones(4, dtype=bool)).tolist() == [
        owners_code(EMAILS[:1]),
        both,
        owners_code(EMAILS[1:]),
        "",
    ]
