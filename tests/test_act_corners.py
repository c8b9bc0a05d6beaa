"""Mark done from the email (issue 14): the corners, on both backends.

A person's edit landing between the Confirm's read and its write (the "row changed" page),
a repeating milestone whose Saturday due date Weekend deadlines moved to the Friday before
(its link, its roll and its Resolved note), and bad tokens that must cost no Sheets read.
Real workbooks, the Sheets API emulator and a loopback SMTP server; no mocks.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from editable import Desk, Tracker, as_date
from sheetsync.act.service import answer
from sheetsync.backends.base import Backend
from sheetsync.backends.xlsx import XlsxBackend
from sheetsync.links import DONE, Link, expiry, parse_keys, sign
from sheetsync.model import TabWrite, WriteReport
from sheetsync.schema import LOG_COLUMNS
from sheetsync.testing.smtpd import ReceivedMessage, SmtpServer

KEYS = tuple(parse_keys("act-corners-key-0123456789abcdef"))
URL = "https://act.example.com"
DAY = dt.date(2026, 12, 1)  # a Tuesday
SATURDAY = dt.date(2026, 11, 28)  # counts as due on Friday 27 Nov
DAN, LEGAL, JANE = "dan@example.com", "legal@example.com", "jane@example.com"
HEADER = ["Milestone ID", "Contract ID", "Milestone", "Type", "Due Date", "Owner"]
HEADER += ["Escalate To", "Repeat", "Done"]


def noon(day: dt.date) -> dt.datetime:
    """Noon UTC on ``day``."""
    return dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.UTC)


def tracker(kind: str, folder: Path, emulator, *, weekend: str = "as written") -> Tracker:
    """One weekly report due Saturday 28 Nov, escalated to legal@ once it is a day late."""
    grids = {
        "Contracts": [["Contract ID", "Contract", "Owner"], ["C-1", "Globex supply", JANE]],
        "Milestones": [
            HEADER,
            ["M-1", "C-1", "Weekly report", "report", SATURDAY, DAN, LEGAL, "weekly", None],
        ],
        "Settings": [
            ["Setting", "Value"],
            ["Sender", "Contracts Desk <contracts@example.com>"],
            ["Weekend deadlines", weekend],
            ["Escalate after", "1"],
        ],
        "Log": [list(LOG_COLUMNS)],
    }
    return Tracker(kind, grids, folder, emulator)


@pytest.fixture(scope="module")
def server() -> Iterator[SmtpServer]:
    """One loopback SMTP server; each run reads only the messages it delivered."""
    with SmtpServer() as smtp:
        yield smtp


def send(desk: Tracker, server: SmtpServer, day: dt.date) -> list[ReceivedMessage]:
    """A run as of ``day`` at noon UTC with Mark-done links; the messages it delivered."""
    return Desk(desk, server, action_url=URL, link_keys=KEYS).run(day)


def mark_done_token(message: ReceivedMessage) -> str:
    """The token of the first Mark done link in a delivered message's text part."""
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    found = re.search(r"Mark done: <[^>]*\?t=([^>]+)>", text)
    assert found, text
    return found.group(1)


def to(messages: list[ReceivedMessage], address: str, words: str) -> list[ReceivedMessage]:
    """The messages to ``address`` whose subject holds ``words``."""
    return [m for m in messages if m["To"] == address and words in str(m["Subject"])]


@pytest.mark.parametrize("how", ["link", "tick"])
def test_a_weekend_moved_occurrence_done_tells_its_escalation_recipients(
    kind, tmp_path, emulator, server, how
):
    """Due Sat, counted Fri: done by link (or by a tick), it rolls on and legal@ gets Resolved."""
    desk = tracker(kind, tmp_path, emulator, weekend="previous business day")
    (escalation,) = to(send(desk, server, DAY), LEGAL, "escalated to you")
    assert "Fri 27 Nov" in escalation.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    if how == "link":
        token = mark_done_token(escalation)
        shown = answer(desk.backend(), "GET", token, KEYS, lambda: noon(DAY))
        assert (shown.status, shown.heading) == (200, "Mark this milestone done?")
        done = answer(desk.backend(), "POST", token, KEYS, lambda: noon(DAY))
        assert (done.status, done.heading) == (200, "Marked done")
    else:
        desk.type("Milestones", "M-1", "Done", "yes")
    following = send(desk, server, DAY + dt.timedelta(days=1))
    (note,) = to(following, LEGAL, "(was escalated to you)")
    assert "Weekly report" in note.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    row = desk.rows("Milestones")["M-1"]
    assert as_date(row["Due Date"]) == SATURDAY + dt.timedelta(days=7)
    assert row["Done"] in (None, "", False)
    assert not to(send(desk, server, DAY + dt.timedelta(days=2)), LEGAL, "escalated")


class _EditedBeforeWrite(XlsxBackend):
    """The workbook backend, with a person moving the Due Date just before the write lands."""

    def __init__(self, desk: Tracker) -> None:
        super().__init__(desk.path)
        self.desk = desk

    def write_status(self, writes: list[TabWrite], log_prune=None, dashboard=None) -> WriteReport:
        self.desk.type("Milestones", "M-1", "Due Date", dt.date(2026, 12, 18))
        return super().write_status(writes, log_prune, dashboard)


def confirming_backend(desk: Tracker) -> Backend:
    """The backend a Confirm uses, with a person's edit arriving between its read and write."""
    if desk.kind == "xlsx":
        return _EditedBeforeWrite(desk)

    def edit() -> None:
        desk.type("Milestones", "M-1", "Due Date", "2026-12-18")

    desk.emulator.reset_counts()
    desk.emulator.on_call("values.batchGet", 2, edit)  # the write's own re-read of the rows
    return desk.backend()


def test_an_edit_between_the_confirms_read_and_write_gets_the_row_changed_page(
    kind, tmp_path, emulator
):
    """The person's edit wins: a 409 "The row changed" page, no Done, no Log row, date kept."""
    desk = tracker(kind, tmp_path, emulator)
    token = sign(Link(desk.backend().identity, DONE, "M-1", SATURDAY, DAN, expiry(DAY)), KEYS)
    page = answer(confirming_backend(desk), "POST", token, KEYS, lambda: noon(DAY))
    assert (page.status, page.heading) == (409, "The row changed")
    assert "did not write over it" in page.html() and "Nothing was changed." in page.html()
    row = desk.rows("Milestones")["M-1"]
    assert row["Done"] in (None, "", False) and not row.get("Completed On")
    assert as_date(row["Due Date"]) == dt.date(2026, 12, 18)
    assert not [r for r in desk.log() if r["Kind"] == "marked"]


def bad_tokens(identity: str) -> dict[str, str]:
    """A tampered, an unknown-key, a long-expired and a foreign-tracker Mark-done token."""
    good = Link(identity, DONE, "M-1", SATURDAY, DAN, expiry(DAY))
    token = sign(good, KEYS)
    return {
        "tampered": token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB"),
        "unknown key": sign(good, [b"somebody-elses-key-0123456789"]),
        "expired": sign(Link(identity, DONE, "M-1", SATURDAY, DAN, DAY - dt.timedelta(2)), KEYS),
        "foreign": sign(Link("1AnotherSheet000", DONE, "M-1", SATURDAY, DAN, expiry(DAY)), KEYS),
    }


@pytest.mark.parametrize("which", ["tampered", "unknown key", "expired", "foreign"])
def test_a_bad_mark_done_token_costs_no_sheets_call(tmp_path, emulator, which):
    """Refused before reading: a 403 page, and the Sheets API saw no call at all."""
    desk = tracker("google", tmp_path, emulator)
    backend = desk.backend()
    emulator.reset_counts()
    for method in ("GET", "POST"):
        page = answer(backend, method, bad_tokens(backend.identity)[which], KEYS, lambda: noon(DAY))
        assert page.status == 403 and "Nothing was changed." in page.html()
    assert sum(emulator.calls.values()) == 0, dict(emulator.calls)
    good = sign(Link(backend.identity, DONE, "M-1", SATURDAY, DAN, expiry(DAY)), KEYS)
    assert answer(backend, "GET", good, KEYS, lambda: noon(DAY)).status == 200
    assert emulator.calls["values.batchGet"] >= 1  # the control: a good link does read
