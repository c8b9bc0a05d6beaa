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
from types import SimpleNamespace

import numpy as np
import pandas as pd

from .cells.addresses import Address
from .keys import milestone_keys
from .normalize.ledger import Ledger
from .normalize.settings import Settings
from .routing import escalation_recipients
from .schema import DIGEST, ESCALATION, OVERDUE_NOTICE, REMINDER, SUMMARY
from .values import factorize_objects, gc_paused, lookup, object_array


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


def plan_notifications(
    milestones: pd.DataFrame, contracts: pd.DataFrame, ledger: Ledger, context: PlanContext
) -> list[Notification]:
    """Every email this run should send, most urgent items first within each."""
    from .summary import plan_summaries

    with gc_paused():
        names = contract_names(contracts)
        digest = context.settings.digest
        notices = _owner_items(milestones, _unsent(milestones, "notice", ledger), names, context)
        escalating = _not_noted(milestones, _due_now(milestones, ESCALATION), ledger)
        escalations = _escalation_items(milestones, escalating, names, context)
        noted = _noted_keys(milestones)
        notes = _group(notices, DIGEST, ledger, digest, noted)
        notes += _group(escalations, ESCALATION, ledger, digest, noted)
        return notes + plan_summaries(milestones, contracts, ledger, context)


def contract_names(contracts: pd.DataFrame) -> pd.Series:
    """Each contract ID's name (the first row with that ID)."""
    return contracts.drop_duplicates("id").set_index("id")["name"]


@dataclass
class _Due:
    """Milestone rows with a current stage of one kind: positions, kinds, stages, keys."""

    pos: np.ndarray
    kinds: list[str]
    stages: np.ndarray
    keys: list[str]

    def take(self, keep: np.ndarray) -> _Due:
        kinds, keys = np.asarray(self.kinds, dtype=object), np.asarray(self.keys, dtype=object)
        return _Due(self.pos[keep], kinds[keep].tolist(), self.stages[keep], keys[keep].tolist())


def _due_now(milestones: pd.DataFrame, which: str) -> _Due:
    """Rows whose current stage of ``which`` ("notice" or "escalation") has a key."""
    if which == ESCALATION:
        stage = milestones["level"].to_numpy()
        pos = np.flatnonzero(stage > 0)
        kinds = [ESCALATION] * len(pos)
    else:
        overdue = milestones["overdue_n"].to_numpy()
        stage = np.where(overdue > 0, overdue, milestones["stage"].to_numpy())
        pos = np.flatnonzero(stage >= 0)
        kinds = np.where(overdue[pos] > 0, OVERDUE_NOTICE, REMINDER).tolist()
    stages = stage[pos]
    ids = milestones["id"].to_numpy(dtype=object)[pos]
    due = _day_texts(milestones["due"].to_numpy()[pos])
    keys = milestone_keys(kinds, ids, due, stages.tolist())
    return _Due(pos, kinds, stages, keys)


def _day_texts(due: np.ndarray) -> list[str]:
    """``YYYY-MM-DD`` for each datetime, formatting each distinct day once."""
    days = due.astype("datetime64[D]")
    codes, distinct = pd.factorize(days)
    texts = np.asarray([str(d) for d in distinct.astype("datetime64[D]")], dtype=object)
    return texts[codes].tolist() if len(texts) else []


def _not_noted(milestones: pd.DataFrame, due: _Due, ledger: Ledger) -> _Due:
    """Less the stages the row's Last Notified records and the Log does not know of.

    The Log is asked first (it says who got a key, so a failed copy is retried);
    when it has no row for a key (pruned, deleted, renamed, or the ID renamed),
    the row's own record stops a resend.
    """
    if "noted" not in milestones or not len(due.pos):
        return due
    noted = milestones["noted"].to_numpy(dtype=object)[due.pos]
    got = ledger.recipients
    keep = [
        key in got or not (isinstance(keys, tuple) and key in keys)
        for key, keys in zip(due.keys, noted, strict=True)
    ]
    return due.take(np.asarray(keep, dtype=bool))


def _unsent(milestones: pd.DataFrame, which: str, ledger: Ledger) -> _Due:
    """Rows with a current stage, less those whose key every owner already got.

    A cheap filter before any per-item work; ``_group`` still checks each recipient.
    """
    due = _not_noted(milestones, _due_now(milestones, which), ledger)
    if not ledger.recipients:
        return due
    owners = milestones["owners"].to_numpy(dtype=object)[due.pos]
    got = ledger.recipients
    keep = [
        key not in got or any(owner.email not in got[key] for owner in group)
        for key, group in zip(due.keys, owners, strict=True)
    ]
    return due.take(np.asarray(keep, dtype=bool))


@dataclass
class _Found:
    """Items and recipients: pair ``j`` sends ``items[item[j]]`` to ``to[j]``, cc ``cc[j]``."""

    items: list[Item]
    rank: np.ndarray  # each item's place in most-urgent-first order
    item: np.ndarray
    to: list[tuple[Address, ...]]
    cc: list[tuple[Address, ...]]


def _owner_items(
    milestones: pd.DataFrame, due: _Due, names: pd.Series, context: PlanContext
) -> _Found:
    items, rank = _items(milestones, due, names, context)
    owners = milestones["owners"].to_numpy(dtype=object)[due.pos]
    codes, groups = factorize_objects(owners)
    alone = [tuple((owner,) for owner in group) for group in groups]
    counts = np.asarray([len(g) for g in groups], dtype=np.int64)[codes] if len(groups) else codes
    item = np.repeat(np.arange(len(items)), counts)
    to = [single for code in codes.tolist() for single in alone[code]]
    return _Found(items, rank, item, to, [()] * len(to))


def _escalation_items(
    milestones: pd.DataFrame, due: _Due, names: pd.Series, context: PlanContext
) -> _Found:
    items, rank = _items(milestones, due, names, context)
    frame = milestones[["escalate_to", "department", "level", "owners"]].iloc[due.pos]
    recipients = _escalation_recipients(frame, context.settings)
    item = np.flatnonzero([len(r) > 0 for r in recipients])
    owners = frame["owners"].to_numpy(dtype=object)
    return _Found(
        items,
        rank,
        item,
        [recipients[i] for i in item.tolist()],
        [tuple(owners[i]) for i in item.tolist()],
    )


def _escalation_recipients(frame: pd.DataFrame, settings: Settings) -> list[tuple[Address, ...]]:
    """``escalation_recipients`` of each row, worked out once per distinct routing."""
    escalate, routes = factorize_objects(frame["escalate_to"].to_numpy(dtype=object))
    department, names = pd.factorize(frame["department"].to_numpy(dtype=object))
    high = (frame["level"].to_numpy() >= 2).astype(np.int64)
    combined = (escalate * (len(names) + 1) + department + 1) * 2 + high
    codes, distinct = pd.factorize(combined)
    answers = []
    for value in distinct.tolist():
        rest, level = divmod(value, 2)
        route, dept = divmod(rest, len(names) + 1)
        row = SimpleNamespace(
            level=2 if level else 1,
            escalate_to=routes[route],
            department=names[dept - 1] if dept else np.nan,
        )
        answers.append(escalation_recipients(row, settings))
    return [answers[c] for c in codes.tolist()]


_ITEM_COLUMNS = ("id", "contract_id", "title", "type", "due", "days_left", "row", "owners")
_RULE_COLUMNS = ("lead_days", "lead_from")


def _items(
    milestones: pd.DataFrame, due: _Due, names: pd.Series, context: PlanContext
) -> tuple[list[Item], np.ndarray]:
    """One Item per due row, built column-wise; and each one's most-urgent-first rank."""
    wanted = [*_ITEM_COLUMNS, *(c for c in _RULE_COLUMNS if c in milestones)]
    frame = milestones[wanted].iloc[due.pos]
    stamps = frame["due"].to_numpy()
    days_left = frame["days_left"].to_numpy(dtype=np.int64, na_value=0)
    types = frame["type"].to_numpy(dtype=object)
    ids = frame["id"].to_numpy(dtype=object)
    rows = frame["row"].to_numpy().tolist()
    links = context.link_for_row
    items = list(
        map(
            Item,
            due.keys,
            due.kinds,
            ids.tolist(),
            frame["contract_id"].to_numpy(dtype=object).tolist(),
            _names(frame["contract_id"], names),
            frame["title"].to_numpy(dtype=object).tolist(),
            types.tolist(),
            _days(stamps),
            days_left.tolist(),
            due.stages.tolist(),
            rows,
            frame["owners"].to_numpy(dtype=object).tolist(),
            _rules(frame, due, days_left, context.settings),
            [links.get(r) for r in rows] if links else [None] * len(rows),
        )
    )
    order = np.lexsort((ids.astype(str), stamps, days_left)) if len(ids) else np.zeros(0, int)
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return items, rank


def _names(contract_ids: pd.Series, names: pd.Series) -> list[str]:
    found = lookup(names.index, contract_ids.to_numpy(dtype=object))
    values = np.append(names.to_numpy(dtype=object), "")
    text = pd.Series(values[found], dtype=object).fillna("").astype(str)
    return text.to_numpy(dtype=object).tolist()


def _days(stamps: np.ndarray) -> list[dt.date]:
    """Each datetime as a ``date``, converting each distinct day once."""
    codes, distinct = pd.factorize(stamps.astype("datetime64[D]"))
    dates = object_array([pd.Timestamp(d).date() for d in distinct])
    return dates[codes].tolist() if len(dates) else []


def _rules(frame: pd.DataFrame, due: _Due, days_left: np.ndarray, settings: Settings) -> list[str]:
    """``describe_rule`` for each item, written once per distinct rule and numbers."""
    if not len(due.pos):
        return []
    ladders = [", ".join(str(d) for d in _ladder(v)) for v in frame["lead_days"].tolist()]
    sources = frame["lead_from"] if "lead_from" in frame else pd.Series(["default"] * len(frame))
    table = pd.DataFrame(
        {
            "kind": due.kinds,
            "stage": due.stages,
            "days": days_left,
            "type": frame["type"].to_numpy(dtype=object),
            "ladder": ladders,
            "source": sources.to_numpy(dtype=object),
        }
    )
    codes, distinct = pd.factorize(pd.MultiIndex.from_frame(table))
    texts = [
        describe_rule(k, int(s), int(d), Ladder(t, lad, src), settings)
        for k, s, d, t, lad, src in distinct
    ]
    return np.asarray(texts, dtype=object)[codes].tolist()


def _ladder(value: object) -> tuple[int, ...]:
    return tuple(int(v) for v in value) if isinstance(value, tuple | list) else ()


@dataclass(frozen=True)
class Ladder:
    """Where a row's reminder days came from: its type, the days, and who set them."""

    type: str
    days: str  # "30, 7, 2"
    source: str = "default"  # row / setting / default


def describe_rule(kind: str, stage: int, days_left: int, ladder: Ladder, settings: Settings) -> str:
    """Why this item is in the email, in one sentence whose numbers all come from the sheet."""
    if kind == REMINDER:
        when = "reminder on the due date" if stage == 0 else f"{stage}-day reminder"
        return f"{when} ({_ladder_words(ladder)} days before)"
    overdue = f"{-days_left} day{'' if days_left == -1 else 's'} overdue"
    if kind == OVERDUE_NOTICE:
        every = settings.overdue_repeat
        return (
            f"{overdue}; a notice goes out every {every} days until it is marked done "
            f"(this is notice #{stage})"
        )
    after = ", ".join(str(d) for d in sorted(settings.escalate_after))
    return f"escalation level {stage}: {overdue} (escalate after {after} days)"


def _ladder_words(ladder: Ladder) -> str:
    """``your row's Remind Days: 30, 7, 2``, the Remind setting's, or the type's default."""
    if ladder.source == "row":
        return f"your row's Remind Days: {ladder.days}"
    if ladder.source == "setting":
        return f"the Remind: {ladder.type} setting: {ladder.days}"
    return f"the default for {ladder.type} milestones: {ladder.days}"


def _noted_keys(milestones: pd.DataFrame) -> set[str]:
    """Every key a row's Last Notified records for its current due date."""
    if "noted" not in milestones:
        return set()
    return {key for keys in milestones["noted"] if isinstance(keys, tuple) for key in keys}


def _group(
    found: _Found, kind: str, ledger: Ledger, digest: bool, noted: set[str]
) -> list[Notification]:
    """One email per recipient list (or per item without digests), skipping what was sent."""
    codes, tos = factorize_objects(object_array(found.to))
    emails = [tuple(sorted(a.email for a in to)) for to in tos]
    pair_text, texts = _recipient_texts(codes, emails)
    keep = _not_sent(found, pair_text, texts, ledger, noted)
    group = pair_text if digest else pair_text * max(len(found.items), 1) + found.item
    pairs = np.flatnonzero(keep)
    order = pairs[np.lexsort((found.rank[found.item[pairs]], group[pairs]))]
    notes = []
    bounds = np.flatnonzero(np.diff(group[order])) + 1
    for members in np.split(order, bounds) if len(order) else []:
        first = int(members.min())
        note = Notification(kind, found.to[first], ())
        note.items = [found.items[i] for i in found.item[members].tolist()]
        note.cc = _copies(found, members, set(emails[codes[first]]))
        notes.append(note)
    return sorted(notes, key=lambda n: (n.to_text, n.items[0].key))


def _recipient_texts(
    codes: np.ndarray, emails: list[tuple[str, ...]]
) -> tuple[np.ndarray, list[str]]:
    """Each pair's recipients as the ledger matches them: a code per pair, and the texts.

    One address typed with two display names (``raj@x.com`` in one row, ``Raj Patel
    <raj@x.com>`` in another) is two recipient lists but one text, so the texts are
    counted apart from the lists: pair ``j`` is sent to ``texts[codes[j]]``.
    """
    if not len(codes):
        return codes, []
    text_codes, texts = pd.factorize(np.asarray(["; ".join(e) for e in emails], dtype=object))
    return text_codes[codes], [str(t) for t in texts]


def _not_sent(
    found: _Found, pair_text: np.ndarray, texts: list[str], ledger: Ledger, noted: set[str]
) -> np.ndarray:
    """Pairs not yet sent. A stage the row's Last Notified records goes again only to
    recipients the Log says it failed for: a person may have deleted the Log row of
    one recipient, and a missing row alone must never resend."""
    if not ledger.sent and not noted:
        return np.ones(len(pair_text), dtype=bool)
    keys = [found.items[i].key for i in found.item.tolist()]
    sent, failed = ledger.sent, ledger.failed
    return np.asarray(
        [
            (k, texts[t]) not in sent and (k not in noted or (k, texts[t]) in failed)
            for k, t in zip(keys, pair_text.tolist(), strict=True)
        ],
        dtype=bool,
    )


def _copies(found: _Found, members: np.ndarray, emails: set[str]) -> tuple[Address, ...]:
    """Who is copied: each cc address not among the recipients, first spelling kept."""
    copies: dict[str, Address] = {}
    for j in np.sort(members).tolist():
        for address in found.cc[j]:
            if address.email not in emails:
                copies.setdefault(address.email, address)
    return tuple(copies.values())
