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
    status = milestones["status"]
    worst = (
        pd.DataFrame(
            {
                "contract_id": milestones["contract_id"],
                "attention": status == NEEDS_ATTENTION,
                "overdue": status == OVERDUE,
                "soon": status == DUE_SOON,
            }
        )
        .groupby("contract_id")
        .any()
    )
    flags = worst.reindex(frame["id"]).fillna(False)
    attention, overdue, soon = (
        flags[name].to_numpy(dtype=bool) for name in ("attention", "overdue", "soon")
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


def _next_by_contract(milestones: pd.DataFrame) -> pd.Series:
    """The earliest open milestone of each contract: ``Title (2027-03-02)``."""
    open_ = milestones[milestones["status"].isin(OPEN_STATUSES)]
    # Only each contract's earliest rows can come first: sort those, not every open row.
    earliest = open_.groupby("contract_id")["due"].transform("min")
    first = open_[open_["due"] == earliest]
    first = first.sort_values(["due", "id"]).drop_duplicates("contract_id")
    text = first["title"] + " (" + iso_days(first["due"], np.nan) + ")"
    return pd.Series(text.to_numpy(), index=first["contract_id"].to_numpy())
