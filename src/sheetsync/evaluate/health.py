"""Each contract's Health and Next Milestone, from its evaluated milestones."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..approvals.hold import approval_health, in_approval
from ..schema import DUE_SOON, INACTIVE, NEEDS_ATTENTION, ON_TRACK, OPEN_STATUSES, OVERDUE
from ..values import iso_days, with_slot


def contract_health(contracts: pd.DataFrame, milestones: pd.DataFrame) -> pd.DataFrame:
    """Add ``health`` and ``next_milestone`` columns to ``contracts`` (a new frame)."""
    frame = contracts.copy(deep=False)  # copy-on-write: the caller's frame is never changed
    status = milestones["status"].to_numpy()
    # Contract IDs hashed once, for both the flags and the Next Milestone.
    codes, owners = _factorize_ids(milestones["contract_id"])
    # Each contract's ID among them (-1: no milestone names it).
    place = pd.Index(owners).get_indexer(frame["id"]) if len(owners) else np.full(len(frame), -1)
    attention, overdue, soon = _any_by_contract(
        (codes, owners),
        place,
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
    texts = with_slot(_next_by_contract(milestones, (codes, len(owners))), "")
    frame["next_milestone"] = pd.Series(texts[place], index=frame.index, dtype=object)
    return frame


def _factorize_ids(ids: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Codes and distinct IDs, a blank (None, NaN) keeping a code of its own.

    Contract IDs are text, so the pass that looks for blanks first is only made
    when the hashing met one.
    """
    codes, distinct = pd.factorize(ids)
    if len(codes) and codes.min() < 0:
        return pd.factorize(ids, use_na_sentinel=False)
    return codes, distinct


def _any_by_contract(
    grouped: tuple[np.ndarray, pd.Index], place: np.ndarray, flags: list[np.ndarray]
) -> list[np.ndarray]:
    """Per contract: whether any of its milestones has each flag.

    ``grouped`` is the milestones' Contract IDs factorized (codes, distinct IDs);
    ``place`` is each contract's ID among those distinct IDs (-1: none).
    """
    codes, contracts = grouped
    if not len(contracts):
        return [np.zeros(len(place), dtype=bool) for _ in flags]
    counted = ~np.asarray(pd.isna(contracts), dtype=bool)[codes]  # a blank ID: no contract
    found = []
    for flag in flags:
        hits = np.bincount(codes[counted], weights=flag[counted], minlength=len(contracts)) > 0
        found.append(np.where(place >= 0, hits[place], False))
    return found


def _next_by_contract(milestones: pd.DataFrame, grouped: tuple[np.ndarray, int]) -> np.ndarray:
    """The earliest open milestone of each Contract ID: ``Title (2027-03-02)``, "" for none.

    ``grouped`` numbers each milestone's Contract ID (codes, how many IDs); the texts
    are in that numbering.
    """
    codes, count = grouped
    texts = np.full(count, "", dtype=object)
    is_open = milestones["status"].isin(OPEN_STATUSES).to_numpy(dtype=bool)
    open_ = milestones.loc[is_open, ["due", "id", "title"]]
    open_codes = codes[is_open]
    earliest = _earliest(open_["due"], open_codes)
    first, first_codes = open_[earliest], open_codes[earliest]
    tied = pd.Series(first_codes).duplicated(keep=False).to_numpy()
    if tied.any():  # the same earliest day twice: the lowest ID comes first
        resolved = first[tied].assign(code=first_codes[tied])
        resolved = resolved.sort_values(["due", "id"]).drop_duplicates("code")
        first = pd.concat([first[~tied], resolved.drop(columns="code")])
        first_codes = np.concatenate([first_codes[~tied], resolved["code"].to_numpy()])
    text = first["title"] + " (" + iso_days(first["due"], np.nan) + ")"
    texts[first_codes] = text.astype(object).fillna("").to_numpy(dtype=object)
    return texts


def _earliest(dues: pd.Series, codes: np.ndarray) -> np.ndarray:
    """Whether each row is due on its contract's earliest day (no date counts as the latest)."""
    due = dues.to_numpy()
    never = np.iinfo(np.int64).max
    days = np.where(np.isnat(due), never, due.view(np.int64))
    least = np.full(int(codes.max()) + 1 if len(codes) else 0, never)
    np.minimum.at(least, codes, days)
    return np.asarray(days == least[codes], dtype=bool)
