"""Rendering notifications into email messages: parts, escaping, headers, what each email says."""

from __future__ import annotations

import datetime as dt
import email
import re
from email.message import EmailMessage
from email.policy import default
from html import escape

import jinja2
import pytest

from sheetsync.cells.addresses import Address
from sheetsync.compose import Envelope, build_message, context_for, environment
from sheetsync.plan import Item, Notification
from sheetsync.schema import DIGEST, ESCALATION, OVERDUE_NOTICE, REMINDER, SUMMARY

TODAY = dt.date(2026, 11, 2)
NOW = dt.datetime(2026, 11, 2, 7, 30, tzinfo=dt.UTC)
JANE = Address("Jane Doe", "jane@example.com")
LEGAL = Address("Legal Ops", "legal@example.com")
ENVELOPE = Envelope(sender=Address("Tracker", "tracker@example.com"))
SHEET = "https://docs.google.com/spreadsheets/d/abc/edit#gid=1&range=A"


def make_item(kind: str = REMINDER, days_left: int = 7, row: int = 5, **overrides: object) -> Item:
    """A milestone inside an email; ``overrides`` replace any field."""
    due = TODAY + dt.timedelta(days=days_left)
    fields: dict[str, object] = {
        "key": f"{kind}:M-{row:04d}:{due}:{abs(days_left)}",
        "kind": kind,
        "milestone_id": f"M-{row:04d}",
        "contract_id": "C-001",
        "contract": "Globex MSA",
        "title": f"Milestone on row {row}",
        "type": "payment",
        "due": due,
        "days_left": days_left,
        "stage": abs(days_left),
        "row": row,
        "owners": (JANE,),
        "rule": f"rule for row {row}",
        "link": None,
    }
    fields.update(overrides)
    return Item(**fields)  # type: ignore[arg-type]


def make_digest(*items: Item) -> Notification:
    """A reminder digest to Jane holding ``items`` (one upcoming item by default)."""
    return Notification(DIGEST, (JANE,), (), list(items or [make_item()]))


def make_escalation(*items: Item) -> Notification:
    """An escalation to Legal Ops with Jane, the owner, copied."""
    chosen = items or (make_item(ESCALATION, days_left=-12, stage=2),)
    return Notification(ESCALATION, (LEGAL,), (JANE,), list(chosen))


def summary_row(title: str, days_left: int, status: str = "Due soon") -> dict[str, object]:
    """One milestone line of a monthly summary."""
    return {
        "milestone_id": "M-0009",
        "contract_id": "C-001",
        "contract": "Globex MSA",
        "title": title,
        "type": "renewal",
        "due": TODAY + dt.timedelta(days=days_left),
        "days_left": days_left,
        "status": status,
        "row": 9,
        "link": None,
    }


def make_summary(**overrides: object) -> Notification:
    """A monthly summary for Jane with one row in every section."""
    percents = [25, 50, 100, 75, 0, 10]
    content: dict[str, object] = {
        "month": "November 2026",
        "owner": JANE.email,
        "overdue": [summary_row("Overdue report", -4, "Overdue")],
        "next_30": [summary_row("Pay deposit", 12)],
        "terms_90": [summary_row("Renewal window", 80, "Upcoming")],
        "completed": [summary_row("Audit done", -10, "Done")],
        "problems": [
            {"tab": "Milestones", "row": 27, "what": "M-0027 Pay", "problems": "bad date"}
        ],
        "chart": [
            {"label": f"{month} 2027", "count": p // 25, "percent": p}
            for month, p in zip(["Jan", "Feb", "Mar", "Apr", "May", "Jun"], percents, strict=True)
        ],
        "contracts": 3,
    }
    content.update(overrides)
    return Notification(SUMMARY, (JANE,), (), summary=content, summary_key="summary:jane:2026-11")


def build(note: Notification, envelope: Envelope = ENVELOPE) -> EmailMessage:
    """The real message for ``note``."""
    return build_message(note, envelope, TODAY, NOW, environment())


def bodies(note: Notification, envelope: Envelope = ENVELOPE) -> tuple[str, str]:
    """The text and HTML bodies of the real message for ``note``."""
    message = build(note, envelope)
    text, html = message.get_body(("plain",)), message.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


def test_message_is_multipart_alternative_with_text_and_html():
    """A message has a text/plain and a text/html alternative; a digest adds its calendar."""
    message = build(make_digest())
    assert message.get_content_type() == "multipart/mixed"
    body, calendar = message.iter_parts()
    assert body.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in body.iter_parts()] == ["text/plain", "text/html"]
    assert calendar.get_content_type() == "text/calendar"
    assert calendar.get_filename() == "deadlines.ics"
    escalation = build(make_escalation(make_item(ESCALATION, days_left=-5)))
    assert escalation.get_content_type() == "multipart/alternative"


def test_html_escapes_markup_in_a_contract_name():
    """A contract named like a script tag shows as text in every kind of email."""
    evil = "<script>alert(1)</script>"
    row = {**summary_row("Renewal window", 20), "contract": evil}
    notes = [
        make_digest(make_item(contract=evil)),
        make_escalation(make_item(ESCALATION, days_left=-5, contract=evil)),
        make_summary(overdue=[row], next_30=[row], terms_90=[row], completed=[row]),
    ]
    for note in notes:
        _, html = bodies(note)
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "<script" not in html


def test_text_part_shows_sheet_text_as_typed():
    """The plain-text part is not HTML-escaped."""
    text, _ = bodies(make_digest(make_item(contract="Smith & Sons <UK>")))
    assert "Smith & Sons <UK>" in text


def test_line_break_in_a_title_cannot_add_a_header():
    """A title carrying CRLF + Bcc gives a one-line Subject and no Bcc header."""
    message = build(make_digest(make_item(title="Fee\r\nBcc: evil@x.com")))
    parsed = email.message_from_bytes(message.as_bytes(), policy=default)
    assert "\n" not in message["Subject"] and "\r" not in message["Subject"]
    assert parsed["Bcc"] is None
    assert "evil@x.com" not in str(parsed["To"]) + str(parsed.get("Cc", ""))


def test_each_digest_item_shows_rule_due_date_and_row():
    """Every item in both parts says why it was sent, when it is due and where it is."""
    items = [make_item(days_left=-3, row=8, kind=OVERDUE_NOTICE), make_item(days_left=9, row=12)]
    for body in bodies(make_digest(*items)):
        for item in items:
            assert item.rule[1:] in body
            assert f"{item.due:%a} {item.due.day} {item.due:%b %Y}" in body
            assert f"Milestones tab, row {item.row}" in body


def test_item_links_to_its_row_when_a_link_is_known():
    """The row reference is a link to the sheet row when the item has one."""
    _, html = bodies(make_digest(make_item(row=14, link=f"{SHEET}14")))
    href = re.escape(escape(f"{SHEET}14"))
    assert re.search(rf'<a href="{href}"[^>]*>Milestones tab, row 14</a>', html)


def test_only_web_links_become_links():
    """A link that is not http(s) is shown as plain row text, never as an href."""
    _, html = bodies(make_digest(make_item(row=14, link="javascript:alert(1)")))
    assert "javascript:" not in html
    assert "Milestones tab, row 14" in html


def test_digest_shows_how_far_each_item_is_from_its_due_date():
    """Items say 'due in N days' or 'N days overdue'."""
    text, html = bodies(
        make_digest(make_item(days_left=-3, kind=OVERDUE_NOTICE), make_item(days_left=5))
    )
    for body in (text, html):
        assert "3 days overdue" in body and "due in 5 days" in body


def test_digest_lists_overdue_before_coming_up():
    """The Overdue section and its items come before the Coming up section."""
    note = make_digest(
        make_item(OVERDUE_NOTICE, days_left=-2, title="Late one", row=3),
        make_item(REMINDER, days_left=4, title="Soon one", row=4),
    )
    text, html = bodies(note)
    assert text.index("OVERDUE") < text.index("Late one") < text.index("COMING UP")
    assert text.index("COMING UP") < text.index("Soon one")
    body = html[html.index("<body") :]
    assert body.index(">Overdue<") < body.index("Late one") < body.index(">Coming up<")
    assert body.index(">Coming up<") < body.index("Soon one")


def test_digest_omits_an_empty_section():
    """A digest with only upcoming items has no Overdue section."""
    text, html = bodies(make_digest(make_item(days_left=10)))
    assert "OVERDUE" not in text and ">Overdue<" not in html
    assert "COMING UP" in text and ">Coming up<" in html


def test_escalation_copies_the_owner():
    """The owner is on the Cc line and named in the body."""
    message = build(make_escalation())
    assert message["To"] == "Legal Ops <legal@example.com>"
    assert message["Cc"] == "Jane Doe <jane@example.com>"
    text, html = bodies(make_escalation())
    assert "jane@example.com" in text and "jane@example.com" in html


def test_escalation_says_how_overdue_and_which_level():
    """An escalation names the overdue days, the level and the rule."""
    item = make_item(ESCALATION, days_left=-12, stage=2, rule="escalation level 2: 12 days overdue")
    for body in bodies(make_escalation(item)):
        assert "12 days overdue" in body
        assert "level 2" in body
        assert "Escalation level 2: 12 days overdue" in body


def test_summary_has_all_six_sections():
    """The summary shows overdue, next 30 days, terms, completed, problems and the chart."""
    text, html = bodies(make_summary())
    headings = [
        "Overdue",
        "Due in the next 30 days",
        "Renewals, notice deadlines and expirations in the next 90 days",
        "Completed last month",
        "Rows with problems",
        "Milestones due per month",
    ]
    for heading in headings:
        assert heading in html
        assert heading.upper() in text
    for title in ("Overdue report", "Pay deposit", "Renewal window", "Audit done", "M-0027 Pay"):
        assert title in html and title in text


def test_summary_chart_has_six_bars_with_widths_from_percent():
    """Each month is a table bar whose width (attribute and inline style) is its percent."""
    _, html = bodies(make_summary())
    bars = re.findall(
        r'width="(\d+)%" cellpadding="0" cellspacing="0" border="0" style="width:(\d+)%;"', html
    )
    assert bars == [(p, p) for p in ("25", "50", "100", "75", "0", "10")]
    for label in ("Jan 2027", "Feb 2027", "Mar 2027", "Apr 2027", "May 2027", "Jun 2027"):
        assert label in html
    assert "<svg" not in html and "<img" not in html


def test_summary_text_chart_draws_block_bars():
    """The text chart shows each month as ``Nov 2026  ████ 4``."""
    chart = [{"label": "Nov 2026", "count": 4, "percent": 100}] + [
        {"label": f"M{i}", "count": 0, "percent": 0} for i in range(5)
    ]
    text, _ = bodies(make_summary(chart=chart))
    assert re.search(r"^Nov 2026  █+ 4$", text, re.MULTILINE)


def test_summary_says_nothing_overdue_when_empty():
    """An empty section collapses to one short sentence."""
    text, html = bodies(make_summary(overdue=[], problems=[]))
    assert "Nothing overdue." in text and "Nothing overdue." in html
    assert "No rows with problems." in html


def test_message_id_is_stable_for_the_same_keys():
    """The same notification gives the same Message-ID; different keys give another."""
    first = build(make_digest(make_item(row=5)))["Message-ID"]
    again = build(make_digest(make_item(row=5)))["Message-ID"]
    other = build(make_digest(make_item(row=6)))["Message-ID"]
    assert first == again != other
    assert first.endswith("@example.com>")


def test_messages_are_marked_auto_submitted():
    """Every message carries Auto-Submitted so auto-responders stay quiet."""
    for note in (make_digest(), make_escalation(), make_summary()):
        assert build(note)["Auto-Submitted"] == "auto-generated"


def test_footer_says_why_and_links_to_the_tracker():
    """The footer says the mail is automatic, why it came, and links the tracker when known."""
    envelope = Envelope(ENVELOPE.sender, tracker_url="https://sheets.example.com/t")
    text, html = bodies(make_digest(), envelope)
    for body in (text, html):
        assert "automatic message from sheetsync" in body
        assert "You get this email because you are the owner" in body
    assert '<a href="https://sheets.example.com/t"' in html
    assert "https://sheets.example.com/t" in text


def test_footer_has_no_tracker_link_without_a_url():
    """Without a tracker URL the footer has no tracker link."""
    text, html = bodies(make_digest())
    assert "Open the tracker" not in text
    assert "Open Contract tracker" not in html


def test_a_missing_variable_is_an_error():
    """StrictUndefined: a template given an incomplete context raises UndefinedError."""
    context = context_for(make_digest(), ENVELOPE, TODAY)
    del context["tracker_title"]
    template = environment().get_template("digest.html.j2")
    with pytest.raises(jinja2.UndefinedError):
        template.render(context)


def test_html_has_no_scripts_styles_or_web_fonts():
    """The HTML relies on inline styles only: no script, style block or external resource."""
    for note in (make_digest(), make_escalation(), make_summary()):
        _, html = bodies(note)
        for banned in ("<script", "<style", "<link", "@import", "fonts.googleapis"):
            assert banned not in html
        assert "max-width:640px" in html


def subject_of(note: Notification, tracker: str = "Acme contracts") -> str:
    """The Subject line ``note`` gets from a tracker named ``tracker``."""
    envelope = Envelope(ENVELOPE.sender, tracker_title=tracker)
    return str(build_message(note, envelope, TODAY, NOW, environment())["Subject"])


def test_digest_subject_counts_overdue_and_coming_up_separately():
    """Eleven coming up and five overdue are counted as such, never all "Overdue"."""
    items = [make_item(OVERDUE_NOTICE, days_left=-3, row=r) for r in range(2, 7)]
    items += [make_item(REMINDER, days_left=9, row=r) for r in range(10, 21)]
    subject = subject_of(make_digest(*items))
    assert subject == "Acme contracts: 5 overdue, 11 coming up: Milestone on row 2 and 15 more"


def test_long_titles_are_cut_at_a_word_to_fit_78_characters():
    """A long first title is shortened at a word boundary; the counts and tail stay whole."""
    long = make_item(
        title="Deliver the final brand guidelines and the full asset library to marketing"
    )
    subject = subject_of(make_digest(long, make_item(row=9)))
    assert len(subject) <= 78 and subject.endswith("… and 1 more")
    assert subject.startswith("Acme contracts: 2 coming up: Deliver the final brand")


def test_single_item_subjects_say_exactly_when():
    """One item: its title and how far it is from its due date, to the day."""
    assert subject_of(make_digest(make_item(days_left=1))) == (
        "Acme contracts: Milestone on row 5 is due in 1 day"
    )
    late = make_item(ESCALATION, days_left=-12, stage=2)
    assert subject_of(make_escalation(late)) == (
        "Acme contracts: Milestone on row 5 is 12 days overdue, escalated to you"
    )


def test_summary_subject_names_the_tracker_and_month():
    """A monthly summary's subject says which tracker and which month."""
    assert subject_of(make_summary()) == "Acme contracts: your November summary"
