"""A tracker's open deadlines as an iCalendar file: ``sheetsync calendar`` and the owner feed.

The tracker is read and evaluated as a check would (nothing is written or sent); its
open milestones become all-day events (``compose/calendar.py``), all of them or those
of one owner.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from .backends.base import Backend
from .cells.addresses import parse_addresses
from .compose.calendar import open_deadlines, owned_by, to_ics
from .errors import UsageError
from .pipeline import RunOptions, prepare
from .plan.stages import contract_names


@dataclass(frozen=True)
class Deadlines:
    """An iCalendar file and how many events it holds."""

    ics: bytes
    count: int
    title: str


def owner_address(text: str) -> str:
    """The bare address of ``--owner``.

    Raises:
        UsageError: it is not one email address.
    """
    good, bad = parse_addresses(text)
    if len(good) != 1 or bad:
        raise UsageError(f"--owner {text!r} is not one email address")
    return good[0].email


def tracker_deadlines(
    backend: Backend,
    today: dt.date | None = None,
    owner: str | None = None,
    clock: Callable[[], dt.datetime] | None = None,
) -> Deadlines:
    """The open deadlines of the tracker behind ``backend`` (of ``owner``'s rows only, if given)."""
    options = RunOptions(today=today) if clock is None else RunOptions(today=today, clock=clock)
    prepared = prepare(backend, options)
    rows = prepared.evaluated if owner is None else owned_by(prepared.evaluated, owner)
    events = open_deadlines(
        rows,
        contract_names(prepared.tracker.contracts),
        prepared.envelope.tracker_identity,
        prepared.today,
        prepared.row_links,
    )
    title = prepared.tracker.title + (f" ({owner})" if owner else "")
    return Deadlines(to_ics(events, f"{title}: deadlines", prepared.now), len(events), title)
