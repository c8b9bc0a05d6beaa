"""One run at a time per workbook: an OS lock on a sidecar file, and people's office locks.

The sidecar ``.~sheetsync.<name>.lock`` next to the workbook is locked with ``flock``
for the whole run. The kernel releases the lock when its process ends, however it
ends (even ``kill -9``), so a crashed run never blocks the next one. The file records
who holds it (pid, host, start) for the refusal message, and is removed at the end.

Excel (``~$name.xlsx``) and LibreOffice (``.~lock.name.xlsx#``) leave an owner file in
the folder while a person has the workbook open; their later save would overwrite
everything the run wrote, the Log rows included, so a run refuses while one is there.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import fcntl
import os
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ...errors import TrackerBusy, TrackerError


@dataclass
class LockPolicy:
    """How long a second run waits for the first before refusing, and how often it looks."""

    wait: float = 5.0
    poll: float = 0.2
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic


def sidecar(path: Path) -> Path:
    """The lock file of the workbook at ``path``."""
    return path.with_name(f".~sheetsync.{path.name}.lock")


@contextlib.contextmanager
def workbook_lock(path: Path, policy: LockPolicy | None = None) -> Iterator[None]:
    """Hold the workbook's run lock for the body of the ``with``.

    Raises:
        TrackerBusy: a person has the workbook open, or another run held the lock
            for longer than ``policy.wait``.
        TrackerError: the lock file cannot be created or opened (a read-only folder).
    """
    policy = policy or LockPolicy()
    refuse_if_open(path)
    fd = _acquire(path, policy)
    try:
        _record_holder(fd)
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(sidecar(path))
        os.close(fd)  # closing the last descriptor releases the flock


def _acquire(path: Path, policy: LockPolicy) -> int:
    """A descriptor holding the flock on the sidecar file as it is now on disk."""
    lock_path = sidecar(path)
    deadline = policy.clock() + policy.wait
    while True:
        fd = _open(lock_path)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
        else:
            if _still_linked(fd, lock_path):
                return fd
            os.close(fd)  # the holder removed it as we opened it: lock the new one
            continue
        if policy.clock() >= deadline:
            raise TrackerBusy(_busy_message(path, lock_path))
        policy.sleep(policy.poll)


def _open(lock_path: Path) -> int:
    try:
        return os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise TrackerError(
            f"cannot lock the workbook: cannot create or open {lock_path} ({exc.strerror})"
        ) from exc


def _still_linked(fd: int, lock_path: Path) -> bool:
    try:
        return os.fstat(fd).st_ino == os.stat(lock_path).st_ino
    except FileNotFoundError:
        return False


def _record_holder(fd: int) -> None:
    started = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    text = f"{os.getpid()}\n{socket.gethostname()}\n{started}\n"
    os.ftruncate(fd, 0)
    os.pwrite(fd, text.encode("utf-8"), 0)


def _busy_message(path: Path, lock_path: Path) -> str:
    try:
        pid, host, started = lock_path.read_text(encoding="utf-8").splitlines()[:3]
    except (OSError, ValueError):
        return f"another run is in progress on {path.name} (its lock file is {lock_path.name})"
    return f"another run is in progress on {path.name} since {started} (pid {pid} on host {host})"


def refuse_if_open(path: Path) -> None:
    """Raise TrackerBusy when Excel or LibreOffice has the workbook open.

    Raises:
        TrackerBusy: an owner file sits next to the workbook.
    """
    for owner_file, app, reader in (
        (path.with_name("~$" + path.name), "Excel", _excel_owner),
        (path.with_name(f".~lock.{path.name}#"), "LibreOffice", _libreoffice_owner),
    ):
        if owner_file.exists():
            who = reader(owner_file)
            by = f" by {who}" if who else ""
            raise TrackerBusy(
                f"{path.name} is open in {app}{by} ({owner_file.name}): close it there and "
                "run again, or a later save from there would drop this run's Log rows "
                f"(if nobody has it open, delete {owner_file.name})"
            )


def _excel_owner(owner_file: Path) -> str:
    """The user name in an Excel owner file: a length byte, then the name (ANSI, UTF-16)."""
    try:
        data = owner_file.read_bytes()
    except OSError:
        return ""
    if len(data) >= 56 and data[54] > 0 and 56 + 2 * data[54] <= len(data):
        return _printable(data[56 : 56 + 2 * data[54]].decode("utf-16-le", "replace"))
    if data and 0 < data[0] < len(data):
        return _printable(data[1 : 1 + data[0]].decode("latin-1"))
    return ""


def _libreoffice_owner(owner_file: Path) -> str:
    """The name in a LibreOffice lock file: ``Full Name,user,host,date,profile;``."""
    try:
        text = owner_file.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    fields = next(csv.reader([text.splitlines()[0] if text else ""]), [])
    name = next((f for f in fields[:2] if f.strip()), "")
    return _printable(name)


def _printable(text: str) -> str:
    """``text`` on one line, without control characters, at most 60 characters."""
    return "".join(c for c in text if c.isprintable()).strip()[:60]
