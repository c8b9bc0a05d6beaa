"""Sheets API calls per run on the emulator (real gspread over HTTP), counted by method.

Every run makes at most 6 calls (issue 16): the lease's take, whose answer carries the
spreadsheet's layout; one values:batchGet reading every tab; one values:append of the
Log per delivery batch; one values:batchGet re-reading before the write; one
values:batchUpdate of the cells that exist; one last spreadsheets:batchUpdate with what
needs new tabs, columns or rows (auto rows, the Log rows of moves and completions) and
the lease's release.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

from gsheets_fixtures import backend
from sheetsync.init.sample import sample_tracker
from sheetsync.pipeline import RunResult, run
from sheetsync.testing.emulator import SheetsEmulator
from sheetsync.transports.outbox import OutboxTransport
from test_pipeline import ANCHOR, options

TAKE_AND_RELEASE = {"spreadsheets.batchUpdate": 2}
READ_AND_REREAD = {"values.batchGet": 2}


class Tracker:
    """The sample tracker on the emulator; each run counts the calls it made."""

    def __init__(self, emulator: SheetsEmulator, tmp_path: Path, *, log: bool = True) -> None:
        self.emulator = emulator
        grids = sample_tracker(ANCHOR)
        if not log:
            grids.pop("Log")
        self.sheet = emulator.create_spreadsheet("Tracker", grids)  # type: ignore[arg-type]
        self.outbox = tmp_path / "outbox"

    def run(self, day: dt.date) -> tuple[RunResult, dict[str, int]]:
        """One run as of ``day``: its result and its calls by method."""
        before = Counter(self.emulator.calls)
        result = run(backend(self.emulator, self.sheet), OutboxTransport(self.outbox), options(day))
        calls = Counter(self.emulator.calls)
        calls.subtract(before)
        assert result.api_calls == sum(calls.values())
        return result, {kind: n for kind, n in calls.items() if n}

    def tab(self, name: str) -> list[list[object]]:
        """A tab's cells as stored."""
        return self.emulator.values(self.sheet, name)

    def column(self, tab: str, header: str) -> list[object]:
        """One column's cells below the header."""
        grid = self.tab(tab)
        index = grid[0].index(header)
        return [row[index] if index < len(row) else None for row in grid[1:]]


def log_kinds(tracker: Tracker) -> Counter[str]:
    """The Log's rows by the first part of their key (reminder, completed …)."""
    keys = tracker.column("Log", "Key")
    return Counter(str(key).split(":")[0] for key in keys if key)


def test_first_run_makes_six_calls(emulator, tmp_path):
    """A first run on the sample (no Dashboard tab, auto rows to add) makes 6 calls and
    still adds the tab, the auto rows and the Log rows of what it sent."""
    tracker = Tracker(emulator, tmp_path)
    rows_before = len(tracker.tab("Milestones"))
    result, calls = tracker.run(ANCHOR)
    assert calls == {
        **TAKE_AND_RELEASE,
        **READ_AND_REREAD,
        "values.append": 1,
        "values.batchUpdate": 1,
    }
    assert sum(calls.values()) == 6
    assert len(tracker.tab("Milestones")) > rows_before  # notice, expiry and review rows
    assert "auto" in tracker.column("Milestones", "Source")
    assert tracker.tab("Dashboard")[0] and emulator.charts(tracker.sheet, "Dashboard")
    assert result.emails > 5 and len(tracker.tab("Log")) - 1 >= result.emails


def test_next_day_run_makes_six_calls(emulator, tmp_path):
    """The next day's run (emails to send, every Days Left to change) makes 6 calls."""
    tracker = Tracker(emulator, tmp_path)
    tracker.run(ANCHOR)
    log_before = len(tracker.tab("Log"))
    result, calls = tracker.run(ANCHOR + dt.timedelta(days=1))
    assert calls == {
        **TAKE_AND_RELEASE,
        **READ_AND_REREAD,
        "values.append": 1,
        "values.batchUpdate": 1,
    }
    assert result.emails > 0 and len(tracker.tab("Log")) > log_before


def test_run_that_rolls_a_repeating_row_forward_makes_six_calls(emulator, tmp_path):
    """Ticking Done on a monthly row: the next run moves its due date a month on and logs
    the completion, within the same 6 calls (the Log row rides in the last batchUpdate)."""
    tracker = Tracker(emulator, tmp_path)
    tracker.run(ANCHOR)
    repeats = tracker.column("Milestones", "Repeat")
    row = next(i for i, value in enumerate(repeats, start=2) if value == "monthly")
    due_before = tracker.column("Milestones", "Due Date")[row - 2]
    done = tracker.tab("Milestones")[0].index("Done")
    tracker.emulator.edit(tracker.sheet, "Milestones").type(f"{chr(65 + done)}{row}", True)
    completed_before = log_kinds(tracker)["completed"]
    _, calls = tracker.run(ANCHOR + dt.timedelta(days=1))
    assert calls == {
        **TAKE_AND_RELEASE,
        **READ_AND_REREAD,
        "values.append": 1,  # the day's emails; the completion rides in the last batch
        "values.batchUpdate": 1,
    }
    assert tracker.column("Milestones", "Due Date")[row - 2] != due_before
    assert log_kinds(tracker)["completed"] == completed_before + 1


def test_run_with_nothing_to_do_makes_four_calls(emulator, tmp_path):
    """A second run the same day sends nothing, changes no cell and makes 4 calls."""
    tracker = Tracker(emulator, tmp_path)
    tracker.run(ANCHOR)
    milestones = tracker.tab("Milestones")
    result, calls = tracker.run(ANCHOR)
    assert result.emails == 0
    assert calls == {**TAKE_AND_RELEASE, **READ_AND_REREAD}
    assert tracker.tab("Milestones") == milestones


def test_first_run_without_a_log_tab_makes_six_calls(emulator, tmp_path):
    """No Log tab: the first emails' Log rows come with the new tab in one batchUpdate,
    so the run still makes 6 calls and the Log holds a header and a row per email."""
    tracker = Tracker(emulator, tmp_path, log=False)
    result, calls = tracker.run(ANCHOR)
    assert calls == {
        "spreadsheets.batchUpdate": 3,  # the take, the Log tab with its rows, the last
        **READ_AND_REREAD,
        "values.batchUpdate": 1,
    }
    log = tracker.tab("Log")
    assert log[0][0] == "Sent At" and len(log) - 1 >= result.emails > 5
    _, again = tracker.run(ANCHOR)
    assert again == {**TAKE_AND_RELEASE, **READ_AND_REREAD}  # nothing sent twice
