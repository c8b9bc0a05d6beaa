"""The Contracts tab alone (``normalize.contracts.contract_frame``): each column read into the
contracts frame, and each cell it cannot use a Problem in words on its own row."""

from __future__ import annotations

import math

import pandas as pd
import pytest

import builders
from sheetsync.model import Grid
from sheetsync.normalize.columns import Table
from sheetsync.normalize.contracts import contract_frame
from sheetsync.normalize.headers import locate_columns
from sheetsync.normalize.settings import Settings
from sheetsync.problems import Problem
from sheetsync.schema import CONTRACT_COLUMNS, CONTRACTS

HEADER = [c.name for c in CONTRACT_COLUMNS]


def contract(ident: str = "C-1", **cells: object) -> list[object]:
    """A valid Contracts row (name, owner) with ``cells`` by column keyword."""
    named = {"contract": "Lease", "owner": "jane@example.com"} | cells
    return builders.row(HEADER, contract_id=ident, **named)


def frame(*rows: list[object], locale: str = "en_US") -> tuple[pd.DataFrame, list[Problem]]:
    """The contracts frame and Problems of a Contracts tab holding ``rows``."""
    grid: Grid = [HEADER, *rows]
    table = Table.build(CONTRACTS, grid, CONTRACT_COLUMNS, locate_columns)
    return contract_frame(table, Settings(locale=locale, allowed_domains=("example.com",)))


def said(problems: list[Problem]) -> list[tuple[int, str, str]]:
    """Each Problem as (sheet row, column, sentence)."""
    return [(p.row, p.column, p.message) for p in problems]


def test_a_valid_contract_reads_without_a_problem() -> None:
    """ID, name, owner, dates and terms come through typed, with no Problem."""
    found, problems = frame(
        contract(
            end_date="2027-03-31", auto_renew="yes", renewal_term_months=12, notice_period_days=60
        )
    )
    row = found.iloc[0]
    assert problems == []
    assert (row["id"], row["name"], row["row"]) == ("C-1", "Lease", 2)
    assert [a.email for a in row["owners"]] == ["jane@example.com"]
    assert str(row["end"])[:10] == "2027-03-31"
    assert (bool(row["auto_renew"]), row["renewal_term"], row["notice_days"]) == (True, 12, 60)
    assert bool(row["active"]) and not bool(row["ended"])


@pytest.mark.parametrize(
    ("typed", "locale", "amount"),
    [
        ("$1,200,000", "en_US", 1_200_000.0),
        ("1.2M", "en_US", 1_200_000.0),
        ("€ 45.000,00", "de_DE", 45_000.0),
        (45000.5, "en_US", 45000.5),
    ],
)
def test_value_reads_as_an_amount_in_the_trackers_locale(
    typed: object, locale: str, amount: float
) -> None:
    """Currency signs, M for million and the locale's grouping are understood."""
    found, problems = frame(contract(value=typed), locale=locale)
    assert found["value"].tolist() == [amount] and problems == []


@pytest.mark.parametrize(("locale", "amount"), [("de_DE", 500.0), ("en_US", 0.5)])
def test_one_dotted_value_among_undotted_ones_reads_by_the_locale(
    locale: str, amount: float
) -> None:
    """The locale's digit grouping is looked up only for a text with a dot: one such
    Value deep among thousands without one still reads by it (0.500 is 500 in de_DE)."""
    values: list[object] = [f"$ {n},000" for n in range(3000)] + [45000.5]
    values[2500] = "0.500 €"
    found, problems = frame(
        *(contract(f"C-{n}", value=v) for n, v in enumerate(values)), locale=locale
    )
    assert found["value"].iloc[2500] == amount and problems == []
    assert found["value"].iloc[2499] == 2_499_000.0 and found["value"].iloc[-1] == 45000.5


def test_a_value_that_is_no_amount_is_a_problem_and_no_number() -> None:
    """ "about a million" is no amount: the value is empty and the row says so, quoting it."""
    found, problems = frame(contract(value="about a million"))
    assert math.isnan(found["value"].iloc[0])
    assert said(problems) == [(2, "Value", 'Value: "about a million" is not an amount')]


def test_terms_outside_their_range_are_problems() -> None:
    """A 500-month renewal term and a notice period of "soon" are refused, each in words."""
    found, problems = frame(contract(renewal_term_months=500, notice_period_days="soon"))
    assert found["renewal_term"].isna().all() and found["notice_days"].isna().all()
    assert said(problems) == [
        (
            2,
            "Renewal Term (months)",
            'Renewal Term (months): "500" is not a whole number from 1 to 120',
        ),
        (
            2,
            "Notice Period (days)",
            'Notice Period (days): "soon" is not a whole number from 0 to 3650',
        ),
    ]


@pytest.mark.parametrize(("typed", "risk"), [("HIGH", "High"), ("med", "Medium"), ("", "")])
def test_risk_is_read_in_any_case_and_short_form(typed: str, risk: str) -> None:
    """High, Medium (or med) and Low are read in any case; blank is no risk."""
    found, problems = frame(contract(risk=typed))
    assert found["risk"].tolist() == [risk] and problems == []


def test_an_unknown_risk_and_auto_renew_are_problems() -> None:
    """Risk "spicy" and Auto-Renew "perhaps" are each a Problem naming what is allowed."""
    found, problems = frame(contract(risk="spicy", auto_renew="perhaps"))
    assert not bool(found["auto_renew"].iloc[0])
    assert said(problems) == [
        (2, "Auto-Renew", 'Auto-Renew: "perhaps" is not yes or no'),
        (2, "Risk", 'Risk: "spicy" is not High, Medium or Low'),
    ]


@pytest.mark.parametrize(
    ("status", "active", "ended"),
    [
        ("Active", True, False),
        ("Draft", False, False),
        ("In review", False, False),
        ("Terminated", False, True),
        ("expired", False, True),
        ("Superseded", False, True),
    ],
)
def test_contract_status_decides_active_and_ended(status: str, active: bool, ended: bool) -> None:
    """Drafts and contracts in review are not yet active; terminated ones have ended."""
    found, problems = frame(contract(contract_status=status))
    assert (bool(found["active"].iloc[0]), bool(found["ended"].iloc[0])) == (active, ended)
    assert problems == []


def test_an_unknown_contract_status_is_treated_as_active_and_said() -> None:
    """ "On hold" is no status the program knows: the contract stays active, the row says so."""
    found, problems = frame(contract(contract_status="On hold"))
    assert bool(found["active"].iloc[0])
    assert said(problems) == [
        (
            2,
            "Contract Status",
            'Contract Status: "On hold" is not Active, Draft, In review, Terminated, '
            "Expired or Superseded; treated as Active",
        )
    ]


def test_blank_id_name_and_owner_each_say_what_to_fill_in() -> None:
    """A row with only a Department has three Problems telling the person what is missing."""
    _, problems = frame(builders.row(HEADER, department="Legal"))
    assert [(p.column, p.message.split(";")[0]) for p in problems] == [
        ("Contract ID", "Contract ID is blank"),
        ("Contract", "Contract (the name) is blank"),
        ("Owner", "Owner is blank"),
    ]


def test_a_duplicated_contract_id_is_marked_on_both_rows() -> None:
    """Two rows called C-1 are both marked duplicate, so milestones cannot pick one."""
    found, problems = frame(contract("C-1"), contract("C-1"), contract("C-2"))
    assert found["duplicate"].tolist() == [True, True, False]
    assert {p.row for p in problems} == {2, 3}
