"""A big tracker's status columns written while the emails go (``Backend.write_early``), on
the emulator and a real SMTP server: the same sheet in the end, a delivery batch's Log rows
never held up or lost by it, a person's sort in between put right by the status write."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
import time

import pytest

from conftest import TODAY, tracker_grids
from gsheets_fixtures import backend, options
from sheetsync.backends.gsheets import GoogleSheetsBackend
from sheetsync.backends.gsheets.api import Wire
from sheetsync.errors import DeliveryError
from sheetsync.pipeline import RunOptions, run
from sheetsync.testing.emulator import Fault, SheetsEmulator
from sheetsync.testing.smtpd import ServerFaults, SmtpServer
from sheetsync.transports.smtp import SmtpPolicy, SmtpTransport

EXPECTED = 5  # messages the default tracker sends on TODAY
ONE_DAY = dt.timedelta(days=1)
TABS = ("Milestones", "Contracts", "Settings", "Dashboard")


def batches_of_two() -> RunOptions:
    return dataclasses.replace(options(TODAY), batch_size=2)


def early(emulator: SheetsEmulator, sheet: str, rows: int = 1) -> GoogleSheetsBackend:
    """A backend that writes early from ``rows`` rows, in bodies of about 1,000 bytes."""
    gs = backend(emulator, sheet, max_request_bytes=1_000)
    gs.early_rows = rows
    return gs


def send(gs: GoogleSheetsBackend) -> tuple[object, list[str]]:
    """Run the job through a real SMTP server: the result and the Message-IDs received."""
    with SmtpServer() as server:
        policy = SmtpPolicy(retries=0, sleep=lambda _: None)
        result = run(gs, SmtpTransport(server.url(), None, policy=policy), batches_of_two())
        return result, [m["Message-ID"] for m in server.messages]


def logged(emulator: SheetsEmulator, sheet: str) -> list[str]:
    header, *rows = emulator.values(sheet, "Log")
    at = header.index("Message-ID")
    return [row[at] for row in rows if len(row) > at and row[at]]


def test_status_columns_go_while_the_emails_do_and_the_sheet_ends_the_same(emulator):
    """Early (from one row) and not (never): the same cells in every tab but the Log, the
    same emails; the early bodies went out before the delivery's last Log append, and
    the status write's own re-read followed them."""
    plain, sooner = (emulator.create_spreadsheet("Tracker", tracker_grids()) for _ in "ab")
    send(early(emulator, plain, rows=10**9))
    seen: list[str] = []
    emulator.before_request(seen.append)
    try:
        result, received = send(early(emulator, sooner))
    finally:
        emulator.hooks.before.remove(seen.append)
    assert result.emails == EXPECTED and len(received) == EXPECTED  # type: ignore[attr-defined]
    assert result.api_calls == len(seen)  # type: ignore[attr-defined]  # every thread's counted
    for tab in TABS:
        assert emulator.values(sooner, tab) == emulator.values(plain, tab), tab
    last_append = len(seen) - 1 - seen[::-1].index("values.append")
    assert "values.batchUpdate" in seen[:last_append]
    assert seen.count("values.batchGet") == 3  # the read, the early re-read, the status write's


def test_a_refused_early_body_never_leaves_a_sent_email_unlogged(emulator, caplog):
    """The first status body is refused while the emails go: every email still goes and is
    logged, the status write then writes what the early one left undone (its error told
    in the log), and the sheet ends as without the early write."""
    sheet = emulator.create_spreadsheet("Tracker", tracker_grids())
    reference = emulator.create_spreadsheet("Tracker", tracker_grids())
    send(early(emulator, reference, rows=10**9))
    emulator.fail_calls({1: Fault(400)}, kind="values.batchUpdate")
    try:
        result, received = send(early(emulator, sheet))
    finally:
        emulator.fail_calls({})
    assert emulator.faults.injected, "the early body was not refused"
    assert result.emails == len(received) == EXPECTED  # type: ignore[attr-defined]
    assert sorted(logged(emulator, sheet)) == sorted(received)
    assert "writing the status columns early failed" in caplog.text
    for tab in TABS:
        assert emulator.values(sheet, tab) == emulator.values(reference, tab), tab
    again, sent_again = send(early(emulator, sheet))
    assert sent_again == [] and again.already_sent == EXPECTED  # type: ignore[attr-defined]


def test_a_sort_while_the_emails_go_is_put_right_by_the_status_write(emulator):
    """A person sorts Milestones as the first batch's Log rows go, after the early write
    read where the rows were: every row ends with its own status columns, as when the
    sort came before the run."""
    sorted_first = emulator.create_spreadsheet("Tracker", tracker_grids())
    emulator.edit(sorted_first, "Milestones").sort("Milestone", descending=True)
    send(early(emulator, sorted_first, rows=10**9))
    sheet = emulator.create_spreadsheet("Tracker", tracker_grids())
    emulator.on_call(
        "values.append",
        emulator.calls["values.append"] + 1,
        lambda: emulator.edit(sheet, "Milestones").sort("Milestone", descending=True),
    )
    result, _ = send(early(emulator, sheet))
    assert result.emails == EXPECTED  # type: ignore[attr-defined]
    assert emulator.values(sheet, "Milestones") == emulator.values(sorted_first, "Milestones")


def test_a_request_marked_ahead_takes_the_wire_before_those_waiting_longer():
    """Three threads: one holds the wire, one waits unmarked, then one marked ahead: once
    the wire is free the marked one goes first, then the other; a holder may take it again
    inside its own hold (a recheck inside a retry)."""
    wire, order = Wire(), []
    holding, release = threading.Event(), threading.Event()

    def holder() -> None:
        with wire.hold(), wire.hold():  # the same thread again: no wait
            holding.set()
            release.wait(5)
        order.append("holder")

    def waiter(name: str, ahead: bool) -> threading.Thread:
        def take() -> None:
            with wire.hold(ahead):
                order.append(name)

        thread = threading.Thread(target=take)
        thread.start()
        return thread

    first = threading.Thread(target=holder)
    first.start()
    assert holding.wait(5)
    behind = waiter("aside body", ahead=False)
    time.sleep(0.2)  # it waits for the wire
    urgent = waiter("Log append", ahead=True)
    time.sleep(0.2)
    release.set()
    for thread in (first, behind, urgent):
        thread.join(5)
    assert order.index("Log append") < order.index("aside body")


def test_a_transport_giving_up_while_the_status_columns_go_still_logs_what_it_took(emulator):
    """The mail server hangs up after three messages while the early write is under way:
    the run raises, exactly those three are logged, and the tracker is free at once."""
    sheet = emulator.create_spreadsheet("Tracker", tracker_grids())
    with SmtpServer(faults=ServerFaults(drop_after=3)) as server:
        policy = SmtpPolicy(retries=0, sleep=lambda _: None)
        transport = SmtpTransport(server.url(), None, policy=policy)
        with pytest.raises(DeliveryError, match=f"3 of {EXPECTED} emails delivered"):
            run(early(emulator, sheet), transport, batches_of_two())
        accepted = sorted(m["Message-ID"] for m in server.messages)
    assert sorted(logged(emulator, sheet)) == accepted and len(accepted) == 3
    again, received = send(early(emulator, sheet))
    assert len(received) == EXPECTED - 3 and again.already_sent == 3  # type: ignore[attr-defined]


def test_a_daily_run_never_writes_early(emulator):
    """The day after a first run every row has its Status: even from one row the early write
    stays out, and the run makes the calls it makes at any size (one read, one re-read)."""
    sheet = emulator.create_spreadsheet("Tracker", tracker_grids())
    send(early(emulator, sheet))
    emulator.reset_counts()
    gs = early(emulator, sheet)
    with SmtpServer() as server:
        policy = SmtpPolicy(retries=0, sleep=lambda _: None)
        run(gs, SmtpTransport(server.url(), None, policy=policy), options(TODAY + ONE_DAY))
    assert emulator.calls["values.batchGet"] == 2
