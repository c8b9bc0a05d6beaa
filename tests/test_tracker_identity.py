"""Message-IDs and outbox files are unique per tracker, and stable for one tracker.

Two trackers with identical rows (a copy of the sample, a second team's sheet)
must never share a Message-ID, which mail systems fold into one message, nor
overwrite each other's ``.eml`` files in one outbox.
"""

from __future__ import annotations

import email
import shutil
from collections.abc import Iterator
from email import policy
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import TODAY, tracker_grids, write_workbook
from gsheets_fixtures import backend, options, run_job, running_emulator, seed
from sheetsync.backends.xlsx import XlsxBackend
from sheetsync.cli import main
from sheetsync.pipeline import check
from sheetsync.testing.emulator import SheetsEmulator


@pytest.fixture(scope="module")
def emulator() -> Iterator[SheetsEmulator]:
    """One Sheets API emulator for the module."""
    yield from running_emulator()


def run_cli(path: Path, outbox: Path) -> None:
    """``sheetsync run PATH --today TODAY --outbox OUTBOX``, which must succeed."""
    args = ["run", str(path), "--today", TODAY.isoformat(), "--outbox", str(outbox)]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output


def ids_in(outbox: Path) -> dict[str, str]:
    """Each .eml file's name → its Message-ID."""
    return {
        path.name: str(
            email.message_from_bytes(path.read_bytes(), policy=policy.default)["Message-ID"]
        )
        for path in outbox.glob("*.eml")
    }


def logged_ids(path: Path) -> set[str]:
    """The Message-IDs the workbook's Log recorded."""
    header, *rows = XlsxBackend(path).read().tabs["Log"]
    column = header.index("Message-ID")
    return {str(row[column]) for row in rows if row and row[column]}


def test_two_copies_of_a_workbook_fill_one_outbox_without_overwriting(tmp_path):
    """A tracker and its copy, run into one outbox: every email of both is there, IDs distinct."""
    (tmp_path / "legal").mkdir()
    first = write_workbook(tmp_path / "legal" / "tracker.xlsx", tracker_grids())
    second = tmp_path / "finance" / "tracker.xlsx"
    second.parent.mkdir()
    shutil.copy(first, second)
    outbox = tmp_path / "outbox"
    run_cli(first, outbox)
    run_cli(second, outbox)
    files = ids_in(outbox)
    assert len(files) == 10 and len(set(files.values())) == 10
    assert not logged_ids(first) & logged_ids(second)
    assert logged_ids(first) | logged_ids(second) == set(files.values())


def test_the_same_workbook_run_again_gives_the_same_message_ids(tmp_path):
    """Rerun of the same file from the same state: the same Message-IDs and file names."""
    path = write_workbook(tmp_path / "tracker.xlsx", tracker_grids())
    pristine = path.read_bytes()
    run_cli(path, tmp_path / "first")
    path.write_bytes(pristine)
    run_cli(path, tmp_path / "again")
    first, again = ids_in(tmp_path / "first"), ids_in(tmp_path / "again")
    assert first == again and len(first) == 5


def test_a_symlink_to_a_workbook_is_the_same_tracker(tmp_path):
    """Run through a link or by the real path: one tracker, one set of Message-IDs."""
    path = write_workbook(tmp_path / "tracker.xlsx", tracker_grids())
    pristine = path.read_bytes()
    link = tmp_path / "shortcut.xlsx"
    link.symlink_to(path)
    run_cli(path, tmp_path / "direct")
    path.write_bytes(pristine)
    run_cli(link, tmp_path / "linked")
    assert ids_in(tmp_path / "direct") == ids_in(tmp_path / "linked")


def test_two_google_sheets_with_the_same_rows_never_share_a_message_id(emulator, tmp_path):
    """Two spreadsheets with identical rows, one outbox: ten files, ten Message-IDs."""
    outbox = tmp_path / "outbox"
    for sheet in (seed(emulator), seed(emulator)):
        assert run_job(backend(emulator, sheet), outbox).emails == 5
    files = ids_in(outbox)
    assert len(files) == 10 and len(set(files.values())) == 10


def test_a_google_sheet_and_a_workbook_copy_of_it_differ(emulator, tmp_path):
    """The same rows as a Google Sheet and as a workbook are two trackers: no shared ID."""
    outbox = tmp_path / "outbox"
    run_job(backend(emulator, seed(emulator)), outbox)
    run_cli(write_workbook(tmp_path / "tracker.xlsx", tracker_grids()), outbox)
    assert len(set(ids_in(outbox).values())) == 10


def test_a_google_sheet_keeps_its_message_ids_from_check_to_run(emulator, tmp_path):
    """``check`` twice and then the run: the same spreadsheet gives the same Message-IDs."""
    sheet = seed(emulator)
    planned = [check(backend(emulator, sheet), options()).planned for _ in range(2)]
    first, second = ({str(m["Message-ID"]) for m in messages} for messages in planned)
    run_job(backend(emulator, sheet), tmp_path / "outbox")
    assert first == second == set(ids_in(tmp_path / "outbox").values()) and len(first) == 5
