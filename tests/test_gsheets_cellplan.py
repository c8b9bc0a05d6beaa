"""The Google backend's pure cell planning (backends/gsheets/cellplan.py, bodies.py), no HTTP."""

from __future__ import annotations

import datetime as dt
import json
import random

import numpy as np

from sheetsync.backends.a1 import cell_name, cell_position, column_letters, column_number
from sheetsync.backends.gsheets.bodies import batches
from sheetsync.backends.gsheets.cellplan import (
    GAP,
    TabNow,
    drained_ranges,
    header_after,
    is_day,
    shown,
    to_wire,
    value_ranges,
)
from sheetsync.backends.gsheets.changed import Changes, _Column, _current, plan_tab
from sheetsync.backends.gsheets.connect import emulator_host
from sheetsync.cells.dates import to_serial
from sheetsync.model import RowWrite, StatusColumns, TabWrite, WriteReport

HEADER = ["Milestone ID", "Status", "Next Reminder"]


def test_column_letters_and_numbers_agree_past_the_two_letter_columns() -> None:
    """A1 letters and column numbers convert both ways, through AAA (column 703)."""
    assert [column_letters(n) for n in (1, 26, 27, 52, 702, 703)] == [
        "A",
        "Z",
        "AA",
        "AZ",
        "ZZ",
        "AAA",
    ]
    assert all(column_number(column_letters(n)) == n for n in range(1, 1000))
    assert cell_name(12, 28) == "AB12" and cell_position("AB12") == (12, 28)
    assert cell_position("12AB") is None


def test_a_columns_changed_cells_share_one_range_unless_far_apart() -> None:
    """Cells up to GAP rows apart share a range (null between: untouched); farther, a new one."""
    cells = {40: "Done", 2: "Due soon", 5: "Overdue", 40 + GAP + 2: "Upcoming"}
    ranges = list(value_ranges("Milestones", {3: cells}))
    assert [r["range"] for r in ranges] == [
        "'Milestones'!C2:C40",
        f"'Milestones'!C{GAP + 42}:C{GAP + 42}",
    ]
    values = ranges[0]["values"][0]
    assert values[:4] == ["Due soon", None, None, "Overdue"]
    assert values[-1] == "Done" and values[4:-1] == [None] * 34


def test_a_long_column_is_cut_into_bodies_under_the_limit_keeping_every_value() -> None:
    """A write bigger than the request limit is split; the pieces hold all values, in order."""
    values = [f"row {n} " + "x" * 40 for n in range(2, 502)]
    data = list(value_ranges("Log", {1: dict(enumerate(values, start=2))}))
    parts = list(batches(data, 4_000))
    assert len(parts) > 1
    assert all(len(json.dumps({"data": part})) < 4_000 for part in parts)
    sent = [v for part in parts for vr in part for v in vr["values"][0]]
    assert sent == values
    first_rows = [int(vr["range"].split("!A")[1].split(":")[0]) for p in parts for vr in p]
    assert first_rows[0] == 2 and first_rows == sorted(set(first_rows))


def test_only_cells_whose_value_changes_are_planned() -> None:
    """A cell already showing the value (a date as a real date too) is not sent again."""
    day = dt.date(2026, 12, 1)
    now = TabNow(
        list(HEADER),
        {1: ["Milestone ID", "M-1", "M-2"], 2: ["Status", "Upcoming", "Due soon"]},
    )
    now.columns[3] = ["Next Reminder", to_serial(day), None]
    rows = [
        RowWrite("M-1", 2, {"Status": "Upcoming", "Next Reminder": day}),
        RowWrite("M-2", 3, {"Status": "Overdue", "Next Reminder": day}),
    ]
    write = TabWrite("Milestones", "Milestone ID", ["Status", "Next Reminder"], rows)
    planned = plan_tab(write, now, WriteReport())
    assert planned == {2: {3: "Overdue"}, 3: {3: "2026-12-01"}}


def test_a_columns_changes_are_worked_out_once_when_first_read() -> None:
    """Planning a tab leaves each column's comparison for when its cells are read (the
    first body goes while the rest are worked out); a new column's header is known at once."""
    calls: list[int] = []

    def work() -> dict[int, object]:
        calls.append(1)
        return {4: "Overdue", 2: "Upcoming"}

    changes = Changes(work, {1: "Status"})
    assert changes.header == {1: "Status"} and calls == []
    assert list(changes) == [1, 4, 2] and changes[4] == "Overdue" and len(changes) == 3
    assert dict(changes) == {1: "Status", 4: "Overdue", 2: "Upcoming"} and calls == [1]
    now = TabNow(["Milestone ID"], {1: ["Milestone ID", "M-1"]})
    write = TabWrite(
        "Milestones", "Milestone ID", ["Status"], [RowWrite("M-1", 2, {"Status": "Due"})]
    )
    report = WriteReport()
    planned = plan_tab(write, now, report)
    assert isinstance(planned[2], Changes) and planned[2].header == {1: "Status"}
    assert dict(planned[2]) == {1: "Status", 2: "Due"}


def test_values_go_as_the_sheet_should_show_them() -> None:
    """Blanks clear the cell, dates go as ISO text, times to the second."""
    moment = dt.datetime(2026, 12, 1, 8, 30, 15, 999)
    assert [to_wire(v) for v in (None, float("nan"), dt.date(2026, 12, 1), moment)] == [
        "",
        "",
        "2026-12-01",
        "2026-12-01 08:30:15",
    ]


def test_only_sheets_emulator_host_switches_to_another_host() -> None:
    """The switch is SHEETS_EMULATOR_HOST alone; unset or empty means Google itself."""
    assert emulator_host({"SHEETS_EMULATOR_HOST": "127.0.0.1:8085"}) == "127.0.0.1:8085"
    assert emulator_host({"SHEETS_EMULATOR_HOST": ""}) is None
    assert emulator_host({"GOOGLE_APPLICATION_CREDENTIALS": "key.json"}) is None


def test_drained_ranges_let_each_column_go_once_its_ranges_are_made() -> None:
    """The same ranges as value_ranges, in column order; a column leaves the mapping as its
    ranges are made, so a big write does not hold every column till the last body."""
    by_column: dict[int, dict[int, object]] = {4: {2: "a", 3: "b"}, 2: {5: "x"}}
    expected = list(value_ranges("Milestones", dict(by_column)))
    ranges = drained_ranges("Milestones", by_column)
    assert next(ranges) == expected[0] and list(by_column) == [4]
    assert list(ranges) == expected[1:] and by_column == {}


def test_the_header_after_a_write_is_known_before_its_columns_are_worked_out() -> None:
    """``header_after`` reads a new column's name from its header alone: the comparison of
    its cells still waits for the bodies."""

    def not_yet() -> dict[int, object]:
        raise AssertionError("worked out too soon")

    planned = {3: Changes(not_yet, {1: "Status"}), 2: {4: "x"}}
    assert header_after(["Milestone ID", "Title"], planned) == ["Milestone ID", "Title", "Status"]


def _judged_alone(person: bool, value: object, now: object) -> tuple[bool, object]:
    """Whether a cell showing ``now`` must be sent ``value``, and as what: worked out
    from the conversions alone, for one cell, as the design says (no shortcut)."""
    wire = to_wire(value)
    holds = {shown(wire)}
    if is_day(value):
        serial = to_serial(value)  # type: ignore[arg-type]
        holds = {("number", float(serial)), ("text", wire)}
        wire = int(serial) if person else wire
    if type(now) is type(value) and now == value:
        return False, None
    return shown(now) not in holds, wire


def test_a_columns_changes_agree_with_each_cell_judged_alone() -> None:
    """Texts, whole numbers, booleans, floats, blanks, days and moments, against what a
    re-read gives (texts, numbers, booleans, empties): the column's shortcuts by type
    change nothing (True is not 1, a day's text or serial holds it, another text does not)."""
    day, other = dt.date(2026, 12, 1), dt.date(2027, 1, 31)
    serial = int(to_serial(day))
    wanted_values = [
        "Upcoming", "", "2026-12-01", 0, 1, 5, 2**60, 2**60 + 1, True, False, 1.0, 5.5,
        float("nan"), None, day, other, dt.datetime(2026, 12, 1, 8, 30),
    ]  # fmt: skip
    current_values = [
        "Upcoming", "Overdue", "", "2026-12-01", "2027-01-31", 0, 1, 5, 2**60, 2**60 + 1,
        True, False, 1.0, 5.0, 5.5, None, serial, serial + 1, float(serial), "2026-12-01 08:30:00",
    ]  # fmt: skip
    rng = random.Random(16)
    for person in (False, True):
        pairs = [(w, c) for w in wanted_values for c in current_values]
        pairs += [(rng.choice(wanted_values), rng.choice(current_values)) for _ in range(2000)]
        rows = list(range(2, len(pairs) + 2))
        got = _Column(person).changes(rows, [w for w, _ in pairs], [c for _, c in pairs])
        expected = {}
        for row, (value, now) in zip(rows, pairs, strict=True):
            send, wire = _judged_alone(person, value, now)
            if send:
                expected[row] = wire
        assert list(got) == list(expected)
        for row, wire in expected.items():
            assert type(got[row]) is type(wire) and (got[row] == wire or wire != wire), row


def test_current_values_past_a_columns_end_are_empty() -> None:
    """Rows a person deleted at the foot since the read are read as empty, not as an error."""
    assert _current(["Status", "Upcoming", "Due soon"], np.array([3, 5, 2, 4])) == [
        "Due soon",
        None,
        "Upcoming",
        None,
    ]


def test_a_columns_block_and_row_writes_are_planned_together() -> None:
    """Rows found by ID (one block per column) and a row write in the same column: each
    row's changed cell is planned once, at the row that holds its ID now (sorted since)."""
    now = TabNow(
        ["Milestone ID", "Status"],
        {
            1: ["Milestone ID", "M-3", "M-1", "M-2", "M-4"],
            2: ["Status", "Upcoming", "Upcoming", "Overdue", None],
        },
    )
    columns = StatusColumns(
        np.array(["M-1", "M-2", "M-3"], dtype=object),
        np.array([2, 3, 4], dtype=np.int64),
        {"Status": np.array(["Upcoming", "Due soon", "Done"], dtype=object)},
    )
    rows = [RowWrite("M-4", 5, {"Status": "Overdue"})]
    write = TabWrite("Milestones", "Milestone ID", ["Status"], rows, columns)
    planned = plan_tab(write, now, WriteReport())
    assert dict(planned[2]) == {4: "Due soon", 2: "Done", 5: "Overdue"}
