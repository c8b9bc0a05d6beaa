"""What the plan step hands on: the emails to send, each item with its Log key.

Types only; ``plan_notifications`` (the package's entry) fills them in.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from ..cells.addresses import Address
from ..normalize.settings import Settings
from ..schema import SUMMARY


@dataclass(frozen=True, slots=True)
class Item:
    """One milestone inside an email, and why it is there."""

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

    For the hundreds of thousands of items a large tracker's plan holds: a frozen
    dataclass sets each field through ``object.__setattr__``, a call per field and
    item, where ``_Filling`` assigns its slots directly (a third of the time).
    ``link`` and ``done_link`` may be left out (None).
    """
    size = len(columns["key"])
    unknown = set(columns) - set(Item.__slots__)
    missing = set(Item.__slots__) - set(columns) - set(_LEFT_OUT)
    if unknown or missing or any(len(column) != size for column in columns.values()):
        raise ValueError(f"one column of {size} per Item field, not {unknown} and {missing}")
    rows = zip(*(columns.get(name, [None] * size) for name in Item.__slots__), strict=True)
    return cast(list[Item], list(map(_Filling, rows)))


class _Filling:
    """An Item's slots, writable: filled from one row of fields, then made an Item.

    The two classes have the same slots, so the object can change class: it is then
    an Item like any other, frozen and equal to one built by ``Item(...)``.
    """

    __slots__ = Item.__slots__

    def __init__(self, fields: tuple[Any, ...]) -> None:
        (
            self.key,
            self.kind,
            self.milestone_id,
            self.contract_id,
            self.contract,
            self.title,
            self.type,
            self.due,
            self.days_left,
            self.stage,
            self.row,
            self.owners,
            self.rule,
            self.link,
            self.done_link,
        ) = fields  # in Item's field order (``Item.__slots__``)
        self.__class__ = Item  # type: ignore[assignment]  # (quicker than object.__setattr__)


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
