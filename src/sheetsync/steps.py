"""What ``-v`` shows: each step of a run with the time it took, and sending progress.

Steps are logged on the ``sheetsync`` logger (the CLI prints it on stderr with ``-v``);
progress is a callback the CLI turns into a progress bar or a line per 100 messages.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

log = logging.getLogger("sheetsync")

Progress = Callable[[int, int], None]  # (messages handled so far, messages in all)


@contextmanager
def step(name: str) -> Iterator[None]:
    """Log ``name`` and how long it took, once it is done: ``read the tracker: 0.41 s``."""
    start = time.perf_counter()
    yield
    log.info("%s: %.2f s", name, time.perf_counter() - start)


def no_progress(done: int, total: int) -> None:
    """The default progress callback: says nothing."""
