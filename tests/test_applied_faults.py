"""Google applied a write and lost the answer: the retried run ends as if nothing went wrong.

Each case runs the whole job (``pipeline.run``, the real gspread client, the emulator over
HTTP) twice on the same seeded tracker in two fresh emulators (same spreadsheet id): once
clean, once with one write's answer lost after it took effect (a 500 or a dropped
connection). Every tab and every Message-ID delivered must come out the same.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

import builders
from conftest import TODAY, days, tracker_grids
from gsheets_fixtures import backend, message_ids, options
from sheetsync.pipeline import RunResult, run
from sheetsync.schema import LOG_COLUMNS
from sheetsync.testing.emulator import Fault, SheetsEmulator, gspread_client
from sheetsync.transports.outbox import OutboxTransport

TABS = ("Contracts", "Milestones", "Settings", "Log")
OLD = (TODAY - dt.timedelta(days=500)).isoformat() + "T12:00:00Z"
OLD_REST = {
    "recipients": "ann@example.com",
    "subject": "Old reminder",
    "message_id": "<old@example.com>",
}

# Write calls a clean run makes on each tracker: taking the run's lease, the Log append of
# the emails (after adding the Log tab when there is none), the status cells that exist,
# and the last batchUpdate: the grid widened, old Log rows pruned, auto rows inserted and
# filled, the derived Log rows appended, the lease released.
WRITES = {
    "busy": {"values.append": 1, "spreadsheets.batchUpdate": 2, "values.batchUpdate": 1},
    "no log tab": {"spreadsheets.batchUpdate": 3, "values.batchUpdate": 1},
}
CASES = [  # a tracker, and the fault: the n-th write of a kind, its answer a 500 or dropped
    pytest.param(tracker, (kind, n, drop), id=f"{tracker}-{kind}-{n}-{drop}")
    for tracker, writes in WRITES.items()
    for kind, count in writes.items()
    for n in range(1, count + 1)
    for drop in (False, True)
]


def busy_grids() -> dict[str, list[list[object]]]:
    """A tracker whose run sends mail, prunes old Log rows, widens a tab and adds auto rows."""
    grids = {tab: [list(row) for row in rows] for tab, rows in tracker_grids().items()}
    grids["Contracts"][0] += ["End Date", "Notice Period (days)"]
    grids["Contracts"][1] += [days(200), 60]
    grids["Contracts"][2] += [days(90), 30]
    grids["Milestones"][0].append("Repeat")
    grids["Milestones"].append(
        builders.row(
            grids["Milestones"][0],
            milestone_id="M-0006",
            contract_id="C-001",
            milestone="Monthly fee",
            type="payment",
            due_date=days(-2),
            done="yes",
            repeat="monthly",
        )
    )
    grids["Log"] += [
        builders.log_row(f"reminder:M-09{i}:2025-07-01:7", OLD, contract_id="C-001", **OLD_REST)
        for i in range(3)
    ]
    return grids


def no_log_grids() -> dict[str, list[list[object]]]:
    """The busy tracker without its Log tab: the run adds the tab first."""
    grids = busy_grids()
    del grids["Log"]
    return grids


GRIDS = {"busy": busy_grids, "no log tab": no_log_grids}


@pytest.fixture
def emulators() -> Iterator[list[SheetsEmulator]]:
    """Two fresh emulators with the same seed: their first spreadsheets get the same id."""
    with SheetsEmulator(seed=3) as clean, SheetsEmulator(seed=3) as faulty:
        yield [clean, faulty]


def seeded(emu: SheetsEmulator, tracker: str) -> str:
    """The tracker seeded into ``emu``, its Milestones grid one column short of the headers."""
    sheet_id = emu.create_spreadsheet("Tracker", GRIDS[tracker]())
    gspread_client(emu.host).open_by_key(sheet_id).worksheet("Milestones").resize(cols=12)
    emu.reset_counts()
    return sheet_id


def job(emu: SheetsEmulator, sheet_id: str, outbox: Path) -> RunResult:
    """One whole run on the real gspread client, emails into ``outbox``."""
    return run(backend(emu, sheet_id), OutboxTransport(outbox), options())


def tabs(emu: SheetsEmulator, sheet_id: str) -> dict[str, list[list[object]]]:
    """Every tab's values as the API shows them."""
    return {tab: emu.values(sheet_id, tab) for tab in TABS}


def grid_sizes(emu: SheetsEmulator, sheet_id: str) -> dict[str, object]:
    """Every tab's grid size (rows inserted or deleted twice would show here)."""
    return {tab: emu.sheet_properties(sheet_id, tab)["gridProperties"] for tab in TABS}


@pytest.mark.parametrize("tracker", list(WRITES))
def test_clean_run_makes_the_expected_writes(emulators, tmp_path, tracker):
    """A run without faults makes the write calls the cases below fault, one by one."""
    clean, _ = emulators
    sheet_id = seeded(clean, tracker)
    result = job(clean, sheet_id, tmp_path)
    writes = {k: v for k, v in clean.calls.items() if k in WRITES[tracker]}
    assert writes == WRITES[tracker]
    assert result.emails == 6
    log = clean.values(sheet_id, "Log")
    assert [row[2] for row in log[1:]][-1].startswith("completed:M-0006")
    assert not any(row[0] == OLD for row in log)  # the old rows were pruned


@pytest.mark.parametrize(("tracker", "fault"), CASES)
def test_lost_answer_leaves_the_sheet_as_a_clean_run(emulators, tmp_path, tracker, fault):
    """The n-th write of a kind applied then its answer lost: same tabs, grids, Message-IDs."""
    kind, n, drop = fault
    clean, faulty = emulators
    reference = seeded(clean, tracker)
    job(clean, reference, tmp_path / "clean")
    sheet_id = seeded(faulty, tracker)
    assert sheet_id == reference
    faulty.lose_answers([n], kind=kind, drop=drop)
    job(faulty, sheet_id, tmp_path / "faulty")
    assert faulty.faults_injected == {("applied-drop" if drop else "applied-500"): 1}
    assert tabs(faulty, sheet_id) == tabs(clean, reference)
    assert grid_sizes(faulty, sheet_id) == grid_sizes(clean, reference)
    assert message_ids(tmp_path / "faulty") == message_ids(tmp_path / "clean")


@pytest.mark.parametrize("fault_seed", range(6))
def test_many_lost_answers_in_one_run_and_the_next_day(emulators, tmp_path, fault_seed):
    """Half of all writes lose their answer, two days running: the sheet ends as a clean one."""
    clean, faulty = emulators
    reference, sheet_id = seeded(clean, "busy"), seeded(faulty, "busy")
    faulty.lose_answers_randomly(0.5, seed=fault_seed)
    for day in (TODAY, TODAY + dt.timedelta(days=1)):
        noon = options(day)
        run(backend(clean, reference), OutboxTransport(tmp_path / "clean"), noon)
        run(backend(faulty, sheet_id), OutboxTransport(tmp_path / "faulty"), noon)
    assert sum(faulty.faults_injected.values()) >= 1
    assert tabs(faulty, sheet_id) == tabs(clean, reference)
    assert grid_sizes(faulty, sheet_id) == grid_sizes(clean, reference)
    assert message_ids(tmp_path / "faulty") == message_ids(tmp_path / "clean")


def test_a_lost_append_is_recorded_once_not_resent(emulators, tmp_path):
    """The Log append's answer lost: the next day's run sends nothing already sent."""
    _, faulty = emulators
    sheet_id = seeded(faulty, "busy")
    faulty.lose_answers([1], kind="values.append")
    first = job(faulty, sheet_id, tmp_path / "day1")
    keys = [row[2] for row in faulty.values(sheet_id, "Log")[1:]]
    assert first.emails == 6 and len(keys) == len(set(keys))
    second = job(faulty, sheet_id, tmp_path / "day1-again")
    assert second.emails == 0


def append_once(emu: SheetsEmulator, tracker: str = "busy") -> tuple[str, list[list[object]]]:
    """Read the tracker, append one Log row through the backend; the id and the Log after."""
    sheet_id = seeded(emu, tracker)
    gs = backend(emu, sheet_id)
    gs.read()
    emu.reset_counts()
    cells = {"contract_id": "C-001", "recipients": "jane@example.com", "subject": "S"}
    key, at = "reminder:M-0001:2026-12-28:30", "2026-11-28T12:00:00Z"
    gs.append_log(list(LOG_COLUMNS), [builders.log_row(key, at, message_id="<m@x>", **cells)])
    return sheet_id, emu.values(sheet_id, "Log")


@pytest.mark.parametrize(
    ("fault", "appends", "rereads"),
    [
        (Fault(500, applied=True), 1, 1),  # carried out, answer lost: re-read, not resent
        (Fault(500), 2, 1),  # refused before taking effect: re-read, resent
        (Fault(429), 2, 0),  # a quota refusal never took effect: resent, no re-read
    ],
)
def test_failed_append_lands_once(emulators, fault, appends, rereads):
    """Whatever the failure, the Log row is there exactly once; a re-read only after a 5xx."""
    _, emu = emulators
    emu.fail_calls({1: fault}, kind="values.append")
    _, log = append_once(emu)
    assert [row[2] for row in log].count("reminder:M-0001:2026-12-28:30") == 1
    assert (emu.calls["values.append"], emu.calls["values.batchGet"]) == (appends, rereads)


def test_rows_a_person_added_where_auto_rows_go_are_never_overwritten(emulators):
    """The insert failed while a person added rows below: it is sent again, their rows stay."""
    _, emu = emulators
    sheet_id = emu.create_spreadsheet("Tracker", busy_grids())  # wide enough: one batchUpdate
    gs = backend(emu, sheet_id)
    gs.read()
    emu.reset_counts()
    typed = [[f"M-010{i}", "C-001", "Typed by a person", "payment", 46400] for i in range(2)]
    edit = emu.edit(sheet_id, "Milestones")
    emu.on_call("spreadsheets.batchUpdate", 1, lambda: edit.insert_rows(8, typed))
    emu.fail_calls({1: 500}, kind="spreadsheets.batchUpdate")  # refused, not carried out
    auto = [{"Milestone ID": f"C-9/{n}", "Contract ID": "C-001", "Source": "auto"} for n in "ab"]
    gs.append_rows("Milestones", auto)
    rows = emu.values(sheet_id, "Milestones")
    assert [row[0] for row in rows[7:]] == ["C-9/a", "C-9/b", "M-0100", "M-0101"]
    assert [row[:5] for row in rows[9:]] == typed
    assert emu.calls["spreadsheets.batchUpdate"] == 2
