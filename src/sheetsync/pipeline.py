"""One run, wired: read → normalize → evaluate → plan → deliver and record → write status.

The pure steps never touch I/O; this module is where the backend, the transport
and the clock meet them. Delivery happens in batches, each followed at once by
its Log rows, so a crash loses at most one batch's records; those messages are
resent with the same Message-ID on the next run.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import getaddresses
from zoneinfo import ZoneInfo

import pandas as pd

from .backends.base import Backend
from .cells.addresses import Address, allowed_split
from .compose import Envelope, build_message, environment
from .derive import Derived, derive
from .errors import DeliveryError, MessageRejected, UsageError
from .evaluate import evaluate_milestones
from .health import contract_health
from .history import attach_history, last_notified_texts
from .logtab import LogPrune, rows_to_prune
from .model import Cell, Snapshot, TabWrite
from .normalize import Tracker, normalize
from .normalize.ledger import recipients_cell
from .plan import Item, Notification, PlanContext, plan_notifications
from .problems import Problem, problems_by_row
from .schema import (
    CONTRACTS,
    DIGEST,
    ESCALATION,
    LOG_COLUMNS,
    MILESTONES,
    NEEDS_ATTENTION,
    OVERDUE_NOTICE,
    REMINDER,
    SUMMARY,
)
from .steps import Progress, no_progress, step
from .transports.base import Transport
from .writeback import (
    contract_writes,
    derived_log_rows,
    milestone_id_header,
    milestone_writes,
    new_milestone_rows,
    row_source,
    run_history,
    settings_writes,
)

DEFAULT_SENDER = Address("sheetsync", "sheetsync@localhost")


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


@dataclass
class Prepared:
    """Everything the pure steps produced, before any write or send."""

    tracker: Tracker
    evaluated: pd.DataFrame
    notifications: list[Notification]
    today: dt.date
    now: dt.datetime
    envelope: Envelope
    derived: Derived
    templates: str | None = None


@dataclass
class RunResult:
    """What a run (or a check) found and did."""

    tracker: str
    today: dt.date
    rows: int
    contracts: int
    problems: list[Problem]
    statuses: dict[str, int]
    planned: list[EmailMessage] = field(default_factory=list)
    sent: Counter[str] = field(default_factory=Counter)  # messages by kind
    items: Counter[str] = field(default_factory=Counter)  # milestone items in them, by kind
    already_sent: int = 0  # messages the Log shows as sent earlier the same day
    emails: int = 0
    failed: list[str] = field(default_factory=list)
    api_calls: int = 0
    dry_run: bool = False

    def to_json(self) -> dict[str, object]:
        """The ``--json`` object: rows, problems, statuses, messages by kind, API calls."""
        return {
            "tracker": self.tracker,
            "today": self.today.isoformat(),
            "rows": self.rows,
            "contracts": self.contracts,
            "problems": len(self.problems),
            "statuses": self.statuses,
            "sent": {k: self.sent.get(k, 0) for k in (DIGEST, ESCALATION, SUMMARY)},
            "items": {k: self.items.get(k, 0) for k in (REMINDER, OVERDUE_NOTICE, ESCALATION)},
            "emails": self.emails,
            "planned_emails": len(self.planned),
            "failed": len(self.failed),
            "api_calls": self.api_calls,
            "dry_run": self.dry_run,
        }


def prepare(backend: Backend, options: RunOptions) -> Prepared:
    """Read the tracker and run the pure steps: nothing is written or sent.

    Custom templates are checked first, by rendering every kind of email with them.
    """
    if options.templates:
        from .template_check import check_templates  # it runs this pipeline on a sample

        check_templates(options.templates)
    with step("read the tracker"):
        snapshot = backend.read()
    with step("check every row"):
        tracker = normalize(snapshot, allowed_domains=options.allowed_domains)
    now = options.clock()
    today = options.today or now.astimezone(ZoneInfo(tracker.settings.time_zone or "UTC")).date()
    with step("work out statuses"):
        derived, evaluated = _evaluate(tracker, snapshot, today)
    links = {
        row: link
        for row in evaluated["row"]
        if (link := snapshot.row_link(tracker.tables[MILESTONES].tab, row))
    }
    context = PlanContext(tracker.settings, today, links)
    with step("plan the emails"):
        notes = plan_notifications(evaluated, tracker.contracts, tracker.ledger, context)
    sender = options.sender or tracker.settings.sender or DEFAULT_SENDER
    envelope = Envelope(
        sender, tracker.settings.reply_to, tracker.title, snapshot.url, snapshot.identity
    )
    return Prepared(tracker, evaluated, notes, today, now, envelope, derived, options.templates)


def _evaluate(tracker: Tracker, snapshot: Snapshot, today: dt.date) -> tuple[Derived, pd.DataFrame]:
    """Derive contract terms and auto rows, then evaluate every milestone (pure)."""
    derived = derive(
        tracker.contracts,
        tracker.milestones,
        tracker.settings,
        today,
        row_source(tracker),
        run_history(tracker, snapshot),
    )
    tracker.problems.extend(derived.problems)
    tracker.contracts = derived.contracts
    history = attach_history(derived.milestones, tracker.ledger.frame, today)
    evaluated = evaluate_milestones(history, tracker.settings, today)
    tracker.milestones = evaluated
    _attach_problems(tracker)
    tracker.contracts = contract_health(tracker.contracts, evaluated)
    return derived, evaluated


def _attach_problems(tracker: Tracker) -> None:
    for name, frame in ((MILESTONES, tracker.milestones), (CONTRACTS, tracker.contracts)):
        by_row = problems_by_row(tracker.problems, tracker.tables[name].tab)
        frame["problems"] = frame["row"].map(by_row).astype(object).fillna("")


def compose_all(prepared: Prepared) -> list[tuple[Notification, EmailMessage]]:
    """Render every planned notification into a message."""
    env = environment(prepared.templates)
    with step(f"render {len(prepared.notifications)} emails"):
        return [
            (note, build_message(note, prepared.envelope, prepared.today, prepared.now, env))
            for note in prepared.notifications
        ]


def check(backend: Backend, options: RunOptions) -> RunResult:
    """Validate and evaluate the tracker; report what a run would send. Writes nothing."""
    prepared = prepare(backend, options)
    result = _result(prepared, backend)
    result.planned = [message for _, message in compose_all(prepared)]
    result.dry_run = True
    return result


def run(backend: Backend, transport: Transport, options: RunOptions) -> RunResult:
    """The whole job: evaluate, send what is due, record it, write the status columns.

    The tracker is held (``backend.lock()``) from the read to the last write, so a
    second run waits or refuses with TrackerBusy. A dry run writes nothing and is
    not held.
    """
    if options.dry_run:
        return _run_steps(backend, transport, options)
    backend.ensure_writable()
    with backend.lock():
        result = _run_steps(backend, transport, options)
    result.api_calls = backend.api_calls  # the lock's release included
    return result


def _run_steps(backend: Backend, transport: Transport, options: RunOptions) -> RunResult:
    """Read, send, record and write (held by ``run`` unless a dry run)."""
    prepared = prepare(backend, options)
    if options.require_sender and not options.dry_run:
        _check_sender(prepared.envelope.sender)
    messages = compose_all(prepared)
    result = _result(prepared, backend)
    result.planned = [message for _, message in messages]
    result.dry_run = options.dry_run
    if options.dry_run:
        return result
    allowed = prepared.tracker.settings.allowed_domains
    with step(f"send {len(messages)} emails and log them"):
        log_rows = _deliver(
            backend,
            transport,
            messages,
            prepared.now,
            options.batch_size,
            result,
            allowed,
            options.progress,
        )
    with step("write the status columns"):
        _write_back(backend, prepared, _notified(prepared, log_rows))
    result.api_calls = backend.api_calls
    return result


def _write_back(backend: Backend, prepared: Prepared, notified: dict[int, str]) -> None:
    """System columns, new auto rows, and the Log rows of the changes that landed."""
    report = backend.write_status(_status_writes(prepared, notified), log_prune(prepared))
    fresh = new_milestone_rows(prepared, notified)
    if fresh:
        table = prepared.tracker.tables[MILESTONES]
        backend.append_rows(table.tab, fresh, id_header=milestone_id_header(table))
    landed = [c for c in prepared.derived.changes if c.milestone_id not in set(report.held)]
    if landed:
        backend.append_log(LOG_COLUMNS, derived_log_rows(landed, prepared.now))


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
        api_calls=backend.api_calls,
        already_sent=sent_today(tracker.ledger.frame, prepared.now, tracker.settings.time_zone),
    )


def sent_today(log: pd.DataFrame, now: dt.datetime, zone: str | None) -> int:
    """How many messages the Log shows as sent since midnight, in the tracker's time zone."""
    if log.empty:
        return 0
    local = now.astimezone(ZoneInfo(zone or "UTC"))
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(dt.UTC)
    since = log["Sent At"].astype(str) >= midnight.strftime("%Y-%m-%dT%H:%M:%SZ")
    sent = log["Result"].astype(str).str.casefold() == "sent"
    return int(log.loc[since & sent, "Message-ID"].nunique())


def _deliver(
    backend: Backend,
    transport: Transport,
    messages: Sequence[tuple[Notification, EmailMessage]],
    now: dt.datetime,
    batch_size: int,
    result: RunResult,
    allowed: tuple[str, ...] = (),
    progress: Progress = no_progress,
) -> list[list[Cell]]:
    """Send in batches; after each batch, append its Log rows before sending more.

    A message gets its Log row only once the transport has accepted it (``sent``)
    or refused it for good (``failed: …``). When the transport gives up mid-batch
    (``DeliveryError``), the rows of the messages it already accepted are appended
    before the error goes on, so a rerun resends none of them. Only a crash between
    a send and the append loses rows: a rerun resends those messages with the same
    Message-ID.
    """
    recorded: list[list[Cell]] = []
    try:
        with transport:
            for start in range(0, len(messages), batch_size):
                batch: list[list[Cell]] = []
                try:
                    for n, (note, message) in enumerate(messages[start : start + batch_size]):
                        outcome = _send_one(transport, message, allowed)
                        batch.extend(log_rows(note, message, now, outcome))
                        _count(result, note, outcome)
                        progress(start + n + 1, len(messages))
                finally:
                    backend.append_log(LOG_COLUMNS, batch)
                    recorded.extend(batch)
    except DeliveryError as exc:
        raise DeliveryError(
            f"{exc}; {result.emails} of {len(messages)} emails delivered before it stopped"
        ) from exc
    return recorded


def _send_one(transport: Transport, message: EmailMessage, allowed: tuple[str, ...]) -> str:
    """Send ``message``: ``sent``, or ``failed: reason`` when it is refused for good.

    Recipients outside ``allowed`` are refused here, whatever the transport checks.
    """
    try:
        _check_domains(message, allowed)
        transport.send(message)
    except MessageRejected as exc:
        return f"failed: {exc.reason}"
    return "sent"


def _check_domains(message: EmailMessage, allowed: tuple[str, ...]) -> None:
    """Raise MessageRejected if a To/Cc/Bcc address is outside ``allowed`` (when set)."""
    headers = [str(v) for name in ("To", "Cc", "Bcc") for v in message.get_all(name, [])]
    for _, email in getaddresses(headers):
        _, outside = allowed_split([Address("", email)], allowed)
        if outside:
            raise MessageRejected(outside)


def _count(result: RunResult, note: Notification, outcome: str) -> None:
    if outcome == "sent":
        result.emails += 1
        result.sent[note.kind] += 1
        result.items.update(kind for kind, _ in note.keys if kind != SUMMARY)
    else:
        result.failed.append(f"{note.to_text}: {outcome}")


def log_rows(
    note: Notification, message: EmailMessage, now: dt.datetime, outcome: str
) -> list[list[Cell]]:
    """One Log row per key the message carries, in the order of ``LOG_COLUMNS``."""
    sent_at = now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    to = [a.email for a in note.to]
    cc = [a.email for a in note.cc]
    rows: list[list[Cell]] = []
    # First item per key, found by hash: a digest can carry thousands of items.
    by_key: dict[str, Item] = {}
    for each in note.items:
        by_key.setdefault(each.key, each)
    for kind, key in note.keys:
        item = by_key.get(key)
        rows.append(
            [
                sent_at,
                kind,
                key,
                item.contract_id if item else "",
                item.milestone_id if item else "",
                recipients_cell(to, cc),
                str(message["Subject"]),
                str(message["Message-ID"]),
                outcome,
            ]
        )
    return rows


def _notified(prepared: Prepared, new_log: list[list[Cell]]) -> dict[int, str]:
    """Last Notified per sheet row: its history plus this run's messages, dated by the run's day.

    Sent At keeps the real clock; Last Notified says the day the run was "as of", so a
    run with ``--today`` reads the same in every cell and email it makes.
    """
    fresh = pd.DataFrame([[str(c) for c in row] for row in new_log], columns=list(LOG_COLUMNS))
    return last_notified_texts(prepared.evaluated, fresh, prepared.today)


def _status_writes(prepared: Prepared, notified: dict[int, str]) -> list[TabWrite]:
    tracker = prepared.tracker
    writes = [
        milestone_writes(tracker, prepared.evaluated, notified, prepared.today, prepared.derived),
        contract_writes(tracker, prepared.today),
    ]
    settings = settings_writes(tracker)
    return writes + ([settings] if settings else [])


def log_prune(prepared: Prepared) -> LogPrune | None:
    """What this run may prune from the Log; None when nothing in it, as read, is due to go.

    Retention counts back from the run's day (``--today``), so a simulated year prunes
    as a real one. Rows about any milestone's current due date stay, whatever its status
    (they stop a resend if the date is reopened); so do every row of a milestone that
    cannot be scheduled now and the series anchor of every milestone still in the tracker.
    """
    evaluated = prepared.evaluated
    dated = evaluated[evaluated["due"].notna() & evaluated["status"].ne(NEEDS_ATTENTION)]
    current = zip(dated["id"].astype(str), dated["due"].dt.strftime("%Y-%m-%d"), strict=True)
    unsure = evaluated.loc[~evaluated.index.isin(dated.index), "id"]
    prune = LogPrune(
        cutoff=prepared.today - dt.timedelta(days=prepared.tracker.settings.log_retention),
        month=f"{prepared.today:%Y-%m}",
        current=frozenset(current),
        whole=frozenset(str(i) for i in unsure if isinstance(i, str) and i),
        anchored=frozenset(str(i) for i in evaluated["id"] if isinstance(i, str) and i),
    )
    return prune if rows_to_prune(prepared.tracker.ledger.grid, prune) else None
