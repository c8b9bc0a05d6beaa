"""The run's last batchUpdate split in parts (a small body limit): the structure and the
lease's renewal first, cells, the release last; a lost answer to any part changes nothing.

Cells that fill two bodies go as a second batchUpdate with the release; more go as
values:batchUpdate ranges between the structure and the release."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from gsheets_fixtures import backend, message_ids, options
from sheetsync.backends.gsheets.finish import Finish
from sheetsync.pipeline import RunResult, run
from sheetsync.testing.emulator import SheetsEmulator
from sheetsync.transports.outbox import OutboxTransport
from test_applied_faults import grid_sizes, seeded, tabs

LIMIT = 4_000  # bytes: the busy tracker's new cells go as value ranges in several bodies
TWO_PARTS = 30_000  # bytes: the busy tracker's last batchUpdate goes in two parts


@pytest.fixture
def emulators() -> Iterator[list[SheetsEmulator]]:
    """Two fresh emulators with the same seed: their first spreadsheets get the same id."""
    with SheetsEmulator(seed=3) as clean, SheetsEmulator(seed=3) as other:
        yield [clean, other]


def job(emu: SheetsEmulator, sheet_id: str, outbox: Path, limit: int = LIMIT) -> RunResult:
    """One whole run with a small body limit."""
    gs = backend(emu, sheet_id, max_request_bytes=limit)
    return run(gs, OutboxTransport(outbox), options())


@pytest.mark.parametrize(("limit", "batch_updates"), [(LIMIT, 3), (TWO_PARTS, 3)])
def test_split_last_batch_ends_like_one_and_releases_the_lease(
    emulators, tmp_path, limit, batch_updates
):
    """Split in parts, the last batch leaves the same cells and tabs as whole, and no lease."""
    clean, split = emulators
    whole = seeded(clean, "busy")
    run(backend(clean, whole), OutboxTransport(tmp_path / "whole"), options())
    sheet_id = seeded(split, "busy")
    split.reset_counts()
    job(split, sheet_id, tmp_path / "split", limit)
    assert split.calls["spreadsheets.batchUpdate"] == batch_updates  # take, structure, release
    assert (split.calls["values.batchUpdate"] > 2) == (limit == LIMIT)  # cells as value ranges
    assert tabs(split, sheet_id) == tabs(clean, whole)
    assert grid_sizes(split, sheet_id) == grid_sizes(clean, whole)
    assert job(split, sheet_id, tmp_path / "again", limit).emails == 0  # the lease was released


@pytest.mark.parametrize(
    ("kind", "n"),
    [
        ("spreadsheets.batchUpdate", 2),  # the structure with the renewal
        ("spreadsheets.batchUpdate", 3),  # the release
        ("values.batchUpdate", 2),  # the first value ranges after the structure
        ("values.batchUpdate", 3),
    ],
)
def test_lost_answer_to_a_part_leaves_the_sheet_as_a_clean_run(emulators, tmp_path, kind, n):
    """The n-th call of a kind (a part of the last batch) applied then its answer lost."""
    clean, faulty = emulators
    reference = seeded(clean, "busy")
    job(clean, reference, tmp_path / "clean")
    assert clean.calls["values.batchUpdate"] >= 3  # the run's own, then the landed cells
    sheet_id = seeded(faulty, "busy")
    faulty.lose_answers([n], kind=kind)
    job(faulty, sheet_id, tmp_path / "faulty")
    assert faulty.faults_injected == {"applied-500": 1}
    assert tabs(faulty, sheet_id) == tabs(clean, reference)
    assert grid_sizes(faulty, sheet_id) == grid_sizes(clean, reference)
    assert message_ids(tmp_path / "faulty") == message_ids(tmp_path / "clean")


def test_lost_answer_to_the_second_of_two_parts_changes_nothing(emulators, tmp_path):
    """In two parts, the second (cells with the release) applied then its answer lost."""
    clean, faulty = emulators
    reference = seeded(clean, "busy")
    job(clean, reference, tmp_path / "clean", TWO_PARTS)
    sheet_id = seeded(faulty, "busy")
    faulty.lose_answers([3], kind="spreadsheets.batchUpdate")
    job(faulty, sheet_id, tmp_path / "faulty", TWO_PARTS)
    assert faulty.faults_injected == {"applied-500": 1}
    assert tabs(faulty, sheet_id) == tabs(clean, reference)
    assert job(faulty, sheet_id, tmp_path / "again", TWO_PARTS).emails == 0


def test_cells_sent_as_value_ranges_keep_new_dates_as_date_cells():
    """Past two bodies, a new row's date goes as its serial number under a date format."""
    finish = Finish()
    finish.add([{"insertDimension": {}}])
    finish.land("Milestones", 7, {3: {5: dt.date(2027, 1, 4), 6: dt.date(2027, 2, 1)}, 4: {5: "x"}})
    first, data = finish.as_values()
    formats = [r["repeatCell"] for r in first if "repeatCell" in r]
    assert [f["range"] for f in formats] == [
        {
            "sheetId": 7,
            "startRowIndex": 4,
            "endRowIndex": 6,
            "startColumnIndex": 2,
            "endColumnIndex": 3,
        }
    ]
    assert formats[0]["cell"]["userEnteredFormat"]["numberFormat"]["type"] == "DATE"
    assert [(d["range"], d["values"]) for d in data] == [
        ("'Milestones'!C5:C6", [[46391, 46419]]),
        ("'Milestones'!D5:D5", [["x"]]),
    ]
