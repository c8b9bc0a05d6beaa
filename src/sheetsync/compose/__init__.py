"""Notifications → email messages: jinja2 templates (HTML + text), safe headers, stable IDs."""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass
from email.header import Header
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from functools import lru_cache
from pathlib import Path

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape

from ..cells.addresses import Address
from ..cells.text import one_line as _single_line
from ..links import LinkMaker
from ..plan import Notification
from ..schema import DIGEST, ESCALATION, OVERDUE_NOTICE, REMINDER, RESOLVED, SUMMARY
from .calendar import ATTACHMENT, deadlines_ics, summary_feed_url
from .jinja import EmailEnvironment, install
from .mime import Attachment, CachingPolicy, alternative
from .subjects import subject

# Long subjects stay on one line (RFC 5322 allows 998 characters) instead of folding oddly.
POLICY = CachingPolicy(max_line_length=998)  # policy.default, MIME headers parsed once
TEMPLATES = {
    DIGEST: "digest",
    ESCALATION: "escalation",
    SUMMARY: "summary",
    RESOLVED: "resolved",
}


@dataclass(frozen=True)
class Envelope:
    """Who the emails come from and what they point back to."""

    sender: Address
    reply_to: Address | None = None
    tracker_title: str = "Contract tracker"
    tracker_url: str | None = None
    tracker_identity: str = ""
    links: LinkMaker | None = None  # Mark-done links, when an Action URL and a key are set


def default_templates() -> Path:
    """The folder of the default templates: inside the installed package, else the checkout's."""
    package = Path(__file__).resolve().parents[1]  # sheetsync/, this is sheetsync/compose/
    shipped = package / "templates"  # a wheel, the Cloud Function build
    return shipped if shipped.is_dir() else package.parents[1] / "templates"


@lru_cache(maxsize=8)
def environment(custom: str | None = None) -> Environment:
    """The jinja2 environment: HTML autoescaped, strict about undefined variables.

    Args:
        custom: an organization's own template folder; each template found there
            replaces the default of the same name, the others stay the defaults.

    Cached, so each template is compiled once per process.
    """
    folders: list[str | Path] = [custom] if custom else []
    env = EmailEnvironment(
        loader=ChoiceLoader([FileSystemLoader(f) for f in [*folders, default_templates()]]),
        autoescape=select_autoescape(
            enabled_extensions=("html", "html.j2"), default_for_string=False
        ),
        undefined=StrictUndefined,
        trim_blocks=True,
        auto_reload=False,  # compiled once per process: no file check at each email
        lstrip_blocks=True,
    )
    env.filters["day"] = format_day
    env.filters["when"] = describe_days
    return install(env)


@lru_cache(maxsize=4096)
def format_day(value: dt.date | None) -> str:
    """``Tue 2 Mar 2027``: unambiguous in every locale (a day's text made once: a big run
    writes the same few hundred days on tens of thousands of items)."""
    return f"{value:%a} {value.day} {value:%b %Y}" if value else ""


@lru_cache(maxsize=4096)
def describe_days(days_left: int | None) -> str:
    """``due today``, ``due in 5 days``, ``3 days overdue`` (made once per number a run)."""
    if days_left is None:
        return ""
    if days_left == 0:
        return "due today"
    if days_left > 0:
        return f"due in {days_left} day{'s' if days_left != 1 else ''}"
    return f"{-days_left} day{'s' if days_left != -1 else ''} overdue"


def one_line(text: str, limit: int = 150) -> str:
    """Header-safe text: control, line-break and bidi characters become spaces."""
    cleaned = _single_line(text)
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


def literal(text: str) -> str:
    """A header value a mail reader shows as exactly ``text``.

    Text that is not plain ASCII, or that holds ``=?`` (which a reader would decode
    as an RFC 2047 encoded word, possibly into a line break), is itself encoded, so
    decoding gives back the literal text and never a new header line.
    """
    if text.isascii() and "=?" not in text:
        return text
    return Header(text, "utf-8", header_name="Subject").encode(linesep="\n")


def subject_for(note: Notification, envelope: Envelope, today: dt.date) -> str:
    """The Subject line: the tracker's name, then what is due, counted exactly."""
    return subject(note, envelope.tracker_title, today)


def context_for(note: Notification, envelope: Envelope, today: dt.date) -> dict[str, object]:
    """Everything a template sees."""
    links = done_links(note, envelope.links)
    items = [i._replace(done_link=links[i.key]) if i.key in links else i for i in note.items]
    return {
        "note": note,
        "kind": note.kind,
        "subject": subject_for(note, envelope, today),
        "today": today,
        "tracker_title": envelope.tracker_title,
        "tracker_url": envelope.tracker_url,
        "upcoming": [i for i in items if i.kind == REMINDER],
        "overdue": [i for i in items if i.kind == OVERDUE_NOTICE],
        "escalations": [i for i in items if i.kind == ESCALATION],
        "resolved": [i for i in items if i.kind == RESOLVED],
        "summary": note.summary,
        "recipient": note.to[0],
        "done_links": links,
        "feed_url": summary_feed_url(note.kind, note.to[0].email, envelope.links, today),
    }


def done_links(note: Notification, links: LinkMaker | None) -> dict[str, str]:
    """The Mark-done link of each reminder, overdue and escalation item, by its Log key.

    Each is made for the email's first recipient, who the Log names if the link is used.
    """
    if links is None or note.kind == SUMMARY:
        return {}
    recipient = note.to[0].email
    actionable = (i for i in note.items if i.kind in (REMINDER, OVERDUE_NOTICE, ESCALATION))
    return {i.key: links.done(i.milestone_id, i.due, recipient) for i in actionable}


def render(
    note: Notification, envelope: Envelope, today: dt.date, env: Environment
) -> tuple[str, str]:
    """Render the text and HTML bodies of ``note``."""
    context = context_for(note, envelope, today)
    name = TEMPLATES[note.kind]
    text = env.get_template(f"{name}.txt.j2").render(context)
    html = env.get_template(f"{name}.html.j2").render(context)
    return text, html


def build_message(
    note: Notification, envelope: Envelope, today: dt.date, now: dt.datetime, env: Environment
) -> EmailMessage:
    """A multipart/alternative message with safe headers and a deterministic Message-ID.

    A reminder digest also carries its items as calendar events (``deadlines.ics``).
    """
    text, html = render(note, envelope, today, env)
    # Stored as written (ASCII, folded): the header parser never reinterprets sheet text.
    sender = Address(envelope.sender.name or "sheetsync", envelope.sender.email)
    headers = [
        ("Subject", literal(subject_for(note, envelope, today))),
        ("From", _header_address(sender)),
        ("To", _address_list(note.to)),
    ]
    if note.cc:
        headers.append(("Cc", _address_list(note.cc)))
    if envelope.reply_to:
        headers.append(("Reply-To", _header_address(envelope.reply_to)))
    headers += [
        ("Date", _date_header(now)),
        ("Message-ID", note.message_id(envelope.sender.domain, envelope.tracker_identity)),
        ("Auto-Submitted", "auto-generated"),
        ("X-Auto-Response-Suppress", "All"),
    ]
    attachment = None
    if note.kind == DIGEST and note.items:
        tracker = (envelope.tracker_identity, envelope.tracker_title)
        ics = deadlines_ics(note.items, tracker, today, now)
        attachment = Attachment(ics, "calendar", ATTACHMENT, (("method", "PUBLISH"),))
    return alternative(POLICY, headers, text, html, attachment)


@lru_cache(maxsize=16)
def _date_header(now: dt.datetime) -> str:
    """The Date header: every message of a run has the run's time."""
    return format_datetime(now)


@lru_cache(maxsize=4096)
def _header_address(address: Address) -> str:
    """``Name <a@x.com>`` in ASCII: the name quoted, or encoded when quoting is not enough.

    Made once per address a run: the sender is on every message, owners on many."""
    name = one_line(address.name)
    if not name:
        return address.email
    if name.isascii() and "=?" not in name:
        return formataddr((name, address.email))
    # One encoded word: readers put a space between several inside a display name.
    word = base64.b64encode(name.encode("utf-8")).decode("ascii")
    return f"=?utf-8?b?{word}?= <{address.email}>"


def _address_list(addresses: tuple[Address, ...]) -> str:
    """Addresses one per folded line, so a long list never needs refolding."""
    return ",\n ".join(_header_address(a) for a in addresses)
