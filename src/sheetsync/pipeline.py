"""One run, wired: read → normalize → derive → evaluate → plan → compose → deliver and
record → write back.

The pure steps never touch I/O; this module is where the backend, the transport
and the clock meet them, each step one call. Delivery happens in batches, each
followed at once by its Log rows (``deliver``), so a crash loses at most one batch's
records; those messages are resent with the same Message-ID on the next run.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import importlib
import logging
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from functools import lru_cache
from typing import Any, cast
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from .approvals.records import mark_opened
from .backends.base import Backend
from .backends.memory import MemoryBackend
from .cells.addresses import Address
from .compose import Envelope, build_message, environment
from .compose.template_check import check_templates, one_of_each_kind
from .dashboard import build_dashboard
from .deliver import Render, Sending, deliver
from .derive import Derived, derive
from .derive.changes import completed_now
from .derive.inputs import derive_inputs
from .errors import UsageError
from .evaluate import evaluate_milestones
from .evaluate.health import contract_health
from .init.sample import sample_tracker
from .links import LinkMaker, expiry
from .logtab import log_frame
from .model import Snapshot, TabWrite
from .normalize import Tracker, normalize
from .normalize.settings import Settings
from .plan import Notification, PlanContext, plan_notifications
from .problems import problems_by_row
from .record.notified import attach_history, last_notified_texts
from .record.prune import prune_policy
from .record.rows import change_rows, sent_today
from .record.summary_cells import mark_summaries
from .result import RunResult
from .schema import (
    CONTRACTS,
    LAST_NOTIFIED,
    LOG_COLUMNS,
    MILESTONE_SYSTEM,
    MILESTONES,
    SETTINGS,
    STATUS,
)
from .steps import Progress, no_progress, step
from .transports.base import Transport
from .values import filled, is_none_mask
from .writeback import (
    Shown,
    contract_writes,
    milestone_id_header,
    milestone_writes,
    new_milestone_rows,
    settings_writes,
)

log = logging.getLogger(__name__)
DEFAULT_SENDER = Address("sheetsync", "sheetsync@localhost")
SAMPLE_DAY = dt.date(2026, 12, 1)  # the sample tracker custom templates are checked with
SAMPLE_NOW = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)
SUBJECTS = 5  # subjects a run's report lists


@dataclass
class RunOptions:
    """How to run: the day, the clock, and whether to write and send."""

    today: dt.date | None = None
    dry_run: bool = False
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)
    batch_size: int = 200
    progress: Progress = no_progress
    sender: Address | None = None
    allowed_domains: tuple[str, ...] | None = None
    require_sender: bool = False  # a mail server refuses the default sheetsync@localhost
    templates: str | None = None  # an organization's own email templates (a folder)
    action_url: str | None = None  # SHEETSYNC_ACTION_URL; the Settings tab's Action URL wins
    link_keys: tuple[bytes, ...] = ()  # SHEETSYNC_LINK_KEYS: without one, no Mark-done links


@dataclass
class Prepared:
    """Everything the pure steps produced, before any write or send."""

    tracker: Tracker
    evaluated: pd.DataFrame
    notifications: list[Notification]
    escalation: pd.Series  # the Escalation column's text per milestone row
    today: dt.date
    now: dt.datetime
    envelope: Envelope
    derived: Derived
    templates: str | None = None
    row_links: dict[int, str] = field(default_factory=dict)  # a link to each Milestones row


def prepare(
    backend: Backend, options: RunOptions, settle: Callable[[], None] = lambda: None
) -> Prepared:
    """Read the tracker and run the pure steps: nothing is written or sent.

    Custom templates are checked first, by rendering every kind of email with them.
    ``settle`` is called after each step that leaves many objects alive (``long_lived``).
    """
    if options.templates:
        notes, sample = sample_notes()
        check_templates(options.templates, notes, sample.envelope, sample.today)
    with step("read the tracker"), gc_paused(settle):
        snapshot = backend.read()
    with step("check every row"), gc_paused(settle):
        tracker = normalize(snapshot, allowed_domains=options.allowed_domains)
    now = options.clock()
    today = options.today or now.astimezone(ZoneInfo(tracker.settings.time_zone or "UTC")).date()
    with step("work out statuses"):
        derived, evaluated = _evaluate(tracker, snapshot, today, settle)
    context = PlanContext(
        tracker.settings,
        today,
        _links(snapshot, tracker, evaluated),
        completed_now(derived.changes),
    )
    with step("plan the emails"), gc_paused(settle):
        plan = plan_notifications(evaluated, tracker.contracts, tracker.ledger, context)
    sender = options.sender or tracker.settings.sender or DEFAULT_SENDER
    envelope = Envelope(
        sender,
        tracker.settings.reply_to,
        tracker.title,
        snapshot.url,
        snapshot.identity,
        link_maker(tracker.settings, snapshot.identity, options, today),
    )
    return Prepared(
        tracker,
        evaluated,
        plan.notifications,
        plan.escalation,
        today,
        now,
        envelope,
        derived,
        options.templates,
        row_links=context.link_for_row,
    )


@contextmanager
def gc_paused(settle: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold off the cyclic garbage collector while building many small acyclic objects.

    Items, records and Problems hold no reference cycles, so there is nothing for
    it to find; yet every few hundred allocations it would walk every live object
    (a million-row grid is millions of them), which made big runs superlinear. The
    pure steps that build them (normalize, derive and evaluate, plan) run inside
    this switch, and so do the backend's read (every row of the answer, then of the
    grid) and status write (the re-read's columns, the cells planned); what the
    network code leaves in cycles meanwhile is collected once the switch is back.
    ``settle`` (``long_lived``), called before it is, spares the collector's first
    passes the objects the block left alive.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if settle is not None:
            settle()
        if was_enabled:
            gc.enable()


@contextmanager
def long_lived() -> Iterator[Callable[[], None]]:
    """Give a function that takes the objects alive when it is called (the tracker as
    read, its frames, the plan) out of the cyclic garbage collector's passes, until
    the block ends.

    A run makes many objects outside the pure steps too; every so often the
    collector walks every live object, the read tracker's millions of cells
    included (at 100,000 milestones each walk took a tenth of a second or more,
    several a run; the first after a ``gc_paused`` block walks all it made).
    Frozen (``gc.freeze``), those are left alone: objects made later are collected
    as before, and at the block's end everything is handed back to the collector.
    When something else has frozen objects already, the function does nothing.
    """
    mine = not gc.get_freeze_count()
    try:
        yield gc.freeze if mine else lambda: None
    finally:
        if mine:
            gc.unfreeze()


@contextmanager
def small_pages() -> Iterator[None]:
    """Keep numpy from asking the kernel for huge pages until the block ends.

    NumPy advises transparent huge pages for each array of 4 MB or more, and a run
    makes and lets go of many of them (one column of a million rows is 8 MB). Each
    fresh huge page is zeroed whole when first touched: on the virtual machines
    measured (BENCHMARKS.md), the pure steps at a million milestones spent 1.2-2.0 s
    of kernel time in page faults with the advice, 0.7-1.0 s without. Whoever set
    ``NUMPY_MADVISE_HUGEPAGE`` chose for themselves, and a numpy without the switch
    is left as it is: then nothing changes.
    """
    switch = None if "NUMPY_MADVISE_HUGEPAGE" in os.environ else _hugepage_switch()
    if switch is None:
        yield
        return
    before = switch(False)
    try:
        yield
    finally:
        switch(before)


def _hugepage_switch() -> Callable[[bool], bool] | None:
    """numpy's own switch for its huge-page advice (it returns the setting it replaced)."""
    for name in ("numpy._core.multiarray", "numpy.core.multiarray"):
        try:
            switch = getattr(importlib.import_module(name), "_set_madvise_hugepage", None)
        except ImportError:
            continue
        if callable(switch):
            return cast(Callable[[bool], bool], switch)
    return None


def link_maker(
    settings: Settings, identity: str, options: RunOptions, today: dt.date
) -> LinkMaker | None:
    """What signs this run's Mark-done links; None without an Action URL or a link key."""
    url = settings.action_url or options.action_url
    if not url:
        return None
    if not options.link_keys:
        log.warning("Action URL %s is set but SHEETSYNC_LINK_KEYS is not: no Mark-done links", url)
        return None
    expires = expiry(today, settings.link_expiry_days)
    return LinkMaker(url, options.link_keys, identity, expires)


def _links(snapshot: Snapshot, tracker: Tracker, evaluated: pd.DataFrame) -> dict[int, str]:
    """A link to each milestone row, where the tracker has them (Google Sheets)."""
    if not snapshot.url:  # a workbook or memory: no row has a link
        return {}
    return snapshot.row_links(tracker.tables[MILESTONES].tab, evaluated["row"].astype(int).tolist())


@lru_cache(maxsize=1)
def sample_notes() -> tuple[list[Notification], Prepared]:
    """One email of each kind, planned by this pipeline for the bundled sample tracker.

    Custom templates are checked by rendering these (``template_check``).
    """
    tabs = cast(dict[str, Any], sample_tracker(SAMPLE_DAY))  # dates: MemoryBackend takes them
    backend = MemoryBackend(tabs, title="Sample contracts")
    prepared = prepare(backend, RunOptions(today=SAMPLE_DAY, clock=lambda: SAMPLE_NOW))
    return one_of_each_kind(prepared.notifications), prepared


def _evaluate(
    tracker: Tracker,
    snapshot: Snapshot,
    today: dt.date,
    settle: Callable[[], None] | None = None,
) -> tuple[Derived, pd.DataFrame]:
    """Derive contract terms and auto rows, then evaluate every milestone (pure)."""
    with gc_paused(settle):  # new auto rows, Changes and their cells: many small objects
        return _derive_evaluate(tracker, snapshot, today)


def _derive_evaluate(
    tracker: Tracker, snapshot: Snapshot, today: dt.date
) -> tuple[Derived, pd.DataFrame]:
    derived = derive(tracker, derive_inputs(tracker, snapshot, today))
    tracker.problems.extend(derived.problems)
    # The frames as read are let go now (derivation's stand for them, auto rows added):
    # their memory is free for the columns evaluation adds, not fresh pages.
    tracker.contracts, tracker.milestones = derived.contracts, derived.milestones
    history = attach_history(derived.milestones, tracker.ledger, today)
    evaluated = evaluate_milestones(history, tracker.settings, today)
    tracker.milestones = derived.milestones = evaluated  # derive's own frame is let go
    _attach_problems(tracker)
    tracker.contracts = derived.contracts = contract_health(tracker.contracts, evaluated)
    return derived, evaluated


def _attach_problems(tracker: Tracker) -> None:
    for name, frame in ((MILESTONES, tracker.milestones), (CONTRACTS, tracker.contracts)):
        by_row = problems_by_row(tracker.problems, tracker.tables[name].tab)
        texts = filled(len(frame), "")
        if by_row:  # each row's sentence found by its sheet row; "" for a row without
            at = pd.Index(list(by_row)).get_indexer(frame["row"])
            found = at >= 0
            texts[found] = np.asarray(list(by_row.values()), dtype=object)[at[found]]
        frame["problems"] = pd.Series(texts, index=frame.index, dtype=object, copy=False)


def compose_all(prepared: Prepared) -> list[tuple[Notification, EmailMessage]]:
    """Render every planned notification into a message (check, --dry-run, preview)."""
    return compose_batch(prepared, prepared.notifications)


def compose_batch(
    prepared: Prepared, notes: Sequence[Notification]
) -> list[tuple[Notification, EmailMessage]]:
    """Render ``notes`` into messages: one delivery batch, or all of them."""
    env = environment(prepared.templates)
    with step(f"render {len(notes)} emails"):
        return [
            (note, build_message(note, prepared.envelope, prepared.today, prepared.now, env))
            for note in notes
        ]


def check(backend: Backend, options: RunOptions) -> RunResult:
    """Validate and evaluate the tracker; report what a run would send. Writes nothing."""
    with small_pages():
        return _planned(prepare(backend, options), backend)


def _planned(prepared: Prepared, backend: Backend) -> RunResult:
    """What a check or a dry run reports: every message rendered and kept."""
    result = _result(prepared, backend)
    result.planned = [message for _, message in compose_all(prepared)]
    result.subjects = [str(m["Subject"]) for m in result.planned[:SUBJECTS]]
    result.dry_run = True
    return result


def run(backend: Backend, transport: Transport, options: RunOptions) -> RunResult:
    """The whole job: evaluate, send what is due, record it, write the status columns.

    The tracker is held (``backend.lock()``) from the read to the last write, so a
    second run waits or refuses with TrackerBusy. A dry run writes nothing and is
    not held.
    """
    if options.dry_run:
        with small_pages():
            return _run_steps(backend, transport, options)
    backend.ensure_writable()
    with small_pages(), long_lived() as settle, backend.lock():
        result = _run_steps(backend, transport, options, settle)
    result.api_calls = backend.api_calls  # the lock's release included
    return result


def _run_steps(
    backend: Backend,
    transport: Transport,
    options: RunOptions,
    settle: Callable[[], None] = lambda: None,
) -> RunResult:
    """Read, send, record and write (held by ``run`` unless a dry run; ``long_lived``
    gives ``settle``)."""
    prepared = prepare(backend, options, settle)
    if options.dry_run:
        return _planned(prepared, backend)
    prepared.row_links = {}  # a link per row (500,000 at 500k): the planned items hold theirs
    if options.require_sender:
        _check_sender(prepared.envelope.sender)
    result = _result(prepared, backend)
    sending = Sending(
        prepared.now,
        options.batch_size,
        prepared.tracker.settings.allowed_domains,
        options.progress,
    )
    render = _renderer(prepared, result.subjects)
    with gc_paused():  # a big first run: its status columns go while the emails do
        backend.write_early(_early_writes(prepared), _unwritten(prepared))
    with step(f"send {result.due} emails and log them"):
        delivered = deliver(backend, transport, prepared.notifications, render, sending)
    prepared.notifications = []  # their Items: not needed to write back
    result.emails, result.failed = delivered.emails, delivered.failed
    result.sent, result.items = delivered.sent, delivered.items
    with step("write the status columns"):
        fresh = log_frame(delivered.rows)  # this run's Log rows, read once
        notified = last_notified_texts(prepared.evaluated, fresh, prepared.today)
        notified = mark_opened(prepared.evaluated, notified)
        logs = (prepared.tracker.ledger.frame, fresh)
        notified = mark_summaries(
            prepared.evaluated, prepared.tracker.contracts, logs, prepared.today, notified
        )
        _write_back(backend, prepared, notified)
    result.api_calls = backend.api_calls
    return result


def _renderer(prepared: Prepared, subjects: list[str]) -> Render:
    """Render one delivery batch at a time, noting the first few subjects for the report."""

    def render(notes: Sequence[Notification]) -> list[tuple[Notification, EmailMessage]]:
        batch = compose_batch(prepared, notes)
        subjects.extend(str(m["Subject"]) for _, m in batch[: max(0, SUBJECTS - len(subjects))])
        return batch

    return render


def _write_back(backend: Backend, prepared: Prepared, notified: dict[int, str]) -> None:
    """System columns, new auto rows, and the Log rows of the changes that landed."""
    tracker = prepared.tracker
    shown = Shown(prepared.today, tracker.problems, notified, prepared.escalation)
    prune = prune_policy(
        prepared.evaluated, prepared.today, tracker.settings.log_retention, tracker.ledger.grid
    )
    board = build_dashboard(prepared.evaluated, tracker.contracts, prepared.today, tracker.title)
    board.tab = tracker.settings.dashboard_tab
    writes = _status_writes(prepared, shown)
    with gc_paused():  # the re-read's columns and the cells planned: many small objects
        report = backend.write_status(writes, prune, board)
    table = tracker.tables[MILESTONES]
    fresh = new_milestone_rows(table, prepared.evaluated, shown, prepared.derived.new_rows)
    if fresh:
        backend.append_rows(table.tab, fresh, id_header=milestone_id_header(table))
    landed = [c for c in prepared.derived.changes if c.milestone_id not in set(report.held)]
    if landed:
        backend.append_log(LOG_COLUMNS, change_rows(landed, prepared.now))


def _check_sender(sender: Address) -> None:
    """Refuse, before anything is written or sent, a From address no mail server takes.

    Raises:
        UsageError: the sender's domain is ``localhost`` or has no dot.
    """
    domain = sender.domain.lower().rstrip(".")
    if "." not in domain or domain.endswith(".localhost"):
        raise UsageError(
            f"no usable From address for the mail server ({sender.email}): set Sender in the "
            "Settings tab, SHEETSYNC_SENDER or --sender"
        )


def _result(prepared: Prepared, backend: Backend) -> RunResult:
    tracker = prepared.tracker
    counts = prepared.evaluated["status"].value_counts()
    return RunResult(
        tracker=tracker.title,
        today=prepared.today,
        rows=len(prepared.evaluated),
        contracts=len(tracker.contracts),
        problems=tracker.problems,
        statuses={str(k): int(v) for k, v in counts.items()},
        due=len(prepared.notifications),
        api_calls=backend.api_calls,
        already_sent=sent_today(tracker.ledger.frame, prepared.now, tracker.settings.time_zone),
    )


def _early_writes(prepared: Prepared) -> Callable[[], list[TabWrite]]:
    """The status columns known before the emails go, for ``Backend.write_early``: every
    column but Last Notified, of the rows found by their ID alone (a row needing more,
    a new ID or cells rolled forward, waits for the status write, as do Settings)."""

    def writes() -> list[TabWrite]:
        shown = Shown(prepared.today, prepared.tracker.problems, {}, prepared.escalation)
        table = prepared.tracker.tables[MILESTONES]
        notified = table.system(MILESTONE_SYSTEM)[MILESTONE_SYSTEM.index(LAST_NOTIFIED)]
        milestones, contracts = _status_writes(prepared, shown)[:2]
        return [_columns_only(milestones, notified), _columns_only(contracts)]

    return writes


def _unwritten(prepared: Prepared) -> int:
    """Milestones rows that had no Status when read: their status columns were never written."""
    return int(is_none_mask(prepared.tracker.tables[MILESTONES].get(STATUS).to_numpy()).sum())


def _columns_only(tab_write: TabWrite, leave: str | None = None) -> TabWrite:
    """``tab_write``'s rows found by ID alone, without the column ``leave``."""
    columns = tab_write.columns
    if columns is not None and leave is not None:
        kept = {name: cells for name, cells in columns.values.items() if name != leave}
        columns = dataclasses.replace(columns, values=kept)
    return dataclasses.replace(tab_write, rows=(), columns=columns)


def _status_writes(prepared: Prepared, shown: Shown) -> list[TabWrite]:
    tables = prepared.tracker.tables
    writes = [
        milestone_writes(tables[MILESTONES], prepared.evaluated, shown, prepared.derived),
        contract_writes(tables[CONTRACTS], prepared.tracker.contracts, shown),
    ]
    settings = settings_writes(tables[SETTINGS], prepared.tracker.problems)
    return writes + ([settings] if settings else [])
