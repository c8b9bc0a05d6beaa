"""The ``act`` target's work: check the token, read the tracker fresh, and maybe write.

A GET (what a person's browser and a mail scanner both do) reads and shows; only a POST
(the Confirm button) writes, and only under the run lock (``Backend.lock``), after a
second fresh read, with the Due Date, Done and Completed On cells expected as read, so
a person's edit in between wins and a running run is never written across.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from zoneinfo import ZoneInfo

from ..backends.base import Backend
from ..errors import TrackerBusy
from ..links import Link, LinkRejected, verify, verify_unread
from ..model import RowWrite, TabWrite
from ..normalize import Tracker, normalize
from ..record.rows import sent_at
from ..schema import LOG_COLUMNS, MILESTONES
from ..writeback import milestone_id_header
from .decide import HOW, MARKED, WRITE, RowNow, decide, marked_key, row_now
from .page import (
    Page,
    busy_page,
    decision_page,
    held_page,
    rejected_page,
    request_problem,
    written_page,
)

Clock = Callable[[], dt.datetime]


def answer(backend: Backend, method: str, token: str, keys: Sequence[bytes], clock: Clock) -> Page:
    """The page for one request to a Mark-done link; writes only for a POST.

    Args:
        backend: the tracker the function serves (``SHEETSYNC_TRACKER``).
        method: the HTTP method; GET and HEAD show, POST confirms.
        token: the link's token (the ``t`` query or form field).
        keys: the accepted link keys (``SHEETSYNC_LINK_KEYS``).
        clock: the time now (UTC); today is the tracker's today.
    """
    if (problem := request_problem(method, token)) is not None:
        return problem
    try:  # before any read: forged, foreign and long-expired links cost no API call
        verify_unread(token, keys, tracker=backend.identity, now=clock())
    except LinkRejected as exc:
        return rejected_page(exc.reason, exc.link)
    if method != "POST":
        return _respond(backend, token, keys, clock, posted=False)
    try:
        with backend.lock():
            return _respond(backend, token, keys, clock, posted=True)
    except TrackerBusy:
        return busy_page()


def _respond(
    backend: Backend, token: str, keys: Sequence[bytes], clock: Clock, *, posted: bool
) -> Page:
    snapshot = backend.read()
    tracker = normalize(snapshot)
    now = clock()
    today = now.astimezone(ZoneInfo(tracker.settings.time_zone or "UTC")).date()
    try:
        link = verify(token, keys, tracker=snapshot.identity, today=today)
    except LinkRejected as exc:
        return rejected_page(exc.reason, exc.link)
    row = row_now(tracker, link.subject)
    decision = decide(link, row, tracker.ledger, posted)
    if decision.verdict != WRITE or row is None:
        return decision_page(decision, link, token, tracker.title)
    google = snapshot.url is not None
    return _mark_done(backend, tracker, (link, row), (today, now), google)


def _mark_done(
    backend: Backend,
    tracker: Tracker,
    target: tuple[Link, RowNow],
    when: tuple[dt.date, dt.datetime],
    google: bool,
) -> Page:
    """Write Done and Completed On if the row still holds what was read; then the Log row."""
    link, row = target
    today, now = when
    table = tracker.tables[MILESTONES]
    headers = {name: str(table.header[i]) for name, i in table.index.items()}
    done = True if google or isinstance(row.raw.get("Done"), bool) else "yes"
    wanted = {"Done": done, "Completed On": today}
    cells = {headers[n]: v for n, v in wanted.items() if n in headers}
    expect = {headers[n]: v for n, v in row.raw.items() if n in headers}
    write = RowWrite(link.subject, row.row, cells, expect)
    report = backend.write_status([TabWrite(table.tab, milestone_id_header(table), (), [write])])
    if report.held or report.skipped or not report.written:
        return held_page(row)
    key = marked_key(link.subject, row.due or today)
    log = [sent_at(now), MARKED, key, row.contract_id, row.milestone_id, link.recipient, HOW]
    backend.append_log(LOG_COLUMNS, [[*log, "", "recorded"]])
    return written_page(row, today, tracker.title)
