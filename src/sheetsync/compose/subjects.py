"""Subject lines: the tracker's name, what the email holds counted exactly, within ~78 characters.

``Acme contracts: 2 overdue, 3 coming up: Deliver brand guidelines and 4 more``
``Acme contracts: Deliver brand guidelines is due in 5 days``
``Acme contracts: your December summary``
``Acme contracts: Deliver brand guidelines is done (was escalated to you)``
"""

from __future__ import annotations

import datetime as dt

from ..cells.text import one_line
from ..plan import Item, Notification
from ..schema import ESCALATION, OVERDUE_NOTICE, REMINDER, RESOLVED, SUMMARY

LIMIT = 78  # RFC 5322's recommended line length: mail clients show this much
NAME_LIMIT = 30  # the tracker's name never takes more than this


def clean(text: str) -> str:
    """Header-safe text: control, line-break and bidi characters become single spaces."""
    return one_line(text)


def shorten(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters at a word boundary, with ``…`` when cut."""
    text = clean(text)
    if len(text) <= limit:
        return text
    cut = text[: max(limit - 1, 1)]
    space = cut.rfind(" ")
    if space >= limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-(") + "…"


def subject(note: Notification, tracker: str, today: dt.date) -> str:
    """The Subject line of ``note``, sent from ``tracker`` on ``today``."""
    name = shorten(tracker, NAME_LIMIT) or "Contract tracker"
    if note.kind == SUMMARY:
        return f"{name}: your {today:%B} summary"
    head = f"{name}: "
    if len(note.items) == 1:
        return _single(head, note.items[0], note.kind)
    counts = _counts(note)
    rest = f" and {len(note.items) - 1} more"
    room = LIMIT - len(head) - len(counts) - 2 - len(rest)
    return f"{head}{counts}: {shorten(note.items[0].title, max(room, 12))}{rest}"


def _single(head: str, item: Item, kind: str) -> str:
    """One milestone: its title and exactly when it is due or how late it is."""
    if kind == RESOLVED:
        tail = " is done (was escalated to you)"
    elif kind == ESCALATION:
        tail = f" is {_late(item)}, escalated to you"
    elif item.days_left < 0:
        tail = f" is {_late(item)}"
    elif item.days_left == 0:
        tail = " is due today"
    else:
        tail = f" is due in {item.days_left} day{'s' if item.days_left != 1 else ''}"
    room = LIMIT - len(head) - len(tail)
    return f"{head}{shorten(item.title, max(room, 12))}{tail}"


def _late(item: Item) -> str:
    days = -item.days_left
    return f"{days} day{'s' if days != 1 else ''} overdue"


def _counts(note: Notification) -> str:
    """``2 overdue, 3 coming up`` or ``3 escalated``: every item counted once, by what it is."""
    if note.kind == ESCALATION:
        return f"{len(note.items)} escalated"
    if note.kind == RESOLVED:
        return f"{len(note.items)} escalated now done"
    overdue = sum(1 for i in note.items if i.kind == OVERDUE_NOTICE)
    upcoming = sum(1 for i in note.items if i.kind == REMINDER)
    parts = [f"{overdue} overdue" if overdue else "", f"{upcoming} coming up" if upcoming else ""]
    return ", ".join(p for p in parts if p)
