"""A tracker's open deadlines as an iCalendar file: ``sheetsync calendar`` and the owner feed.

The tracker is read and evaluated as a check would (nothing is written or sent); its
open milestones become all-day events (``compose/calendar.py``), all of them or those
of one owner. The feed answers a signed feed link (``links``: action ``feed``, subject
the owner) with that owner's calendar, and anything else with a 403; a token with a bad
signature, for another tracker or long expired is refused before the tracker is read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from .backends import open_backend
from .backends.base import Backend
from .cells.addresses import parse_addresses
from .compose.calendar import open_deadlines, owned_by, to_ics
from .errors import SheetsyncError, UsageError
from .fleet.links import tracker_address
from .links import (
    EXPIRED,
    FEED,
    FOREIGN,
    TAMPERED,
    LinkRejected,
    parse_keys,
    signature_ok,
    verify,
    verify_unread,
)
from .pipeline import Prepared, RunOptions, prepare
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
    return deadlines_of(prepare(backend, options), owner)


def deadlines_of(prepared: Prepared, owner: str | None) -> Deadlines:
    """The open deadlines of a prepared tracker, all or ``owner``'s."""
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


@dataclass(frozen=True)
class FeedAnswer:
    """An HTTP answer: status, body and its content type."""

    status: int
    body: bytes
    content_type: str = "text/plain; charset=utf-8"

    @property
    def headers(self) -> dict[str, str]:
        """The response headers: the type, no sniffing, and a short private cache."""
        return {
            "Content-Type": self.content_type,
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, max-age=900",
        }


REFUSED = {
    TAMPERED: "This calendar link is not valid. Use the link in your latest summary email.",
    EXPIRED: "This calendar link has expired. Use the link in your latest summary email.",
    FOREIGN: "This calendar link is for another tracker or another purpose.",
}


def feed_answer(
    backend: Backend, token: str, keys: Sequence[bytes], clock: Callable[[], dt.datetime]
) -> FeedAnswer:
    """The owner's calendar for a valid feed token; 403 for a tampered, expired or foreign one."""
    if not token:
        return FeedAnswer(400, b"No calendar link: subscribe with the link in your summary email.")
    try:  # the signature, tracker and expiry first: a bad link costs no read of the tracker
        link = verify_unread(token, keys, tracker=backend.identity, now=clock())
        if link.action != FEED or link.due is not None:
            raise LinkRejected(FOREIGN, link)
        prepared = prepare(backend, RunOptions(clock=clock))
        verify(token, keys, tracker=prepared.envelope.tracker_identity, today=prepared.today)
    except LinkRejected as exc:
        return FeedAnswer(403, REFUSED[exc.reason].encode())
    found = deadlines_of(prepared, link.subject)
    return FeedAnswer(200, found.ics, "text/calendar; charset=utf-8")


def feed_from_environment(method: str, token: str, environ: Mapping[str, str]) -> FeedAnswer:
    """The feed as the act function serves it: the tracker (or a fleet's) and keys from the
    environment."""
    if method not in {"GET", "HEAD"}:
        return FeedAnswer(405, b"A calendar feed is only read.")
    if not token:
        return FeedAnswer(400, b"No calendar link: subscribe with the link in your summary email.")
    try:
        keys = parse_keys(environ.get("SHEETSYNC_LINK_KEYS"))
        tracker = tracker_address(token, keys, environ)
        if tracker is None:
            reason = FOREIGN if signature_ok(token, keys) else TAMPERED
            return FeedAnswer(403, REFUSED[reason].encode())
        backend = open_backend(tracker)
        return feed_answer(backend, token, keys, lambda: dt.datetime.now(dt.UTC))
    except UsageError as exc:
        return FeedAnswer(500, f"The calendar feed is not set up: {exc}".encode())
    except SheetsyncError:
        return FeedAnswer(503, b"The tracker cannot be read just now; your calendar will retry.")
