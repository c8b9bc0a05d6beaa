"""Waits on Google overlapped with the run's own work (``overlap``), on the emulator and a
real SMTP server: the same calls in the same order, nothing sent past a failed write, and
the Log rows of what was accepted still written when the transport gives up."""

from __future__ import annotations

import dataclasses
import threading
import time

import pytest

from conftest import TODAY, tracker_grids
from gsheets_fixtures import backend, options
from sheetsync.errors import BackendError, DeliveryError
from sheetsync.overlap import InFlight
from sheetsync.pipeline import RunOptions, run
from sheetsync.testing.emulator import Fault, SheetsEmulator
from sheetsync.testing.smtpd import ServerFaults, SmtpServer
from sheetsync.transports.smtp import SmtpPolicy, SmtpTransport

EXPECTED = 5
"""Messages the default tracker sends on TODAY, in batches of two: 2, 2 and 1."""


def batches_of_two() -> RunOptions:
    """Run options for TODAY that deliver two messages a batch."""
    return dataclasses.replace(options(TODAY), batch_size=2)


def transport(server: SmtpServer) -> SmtpTransport:
    """A transport for ``server`` that gives up at the first dropped connection."""
    return SmtpTransport(server.url(), None, policy=SmtpPolicy(retries=0, sleep=lambda _: None))


def log_rows(emulator: SheetsEmulator, sheet: str) -> list[dict[str, object]]:
    """The Log tab as dicts, by header."""
    header, *rows = emulator.values(sheet, "Log")
    return [dict(zip(header, row, strict=False)) for row in rows]


def test_a_failed_log_append_stops_the_next_batch_from_being_sent(emulator):
    """The first batch's Log append is refused: its two messages went, no later one does."""
    sheet = emulator.create_spreadsheet("Tracker", tracker_grids())
    emulator.fail_calls({1: Fault(400)}, kind="values.append")
    try:
        with SmtpServer() as server:
            with pytest.raises(BackendError):
                run(backend(emulator, sheet), transport(server), batches_of_two())
            received = list(server.messages)
    finally:
        emulator.fail_calls({})
    assert len(received) == 2
    assert not [r for r in log_rows(emulator, sheet) if r.get("Message-ID")]


@pytest.mark.parametrize("k", [1, 3])
def test_a_transport_giving_up_midway_still_logs_what_it_accepted(emulator, k):
    """A hang-up after k messages: the run raises, and exactly those k are in the Log."""
    sheet = emulator.create_spreadsheet("Tracker", tracker_grids())
    with SmtpServer(faults=ServerFaults(drop_after=k)) as server:
        with pytest.raises(DeliveryError, match=f"{k} of {EXPECTED} emails delivered"):
            run(backend(emulator, sheet), transport(server), batches_of_two())
        accepted = {m["Message-ID"] for m in server.messages}
    logged = {r["Message-ID"] for r in log_rows(emulator, sheet) if r.get("Result") == "sent"}
    assert logged == accepted and len(logged) == k


def test_the_emulator_sees_the_same_calls_in_the_same_order(emulator):
    """Three Log appends and bodies split small (1,000 bytes): the calls in the order they
    went one after another, the last write's cells between its structure and release."""
    sheet = emulator.create_spreadsheet("Tracker", tracker_grids())
    seen: list[str] = []
    emulator.before_request(seen.append)
    gs = backend(emulator, sheet, max_request_bytes=1_000)
    with SmtpServer() as server:
        result = run(gs, transport(server), batches_of_two())
    emulator.hooks.before.remove(seen.append)
    assert result.emails == EXPECTED
    assert seen == [
        "spreadsheets.batchUpdate",  # the lease taken
        "values.batchGet",
        *["values.append"] * 3,  # a batch's Log rows each
        "values.batchGet",  # the re-read
        *["values.batchUpdate"] * 3,  # the cells of columns that exist
        "spreadsheets.batchUpdate",  # the structure (new columns, the Dashboard) and renewal
        *["values.batchUpdate"] * 4,  # the cells that needed it
        "spreadsheets.batchUpdate",  # the release
    ]


def test_in_flight_calls_run_one_at_a_time_in_order():
    """Each call starts only once the one before it has finished, in the order sent."""
    events: list[str] = []

    def call(n: int) -> None:
        events.append(f"start {n}")
        time.sleep(0.01)
        events.append(f"end {n}")

    with InFlight() as calls:
        for n in range(4):
            calls.send(lambda n=n: call(n))
    assert events == [f"{what} {n}" for n in range(4) for what in ("start", "end")]


def test_a_failed_call_stops_the_next_one():
    """The second call raises: the third is never started, and the error reaches the caller."""
    started: list[int] = []

    def call(n: int) -> None:
        started.append(n)
        if n == 1:
            raise BackendError("refused")

    with pytest.raises(BackendError, match="refused"), InFlight() as calls:
        for n in range(3):
            calls.send(lambda n=n: call(n))
    assert started == [0, 1]


def test_leaving_waits_for_the_last_call_and_its_error_comes_first():
    """The caller fails while a call is in flight: the call still finishes, and its own
    error, which came first, is the one raised."""
    finished = threading.Event()

    def failing() -> None:
        time.sleep(0.02)
        finished.set()
        raise BackendError("the call failed")

    with pytest.raises(BackendError, match="the call failed"), InFlight() as calls:
        calls.send(failing)
        raise ValueError("the caller failed")
    assert finished.is_set()


def test_calls_run_off_the_callers_thread_while_it_works():
    """A call is carried out on another thread, so the caller goes on meanwhile."""
    threads: list[int] = []
    with InFlight() as calls:
        calls.send(lambda: threads.append(threading.get_ident()))
        assert calls.wait() is None
    assert threads and threads[0] != threading.get_ident()


def test_a_write_sent_later_returns_at_once_and_the_next_call_waits_for_it(emulator):
    """``SheetsApi.later``: the caller goes on while the write is carried out; its next
    call reaches the emulator only after that write."""
    sheet = emulator.create_spreadsheet("Tracker", tracker_grids())
    api = backend(emulator, sheet).api
    seen: list[str] = []
    emulator.before_request(seen.append)
    go = threading.Event()
    emulator.on_call("values.batchUpdate", 1, lambda: go.wait(5))
    cell = {"range": "'Contracts'!Z1", "majorDimension": "ROWS", "values": [["x"]]}
    api.later(lambda: api.values_update([cell]))
    # Still held back by the hook, so not carried out: ``later`` did not wait for it.
    # (Whether the request has reached the emulator yet is the threads' race.)
    assert emulator.values(sheet, "Contracts")[0][25:] != ["x"]
    go.set()
    api.batch_get(["'Contracts'!Z1"], "ROWS")
    api.close()
    emulator.hooks.before.remove(seen.append)
    assert seen == ["values.batchUpdate", "values.batchGet"]
    assert emulator.values(sheet, "Contracts")[0][25] == "x"


def test_a_refused_write_sent_later_is_raised_by_the_next_call_which_is_not_sent(emulator):
    sheet = emulator.create_spreadsheet("Tracker", tracker_grids())
    api = backend(emulator, sheet).api
    seen: list[str] = []
    emulator.before_request(seen.append)
    emulator.fail_calls({1: Fault(400)}, kind="values.batchUpdate")
    cell = {"range": "'Contracts'!Z1", "majorDimension": "ROWS", "values": [["x"]]}
    try:
        api.later(lambda: api.values_update([cell]))
        with pytest.raises(BackendError):
            api.batch_get(["'Contracts'!Z1"], "ROWS")
    finally:
        emulator.fail_calls({})
        emulator.hooks.before.remove(seen.append)
    assert seen == ["values.batchUpdate"]
    api.batch_get(["'Contracts'!Z1"], "ROWS")  # the error was raised once, not kept
    api.close()


def test_a_refused_last_status_body_stops_the_last_write_and_frees_the_tracker(emulator):
    """The status write's last body (in flight while the run plans its new rows) is
    refused: the run raises, nothing more is written, the lease is released."""
    sheet = emulator.create_spreadsheet("Tracker", tracker_grids())
    seen: list[str] = []
    emulator.before_request(seen.append)
    emulator.fail_calls({3: Fault(400)}, kind="values.batchUpdate")
    try:
        with SmtpServer() as server, pytest.raises(BackendError):
            run(
                backend(emulator, sheet, max_request_bytes=1_000),
                transport(server),
                batches_of_two(),
            )
    finally:
        emulator.fail_calls({})
        emulator.hooks.before.remove(seen.append)
    assert seen[-5:] == [
        "values.batchGet",  # the re-read
        *["values.batchUpdate"] * 3,  # the third refused
        "spreadsheets.batchUpdate",  # the release alone: no structure, no cells after it
    ]
    with SmtpServer() as server:  # free at once: no lease left to wait out
        again = run(backend(emulator, sheet), transport(server), batches_of_two())
    assert again.emails == 0 and again.already_sent == EXPECTED
