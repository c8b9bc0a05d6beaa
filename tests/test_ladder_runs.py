"""The ladder only moves forward, day by day on both backends (issue 11 items 1–2; README,
The rules): settings changed mid-ladder, a renamed ID, the Log renamed, pruned or deleted, a
row briefly needing attention; what was sent is never sent again. The pure plan:
test_ladder.py.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from conftest import write_workbook
from gsheets_fixtures import backend as google_backend
from ladder_rows import DUE, grids, row
from sheetsync.backends.memory import MemoryBackend
from sheetsync.backends.xlsx import XlsxBackend
from sheetsync.pipeline import RunOptions, run
from sheetsync.record.summarised import summary_mark
from sheetsync.testing.emulator import SheetsEmulator, gspread_client
from sheetsync.transports.outbox import OutboxTransport


class Store:
    """A tracker on one backend, edited between runs as a person would."""

    def __init__(self, kind: str, tabs: dict[str, Any], tmp: Path, emulator: SheetsEmulator):
        self.kind, self.tmp, self.sent = kind, tmp, []
        if kind == "xlsx":
            self.path = write_workbook(tmp / "tracker.xlsx", tabs)
        else:
            self.emulator = emulator
            self.sheet = emulator.create_spreadsheet("Tracker", tabs)

    def run(self, day: dt.date) -> None:
        """One run as of ``day``; its Log rows are also kept here (people may delete the Log)."""
        backend = (
            XlsxBackend(self.path)
            if self.kind == "xlsx"
            else google_backend(self.emulator, self.sheet)
        )
        sent, append = self.sent, backend.append_log

        def tapped(header, rows):
            sent.extend({**dict(zip(header, r, strict=True)), "day": day} for r in rows)
            return append(header, rows)

        backend.append_log = tapped  # type: ignore[method-assign]
        noon = dt.datetime.combine(day, dt.time(12), dt.UTC)
        run(backend, OutboxTransport(self.tmp / "out"), RunOptions(today=day, clock=lambda: noon))

    def edit(self, tab: str, change) -> None:
        """Apply ``change(cells)`` to a tab: ``cells`` maps (row, column), 1-based, to values."""
        if self.kind == "xlsx":
            book = openpyxl.load_workbook(self.path)
            sheet = book[tab]
            change(_XlsxCells(sheet))
            book.save(self.path)
        else:
            sheet = gspread_client(self.emulator.host).open_by_key(self.sheet).worksheet(tab)
            change(_GoogleCells(sheet))

    def delete_tab(self, tab: str) -> None:
        """A person deletes a whole tab."""
        if self.kind == "xlsx":
            book = openpyxl.load_workbook(self.path)
            del book[tab]
            book.save(self.path)
        else:
            book = gspread_client(self.emulator.host).open_by_key(self.sheet)
            book.del_worksheet(book.worksheet(tab))

    def cell(self, tab: str, header: str, row: int = 2) -> object:
        """A cell's value by header, as the backend reads it."""
        backend = (
            XlsxBackend(self.path)
            if self.kind == "xlsx"
            else google_backend(self.emulator, self.sheet)
        )
        grid = backend.read().tab(tab)[1]  # type: ignore[index]
        return grid[row - 1][list(grid[0]).index(header)]

    def stages(self, kind: str, recipients: str = "") -> dict[int, list[int]]:
        """Stage number → the days (offset from due) it was sent, for one kind of key."""
        found: dict[int, list[int]] = {}
        for r in self.sent:
            if r["Kind"] == kind and r["Result"] == "sent" and recipients in str(r["Recipients"]):
                stage = int(str(r["Key"]).rsplit(":", 1)[1])
                found.setdefault(stage, []).append((r["day"] - DUE).days)
        return found


class _XlsxCells:
    def __init__(self, sheet: Any) -> None:
        self.sheet = sheet

    def header(self, name: str) -> int:
        return 1 + [c.value for c in self.sheet[1]].index(name)

    def __setitem__(self, at: tuple[int, int], value: object) -> None:
        self.sheet.cell(*at).value = value

    def find(self, text: str) -> int:
        return next(
            r for r in range(1, self.sheet.max_row + 1) if self.sheet.cell(r, 1).value == text
        )

    def clear_below_header(self) -> None:
        self.sheet.delete_rows(2, self.sheet.max_row)


class _GoogleCells:
    def __init__(self, sheet: Any) -> None:
        self.sheet = sheet

    def header(self, name: str) -> int:
        return 1 + self.sheet.row_values(1).index(name)

    def __setitem__(self, at: tuple[int, int], value: object) -> None:
        self.sheet.update_cell(*at, value)

    def find(self, text: str) -> int:
        return 1 + self.sheet.col_values(1).index(text)

    def clear_below_header(self) -> None:
        count = len(self.sheet.col_values(1))
        if count > 1:
            self.sheet.delete_rows(2, count)


def setting(name: str, value: object):
    """An edit that sets a Settings row (added when missing)."""

    def change(cells) -> None:
        try:
            at = cells.find(name)
        except (StopIteration, ValueError):
            at = cells.find("Default escalation") + 1
            cells[at, 1] = name
        cells[at, 2] = value

    return change


def cell(header: str, value: object, at: int = 2):
    """An edit that types ``value`` into a Milestones cell of row ``at``."""
    return lambda cells: cells.__setitem__((at, cells.header(header)), value)


def days_run(
    store: Store, first: int, last: int, edits: dict[int, Any] | None = None, skip=()
) -> None:
    """Run every day from ``first`` to ``last`` (offsets from due), editing before some runs."""
    for offset in range(first, last + 1):
        for edit in (edits or {}).get(offset, ()):
            edit(store)
        if offset not in skip:
            store.run(DUE + dt.timedelta(days=offset))


def assert_forward(store: Store) -> None:
    """No stage sent twice, reminders only shorter, notices and levels only up."""
    for kind in ("reminder", "overdue", "escalation"):
        stages = store.stages(kind)
        assert all(len(days) == 1 for days in stages.values()), (kind, stages)
        order = sorted(stages, key=lambda s: stages[s][0])
        assert order == (sorted(order, reverse=True) if kind == "reminder" else sorted(order))


def new_store(kind, tmp_path, emulator, rows=None, settings=()) -> Store:
    return Store(kind, grids(rows or [row()], settings), tmp_path, emulator)


def settings_edit(name: str, value: object):
    return lambda store: store.edit("Settings", setting(name, value))


def milestone_edit(header: str, value: object):
    return lambda store: store.edit("Milestones", cell(header, value))


def test_overdue_repeat_3_to_7_goes_on_from_the_last_notice(kind, tmp_path, emulator):
    """Repeat 3 (days 1, 4, 7), then 7 from day 8: the next notice on day 14, not silence."""
    store = new_store(kind, tmp_path, emulator, settings=[["Overdue repeat (days)", 3]])
    days_run(store, 0, 22, {8: [settings_edit("Overdue repeat (days)", 7)]})
    assert store.stages("overdue") == {1: [1], 2: [4], 3: [7], 4: [14], 5: [21]}
    assert_forward(store)


def test_overdue_repeat_7_to_3_shortens_the_next_gap(kind, tmp_path, emulator):
    """Repeat 7 (days 1, 8), then 3 from day 10: the next notice on day 11, then 14."""
    store = new_store(kind, tmp_path, emulator)
    days_run(store, 0, 15, {10: [settings_edit("Overdue repeat (days)", 3)]})
    assert store.stages("overdue") == {1: [1], 2: [8], 3: [11], 4: [14]}
    assert_forward(store)


def test_escalate_after_lowered_to_one_threshold_never_steps_down(kind, tmp_path, emulator):
    """Levels 1 (day 3) and 2 (day 10) sent; Escalate after becomes 5: no level 1 again."""
    store = new_store(kind, tmp_path, emulator)
    days_run(store, 0, 16, {12: [settings_edit("Escalate after (days overdue)", "5")]})
    assert store.stages("escalation") == {1: [3], 2: [10]}
    assert store.cell("Milestones", "Escalation").startswith("Level 2")
    assert_forward(store)


def test_escalate_after_raised_to_two_thresholds_goes_on_up(kind, tmp_path, emulator):
    """Level 1 at 5 days; Escalate after becomes 3, 10 on day 7: level 2 on day 10, 1 not again."""
    store = new_store(kind, tmp_path, emulator, settings=[["Escalate after (days overdue)", "5"]])
    days_run(store, 0, 12, {7: [settings_edit("Escalate after (days overdue)", "3, 10")]})
    assert store.stages("escalation") == {1: [5], 2: [10]}
    assert_forward(store)


@pytest.mark.parametrize("where", ["Remind Days", "Remind: payment"])
def test_remind_days_lowered_mid_ladder_sends_only_shorter_leads(kind, tmp_path, emulator, where):
    """30 sent; the row's or the type's leads become 10, 3 twenty days out: 10 and 3 only."""
    if where == "Remind Days":
        store = new_store(kind, tmp_path, emulator, rows=[row(remind="30, 14, 7")])
        lower = milestone_edit(where, "10, 3")
    else:
        store = new_store(kind, tmp_path, emulator, settings=[[where, "30, 14, 7"]])
        lower = settings_edit(where, "10, 3")
    days_run(store, -31, -1, {-20: [lower]})
    assert store.stages("reminder") == {30: [-30], 10: [-10], 3: [-3]}
    assert_forward(store)


def test_remind_days_raised_mid_ladder_sends_no_longer_lead(kind, tmp_path, emulator):
    """30 sent; Remind Days becomes 45, 30, 14, 7 on day −25: no 45- or second 30-day reminder."""
    store = new_store(kind, tmp_path, emulator, rows=[row(remind="30, 7")])
    days_run(store, -31, -1, {-25: [milestone_edit("Remind Days", "45, 30, 14, 7")]})
    assert store.stages("reminder") == {30: [-30], 14: [-14], 7: [-7]}
    assert_forward(store)


def test_a_gap_sends_one_catch_up_and_the_next_a_full_period_later(kind, tmp_path, emulator):
    """Runs skip days 2–11: day 12 sends notice #2 and level 2 once; #3 on day 19."""
    store = new_store(kind, tmp_path, emulator)
    days_run(store, 0, 20, skip=range(2, 12))
    assert store.stages("overdue") == {1: [1], 2: [12], 3: [19]}
    assert store.stages("escalation") == {2: [12]}
    assert_forward(store)


def test_a_renamed_milestone_id_keeps_its_ladder(kind, tmp_path, emulator):
    """M-0001 becomes M-0100 on day 5: nothing sent again, notice #2 on day 8 under the new ID."""
    store = new_store(kind, tmp_path, emulator)
    days_run(store, 0, 11, {5: [milestone_edit("Milestone ID", "M-0100")]})
    assert store.stages("overdue") == {1: [1], 2: [8]}
    assert store.stages("escalation") == {1: [3], 2: [10]}
    assert [r["Key"] for r in store.sent if r["day"] == DUE + dt.timedelta(days=8)] == [
        f"overdue:M-0100:{DUE}:2"
    ]
    assert_forward(store)


def log_headers_renamed(store: Store) -> None:
    """A person renames the Log's Key and Result headers."""

    def change(cells) -> None:
        cells[1, cells.header("Key")] = "Log key"
        cells[1, cells.header("Result")] = "Outcome"

    store.edit("Log", change)


def log_rows_deleted(store: Store) -> None:
    """A person deletes every Log row under the header."""
    store.edit("Log", lambda cells: cells.clear_below_header())


@pytest.mark.parametrize(
    ("mishap", "when"),
    [
        (log_headers_renamed, (5,)),
        (log_rows_deleted, (-3, 5)),
        (lambda store: store.delete_tab("Log"), (-3, 5)),
    ],
    ids=["headers-renamed", "rows-deleted", "tab-deleted"],
)
def test_what_happens_to_the_log_never_resends(kind, tmp_path, emulator, mishap, when):
    """Mid-ladder the Log loses its memory: nothing is sent twice, the ladder goes on on time."""
    store = new_store(kind, tmp_path, emulator)
    days_run(store, -8, 16, {day: [mishap] for day in when})
    assert store.stages("reminder") == {14: [-8], 7: [-7], 1: [-1]}
    assert store.stages("overdue") == {1: [1], 2: [8], 3: [15]}
    assert store.stages("escalation") == {1: [3], 2: [10]}
    assert_forward(store)


@pytest.mark.parametrize("broken", [("Owner", "nobody"), ("Due Date", "soon")])
def test_a_row_briefly_needing_attention_picks_up_where_it_was(kind, tmp_path, emulator, broken):
    """Owner or Due Date unreadable on days 4–9, the Log emptied: #2 and level 2 once on day 10."""
    store = new_store(kind, tmp_path, emulator)
    header, value = broken
    edits = {
        4: [milestone_edit(header, value), log_rows_deleted],
        10: [milestone_edit(header, "dan@example.com" if header == "Owner" else DUE.isoformat())],
    }
    days_run(store, 0, 18, edits)
    assert store.stages("overdue") == {1: [1], 2: [10], 3: [17]}
    assert store.stages("escalation") == {1: [3], 2: [10]}
    assert_forward(store)


def test_last_notified_says_what_the_log_key_says(kind, tmp_path, emulator):
    """After overdue notice #2 the cell says ``overdue #2``, as the Log key ending ``:2`` does.

    (The row is its owner's first, so the cell ends with the month's summary mark.)
    """
    store = new_store(kind, tmp_path, emulator)
    days_run(store, 1, 8, skip=range(2, 8))
    eighth = DUE + dt.timedelta(days=8)
    cell = store.cell("Milestones", "Last Notified")
    assert cell.rpartition(" · summary ")[0] == (
        f"{eighth}: overdue #2 ({eighth}) · escalation L1 · due {DUE}"
    )
    assert summary_month_of(cell) == f"{eighth:%Y-%m}"
    assert f"overdue:M-0001:{DUE}:2" in [r["Key"] for r in store.sent if r["day"] == eighth]


def test_last_notified_dates_what_it_sent_by_the_runs_day(tmp_path):
    """A run with ``--today`` a day after the due date, clock years away: the cell says that day."""
    backend = MemoryBackend(grids([row()]))
    day = DUE + dt.timedelta(days=1)
    later = dt.datetime(2030, 1, 1, 9, tzinfo=dt.UTC)
    run(backend, OutboxTransport(tmp_path / "out"), RunOptions(today=day, clock=lambda: later))
    header, first = backend.tabs["Milestones"][:2]
    cell = first[header.index("Last Notified")]
    assert cell.rpartition(" · summary ")[0] == f"{day}: overdue #1 ({day}) · due {DUE}"
    assert summary_month_of(cell) == f"{day:%Y-%m}"
    assert f"overdue:M-0001:{DUE}:1" in [r["Key"] for r in backend.history]


def summary_month_of(cell: object) -> str | None:
    """The month a Last Notified cell's summary mark is for (None without one)."""
    mark = summary_mark(cell)
    return mark[0] if mark else None
