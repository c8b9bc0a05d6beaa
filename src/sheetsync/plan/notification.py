"""What the plan step hands on: the emails to send, each item with its Log key.

Types only; ``plan_notifications`` (the package's entry) fills them in.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any, NamedTuple

from ..cells.addresses import Address
from ..normalize.settings import Settings
from ..schema import SUMMARY


class Item(NamedTuple):
    """One milestone inside an email, and why it is there.

    A named tuple, not a dataclass: a large tracker's plan makes tens of thousands of
    items, and a tuple is made in one step from a row of fields (``items``), where a
    frozen dataclass sets each field by a call of its own. It is as immutable, its
    fields read by name, and ``Item(key=..., ...)`` builds one (``link`` and
    ``done_link`` None unless given); ``_replace`` gives a changed copy. Like any
    tuple it also equals a plain tuple of the same values: items are only compared
    with items, so this does not matter.
    """

    key: str
    kind: str  # reminder / overdue / escalation / resolved
    milestone_id: str
    contract_id: str
    contract: str
    title: str
    type: str
    due: dt.date
    days_left: int
    stage: int  # lead days, overdue notice number, or escalation level
    row: int
    owners: tuple[Address, ...]
    rule: str
    link: str | None = None
    done_link: str | None = None  # the Mark done link, set by compose when links are on


_LEFT_OUT = ("link", "done_link")  # fields ``items`` may be given no column for: None


def items(columns: Mapping[str, Sequence[Any]]) -> list[Item]:
    """``Item(**fields)`` for each row of ``columns`` (one column per field), quicker.

    For the tens of thousands of items a large tracker's plan holds: each row of
    fields (a tuple, in Item's field order) becomes an Item by ``tuple.__new__``,
    without a call of Python code per item. ``link`` and ``done_link`` may be left
    out (None).
    """
    size = len(columns["key"])
    unknown = set(columns) - set(Item._fields)
    missing = set(Item._fields) - set(columns) - set(_LEFT_OUT)
    if unknown or missing or any(len(column) != size for column in columns.values()):
        raise ValueError(f"one column of {size} per Item field, not {unknown} and {missing}")
    rows = zip(*(columns.get(name, [None] * size) for name in Item._fields), strict=True)
    return list(map(tuple.__new__, repeat(Item, size), rows))


@dataclass
class Notification:
    """One email to send: who gets it, what it lists, and its deterministic Message-ID."""

    kind: str  # digest / escalation / summary / resolved
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    items: list[Item] = field(default_factory=list)
    summary: dict[str, object] | None = None
    summary_key: str | None = None

    @property
    def keys(self) -> list[tuple[str, str]]:
        """``(kind, key)`` for each Log row this email stands for."""
        if self.summary_key:
            return [(SUMMARY, self.summary_key)]
        return [(item.kind, item.key) for item in self.items]

    @property
    def to_text(self) -> str:
        """The recipients as the ledger matches them."""
        return "; ".join(sorted(a.email for a in self.to))

    def message_id(self, domain: str, tracker: str = "") -> str:
        """The same keys to the same people from the same tracker give the same Message-ID.

        ``tracker`` is the tracker's identity (``Snapshot.identity``): two trackers
        with identical rows never share a Message-ID, which mail systems would fold.
        """
        seed = "\n".join([tracker, self.kind, self.to_text, *sorted(k for _, k in self.keys)])
        digest = hashlib.sha256(seed.encode()).hexdigest()[:32]
        return f"<{self.kind}.{digest}@{domain}>"


@dataclass(frozen=True)
class PlanContext:
    """What planning needs besides the milestones: settings, today, the tracker's links."""

    settings: Settings
    today: dt.date
    link_for_row: dict[int, str] = field(default_factory=dict)
    # Occurrences this run records done (repeating rows it rolls on): (milestone, due).
    completed: frozenset[tuple[str, dt.date]] = frozenset()
