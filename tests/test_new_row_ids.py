"""A row a person added without an ID keeps the ID its first email went out under.

The fault year's duplicate (issue 16, the Log-tab-missing call count): the Log tab was
gone, a person had added rows without an ID, and sorted the Milestones while a run was
between its read and the write's re-read. The run emailed those rows under the IDs it
gave them, then found them moved and skipped writing those IDs; the next run gave them
other IDs, so the Log no longer knew what had gone out and a reminder went again under
another Message-ID. A moved row without an ID is now found where it is, by its
Milestone and Contract ID, and gets the ID its email carried.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from gsheets_fixtures import backend
from sheetsync.init.sample import sample_tracker
from sheetsync.pipeline import run
from sheetsync.testing.emulator import SheetsEmulator
from sheetsync.transports.outbox import OutboxTransport
from test_pipeline import ANCHOR, options

# Two rows a person added without an ID, the later due above the earlier: a sort by Due
# Date swaps them, so IDs handed out by position would swap too.
LATER = ["", "C-008", "Added later, due later", "notice", ANCHOR + dt.timedelta(days=41)]
EARLIER = ["", "C-008", "Added later, due sooner", "notice", ANCHOR + dt.timedelta(days=20)]


def tracker(emulator: SheetsEmulator, log: bool) -> str:
    """The sample tracker with the two new rows near the top (and its Log tab, or none)."""
    grids = sample_tracker(ANCHOR)
    width = len(grids["Milestones"][0])
    grids["Milestones"][1:1] = [row + [""] * (width - len(row)) for row in (LATER, EARLIER)]
    if not log:
        grids.pop("Log")
    return emulator.create_spreadsheet("Tracker", grids)  # type: ignore[arg-type]


def cells(emulator: SheetsEmulator, sheet: str, title: str) -> dict[str, object]:
    """The Milestones row titled ``title`` as {header: value}."""
    grid = emulator.values(sheet, "Milestones")
    row = next(r for r in grid[1:] if title in r)
    return dict(zip(grid[0], row + [None] * (len(grid[0]) - len(row)), strict=True))


def log_keys(emulator: SheetsEmulator, sheet: str) -> list[str]:
    """The Log's keys."""
    grid = emulator.values(sheet, "Log")
    column = grid[0].index("Key")
    return [str(row[column]) for row in grid[1:] if len(row) > column]


def mentions(outbox: Path, title: str) -> int:
    """How many reminders in ``outbox`` list the milestone ``title`` (summaries aside)."""
    return sum(
        title in path.read_text() for path in outbox.glob("*.eml") if "summary" not in path.name
    )


@pytest.mark.parametrize("log", [False, True], ids=["no log tab", "log tab"])
def test_sorted_during_the_run_new_rows_keep_the_ids_they_were_emailed_under(
    emulator, tmp_path: Path, log: bool
):
    """Rows sorted between read and write still get their IDs and Last Notified, and the
    next runs send them nothing again."""
    sheet = tracker(emulator, log)
    sort = emulator.edit(sheet, "Milestones")
    reread = emulator.calls["values.batchGet"] + 2  # the read, then the write's re-read
    emulator.on_call("values.batchGet", reread, lambda: sort.sort("Due Date"))
    outbox = tmp_path / "first"
    run(backend(emulator, sheet), OutboxTransport(outbox), options(ANCHOR))
    keys = log_keys(emulator, sheet)
    for title, stage in ((LATER[2], 60), (EARLIER[2], 30)):
        assert mentions(outbox, title) == 1
        row = cells(emulator, sheet, title)
        assert str(row["Last Notified"]).startswith(f"{ANCHOR}: reminder {stage}d")
        assert any(key.startswith(f"reminder:{row['Milestone ID']}:") for key in keys)
    for day in (ANCHOR, ANCHOR + dt.timedelta(days=1)):
        outbox = tmp_path / str(day)
        run(backend(emulator, sheet), OutboxTransport(outbox), options(day))
        assert mentions(outbox, LATER[2]) == mentions(outbox, EARLIER[2]) == 0
