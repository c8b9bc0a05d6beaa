"""The dashboard's figures, from the evaluated Milestones and the Contracts frames (pure).

Every figure counts milestone rows as the Milestones tab shows them after the run (the
program's auto rows included). A milestone with two owners counts for each of them.
Nothing here reads the clock: the run's ``today`` is passed in.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..cells.addresses import Address
from ..schema import DONE, DUE_SOON, NEEDS_ATTENTION, OVERDUE, STATUSES, TERM_TYPES, UPCOMING

OPEN = (OVERDUE, DUE_SOON, UPCOMING, NEEDS_ATTENTION)
PEOPLE_COLUMNS = ("Open", DUE_SOON, OVERDUE, NEEDS_ATTENTION)
TERM_WINDOW = 90  # days ahead for renewals, notice deadlines and expirations
MONTHS = 12
NO_OWNER, NO_DEPARTMENT, NO_COUNTERPARTY = "(no owner)", "(no department)", "(no counterparty)"
Owners = tuple[Address, ...]
TERM_LABELS = {"renewal": "Renewal", "notice": "Notice deadline", "expiration": "Expiration"}


@dataclass
class Figures:
    """What the Dashboard tab shows, as tables of plain values."""

    today: dt.date
    title: str
    by_status: dict[str, int]
    by_owner: pd.DataFrame  # index: owner email; columns: PEOPLE_COLUMNS
    by_department: pd.DataFrame  # index: department; columns: PEOPLE_COLUMNS
    terms: pd.DataFrame  # due, what, contract_id, title, counterparty, owner, value
    at_stake: float  # each contract in ``terms`` counted once
    overdue: pd.DataFrame  # due, days, id, title, contract_id, owner: most overdue first
    reviews: pd.DataFrame  # index: counterparty; columns: reviews, oldest, contracts
    troubled: pd.DataFrame  # contract_id, health, attention, name, problems
    months: pd.DataFrame = field(default_factory=pd.DataFrame)  # index: "Dec 2026"; STATUSES


def dashboard_figures(
    milestones: pd.DataFrame, contracts: pd.DataFrame, today: dt.date, title: str
) -> Figures:
    """Work out every figure the Dashboard shows from the run's frames."""
    owners = _owner_codes(milestones["owners"])
    frame = _joined(milestones, contracts, owners)
    counts = frame["status"].value_counts()
    terms = _terms(frame, today)
    return Figures(
        today=today,
        title=title,
        by_status={status: int(counts.get(status, 0)) for status in OPEN},
        by_owner=_by_people(_exploded_owners(frame, owners), "owner"),
        by_department=_by_people(frame, "department"),
        terms=terms,
        at_stake=_at_stake(terms),
        overdue=_overdue(frame),
        reviews=_reviews(frame),
        troubled=_troubled(frame, contracts),
        months=due_by_month(frame, today),
    )


def _joined(
    milestones: pd.DataFrame, contracts: pd.DataFrame, owners: tuple[np.ndarray, list[Owners]]
) -> pd.DataFrame:
    """Milestones with their contract's counterparty and value (first row per Contract ID).

    Each milestone's contract is looked up once, for both columns."""
    terms = contracts.drop_duplicates("id").set_index("id")
    frame = milestones[["id", "contract_id", "title", "type", "due", "status", "owners"]].copy()
    frame["department"] = milestones["department"].replace("", NO_DEPARTMENT)
    if len(terms):
        at = terms.index.get_indexer(frame["contract_id"])
        frame["counterparty"] = _taken(terms["counterparty"], at, frame.index).fillna("")
        frame["value"] = _taken(terms["value"], at, frame.index)
    else:
        frame["counterparty"] = frame["contract_id"].map(terms["counterparty"]).fillna("")
        frame["value"] = frame["contract_id"].map(terms["value"])
    codes, distinct = owners
    texts = np.array(["; ".join(a.email for a in each) for each in distinct], dtype=object)
    frame["owner"] = texts[codes]
    frame["days"] = milestones["days_left"]
    return frame


def _taken(column: pd.Series, at: np.ndarray, index: pd.Index) -> pd.Series:
    """``column``'s values at positions ``at`` (-1: missing, as ``Series.map`` leaves it)."""
    return pd.Series(column.take(np.maximum(at, 0)).to_numpy(), index=index).where(at >= 0)


def _owner_codes(owners: pd.Series) -> tuple[np.ndarray, list[Owners]]:
    """Each row's owners as a number, and the distinct owner tuples (each worked out once).

    Rows sharing one owners object (as normalize gives them) are matched by identity first,
    so each object is hashed by its addresses once.
    """
    cells = owners.tolist()
    objects = np.fromiter(map(id, cells), np.uint64, len(cells))
    _, firsts, inverse = np.unique(objects, return_index=True, return_inverse=True)
    numbers: dict[Owners, int] = {}
    by_object = [numbers.setdefault(tuple(cells[at]), len(numbers)) for at in firsts.tolist()]
    codes = np.asarray(by_object, dtype=np.int64)[inverse.reshape(-1)]
    return codes, list(numbers)


def _exploded_owners(frame: pd.DataFrame, owners: tuple[np.ndarray, list[Owners]]) -> pd.DataFrame:
    """One row per milestone and owner (status and owner); none under ``(no owner)``."""
    codes, distinct = owners
    people = [[a.email for a in owners] or [NO_OWNER] for owners in distinct]
    sizes = np.array([len(p) for p in people], dtype=np.int64)
    starts = np.cumsum(sizes) - sizes
    flat = np.array([email for p in people for email in p], dtype=object)
    repeats = sizes[codes]
    rows = np.repeat(np.arange(len(codes)), repeats)
    within = np.arange(len(rows)) - np.repeat(np.cumsum(repeats) - repeats, repeats)
    owner = flat[starts[codes][rows] + within]
    return pd.DataFrame({"owner": owner, "status": frame["status"].to_numpy()[rows]})


def _by_people(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    """Open, due soon, overdue and needs-attention counts per ``key``, worst first.

    Counted by numbers (each ``key`` by its place in sorted order, each status by its
    place in ``OPEN``), as a crosstab of the open rows would count them."""
    status = pd.Index(list(OPEN)).get_indexer(frame["status"])
    opened = status >= 0
    keys, names = pd.factorize(frame[key].to_numpy()[opened], sort=True)
    counted = keys >= 0  # a blank key is not counted
    places = keys[counted] * len(OPEN) + status[opened][counted]
    counts = np.bincount(places, minlength=len(names) * len(OPEN)).reshape(-1, len(OPEN))
    table = pd.DataFrame(counts, index=pd.Index(names, name=key), columns=list(OPEN))
    table.columns.name = "status"
    table.insert(0, "Open", table.sum(axis=1))
    table = table[list(PEOPLE_COLUMNS)].astype(int)
    table.index = table.index.astype(str)
    order = np.lexsort(
        (table.index.to_numpy(), -table["Open"], -table[NEEDS_ATTENTION], -table[OVERDUE])
    )
    return table.iloc[order]


def _terms(frame: pd.DataFrame, today: dt.date) -> pd.DataFrame:
    """Open renewals, notice deadlines and expirations due in the next 90 days."""
    days = (frame["due"] - pd.Timestamp(today)).dt.days
    wanted = (
        frame["type"].isin(TERM_TYPES)
        & ~frame["status"].isin([DONE, "Cancelled"])
        & days.between(0, TERM_WINDOW).fillna(False)
    )
    terms = frame[wanted].sort_values(["due", "id"], kind="stable")
    return pd.DataFrame(
        {
            "due": terms["due"].dt.date,
            "what": terms["type"].map(TERM_LABELS),
            "contract_id": terms["contract_id"],
            "title": terms["title"],
            "counterparty": terms["counterparty"],
            "owner": terms["owner"],
            "value": terms["value"],
        }
    ).reset_index(drop=True)


def _at_stake(terms: pd.DataFrame) -> float:
    """The value of the contracts with a term date ahead, each contract once."""
    return float(terms.drop_duplicates("contract_id")["value"].fillna(0).sum())


def _overdue(frame: pd.DataFrame) -> pd.DataFrame:
    """Overdue milestones, most overdue first (then by ID)."""
    late = frame[frame["status"] == OVERDUE].sort_values(["days", "id"], kind="stable")
    return pd.DataFrame(
        {
            "due": late["due"].dt.date,
            "days": -late["days"].astype(int),
            "id": late["id"],
            "title": late["title"],
            "contract_id": late["contract_id"],
            "owner": late["owner"],
        }
    ).reset_index(drop=True)


def _reviews(frame: pd.DataFrame) -> pd.DataFrame:
    """Overdue reviews per counterparty: how many, the oldest due date, which contracts."""
    late = frame[(frame["type"] == "review") & (frame["status"] == OVERDUE)]
    late = late.assign(counterparty=late["counterparty"].replace("", NO_COUNTERPARTY))
    grouped = late.groupby("counterparty", sort=True)
    table = pd.DataFrame(
        {
            "reviews": grouped.size(),
            "oldest": grouped["due"].min().dt.date,
            "contracts": grouped["contract_id"].agg(lambda ids: ", ".join(sorted(set(ids)))),
        }
    )
    return table.sort_values("reviews", ascending=False, kind="stable")


def _troubled(frame: pd.DataFrame, contracts: pd.DataFrame) -> pd.DataFrame:
    """Contracts whose row has a Problem or whose milestones need attention."""
    attention = frame[frame["status"] == NEEDS_ATTENTION]["contract_id"].value_counts()
    counts = contracts["id"].map(attention).fillna(0).astype(int)
    problems = contracts["problems"].astype(str)
    wanted = (problems != "") | (counts > 0)
    return pd.DataFrame(
        {
            "contract_id": contracts["id"][wanted],
            "health": contracts["health"][wanted],
            "attention": counts[wanted],
            "name": contracts["name"][wanted],
            "problems": problems[wanted],
        }
    ).reset_index(drop=True)


def due_by_month(frame: pd.DataFrame, today: dt.date) -> pd.DataFrame:
    """Milestones due in each of the 12 months from today's, counted by status.

    Each row is counted at its month's place (months from today's) and its status's
    place in ``STATUSES``; a row of another status, or undated, is not counted."""
    first = pd.Period(today, freq="M")
    months = pd.period_range(first, periods=MONTHS, freq="M")
    due = pd.DatetimeIndex(frame["due"])
    month = ((due.year - first.year) * 12 + (due.month - first.month)).to_numpy()
    status = pd.Index(list(STATUSES)).get_indexer(frame["status"])
    counted = ~due.isna() & (month >= 0) & (month < MONTHS) & (status >= 0)
    places = month[counted].astype(np.int64) * len(STATUSES) + status[counted]
    counts = np.bincount(places, minlength=MONTHS * len(STATUSES)).reshape(MONTHS, -1)
    table = pd.DataFrame(counts.astype(int), columns=pd.Index(list(STATUSES), name="status"))
    table.index = [month.strftime("%b %Y") for month in months]
    return table
