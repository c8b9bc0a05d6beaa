"""The monthly summary: who gets one, when, and what each section lists."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from sheetsync.cells.addresses import Address
from sheetsync.keys import summary_key
from sheetsync.normalize.ledger import Ledger
from sheetsync.normalize.settings import Settings
from sheetsync.plan import PlanContext
from sheetsync.plan.summary import (
    _among,
    active_owners,
    owner_rows,
    plan_summaries,
    section_flags,
)

TODAY = dt.date(2026, 12, 1)
JANE = Address("Jane", "jane@example.com")
RAJ = Address("Raj", "raj@example.com")


def contracts() -> pd.DataFrame:
    """Two contracts: Jane's active one and Raj's inactive one."""
    return pd.DataFrame(
        {
            "id": ["C-1", "C-2"],
            "name": ["Globex MSA", "Old lease"],
            "owners": [(JANE,), (RAJ,)],
            "active": [True, False],
            "problems": ["", ""],
            "row": [2, 3],
        }
    )


def milestones() -> pd.DataFrame:
    """Jane's milestones: one overdue, one due in 10 days, a notice in 60, one done in November."""
    due = pd.to_datetime(["2026-11-20", "2026-12-11", "2027-01-30", "2026-11-15"])
    return pd.DataFrame(
        {
            "row": [2, 3, 4, 5],
            "id": ["M-1", "M-2", "M-3", "M-4"],
            "contract_id": ["C-1"] * 4,
            "title": ["Pay", "Report", "Give notice", "Audit"],
            "type": ["payment", "report", "notice", "audit"],
            "due": due,
            "days_left": [-11, 10, 60, -16],
            "status": ["Overdue", "Due soon", "Upcoming", "Done"],
            "completed_on": pd.to_datetime([None, None, None, "2026-11-14"]),
            "owners": [(JANE,)] * 4,
            "problems": ["", "", "", ""],
        }
    )


def planned(ledger: Ledger | None = None, day: dt.date = TODAY, summary_day: int = 1) -> list:
    """The summaries planned for ``day``."""
    context = PlanContext(Settings(summary_day=summary_day), day)
    empty = Ledger(pd.DataFrame())
    return plan_summaries(milestones(), contracts(), ledger or empty, context)


def test_only_owners_of_active_contracts_get_a_summary() -> None:
    """Jane owns an active contract and gets one; Raj's contract is inactive."""
    (note,) = planned()
    assert [a.email for a in note.to] == ["jane@example.com"]
    assert note.summary_key == summary_key("jane@example.com", TODAY)


def test_sections_list_what_each_promises() -> None:
    """Overdue, the next 30 days, terms within 90 days and last month's completions."""
    (note,) = planned()
    content = note.summary or {}
    listed = {
        name: [r["milestone_id"] for r in content[name]]
        for name in content
        if name in ("overdue", "next_30", "terms_90", "completed")
    }
    assert listed == {
        "overdue": ["M-1"],
        "next_30": ["M-2"],
        "terms_90": ["M-3"],
        "completed": ["M-4"],
    }
    assert content["month"] == "December 2026" and content["last_month"] == "November 2026"


def test_a_listed_milestone_is_a_plain_dict_of_its_fields() -> None:
    """Each listed row is a dict like any other (templates, ``--json``), its keys in order."""
    (note,) = planned()
    (record,) = (note.summary or {})["overdue"]
    fields = {
        "milestone_id": "M-1",
        "contract_id": "C-1",
        "contract": "Globex MSA",
        "title": "Pay",
        "type": "payment",
        "due": dt.date(2026, 11, 20),
        "days_left": -11,
        "status": "Overdue",
        "row": 2,
        "link": None,
        "problems": "",
        "what": "M-1 Pay",
    }
    assert type(record) is dict and record == fields and list(record) == list(fields)


def test_the_chart_counts_open_milestones_due_each_coming_month() -> None:
    """This month and the next five: December and January each hold one open milestone."""
    (note,) = planned()
    chart = (note.summary or {})["chart"]
    assert [(bar["label"], bar["count"]) for bar in chart] == [
        ("Dec 2026", 1),
        ("Jan 2027", 1),
        ("Feb 2027", 0),
        ("Mar 2027", 0),
        ("Apr 2027", 0),
        ("May 2027", 0),
    ]


def test_one_summary_a_month_and_not_before_summary_day() -> None:
    """A summary the Log shows sent this month is not sent again; none before Summary day."""
    sent = Ledger(pd.DataFrame(), {(summary_key("jane@example.com", TODAY), "jane@example.com")})
    assert planned(sent) == []
    assert planned(day=TODAY, summary_day=5) == []
    assert len(planned(day=TODAY + dt.timedelta(days=4), summary_day=5)) == 1


def test_a_status_held_by_an_object_of_its_own_is_read_by_its_text() -> None:
    """Statuses are told apart by object, then by text: an Overdue cell that is not the
    column's shared object is still overdue and open, and a blank status is neither."""
    rows = milestones()
    own = "".join(["Over", "due"])  # equal to "Overdue", another object
    rows["status"] = pd.Series(["Overdue", "Due soon", own, np.nan], dtype=object)
    flags = section_flags(rows, TODAY)
    assert flags["overdue"].tolist() == [True, False, True, False]
    assert flags["open"].tolist() == [True, True, True, False]
    assert not flags["completed"].any()


def test_owner_pairs_unordered_are_the_ordered_pairs_each_once() -> None:
    """A row's owner who also owns its contract is paired with it once, sorted or not."""
    rows = pd.DataFrame(
        {
            "owners": [(JANE,), (RAJ, JANE), (), None, (RAJ,)],
            "contract_id": ["C-1", "C-2", "C-1", "C-404", "C-2"],
        }
    )
    deals = pd.DataFrame({"id": ["C-1", "C-2"], "owners": [(JANE,), (JANE, RAJ)]})
    emails = ["jane@example.com", "raj@example.com"]
    owner, pos = owner_rows(rows, deals, emails)
    pairs = list(zip(owner.tolist(), pos.tolist(), strict=True))
    assert pairs == [(0, 0), (0, 1), (0, 2), (0, 4), (1, 1), (1, 4)]
    owner, pos = owner_rows(rows, deals, emails, ordered=False)
    assert sorted(zip(owner.tolist(), pos.tolist(), strict=True)) == pairs
    assert len(owner) == len(pairs)


def test_a_contract_id_twice_pairs_rows_with_its_first_rows_owners() -> None:
    """Rows on a doubled Contract ID go to its first row's owners; both rows count as owned."""
    deals = pd.concat([contracts(), contracts().iloc[:1].assign(owners=[(RAJ,)])])
    deals = deals.reset_index(drop=True).assign(active=True)
    context = PlanContext(Settings(summary_day=1), TODAY)
    notes = plan_summaries(milestones(), deals, Ledger(pd.DataFrame()), context)
    content = {note.to[0].email: note.summary or {} for note in notes}
    assert [r["milestone_id"] for r in content["jane@example.com"]["overdue"]] == ["M-1"]
    assert content["raj@example.com"]["overdue"] == []
    assert content["raj@example.com"]["contracts"] == 2


def test_active_owners_keep_each_address_first_spelling_and_skip_blank_cells() -> None:
    """An address spelt two ways keeps the first active row's; inactive and blank rows add none."""
    deals = pd.DataFrame(
        {
            "id": ["C-1", "C-2", "C-3", "C-4"],
            "owners": [(Address("J.", JANE.email),), None, (JANE, RAJ), (Address("R", RAJ.email),)],
            "active": [False, True, True, True],
        }
    )
    assert active_owners(deals) == {JANE.email: JANE, RAJ.email: RAJ}


def test_among_answers_as_isin() -> None:
    """A value is among the members exactly when ``np.isin`` says so, blanks and all."""
    values = np.asarray([5, -3, 0, 12, 5, 7, 99], dtype=np.int64)
    for members in ([7, 5, 0], [], [99], [-3, 12, 12]):
        known = np.asarray(members, dtype=np.int64)
        assert _among(values, known).tolist() == np.isin(values, known).tolist()


def test_among_answers_as_isin_by_table_or_by_search() -> None:
    """Numbers close together (read from a table) or far apart (searched): as ``np.isin``."""
    rng = np.random.default_rng(7)
    for spread in (50, 10**12):
        values = rng.integers(-spread, spread, 400)
        members = np.concatenate([values[::37], rng.integers(-spread, spread, 20)])
        assert _among(values, members).tolist() == np.isin(values, members).tolist()
        assert not _among(values[:0], members).any() and len(_among(values[:0], members)) == 0


def test_each_section_lists_rows_by_due_date_then_id_for_every_owner() -> None:
    """Rows overdue on one day are listed by ID (as text), whatever their row order, for
    each owner."""
    rows = milestones().iloc[[0, 0, 0, 1]].reset_index(drop=True)
    rows = rows.assign(
        row=[2, 3, 4, 5],
        id=["M-9", "M-10", "M-2", "M-5"],
        due=pd.to_datetime(["2026-11-20", "2026-11-20", "2026-11-25", "2026-11-20"]),
        status="Overdue",
        owners=[(JANE, RAJ), (RAJ, JANE), (JANE,), (RAJ,)],
    )
    deals = contracts().assign(active=True)
    context = PlanContext(Settings(summary_day=1), TODAY)
    notes = plan_summaries(rows, deals, Ledger(pd.DataFrame()), context)
    listed = {
        n.to[0].email: [r["milestone_id"] for r in (n.summary or {})["overdue"]] for n in notes
    }
    assert listed == {
        "jane@example.com": ["M-10", "M-5", "M-9", "M-2"],  # all rows of her contract
        "raj@example.com": ["M-10", "M-5", "M-9"],
    }


def test_completed_lists_rows_done_on_last_months_first_to_last_day() -> None:
    """Done on November's first or last day: listed on 1 December; a day either side: not."""
    rows = milestones().iloc[[3, 3, 3, 3, 3]].reset_index(drop=True)
    done_on = ["2026-10-31", "2026-11-01", "2026-11-30", "2026-12-01", None]
    rows = rows.assign(id=["M-1", "M-2", "M-3", "M-4", "M-5"], completed_on=pd.to_datetime(done_on))
    flags = section_flags(rows, TODAY)
    assert flags["completed"].tolist() == [False, True, True, False, False]


def test_problems_list_each_owners_contract_rows_with_problems_first() -> None:
    """A Contracts row with Problems is listed for each of its owners, before their rows'."""
    deals = contracts().assign(
        owners=[(JANE, RAJ), (RAJ,)], active=True, problems=["End: bad date", ""]
    )
    rows = milestones().assign(problems=["", "", "Due: bad", ""])
    context = PlanContext(Settings(summary_day=1), TODAY)
    notes = plan_summaries(rows, deals, Ledger(pd.DataFrame()), context)
    listed = {n.to[0].email: (n.summary or {})["problems"] for n in notes}
    contract = {"tab": "Contracts", "row": 2, "what": "C-1 Globex MSA", "problems": "End: bad date"}
    row = {"tab": "Milestones", "row": 4, "what": "M-3 Give notice", "problems": "Due: bad"}
    assert listed == {"jane@example.com": [contract, row], "raj@example.com": [contract, row]}
    assert type(listed["jane@example.com"][0]["row"]) is int
