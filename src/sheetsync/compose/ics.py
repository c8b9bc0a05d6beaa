"""Calendar events written straight to iCalendar text, as the icalendar library writes them.

A first run on a big tracker attaches tens of thousands of events to its digests; building
an ``icalendar.Event`` per deadline and serialising it took longer than rendering the
emails. Here each event is written as its content lines: the same properties in the
library's order, TEXT values escaped and long lines folded by its rules (RFC 5545: at 75
octets, never between a backslash and the character it escapes), so the attachment is the
same text byte for byte (``tests/test_ics.py`` holds the two side by side). The calendar's
own lines (its name, PRODID …) still come from the library, once per name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Protocol, TypeVar

FOLD_AT = 74  # octets of content per physical line: the library folds before the 75th
END = "END:VCALENDAR\r\n"
_ESCAPED_LAST = "\\^"  # a line never ends in one of these when it is folded


class Event(Protocol):
    """What an event is written from (``compose.calendar.Deadline``)."""

    @property
    def uid(self) -> str: ...

    @property
    def due(self) -> dt.date: ...

    @property
    def title(self) -> str: ...

    @property
    def link(self) -> str | None: ...

    @property
    def sequence(self) -> int: ...

    @property
    def category(self) -> str: ...


E = TypeVar("E", bound=Event)


def calendar_text(
    head: str, events: Sequence[E], description: Callable[[E], str], stamp: dt.datetime
) -> str | None:
    """``head`` (the calendar's own lines, ``BEGIN:VCALENDAR`` …), the events, then the end.

    Returns None when a URL holds a line break, which the library refuses to write:
    the caller lets it say so.
    """
    stamped = f"DTSTAMP:{stamp:%Y%m%dT%H%M%S}Z"
    parts = [head]
    for event in events:
        lines = event_lines(event, description(event), stamped)
        if lines is None:
            return None
        parts.append(lines)
    parts.append(END)
    return "".join(parts)


def event_lines(event: Event, description: str, stamped: str) -> str | None:
    """One VEVENT's content lines, each ending in CRLF; None for a URL with a line break."""
    lines = [
        "BEGIN:VEVENT",
        fold("SUMMARY:" + escape(f"Due: {event.title}")),
        _days(event.due),
        stamped,
        fold("UID:" + escape(event.uid)),
        f"SEQUENCE:{event.sequence}",
        fold("CATEGORIES:" + escape(event.category)),
        fold("DESCRIPTION:" + escape(description)),
        "STATUS:CONFIRMED",
        "TRANSP:TRANSPARENT",
    ]
    link = event.link
    if link and link.startswith(("https://", "http://")):
        if "\n" in link or "\r" in link:
            return None
        lines.append(fold("URL:" + link))
    lines.append("END:VEVENT\r\n")
    return "\r\n".join(lines)


@lru_cache(maxsize=4096)
def _days(due: dt.date) -> str:
    """The DTSTART and DTEND lines of an all-day event on ``due`` (a run has few due days)."""
    end = _date(due + dt.timedelta(days=1))
    return f"DTSTART;VALUE=DATE:{_date(due)}\r\nDTEND;VALUE=DATE:{end}"


def _date(day: dt.date) -> str:
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"


def escape(text: str) -> str:
    """A TEXT value (RFC 5545 3.3.11): ``\\N`` a line break, then ``\\ ; ,`` and breaks escaped."""
    if not ("\\" in text or ";" in text or "," in text or "\n" in text or "\r" in text):
        return text
    return (
        text.replace("\\N", "\n")
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str) -> str:
    """``line`` in physical lines of at most 74 octets, joined by CRLF and a space."""
    if len(line) <= FOLD_AT and (line.isascii() or len(line.encode()) <= FOLD_AT):
        return line
    return "\r\n ".join(_ascii_pieces(line) if line.isascii() else _pieces(line))


def _ascii_pieces(line: str) -> list[str]:
    """The pieces of an ASCII line: a character an octet, so slices of 74."""
    pieces, start = [], 0
    while len(line) - start > FOLD_AT:
        end = start + FOLD_AT
        if line[end - 1] in _ESCAPED_LAST and end - 1 > start:
            end -= 1  # the escape character starts the next line
        pieces.append(line[start:end])
        start = end
    pieces.append(line[start:])
    return pieces


def _pieces(line: str) -> list[str]:
    """The pieces of any line, counting each character's UTF-8 octets."""
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for char in line:
        width = len(char.encode())
        if current and size + width > FOLD_AT:
            carried = current.pop() if len(current) > 1 and current[-1] in _ESCAPED_LAST else ""
            pieces.append("".join(current))
            current = [carried] if carried else []
            size = len(carried)
        current.append(char)
        size += width
    pieces.append("".join(current))
    return pieces
