"""The workbook as a file: open it or say in one line why not, save it without harm.

A save writes a temporary file next to the workbook and renames it over the
workbook, so a crash never leaves it half-written. It writes through a symlink to
its target (the link stays a link), keeps the file's permissions and owner, and
removes the temporary files of earlier runs that were killed mid-save.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
import time
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.workbook import Workbook

from ...errors import BackendError, TrackerError, TrackerNotFound
from .formulas import keep_results

TEMP_PREFIX = ".sheetsync-"
"""Temporary files are ``.sheetsync-<pid>-<random>.xlsx`` beside the workbook."""
STALE_AFTER = 3600.0
"""Seconds after which any temporary file is left over (a save takes seconds)."""

_DAMAGE = (
    InvalidFileException,
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    SyntaxError,  # xml.etree's ParseError and lxml's XMLSyntaxError
    KeyError,
    ValueError,
    TypeError,
    IndexError,
)


@contextmanager
def opened(path: Path, *, read_only: bool, data_only: bool) -> Iterator[Workbook]:
    """The workbook at ``path``, open; closed on exit.

    In read-only mode openpyxl parses each sheet while it is iterated, so damage
    found inside the ``with`` block is reported the same way.

    Raises:
        TrackerNotFound: there is no file at ``path``.
        TrackerError: the file is not a readable workbook (one line saying why).
    """
    if not path.exists():
        raise TrackerNotFound(f"no workbook at {path}")
    # Our own handle, closed whatever happens: openpyxl leaves its own open when it fails.
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise damaged(path, exc) from exc
    with handle:
        try:
            book = openpyxl.load_workbook(handle, read_only=read_only, data_only=data_only)
        except (*_DAMAGE, OSError) as exc:
            raise damaged(path, exc) from exc
        try:
            yield book
        except _DAMAGE as exc:
            if not read_only:
                raise
            raise damaged(path, exc) from exc
        finally:
            book.close()


def damaged(path: Path, exc: BaseException) -> TrackerError:
    """The one-line error for a file that cannot be read as a workbook."""
    hint = "open it in Excel or LibreOffice and save it again, or restore a copy"
    if isinstance(exc, zipfile.BadZipFile | InvalidFileException) and not zipfile.is_zipfile(path):
        return TrackerError(
            f"{path} is not an .xlsx workbook: it is another kind of file or was cut short; {hint}"
        )
    if isinstance(exc, IsADirectoryError | PermissionError):
        return TrackerError(f"cannot read {path}: {exc.strerror}")
    detail = " ".join(str(exc).split())[:120] or type(exc).__name__
    return TrackerError(f"{path} is damaged and cannot be read ({detail}); {hint}")


def ensure_writable(path: Path) -> None:
    """Refuse, before anything is sent, a workbook the run could not save.

    A file with no write permission is read-only even for root, who could
    write it anyway: its owner marked it so.

    Raises:
        TrackerNotFound: there is no file at ``path``.
        TrackerError: the workbook or its folder is read-only.
    """
    target = path.resolve()
    if not target.exists():
        raise TrackerNotFound(f"no workbook at {path}")
    if not os.access(target, os.W_OK) or not target.stat().st_mode & 0o222:
        raise TrackerError(
            f"{path} is read-only: a run writes the status columns and the Log into it; "
            "make it writable, or use check, which writes nothing"
        )
    if not os.access(target.parent, os.W_OK | os.X_OK):
        raise TrackerError(f"cannot save {path}: its folder {target.parent} is read-only")


def save(book: Workbook, path: Path) -> None:
    """Save ``book`` in place of the workbook at ``path`` (through a symlink).

    Raises:
        BackendError: the file could not be written; the workbook is unchanged.
    """
    target = path.resolve()
    remove_stale_temps(target.parent)
    fd, name = tempfile.mkstemp(
        prefix=f"{TEMP_PREFIX}{os.getpid()}-", suffix=".xlsx", dir=target.parent
    )
    os.close(fd)
    temp = Path(name)
    try:
        book.save(temp)
        keep_results(target, temp)
        _replace(temp, target)
    except OSError as exc:
        raise BackendError(f"could not save {path}: {exc.strerror or exc}") from exc
    finally:
        temp.unlink(missing_ok=True)


def _replace(temp: Path, target: Path) -> None:
    """Put ``temp`` in place of ``target`` with ``target``'s permissions and owner.

    When the owner cannot be kept (only root may give a file away), the bytes
    are copied into the existing file instead: same owner, same inode, but a
    crash during that copy could leave the workbook half-written.
    """
    before = target.stat()
    os.chmod(temp, stat.S_IMODE(before.st_mode))
    now = temp.stat()
    if (now.st_uid, now.st_gid) != (before.st_uid, before.st_gid):
        try:
            os.chown(temp, before.st_uid, before.st_gid)
        except PermissionError:
            shutil.copyfile(temp, target)
            return
    os.replace(temp, target)


def remove_stale_temps(folder: Path) -> list[Path]:
    """Delete the temporary files that runs killed mid-save left in ``folder``.

    A file is left over when the process that made it is gone, or when it is
    older than STALE_AFTER (a process number can be reused). Returns them.
    """
    removed = []
    for temp in folder.glob(f"{TEMP_PREFIX}*.xlsx"):
        try:
            if _is_stale(temp):
                temp.unlink()
                removed.append(temp)
        except OSError:
            continue  # another run removed it first, or it is not ours to remove
    return removed


def _is_stale(temp: Path) -> bool:
    if time.time() - temp.stat().st_mtime > STALE_AFTER:
        return True
    pid = temp.name.removeprefix(TEMP_PREFIX).partition("-")[0]
    return pid.isdigit() and not _alive(int(pid))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
