"""Resolved notes (issue 14, part 3): an escalated milestone is done; its contacts hear it once.

Each case runs the real pipeline on both backends (a workbook and the emulator-backed
Google sheet, edited between runs as a person would) and sends to a real SMTP server on
loopback, so who gets a Resolved note, and who does not, is what reached the server.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

import editable
from editable import Tracker
from sheetsync.keys import resolved_key, resolved_parts
from sheetsync.plan.resolved import Closed, _done_rows
from sheetsync.record.notified import parse_last_notified
from sheetsync.record.resolved import resolved_through, with_resolved
from sheetsync.schema import LOG_COLUMNS
from sheetsync.testing.emulator import SheetsEmulator, gspread_client
from sheetsync.testing.smtpd import ReceivedMessage, SmtpServer
from test_spam_score import fired_rules, spamassassin

DAY = dt.date(2026, 12, 1)
LEGAL, OPS, GC, DAN, JANE = (
    "legal@example.com",
    "ops@example.com",
    "gc@example.com",
    "dan@example.com",
    "jane@example.com",
)
HEADER = [
    "Milestone ID",
    "Contract ID",
    "Milestone",
    "Type",
    "Due Date",
    "Owner",
    "Escalate To",
    "Repeat",
    "Done",
]


@pytest.fixture(scope="module")
def server() -> Iterator[SmtpServer]:
    """One loopback SMTP server for the module; each desk reads only its own new messages."""
    with SmtpServer() as smtp:
        yield smtp


def ago(n: int) -> dt.date:
    """The day ``n`` days before DAY."""
    return DAY - dt.timedelta(days=n)


class Desk(editable.Desk):
    """A tracker on one backend whose runs email the loopback server."""

    def tick(self, ident: str) -> None:
        """A person ticks Done on row ``ident``."""
        self.tracker.type("Milestones", ident, "Done", "yes")

    def delete_log_tab(self) -> None:
        """A person deletes the whole Log tab."""
        if self.tracker.kind == "xlsx":
            book = openpyxl.load_workbook(self.tracker.path)
            book.remove(book["Log"])
            book.save(self.tracker.path)
            return
        emulator: SheetsEmulator = self.tracker.emulator
        book = gspread_client(emulator.host).open_by_key(self.tracker.sheet)
        book.del_worksheet(book.worksheet("Log"))


def resolved(messages: list[ReceivedMessage]) -> dict[str, ReceivedMessage]:
    """The Resolved notes among ``messages``, by their To address(es)."""
    return {
        str(m["To"]): m
        for m in messages
        if "(was escalated to you)" in str(m["Subject"])
        or "escalated now done" in str(m["Subject"])
    }


RESOLVABLE = ["M-1", "C-1", "Pay the deposit", "payment", ago(4), DAN, LEGAL, None, None]


def make(kind: str, tmp_path: Path, emulator: SheetsEmulator, server: SmtpServer, rows) -> Desk:
    """A tracker with one contract, C-1 owned by jane@, and ``rows`` as its milestones."""
    grids = {
        "Contracts": [["Contract ID", "Contract", "Owner"], ["C-1", "Globex supply", JANE]],
        "Milestones": [HEADER, *rows],
        "Settings": [
            ["Setting", "Value"],
            ["Sender", "Contracts Desk <contracts@example.com>"],
            ["Default escalation", GC],
        ],
        "Log": [list(LOG_COLUMNS)],
    }
    return Desk(Tracker(kind, grids, tmp_path, emulator), server)


def test_done_after_escalation_tells_exactly_those_who_got_it_once(
    kind, tmp_path, emulator, server
):
    """Escalated to legal@ then gc@, then ticked Done: each gets one Resolved, nobody else."""
    desk = make(
        kind,
        tmp_path,
        emulator,
        server,
        [
            ["M-1", "C-1", "Pay the deposit", "payment", ago(4), DAN, LEGAL, None, None],
            ["M-2", "C-1", "Send the audit", "report", ago(5), DAN, OPS, None, None],
            ["M-3", "C-1", "File the form", "other", ago(-6), DAN, LEGAL, None, None],
        ],
    )
    desk.run(DAY)  # M-1 and M-2 escalated to level 1
    desk.run(DAY + dt.timedelta(days=7))  # both reach level 2 (gc@); M-3 is only overdue
    desk.tick("M-1")
    desk.tick("M-3")
    notes = resolved(desk.run(DAY + dt.timedelta(days=8)))
    assert sorted(notes) == [GC, LEGAL]
    for to, message in notes.items():
        assert message.envelope_to == [to]
        body = message.get_body(("plain",)).get_content()
        assert "Pay the deposit" in body and "Send the audit" not in body
        assert "File the form" not in body
    assert desk.result.to_json()["sent"]["resolved"] == 2
    keys = {r["Key"] for r in desk.tracker.log() if r["Kind"] == "resolved"}
    assert keys == {resolved_key("M-1", ago(4))}
    assert resolved(desk.run(DAY + dt.timedelta(days=9))) == {}
    desk.delete_log_tab()
    assert resolved(desk.run(DAY + dt.timedelta(days=10))) == {}


def test_a_repeating_milestone_rolled_on_still_gets_its_resolved_once(
    kind, tmp_path, emulator, server
):
    """A monthly row escalated then Done rolls forward; legal@ hears the old date is done, once."""
    desk = make(
        kind,
        tmp_path,
        emulator,
        server,
        [["M-1", "C-1", "Monthly report", "report", ago(4), DAN, LEGAL, "monthly", None]],
    )
    first = desk.run(DAY)
    assert [m["To"] for m in first if "escalated to you" in str(m["Subject"])] == [LEGAL]
    desk.tick("M-1")
    notes = resolved(desk.run(DAY + dt.timedelta(days=1)))
    assert list(notes) == [LEGAL]
    body = notes[LEGAL].get_body(("plain",)).get_content()
    assert "Monthly report" in body and "next due" in body
    row = desk.tracker.rows("Milestones")["M-1"]
    assert f"resolved {ago(4).isoformat()}" in str(row["Last Notified"])
    desk.tracker.clear("Log")
    assert resolved(desk.run(DAY + dt.timedelta(days=2))) == {}
    desk.delete_log_tab()
    assert resolved(desk.run(DAY + dt.timedelta(days=3))) == {}


def test_after_the_log_is_deleted_the_row_names_who_to_tell(kind, tmp_path, emulator, server):
    """The Log tab deleted after the escalation: Last Notified still leads the note to legal@."""
    desk = make(
        kind,
        tmp_path,
        emulator,
        server,
        [["M-1", "C-1", "Pay the deposit", "payment", ago(4), DAN, LEGAL, None, None]],
    )
    desk.run(DAY)
    desk.delete_log_tab()
    desk.tick("M-1")
    notes = resolved(desk.run(DAY + dt.timedelta(days=1)))
    assert list(notes) == [LEGAL]
    assert resolved(desk.run(DAY + dt.timedelta(days=2))) == {}


def test_done_without_any_escalation_sends_no_resolved(kind, tmp_path, emulator, server):
    """A milestone only reminded and overdue, then Done: nobody gets a Resolved note."""
    desk = make(
        kind,
        tmp_path,
        emulator,
        server,
        [["M-1", "C-1", "File the form", "other", ago(1), DAN, LEGAL, None, None]],
    )
    assert desk.run(DAY)
    desk.tick("M-1")
    assert desk.run(DAY + dt.timedelta(days=1)) == [] or resolved(desk.server.messages) == {}
    assert desk.result.to_json()["sent"]["resolved"] == 0


def test_a_resolved_note_scores_no_spam_points(tmp_path, emulator):
    """The Resolved email a real run writes fires no SpamAssassin rule that scores points."""
    binary = spamassassin()
    tracker = make("xlsx", tmp_path, emulator, None, [RESOLVABLE]).tracker  # type: ignore[arg-type]
    tracker.run(DAY)
    tracker.type("Milestones", "M-1", "Done", "yes")
    tracker.run(DAY + dt.timedelta(days=1))
    notes = sorted((tmp_path / "outbox").glob("resolved.*.eml"))
    assert len(notes) == 1
    (rules,) = fired_rules(binary, notes, tmp_path)
    assert any(rule == "HTML_MESSAGE" for rule, _ in rules), "the report table was read"
    assert not [r for r in rules if r[1] > 0], rules


def test_the_resolved_mark_survives_a_rewritten_cell_and_never_moves_back():
    """``resolved`` in Last Notified is read back, replaced by a later day, kept after text."""
    cell = "2026-12-05: escalation L2 · due 2026-11-27"
    marked = with_resolved(cell, dt.date(2026, 11, 27))
    assert marked == f"{cell} · resolved 2026-11-27"
    assert resolved_through(marked) == dt.date(2026, 11, 27)
    again = with_resolved(marked + " · series from 2026-01-27", dt.date(2026, 12, 27))
    assert again.count("resolved") == 1 and resolved_through(again) == dt.date(2026, 12, 27)
    assert parse_last_notified(again) is not None and parse_last_notified(again).level == 2
    assert resolved_through("resolved 2026-02-31") is None and resolved_through(None) is None


def test_resolved_keys_are_taken_apart_from_the_right():
    """A Milestone ID holding colons still gives back its ID and due date."""
    key = resolved_key("C-1:notice", dt.date(2027, 4, 1))
    assert key == "resolved:C-1:notice:2027-04-01"
    assert resolved_parts(key) == ("C-1:notice", dt.date(2027, 4, 1))
    assert resolved_parts("escalation:M-1:2027-04-01:1") is None


def test_a_row_the_last_run_already_showed_done_gets_no_note(kind, tmp_path, emulator, server):
    """Done before the last run (its Status says Done already): no Resolved, as after an upgrade."""
    desk = make(kind, tmp_path, emulator, server, [RESOLVABLE])
    desk.run(DAY)
    desk.tick("M-1")
    desk.tracker.type("Milestones", "M-1", "Status", "Done")  # as a run before this one wrote
    assert resolved(desk.run(DAY + dt.timedelta(days=1))) == {}
    assert desk.result.to_json()["sent"]["resolved"] == 0


def test_done_rows_are_the_escalated_rows_done_now_and_not_shown_done_before() -> None:
    """Escalated, Done and dated; the Status the last run wrote not Done (any case and
    spacing, blanks not Done), or the note failed: a closed occurrence."""
    before = [" done ", "Overdue", None, np.nan, "", "DONE", "Done", ""]
    frame = pd.DataFrame(
        {
            "id": [f"M-{i}" for i in range(8)],
            "sent_level": [1, 2, 1, 3, 0, 1, 2, 1],
            "status": ["Done", "Done", "Done", "Done", "Done", "Done", "Done", "Overdue"],
            "due": pd.to_datetime(["2026-11-01"] * 6 + [None, "2026-11-01"]),
            "status_before": pd.Series(before, dtype=object),
        }
    )
    day = dt.date(2026, 11, 1)
    assert _done_rows(frame, set()) == [Closed(1, day, 2), Closed(2, day, 1), Closed(3, day, 3)]
    retried = _done_rows(frame, {("M-5", day)})
    assert retried == [Closed(1, day, 2), Closed(2, day, 1), Closed(3, day, 3), Closed(5, day, 1)]
    assert _done_rows(frame.drop(columns="status_before"), set())[-1] == Closed(5, day, 1)
    assert _done_rows(frame.iloc[:0], set()) == []
