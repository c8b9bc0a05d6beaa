"""Each contract's Health and Next Milestone, from its evaluated milestones."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..approvals.hold import approval_health, in_approval
from ..schema import DUE_SOON, INACTIVE, NEEDS_ATTENTION, ON_TRACK, OPEN_STATUSES, OVERDUE
from ..values import iso_days


def contract_health(contracts: pd.DataFrame, milestones: pd.DataFrame) -> pd.DataFrame:
    """Add ``health`` and ``next_milestone`` columns to ``contracts`` (a new frame)."""
    frame = contracts.copy()
    status = milestones["status"].to_numpy()
    # Contract IDs hashed once, for both the flags and the Next Milestone.
    codes, owners = pd.factorize(milestones["contract_id"], use_na_sentinel=False)
    attention, overdue, soon = _any_by_contract(
        (codes, owners),
        frame["id"],
        [status == NEEDS_ATTENTION, status == OVERDUE, status == DUE_SOON],
    )
    problems = (
        frame["problems"].to_numpy() != "" if "problems" in frame else np.zeros(len(frame), bool)
    )
    inactive = ~frame["active"].to_numpy(dtype=bool) & ~in_approval(frame)
    health = np.select(
        [inactive, attention | problems, overdue, soon],
        [INACTIVE, NEEDS_ATTENTION, OVERDUE, DUE_SOON],
        ON_TRACK,
    )
    frame["health"] = approval_health(frame, health)
    frame["next_milestone"] = (
        frame["id"].map(_next_by_contract(milestones, codes)).astype(object).fillna("")
    )
    return frame


def _any_by_contract(
    grouped: tuple[np.ndarray, pd.Index], ids: pd.Series, flags: list[np.ndarray]
) -> list[np.ndarray]:
    """Per contract ID in ``ids``: whether any of its milestones has each flag.

    ``grouped`` is the milestones' Contract IDs factorized (codes, distinct IDs).
    """
    codes, contracts = grouped
    if not len(contracts):
        return [np.zeros(len(ids), dtype=bool) for _ in flags]
    place = pd.Index(contracts).get_indexer(ids)
    counted = ~np.asarray(pd.isna(contracts), dtype=bool)[codes]  # a blank ID: no contract
    found = []
    for flag in flags:
        hits = np.bincount(codes[counted], weights=flag[counted], minlength=len(contracts)) > 0
        found.append(np.where(place >= 0, hits[place], False))
    return found


def _next_by_contract(milestones: pd.DataFrame, codes: np.ndarray) -> pd.Series:
    """The earliest open milestone of each contract: ``Title (2027-03-02)``.

    ``codes`` numbers each milestone's Contract ID.
    """
    is_open = milestones["status"].isin(OPEN_STATUSES).to_numpy(dtype=bool)
    open_ = milestones.loc[is_open, ["contract_id", "due", "id", "title"]]
    first = open_[_earliest(open_["due"], codes[is_open])]
    tied = first["contract_id"].duplicated(keep=False).to_numpy()
    if tied.any():  # the same earliest day twice: the lowest ID comes first
        resolved = first[tied].sort_values(["due", "id"]).drop_duplicates("contract_id")
        first = pd.concat([first[~tied], resolved])
    text = first["title"] + " (" + iso_days(first["due"], np.nan) + ")"
    return pd.Series(text.to_numpy(), index=first["contract_id"].to_numpy())


def _earliest(dues: pd.Series, codes: np.ndarray) -> np.ndarray:
    """Whether each row is due on its contract's earliest day (no date counts as the latest)."""
    due = dues.to_numpy()
    never = np.iinfo(np.int64).max
    days = np.where(np.isnat(due), never, due.view(np.int64))
    least = np.full(int(codes.max()) + 1 if len(codes) else 0, never)
    np.minimum.at(least, codes, days)
    return np.asarray(days == least[codes], dtype=bool)
