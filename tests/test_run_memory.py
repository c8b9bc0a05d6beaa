"""What a run lets go of as it goes, so a large tracker's run fits in memory (issue 16).

A Google run on the emulator over real HTTP: the raw cells of the read are let go once
the pure steps are done with them, no rendered message outlives its delivery batch,
and a person's tab that the backend keeps only the first row of is still never
written over.
"""

from __future__ import annotations

import dataclasses
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
from sheetsync.pipeline import RunOptions, _hugepage_switch, long_lived, prepare, run, small_pages
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


class Frozen(OutboxTransport):
    """The outbox, noting at each send how many objects the collector holds frozen."""

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.frozen_at_each_send: list[int] = []

    def send(self, message: EmailMessage) -> Any:
        self.frozen_at_each_send.append(gc.get_freeze_count())
        return super().send(message)


def test_a_run_freezes_what_it_read_while_it_sends_and_hands_it_back(emulator, tmp_path) -> None:
    """The tracker as read is out of the collector's passes while the emails go, not after."""
    assert gc.get_freeze_count() == 0
    outbox = Frozen(tmp_path / "out")
    result = run(backend(emulator, seed(emulator)), outbox, options())
    assert result.emails == 5 and len(outbox.frozen_at_each_send) == 5
    assert min(outbox.frozen_at_each_send) > 1_000
    assert gc.get_freeze_count() == 0


def test_a_run_after_a_failed_one_starts_unfrozen(emulator, tmp_path) -> None:
    """A run that stops with an error hands back what it froze too."""
    google = backend(emulator, seed(emulator))

    def broken(*args: object, **kwargs: object) -> None:
        assert gc.get_freeze_count() > 0
        raise RuntimeError("the write failed")

    google.write_status = broken  # type: ignore[assignment,method-assign]
    with pytest.raises(RuntimeError, match="the write failed"):
        run(google, OutboxTransport(tmp_path / "out"), options())
    assert gc.get_freeze_count() == 0


def collectable(obj: object) -> bool:
    """Whether the collector's passes see ``obj`` (frozen objects they do not)."""
    return any(o is obj for o in gc.get_objects())


def test_long_lived_freezes_only_when_settled() -> None:
    """Nothing is frozen until ``settle`` is called; all is handed back at the end."""
    with long_lived() as settle:
        made = [[n] for n in range(10)]
        assert collectable(made) and gc.get_freeze_count() == 0
        settle()
        assert not collectable(made) and gc.get_freeze_count() > 0
        later = [[n] for n in range(10)]
        assert collectable(later)
    assert collectable(made) and gc.get_freeze_count() == 0


def test_long_lived_leaves_a_freeze_it_did_not_make() -> None:
    """Objects frozen by someone else stay frozen, and nothing more is frozen."""
    kept = [[n] for n in range(10)]
    gc.freeze()
    try:
        with long_lived() as settle:
            made = [[n] for n in range(10)]
            settle()
            assert collectable(made) and not collectable(kept)
        assert not collectable(kept) and gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
    assert collectable(kept)


def huge_pages_advised() -> bool:
    """Whether numpy advises huge pages for its big arrays right now (asked, then put back)."""
    switch = _hugepage_switch()
    assert switch is not None  # the numpy this project installs has it
    now = switch(True)
    switch(now)
    return now


def test_small_pages_turns_numpys_huge_page_advice_off_and_back(monkeypatch) -> None:
    """Off inside the block, whatever it was before, and as it was after (an error too)."""
    monkeypatch.delenv("NUMPY_MADVISE_HUGEPAGE", raising=False)
    switch = _hugepage_switch()
    assert switch is not None
    before = switch(True)
    try:
        with small_pages():
            assert not huge_pages_advised()
        assert huge_pages_advised()
        with pytest.raises(RuntimeError), small_pages():
            raise RuntimeError("a step failed")
        assert huge_pages_advised()
    finally:
        switch(before)


def test_small_pages_leaves_a_setting_someone_chose(monkeypatch) -> None:
    """With NUMPY_MADVISE_HUGEPAGE set, the advice stays as numpy was told."""
    monkeypatch.setenv("NUMPY_MADVISE_HUGEPAGE", "1")
    switch = _hugepage_switch()
    assert switch is not None
    before = switch(True)
    try:
        with small_pages():
            assert huge_pages_advised()
    finally:
        switch(before)


def test_a_run_and_a_dry_run_work_without_huge_page_advice(emulator, tmp_path, monkeypatch) -> None:
    """The read (and so every step after it) happens with the advice off; it is back after."""
    monkeypatch.delenv("NUMPY_MADVISE_HUGEPAGE", raising=False)
    switch = _hugepage_switch()
    assert switch is not None
    before = switch(True)
    try:
        for dry_run in (False, True):
            google = backend(emulator, seed(emulator))
            read, seen = google.read, []

            def noted(read=read, seen=seen) -> Snapshot:
                seen.append(huge_pages_advised())
                return read()

            google.read = noted  # type: ignore[method-assign]
            options_ = dataclasses.replace(options(), dry_run=dry_run)
            run(google, OutboxTransport(tmp_path / f"out-{dry_run}"), options_)
            assert seen == [False]
            assert huge_pages_advised()
    finally:
        switch(before)


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
