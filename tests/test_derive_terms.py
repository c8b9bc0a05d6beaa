"""Contract terms alone (``derive.term_dates``, ``derive.effective_due``): Term End rolled by
Auto-Renew, the Notice Deadline before it, a rolled term that stands, weekend deadlines."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

import builders
from conftest import tracker_grids
from sheetsync.cells.dates import to_serial
from sheetsync.derive import add_months_array, effective_due, term_dates
from sheetsync.derive.inputs import written_term_ends
from sheetsync.model import Snapshot
from sheetsync.normalize import normalize
from sheetsync.normalize.settings import WEEKEND_PREVIOUS, Settings
from sheetsync.schema import CONTRACT_COLUMNS

HEADER = [c.name for c in CONTRACT_COLUMNS]
TODAY = dt.date(2027, 3, 1)


def contracts(*rows: list[object]) -> pd.DataFrame:
    """The normalized contracts frame of a tracker with these Contracts rows."""
    grids = {
        "Contracts": [HEADER, *rows],
        "Milestones": [["Milestone ID", "Contract ID", "Milestone", "Due Date"]],
    }
    return normalize(Snapshot("Tracker", grids)).contracts


def contract(ident: str, end: dt.date, **cells: object) -> list[object]:
    """A contract of ann@example.com ending on ``end``."""
    return builders.row(
        HEADER, contract_id=ident, contract="x", owner="ann@example.com", end_date=end, **cells
    )


def days(frame: pd.DataFrame, column: str) -> list[str]:
    """A date column as ISO days ("NaT" where none)."""
    return [str(v)[:10] for v in frame[column]]


def test_a_fixed_term_ends_on_its_end_date_with_notice_before_it() -> None:
    """No Auto-Renew: Term End is the End Date, the Notice Deadline 90 days before."""
    found = term_dates(
        contracts(contract("C-1", dt.date(2027, 6, 30), notice_period_days=90)), TODAY
    )
    assert days(found, "term_end") == ["2027-06-30"]
    assert days(found, "notice_deadline") == ["2027-04-01"]


def test_an_auto_renewing_term_that_passed_rolls_to_the_next_end() -> None:
    """Ended 2026-01-31, renewing by 12 months: as of 2027-03-01 the term ends 2028-01-31."""
    row = contract("C-1", dt.date(2026, 1, 31), auto_renew="yes", renewal_term_months=12)
    assert days(term_dates(contracts(row), TODAY), "term_end") == ["2028-01-31"]


def test_a_rolled_term_keeps_the_end_of_month() -> None:
    """Ended 2026-11-30, renewing quarterly: the next end is 2027-05-30 (no 31st invented)."""
    row = contract("C-1", dt.date(2026, 11, 30), auto_renew="yes", renewal_term_months=3)
    assert days(term_dates(contracts(row), TODAY), "term_end") == ["2027-05-30"]


def test_a_term_ending_today_is_not_rolled_yet() -> None:
    """The end date is today: the term still ends today."""
    row = contract("C-1", TODAY, auto_renew="yes", renewal_term_months=12)
    assert days(term_dates(contracts(row), TODAY), "term_end") == [TODAY.isoformat()]


def test_a_term_the_program_rolled_stands_when_auto_renew_is_switched_off() -> None:
    """Written Term End 2028-01-31 is End Date + 24 months: it stands after Auto-Renew goes off."""
    row = contract("C-1", dt.date(2026, 1, 31), auto_renew="no", renewal_term_months=12)
    written = {"C-1": dt.date(2028, 1, 31)}
    assert days(term_dates(contracts(row), TODAY, written), "term_end") == ["2028-01-31"]


def test_a_written_term_end_that_is_no_roll_does_not_count() -> None:
    """End Date amended since: a written Term End that is not a whole-term roll is ignored."""
    row = contract("C-1", dt.date(2027, 9, 30), renewal_term_months=12)
    written = {"C-1": dt.date(2028, 1, 31)}
    assert days(term_dates(contracts(row), TODAY, written), "term_end") == ["2027-09-30"]


def test_ended_and_draft_contracts_have_no_term_dates() -> None:
    """Terminated and Draft contracts get no Term End nor Notice Deadline."""
    found = term_dates(
        contracts(
            contract(
                "C-1", dt.date(2027, 6, 30), notice_period_days=30, contract_status="Terminated"
            ),
            contract("C-2", dt.date(2027, 6, 30), notice_period_days=30, contract_status="Draft"),
        ),
        TODAY,
    )
    assert days(found, "term_end") == ["NaT", "NaT"]
    assert days(found, "notice_deadline") == ["NaT", "NaT"]


def test_adding_months_clamps_to_the_month_end() -> None:
    """31 January + 1 month is 28 February; + 13 months in a leap year is 29 February."""
    start = np.asarray(["2027-01-31", "2027-01-31"], dtype="datetime64[D]")
    added = add_months_array(start, np.asarray([1, 13]))
    assert [str(d) for d in added] == ["2027-02-28", "2028-02-29"]


@pytest.mark.parametrize(
    ("weekend", "expected"),
    [
        (WEEKEND_PREVIOUS, ["2027-03-05", "2027-03-05", "2027-03-05", "2027-03-08"]),
        ("as written", ["2027-03-05", "2027-03-06", "2027-03-07", "2027-03-08"]),
    ],
)
def test_a_weekend_deadline_moves_to_the_friday_before_only_when_set(
    weekend: str, expected: list[str]
) -> None:
    """Friday to Monday: with "previous business day" Saturday and Sunday become Friday."""
    due = pd.Series(pd.to_datetime(["2027-03-05", "2027-03-06", "2027-03-07", "2027-03-08"]))
    moved = effective_due(due, Settings(weekend=weekend))
    assert [str(d)[:10] for d in moved] == expected


def test_term_ends_as_last_written_are_dates_by_contract_id() -> None:
    """The Term End column a run wrote, read back: text and serial-number dates become
    dates; a blank or unreadable cell and a row without a Contract ID give nothing."""
    grids = tracker_grids()
    contracts = grids["Contracts"]
    contracts[0] = [*contracts[0], "Term End"]
    contracts[1].append("2027-03-31")
    contracts[2].append(to_serial(dt.date(2028, 1, 15)))
    contracts[3].append("not a date")
    contracts.append(["", "No ID", "Initech", "carol@example.com", "Legal", "", "", "2029-01-01"])
    contracts.append(["C-004", "Blank end", "Initech", "carol@example.com", "Legal", "", "", None])
    snapshot = Snapshot("Tracker", grids)
    ends = written_term_ends(normalize(snapshot), snapshot)
    assert ends == {"C-001": dt.date(2027, 3, 31), "C-002": dt.date(2028, 1, 15)}
    assert list(ends) == ["C-001", "C-002"]
    assert all(type(day) is dt.date for day in ends.values())
