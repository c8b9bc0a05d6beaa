"""What tests steer: per-minute quotas, injected faults and call hooks."""

from __future__ import annotations

import math
import random
import time
from collections import Counter, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from .errors import ApiError

READ_KINDS = frozenset({"spreadsheets.get", "values.get", "values.batchGet"})


class AnswerLost(Exception):
    """Close the connection without answering (the client sees it reset)."""


@dataclass(frozen=True)
class Fault:
    """An answer to force on a call: an HTTP error ``status`` and/or a ``delay`` in seconds.

    ``drop`` closes the connection instead of answering. ``applied`` carries the request
    out first and only then loses its answer (the 500 or the dropped connection), as
    Google sometimes does: the client's retry repeats a request that already took effect.
    """

    status: int | None = None
    delay: float = 0.0
    applied: bool = False
    drop: bool = False

    @property
    def name(self) -> str:
        """How the fault is counted: "500", "slow", "drop", "applied-500", "applied-drop"."""
        base = "drop" if self.drop else str(self.status or "slow")
        return f"applied-{base}" if self.applied else base

    def fail(self) -> None:
        """Raise what answers this call instead of the real answer, if anything."""
        if self.drop:
            raise AnswerLost()
        error = self.error()
        if error is not None:
            raise error

    def error(self) -> ApiError | None:
        """Return the error to answer with, or None for a merely slow answer."""
        if self.status is None:
            return None
        messages = {
            429: "Quota exceeded (injected fault).",
            500: "Internal error encountered.",
            503: "The service is currently unavailable.",
        }
        error = ApiError(self.status, messages.get(self.status, "Injected fault."))
        if self.status == 429:
            error.headers["Retry-After"] = "1"
        return error


@dataclass
class Quota:
    """Per-user, per-minute limits on read and write requests (Sheets API only).

    ``rejected`` counts the 429s answered per bucket ("read", "write"); ``peak`` the most
    requests of a bucket ever counted in one window, so a test can tell the limit was reached.
    """

    reads: int = 60
    writes: int = 60
    window: float = 60.0
    clock: Callable[[], float] = time.monotonic
    rejected: Counter[str] = field(default_factory=Counter)
    peak: Counter[str] = field(default_factory=Counter)
    _seen: dict[tuple[str, str], deque[float]] = field(default_factory=dict)

    def charge(self, kind: str, user: str) -> None:
        """Count one call of ``kind`` for ``user``; raise 429 with Retry-After past the limit."""
        if not kind.startswith(("spreadsheets.", "values.")):
            return
        bucket = "read" if kind in READ_KINDS else "write"
        limit = self.reads if bucket == "read" else self.writes
        now = self.clock()
        seen = self._seen.setdefault((bucket, user), deque())
        while seen and seen[0] <= now - self.window:
            seen.popleft()
        if len(seen) >= limit:
            self.rejected[bucket] += 1
            raise _quota_error(bucket, math.ceil(seen[0] + self.window - now), limit)
        seen.append(now)
        self.peak[bucket] = max(self.peak[bucket], len(seen))

    def reset(self) -> None:
        """Forget every call counted so far, the 429s answered and the peaks."""
        self._seen.clear()
        self.rejected.clear()
        self.peak.clear()


def _quota_error(bucket: str, retry_after: int, allowed: int) -> ApiError:
    metric = "Read requests" if bucket == "read" else "Write requests"
    error = ApiError(
        429,
        f"Quota exceeded for quota metric '{metric}' and limit '{metric} per minute per user' "
        "of service 'sheets.googleapis.com'.",
    )
    error.headers["Retry-After"] = str(max(1, retry_after))
    limit = "ReadRequestsPerMinutePerUser" if bucket == "read" else "WriteRequestsPerMinutePerUser"
    error.details.append(  # the shape Google answers a quota 429 with
        {
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": "RATE_LIMIT_EXCEEDED",
            "domain": "googleapis.com",
            "metadata": {
                "service": "sheets.googleapis.com",
                "quota_metric": f"sheets.googleapis.com/{bucket}_requests",
                "quota_limit": limit,
                "quota_limit_value": str(allowed),
                "consumer": "projects/emulator",
            },
        }
    )
    return error


class FaultPlan:
    """Faults to inject: an explicit schedule by call number and/or a seeded random rate."""

    def __init__(self) -> None:
        self.schedule: dict[int, Fault] = {}
        self.kind: str | None = None
        self.rate = 0.0
        self.choices: tuple[Fault, ...] = ()
        self.rate_kinds: frozenset[str] | None = None
        self._random = random.Random(0)
        self.injected: Counter[str] = Counter()
        self._seen = 0

    def set_schedule(self, calls: Mapping[int, Fault | int], kind: str | None = None) -> None:
        """Fault the n-th call (1-based, counted from now; of ``kind`` only when given)."""
        self.schedule = {n: f if isinstance(f, Fault) else Fault(f) for n, f in calls.items()}
        self.kind = kind
        self._seen = 0

    def set_rate(
        self,
        rate: float,
        faults: tuple[Fault, ...],
        seed: int,
        kinds: frozenset[str] | None = None,
    ) -> None:
        """Fault a random share ``rate`` of calls (of ``kinds`` when given), seeded."""
        self.rate, self.choices, self._random = rate, faults, random.Random(seed)
        self.rate_kinds = kinds

    def clear(self) -> None:
        """Stop injecting faults (the counts stay)."""
        self.schedule, self.rate, self.choices, self.rate_kinds = {}, 0.0, (), None

    def pick(self, kind: str) -> Fault | None:
        """Return the fault for this call, if any, and count it."""
        fault = None
        if self.kind is None or self.kind == kind:
            self._seen += 1
            fault = self.schedule.get(self._seen)
        eligible = self.rate_kinds is None or kind in self.rate_kinds
        if fault is None and self.rate and eligible and self._random.random() < self.rate:
            fault = self._random.choice(self.choices)
        if fault is not None:
            self.injected[fault.name] += 1
        return fault


class Hooks:
    """Callables to run just before a call: every call, or the n-th call of one kind."""

    def __init__(self) -> None:
        self.before: list[Callable[[str], None]] = []
        self.on_nth: dict[tuple[str, int], list[Callable[[], None]]] = {}

    def run(self, kind: str, count: int) -> None:
        """Run the hooks for the ``count``-th call of ``kind``."""
        for every in list(self.before):
            every(kind)
        for nth in self.on_nth.pop((kind, count), []):
            nth()
