"""The Dashboard's tables counted by numbers give what plain pandas gives (crosstab, map).

``dashboard.figures`` counts owners, departments and months by their places rather than
by ``pd.crosstab``, and looks each milestone's contract up once: these tests hold them to
the plain pandas spelling of the same tables, on frames with the awkward rows a tracker
holds (blank keys, statuses no table counts, undated rows, contracts not found or listed
twice, no open row at all).
"""

from __future__ import annotations

import datetime as dt
import random

import numpy as np
import pandas as pd
import pytest

from sheetsync.cells.addresses import Address
from sheetsync.dashboard import figures
from sheetsync.dashboard.figures import OPEN, PEOPLE_COLUMNS, due_by_month
from sheetsync.schema import NEEDS_ATTENTION, OVERDUE, STATUSES

TODAY = dt.date(2026, 12, 1)


def _by_people_crosstab(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    open_ = frame[frame["status"].isin(OPEN)]
    table = pd.crosstab(open_[key], open_["status"]).reindex(columns=list(OPEN), fill_value=0)
    table.insert(0, "Open", table.sum(axis=1))
    table = table[list(PEOPLE_COLUMNS)].astype(int)
    table.index = table.index.astype(str)
    order = np.lexsort(
        (table.index.to_numpy(), -table["Open"], -table[NEEDS_ATTENTION], -table[OVERDUE])
    )
    return table.iloc[order]


def _months_crosstab(frame: pd.DataFrame, today: dt.date) -> pd.DataFrame:
    first = pd.Period(today, freq="M")
    months = pd.period_range(first, periods=12, freq="M")
    dated = frame[frame["due"].notna()]
    period = dated["due"].dt.to_period("M")
    inside = dated[period.between(months[0], months[-1])]
    table = pd.crosstab(inside["due"].dt.to_period("M"), inside["status"])
    table = table.reindex(index=months, columns=list(STATUSES), fill_value=0).astype(int)
    table.index = [month.strftime("%b %Y") for month in months]
    return table


def _frame(seed: int, rows: int, statuses: list[str]) -> pd.DataFrame:
    rng = random.Random(seed)
    start = pd.Timestamp(TODAY) - pd.Timedelta(days=60)
    dues = [
        None if rng.random() < 0.1 else start + pd.Timedelta(days=rng.randrange(500))
        for _ in range(rows)
    ]
    return pd.DataFrame(
        {
            "status": pd.Series([rng.choice(statuses) for _ in range(rows)], dtype="str"),
            "department": pd.Series(
                [rng.choice(["Legal", "IT", "", "Sales"]) for _ in range(rows)], dtype="str"
            ),
            "owner": np.array(
                [rng.choice(["b@x.org", "a@x.org", "(no owner)", "c@x.org"]) for _ in range(rows)],
                dtype=object,
            ),
            "due": pd.to_datetime(dues),
        }
    )


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("key", ["owner", "department"])
def test_people_counted_by_numbers_equal_a_crosstab(seed, key):
    frame = _frame(seed, 400, [*STATUSES, "Odd"])
    pd.testing.assert_frame_equal(
        figures._by_people(frame, key), _by_people_crosstab(frame, key), check_exact=True
    )


def test_people_with_no_open_row_give_an_empty_table_of_the_same_columns():
    frame = _frame(1, 50, ["Done", "Cancelled"])
    table = figures._by_people(frame, "department")
    assert table.empty
    assert list(table.columns) == list(PEOPLE_COLUMNS)


def test_a_blank_key_is_not_counted():
    frame = _frame(2, 30, list(OPEN))
    frame["owner"] = np.array([None] * 10 + ["a@x.org"] * 20, dtype=object)
    table = figures._by_people(frame, "owner")
    assert table.index.tolist() == ["a@x.org"]
    assert int(table["Open"].iloc[0]) == 20


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("today", [TODAY, dt.date(2026, 1, 31), dt.date(2027, 2, 28)])
def test_months_counted_by_numbers_equal_a_crosstab(seed, today):
    frame = _frame(seed, 600, [*STATUSES, "Odd"])
    pd.testing.assert_frame_equal(
        due_by_month(frame, today), _months_crosstab(frame, today), check_exact=True
    )


def test_months_at_their_edges_and_undated_rows():
    dues = ["2026-11-30 23:00", "2026-12-01 00:00", "2027-11-30 23:59", "2027-12-01 00:00", None]
    frame = pd.DataFrame({"due": pd.to_datetime(dues), "status": ["Done"] * 5})
    table = due_by_month(frame, TODAY)
    assert int(table.loc["Dec 2026", "Done"]) == 1
    assert int(table.loc["Nov 2027", "Done"]) == 1
    assert int(table.to_numpy().sum()) == 2
    pd.testing.assert_frame_equal(table, _months_crosstab(frame, TODAY), check_exact=True)


def test_each_milestone_gets_its_contracts_first_row_or_nothing():
    milestones = pd.DataFrame(
        {
            "id": ["M1", "M2", "M3", "M4"],
            "contract_id": ["C1", "C9", "C2", None],
            "title": ["a", "b", "c", "d"],
            "type": ["review"] * 4,
            "due": pd.to_datetime(["2026-12-05"] * 4),
            "status": ["Upcoming"] * 4,
            "owners": [(Address("A", "a@x.org"),), (), (), ()],
            "department": ["Legal", "", "IT", ""],
            "days_left": pd.array([4, 4, 4, 4], dtype="Int64"),
        }
    )
    contracts = pd.DataFrame(
        {
            "id": ["C1", "C2", "C1"],
            "counterparty": ["Acme", "Bolt", "Later"],
            "value": [100.0, np.nan, 5.0],
        }
    )
    frame = figures._joined(milestones, contracts, figures._owner_codes(milestones["owners"]))
    assert frame["counterparty"].tolist() == ["Acme", "", "Bolt", ""]
    assert frame["value"].iloc[0] == 100.0 and frame["value"].iloc[1:].isna().all()
    terms = contracts.drop_duplicates("id").set_index("id")
    expected = milestones["contract_id"].map(terms["value"])
    pd.testing.assert_series_equal(frame["value"], expected, check_names=False)
