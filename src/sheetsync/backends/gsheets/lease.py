"""One run at a time per Google Sheet: a lease kept in the spreadsheet's developer metadata.

The lease is one DeveloperMetadata entry on the spreadsheet, at a fixed ``metadataId``,
whose value says who holds it (token, pid, host), since when, and until when. People
never see or edit developer metadata. Taking the lease is one spreadsheets:batchUpdate:

    free          createDeveloperMetadata at the fixed id
    expired       deleteDeveloperMetadata of exactly the stale value we read, then create

Creating an id that exists fails, and a batchUpdate is all or nothing, so of two runs
taking the lease at once one batch fails. The take's answer carries the spreadsheet as
the batch left it (``acquire(fields=…)``), lease included: the run reads its layout
from there instead of a separate GET, and checks the lease names it. A holder renews the
lease (the same delete-then-create of its own value) when a third of its lifetime has
passed, at its next write, and deletes it at the end, in the run's last batchUpdate
(``carry``; ``finish``). A crashed holder's lease simply expires after ``ttl`` seconds.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import logging
import math
import os
import socket
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ...errors import BackendError, TrackerBusy
from .api import SheetsApi
from .retry import Recheck

LEASE_KEY = "sheetsync.lease"
LEASE_ID = 735_901_001  # fixed: a second create of the same id fails
FIELDS = "developerMetadata(metadataId,metadataValue)"
log = logging.getLogger("sheetsync")


@dataclass
class LeasePolicy:
    """How long a lease lasts, how long a second run waits, and the settle delay."""

    ttl: float = 600.0
    wait: float = 5.0
    poll: float = 1.0
    settle: float = 0.0  # a pause after taking the lease, before the run reads (none)
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.time


@dataclass
class Holder:
    """Who holds a lease, as stored in its value."""

    token: str
    pid: int
    host: str
    started: float
    expires: float
    value: str = field(default="", compare=False)

    @classmethod
    def parse(cls, value: str) -> Holder | None:
        """The holder a lease value names; None for a value that is not a lease."""
        try:
            data = json.loads(value)
            return cls(
                str(data["token"]),
                int(data["pid"]),
                str(data["host"]),
                _epoch(data["started"]),
                _epoch(data["expires"]),
                value,
            )
        except (ValueError, KeyError, TypeError):
            return None

    def dump(self) -> str:
        """The lease value: compact JSON, times in UTC ISO 8601."""
        return json.dumps(
            {
                "token": self.token,
                "pid": self.pid,
                "host": self.host,
                "started": _iso(self.started),
                "expires": _iso(self.expires),
            },
            separators=(",", ":"),
        )


class Lease:
    """The lease of one spreadsheet, taken and released through ``api``."""

    def __init__(self, api: SheetsApi, label: str, policy: LeasePolicy | None = None) -> None:
        self.api = api
        self.label = label
        self.policy = policy or LeasePolicy()
        self.held: Holder | None = None
        self._token = uuid.uuid4().hex
        self._renewed = 0.0
        self._fields = ""
        self._layout: dict[str, Any] | None = None

    def acquire(self, fields: str = "") -> None:
        """Take the lease, waiting up to ``policy.wait`` for a live holder to finish.

        With ``fields`` (a Spreadsheet mask), the take's answer keeps the spreadsheet as
        it left it, for ``layout``.

        Raises:
            TrackerBusy: another run still holds it after the wait.
        """
        policy = self.policy
        deadline = policy.clock() + policy.wait
        seen: Holder | None = None
        polls = math.ceil(policy.wait / policy.poll) if policy.poll > 0 else 0
        self._fields, self._layout = fields, None
        for attempt in itertools.count():
            if (seen is None or not self._alive(seen)) and self._take(seen):
                break
            seen = self._current()
            if seen is not None and seen.token == self._token:
                self.held = seen  # our create was applied but its answer was lost
                break
            live = seen is not None and self._alive(seen)
            late = policy.clock() >= deadline or attempt >= polls + 3  # frozen clocks too
            if late and (live or attempt >= 3):
                raise TrackerBusy(self._busy(seen))
            if live:
                policy.sleep(policy.poll)
        self._fields = ""
        if policy.settle > 0:
            policy.sleep(policy.settle)

    def layout(self) -> dict[str, Any] | None:
        """The spreadsheet as the take's answer gave it, once; None when there is none.

        None after a lost answer (the recheck has no spreadsheet) or a second call.
        """
        layout, self._layout = self._layout, None
        return layout

    def confirm(self, entries: Sequence[dict[str, Any]]) -> None:
        """Check the spreadsheet's metadata, as just read, still names this run.

        Raises:
            TrackerBusy: another run's lease is there instead.
        """
        if self.held is None:
            return
        value = next((e.get("metadataValue", "") for e in entries if _is_lease(e)), "")
        holder = Holder.parse(value)
        if holder is None or holder.token != self._token:
            self.held = None
            raise TrackerBusy(self._busy(holder))

    def keep(self) -> None:
        """Renew the lease when a third of its lifetime has passed (before a write).

        Raises:
            BackendError: the lease expired and another run took it; stop writing.
        """
        if self.held is None or self.policy.clock() - self._renewed < self.policy.ttl / 3:
            return
        self.api.settle()  # a write still in flight: its error is its own, not a lost lease
        if not self._take(self.held):
            current = self._current()
            if current is None or current.token != self._token:
                raise BackendError(
                    f"this run's hold on {self.label} expired and another run took it; "
                    "stopping before writing more (the next run finishes the job)"
                )
            self.held = current

    def carry(self, requests: list[dict[str, Any]], last: bool) -> dict[str, Any]:
        """Send ``requests`` in one batchUpdate with the lease's release (``last``) or renewal.

        The batch is all or nothing, so after a lost answer the lease tells whether it
        took effect: released, our value is gone; renewed, the lease holds the new one.

        Raises:
            BackendError: the batch was refused (the lease stays as it was).
        """
        held = self.held
        if held is None:
            raise BackendError(f"this run holds no lease on {self.label}")
        if last:
            answer = self.api.batch_update([*requests, _delete(held.value)], self._gone(held.value))
            self.held = None
            return answer
        mine = self._successor()
        ops = [_delete(held.value), _create(mine.value)]
        answer = self.api.batch_update([*requests, *ops], self._landed(mine.value))
        self.held, self._renewed = mine, mine.expires - self.policy.ttl
        return answer

    def release(self) -> None:
        """Delete the lease if it is still ours; a failure only leaves it to expire."""
        if self.held is None:
            return
        try:
            self.api.batch_update([_delete(self.held.value)])
        except BackendError as exc:
            log.info(
                "could not release the lease on %s (it expires by itself): %s", self.label, exc
            )
        self.held = None

    def _successor(self) -> Holder:
        """This run's lease value from now on: expiring ``ttl`` from now."""
        now = self.policy.clock()
        mine = Holder(self._token, os.getpid(), socket.gethostname(), now, now + self.policy.ttl)
        if self.held is not None:
            mine.started = self.held.started
        mine.value = mine.dump()
        return mine

    def _take(self, seen: Holder | None) -> bool:
        """One batchUpdate: create the lease (deleting ``seen``'s stale value first)."""
        mine = self._successor()
        now = mine.expires - self.policy.ttl
        requests = ([_delete(seen.value)] if seen is not None else []) + [_create(mine.value)]
        try:
            answer = self.api.batch_update(requests, self._landed(mine.value), self._fields)
        except BackendError as exc:
            log.info("the lease on %s is taken: %s", self.label, exc)
            return False
        self.held, self._renewed = mine, now
        self._layout = answer.get("updatedSpreadsheet") if self._fields else None
        return True

    def _landed(self, value: str) -> Recheck:
        """After a lost answer: the take is done when the lease holds ``value`` now."""

        def recheck() -> dict[str, Any] | None:
            current = self._current()
            return {"replies": []} if current is not None and current.value == value else None

        return recheck

    def _gone(self, value: str) -> Recheck:
        """After a lost answer: the release is done when the lease no longer holds ``value``."""

        def recheck() -> dict[str, Any] | None:
            current = self._current()
            return {"replies": []} if current is None or current.value != value else None

        return recheck

    def _current(self) -> Holder | None:
        meta = self.api.get(_spreadsheet_url(self.api), {"fields": FIELDS})
        entries = meta.get("developerMetadata", [])
        value = next((e.get("metadataValue", "") for e in entries if _is_lease(e)), None)
        if value is None:
            return None
        # A value that is not a lease (damaged by hand) counts as expired: take it over.
        return Holder.parse(value) or Holder("", 0, "", 0.0, 0.0, value)

    def _alive(self, holder: Holder) -> bool:
        return holder.expires > self.policy.clock()

    def _busy(self, holder: Holder | None) -> str:
        if holder is None or not holder.token:
            return f"another run is in progress on {self.label}"
        since = _iso(holder.started).replace("T", " ").replace("Z", " UTC")
        return (
            f"another run is in progress on {self.label} since {since} "
            f"(pid {holder.pid} on host {holder.host})"
        )


def _is_lease(entry: dict[str, Any]) -> bool:
    return int(entry.get("metadataId", 0)) == LEASE_ID


def _create(value: str) -> dict[str, Any]:
    return {
        "createDeveloperMetadata": {
            "developerMetadata": {
                "metadataId": LEASE_ID,
                "metadataKey": LEASE_KEY,
                "metadataValue": value,
                "location": {"spreadsheet": True},
                "visibility": "DOCUMENT",
            }
        }
    }


def _delete(value: str) -> dict[str, Any]:
    """Delete the lease only if it still holds ``value``: otherwise nothing matches."""
    lookup = {"metadataId": LEASE_ID, "metadataValue": value}
    return {"deleteDeveloperMetadata": {"dataFilter": {"developerMetadataLookup": lookup}}}


def _spreadsheet_url(api: SheetsApi) -> str:
    from gspread import urls

    return str(urls.SPREADSHEET_URL % api.spreadsheet_id)


def _iso(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _epoch(text: str) -> float:
    return dt.datetime.fromisoformat(str(text).replace("Z", "+00:00")).timestamp()
