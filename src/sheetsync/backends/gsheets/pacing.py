"""Each worker's share of the one service account's Sheets quota, kept by waiting.

Google counts Sheets API requests per user (the service account) and per minute: 60
reads and 60 writes by default, whatever number of instances send them. No counter is
shared between Cloud Run instances, so each worker keeps to its share, the quota
divided by the number of workers (``--max-instances``), on its own: before each
request it waits until fewer than its share of reads (or writes) were answered in the
last window. The shares add up to the quota in every window, so the workers together never
go over it, and none wastes its turns on 429 answers. A 429 that still comes (another
program using the same account) is retried with backoff by ``retry.py``.

A process paces only once ``install`` gave it a ``Pacer``; the fleet's worker does that
from ``SHEETSYNC_SHEETS_QUOTA`` and ``SHEETSYNC_WORKERS``. Drive calls are not paced:
they are not charged to the Sheets quota.
"""

from __future__ import annotations

import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field

from ...errors import UsageError

SHEETS_PATH = "/v4/spreadsheets"
_QUOTA = re.compile(r"^\s*(\d+)\s*(?:/\s*(\d+(?:\.\d+)?)\s*s?)?\s*$")


@dataclass
class Pacer:
    """At most ``reads`` reads and ``writes`` writes in any ``window`` seconds.

    A request's time is when its answer came back, not when it left: Google counts it
    somewhere in between, so a window measured from the answer is never shorter than the
    one Google sees, however long the request travelled. Requests take their turns one
    at a time (a run sends them one after another anyway).
    """

    reads: int
    writes: int
    window: float = 60.0
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    waited: float = 0.0
    _answered: dict[str, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @contextmanager
    def turn(self, method: str, url: str) -> Iterator[None]:
        """Wait until this Sheets API request fits in its window, send it, then count it."""
        if SHEETS_PATH not in url:
            yield
            return
        bucket = "read" if method.upper() in ("GET", "HEAD") else "write"
        limit = self.reads if bucket == "read" else self.writes
        with self._lock:
            answered = self._answered.setdefault(bucket, deque())
            if len(answered) >= limit:
                delay = answered.popleft() + self.window - self.clock()
                if delay > 0:
                    self.sleep(delay)
                    self.waited += delay
            try:
                yield
            finally:
                answered.append(self.clock())


def share(quota: str, workers: int) -> Pacer:
    """One worker's ``Pacer``: ``quota`` (``"60"`` a minute, or ``"60/6s"``) ÷ ``workers``.

    Raises:
        UsageError: the quota or the worker count is malformed, or the share is zero.
    """
    match = _QUOTA.match(quota)
    if not match:
        raise UsageError(
            f"SHEETSYNC_SHEETS_QUOTA: {quota!r} is not a number of requests, like 60 or 60/60s"
        )
    limit, window = int(match.group(1)), float(match.group(2) or 60)
    if workers < 1 or window <= 0 or limit // workers < 1:
        raise UsageError(
            f"SHEETSYNC_WORKERS: {workers} workers cannot share {limit} requests per "
            f"{window:g} s (each needs at least one)"
        )
    return Pacer(limit // workers, limit // workers, window)


_installed: Pacer | None = None


def install(pacer: Pacer | None) -> None:
    """Pace every Sheets API request of this process with ``pacer`` (None: stop pacing)."""
    global _installed
    _installed = pacer


def installed() -> Pacer | None:
    """The pacer this process uses, if any."""
    return _installed


def pace(method: str, url: str) -> AbstractContextManager[None]:
    """This request's turn, if the process paces; else a turn that never waits."""
    return nullcontext() if _installed is None else _installed.turn(method, url)
