"""Messages → a folder of HTML pages, to look at what a run would send before it sends it."""

from __future__ import annotations

import re
from email.message import EmailMessage
from html import escape
from pathlib import Path

HEADERS = ("From", "To", "Cc", "Subject", "Message-ID")
_BODY_TAG = re.compile(r"<body\b[^>]*>", re.IGNORECASE)
_KIND = re.compile(r"<([a-z]+)\.")
_FONT = "font-family:Arial,Helvetica,sans-serif;"
_CELL = "text-align:left;padding:6px 12px 6px 0;border-bottom:1px solid #e5e7eb;vertical-align:top;"


def write_preview(messages: list[EmailMessage], out_dir: Path) -> Path:
    """Write one HTML page per message and an ``index.html`` listing them.

    Each page is the message's HTML part with a header block (From, To, Cc,
    Subject, Message-ID) above it; every header value is HTML-escaped.

    Args:
        messages: the messages a run would send, as ``compose.build_message`` makes them.
        out_dir: the folder to write into; created when missing.

    Returns:
        The path of ``index.html``.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    entries = []
    for number, message in enumerate(messages, start=1):
        name = f"{number:03d}-{message_kind(message)}.html"
        (out_dir / name).write_text(message_page(message), encoding="utf-8")
        entries.append((name, message))
    index = out_dir / "index.html"
    index.write_text(index_page(entries), encoding="utf-8")
    return index


def message_kind(message: EmailMessage) -> str:
    """``digest``, ``escalation`` or ``summary``, read from the Message-ID sheetsync gives."""
    found = _KIND.match(str(message.get("Message-ID", "")))
    return found.group(1) if found else "message"


def message_page(message: EmailMessage) -> str:
    """The message's HTML part with the escaped header block inserted at the top of its body."""
    block = header_block(message)
    html = _html_body(message)
    tag = _BODY_TAG.search(html)
    if tag is None:
        head = '<!DOCTYPE html>\n<html lang="en"><meta charset="utf-8">'
        return f"{head}\n{block}\n{html}\n</html>\n"
    return html[: tag.end()] + "\n" + block + "\n" + html[tag.end() :]


def header_block(message: EmailMessage) -> str:
    """A small table of the envelope headers, each value escaped, and a link back to the index."""
    rows = "".join(
        f'<tr><th style="text-align:left;padding:2px 12px 2px 0;vertical-align:top;">{name}</th>'
        f'<td style="padding:2px 0;">{escape(str(message[name]))}</td></tr>'
        for name in HEADERS
        if message[name] is not None
    )
    return (
        f'<div style="{_FONT}font-size:13px;background:#fff8db;color:#1f2937;'
        f'border-bottom:1px solid #d6c77a;padding:10px 16px;">'
        f'<p style="margin:0 0 6px 0;"><a href="index.html" style="color:#1d4ed8;">'
        f"&larr; All messages</a> &middot; preview, not sent</p>"
        f'<table style="border-collapse:collapse;font-size:13px;">{rows}</table></div>'
    )


def index_page(entries: list[tuple[str, EmailMessage]]) -> str:
    """The page listing every message: subject (linked to its page), recipients and kind."""
    rows = "".join(
        f'<tr><td style="{_CELL}"><a href="{escape(name)}" style="color:#1d4ed8;">'
        f"{escape(str(message['Subject'] or '(no subject)'))}</a></td>"
        f'<td style="{_CELL}">{escape(str(message["To"] or ""))}</td>'
        f'<td style="{_CELL}">{escape(str(message["Cc"] or ""))}</td>'
        f'<td style="{_CELL}">{escape(message_kind(message))}</td></tr>'
        for name, message in entries
    )
    body = (
        f'<table style="border-collapse:collapse;width:100%;">'
        f'<tr><th style="{_CELL}width:45%;">Subject</th><th style="{_CELL}">To</th>'
        f'<th style="{_CELL}">Cc</th><th style="{_CELL}">Kind</th></tr>{rows}</table>'
        if entries
        else "<p>No messages would be sent.</p>"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>sheetsync preview</title></head>\n"
        f'<body style="{_FONT}margin:24px;color:#111827;">\n'
        f'<h1 style="font-size:20px;">sheetsync preview: {len(entries)} '
        f"message{'s' if len(entries) != 1 else ''}</h1>\n{body}\n</body>\n</html>\n"
    )


def _html_body(message: EmailMessage) -> str:
    """The HTML part, or the text part shown preformatted when there is no HTML."""
    part = message.get_body(("html",))
    if part is not None:
        return str(part.get_content())
    part = message.get_body(("plain",))
    text = str(part.get_content()) if part is not None else ""
    return f'<body><pre style="white-space:pre-wrap;">{escape(text)}</pre></body>'
