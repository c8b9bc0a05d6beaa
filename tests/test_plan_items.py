"""Email items built a column at a time (``plan.notification.items``) and each milestone
row's contract looked up once (``plan.stages.RowContracts``), or read from derivation's
contract rows (``plan.stages.places``)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from conftest import TODAY, days, milestone, tracker_grids
from sheetsync.backends.memory import MemoryBackend
from sheetsync.cells.addresses import Address
from sheetsync.derive.contract_rows import CONTRACT_AT
from sheetsync.keys import milestone_key
from sheetsync.normalize.ledger import Ledger
from sheetsync.pipeline import RunOptions, prepare
from sheetsync.plan import Item, PlanContext, plan_notifications
from sheetsync.plan.emails import Found, group_emails
from sheetsync.plan.notification import items
from sheetsync.plan.stages import (
    RowContracts,
    _day_texts,
    contract_names,
    due_now,
    first_contract_rows,
    places,
)
from sheetsync.schema import DIGEST

JANE = (Address("Jane", "jane@example.com"),)


def fields(n: int) -> dict[str, object]:
    """Every field of a reminder item for milestone ``M-<n>`` but its links."""
    return {
        "key": f"reminder:M-{n}:2027-03-08:7",
        "kind": "reminder",
        "milestone_id": f"M-{n}",
        "contract_id": "C-001",
        "contract": "Acme MSA",
        "title": f"Pay invoice {n}",
        "type": "payment",
        "due": dt.date(2027, 3, 8),
        "days_left": 6,
        "stage": 7,
        "row": n + 1,
        "owners": JANE,
        "rule": "7-day reminder (the default for payment milestones: 14, 7, 1 days before)",
    }


def columns(rows: list[dict[str, object]]) -> dict[str, list[object]]:
    """The rows' fields as one list per field."""
    return {name: [row[name] for row in rows] for name in rows[0]}


def test_items_equal_those_built_one_by_one_in_row_order() -> None:
    """Each item has every field of its row (no two alike), as ``Item(**fields)``, links None."""
    rows = [fields(1), fields(2), {**fields(3), "contract": ""}]
    built = items(columns(rows))
    assert built == [Item(**row) for row in rows]  # type: ignore[arg-type]
    assert [type(item) for item in built] == [Item, Item, Item]
    assert [(item.link, item.done_link) for item in built] == [(None, None)] * 3


def test_items_take_a_link_column() -> None:
    """A link column gives each item its own link."""
    built = items(columns([{**fields(1), "link": "https://x/1"}, {**fields(2), "link": None}]))
    assert [item.link for item in built] == ["https://x/1", None]


def test_items_are_frozen_and_hash_like_any_item() -> None:
    """An item built by columns cannot be changed, and ``_replace`` and hashing work."""
    item = items(columns([fields(1)]))[0]
    with pytest.raises(AttributeError):
        item.title = "changed"  # type: ignore[misc]
    assert hash(item) == hash(Item(**fields(1)))  # type: ignore[arg-type]
    assert item._replace(done_link="https://x/done").done_link == "https://x/done"


def test_items_refuse_a_missing_or_short_column() -> None:
    """A field without a column, or a column of another length, is an error, not a half item."""
    short = columns([fields(1), fields(2)])
    short["title"] = ["only one"]
    with pytest.raises(ValueError):
        items(short)
    missing = columns([fields(1)])
    del missing["rule"]
    with pytest.raises(ValueError):
        items(missing)


def test_no_items_from_empty_columns() -> None:
    """Empty columns give no items."""
    assert items({name: [] for name in fields(1)}) == []


def row_contracts(ids: list[object]) -> RowContracts:
    """The rows' contracts among C-001 (Acme), C-002 (no name) and C-001 again (Other)."""
    contracts = pd.DataFrame(
        {"id": ["C-001", "C-002", "C-001"], "name": ["Acme MSA", None, "Other"]}
    )
    return RowContracts(contract_names(contracts), np.asarray(ids, dtype=object))


def test_row_contracts_name_each_rows_first_contract_row() -> None:
    """A row's contract is the first Contracts row with its ID; a blank name reads ""."""
    found = row_contracts(["C-002", "C-001", "C-001"])
    at = found.at(np.arange(3))
    assert at.tolist() == [1, 0, 0]
    assert found.names[at].tolist() == ["", "Acme MSA", "Acme MSA"]


@pytest.mark.parametrize("odd", [None, float("nan"), 7, 2.5])
def test_row_contracts_read_one_odd_name_among_texts_as_its_text(odd: object) -> None:
    """Names all text are kept as they are; one blank or number deep among them reads as
    "" or its ``str``, and every other name as itself."""
    names = [f"Contract {i}" for i in range(5000)]
    names[3999] = odd  # type: ignore[call-overload]
    contracts = pd.DataFrame({"id": [f"C-{i:05d}" for i in range(5000)], "name": names})
    found = RowContracts(contract_names(contracts), contracts["id"].to_numpy(dtype=object))
    read = found.names[found.at(np.arange(5000))].tolist()
    assert read[3999] == ("" if odd is None or odd != odd else str(odd))
    assert read[:3999] + read[4000:] == names[:3999] + names[4000:]
    assert all(type(name) is str for name in read)


def test_row_contracts_find_nothing_for_unknown_or_blank_ids() -> None:
    """An ID no contract has, a blank and a NaN cell find no contract (-1), named ""."""
    found = row_contracts(["C-404", None, float("nan")])
    at = found.at(np.arange(3))
    assert at.tolist() == [-1, -1, -1]
    assert found.names[at].tolist() == ["", "", ""]


def test_row_contracts_answer_the_same_when_asked_again_in_pieces() -> None:
    """Rows asked in overlapping pieces, repeated or out of order, get the same answers."""
    found = row_contracts(["C-001", "C-404", "C-002", "C-001"])
    assert found.at(np.asarray([3, 1])).tolist() == [0, -1]
    assert found.at(np.asarray([0, 1, 2, 3, 2])).tolist() == [0, -1, 1, 0, 1]
    assert found.at(np.zeros(0, dtype=np.intp)).tolist() == []


def test_a_contract_row_without_an_id_is_no_rows_contract() -> None:
    """A Contracts row with a blank ID names no milestone row whose Contract ID is blank."""
    contracts = pd.DataFrame({"id": ["C-001", None], "name": ["Acme MSA", "Nameless"]})
    found = RowContracts(contract_names(contracts), np.asarray([None, "C-001"], dtype=object))
    assert found.names[found.at(np.arange(2))].tolist() == ["", "Acme MSA"]


def test_keys_due_now_are_each_rows_milestone_key() -> None:
    """Each row's key due now reads as ``milestone_key`` of its kind, ID, due date and stage,
    whichever stages and dates the other rows share."""
    frame = pd.DataFrame(
        {
            "id": ["M-1", "M-2", "M-3", "M-4", "M-5"],
            "due": pd.to_datetime(
                ["2027-03-08", "2027-03-08", "2026-11-01", "2027-01-10", "2026-12-01"]
            ),
            "stage": [7, 30, -1, 7, 0],
            "overdue_n": [0, 0, 12, 0, 0],
            "level": [0, 0, 2, 0, 0],
        }
    )
    due = due_now(frame, "notice")
    assert due.keys == [
        milestone_key("reminder", "M-1", dt.date(2027, 3, 8), 7),
        milestone_key("reminder", "M-2", dt.date(2027, 3, 8), 30),
        milestone_key("overdue", "M-3", dt.date(2026, 11, 1), 12),
        milestone_key("reminder", "M-4", dt.date(2027, 1, 10), 7),
        milestone_key("reminder", "M-5", dt.date(2026, 12, 1), 0),
    ]
    assert due_now(frame, "escalation").keys == ["escalation:M-3:2026-11-01:2"]
    kept = due.take(np.asarray([False, True, True, False, True]))
    assert kept.ids.tolist() == ["M-2", "M-3", "M-5"] and kept.pos.tolist() == [1, 2, 4]
    assert [key.split(":")[1] for key in kept.keys] == kept.ids.tolist()


def test_a_doubled_contract_id_is_named_by_its_first_row() -> None:
    """Contract names keep each ID's first row, as ``drop_duplicates`` would, given its
    first rows or not."""
    contracts = pd.DataFrame(
        {"id": ["C-002", "C-001", "C-002", None, None], "name": list("abcde"), "x": range(5)}
    )
    kept = contracts.drop_duplicates("id").set_index("id")["name"]
    pd.testing.assert_series_equal(contract_names(contracts), kept)
    first = first_contract_rows(contracts)
    assert first.tolist() == [0, 1, 3]
    pd.testing.assert_series_equal(contract_names(contracts, first), kept)


def test_a_long_tab_of_contract_ids_keeps_a_repeat_far_from_its_twin_out() -> None:
    """A long tab of rising Contract IDs is its own first rows; an ID repeated far below its
    first row, or a second blank, is left out as ``drop_duplicates`` leaves it out."""
    ids = [f"C-{i:05d}" for i in range(3000)]
    assert first_contract_rows(pd.DataFrame({"id": ids})).tolist() == list(range(3000))
    for odd in ("C-00007", None):
        column = pd.Series([*ids[:1500], odd, *ids[1500:2500], odd, *ids[2500:]], dtype=object)
        kept = np.flatnonzero(~column.duplicated().to_numpy())
        assert first_contract_rows(pd.DataFrame({"id": column})).tolist() == kept.tolist()
        assert 2501 not in kept


def placed(at: list[object], named: list[object] | None = None) -> np.ndarray | None:
    """``places`` of rows naming C-002, C-001, C-404, nothing and C-003 with ``at`` positions
    among C-001, C-002, C-001 again, a blank ID and C-003."""
    contracts = pd.DataFrame(
        {"id": ["C-001", "C-002", "C-001", None, "C-003"], "name": list("abcde")}
    )
    named = named or ["C-002", "C-001", "C-404", None, "C-003"]
    frame = pd.DataFrame({"contract_id": named, CONTRACT_AT: pd.Series(at)})
    return places(frame, contracts)


def test_places_from_derivation_are_the_rows_looked_up() -> None:
    """Derivation's contract rows become places among the contract names, as lookups give them."""
    contracts = pd.DataFrame(
        {"id": ["C-001", "C-002", "C-001", None, "C-003"], "name": list("abcde")}
    )
    named = np.asarray(["C-002", "C-001", "C-404", None, "C-003"], dtype=object)
    known = placed([1, 0, -1, -1, 4])
    assert known is not None and known.tolist() == [1, 0, -1, -1, 3]
    asked = RowContracts(contract_names(contracts), named).at(np.arange(5))
    assert known.tolist() == asked.tolist()
    found = RowContracts(contract_names(contracts), named, known)
    assert found.names[found.at(np.asarray([4, 0, 2]))].tolist() == ["e", "b", ""]


def test_places_that_do_not_fit_the_contracts_are_not_used() -> None:
    """Out of range, an ID's later row, a gap or no column: looked up instead."""
    assert placed([1, 0, -1, -1, 5]) is None  # past the last contract
    assert placed([1, 2, -1, -1, 4]) is None  # C-001's second row
    assert placed([1, 0, -1, None, 4]) is None  # a row without a position
    assert places(pd.DataFrame({"contract_id": ["C-001"]}), pd.DataFrame({"id": ["C-001"]})) is None


def test_a_plan_with_derivations_contract_rows_is_the_plan_without() -> None:
    """Every email of a run over doubled, blank, untrimmed and unknown Contract IDs is the
    same whether the plan reads derivation's contract rows or looks each ID up."""
    grids = tracker_grids(
        milestones=[
            milestone("M-1", "C-001", "Pay", "payment", days(3)),
            milestone("M-2", "  C-002 ", "Untrimmed", "payment", days(-2)),
            milestone("M-3", "C-002", "Doubled", "payment", days(-40)),
            milestone("M-4", None, "Blank contract", "payment", days(1)),
            milestone("M-5", "C-999", "Unknown contract", "payment", days(-9)),
            milestone("M-6", "C-001", "Second", "report", days(-1)),
            milestone("M-7", "C-001", "Late", "payment", days(-40)),
        ]
    )
    grids["Contracts"].append(["C-002", "Globex again", "Globex", "raj@example.com", "", "", "r"])
    run = prepare(MemoryBackend(grids), RunOptions(today=TODAY))
    frame, contracts = run.tracker.milestones, run.tracker.contracts
    context = PlanContext(run.tracker.settings, TODAY)
    assert places(frame, contracts) is not None
    with_rows = plan_notifications(frame, contracts, run.tracker.ledger, context)
    alone = plan_notifications(
        frame.drop(columns=CONTRACT_AT), contracts, run.tracker.ledger, context
    )
    assert with_rows.notifications == alone.notifications
    assert {n.kind for n in alone.notifications} >= {"digest", "summary", "escalation"}


def test_emails_are_the_same_whether_recipient_lists_come_coded_or_not() -> None:
    """Pairs whose recipient lists the planner codes (one address spelt two ways under two
    codes) make the emails the lists told apart from the pairs make, digests or not."""
    bob, jane_again = (Address("", "bob@example.com"),), (Address("Jane Doe", JANE[0].email),)
    made = items(columns([fields(n) for n in range(4)]))
    lists, codes = [JANE, bob, jane_again], np.asarray([0, 1, 2, 0, 1])
    item, rank = np.asarray([0, 1, 2, 3, 3]), np.asarray([3, 2, 1, 0])
    to = [lists[c] for c in codes.tolist()]
    empty = Ledger(pd.DataFrame())
    for digest in (True, False):
        told = group_emails(Found(made, rank, item, to, [()] * 5), DIGEST, empty, digest, set())
        coded = Found(made, rank, item, to, [()] * 5, (codes, lists))
        assert group_emails(coded, DIGEST, empty, digest, set()) == told
    assert [(n.to, [i.milestone_id for i in n.items]) for n in told] == [
        (bob, ["M-1"]),
        (bob, ["M-3"]),
        (JANE, ["M-0"]),
        (jane_again, ["M-2"]),
        (JANE, ["M-3"]),
    ]


def test_day_texts_give_a_missing_day_its_own_text() -> None:
    """A NaT among the due dates is written ``NaT``, not taken for another row's day."""
    due = np.asarray(["2026-12-01", "NaT", "2027-01-05", "2026-12-01"], dtype="datetime64[ns]")
    assert _day_texts(due) == ["2026-12-01", "NaT", "2027-01-05", "2026-12-01"]
    assert _day_texts(due[1:2]) == ["NaT"]
    assert _day_texts(due[:0]) == []
