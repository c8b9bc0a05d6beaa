"""An oracle for the reminder rules (DESIGN.md §4), written apart from ``evaluate`` and ``plan``.

It walks each milestone day by day in plain Python and says which keys a run on
that day must send; the simulation tests compare it with what the Log recorded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sheetsync.model import Snapshot
from sheetsync.normalize import normalize


@dataclass(frozen=True)
class Milestone:
    """What the oracle needs of one milestone."""

    id: str
    due: dt.date
    lead: tuple[int, ...]
    owners: tuple[str, ...]
    open: bool


def milestones_of(tabs: dict) -> list[Milestone]:
    """Read the tracker once through ``normalize`` for its typed inputs."""
    tracker = normalize(Snapshot("t", tabs))
    found = []
    for m in tracker.milestones.itertuples(index=False):
        if m.due is None or str(m.due) == "NaT":
            continue
        is_open = not (m.done or m.cancelled or m.blocked)
        found.append(
            Milestone(
                m.id, m.due.date(), tuple(m.lead_days), tuple(a.email for a in m.owners), is_open
            )
        )
    return found


@dataclass
class Ladder:
    """The oracle's record of the overdue notices it has had sent for one occurrence."""

    notice: int = 0
    notice_on: dt.date | None = None


def keys_due(
    m: Milestone,
    day: dt.date,
    repeat: int,
    escalate_after: tuple[int, ...],
    sent: dict[tuple[str, dt.date], Ladder] | None = None,
) -> list[str]:
    """The keys a run on ``day`` must send for ``m`` (before the ledger is consulted).

    Overdue notices are numbered from 1: the first on the first overdue run, the
    next ``repeat`` days after the last one sent. ``sent`` carries that across
    calls made day by day in order; without it, a run every day is assumed.
    """
    if not m.open:
        return []
    d = (m.due - day).days
    due = m.due.isoformat()
    if 0 <= d <= max(m.lead):
        return [f"reminder:{m.id}:{due}:{min(lead for lead in m.lead if lead >= d)}"]
    if d >= 0:
        return []
    o = -d
    keys = [f"overdue:{m.id}:{due}:{_notice(o, day, repeat, sent, (m.id, m.due))}"]
    level = sum(1 for threshold in sorted(escalate_after) if o >= threshold)
    if level:
        keys.append(f"escalation:{m.id}:{due}:{level}")
    return keys


def _notice(
    o: int,
    day: dt.date,
    repeat: int,
    sent: dict[tuple[str, dt.date], Ladder] | None,
    occurrence: tuple[str, dt.date],
) -> int:
    if sent is None:
        return (o - 1) // repeat + 1
    ladder = sent.setdefault(occurrence, Ladder())
    if ladder.notice_on is None or (day - ladder.notice_on).days >= repeat:
        ladder.notice, ladder.notice_on = ladder.notice + 1, day
    return ladder.notice


def expected_keys(
    milestones: Iterable[Milestone],
    days: Iterable[dt.date],
    repeat: int = 7,
    escalate_after: tuple[int, ...] = (3, 10),
) -> set[str]:
    """Every key a series of runs on ``days`` (in order) must have sent."""
    expected: set[str] = set()
    days = sorted(days)
    sent: dict[tuple[str, dt.date], Ladder] = {}
    for m in milestones:
        for day in days:
            expected.update(keys_due(m, day, repeat, escalate_after, sent))
    return expected
