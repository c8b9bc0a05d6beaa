"""Deliver and record: render and send the emails in batches, each batch's Log rows at once.

Each batch is rendered just before it is sent and let go once it is sent, so a run
never holds more than one batch of messages (a first run at 500,000 milestones renders
about 560 MB of them). A batch's Log rows are appended in the background while the next
batch is rendered (``overlap``); that batch is sent only once the append has landed, and
a failed append stops the sending there. Custom templates are checked before
anything is sent (``pipeline.prepare``); should a later batch still fail to render, the
batches before it stay sent and logged, and a rerun sends only the rest.

A message gets its Log row only once the transport has accepted it (``sent``) or
refused it for good (``failed: …``). When the transport gives up mid-batch
(``DeliveryError``), the rows of the messages it already accepted are appended
before the error goes on, so a rerun resends none of them. Only a crash between a
send and the append loses rows: a rerun resends those messages with the same
Message-ID.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import getaddresses

from .backends.base import Backend
from .cells.addresses import Address, allowed_split
from .errors import DeliveryError, MessageRejected
from .model import Cell
from .overlap import InFlight
from .plan import Notification
from .record.rows import log_rows
from .schema import LOG_COLUMNS, SUMMARY
from .steps import Progress, no_progress
from .transports.base import Transport

Batch = Sequence[tuple[Notification, EmailMessage]]
Render = Callable[[Sequence[Notification]], Batch]  # a batch of notifications → its messages


@dataclass(frozen=True)
class Sending:
    """How to send: the run's clock reading, batch size, Allowed domains, progress."""

    now: dt.datetime
    batch_size: int = 200
    allowed: tuple[str, ...] = ()
    progress: Progress = no_progress


@dataclass
class Delivered:
    """What delivery did: the Log rows it appended and the messages sent or refused."""

    rows: list[list[Cell]] = field(default_factory=list)
    emails: int = 0
    sent: Counter[str] = field(default_factory=Counter)  # messages by kind
    items: Counter[str] = field(default_factory=Counter)  # milestone items in them, by kind
    failed: list[str] = field(default_factory=list)


def deliver(
    backend: Backend,
    transport: Transport,
    notes: Sequence[Notification],
    render: Render,
    sending: Sending,
) -> Delivered:
    """Render a batch while the last one's Log rows are appended, then send it.

    A batch is sent only once the Log rows of the one before have landed; the last
    batch's are appended before this returns.

    Raises:
        DeliveryError: the transport gave up; the message says how many were delivered.
    """
    courier = _Courier(backend, transport, sending, len(notes), InFlight())
    try:
        with transport, courier.log:
            for start in range(0, len(notes), sending.batch_size):
                courier.batch(render(notes[start : start + sending.batch_size]), start)
    except DeliveryError as exc:
        raise DeliveryError(
            f"{exc}; {courier.done.emails} of {len(notes)} emails delivered before it stopped"
        ) from exc
    return courier.done


@dataclass
class _Courier:
    """One delivery's transport, Log and tally."""

    backend: Backend
    transport: Transport
    sending: Sending
    total: int
    log: InFlight  # the Log append in the background
    done: Delivered = field(default_factory=Delivered)

    def batch(self, chunk: Batch, start: int) -> None:
        """Send one batch once the last one's Log rows landed, then start appending its own,
        even when the transport gave up midway (the ``with`` in ``deliver`` waits for it)."""
        self.log.wait()  # the last batch's Log rows landed, or their error stops us here
        rows: list[list[Cell]] = []
        try:
            for n, (note, message) in enumerate(chunk):
                outcome = _send_one(self.transport, message, self.sending.allowed)
                rows.extend(log_rows(note, message, self.sending.now, outcome))
                _count(self.done, note, outcome)
                self.sending.progress(start + n + 1, self.total)
        finally:
            if rows:
                self.log.send(lambda: self._record(rows))

    def _record(self, rows: list[list[Cell]]) -> None:
        """Append ``rows`` to the Log (in the background), then count them as recorded."""
        self.backend.append_log(LOG_COLUMNS, rows)
        self.done.rows.extend(rows)


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
    """Raise MessageRejected if a To/Cc/Bcc address is outside ``allowed`` (when set).

    Without Allowed domains every address is inside, and the headers are not read: parsing
    each message's To and Cc (an escalation copies hundreds of owners) took about a
    quarter of the time the outbox takes to write the messages.
    """
    if not allowed:
        return
    headers = [str(v) for name in ("To", "Cc", "Bcc") for v in message.get_all(name, [])]
    for _, email in getaddresses(headers):
        _, outside = allowed_split([Address("", email)], allowed)
        if outside:
            raise MessageRejected(outside)


def _count(done: Delivered, note: Notification, outcome: str) -> None:
    if outcome == "sent":
        done.emails += 1
        done.sent[note.kind] += 1
        done.items.update(kind for kind, _ in note.keys if kind != SUMMARY)
    else:
        done.failed.append(f"{note.to_text}: {outcome}")
