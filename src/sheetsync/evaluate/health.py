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
    attention, overdue, soon = _any_by_contract(
        milestones["contract_id"],
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
        frame["id"].map(_next_by_contract(milestones)).astype(object).fillna("")
    )
    return frame


def _any_by_contract(
    owners: pd.Series, ids: pd.Series, flags: list[np.ndarray]
) -> list[np.ndarray]:
    """Per contract ID in ``ids``: whether any of its milestones (``owners``) has each flag."""
    codes, contracts = pd.factorize(owners)
    if not len(contracts):
        return [np.zeros(len(ids), dtype=bool) for _ in flags]
    place = pd.Index(contracts).get_indexer(ids)
    counted = codes >= 0
    found = []
    for flag in flags:
        hits = np.bincount(codes[counted], weights=flag[counted], minlength=len(contracts)) > 0
        found.append(np.where(place >= 0, hits[place], False))
    return found


def _next_by_contract(milestones: pd.DataFrame) -> pd.Series:
    """The earliest open milestone of each contract: ``Title (2027-03-02)``."""
    open_ = milestones[milestones["status"].isin(OPEN_STATUSES)]
    first = open_[_earliest(open_)]
    tied = first["contract_id"].duplicated(keep=False).to_numpy()
    if tied.any():  # the same earliest day twice: the lowest ID comes first
        resolved = first[tied].sort_values(["due", "id"]).drop_duplicates("contract_id")
        first = pd.concat([first[~tied], resolved])
    text = first["title"] + " (" + iso_days(first["due"], np.nan) + ")"
    return pd.Series(text.to_numpy(), index=first["contract_id"].to_numpy())


def _earliest(open_: pd.DataFrame) -> np.ndarray:
    """Whether each row is due on its contract's earliest day (no date counts as the latest)."""
    codes, _ = pd.factorize(open_["contract_id"], use_na_sentinel=False)
    due = open_["due"].to_numpy()
    never = np.iinfo(np.int64).max
    days = np.where(np.isnat(due), never, due.view(np.int64))
    least = np.full(int(codes.max()) + 1 if len(codes) else 0, never)
    np.minimum.at(least, codes, days)
    return np.asarray(days == least[codes], dtype=bool)
