"""The Milestones tab alone (``normalize.milestones.milestone_frame``): IDs, contracts, owners,
lead days, Done and the rows that cannot be scheduled, each with its Problem in words."""

from __future__ import annotations

import datetime as dt

import pandas as pd

import builders
from sheetsync.model import Grid
from sheetsync.normalize.columns import Table
from sheetsync.normalize.contracts import contract_frame
from sheetsync.normalize.headers import locate_columns, milestone_locator
from sheetsync.normalize.milestones import milestone_frame
from sheetsync.normalize.settings import Settings
from sheetsync.problems import Problem
from sheetsync.schema import CONTRACT_COLUMNS, CONTRACTS, MILESTONE_COLUMNS, MILESTONES

CONTRACT_HEADER = ["Contract ID", "Contract", "Owner", "Department", "Contract Status"]
HEADER = [*(c.name for c in MILESTONE_COLUMNS), "Source", "Last Notified"]
CONTRACTS_GRID: Grid = [
    CONTRACT_HEADER,
    ["C-1", "Lease", "Jane Doe <jane@example.com>", "Finance", "Active"],
    ["C-2", "Old NDA", "bob@example.com", "Legal", "Terminated"],
    ["C-3", "Shared", "", "Legal", "Active"],
    ["C-4", "Twin", "ann@example.com", "", ""],
    ["C-4", "Twin again", "ann@example.com", "", ""],
]


def milestone(ident: str | None = "M-0001", **cells: object) -> list[object]:
    """A valid Milestones row of C-1 due 2027-01-15, with ``cells`` by column keyword."""
    named = {"contract_id": "C-1", "milestone": "Pay", "type": "payment"}
    named |= {"due_date": dt.date(2027, 1, 15)} | cells
    return builders.row(HEADER, milestone_id=ident, **named)


def frame(
    *rows: list[object], settings: Settings | None = None, contracts_grid: Grid = CONTRACTS_GRID
) -> tuple[pd.DataFrame, list[Problem]]:
    """The milestones frame and Problems of ``rows`` against CONTRACTS_GRID."""
    settings = settings or Settings(locale="en_US", allowed_domains=("example.com",))
    contracts_table = Table.build(CONTRACTS, contracts_grid, CONTRACT_COLUMNS, locate_columns)
    contracts, _ = contract_frame(contracts_table, settings)
    grid: Grid = [HEADER, *rows]
    table = Table.build(MILESTONES, grid, MILESTONE_COLUMNS, milestone_locator({}))
    return milestone_frame(table, contracts, settings)


def said(problems: list[Problem]) -> list[tuple[int, str, str]]:
    """Each Problem as (sheet row, column, sentence)."""
    return [(p.row, p.column, p.message) for p in problems]


def test_a_valid_milestone_reads_typed_and_schedulable() -> None:
    """ID, contract, title, type, due date, its contract's owner and department come through."""
    found, problems = frame(milestone())
    row = found.iloc[0]
    assert problems == []
    assert (row["id"], row["contract_id"], row["title"], row["type"]) == (
        "M-0001",
        "C-1",
        "Pay",
        "payment",
    )
    assert str(row["due"])[:10] == "2027-01-15"
    assert [a.email for a in row["owners"]] == ["jane@example.com"]
    assert (row["department"], bool(row["blocked"]), row["source"]) == ("Finance", False, "manual")


def test_blank_ids_get_the_next_numbers_after_the_highest() -> None:
    """Beside M-0007, two blank IDs become M-0008 and M-0009 and are marked new."""
    found, _ = frame(milestone(None), milestone("M-0007"), milestone(None))
    assert found["id"].tolist() == ["M-0008", "M-0007", "M-0009"]
    assert found["new_id"].tolist() == [True, False, True]


def test_an_unknown_contract_blocks_the_row_and_says_so() -> None:
    """C-999 is not in Contracts: the row cannot be scheduled and its Problem says why."""
    found, problems = frame(milestone(contract_id="C-999"))
    assert bool(found["blocked"].iloc[0])
    assert ("Contract ID", "Contract ID C-999 is not in the Contracts tab") in [
        (c, m) for _, c, m in said(problems)
    ]


def test_a_contract_id_used_twice_in_contracts_points_there() -> None:
    """C-4 is on two Contracts rows: the milestone is blocked and told to fix the duplicate."""
    found, problems = frame(milestone(contract_id="C-4"))
    assert bool(found["blocked"].iloc[0])
    assert said(problems)[0] == (
        2,
        "Contract ID",
        "Contract ID C-4 is on more than one Contracts row; fix the duplicate there",
    )


def test_an_unknown_contract_is_said_when_every_contracts_row_is_a_duplicate() -> None:
    """Contracts holds only C-4, twice: rows of C-999 and of C-4 are blocked and told why."""
    twins = [CONTRACT_HEADER, *CONTRACTS_GRID[-2:]]
    found, problems = frame(
        milestone(contract_id="C-999"), milestone("M-0002", contract_id="C-4"), contracts_grid=twins
    )
    assert found["blocked"].tolist() == [True, True]
    assert sorted((r, m) for r, c, m in said(problems) if c == "Contract ID") == [
        (2, "Contract ID C-999 is not in the Contracts tab"),
        (3, "Contract ID C-4 is on more than one Contracts row; fix the duplicate there"),
    ]


def test_milestones_of_an_ended_contract_are_cancelled() -> None:
    """C-2 is Terminated: its milestone is cancelled, C-1's is not."""
    found, _ = frame(milestone("M-1", contract_id="C-2"), milestone("M-2"))
    assert found["cancelled"].tolist() == [True, False]


def test_a_blank_owner_with_no_contract_owner_either_is_blocked() -> None:
    """C-3 has no Owner: a milestone with none of its own has no one to email, and says so."""
    found, problems = frame(milestone(contract_id="C-3"))
    assert bool(found["blocked"].iloc[0])
    assert said(problems) == [
        (2, "Owner", "Owner is blank and contract C-3 has no usable Owner either")
    ]


def test_a_due_date_that_is_blank_or_unreadable_blocks_the_row() -> None:
    """No Due Date, or "31/02/2027": both rows are blocked with a Problem in the Due Date column."""
    found, problems = frame(
        milestone("M-1", due_date=None), milestone("M-2", due_date="31/02/2027")
    )
    assert found["blocked"].tolist() == [True, True]
    assert sorted(said(problems))[0] == (2, "Due Date", "Due Date is blank")
    assert sorted(said(problems))[1][:2] == (3, "Due Date")
    assert '"31/02/2027"' in sorted(said(problems))[1][2]


def test_a_waiting_approval_step_is_not_blocked_for_its_blank_due_date() -> None:
    """An auto row with a step ID has no Due Date until the step opens: no Problem; a person's
    row or another auto row with no Due Date is blocked."""
    found, problems = frame(
        milestone("C-1/approval-2", due_date=None, source="auto"),
        milestone("C-1/approval-3", due_date=None),
        milestone("C-1-notice", due_date=None, source="Auto"),
    )
    assert found["blocked"].tolist() == [False, True, True]
    assert found["source"].tolist() == ["auto", "manual", "auto"]
    assert [(r, c) for r, c, _ in said(problems)] == [(3, "Due Date"), (4, "Due Date")]


def test_lead_days_come_from_the_row_then_a_setting_then_the_default() -> None:
    """Remind Days on the row wins; a ``Remind: report`` setting next; else the type's default."""
    settings = Settings(locale="en_US")
    settings.lead_days["report"] = (21, 2)
    settings.remind_set.add("report")
    found, problems = frame(
        milestone("M-1", remind_days="30, 7"),
        milestone("M-2", type="report"),
        milestone("M-3"),
        settings=settings,
    )
    assert problems == []
    assert [tuple(d) for d in found["lead_days"]] == [
        (30, 7),
        (21, 2),
        settings.lead_days["payment"],
    ]
    assert found["lead_from"].tolist() == ["row", "setting", "default"]


def test_unreadable_remind_days_fall_back_to_the_types_default_and_say_so() -> None:
    """Remind Days "often" is not days: the default applies and the row is told."""
    found, problems = frame(milestone(remind_days="often"))
    assert found["lead_from"].tolist() == ["default"]
    assert said(problems) == [
        (
            2,
            "Remind Days",
            'Remind Days: "often" is not days such as 30, 7, 1; using the type\'s default',
        )
    ]


def test_done_is_ticked_or_completed_on_and_a_bad_done_is_said() -> None:
    """Done "yes" and a Completed On date mark done; Done "maybe" is not done, and is said."""
    found, problems = frame(
        milestone("M-1", done="yes"),
        milestone("M-2", completed_on=dt.date(2027, 1, 10)),
        milestone("M-3", done="maybe"),
    )
    assert found["done"].tolist() == [True, True, False]
    assert [(row, column) for row, column, _ in said(problems)] == [(4, "Done")]


def test_an_unknown_type_is_treated_as_other_and_said() -> None:
    """Type "gardening" is no type the program knows: it becomes other, and the row says so."""
    found, problems = frame(milestone(type="gardening"))
    assert found["type"].tolist() == ["other"]
    assert said(problems) == [
        (2, "Type", 'Type: "gardening" is not a type sheetsync knows; treated as other')
    ]


def test_source_and_last_notified_are_read_back() -> None:
    """An auto row's Source and the Last Notified a run wrote come back as they were written."""
    cell = "2027-01-01: reminder 14d · due 2027-01-15"
    found, _ = frame(milestone(source="AUTO", last_notified=cell))
    assert (found["source"].iloc[0], found["last_notified"].iloc[0]) == ("auto", cell)


def test_a_long_tab_finds_each_rows_contract_as_a_short_one_does() -> None:
    """Thousands of rows (coded with the contracts' IDs first): each Contract ID, padded,
    a number, blank, unknown, doubled or another case, reads and is said as on its own."""
    cells: list[object] = [" C-1 ", "C-2", "C-4", "C-999", None, "", 3.0, "c-1", "C-3", "C-1"]
    alone = [frame(milestone(contract_id=c)) for c in cells]
    rows = [milestone(f"M-{i + 1:05d}", contract_id=cells[i % 10]) for i in range(2500)]
    found, problems = frame(*rows)
    columns = ["contract_id", "department", "cancelled", "blocked", "owners"]
    for i in (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 2490, 2499):
        one, said_alone = alone[i % 10]
        assert found.iloc[i][columns].tolist() == one.iloc[0][columns].tolist()
        mine = [(p.column, p.message) for p in problems if p.row == i + 2]
        assert mine == [(p.column, p.message) for p in said_alone]


def test_one_padded_or_numeric_contract_id_among_thousands_finds_its_contract() -> None:
    """Among thousands of exact IDs, the one row whose Contract ID is padded and the one
    typed as a number (the contract's ID being that number) find their contracts; an
    unknown ID that is already its own text is still not found."""
    contracts_grid: Grid = [
        *CONTRACTS_GRID,
        ["7", "Numbered", "ann@example.com", "IT", ""],
        ["C-8", "Padded department", "ann@example.com", " IT ", ""],
    ]
    cells = ["C-1", "C-2", "C-3"] * 1000
    cells[1777], cells[2345], cells[2346], cells[2998] = " C-3 ", 7.0, "C-77", "C-8"
    rows = [milestone(f"M-{i + 1:05d}", contract_id=c) for i, c in enumerate(cells)]
    found, problems = frame(*rows, contracts_grid=contracts_grid)
    departments = found["department"].tolist()
    assert (departments[1777], departments[2345], departments[2346]) == ("Legal", "IT", "")
    assert departments[2997:] == ["Finance", "IT", "Legal"]
    assert found["contract_id"].tolist()[2345] == "7"
    lost = [(p.row, p.message) for p in problems if p.column == "Contract ID"]
    assert lost == [(2348, "Contract ID C-77 is not in the Contracts tab")]
