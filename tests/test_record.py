"""What a run leaves behind: Log rows, Last Notified cells, and which old Log rows go."""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage

import numpy as np
import pandas as pd

import builders
from sheetsync.cells.addresses import Address
from sheetsync.derive.changes import Change
from sheetsync.logtab import log_frame
from sheetsync.normalize.ledger import read_ledger
from sheetsync.plan import Item, Notification
from sheetsync.record.notified import (
    CellRecords,
    attach_history,
    combine,
    last_notified,
    ledger_history,
    log_history,
    parse_last_notified,
)
from sheetsync.record.prune import any_old, prune_policy
from sheetsync.record.rows import change_rows, log_rows, sent_today
from sheetsync.record.summarised import (
    first_rows,
    mark_rank,
    month_marks,
    owner_code,
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
    return attach_history(row, read_ledger([list(LOG_COLUMNS)]), dt.date(2026, 12, 1))


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


def test_only_a_log_row_dated_before_the_cutoff_is_old() -> None:
    """``any_old``: a row dated before the cutoff; none when the Log lacks Key or Sent At."""
    header = list(LOG_COLUMNS)
    cells = {"contract_id": "C-1", "recipients": "a@x.com", "subject": "s", "message_id": "<m@x>"}
    row = builders.log_row(f"reminder:M-1:{DUE}:30", "2025-01-01T08:00:00Z", **cells)
    assert any_old([header, row], dt.date(2025, 1, 2))
    assert not any_old([header, row], dt.date(2025, 1, 1))
    assert not any_old([header], dt.date(2030, 1, 1))
    keep = [n for n, name in enumerate(header) if name != "Key"]
    assert not any_old([[g[n] for n in keep] for g in (header, row)], dt.date(2030, 1, 1))


def test_a_last_notified_cell_carries_the_summary_month_and_old_cells_read_as_before():
    """``summary 2026-12 (code)`` is read, replaced each month; old cells have none."""
    old = "2026-12-09: reminder 30d · due 2027-01-08"
    assert summary_mark(old) is None
    jane, boss = owner_code("jane@example.com"), owner_code("Boss@Example.com ")
    marked = with_mark(old, "2026-12", [jane, boss])
    assert marked == f"{old} · summary 2026-12 ({', '.join(sorted([jane, boss]))})"
    assert summary_mark(marked) == ("2026-12", frozenset({jane, boss}))
    assert with_mark(marked, "2027-01", [jane]) == f"{old} · summary 2027-01 ({jane})"
    assert with_mark("", "2026-12", [jane]) == f"summary 2026-12 ({jane})"
    assert parse_last_notified(marked) == parse_last_notified(old) is not None


def test_an_owner_code_stands_for_one_address_whatever_its_case():
    """Six hex digits; the same address in another case gives the same code, another not."""
    assert owner_code("jane@example.com") == owner_code("JANE@example.com")
    assert owner_code("jane@example.com") != owner_code("jane@example.org")
    assert len(owner_code("jane@example.com")) == 6


# Rows 0-3 for owners 0 (ann), 1 (bob): row 0 ann, row 1 ann+bob, row 2 bob, row 3 nobody.
EMAILS = ["ann@example.com", "bob@example.com"]
PAIRS = (np.array([0, 0, 1, 1]), np.array([0, 1, 1, 2]))


def test_each_summarised_owner_is_marked_on_their_first_row():
    """Ann on row 0, Bob on row 1 (his first); no one wanted, no row."""
    assert first_rows(PAIRS, EMAILS, {"ann@example.com"}) == {0: {"ann@example.com"}}
    assert first_rows(PAIRS, EMAILS, set(EMAILS)) == {0: {EMAILS[0]}, 1: {EMAILS[1]}}
    assert first_rows(PAIRS, EMAILS, set()) == {}


def test_a_mark_goes_first_on_a_row_the_write_finds_by_its_own_id():
    """Bob's first row shares its ID with row 3: his mark goes on row 2; rows alone still do."""
    none = pd.Series([False] * 4)
    shared = mark_rank(pd.Series(["M-1", "M-2", "M-3", " M-2"]), none)
    assert shared.tolist() == [0, 1, 0, 1]
    assert first_rows(PAIRS, EMAILS, set(EMAILS), shared) == {0: {EMAILS[0]}, 2: {EMAILS[1]}}
    fresh = mark_rank(pd.Series(["M-1", "M-2", "M-3", "M-4"]), pd.Series([True, False] * 2))
    assert first_rows(PAIRS, EMAILS, set(EMAILS), fresh) == {1: set(EMAILS)}
    only_bob = (np.array([1]), np.array([1]))
    assert first_rows(only_bob, EMAILS, set(EMAILS), shared) == {1: {EMAILS[1]}}


def test_only_marks_for_the_month_asked_are_read():
    """Cells marked for December are found by position; November's and plain cells are not."""
    ann, bob = owner_code(EMAILS[0]), owner_code(EMAILS[1])
    cells = pd.Series(
        [
            f"summary 2026-12 ({ann})",
            None,
            f"x · summary 2026-12 ({ann}, {bob})",
            f"summary 2026-11 ({bob})",
        ]
    )
    assert month_marks(cells, "2026-12") == {0: {ann}, 2: {ann, bob}}
    assert month_marks(cells, "2027-01") == {}


def test_the_log_history_keeps_the_furthest_stage_of_each_kind_per_occurrence() -> None:
    """Shortest lead, highest notice (the first day it went), highest level; none is none."""
    sent = [
        ("reminder:M-1:2027-01-08:30", "2026-11-01"),
        ("reminder:M-1:2027-01-08:7", "2026-11-20"),
        ("overdue:M-2:2026-11-01:1", "2026-11-10"),
        ("overdue:M-2:2026-11-01:2", "2026-11-20"),
        ("overdue:M-2:2026-11-01:2", "2026-11-15"),  # the same notice again, later read first
        ("escalation:M-2:2026-11-01:2", "2026-11-18"),
        ("escalation:M-2:2026-11-01:1", "2026-11-12"),
        ("reminder:M-2:2026-12-01:7", "2026-12-30"),  # dated after today: counted as today
        ("summary:jane@example.com:2026-11", "2026-11-01"),  # not a milestone's key
    ]
    rows = [builders.log_row(key, f"{day}T08:00:00Z") for key, day in sent]
    rows.append(
        builders.log_row("reminder:M-3:2027-01-08:7", "2026-11-01T08:00:00Z", result="failed")
    )
    history = log_history(log_frame(rows), dt.date(2026, 12, 1))
    assert history.index.tolist() == [
        ("M-1", "2027-01-08"),
        ("M-2", "2026-11-01"),
        ("M-2", "2026-12-01"),
    ]
    day = pd.Timestamp
    got = history.to_dict("index")
    one = got[("M-1", "2027-01-08")]
    assert one["sent_lead"] == 7 and one["sent_last"] == day("2026-11-20")
    assert one["sent_overdue"] == one["sent_level"] == 0 and pd.isna(one["sent_overdue_on"])
    two = got[("M-2", "2026-11-01")]
    assert np.isnan(two["sent_lead"]) and two["sent_overdue"] == 2 and two["sent_level"] == 2
    assert two["sent_overdue_on"] == day("2026-11-15") and two["sent_last"] == day("2026-11-20")
    late = got[("M-2", "2026-12-01")]
    assert late["sent_lead"] == 7 and late["sent_last"] == day("2026-12-01")
    assert late["sent_overdue"] == late["sent_level"] == 0 and pd.isna(late["sent_overdue_on"])


def test_a_sent_at_a_person_cleared_or_mistyped_counts_as_the_runs_day() -> None:
    """Rows sharing an unreadable Sent At each still count, dated the run's day."""
    sent = [
        ("reminder:M-1:2027-01-08:30", "2026-11-01T08:00:00Z"),
        ("reminder:M-1:2027-01-08:7", "soon"),
        ("overdue:M-2:2026-11-01:1", ""),
        ("overdue:M-2:2026-11-01:2", "soon"),
        ("escalation:M-3:2026-11-01:1", "2026-02-30T08:00:00Z"),
    ]
    log = log_frame([builders.log_row(key, at) for key, at in sent])
    got = log_history(log, dt.date(2026, 12, 1)).to_dict("index")
    today = pd.Timestamp("2026-12-01")
    assert got[("M-1", "2027-01-08")]["sent_lead"] == 7
    assert got[("M-1", "2027-01-08")]["sent_last"] == today
    assert got[("M-2", "2026-11-01")]["sent_overdue"] == 2
    assert got[("M-2", "2026-11-01")]["sent_overdue_on"] == today
    assert got[("M-3", "2026-11-01")]["sent_level"] == 1
    assert got[("M-3", "2026-11-01")]["sent_last"] == today


def test_attach_history_finds_each_row_by_its_id_and_due_date_whatever_the_log_order() -> None:
    """A sorted Log, an ID shared by two rows, a row moved to another date, a blank date."""
    log = read_ledger(
        [
            list(LOG_COLUMNS),
            builders.log_row("escalation:M-2:2026-11-01:1", "2026-11-12T08:00:00Z"),
            builders.log_row("reminder:M-1:2027-01-08:7", "2026-11-20T08:00:00Z"),
            builders.log_row("reminder:M-2:2026-12-24:30", "2026-11-24T08:00:00Z"),
            builders.log_row("reminder:M-1:2027-01-08:30", "2026-11-01T08:00:00Z"),
            builders.log_row("overdue:M-3:2026-11-01:1", "2026-11-10T08:00:00Z"),
        ]
    )
    rows = pd.DataFrame(
        {
            "row": [2, 3, 4, 5, 6],
            "id": ["M-2", "M-1", "M-2", "M-3", "M-4"],
            "due": pd.to_datetime(["2026-12-24", "2027-01-08", "2026-11-01", None, "2026-11-01"]),
        }
    )
    got = attach_history(rows, log, dt.date(2026, 12, 1))
    assert got["sent_lead"].fillna(-1).tolist() == [30, 7, -1, -1, -1]
    assert got["sent_level"].tolist() == [0, 0, 1, 0, 0]
    assert got["sent_overdue"].tolist() == [0] * 5  # M-3's notice was for a date it no longer has
    assert got["sent_last"].tolist()[:3] == [
        pd.Timestamp(d) for d in ("2026-11-24", "2026-11-20", "2026-11-12")
    ]


def test_rows_sharing_a_last_notified_text_each_record_keys_under_their_own_id() -> None:
    """One cell text on three rows (one of them for another due date), another on a fourth."""
    both = "2026-11-20: reminder 7d · overdue #2 (2026-11-20) · due 2026-11-01"
    rows = pd.DataFrame(
        {
            "row": [2, 3, 4, 5, 6],
            "id": ["M-1", "M-2", "M-3", "M-4", "M-5"],
            "due": pd.to_datetime(["2026-11-01", "2026-11-01", "2026-11-01", "2026-12-01", None]),
            "last_notified": pd.Series(
                [both, "2026-11-12: escalation L3 · due 2026-11-01", both, both, both],
                dtype=object,
            ),
        }
    )
    got = attach_history(rows, read_ledger([list(LOG_COLUMNS)]), dt.date(2026, 12, 1))
    assert got["noted"].tolist() == [
        ("reminder:M-1:2026-11-01:7", "overdue:M-1:2026-11-01:2"),
        ("escalation:M-2:2026-11-01:3",),
        ("reminder:M-3:2026-11-01:7", "overdue:M-3:2026-11-01:2"),
        (),
        (),
    ]
    assert got["sent_overdue"].tolist() == [2, 0, 2, 0, 0]
    assert got["sent_level"].tolist() == [0, 3, 0, 0, 0]
    assert got["sent_lead"].fillna(-1).tolist() == [7, -1, 7, -1, -1]
    assert got["sent_last"].tolist()[:3] == [
        pd.Timestamp(d) for d in ("2026-11-20", "2026-11-12", "2026-11-20")
    ]


def test_rows_never_sent_read_as_the_records_combined_when_there_are_none() -> None:
    """With no Log row and no cell record (a first run) no frames are combined: each row
    reads as never sent, in the very types ``combine`` gives the empty records."""
    day = dt.date(2026, 12, 1)
    rows = pd.DataFrame(
        {
            "row": [2, 3],
            "id": ["M-1", "M-2"],
            "due": pd.to_datetime(["2026-11-01", None]),
            "last_notified": pd.Series(["", None], dtype=object),
        }
    )
    ledger = read_ledger([list(LOG_COLUMNS)])
    never = attach_history(rows, ledger, day)
    nothing = CellRecords(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.intp), [])
    log = ledger_history(ledger, day).reset_index(drop=True)  # by position, as attached
    empty = combine(log, nothing.columns(nothing.rows, log.index))
    assert [never[name].dtype for name in empty] == empty.dtypes.tolist()
    assert never["sent_lead"].isna().all() and never["sent_last"].isna().all()
    assert never["sent_overdue_on"].isna().all()
    assert never["sent_overdue"].tolist() == [0, 0] and never["sent_level"].tolist() == [0, 0]
    assert never["noted"].tolist() == [(), ()]


def test_the_log_history_is_worked_out_once_per_day_asked() -> None:
    """Derivation and the Resolved notes read one history; another day reads its own."""
    ledger = read_ledger(
        [list(LOG_COLUMNS), builders.log_row("reminder:M-1:2027-01-08:7", "2026-12-20T08:00:00Z")]
    )
    first = ledger_history(ledger, dt.date(2026, 12, 1))
    assert ledger_history(ledger, dt.date(2026, 12, 1)) is first
    later = ledger_history(ledger, dt.date(2026, 12, 31))
    assert first["sent_last"].tolist() == [pd.Timestamp("2026-12-01")]  # never after the day
    assert later["sent_last"].tolist() == [pd.Timestamp("2026-12-20")]


def test_attach_history_merges_only_rows_the_log_or_their_cell_names() -> None:
    """A row the Log names, a row whose cell records its due date, a row with a cell for
    another due date and a row with nothing: only the first two read as sent."""
    log = read_ledger(
        [
            list(LOG_COLUMNS),
            builders.log_row("reminder:M-1:2027-01-08:7", "2026-11-20T08:00:00Z"),
            builders.log_row("overdue:M-9:2026-11-01:1", "2026-11-10T08:00:00Z"),
        ]
    )
    rows = pd.DataFrame(
        {
            "row": [2, 3, 4, 5],
            "id": ["M-1", "M-2", "M-3", "M-4"],
            "due": pd.to_datetime(["2027-01-08", "2026-11-01", "2026-11-01", None]),
            "last_notified": pd.Series(
                [
                    None,
                    "2026-11-20: overdue #2 (2026-11-20) · escalation L1 · due 2026-11-01",
                    "2026-10-01: reminder 7d · due 2026-10-08",
                    "",
                ],
                dtype=object,
            ),
        }
    )
    got = attach_history(rows, log, dt.date(2026, 12, 1))
    assert got["sent_lead"].tolist()[0] == 7 and got["sent_lead"].isna().tolist()[1:] == [True] * 3
    assert got["sent_overdue"].tolist() == [0, 2, 0, 0]
    assert got["sent_level"].tolist() == [0, 1, 0, 0]
    assert got["sent_overdue_on"].tolist()[1] == pd.Timestamp("2026-11-20")
    assert got["sent_last"].tolist()[:2] == [pd.Timestamp("2026-11-20")] * 2
    assert got[["sent_overdue_on", "sent_last"]].iloc[2:].isna().all().all()
    assert got["noted"].tolist() == [
        (),
        ("overdue:M-2:2026-11-01:2", "escalation:M-2:2026-11-01:1"),
        (),
        (),
    ]
    assert str(got["sent_overdue"].dtype) == "int64" and str(got["sent_lead"].dtype) == "float64"
