"""Preview pages: one HTML page per message plus an index, every header value escaped."""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage
from pathlib import Path

from sheetsync.cells.addresses import Address
from sheetsync.compose import Envelope, build_message, environment
from sheetsync.compose.preview import write_preview
from sheetsync.plan import Item, Notification
from sheetsync.schema import DIGEST, ESCALATION, REMINDER

TODAY = dt.date(2026, 11, 2)
NOW = dt.datetime(2026, 11, 2, 7, 30, tzinfo=dt.UTC)
JANE = Address("Jane Doe", "jane@example.com")
LEGAL = Address("Legal <Ops>", "legal@example.com")
ENVELOPE = Envelope(sender=Address("Tracker", "tracker@example.com"))


def make_item(title: str = "Pay deposit", kind: str = REMINDER, days_left: int = 7) -> Item:
    """A milestone inside an email."""
    due = TODAY + dt.timedelta(days=days_left)
    return Item(
        key=f"{kind}:M-0001:{due}:7",
        kind=kind,
        milestone_id="M-0001",
        contract_id="C-001",
        contract="Globex MSA",
        title=title,
        type="payment",
        due=due,
        days_left=days_left,
        stage=7,
        row=5,
        owners=(JANE,),
        rule="7-day reminder before the due date",
    )


def digest_message(title: str = "Pay deposit") -> EmailMessage:
    """A real reminder digest message to Jane."""
    note = Notification(DIGEST, (JANE,), (), [make_item(title)])
    return build_message(note, ENVELOPE, TODAY, NOW, environment())


def escalation_message() -> EmailMessage:
    """A real escalation message to Legal Ops, Jane copied."""
    note = Notification(ESCALATION, (LEGAL,), (JANE,), [make_item(kind=ESCALATION, days_left=-12)])
    return build_message(note, ENVELOPE, TODAY, NOW, environment())


def test_writes_an_index_and_one_page_per_message(tmp_path: Path):
    """The index and a page for each message are written; the index path is returned."""
    index = write_preview([digest_message(), escalation_message()], tmp_path / "out")
    assert index == tmp_path / "out" / "index.html"
    pages = sorted(p.name for p in index.parent.glob("*.html") if p != index)
    assert pages == ["001-digest.html", "002-escalation.html"]


def test_index_lists_subject_recipients_and_kind(tmp_path: Path):
    """Each index row links the page and shows its subject, To and kind."""
    message = escalation_message()
    index = write_preview([message], tmp_path).read_text(encoding="utf-8")
    assert 'href="001-escalation.html"' in index
    assert "Contract tracker: Pay deposit is 12 days overdue, escalated to you" in index
    assert "legal@example.com" in index
    assert ">escalation<" in index


def test_page_shows_the_headers_and_the_html_part(tmp_path: Path):
    """A page carries From, To, Subject and Message-ID above the email's own HTML."""
    message = digest_message()
    write_preview([message], tmp_path)
    page = (tmp_path / "001-digest.html").read_text(encoding="utf-8")
    for name in ("From", "To", "Subject", "Message-ID"):
        assert f">{name}</th>" in page
    assert "&lt;digest." in page
    assert page.index("Message-ID") < page.index("Pay deposit</p>")


def test_page_shows_cc_for_an_escalation(tmp_path: Path):
    """The copied owner appears in the page's Cc row."""
    write_preview([escalation_message()], tmp_path)
    page = (tmp_path / "001-escalation.html").read_text(encoding="utf-8")
    assert ">Cc</th><td" in page and "jane@example.com" in page


def test_header_values_are_escaped(tmp_path: Path):
    """Markup in a subject or display name shows as text on the page and in the index."""
    index = write_preview([digest_message("<img src=x onerror=alert(1)>")], tmp_path)
    write_preview([escalation_message()], tmp_path / "esc")
    page = (tmp_path / "001-digest.html").read_text(encoding="utf-8")
    for text in (page, index.read_text(encoding="utf-8")):
        assert "<img" not in text
        assert "&lt;img src=x onerror=alert(1)&gt;" in text
    escalation = (tmp_path / "esc" / "001-escalation.html").read_text(encoding="utf-8")
    assert "Legal &lt;Ops&gt;" in escalation and "<Ops>" not in escalation


def test_no_messages_gives_an_index_that_says_so(tmp_path: Path):
    """With nothing to send, the index says so."""
    index = write_preview([], tmp_path)
    assert "No messages would be sent." in index.read_text(encoding="utf-8")
