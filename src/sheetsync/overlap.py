"""A run's waits on the network overlapped with its own work: one call in flight at a time.

A run spends seconds waiting for Google (a Log append, a 2 MB values:batchUpdate) with
its CPU idle, then seconds of CPU (rendering the next batch of emails, building the next
body) with Google idle. ``InFlight`` sends each call on one background thread while the
caller prepares the next:

    send(call)   waits for the call before it (its error is raised here, so nothing
                 after it is sent), then starts ``call`` and returns at once
    wait()       waits for the call in flight and returns its answer
    close()      waits for it too, then lets the thread go (the next ``send`` starts one)

Calls therefore reach the network one at a time and in the order given, as they would
one after another. The caller must not use the same connection itself while a call is in
flight: it ``wait``s first. Leaving the ``with`` block waits for the last call; should
that call fail, its error is the one that goes on (it came first), else the caller's.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import Any


class InFlight:
    """One background thread carrying out calls in order, one at a time."""

    def __init__(self) -> None:
        self._pool: ThreadPoolExecutor | None = None  # started by the first call
        self._pending: Future[Any] | None = None

    def send(self, call: Callable[[], Any]) -> None:
        """Wait for the call before (raising its error), then start ``call`` in the background."""
        self.wait()
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sheetsync-io")
        self._pending = self._pool.submit(call)

    def wait(self) -> Any:
        """The answer of the call in flight (None when there is none); its error is raised."""
        pending, self._pending = self._pending, None
        return None if pending is None else pending.result()

    def close(self) -> None:
        """Wait for the call in flight (its error is raised), then let the thread go."""
        try:
            self.wait()
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True)
                self._pool = None

    def __enter__(self) -> InFlight:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
