"""Every Log key, built and taken apart in one place.

A Log row's Key says what the row stands for, so a rerun sends or records nothing
twice. A milestone key reads ``kind:milestone:due:stage``: a reminder's stage is its
lead in days, an overdue notice's its number, an escalation's its level, a completed
occurrence's its series anchor, a moved row's its new due date, a cancelled row's
``terms`` (an approval step's ``route`` or ``stopped``), an opened approval step's
the day it opened, an added one's ``route``. A summary key reads
``summary:owner:YYYY-MM``, a Resolved note's ``resolved:milestone:due`` (no stage:
one per occurrence). Milestone IDs may hold colons, so a key is taken apart
from its right end.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import NamedTuple

from .schema import (
    ADDED,
    CANCELLED_KIND,
    COMPLETED,
    DIGEST,
    ESCALATION,
    MOVED,
    OPENED,
    OVERDUE_NOTICE,
    REMINDER,
    RESOLVED,
    SUMMARY,
)

# The kinds a Key cell may start with, as the Log's readers recognise a renamed Key column.
LOG_KINDS = (
    REMINDER,
    OVERDUE_NOTICE,
    ESCALATION,
    SUMMARY,
    COMPLETED,
    MOVED,
    DIGEST,
    OPENED,
    ADDED,
    RESOLVED,
)
# A sent notice's key, in groups: kind, milestone, due date, stage (``str.extract``).
NOTICE_KEY = re.compile(
    rf"^({REMINDER}|{OVERDUE_NOTICE}|{ESCALATION}):(.+):(\d{{4}}-\d{{2}}-\d{{2}}):(\d{{1,6}})$"
)


class KeyParts(NamedTuple):
    """A milestone key taken apart: ``kind:milestone:due:stage``."""

    kind: str
    milestone: str
    due: str
    stage: str


def milestone_key(kind: str, milestone: str, due: dt.date | str, stage: object) -> str:
    """``kind:milestone:due:stage``; a date is written ``YYYY-MM-DD``."""
    day = due.isoformat() if isinstance(due, dt.date) else due
    return f"{kind}:{milestone}:{day}:{stage}"


def milestone_keys(
    kinds: Iterable[str],
    milestones: Iterable[object],
    dues: Iterable[str],
    stages: Iterable[int | str],
) -> list[str]:
    """``milestone_key`` of each row, for columns of equal length (dates already as text;
    stages as numbers or as their text)."""
    return [f"{k}:{m}:{d}:{s}" for k, m, d, s in zip(kinds, milestones, dues, stages, strict=True)]


def completed_key(milestone: str, due: dt.date, anchor: dt.date) -> str:
    """The key of an occurrence recorded done; its stage is the series anchor."""
    return milestone_key(COMPLETED, milestone, due, anchor.isoformat())


def moved_key(milestone: str, before: str, after: str) -> str:
    """The key of an auto row whose due date moved (``before`` may be ``none``)."""
    return milestone_key(MOVED, milestone, before, after)


def cancelled_key(milestone: str, due: str) -> str:
    """The key of an auto row its contract's terms no longer call for (``due`` may be ``none``)."""
    return milestone_key(CANCELLED_KIND, milestone, due, "terms")


def opened_key(step: str, due: dt.date, day: dt.date) -> str:
    """The key of an approval step that opened on ``day``, due on ``due``."""
    return milestone_key(OPENED, step, due, day.isoformat())


def added_key(step: str, due: dt.date | None) -> str:
    """The key of an approval step a re-route added (``due`` ``none`` while it waits)."""
    return milestone_key(ADDED, step, due or "none", "route")


def step_cancelled_key(step: str, due: dt.date | None, why: str) -> str:
    """The key of an approval step cancelled: ``why`` is ``route`` or ``stopped``."""
    return milestone_key(CANCELLED_KIND, step, due or "none", why)


def resolved_key(milestone: str, due: dt.date | str) -> str:
    """``resolved:{milestone}:{due}``: the note that an escalated occurrence is done."""
    day = due.isoformat() if isinstance(due, dt.date) else due
    return f"{RESOLVED}:{milestone}:{day}"


def resolved_parts(key: str) -> tuple[str, dt.date] | None:
    """A resolved key's milestone and due date; None for any other key."""
    kind, _, rest = key.partition(":")
    milestone, _, due = rest.rpartition(":")
    if kind != RESOLVED or not milestone:
        return None
    try:
        return milestone, dt.date.fromisoformat(due)
    except ValueError:
        return None


def summary_key(owner: str, today: dt.date) -> str:
    """``summary:{owner}:{YYYY-MM}``, owner as a bare lower-case address."""
    return summary_keys([owner], today)[0]


def summary_keys(owners: Iterable[str], today: dt.date) -> list[str]:
    """``summary_key`` of each owner, the month written once (``strftime`` is dear)."""
    month = f"{today:%Y-%m}"
    return [f"{SUMMARY}:{owner.casefold()}:{month}" for owner in owners]


def split_key(key: str) -> KeyParts | None:
    """Take a milestone key apart; None for summary keys and anything malformed."""
    kind, _, rest = key.partition(":")
    milestone_due, _, stage = rest.rpartition(":")
    milestone, _, due = milestone_due.rpartition(":")
    if not (kind and milestone and due and stage) or kind == SUMMARY:
        return None
    return KeyParts(kind, milestone, due, stage)


def summary_month(key: str) -> str | None:
    """The ``YYYY-MM`` a summary key is for; None for any other key."""
    kind, _, rest = key.partition(":")
    return rest.rpartition(":")[2] if kind == SUMMARY else None


def completed_parts(key: str) -> tuple[str, dt.date, dt.date] | None:
    """A completed key's milestone, due date and anchor; None when malformed."""
    parts = split_key(key)
    if parts is None or parts.kind != COMPLETED:
        return None
    try:
        return parts.milestone, dt.date.fromisoformat(parts.due), dt.date.fromisoformat(parts.stage)
    except ValueError:
        return None
