"""The workbook file itself: permissions, owner, symlinks, read-only files, leftovers, damage.

Runs drive the real CLI (in-process with click's runner, or as a subprocess
where the operating system's view of the process matters) on real workbooks.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

import sheetsync
from conftest import TODAY, tracker_grids, write_workbook
from sheetsync.cli import main

NOBODY = 65534


def cli(*args: str):
    """Run the CLI in-process."""
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def run_args(path: Path, outbox: Path) -> list[str]:
    """``run PATH --today TODAY --outbox OUTBOX``."""
    return ["run", str(path), "--today", TODAY.isoformat(), "--outbox", str(outbox)]


def statuses(path: Path) -> list[object]:
    """The Status column of the Milestones tab as saved."""
    sheet = openpyxl.load_workbook(path)["Milestones"]
    header = [c.value for c in sheet[1]]
    column = header.index("Status") + 1
    return [sheet.cell(r, column).value for r in range(2, sheet.max_row + 1)]


def leftovers(*folders: Path) -> list[Path]:
    """Temporary files of sheetsync's saves in ``folders``."""
    return [p for folder in folders for p in folder.glob(".sheetsync-*")]


@pytest.fixture
def book(tmp_path: Path) -> Path:
    """The small tracker as a workbook in its own folder."""
    folder = tmp_path / "shared"
    folder.mkdir()
    return write_workbook(folder / "tracker.xlsx", tracker_grids())


def test_a_run_keeps_the_files_permissions(book, tmp_path):
    """A workbook readable by its group only stays so after the run rewrote it."""
    book.chmod(0o640)
    assert cli(*run_args(book, tmp_path / "o")).exit_code == 0
    assert stat.S_IMODE(book.stat().st_mode) == 0o640
    assert "Overdue" in statuses(book) and leftovers(book.parent) == []


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a file to another owner")
def test_a_run_keeps_the_files_owner(book, tmp_path):
    """A workbook owned by someone else keeps its owner and group after the run."""
    os.chown(book, NOBODY, NOBODY)
    assert cli(*run_args(book, tmp_path / "o")).exit_code == 0
    assert (book.stat().st_uid, book.stat().st_gid) == (NOBODY, NOBODY)
    assert "Overdue" in statuses(book)


@pytest.fixture
def open_folder() -> Iterator[Path]:
    """A folder anyone may write in, outside pytest's private temporary tree."""
    folder = Path(tempfile.mkdtemp(prefix="sheetsync-shared-"))
    folder.chmod(0o777)
    yield folder
    shutil.rmtree(folder)


def nobody_env() -> dict[str, str]:
    """The environment, with this run's installed packages and sheetsync on PYTHONPATH."""
    source = str(Path(sheetsync.__file__).parents[1])
    packages = [p for p in sys.path if p.endswith("site-packages")]
    return {**os.environ, "PYTHONPATH": os.pathsep.join([source, *packages])}


def python_for_nobody() -> list[str] | None:
    """A Python user nobody can run with sheetsync importable, or None (not root, none found)."""
    if os.geteuid() != 0:
        return None
    env = nobody_env()
    system_python = shutil.which("python3", path=os.defpath) or sys.executable
    for python in dict.fromkeys([sys.executable, system_python]):
        try:
            check = [python, "-c", "import sheetsync"]
            subprocess.run(check, user=NOBODY, group=NOBODY, env=env, check=True)
        except (OSError, subprocess.CalledProcessError):
            continue
        return [python]
    return None


NOBODY_PYTHON = python_for_nobody()


@pytest.mark.skipif(NOBODY_PYTHON is None, reason="needs root and a Python nobody can run")
def test_a_run_by_another_user_keeps_the_owner(open_folder):
    """Another user, allowed to write the file but not to own it, saves without taking it."""
    path = write_workbook(open_folder / "tracker.xlsx", tracker_grids())
    path.chmod(0o666)
    inode = path.stat().st_ino
    assert NOBODY_PYTHON is not None
    command = [*NOBODY_PYTHON, "-m", "sheetsync", *run_args(path, open_folder / "outbox")]
    env = nobody_env()
    done = subprocess.run(
        command, user=NOBODY, group=NOBODY, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert (path.stat().st_uid, path.stat().st_ino, stat.S_IMODE(path.stat().st_mode)) == (
        0,
        inode,
        0o666,
    )
    assert "Overdue" in statuses(path) and leftovers(open_folder) == []


def test_a_run_writes_through_a_symlink_to_its_target(book, tmp_path):
    """Run on a link: the target gets the status columns and the link stays a link."""
    link = tmp_path / "link.xlsx"
    link.symlink_to(book)
    command = [sys.executable, "-m", "sheetsync", *run_args(link, tmp_path / "o")]
    done = subprocess.run(command, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert link.is_symlink() and link.resolve() == book.resolve()
    assert "Overdue" in statuses(book)
    assert leftovers(tmp_path, book.parent) == []


def test_a_read_only_workbook_is_refused_before_anything_is_sent(book, tmp_path):
    """A read-only workbook: exit 2 with one line, no email written, the file unchanged."""
    book.chmod(0o444)
    before = book.read_bytes()
    command = [sys.executable, "-m", "sheetsync", *run_args(book, tmp_path / "o")]
    done = subprocess.run(command, capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stderr == (
        f"sheetsync: error: {book} is read-only: a run writes the status columns and the Log "
        "into it; make it writable, or use check, which writes nothing\n"
    )
    assert not (tmp_path / "o").exists() and book.read_bytes() == before


def test_a_read_only_workbook_can_still_be_checked(book):
    """``check`` writes nothing, so a read-only workbook is fine for it."""
    book.chmod(0o444)
    result = cli("check", str(book), "--today", TODAY.isoformat())
    assert result.exit_code == 0 and "Overdue 1" in result.stdout


def test_a_dry_run_of_a_read_only_workbook_is_fine(book, tmp_path):
    """``run --dry-run`` writes nothing either: it reports what would be sent."""
    book.chmod(0o444)
    result = cli(*run_args(book, tmp_path / "o"), "--dry-run")
    assert result.exit_code == 0 and "Would send 5 emails:" in result.stdout


def dead_pid() -> int:
    """The number of a process that has exited."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_run_removes_what_killed_runs_left_and_keeps_a_live_runs_file(book, tmp_path):
    """Temporary files of dead or hour-old runs go; one of a running process stays."""
    folder = book.parent
    killed = folder / f".sheetsync-{dead_pid()}-k1ll3d.xlsx"
    ancient = folder / ".sheetsync-q8x2kz.xlsx"  # the name older versions used
    running = folder / f".sheetsync-{os.getpid()}-l1v3.xlsx"
    for temp in (killed, ancient, running):
        temp.write_bytes(b"half a workbook")
    hour_ago = time.time() - 2 * 3600
    os.utime(ancient, (hour_ago, hour_ago))
    assert cli(*run_args(book, tmp_path / "o")).exit_code == 0
    assert leftovers(folder) == [running]


def test_a_run_leaves_no_temporary_file(book, tmp_path):
    """After two runs on two days, the folder holds the workbook only."""
    assert cli(*run_args(book, tmp_path / "o")).exit_code == 0
    later = ["run", str(book), "--today", "2026-12-05", "--outbox", str(tmp_path / "o")]
    assert cli(*later).exit_code == 0
    assert sorted(p.name for p in book.parent.iterdir()) == ["tracker.xlsx"]


def rewrite(path: Path, change: Callable[[str, bytes], bytes | None]) -> None:
    """Rewrite the zip at ``path``, each member through ``change`` (None drops it)."""
    with zipfile.ZipFile(path) as source:
        members = [(name, source.read(name)) for name in source.namelist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in members:
            if (new := change(name, data)) is not None:
                target.writestr(name, new)


def bad_sheet_xml(path: Path) -> None:
    """A worksheet's XML cut in half."""
    rewrite(path, lambda n, d: d[: len(d) // 2] if n.endswith("sheet2.xml") else d)


def bad_workbook_xml(path: Path) -> None:
    """workbook.xml that is not XML."""
    rewrite(path, lambda n, d: b"<workbook" if n == "xl/workbook.xml" else d)


def missing_member(path: Path) -> None:
    """The zip lacks xl/workbook.xml."""
    rewrite(path, lambda n, d: None if n == "xl/workbook.xml" else d)


def corrupt_member(path: Path) -> None:
    """Compressed bytes of a member flipped: the zip's own check fails."""
    data = bytearray(path.read_bytes())
    start = data.find(b"xl/worksheets/sheet2.xml") + 100
    data[start : start + 40] = bytes(b ^ 0xFF for b in data[start : start + 40])
    path.write_bytes(bytes(data))


def truncated(path: Path) -> None:
    """The file cut short, as by a full disk or an interrupted copy."""
    path.write_bytes(path.read_bytes()[:3000])


def not_a_zip(path: Path) -> None:
    """A CSV saved under an .xlsx name."""
    path.write_text("Contract ID,Contract\nC-001,Acme MSA\n")


def empty(path: Path) -> None:
    """A file of zero bytes."""
    path.write_bytes(b"")


def a_folder(path: Path) -> None:
    """A folder named like a workbook."""
    path.unlink()
    path.mkdir()


DAMAGE = [
    bad_sheet_xml,
    bad_workbook_xml,
    missing_member,
    corrupt_member,
    truncated,
    not_a_zip,
    empty,
    a_folder,
]


@pytest.mark.parametrize("command", ["check", "run"])
@pytest.mark.parametrize("damage", DAMAGE, ids=lambda f: f.__name__)
def test_a_damaged_workbook_exits_2_in_one_line(damage, command, book, tmp_path):
    """Each kind of damage: exit 2, one line naming the file, no traceback, nothing sent."""
    damage(book)
    outbox = tmp_path / "o"
    args = run_args(book, outbox) if command == "run" else ["check", str(book)]
    result = cli(*args)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"sheetsync: error: {book}") or result.stderr.startswith(
        f"sheetsync: error: cannot read {book}"
    )
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
    assert not outbox.exists()


def test_a_damaged_workbook_as_a_subprocess_says_what_to_do(book, tmp_path):
    """The real command on a cut-short file: exit 2 and advice a person can follow."""
    truncated(book)
    command = [sys.executable, "-m", "sheetsync", *run_args(book, tmp_path / "o")]
    done = subprocess.run(command, capture_output=True, text=True)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == (
        f"sheetsync: error: {book} is not an .xlsx workbook: it is another kind of file or was "
        "cut short; open it in Excel or LibreOffice and save it again, or restore a copy\n"
    )
