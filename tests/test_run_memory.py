"""What a run lets go of as it goes, so a large tracker's run fits in memory (issue 16).

A Google run on the emulator over real HTTP: the raw cells of the read are let go once
the pure steps are done with them, no rendered message outlives its delivery batch,
and a person's tab that the backend keeps only the first row of is still never
written over.
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from conftest import TODAY, tracker_grids
from gsheets_fixtures import NOON, backend, seed
from sheetsync.model import Grid, Snapshot
from sheetsync.pipeline import RunOptions, prepare, run
from sheetsync.testing.emulator import SheetsEmulator
from sheetsync.transports.outbox import OutboxTransport

BELOW_BLANK: Grid = [["", ""], ["My own figures", 42]]  # a person's tab, first row left blank


@pytest.fixture(scope="module")
def emulator() -> Iterator[SheetsEmulator]:
    """One emulator for the module, without quotas."""
    with SheetsEmulator() as emu:
        emu.disable_quotas()
        yield emu


def options(batch_size: int = 200) -> RunOptions:
    """As of TODAY at noon UTC."""
    return RunOptions(today=TODAY, clock=lambda: NOON, batch_size=batch_size)


def alive(rows: dict[int, list[object]]) -> int:
    """How many of these rows (by id, and holding the same cells) are still alive."""
    gc.collect()
    return sum(1 for o in gc.get_objects() if id(o) in rows and o == rows[id(o)])


def test_the_rows_read_are_let_go_once_the_pure_steps_are_done(emulator) -> None:
    """After prepare, none of the Milestones and Contracts rows as read is held any more."""
    google = backend(emulator, seed(emulator))
    read = google.read
    rows: dict[int, list[object]] = {}

    def remembered() -> Snapshot:
        snapshot = read()
        for tab in ("Milestones", "Contracts"):
            rows.update((id(row), list(row)) for row in snapshot.tabs[tab][1:])
        return snapshot

    google.read = remembered  # type: ignore[method-assign]
    prepared = prepare(google, options())
    assert len(rows) == 8 and len(prepared.evaluated) == 5  # 3 contracts, 5 milestones
    assert alive(rows) == 0


class Counting(OutboxTransport):
    """The outbox, noting at each send how many of the messages handed before are alive."""

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.handed: list[weakref.ref[EmailMessage]] = []
        self.alive_at_each_send: list[int] = []

    def send(self, message: EmailMessage) -> Any:
        gc.collect()
        self.alive_at_each_send.append(sum(1 for ref in self.handed if ref() is not None))
        self.handed.append(weakref.ref(message))
        return super().send(message)


def test_a_run_holds_one_delivery_batch_of_messages_at_most(emulator, tmp_path) -> None:
    """With batches of two, a batch's messages are gone by the time the next batch is sent."""
    outbox = Counting(tmp_path / "out")
    result = run(backend(emulator, seed(emulator)), outbox, options(batch_size=2))
    assert result.emails == result.due == len(outbox.handed) == 5
    assert outbox.alive_at_each_send == [0, 1, 0, 1, 0]
    assert len(list((tmp_path / "out").glob("*.eml"))) == 5
    assert len(result.subjects) == 5 and all(result.subjects)


def test_a_persons_tab_with_a_blank_first_row_is_never_the_dashboard(emulator, tmp_path) -> None:
    """*Dashboard tab* naming a person's tab whose first row is blank: every cell stays."""
    grids = tracker_grids()
    grids["Mine"] = [list(row) for row in BELOW_BLANK]
    grids["Settings"].append(["Dashboard tab", "Mine"])
    sheet = seed(emulator, grids)
    result = run(backend(emulator, sheet), OutboxTransport(tmp_path / "out"), options())
    assert any("Mine" in str(p) for p in result.problems if p.row <= 0)
    assert emulator.values(sheet, "Mine")[1] == ["My own figures", 42]
