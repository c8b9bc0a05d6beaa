"""The Log read as the run's memory (``normalize.ledger``, with ``logtab``), alone: what was
sent to whom whatever people did to the tab, and the Recipients cell the run writes."""

from __future__ import annotations

import datetime as dt

import builders
from sheetsync.logtab import sent_day
from sheetsync.model import Grid
from sheetsync.normalize.ledger import read_ledger, recipients_cell, recipients_to
from sheetsync.schema import LOG_COLUMNS

KEY = "reminder:M-0001:2027-01-15:14"


def logged(key: str, at: str, to: str = "jane@example.com", **cells: object) -> list[object]:
    """A Log row about ``key`` sent to ``to`` at ``at``."""
    return builders.log_row(key, at, contract_id="C-1", recipients=to, **cells)


def test_sent_rows_are_remembered_by_key_and_recipients() -> None:
    """A row whose Result is sent is remembered for its key and To; another address is not."""
    ledger = read_ledger([list(LOG_COLUMNS), logged(KEY, "2027-01-01T09:00:00Z")])
    assert ledger.was_sent(KEY, "jane@example.com")
    assert not ledger.was_sent(KEY, "bob@example.com")
    assert ledger.recipients == {KEY: {"jane@example.com"}}


def test_a_failed_row_is_not_sent_but_remembered_as_failed() -> None:
    """``failed: mailbox full`` does not count as sent, so the next run tries again."""
    row = logged(KEY, "2027-01-01T09:00:00Z", result="failed: mailbox full")
    ledger = read_ledger([list(LOG_COLUMNS), row])
    assert not ledger.was_sent(KEY, "jane@example.com")
    assert ledger.failed == {(KEY, "jane@example.com")}


def test_the_keys_sent_to_anyone_leave_out_failed_rows() -> None:
    """A key sent to two lists is one sent key with both; a key that only failed is none."""
    other = "overdue:M-0002:2027-01-01:1"
    ledger = read_ledger(
        [
            list(LOG_COLUMNS),
            logged(KEY, "2027-01-01T09:00:00Z"),
            logged(KEY, "2027-01-02T09:00:00Z", to="Bob@example.com"),
            logged(other, "2027-01-02T09:00:00Z", result="failed: mailbox full"),
        ]
    )
    assert ledger.sent_keys == {KEY}
    assert ledger.recipients == {KEY: {"jane@example.com", "bob@example.com"}}


def test_recipients_match_in_any_case_and_order_and_ignore_the_copies() -> None:
    """ "Bob@X; jane@x | cc: …" is the same To as "bob@x; jane@x" for the ledger."""
    cell = "Jane@Example.com; bob@example.com | cc: boss@example.com"
    ledger = read_ledger([list(LOG_COLUMNS), logged(KEY, "2027-01-01T09:00:00Z", to=cell)])
    assert ledger.was_sent(KEY, recipients_to("bob@example.com; jane@example.com"))


def test_rows_a_person_sorted_are_read_back_in_the_order_sent() -> None:
    """A Log sorted newest first is read oldest first; a row with no readable time comes last."""
    grid: Grid = [
        list(LOG_COLUMNS),
        logged("reminder:M-2:2027-02-01:7", "2027-01-20T09:00:00Z"),
        logged("reminder:M-3:2027-02-01:7", "sometime"),
        logged("reminder:M-1:2027-02-01:7", "2027-01-10T09:00:00Z"),
    ]
    frame = read_ledger(grid).frame
    assert [k.split(":")[1] for k in frame["Key"]] == ["M-1", "M-2", "M-3"]
    assert frame["row"].tolist() == [4, 2, 3]


def test_a_renamed_header_is_found_by_what_its_cells_hold() -> None:
    """Key renamed "Idempotency key" and Result renamed "Outcome": the rows still count as sent."""
    header = [{"Key": "Idempotency key", "Result": "Outcome"}.get(h, h) for h in LOG_COLUMNS]
    ledger = read_ledger([header, logged(KEY, "2027-01-01T09:00:00Z")])
    assert ledger.was_sent(KEY, "jane@example.com")


def test_an_empty_or_missing_log_remembers_nothing() -> None:
    """No Log tab at all (an empty grid) and a header alone both give an empty memory."""
    assert read_ledger([]).sent == set()
    assert read_ledger([list(LOG_COLUMNS)]).sent == set()


def test_the_recipients_cell_shows_five_copies_and_counts_the_rest() -> None:
    """To is kept whole; past five copied addresses the cell says how many more there were."""
    copies = [f"owner{n}@example.com" for n in range(8)]
    cell = recipients_cell(["gc@example.com"], copies)
    assert cell == (
        "gc@example.com | cc: owner0@example.com; owner1@example.com; owner2@example.com; "
        "owner3@example.com; owner4@example.com (+3 more)"
    )
    assert recipients_to(cell) == "gc@example.com"
    assert recipients_cell(["a@example.com", "b@example.com"], []) == "a@example.com; b@example.com"


def test_sent_day_reads_text_dates_and_serial_numbers() -> None:
    """ISO text, a date cell and a spreadsheet serial number give the day; "soon" gives none."""
    assert sent_day("2027-01-01T09:00:00Z") == dt.date(2027, 1, 1)
    assert sent_day(dt.datetime(2027, 1, 2, 8, 0)) == dt.date(2027, 1, 2)
    assert sent_day(46388) == dt.date(2027, 1, 1)
    assert sent_day("soon") is None
