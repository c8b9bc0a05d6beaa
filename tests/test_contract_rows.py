"""Each milestone's contract as a Contracts row (``derive.contract_rows``): found once by
derivation for every row (the tab's own, auto rows, approval steps), and Health the same
with it as without it."""

from __future__ import annotations

import pandas as pd

from conftest import CONTRACT_HEADER, TODAY, days, milestone, tracker_grids
from sheetsync.backends.memory import MemoryBackend
from sheetsync.derive.contract_rows import CONTRACT_AT, contract_positions
from sheetsync.evaluate.health import contract_health
from sheetsync.normalize import normalize
from sheetsync.pipeline import Prepared, RunOptions, prepare

TERMS = ["End Date", "Notice Period (days)"]


def contract(key: object, name: str, status: str = "Active", end: object = None) -> list[object]:
    """A row of CONTRACT_HEADER + TERMS: 60 days' notice when it has an End Date."""
    return [key, name, "Corp", "jane@example.com", "Legal", status, "ref", end, 60 if end else None]


def hostile_grids() -> dict[str, list[list[object]]]:
    """Contract IDs as people leave them: doubled, blank, untrimmed, unknown; with auto rows
    and an approval step added by derivation."""
    contracts = [
        contract("C-001", "Acme MSA", end=days(200)),
        contract("C-002", "Globex lease"),
        contract("C-002", "Globex lease again"),  # the same ID on two rows
        contract(None, "No ID yet"),
        contract("C-004", "Old NDA", "Terminated", end=days(90)),
        contract("C-005", "Draft deal", "Draft"),  # under approval: a step is added
        contract("C-006", "Renewal", end=days(400)),
    ]
    rows = [
        milestone("M-1", "C-001", "Pay", "payment", days(3)),
        milestone("M-2", "  C-006 ", "Untrimmed", "payment", days(-2)),
        milestone("M-3", "C-002", "Doubled", "payment", days(10)),
        milestone("M-4", None, "Blank contract", "payment", days(1)),
        milestone("M-5", "C-999", "Unknown contract", "payment", days(40)),
        milestone("M-6", "C-004", "Terminated", "payment", days(-5)),
        milestone("M-7", "C-001", "Second", "report", days(-1)),
        milestone("M-8", 1234, "A number", "payment", days(2)),
    ]
    grids = tracker_grids(milestones=rows)
    grids["Contracts"] = [[*CONTRACT_HEADER, *TERMS], *contracts]
    grids["Settings"].append(["Approval route: default", "legal@example.com"])
    return grids


def prepared() -> Prepared:
    return prepare(MemoryBackend(hostile_grids()), RunOptions(today=TODAY))


def first_rows(contracts: pd.DataFrame, named: pd.Series) -> list[int]:
    """Per milestone, the first Contracts row holding its Contract ID (-1: none), row by row."""
    ids = contracts["id"].tolist()
    return [next((n for n, i in enumerate(ids) if i == name), -1) for name in named.tolist()]


def test_every_row_names_the_first_contract_with_its_id() -> None:
    """The tab's rows, the auto rows and the approval step: each holds its contract's row."""
    found = prepared()
    frame = found.evaluated
    assert len(frame) > 8  # auto rows and the step were added to the tab's eight
    assert frame["id"].str.startswith("C-005/approval").any()
    expected = first_rows(found.tracker.contracts, frame["contract_id"])
    assert frame[CONTRACT_AT].tolist() == expected
    assert frame[CONTRACT_AT].dtype == "int64"
    at = dict(zip(frame["id"], frame[CONTRACT_AT], strict=True))
    assert at["M-3"] == 1  # the first of the two C-002 rows
    assert at["M-2"] == 6  # trimmed as normalize trims it
    assert at["M-4"] == 3  # a blank Contract ID names the contract with a blank ID
    assert at["M-5"] == -1


def test_health_is_the_same_with_and_without_contract_rows() -> None:
    """Health and Next Milestone from ``contract_at`` equal those from hashing the IDs."""
    found = prepared()
    contracts = found.tracker.contracts.drop(columns=["health", "next_milestone"])
    quick = contract_health(contracts, found.evaluated)
    hashed = contract_health(contracts, found.evaluated.drop(columns=[CONTRACT_AT]))
    pd.testing.assert_frame_equal(quick, hashed)
    assert set(quick["health"]) >= {"Overdue", "Due soon"}


def test_rows_not_in_the_tabs_order_are_looked_up_by_their_ids() -> None:
    """A frame whose rows are not the tab's, in order, is not read by normalize's codes."""
    tracker = normalize(MemoryBackend(hostile_grids()).read())
    shuffled = tracker.milestones.iloc[::-1].reset_index(drop=True)
    at = contract_positions(tracker.contracts, shuffled, tracker.tables["Milestones"])
    assert at.tolist() == first_rows(tracker.contracts, shuffled["contract_id"])


def test_one_row_naming_another_contract_than_the_tab_is_looked_up_by_its_id() -> None:
    """Every row is checked, not a few: a long frame whose rows are the tab's but for one
    row's Contract ID (between any rows a sample would read) takes that row's own contract."""
    grids = tracker_grids()
    contracts = [contract(f"C-{n:04}", f"Deal {n}") for n in range(300)]
    grids["Contracts"] = [CONTRACT_HEADER + TERMS, *contracts]
    grids["Milestones"][1:] = [
        milestone(f"M-{n}", f"C-{n % 300:04}", "Pay", "payment", days(5)) for n in range(3000)
    ]
    tracker = normalize(MemoryBackend(grids).read())
    named = tracker.milestones["contract_id"].to_numpy(dtype=object)
    for row in (0, 1234, 2998):
        changed = tracker.milestones.copy()
        changed.iloc[row, changed.columns.get_loc("contract_id")] = "C-0299"
        at = contract_positions(tracker.contracts, changed, tracker.tables["Milestones"])
        assert at.tolist() == first_rows(tracker.contracts, changed["contract_id"])
        assert at[row] == 299 and named[row] != "C-0299"


def test_rows_holding_the_tabs_own_cells_are_their_texts_only_when_untrimmed() -> None:
    """A frame holding the tab's very cells reads normalize's codes only if each cell is its
    own text: an untrimmed cell ("  C-006 ") is looked up as it is, and names no contract;
    trimmed, it names its contract."""
    tracker = normalize(MemoryBackend(hostile_grids()).read())
    table = tracker.tables["Milestones"]
    cells = table.raw["Contract ID"]
    raw = tracker.milestones.assign(contract_id=cells.to_numpy(dtype=object))
    at = contract_positions(tracker.contracts, raw, table)
    assert at.tolist() == first_rows(tracker.contracts, cells)
    assert at[1] == -1 and cells.iat[1] == "  C-006 "
    grids = hostile_grids()
    for row in grids["Milestones"][1:]:  # each its own text, as a new object: not shared
        row[1] = "".join(row[1].strip()) if isinstance(row[1], str) else "C-001"
    tracker = normalize(MemoryBackend(grids).read())
    table = tracker.tables["Milestones"]
    raw = tracker.milestones.assign(contract_id=table.raw["Contract ID"].to_numpy(dtype=object))
    at = contract_positions(tracker.contracts, raw, table)
    assert at.tolist() == first_rows(tracker.contracts, raw["contract_id"])
    assert at[1] == 6


def test_a_long_tab_of_different_ids_finds_each_cell_by_object_or_by_value() -> None:
    """IDs all different (rising or not): a cell holding an ID's very object, an equal text
    of its own, a blank, an unknown ID or a number each find what a row-by-row search finds,
    a few such cells or many."""
    grids = tracker_grids()
    rows = [contract(f"C-{n:04}", f"Deal {n}") for n in range(2100)]
    for shuffled in (False, True):
        grids["Contracts"] = [CONTRACT_HEADER + TERMS, *(rows[::-1] if shuffled else rows)]
        tracker = normalize(MemoryBackend(grids).read())
        ids = tracker.contracts["id"].tolist()
        table = tracker.tables["Milestones"]
        odd = [None, "", "C-9999", 17, " C-0003", "".join("C-0007")]
        for copies in (3, 40):  # equal texts, not the IDs' objects: a few, then many
            named = [*ids[::50], *odd, *("".join(i) for i in ids[5 : 5 + copies])]
            frame = pd.DataFrame({"contract_id": pd.Series(named, dtype=object)})
            at = contract_positions(tracker.contracts, frame, table)
            assert at.tolist() == first_rows(tracker.contracts, frame["contract_id"])
            assert at[len(ids[::50])] == -1 and at[-1] == ids.index(named[-1])


def test_health_from_positions_with_doubled_blank_and_missing_ids() -> None:
    """Contracts sharing an ID share Health; a missing ID (None) has no milestone, as hashed."""
    contracts = pd.DataFrame(
        {
            "id": ["C-1", None, "C-1", "", "C-2", ""],
            "active": True,
            "duplicate": [True, False, True, False, False, False],
            "problems": "",
        }
    )
    rows = [
        ("C-1", "Overdue", 0),
        ("", "Due soon", 3),
        ("C-2", "Upcoming", 4),
        ("C-9", "Overdue", -1),
    ]
    milestones = pd.DataFrame(
        {
            "id": [f"M-{n}" for n in range(len(rows))],
            "contract_id": [r[0] for r in rows],
            "status": [r[1] for r in rows],
            "due": pd.to_datetime(["2027-03-01", "2027-03-02", "2027-03-03", "2027-03-04"]),
            "title": ["a", "b", "c", "d"],
            CONTRACT_AT: [r[2] for r in rows],
        }
    )
    quick = contract_health(contracts, milestones)
    hashed = contract_health(contracts, milestones.drop(columns=[CONTRACT_AT]))
    pd.testing.assert_frame_equal(quick, hashed)
    assert quick["health"].tolist() == [
        "Overdue",
        "On track",
        "Overdue",
        "Due soon",
        "On track",
        "Due soon",
    ]
