"""Resolved notes: an escalated milestone is done, so those who got its escalation hear so once.

An occurrence (milestone + due date) is *closed* when its row is Done now and was not
when the last run wrote its Status, or when this run records it completed (a repeating
milestone that rolls on to its next date); one whose note failed is tried again. A
closed occurrence that was escalated gets one ``resolved`` note (key
``resolved:{milestone}:{due}``) to each recipient list its escalations went to:
those the Log names for each level, and, when only the row's Last Notified remembers
the top level (its Log row pruned or deleted), whoever that level's rule names now. The
Log and the row's ``resolved`` mark (``record/resolved.py``) keep it from going
twice. Pure: no I/O, no clock.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..cells.addresses import Address
from ..derive import effective_day
from ..keys import milestone_key, resolved_key, resolved_parts
from ..record.notified import ledger_history, parse_last_notified
from ..record.resolved import resolved_through
from ..schema import DONE, ESCALATION, RESOLVED
from .emails import Found, group_emails
from .escalation import escalation_recipients
from .notification import Item, Notification
from .stages import Planning


@dataclass(frozen=True)
class Closed:
    """A done occurrence that was escalated: its row's position, due date and top level."""

    pos: int
    due: dt.date
    level: int


def plan_resolved(planning: Planning) -> list[Notification]:
    """One Resolved email per escalation recipient list, less what the Log or the rows record."""
    closed = closed_occurrences(planning)
    if not closed:
        return []
    found, noted = _resolved_pairs(planning, closed)
    settings = planning.context.settings
    return group_emails(found, RESOLVED, planning.ledger, settings.digest, noted)


def closed_occurrences(planning: Planning) -> list[Closed]:
    """Occurrences done since the last run (or whose note failed), escalated, once each."""
    frame = planning.milestones
    if frame.empty:
        return []
    retry = _failed(planning)
    found: dict[tuple[str, dt.date], Closed] = {}
    for closed in [*_done_rows(frame, retry), *_completed(planning, retry)]:
        milestone = str(frame["id"].iat[closed.pos])
        if closed.level > 0:
            found.setdefault((milestone, closed.due), closed)
    return list(found.values())


def _failed(planning: Planning) -> set[tuple[str, dt.date]]:
    """The occurrences whose Resolved note the Log says failed: they are tried again."""
    parts = (resolved_parts(key) for key, _ in planning.ledger.failed)
    return {p for p in parts if p is not None}


def _done_rows(frame: pd.DataFrame, retry: set[tuple[str, dt.date]]) -> list[Closed]:
    """Rows Done now, not yet when the last run wrote their Status (or whose note failed),
    for a due date their escalation went for (Log and Last Notified merged).

    A row the last run already showed Done was done before: a note about it would be news
    to nobody (and an upgrade would otherwise send one for every old escalation).
    """
    levels = frame["sent_level"].to_numpy(dtype=np.int64)
    rows = np.flatnonzero(levels > 0)  # rows once escalated: few, so only theirs are read
    # Their cells read from arrays, not Series: pandas' own steps per call (a Series, the
    # .str accessor) cost more than the few rows, mostly none.
    due = frame["due"].to_numpy()[rows]
    done = (frame["status"].to_numpy(dtype=object)[rows] == DONE) & ~pd.isna(due)
    rows, due = rows[done], due[done]  # the few done rows once escalated
    if "status_before" in frame:
        before = frame["status_before"].to_numpy(dtype=object)[rows].tolist()
    else:
        before = [""] * len(rows)
    # A blank cell's text ("None", "nan") is never Done.
    shown = [str(cell).strip().casefold() == DONE.casefold() for cell in before]
    ids = frame["id"].iloc[rows].astype(str).tolist()
    days = [pd.Timestamp(stamp).date() for stamp in due]
    return [
        Closed(i, day, int(levels[i]))
        for i, was_done, milestone, day in zip(rows.tolist(), shown, ids, days, strict=True)
        if not was_done or (milestone, day) in retry
    ]


def _completed(planning: Planning, retry: set[tuple[str, dt.date]]) -> list[Closed]:
    """Occurrences this run records completed (repeating rows it rolls on, dated as Weekend
    deadlines move them), and those whose note failed, with the escalation level they reached."""
    frame = planning.milestones
    settings = planning.context.settings  # a rolled weekend date was escalated as its Friday
    done = {(m, effective_day(d, settings)) for m, d in planning.context.completed} | retry
    if not done:
        return []
    levels = ledger_history(planning.ledger, planning.context.today)["sent_level"]
    positions = {str(m): i for i, m in reversed(list(enumerate(frame["id"].tolist())))}
    cells = frame["last_notified"].tolist() if "last_notified" in frame else [None] * len(frame)
    closed = []
    for milestone, due in sorted(done):
        pos = positions.get(milestone)
        if pos is None:
            continue
        level = int(levels.get((milestone, due.isoformat()), 0))
        record = parse_last_notified(cells[pos])
        if record is not None and record.due == due:
            level = max(level, record.level)
        closed.append(Closed(pos, due, level))
    return closed


def _resolved_pairs(planning: Planning, closed: list[Closed]) -> tuple[Found, set[str]]:
    """Each closed occurrence's item, paired with each recipient list; the keys rows record."""
    frame = planning.milestones
    cells = frame["last_notified"].tolist() if "last_notified" in frame else [None] * len(frame)
    items, pairs, noted = [], [], set()
    for number, each in enumerate(closed):
        item = _item(planning, each)
        items.append(item)
        through = resolved_through(cells[each.pos])
        if through is not None and through >= each.due:
            noted.add(item.key)
        pairs += [(number, to) for to in _recipients(planning, each, item.milestone_id)]
    rank = np.asarray(
        pd.Series([(i.due, i.milestone_id) for i in items]).rank(method="first") - 1,
        dtype=np.int64,
    )
    found = Found(
        items,
        rank,
        np.asarray([p[0] for p in pairs], dtype=np.int64),
        [p[1] for p in pairs],
        [() for _ in pairs],
    )
    return found, noted


def _recipients(planning: Planning, closed: Closed, milestone: str) -> list[tuple[Address, ...]]:
    """Who got the escalations: each level the Log names, and the top level by its rule now
    when the Log has no row of it (pruned or deleted; the row's Last Notified has it)."""
    frame, settings = planning.milestones, planning.context.settings
    lists: dict[str, tuple[Address, ...]] = {}
    for level in range(1, closed.level + 1):
        rule = escalation_recipients(
            level,
            tuple(frame["escalate_to"].iat[closed.pos] or ()),
            frame["department"].iat[closed.pos],
            settings,
        )
        logged = planning.ledger.recipients.get(
            milestone_key(ESCALATION, milestone, closed.due, level)
        )
        for text in sorted(logged or ()):
            lists.setdefault(text, _addresses(text, rule))
        if not logged and level == closed.level and rule:
            lists.setdefault("; ".join(sorted(a.email for a in rule)), rule)
    return list(lists.values())


def _addresses(text: str, known: tuple[Address, ...]) -> tuple[Address, ...]:
    """The addresses of a Log Recipients text, with the display names ``known`` gives them."""
    names = {a.email: a for a in known}
    return tuple(names.get(e.strip(), Address("", e.strip())) for e in text.split(";") if e.strip())


def _item(planning: Planning, closed: Closed) -> Item:
    """The Resolved note's item: the milestone as it was, the level it reached, why it is done."""
    frame, today = planning.milestones, planning.context.today
    row = frame.iloc[closed.pos]
    milestone = str(row["id"])
    contract = planning.names.get(row["contract_id"], "")
    return Item(
        resolved_key(milestone, closed.due),
        RESOLVED,
        milestone,
        str(row["contract_id"]),
        "" if pd.isna(contract) else str(contract),
        str(row["title"]),
        str(row["type"]),
        closed.due,
        (closed.due - today).days,
        closed.level,
        int(row["row"]),
        tuple(row["owners"] or ()),
        resolved_rule(closed.level, closed.due, row["due"]),
        planning.context.link_for_row.get(int(row["row"])),
    )


def resolved_rule(level: int, due: dt.date, now_due: object) -> str:
    """Why the note: the escalation it follows, and that the milestone is now done."""
    text = f"it was escalated (level {level}) while overdue and is now marked done"
    if isinstance(now_due, pd.Timestamp) and now_due.date() != due:
        text += f"; it repeats, next due {now_due.date():%d %b %Y}"
    return text


def resolved_example(escalation: Notification) -> Notification:
    """A Resolved note for an escalation email's first item, as if it were now done.

    Custom templates are checked with it: the sample tracker has no done escalation.
    """
    first = escalation.items[0]
    item = first._replace(
        key=resolved_key(first.milestone_id, first.due),
        kind=RESOLVED,
        rule=resolved_rule(first.stage, first.due, None),
    )
    return Notification(RESOLVED, escalation.to, (), [item])
