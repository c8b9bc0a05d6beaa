"""The run's last batchUpdate split in parts (a small body limit): the structure and the
lease's renewal first, cells, the release last; a lost answer to any part changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gsheets_fixtures import backend, message_ids, options
from sheetsync.pipeline import RunResult, run
from sheetsync.testing.emulator import SheetsEmulator
from sheetsync.transports.outbox import OutboxTransport
from test_applied_faults import grid_sizes, seeded, tabs

LIMIT = 4_000  # bytes: the busy tracker's last batchUpdate goes in several parts


@pytest.fixture
def emulators() -> Iterator[list[SheetsEmulator]]:
    """Two fresh emulators with the same seed: their first spreadsheets get the same id."""
    with SheetsEmulator(seed=3) as clean, SheetsEmulator(seed=3) as other:
        yield [clean, other]


def job(emu: SheetsEmulator, sheet_id: str, outbox: Path) -> RunResult:
    """One whole run with the small body limit."""
    gs = backend(emu, sheet_id, max_request_bytes=LIMIT)
    return run(gs, OutboxTransport(outbox), options())


def test_split_last_batch_ends_like_one_and_releases_the_lease(emulators, tmp_path):
    """Split in parts, the last batch leaves the same tabs as whole, and no lease behind."""
    clean, split = emulators
    whole = seeded(clean, "busy")
    run(backend(clean, whole), OutboxTransport(tmp_path / "whole"), options())
    sheet_id = seeded(split, "busy")
    job(split, sheet_id, tmp_path / "split")
    assert split.calls["spreadsheets.batchUpdate"] > clean.calls["spreadsheets.batchUpdate"]
    assert tabs(split, sheet_id) == tabs(clean, whole)
    assert grid_sizes(split, sheet_id) == grid_sizes(clean, whole)
    assert job(split, sheet_id, tmp_path / "again").emails == 0  # the lease was released


@pytest.mark.parametrize("n", [2, 3, 4])
def test_lost_answer_to_a_part_leaves_the_sheet_as_a_clean_run(emulators, tmp_path, n):
    """The n-th batchUpdate (a part of the last batch) applied then its answer lost."""
    clean, faulty = emulators
    reference = seeded(clean, "busy")
    job(clean, reference, tmp_path / "clean")
    assert clean.calls["spreadsheets.batchUpdate"] >= 4  # the take, then at least three parts
    sheet_id = seeded(faulty, "busy")
    faulty.lose_answers([n], kind="spreadsheets.batchUpdate")
    job(faulty, sheet_id, tmp_path / "faulty")
    assert faulty.faults_injected == {"applied-500": 1}
    assert tabs(faulty, sheet_id) == tabs(clean, reference)
    assert grid_sizes(faulty, sheet_id) == grid_sizes(clean, reference)
    assert message_ids(tmp_path / "faulty") == message_ids(tmp_path / "clean")
