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
from typing import Any

import pandas as pd

from .addresses import Address
from .ledger import Ledger
from .routing import escalation_recipients
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


Found = tuple[tuple[Address, ...], tuple[Address, ...], Item]


def plan_notifications(
    milestones: pd.DataFrame, contracts: pd.DataFrame, ledger: Ledger, context: PlanContext
) -> list[Notification]:
    """Every email this run should send, most urgent items first within each."""
    from .summary import plan_summaries

    names = contracts.drop_duplicates("id").set_index("id")["name"]
    digest = context.settings.digest
    named = milestones.assign(contract=milestones["contract_id"].map(names).fillna("").astype(str))
    notices = _owner_items(_unsent(named, "notice", ledger), names, context)
    escalations = _escalation_items(_unsent(named, "escalation", ledger), names, context)
    notes = _group(notices, DIGEST, ledger, digest) + _group(
        escalations, ESCALATION, ledger, digest
    )
    return notes + plan_summaries(milestones, contracts, ledger, context)


def current_keys(milestones: pd.DataFrame, which: str) -> pd.Series:
    """The key of each row's current stage: ``which`` is "notice" (reminder or overdue) or
    "escalation"; rows without one get an empty string."""
    due = milestones["due"].dt.strftime("%Y-%m-%d")
    ids = milestones["id"].astype(str)
    if which == "escalation":
        level = milestones["level"]
        keys = ESCALATION + ":" + ids + ":" + due + ":" + level.astype(str)
        return keys.where(level > 0, "")
    overdue = milestones["overdue_n"] >= 0
    kind = pd.Series(REMINDER, index=milestones.index).where(~overdue, OVERDUE_NOTICE)
    stage = milestones["stage"].where(~overdue, milestones["overdue_n"])
    keys = kind + ":" + ids + ":" + due + ":" + stage.astype(str)
    return keys.where(stage >= 0, "")


def _unsent(milestones: pd.DataFrame, which: str, ledger: Ledger) -> pd.DataFrame:
    """Rows with a current stage, less those whose key every owner already got.

    A cheap column filter before any per-item work; ``_group`` still checks each
    recipient (escalation recipients come from routing, so those rows all stay).
    """
    keys = current_keys(milestones, which)
    rows = milestones[keys != ""].assign(key=keys[keys != ""])
    seen = rows["key"].isin(ledger.recipients.keys())
    if which == "escalation" or not seen.any():
        return rows
    pending = [
        any(owner.email not in ledger.recipients[key] for owner in owners)
        for key, owners in zip(rows.loc[seen, "key"], rows.loc[seen, "owners"], strict=True)
    ]
    keep = ~seen
    keep[seen] = pending
    return rows[keep]


def _owner_items(milestones: pd.DataFrame, names: pd.Series, context: PlanContext) -> list[Found]:
    found: list[Found] = []
    for m in milestones.itertuples(index=False):
        overdue = m.overdue_n >= 0
        kind = OVERDUE_NOTICE if overdue else REMINDER
        item = _item(m, kind, int(m.overdue_n if overdue else m.stage), names, context)
        found.extend(((owner,), (), item) for owner in m.owners)
    return found


def _escalation_items(
    milestones: pd.DataFrame, names: pd.Series, context: PlanContext
) -> list[Found]:
    found: list[Found] = []
    for m in milestones.itertuples(index=False):
        to = escalation_recipients(m, context.settings)
        if to:
            found.append((to, tuple(m.owners), _item(m, ESCALATION, int(m.level), names, context)))
    return found


def _item(m: Any, kind: str, stage: int, names: pd.Series, context: PlanContext) -> Item:
    due = pd.Timestamp(m.due).date()
    return Item(
        key=m.key,
        kind=kind,
        milestone_id=m.id,
        contract_id=m.contract_id,
        contract=m.contract,
        title=m.title,
        type=m.type,
        due=due,
        days_left=int(m.days_left),
        stage=stage,
        row=int(m.row),
        owners=tuple(m.owners),
        rule=describe_rule(kind, stage, int(m.days_left), m.type, context.settings),
        link=context.link_for_row.get(int(m.row)),
    )


def describe_rule(kind: str, stage: int, days_left: int, type_: str, settings: Settings) -> str:
    """Why this item is in the email, in one sentence."""
    if kind == REMINDER:
        ladder = ", ".join(str(d) for d in settings.lead_days.get(type_, ()))
        return (
            f"{stage}-day reminder before the due date "
            f"(reminders for {type_}: {ladder} days before)"
        )
    overdue = f"{-days_left} day{'' if days_left == -1 else 's'} overdue"
    if kind == OVERDUE_NOTICE:
        every = settings.overdue_repeat
        return f"{overdue}; a notice goes out every {every} days until it is marked done"
    after = ", ".join(str(d) for d in settings.escalate_after)
    return f"escalation level {stage}: {overdue} (escalate after {after} days)"


def _group(found: list[Found], kind: str, ledger: Ledger, digest: bool) -> list[Notification]:
    """One email per recipient list (or per item without digests), skipping what was sent."""
    groups: dict[tuple[str, ...], Notification] = {}
    copied: dict[tuple[str, ...], dict[str, Address]] = {}
    for to, cc, item in found:
        emails = tuple(sorted(a.email for a in to))
        if ledger.was_sent(item.key, "; ".join(emails)):
            continue
        group = emails + (() if digest else (item.key,))
        groups.setdefault(group, Notification(kind, to, ())).items.append(item)
        copies = copied.setdefault(group, {})
        for address in cc:
            if address.email not in emails:
                copies.setdefault(address.email, address)
    for group, note in groups.items():
        note.cc = tuple(copied[group].values())
        note.items.sort(key=lambda i: (i.days_left, i.due, i.milestone_id))
    return sorted(groups.values(), key=lambda n: (n.to_text, n.items[0].key))
