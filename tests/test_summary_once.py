"""A monthly summary goes once a month whatever a person does to the Log (issue 10, item 2).

Both real backends (a workbook through openpyxl, a Google Sheet in the emulator through
gspread) and a real SMTP server on loopback (aiosmtpd). The summary goes on 28 November
(Summary day 1: the first run of the month); then a person deletes the Log tab, or only
the summary's Log rows, or adds an owner to a contract. The Log no longer says the
summary went, but a row's Last Notified does, so the rest of the month sends no summary
again, an added owner gets theirs, and December's goes on 1 December.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest

from conftest import TODAY, tracker_grids
from editable import Tracker
from sheetsync.pipeline import RunOptions, run
from sheetsync.record.summarised import owner_code
from sheetsync.testing.emulator import SheetsEmulator, gspread_client
from sheetsync.testing.smtpd import SmtpServer
from sheetsync.transports.smtp import SmtpPolicy, SmtpTransport

DECEMBER = dt.date(2026, 12, 1)


class MailedTracker(Tracker):
    """The small tracker on one backend, its runs mailing a real SMTP server."""

    def __init__(self, kind: str, folder: Path, emulator: SheetsEmulator, server: SmtpServer):
        super().__init__(kind, tracker_grids(), folder, emulator)
        self.server = server

    def summaries(self, day: dt.date) -> list[str]:
        """Run as of ``day`` (noon UTC); who received a monthly summary, sorted."""
        before = len(self.server.messages)
        noon = dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.UTC)
        transport = SmtpTransport(self.server.url(), None, policy=SmtpPolicy(sleep=lambda _: None))
        run(self.backend(), transport, RunOptions(today=day, clock=lambda: noon))
        return sorted(
            to
            for m in self.server.messages[before:]
            if str(m["Subject"]).endswith(f"your {day:%B} summary")
            for to in m.envelope_to
        )

    def delete_log_rows(self, doomed: str) -> None:
        """A person deletes the Log rows whose Key starts with ``doomed`` (``""``: the tab)."""
        keys = [str(r[2]) if len(r) > 2 else "" for r in self.tabs()["Log"]]
        rows = [i + 1 for i, k in enumerate(keys) if i and doomed and k.startswith(doomed)]
        if self.kind == "xlsx":
            book = openpyxl.load_workbook(self.path)
            if not doomed:
                book.remove(book["Log"])
            for row in reversed(rows):
                book["Log"].delete_rows(row)
            book.save(self.path)
        elif not doomed:
            book = gspread_client(self.emulator.host).open_by_key(self.sheet)
            book.del_worksheet(book.worksheet("Log"))
        else:
            for row in reversed(rows):
                self.emulator.edit(self.sheet, "Log").delete_rows(row)


@pytest.fixture(scope="module")
def server() -> Iterator[SmtpServer]:
    """One aiosmtpd server on loopback for the module."""
    with SmtpServer() as smtp:
        yield smtp


@pytest.fixture
def tracker(kind: str, tmp_path: Path, emulator: SheetsEmulator, server: SmtpServer):
    """The small tracker (owners Jane and Bob) on ``kind``, mailing ``server``."""
    return MailedTracker(kind, tmp_path, emulator, server)


OWNERS = ["bob@example.com", "jane@example.com"]


@pytest.mark.parametrize("doomed", ["", "summary:"], ids=["Log tab", "summary rows"])
def test_a_summary_goes_once_a_month_whatever_happens_to_the_log(tracker, doomed):
    """Summary on 28 Nov; Log tab or its summary rows deleted: none on 29-30 Nov, one on 1 Dec."""
    assert tracker.summaries(TODAY) == OWNERS
    tracker.delete_log_rows(doomed)
    assert tracker.summaries(TODAY + dt.timedelta(days=1)) == []
    tracker.delete_log_rows(doomed)
    assert tracker.summaries(TODAY + dt.timedelta(days=2)) == []
    assert tracker.summaries(DECEMBER) == OWNERS


def test_an_owner_added_after_the_summary_gets_theirs_and_no_one_else_again(tracker):
    """Eve added to Bob's contract on 29 Nov gets November's summary; the Log tab then goes."""
    assert tracker.summaries(TODAY) == OWNERS
    tracker.type("Contracts", "C-002", "Owner", "bob@example.com; eve@example.com")
    assert tracker.summaries(TODAY + dt.timedelta(days=1)) == ["eve@example.com"]
    tracker.delete_log_rows("")
    assert tracker.summaries(TODAY + dt.timedelta(days=2)) == []
    assert tracker.summaries(DECEMBER) == ["bob@example.com", "eve@example.com", OWNERS[1]]


@pytest.mark.parametrize("kind", ["google"])
def test_a_summary_is_marked_on_a_row_the_write_finds_after_a_sort(tracker, emulator):
    """Bob's first row's ID is on two rows; rows sorted mid-run, Log gone: no second summary."""
    tracker.type("Milestones", "M-0005", "Milestone ID", "M-0002")
    editor = emulator.edit(tracker.sheet, "Milestones")
    after = emulator.calls["values.batchGet"] + 2  # the write's re-read of the rows
    emulator.on_call("values.batchGet", after, lambda: editor.sort("Due Date", descending=True))
    assert tracker.summaries(TODAY) == OWNERS
    header, *rows = tracker.tabs()["Milestones"]
    at, bob = header.index("Last Notified"), owner_code(OWNERS[0])
    assert [r[0] for r in rows if len(r) > at and bob in str(r[at])] == ["M-0004"]
    tracker.delete_log_rows("")
    assert tracker.summaries(TODAY + dt.timedelta(days=1)) == []
