"""Evaluation + ledger → the emails due now, each item with its idempotency key.

One run sends at most one reminder digest per recipient (upcoming and overdue
items together), one escalation email per escalation recipient list, and one
monthly summary per owner; only keys not already in the ledger for that
recipient are included.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

import pandas as pd

from .addresses import Address
from .ledger import Ledger, make_key
from .schema import ESCALATION, OVERDUE_NOTICE, REMINDER, SUMMARY
from .settings import Settings

DIGEST = "digest"  # a reminder email: its items are reminder and overdue keys


@dataclass(frozen=True)
class Item:
    """One milestone inside an email, and why it is there."""

    key: str
    kind: str  # reminder / overdue / escalation
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


@dataclass
class Notification:
    """One email to send: who gets it, what it lists, and its deterministic Message-ID."""

    kind: str  # digest / escalation / summary
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

    def message_id(self, domain: str) -> str:
        """The same keys to the same people always give the same Message-ID."""
        seed = "\n".join([self.kind, self.to_text, *sorted(k for _, k in self.keys)])
        digest = hashlib.sha256(seed.encode()).hexdigest()[:32]
        return f"<{self.kind}.{digest}@{domain}>"


@dataclass(frozen=True)
class PlanContext:
    """What planning needs besides the milestones: settings, today, the tracker's links."""

    settings: Settings
    today: dt.date
    link_for_row: dict[int, str] = field(default_factory=dict)


def plan_notifications(
    milestones: pd.DataFrame, contracts: pd.DataFrame, ledger: Ledger, context: PlanContext
) -> list[Notification]:
    """Every email this run should send, most urgent items first within each."""
    names = contracts.drop_duplicates("id").set_index("id")["name"]
    notices = _owner_items(milestones, names, context)
    escalations = _escalation_items(milestones, contracts, names, context)
    digests = _group(notices, DIGEST, ledger, context.settings.digest)
    digests += _group(escalations, ESCALATION, ledger, context.settings.digest)
    from .summary import plan_summaries

    return digests + plan_summaries(milestones, contracts, ledger, context)


def _owner_items(milestones: pd.DataFrame, names: pd.Series, context: PlanContext) -> list[tuple[tuple[Address, ...], tuple[Address, ...], Item]]:
    rows = milestones[(milestones["stage"] >= 0) | (milestones["overdue_n"] >= 0)]
    found = []
    for m in rows.itertuples(index=False):
        overdue = m.overdue_n >= 0
        kind = OVERDUE_NOTICE if overdue else REMINDER
        stage = int(m.overdue_n if overdue else m.stage)
        for owner in m.owners:
            found.append(((owner,), (), _item(m, kind, stage, names, context)))
    return found


def _escalation_items(milestones: pd.DataFrame, contracts: pd.DataFrame, names: pd.Series, context: PlanContext) -> list[tuple[tuple[Address, ...], tuple[Address, ...], Item]]:
    from .routing import escalation_recipients

    rows = milestones[milestones["level"] > 0]
    found = []
    for m in rows.itertuples(index=False):
        to = escalation_recipients(m, context.settings)
        if to:
            found.append((to, tuple(m.owners), _item(m, ESCALATION, int(m.level), names, context)))
    return found


def _item(m: object, kind: str, stage: int, names: pd.Series, context: PlanContext) -> Item:
    due = pd.Timestamp(m.due).date()  # type: ignore[attr-defined]
    days = int(m.days_left)  # type: ignore[attr-defined]
    return Item(
        key=make_key(kind, m.id, due, stage),  # type: ignore[attr-defined]
        kind=kind,
        milestone_id=m.id,  # type: ignore[attr-defined]
        contract_id=m.contract_id,  # type: ignore[attr-defined]
        contract=str(names.get(m.contract_id, "")),  # type: ignore[attr-defined]
        title=m.title,  # type: ignore[attr-defined]
        type=m.type,  # type: ignore[attr-defined]
        due=due,
        days_left=days,
        stage=stage,
        row=int(m.row),  # type: ignore[attr-defined]
        owners=tuple(m.owners),  # type: ignore[attr-defined]
        rule=describe_rule(kind, stage, days, m.type, context.settings),  # type: ignore[attr-defined]
        link=context.link_for_row.get(int(m.row)),  # type: ignore[attr-defined]
    )


def describe_rule(kind: str, stage: int, days_left: int, type_: str, settings: Settings) -> str:
    """Why this item is in the email, in one sentence."""
    if kind == REMINDER:
        ladder = ", ".join(str(d) for d in settings.lead_days.get(type_, ()))
        return f"{stage}-day reminder before the due date (reminders for {type_}: {ladder} days before)"
    overdue = f"{-days_left} day{'' if days_left == -1 else 's'} overdue"
    if kind == OVERDUE_NOTICE:
        return f"{overdue}; a notice goes out every {settings.overdue_repeat} days until it is marked done"
    after = ", ".join(str(d) for d in settings.escalate_after)
    return f"escalation level {stage}: {overdue} (escalate after {after} days)"


def _group(found, kind, ledger, digest):  # type: ignore[no-untyped-def]
    groups: dict[tuple[str, ...], Notification] = {}
    for to, cc, item in found:
        to_text = "; ".join(sorted(a.email for a in to))
        if ledger.was_sent(item.key, to_text):
            continue
        group = tuple(sorted(a.email for a in to)) + (() if digest else (item.key,))
        note = groups.setdefault(group, Notification(kind, to, ()))
        note.items.append(item)
        note.cc = tuple(dict.fromkeys(note.cc + tuple(a for a in cc if a not in to)))
    for note in groups.values():
        note.items.sort(key=lambda i: (i.days_left, i.due, i.milestone_id))
    return sorted(groups.values(), key=lambda n: (n.to_text, n.items[0].key))
