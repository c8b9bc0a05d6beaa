"""Deadlines in calendars (issue 14, part 4): the digest's .ics, ``sheetsync calendar``.

Runs go through the real pipeline on both backends (a workbook, and a Google sheet on
the emulator through gspread) and reach a real SMTP server on loopback; the .ics is
taken out of the received message and parsed with icalendar, as a calendar would.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import icalendar
import pytest

from conftest import TODAY, days, tracker_grids
from editable import Desk, Tracker
from sheetsync.compose.calendar import event_uid
from sheetsync.testing.emulator import SheetsEmulator
from sheetsync.testing.smtpd import ReceivedMessage, SmtpServer


@pytest.fixture(scope="module")
def server() -> Iterator[SmtpServer]:
    """One loopback SMTP server for the module; each test reads only its own new messages."""
    with SmtpServer() as smtp:
        yield smtp


def send(tracker: Tracker, server: SmtpServer, day: dt.date) -> list[ReceivedMessage]:
    """A real run as of ``day`` at noon UTC over SMTP; the messages the server received."""
    return Desk(tracker, server).run(day)


def calendars(message: EmailMessage) -> list[icalendar.Calendar]:
    """Every text/calendar attachment of ``message``, parsed."""
    return [
        icalendar.Calendar.from_ical(part.get_content())
        for part in message.iter_attachments()
        if part.get_content_type() == "text/calendar"
    ]


def events(calendar: icalendar.Calendar) -> dict[str, dict[str, object]]:
    """A calendar's events by UID: what a calendar app shows of each (DTSTAMP left out)."""
    return {
        str(e["UID"]): {
            "start": e.decoded("DTSTART"),
            "end": e.decoded("DTEND"),
            "summary": str(e["SUMMARY"]),
            "sequence": int(e["SEQUENCE"]),
            "url": str(e.get("URL", "")),
        }
        for e in calendar.walk("VEVENT")
    }


def digests(messages: list[ReceivedMessage]) -> list[ReceivedMessage]:
    """The reminder digests among ``messages`` (their Message-ID says the kind)."""
    return [m for m in messages if str(m["Message-ID"]).startswith("<digest.")]


def test_each_digest_carries_one_calendar_of_its_items(kind, tmp_path, emulator, server):
    """A digest's .ics has one all-day event per listed milestone, its Why line and row."""
    tracker = Tracker(kind, tracker_grids(), tmp_path, emulator)
    received = send(tracker, server, TODAY)
    mails = digests(received)
    assert len(mails) == 2  # jane@ (M-0001) and dan@ (M-0002)
    for message in mails:
        (calendar,) = calendars(message)
        assert str(calendar["METHOD"]) == "PUBLISH"
        body = message.get_body(("plain",)).get_content()
        for event in calendar.walk("VEVENT"):
            due = event.decoded("DTSTART")
            assert isinstance(due, dt.date) and not isinstance(due, dt.datetime)
            assert event.decoded("DTEND") == due + dt.timedelta(days=1)
            why = str(event["DESCRIPTION"]).splitlines()[0].removeprefix("Why: ")
            assert why in body.replace("\r\n  ", " ").replace("\r\n", "\n")
            assert str(event["UID"]).endswith(f"-{due.isoformat()}@sheetsync")
            row = str(event["DESCRIPTION"]).split("Milestones tab, row ")[1].split()[0]
            assert f"Milestones tab, row {row}" in body
            if kind == "google":
                assert "#gid=" in str(event["URL"]) and str(event["URL"]).endswith(f"range=A{row}")
            else:
                assert "URL" not in event
    titles = sorted(str(e["SUMMARY"]) for m in mails for e in calendars(m)[0].walk("VEVENT"))
    assert titles == ["Due: Quarterly payment", "Due: Renewal notice"]
    sizes = [len(m.as_bytes()) for m in received]
    assert max(sizes) < 60_000


def test_later_emails_and_exports_name_the_same_events_in_any_order(
    kind, tmp_path, emulator, server
):
    """Whatever runs came first, an occurrence keeps its UID; a later copy has a higher SEQUENCE."""
    tracker = Tracker(kind, tracker_grids(), tmp_path, emulator)
    first = calendars(digests(send(tracker, server, TODAY))[0])[0]
    later_day = TODAY + dt.timedelta(days=23)  # M-0001 reaches its 7-day reminder
    later = [calendars(m)[0] for m in digests(send(tracker, server, later_day))]
    earlier_events = events(first)
    later_events = {uid: e for c in later for uid, e in events(c).items()}
    shared = set(earlier_events) & set(later_events)
    assert shared
    for uid in shared:
        before, after = earlier_events[uid], later_events[uid]
        assert before["start"] == after["start"] and before["summary"] == after["summary"]
        assert int(after["sequence"]) > int(before["sequence"])  # type: ignore[call-overload]
    exported = cli_calendar(tracker, tmp_path, "--today", later_day.isoformat())
    for uid, event in later_events.items():
        assert exported[uid] == event


def cli_calendar(tracker: Tracker, tmp_path: Path, *args: str) -> dict[str, dict[str, object]]:
    """``sheetsync calendar`` run as a real subprocess; the events of the file it wrote."""
    out = tmp_path / "deadlines.ics"
    where = str(tracker.path) if tracker.kind == "xlsx" else tracker.sheet
    env = None
    if tracker.kind == "google":
        env = {**os.environ, "SHEETS_EMULATOR_HOST": tracker.emulator.host}
    done = subprocess.run(
        [sys.executable, "-m", "sheetsync", "calendar", where, "--out", str(out), *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "open deadline" in done.stdout
    return events(icalendar.Calendar.from_ical(out.read_bytes()))


def test_the_calendar_command_writes_open_deadlines_the_same_before_and_after_runs(
    tmp_path, emulator
):
    """``sheetsync calendar`` gives the same events before a run, after it, and per owner."""
    tracker = Tracker("xlsx", tracker_grids(), tmp_path, emulator)
    before = cli_calendar(tracker, tmp_path, "--today", TODAY.isoformat())
    tracker.run(TODAY)
    after = cli_calendar(tracker, tmp_path, "--today", TODAY.isoformat())
    assert before == after
    starts = sorted(e["start"] for e in after.values())
    assert starts == [days(-4), days(30), days(100)]  # done and cancelled rows left out
    jane = cli_calendar(
        tracker, tmp_path, "--today", TODAY.isoformat(), "--owner", "JANE@example.com"
    )
    assert sorted(e["summary"] for e in jane.values()) == ["Due: QBR", "Due: Renewal notice"]
    assert set(jane) < set(after)


def test_the_calendar_command_refuses_a_bad_owner_in_one_line(tmp_path, emulator):
    """``--owner`` that is not an address: exit status 2 and one line, no file."""
    tracker = Tracker("xlsx", tracker_grids(), tmp_path, emulator)
    out = tmp_path / "x.ics"
    command = [sys.executable, "-m", "sheetsync", "calendar", str(tracker.path)]
    done = subprocess.run(
        [*command, "--owner", "jane at", "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.strip() == "sheetsync: error: --owner 'jane at' is not one email address"
    assert not out.exists()


def test_a_google_tracker_exports_links_to_each_row(emulator: SheetsEmulator, tmp_path):
    """A Google sheet's events link to their row (``#gid=…&range=A{row}``)."""
    tracker = Tracker("google", tracker_grids(), tmp_path, emulator)
    exported = cli_calendar(tracker, tmp_path, "--today", TODAY.isoformat())
    urls = sorted(str(e["url"]).rsplit("range=", 1)[1] for e in exported.values())
    assert urls == ["A2", "A3", "A4"]


def test_an_occurrence_has_one_uid_safe_in_any_calendar():
    """The UID depends on tracker, milestone and due date only; odd IDs are percent-encoded."""
    day = dt.date(2027, 4, 1)
    uid = event_uid("sheet-1", "C-027/approval 1:ü", day)
    assert uid == event_uid("sheet-1", "C-027/approval 1:ü", day)
    assert uid.endswith("-C-027/approval%201%3A%C3%BC-2027-04-01@sheetsync") and uid.isascii()
    assert uid != event_uid("sheet-2", "C-027/approval 1:ü", day)
    assert uid != event_uid("sheet-1", "C-027/approval 1:ü", day + dt.timedelta(days=1))
