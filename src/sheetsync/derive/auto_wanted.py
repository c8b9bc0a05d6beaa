"""The auto milestones the contracts' terms call for, as columns: notice, expiry and review.

Pure. Notice and expiry rows are built column-wise for every usable contract at once;
only contracts with a review cadence are visited one by one (their occurrence depends
on the row already in the sheet and on the Log). An ``AutoRow`` object is made only for
a row the run has to move or re-plan (``Wanted.row``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..cells.recurrence import Rule, parse_rule
from ..keys import cancelled_key
from ..problems import Problem
from ..schema import CANCELLED, CONTRACTS
from ..values import filled
from .changes import DeriveContext, Derived, status_shown

RISK_CADENCE = {"High": "quarterly", "Medium": "semiannual", "Low": "annual"}
_KINDS = (("notice", "notice"), ("expiry", "expiration"), ("review", "review"))  # suffix, type
TYPES = np.array([t for _, t in _KINDS], dtype=object)  # each kind's Type, by its number
_SLASHED = np.array([f"/{s}" for s, _ in _KINDS], dtype=object)  # what a kind's ID ends with
_TERMS = ("id", "name", "owners", "department", "row", "auto_renew", "review_every", "risk")
_DAYS = ("notice_deadline", "term_end", "start")


@dataclass(frozen=True)
class AutoRow:
    """A milestone a contract's terms call for: its notice, expiry or review row."""

    contract: Any  # the contract's row (a namedtuple of the contracts frame)
    suffix: str
    type: str
    title: str
    due: dt.date
    repeat: str = ""
    replanned: bool = False  # the review cadence changed: Repeat (and title) follow it

    @property
    def id(self) -> str:
        """The auto milestone's ID."""
        return f"{self.contract.id}/{self.suffix}"


@dataclass(frozen=True)
class Wanted:
    """The wanted auto rows in the order the terms list them (by contract, then kind).

    ``at`` is each row's contract as a position in ``contracts`` (only usable contracts
    have rows); ``kind`` each row's kind as a number (notice 0, expiry 1, review 2: its
    place in ``TYPES``); every other field is one value per wanted row; ``due`` is
    ``datetime64[D]``.
    """

    contracts: pd.DataFrame
    at: np.ndarray
    kind: np.ndarray
    title: np.ndarray
    due: np.ndarray
    repeat: np.ndarray
    replanned: np.ndarray

    @property
    def ids(self) -> np.ndarray:
        """Each wanted row's Milestone ID, as an object array (the new rows' column as it is)."""
        contract_ids = self.contracts["id"].to_numpy(dtype=object)[self.at]
        return contract_ids + _SLASHED.take(self.kind)  # texts (as normalize reads IDs), joined

    def column(self, name: str) -> np.ndarray:
        """A contract column, one value per wanted row."""
        return self.contracts[name].to_numpy(dtype=object)[self.at]

    def row(self, i: int) -> AutoRow:
        """Wanted row ``i`` as one object (for the few rows the run moves or re-plans)."""
        contract = _terms(self.contracts.iloc[[int(self.at[i])]])
        return AutoRow(
            next(contract.itertuples(index=False)),
            _KINDS[self.kind[i]][0],
            _KINDS[self.kind[i]][1],
            str(self.title[i]),
            self.due[i].astype(object),
            str(self.repeat[i]),
            bool(self.replanned[i]),
        )


def review_rule(contract: Any) -> tuple[str, Rule | None]:
    """The contract's review cadence text and rule: Review Every, else by Risk."""
    text = str(contract.review_every or RISK_CADENCE.get(contract.risk, ""))
    rule = parse_rule(text) if text else None
    return text, rule if isinstance(rule, Rule) else None


def usable(contracts: pd.DataFrame) -> pd.Series:
    """Contracts whose terms call for auto rows: active, with an ID, not a duplicate."""
    return contracts["active"] & has_id(contracts) & ~contracts["duplicate"]


def has_id(contracts: pd.DataFrame) -> pd.Series:
    """Contracts with an ID (not ""), compared as plain objects: the IDs are texts, and
    numpy's comparison is about three times quicker than the column's own."""
    named = contracts["id"].to_numpy(dtype=object) != ""
    return pd.Series(named, index=contracts.index, copy=False)


def desired(derived: Derived, existing: dict[str, int], context: DeriveContext) -> Wanted:
    """The auto milestones each usable contract's terms call for, with their due dates.

    A Review Every that is no cadence is a Problem added to ``derived``.
    """
    contracts = derived.contracts
    # The usable contracts' positions: their cells read there, not copied into a frame first.
    among = np.flatnonzero(usable(contracts).to_numpy(dtype=bool))
    parts = [
        _notice(contracts, among),
        _expiry(contracts, among),
        _reviews((contracts, among), derived, existing, context),
    ]
    at = np.concatenate([p[0] for p in parts])
    kind = np.concatenate([np.full(len(p[0]), k) for k, p in enumerate(parts)])
    if sum(len(p[0]) > 0 for p in parts) > 1:  # one kind alone is in contract order already
        order = np.lexsort((kind, at))
        at, kind = at[order], kind[order]
        field = [np.concatenate([p[i] for p in parts])[order] for i in range(1, 5)]
    else:
        field = [np.concatenate([p[i] for p in parts]) for i in range(1, 5)]
    return Wanted(contracts, at, kind, *field)


_Part = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _part(at: np.ndarray, titles: np.ndarray, due: np.ndarray) -> _Part:
    """Positions, titles, due days, blank Repeat, not re-planned."""
    n = len(at)
    return at, titles, due, filled(n, ""), np.zeros(n, dtype=bool)


# The notice title's ending, by whether the contract renews by itself.
_RENEWS = np.array(["", " so it does not renew"], dtype=object)


def _notice(contracts: pd.DataFrame, among: np.ndarray) -> _Part:
    """The notice rows of the contracts at ``among`` that have a Notice Deadline."""
    deadline = contracts["notice_deadline"].to_numpy(dtype="datetime64[D]")[among]
    dated = ~np.isnat(deadline)
    at = among[dated]
    names = contracts["name"].to_numpy(dtype=object)[at]  # texts, as normalize reads them
    renews = contracts["auto_renew"].to_numpy(dtype=bool)[at]
    # Joined as one column step (each name's own str +), not an f-string per contract.
    titles = "Last day to give notice on " + names + _RENEWS.take(renews.view(np.int8))
    return _part(at, titles, deadline[dated])


def _expiry(contracts: pd.DataFrame, among: np.ndarray) -> _Part:
    """The expiry rows of the contracts at ``among`` that have a Term End."""
    end = contracts["term_end"].to_numpy(dtype="datetime64[D]")[among]
    dated = ~np.isnat(end)
    at = among[dated]
    titles = contracts["name"].to_numpy(dtype=object)[at] + ": term ends"  # texts, joined
    return _part(at, titles, end[dated])


def _reviews(
    usable: tuple[pd.DataFrame, np.ndarray],
    derived: Derived,
    existing: dict[str, int],
    context: DeriveContext,
) -> _Part:
    """The review rows, contract by contract, for the usable contracts with a cadence text.

    ``usable`` is the contracts and the usable ones' positions.
    """
    contracts, among = usable
    # A cadence text: Review Every when filled in (any truthy cell), else the Risk's.
    every = contracts["review_every"].to_numpy(dtype=object)[among].astype(bool)
    cadenced = [risk for risk, cadence in RISK_CADENCE.items() if cadence]
    by_risk = contracts["risk"].isin(cadenced).to_numpy(dtype=bool)[among]
    candidates = among[every | by_risk]
    if not len(candidates):  # no contract has a cadence: none is read row by row
        return _part(candidates, np.empty(0, dtype=object), np.empty(0, dtype="datetime64[D]"))
    at: list[int] = []
    rows: list[AutoRow] = []
    read = _terms(contracts.iloc[candidates])
    for i, c in zip(candidates, read.itertuples(index=False), strict=True):
        text, rule = review_rule(c)
        if rule is not None:
            here = existing.get(f"{c.id}/review")
            rows.append(_review(c, (text, rule), here, derived.milestones, context))
            at.append(int(i))
        elif c.review_every:
            reason = "is not a cadence (try Quarterly, Annual or every 6 months); no review row"
            message = f'Review Every: "{text[:60]}" {reason}'
            derived.problems.append(Problem(CONTRACTS, int(c.row), "Review Every", message))
    due = np.array([r.due for r in rows], dtype="datetime64[D]")
    return (
        np.array(at, dtype=np.int64),
        np.array([r.title for r in rows], dtype=object),
        due,
        np.array([r.repeat for r in rows], dtype=object),
        np.array([r.replanned for r in rows], dtype=bool),
    )


def _terms(contracts: pd.DataFrame) -> pd.DataFrame:
    """Contracts' columns auto rows read; dates as plain days, None when blank."""
    columns = {name: contracts[name] for name in _TERMS}
    for name in _DAYS:
        days = contracts[name].dt.date.to_numpy(dtype=object, copy=True)
        days[contracts[name].isna().to_numpy(dtype=bool)] = None
        columns[name] = pd.Series(days, index=contracts.index, dtype=object)
    return pd.DataFrame(columns)


def _review(
    c: Any, cadence: tuple[str, Rule], at: int | None, frame: pd.DataFrame, context: DeriveContext
) -> AutoRow:
    """The review row's occurrence: kept while the cadence holds, else planned once anew.

    ``cadence`` is the Review Every text and its rule; ``at`` the review row's place in
    ``frame``, if it has one.

    A new or re-planned review (or one back after it was cancelled) starts at the first
    occurrence on or after today later than any already done; when only the cadence
    changed, an overdue one stays overdue.
    """
    (text, rule), today, history = cadence, context.today, context.history
    title = f"Review {c.name} ({text})"
    current = frame["due"].iat[at] if at is not None else pd.NaT
    if at is not None and pd.notna(current):
        changed = frame["repeat"].iat[at] != text
        overdue = current.date() < today and not frame["done"].iat[at]
        key = cancelled_key(f"{c.id}/review", current.date().isoformat())
        cancelled = key in history.recorded or status_shown(frame, at, CANCELLED)
        if not cancelled and (not changed or overdue):
            return AutoRow(c, "review", "review", title, current.date(), text, changed)
    day = today
    done = history.last_done.get(f"{c.id}/review")
    if done is not None and done >= day:
        day = done + dt.timedelta(days=1)
    start = c.start if c.start is not None else today
    due = rule.on_or_after(start, day) or day
    replanned = at is not None and frame["repeat"].iat[at] != text
    return AutoRow(c, "review", "review", title, due, text, replanned)
