"""Rows written column by column (``model.StatusColumns`` through ``backends.rowmatch``):
each found by its ID as it is now, with the same rules as a row written alone."""

from __future__ import annotations

import random

import numpy as np

from sheetsync.backends.memory import MemoryBackend
from sheetsync.backends.rowmatch import CellPlan, IdsNow, plan_cells
from sheetsync.model import RowWrite, StatusColumns, TabWrite

HEADER = ["Milestone ID", "Milestone", "Status"]


def objects(values: list[object]) -> np.ndarray:
    """A list as an array of its objects."""
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


def columns(read: dict[str, int], status: list[object]) -> StatusColumns:
    """Status cells for the rows ``read`` ({ID: row read at}), one per row, in order."""
    ids, rows = list(read), list(read.values())
    return StatusColumns(objects(ids), np.asarray(rows), {"Status": objects(status)})


def planned(status: StatusColumns, grid: list[list[object]], *rows: RowWrite) -> CellPlan:
    """The plan for writing ``status`` (and ``rows``) into ``grid`` as it is now."""
    write = TabWrite("Milestones", "Milestone ID", ("Status", "Checked"), rows, status)
    ids = [line[0] if line else None for line in grid[1:]]

    def cell(row: int, column: int) -> object:
        line = grid[row - 1] if row - 1 < len(grid) else []
        return line[column - 1] if column - 1 < len(line) else None

    return plan_cells(write, grid[0], ids, cell)


def test_rows_sorted_since_the_read_are_written_where_they_are_now() -> None:
    """M-1 and M-2 swapped places (and M-3 came as a number): each status lands on its row."""
    grid = [HEADER, ["M-2", "Pay"], ["M-1", "Report"], [3.0, "Renew"]]
    plan = planned(columns({"M-1": 2, "M-2": 3, "3": 4}, ["Overdue", "Done", "Upcoming"]), grid)
    assert sorted(plan.each()) == [(2, 3, "Done"), (3, 3, "Overdue"), (4, 3, "Upcoming")]
    assert (plan.report.written, plan.report.skipped) == (3, [])


def test_a_row_deleted_or_doubled_elsewhere_is_skipped_and_named() -> None:
    """M-9 is gone; M-1 is now on two rows, neither the one read: both are named, none written."""
    grid = [HEADER, ["M-1", "Copy"], ["M-1", "Copy 2"], ["M-2", "Pay"]]
    plan = planned(columns({"M-9": 2, "M-1": 5, "M-2": 4}, ["Overdue", "Done", "Upcoming"]), grid)
    assert list(plan.each()) == [(4, 3, "Upcoming")]
    assert plan.report.skipped == ["M-9", "M-1"] and plan.report.written == 1


def test_a_shared_id_is_written_to_each_row_read() -> None:
    """Two rows share M-1 (a person copied a row): each gets its own status, in its own row."""
    status = StatusColumns(
        objects(["M-1", "M-1"]), np.asarray([2, 3]), {"Status": objects(["Done", "Overdue"])}
    )
    plan = planned(status, [HEADER, ["M-1", "Original"], ["M-1", "Copy"]])
    assert sorted(plan.each()) == [(2, 3, "Done"), (3, 3, "Overdue")]


def test_a_missing_system_header_is_added_and_filled_by_column() -> None:
    """Status is missing: it is added after the last header and the rows' cells go under it."""
    grid = [["Milestone ID", "Milestone"], ["M-1", "Report"]]
    plan = planned(columns({"M-1": 2}, ["Overdue"]), grid)
    assert plan.new_headers == [(3, "Status"), (4, "Checked")]
    assert list(plan.each()) == [(2, 3, "Overdue")]


def test_a_row_written_alone_comes_after_the_columns() -> None:
    """A blank-ID row given M-2 beside column-wise M-1: both written, the new ID in its cell."""
    grid = [HEADER, ["M-1", "Report"], [None, "New"]]
    alone = RowWrite(
        None, 3, {"Status": "Due soon", "Milestone ID": "M-2"}, match={"Milestone": "New"}
    )
    plan = planned(columns({"M-1": 2}, ["Overdue"]), grid, alone)
    assert list(plan.each()) == [(2, 3, "Overdue"), (3, 3, "Due soon"), (3, 1, "M-2")]
    assert plan.report.written == 2


def test_ids_now_finds_unique_ids_and_only_the_read_row_of_a_shared_one() -> None:
    """Unique IDs anywhere, a shared one only where it was read, a gone one nowhere (0)."""
    now = IdsNow(["A", " B ", "A", None, 7.0])
    rows = now.rows_of(objects(["B", "A", "A", "7", "Z"]), np.asarray([9, 2, 5, 2, 2]))
    assert rows.tolist() == [3, 2, 0, 6, 0]


def test_the_memory_backend_writes_column_wise_rows_found_by_id() -> None:
    """Through a backend: the sorted grid gets each row's status on the row holding its ID."""
    backend = MemoryBackend({"Milestones": [HEADER, ["M-2", "Pay"], ["M-1", "Report"]]})
    write = TabWrite(
        "Milestones",
        "Milestone ID",
        ("Status",),
        (),
        columns({"M-1": 2, "M-2": 3}, ["Overdue", None]),
    )
    report = backend.write_status([write])
    assert backend.tabs["Milestones"][1:] == [["M-2", "Pay", None], ["M-1", "Report", "Overdue"]]
    assert report.written == 2


def _rows_by_rule(now: list[str], row_ids: list[str], read_rows: list[int]) -> list[int]:
    """The rule, row by row: an ID on one row alone is found there; an ID on several, or
    none, only at the row it was read at if that row still holds it; else gone (0)."""
    found = []
    for row_id, read in zip(row_ids, read_rows, strict=True):
        if row_id and now.count(row_id) == 1:
            found.append(now.index(row_id) + 2)
        elif 2 <= read < len(now) + 2 and now[read - 2] == row_id:
            found.append(read)
        else:
            found.append(0)
    return found


def test_ids_now_after_a_person_sorted_deleted_doubled_and_blanked_rows() -> None:
    """Many edits at once, as a person makes them while a run works: every row is found
    by the rule, whether it stayed put, moved, was deleted, doubled or blanked."""
    rng = random.Random(12)
    for _ in range(200):
        read = [f"M-{i}" for i in range(rng.randrange(1, 40))]
        now = list(read)
        for _ in range(rng.randrange(4)):
            edit = rng.choice(["sort", "delete", "double", "blank", "swap"])
            if edit == "sort":
                now.sort(reverse=rng.random() < 0.5)
            elif edit == "delete" and now:
                del now[rng.randrange(len(now))]
            elif edit == "double" and now:
                now.insert(rng.randrange(len(now) + 1), rng.choice(now))
            elif edit == "blank" and now:
                now[rng.randrange(len(now))] = ""
            elif edit == "swap" and len(now) > 1:
                i, j = rng.sample(range(len(now)), 2)
                now[i], now[j] = now[j], now[i]
        read_rows = [i + 2 for i in range(len(read))]
        got = IdsNow(now).rows_of(objects(read), np.asarray(read_rows, dtype=np.int64))
        assert got.tolist() == _rows_by_rule(now, read, read_rows), (read, now)
