"""Auto rows alone (``derive.auto_rows``), through the pure steps on an in-memory tracker: the
notice, expiry and review rows each contract's terms call for, and an auto row no longer
called for cancelled with the reason."""

from __future__ import annotations

import datetime as dt

import builders
from conftest import CONTRACT_HEADER, MILESTONE_HEADER, TODAY, days, tracker_grids
from sheetsync.backends.memory import MemoryBackend
from sheetsync.derive.auto_rows import review_rule
from sheetsync.derive.changes import NewRows
from sheetsync.derive.contract_rows import CONTRACT_AT
from sheetsync.pipeline import Prepared, RunOptions, prepare

TERMS = ["End Date", "Notice Period (days)", "Risk", "Review Every"]
HEADER = [*MILESTONE_HEADER, "Repeat", "Source"]


def prepared(terms: dict[str, list[object]], autos: list[list[object]] = ()) -> Prepared:
    """The small tracker with each contract's ``terms`` (TERMS order) and existing auto rows."""
    grids = tracker_grids()
    grids["Contracts"] = [[*CONTRACT_HEADER, *TERMS]] + [
        [*row, *terms.get(str(row[0]), [None] * len(TERMS))] for row in grids["Contracts"][1:]
    ]
    grids["Milestones"] = [HEADER, *autos]
    return prepare(MemoryBackend(grids), RunOptions(today=TODAY))


def new_rows(found: Prepared) -> dict[str, tuple[object, ...]]:
    """Each new auto row's (title, type, due date, Repeat) by its ID."""
    return {
        str(r["Milestone ID"]): (r["Milestone"], r["Type"], r["Due Date"], r.get("Repeat"))
        for r in found.derived.new_rows
    }


def test_an_end_date_and_notice_period_call_for_a_notice_and_an_expiry_row() -> None:
    """C-001 ends in 200 days with 60 days' notice: a notice row at day 140, expiry at 200."""
    found = new_rows(prepared({"C-001": [days(200), 60, None, None]}))
    assert found == {
        "C-001/notice": ("Last day to give notice on Acme MSA", "notice", days(140), None),
        "C-001/expiry": ("Acme MSA: term ends", "expiration", days(200), None),
    }


def test_new_rows_read_as_whole_rows_a_repeat_only_on_review_rows() -> None:
    """The new rows, held as columns, read as one dict per row by the sheet's headers in
    order, a day as a date, Repeat only where a review row has it; by position and slice
    too, and a column's cells as ``dict.get`` reads them."""
    rows = prepare_review_and_expiry().derived.new_rows
    expected = [
        {
            "Milestone ID": "C-001/expiry",
            "Contract ID": "C-001",
            "Milestone": "Acme MSA: term ends",
            "Type": "expiration",
            "Due Date": days(200),
        },
        {
            "Milestone ID": "C-001/review",
            "Contract ID": "C-001",
            "Milestone": "Review Acme MSA (quarterly)",
            "Type": "review",
            "Due Date": rows[1]["Due Date"],
            "Repeat": "quarterly",
        },
    ]
    assert [list(r.items()) for r in rows] == [list(r.items()) for r in expected]
    assert type(rows[1]["Due Date"]) is dt.date and len(rows) == 2
    assert rows[-1] == expected[1] and rows[:1] == expected[:1] and rows[5:] == []
    assert isinstance(rows, NewRows)
    assert rows.cells("Repeat") == [None, "quarterly"] and rows.cells("Notes") == [None, None]
    assert rows.cells("Contract ID") == ["C-001", "C-001"]


def prepare_review_and_expiry() -> Prepared:
    """C-001 ends in 200 days and is High risk: an expiry row and a quarterly review row."""
    return prepared({"C-001": [days(200), None, "High", None]})


def test_an_end_date_without_notice_calls_for_the_expiry_row_only() -> None:
    """No Notice Period: there is no notice deadline to remind anyone of."""
    assert list(new_rows(prepared({"C-001": [days(200), None, None, None]}))) == ["C-001/expiry"]


def test_risk_sets_the_review_cadence_and_review_every_overrides_it() -> None:
    """High risk reviews quarterly; Review Every "monthly" wins over Low risk's annual."""
    found = new_rows(
        prepared({"C-001": [None, None, "High", None], "C-002": [None, None, "Low", "monthly"]})
    )
    assert found["C-001/review"][0] == "Review Acme MSA (quarterly)"
    assert found["C-001/review"][3] == "quarterly"
    assert found["C-002/review"][3] == "monthly"


def test_a_terminated_contract_gets_no_auto_rows() -> None:
    """C-003 is Terminated: its terms call for nothing."""
    found = new_rows(prepared({"C-003": [days(200), 60, "High", None]}))
    assert found == {}


def test_an_auto_row_no_longer_called_for_is_cancelled_and_says_why() -> None:
    """C-002's expiry row stays on the sheet after its End Date was removed: it is cancelled."""
    auto = builders.row(
        HEADER,
        milestone_id="C-002/expiry",
        contract_id="C-002",
        milestone="Globex lease: term ends",
        type="expiration",
        due_date=days(50),
        source="auto",
    )
    found = prepared({}, [auto])
    row = found.evaluated.set_index("id").loc["C-002/expiry"]
    assert row["status"] == "Cancelled"
    (change,) = found.derived.changes
    assert change.milestone_id == "C-002/expiry"
    assert "the contract no longer has an End Date" in change.subject


def test_a_review_rule_is_read_from_review_every_else_risk() -> None:
    """Review Every wins; else High, Medium, Low risk give quarterly, semiannual, annual."""
    found = prepared(
        {"C-001": [None, None, "Medium", None], "C-002": [None, None, "Low", "weekly"]}
    )
    rules = [review_rule(c)[0] for c in found.tracker.contracts.itertuples(index=False)]
    assert rules == ["semiannual", "weekly", ""]
    assert review_rule(next(found.tracker.contracts.itertuples(index=False)))[1] is not None


def test_each_notice_title_says_whether_its_own_contract_renews() -> None:
    """Titles are joined as columns: a renewing contract's notice title says so, its
    neighbours' do not, and each expiry title names its own contract."""
    grids = tracker_grids()
    header = [*CONTRACT_HEADER, "End Date", "Notice Period (days)", "Auto-Renew"]
    renews = {"C-002": "Yes"}
    grids["Contracts"] = [header] + [
        [*row, days(200), 60, renews.get(str(row[0]), "No")] for row in grids["Contracts"][1:]
    ]
    grids["Milestones"] = [HEADER]
    found = new_rows(prepare(MemoryBackend(grids), RunOptions(today=TODAY)))
    names = {str(row[0]): str(row[1]) for row in grids["Contracts"][1:]}
    notices = {i: t for i, (t, kind, _, _) in found.items() if kind == "notice"}
    expiries = {i: t for i, (t, kind, _, _) in found.items() if kind == "expiration"}
    assert len(notices) >= 2 and "C-002/notice" in notices
    for ident, title in notices.items():
        contract = ident.split("/")[0]
        ending = " so it does not renew" if contract in renews else ""
        assert title == f"Last day to give notice on {names[contract]}{ending}"
    assert all(t == f"{names[i.split('/')[0]]}: term ends" for i, t in expiries.items())


def test_expiry_rows_alone_follow_their_contracts_past_one_that_calls_for_none() -> None:
    """Only expiry rows (one kind: not sorted again), in contract order, each row with its
    own contract's cells and place among all contracts, a terminated one first."""
    header = [*CONTRACT_HEADER, "End Date"]
    rows = [
        ["C-009", "Old lease", "Initech", "carol@example.com", "Legal", "Terminated", "r", days(5)],
        ["C-001", "Acme MSA", "Acme", "jane@example.com", "Legal", "Active", "r", days(300)],
        ["C-002", "Globex", "Globex", "bob@example.com", "Finance", "Active", "r", None],
        ["C-004", "Hooli", "Hooli", "dan@example.com", "IT", "Active", "r", days(40)],
    ]
    grids = tracker_grids(contracts=[])
    grids["Contracts"] = [header, *rows]
    grids["Milestones"] = [HEADER]
    found = prepare(MemoryBackend(grids), RunOptions(today=TODAY))
    assert new_rows(found) == {
        "C-001/expiry": ("Acme MSA: term ends", "expiration", days(300), None),
        "C-004/expiry": ("Hooli: term ends", "expiration", days(40), None),
    }
    frame = found.derived.milestones
    autos = frame[frame["source"] == "auto"]
    contracts = found.derived.contracts
    assert contracts["id"].to_numpy()[autos[CONTRACT_AT].to_numpy()].tolist() == ["C-001", "C-004"]


def test_rows_of_two_kinds_are_listed_by_contract_then_kind() -> None:
    """Notice and expiry rows of two contracts: each contract's notice, then its expiry."""
    found = prepared({"C-001": [days(200), 60, None, None], "C-002": [days(100), 30, None, None]})
    assert [str(r["Milestone ID"]) for r in found.derived.new_rows] == [
        "C-001/notice",
        "C-001/expiry",
        "C-002/notice",
        "C-002/expiry",
    ]
