"""The re-read before writing (backends/gsheets/reread.py) on the emulator, real gspread.

Adjacent columns are asked for as one range and the answer is split back into columns;
each column must come out as a read of that column alone gives it (Google leaves out
empty cells at a column's foot and empty columns at a range's end), and what a run
writes must not depend on how the re-read was asked for.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from conftest import days
from gsheets_fixtures import backend, run_job, seed
from sheetsync.backends.gsheets import GoogleSheetsBackend
from sheetsync.backends.gsheets.api import SheetsApi
from sheetsync.backends.gsheets.reread import column_runs, fetch_columns
from sheetsync.schema import MILESTONE_SYSTEM
from sheetsync.testing.emulator import SheetsEmulator, gspread_client

Asked = list[list[str]]


def spy_on_reads(gs: GoogleSheetsBackend) -> Asked:
    """The ranges of every values:batchGet ``gs`` sends from now on, in order (sent as usual)."""
    asked: Asked = []
    send = gs.api.batch_get

    def batch_get(ranges: list[str], major: str) -> list[dict[str, Any]]:
        asked.append(list(ranges))
        return send(ranges, major)

    gs.api.batch_get = batch_get  # type: ignore[method-assign]
    return asked


def test_sorted_columns_make_runs_of_adjacent_ones() -> None:
    """Runs are (first, last), in order; a lone column is a run of one; repeats count once."""
    assert column_runs([]) == []
    assert column_runs([7]) == [(7, 7)]
    assert column_runs([3, 4, 5, 8, 10, 11]) == [(3, 5), (8, 8), (10, 11)]
    assert column_runs([5, 3, 4, 4]) == [(3, 5)]


# A tab whose columns hold every shape a column can come back in: B full, C empty (no
# header either), D short, E with an empty cell inside, F empty but for a cell far down,
# G and H empty (a range ending in empty columns), I full.
ODD_COLUMNS = [
    ["ID", "Full", None, "Short", "Gappy", None, None, None, "Last"],
    ["R1", "a", None, "x", "p", None, None, None, 1],
    ["R2", "b", None, None, None, None, None, None, 2],
    ["R3", "c", None, None, "q", None, None, None, 3],
    ["R4", "d", None, None, None, "far", None, None, 4],
    ["R5", "", None, None, None, None, None, None, 5],
]


def odd_tab(emulator: SheetsEmulator) -> SheetsApi:
    """The API of a spreadsheet whose tab "Odd" holds ODD_COLUMNS."""
    return backend(emulator, seed(emulator, {"Odd": ODD_COLUMNS})).api


def test_a_run_of_columns_comes_back_as_each_column_read_alone(emulator) -> None:
    """Empty, short and gappy columns inside a run, and a run ending in empty columns, split
    back into exactly the cells single-column reads give; the header comes back whole."""
    api = odd_tab(emulator)
    alone = {c: fetch_columns(api, {"Odd": [c]}, None)[0]["Odd"] for c in range(1, 10)}
    for columns in ([2, 3, 4, 5, 6, 7, 8], [3, 4], [6, 7, 8, 9], [1, 3, 4, 7, 8], [3]):
        together = fetch_columns(api, {"Odd": columns}, None)[0]["Odd"]
        assert together.header == alone[1].header
        assert together.columns == {c: alone[c].columns[c] for c in columns}
    full = fetch_columns(api, {"Odd": list(range(1, 10))}, None)[0]["Odd"]
    assert full.columns[2] == ["Full", "a", "b", "c", "d"]  # "" at the foot is left out
    assert full.columns[3] == [] and full.columns[7] == full.columns[8] == []
    assert full.columns[4] == ["Short", "x"]
    assert full.columns[5] == ["Gappy", "p", None, "q"]
    assert full.columns[6] == [None, None, None, None, "far"]
    assert full.columns[9] == ["Last", 1, 2, 3, 4, 5]


def test_one_range_per_run_of_adjacent_columns_in_one_batch_get(emulator) -> None:
    """Columns 1, 3-4 and 7-9 of one tab and 2 of another: a header and a range per run."""
    sheet_id = seed(emulator, {"Odd": ODD_COLUMNS, "Other": [["ID", "B"], ["R1", "b"]]})
    gs = backend(emulator, sheet_id)
    asked = spy_on_reads(gs)
    emulator.reset_counts()
    now, log = fetch_columns(gs.api, {"Odd": [1, 3, 4, 7, 8, 9], "Other": [2]}, "Other")
    assert emulator.calls["values.batchGet"] == 1
    assert asked == [
        [
            "'Odd'!1:1",
            "'Odd'!A1:A",
            "'Odd'!C1:D",
            "'Odd'!G1:I",
            "'Other'!1:1",
            "'Other'!B1:B",
            "'Other'",
        ]
    ]
    assert now["Odd"].columns[9] == ["Last", 1, 2, 3, 4, 5]
    assert now["Other"].columns == {2: ["B", "b"]}
    assert log == [["ID", "B"], ["R1", "b"]]


def insert_blank_column(emulator: SheetsEmulator, sheet_id: str, tab: str, before: int) -> None:
    """A person inserts an empty column before 1-based column ``before`` (over HTTP)."""
    sheet = emulator.sheet_properties(sheet_id, tab)["sheetId"]
    span = {"sheetId": sheet, "dimension": "COLUMNS", "startIndex": before - 1}
    span["endIndex"] = before
    insert = {"insertDimension": {"range": span, "inheritFromBefore": False}}
    gspread_client(emulator.host).open_by_key(sheet_id).batch_update({"requests": [insert]})


def next_day(
    emulator: SheetsEmulator, sheet_id: str, outbox: Path, during: Callable[[], None] | None
) -> Asked:
    """The day after the first run; ``during`` runs just before the write's re-read."""
    gs = backend(emulator, sheet_id)
    asked = spy_on_reads(gs)
    emulator.reset_counts()
    if during is not None:
        emulator.on_call("values.batchGet", 2, during)
    run_job(gs, outbox, days(1))
    return asked


def test_columns_moved_between_read_and_write_get_what_moved_before_the_read_gets(
    emulator, tmp_path
) -> None:
    """A column inserted inside the system columns of Milestones and Contracts while the run
    works: the re-read finds them where they are now, in two runs each, and every tab ends
    as when the columns were inserted before the run. Last Notified (short) and Problems
    (empty below its header) sit between filled system columns."""
    moved, reference = seed(emulator), seed(emulator)
    for sheet_id in (moved, reference):
        run_job(backend(emulator, sheet_id), tmp_path / f"{sheet_id}-first")
    header = emulator.values(moved, "Milestones")[0]
    assert header[11:] == list(MILESTONE_SYSTEM)
    rows = emulator.values(moved, "Milestones")[1:]
    assert [row[16] for row in rows] == ["", "", "", "", ""]  # Problems
    assert [row[14] == "" for row in rows] == [False, False, True, True, True]  # Last Notified

    def insert(sheet_id: str) -> None:
        insert_blank_column(emulator, sheet_id, "Milestones", 14)  # before Next Reminder
        insert_blank_column(emulator, sheet_id, "Contracts", 10)  # before Next Milestone

    insert(reference)
    next_day(emulator, reference, tmp_path / "reference", None)
    asked = next_day(emulator, moved, tmp_path / "moved", lambda: insert(moved))
    assert emulator.calls["values.batchGet"] == 3  # the read, the re-read, the moved columns
    rereads = [[r for r in ranges if r.startswith("'Milestones'")] for ranges in asked[1:]]
    assert rereads == [
        ["'Milestones'!1:1", "'Milestones'!A1:A", "'Milestones'!L1:S"],
        ["'Milestones'!1:1", "'Milestones'!A1:A", "'Milestones'!L1:M", "'Milestones'!O1:T"],
    ]
    for tab in ("Milestones", "Contracts", "Settings"):
        assert emulator.values(moved, tab) == emulator.values(reference, tab)
    assert emulator.values(moved, "Milestones")[0][13] == ""  # the person's column, left empty
