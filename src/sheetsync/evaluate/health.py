"""Each contract's Health and Next Milestone, from its evaluated milestones."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..approvals.hold import approval_health, in_approval
from ..derive.contract_rows import CONTRACT_AT
from ..schema import DUE_SOON, INACTIVE, NEEDS_ATTENTION, ON_TRACK, OPEN_STATUSES, OVERDUE
from ..values import factorize_objects, filled, iso_days, with_slot

# Health texts by the code ``contract_health`` picks: each row holds one of these objects.
_HEALTH = np.array([INACTIVE, NEEDS_ATTENTION, OVERDUE, DUE_SOON, ON_TRACK], dtype=object)


def contract_health(contracts: pd.DataFrame, milestones: pd.DataFrame) -> pd.DataFrame:
    """Add ``health`` and ``next_milestone`` columns to ``contracts`` (a new frame)."""
    frame = contracts.copy(deep=False)  # copy-on-write: the caller's frame is never changed
    # A few status texts, each one object on every row: told apart by object, then by text.
    status_codes, statuses = factorize_objects(milestones["status"].to_numpy(dtype=object))

    def hits(*wanted: str) -> np.ndarray:
        """Per milestone, whether its status is one of ``wanted``."""
        table = np.zeros(len(statuses) + 1, dtype=bool)  # the last slot: a blank status (-1)
        table[[statuses.index(w) for w in wanted if w in statuses]] = True
        return table[status_codes]

    # Both frames' Contract IDs hashed together, once: each contract's code is its place.
    # Only the milestones Health or Next Milestone reads are hashed (not done ones, say).
    read = np.flatnonzero(hits(NEEDS_ATTENTION, *OPEN_STATUSES))
    if CONTRACT_AT in milestones:  # each row's contract found by derivation: no ID hashed again
        place, codes, count = _contract_codes(frame, milestones[CONTRACT_AT], read)
    else:
        place, codes, count = _factorize_ids(frame["id"], milestones["contract_id"], read)
    counted = codes >= 0  # a blank ID (None, NaN), or a milestone not read: no contract

    attention, overdue, soon = (
        _any_by_contract((codes, count), place, flag & counted)
        for flag in (hits(NEEDS_ATTENTION), hits(OVERDUE), hits(DUE_SOON))
    )
    problems = (
        frame["problems"].to_numpy() != "" if "problems" in frame else np.zeros(len(frame), bool)
    )
    inactive = ~frame["active"].to_numpy(dtype=bool) & ~in_approval(frame)
    health = _HEALTH[np.select([inactive, attention | problems, overdue, soon], [0, 1, 2, 3], 4)]
    frame["health"] = approval_health(frame, health)
    texts = with_slot(_next_by_contract(milestones, (codes, count), hits(*OPEN_STATUSES)), "")
    frame["next_milestone"] = pd.Series(texts[place], index=frame.index, dtype=object, copy=False)
    return frame


def _contract_codes(
    contracts: pd.DataFrame, at: pd.Series, read: np.ndarray
) -> tuple[np.ndarray, np.ndarray, int]:
    """``_factorize_ids`` from each milestone's contract position (``contract_at``).

    A contract's code is the position of the first contract with its ID: its own, but
    for an ID on several rows (normalize's ``duplicate``) or a blank one, the only IDs
    hashed here. A blank ID (None, NaN) has -1, as have a milestone naming no contract
    and one not ``read``.
    """
    ids = contracts["id"].to_numpy(dtype=object)
    place = np.arange(len(ids), dtype=np.int64)
    if "duplicate" in contracts:
        shared = contracts["duplicate"].to_numpy(dtype=bool) | np.asarray(ids == "", dtype=bool)
        shared |= np.asarray(pd.isna(ids), dtype=bool)
    else:  # which IDs repeat is not known: every one is hashed
        shared = np.ones(len(ids), dtype=bool)
    rows = np.flatnonzero(shared)
    if len(rows):
        codes, distinct = pd.factorize(ids[rows])
        first = np.full(len(distinct) + 1, -1, dtype=np.int64)  # the last slot: what -1 reads
        held = np.flatnonzero(codes >= 0)[::-1]  # from the last row up: the first one's stays
        first[codes[held]] = rows[held]
        place[rows] = first[codes]
    found = np.full(len(at), -1, dtype=np.int64)
    found[read] = np.append(place, -1)[at.to_numpy(dtype=np.int64)[read]]  # -1: the slot after
    return place, found, len(ids)


def _factorize_ids(
    contract_ids: pd.Series, named: pd.Series, read: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, int]:
    """Each contract's code, each milestone's Contract ID code, and how many codes there are.

    Only the milestones at positions ``read`` (all when None) are hashed; the others
    have code -1, as a blank ID has.

    The contracts' IDs come first, so every code a milestone holds that is below the
    count names a contract or none. A contract whose ID no milestone names keeps a code
    no milestone holds. A blank milestone ID (None, NaN) has code -1 and a contract
    with such an ID is found nowhere (-1); the pass that tells blanks apart is only
    made when the hashing met one.
    """
    ids = named.to_numpy(dtype=object)
    part = ids if read is None or len(read) == len(ids) else ids[read]
    both = np.concatenate([contract_ids.to_numpy(dtype=object), part])
    codes, distinct = pd.factorize(both)
    place, found = codes[: len(contract_ids)], codes[len(contract_ids) :]
    if len(codes) and codes.min() < 0:  # a blank ID: found nowhere, counted for no contract
        filled = ~np.asarray(pd.isna(contract_ids), dtype=bool)
        place = np.where(filled, place, -1)
    if part is not ids:  # the milestones not read hold -1
        spread = np.full(len(ids), -1, dtype=found.dtype)
        spread[read] = found
        found = spread
    return place, found, len(distinct)


def _any_by_contract(
    grouped: tuple[np.ndarray, int], place: np.ndarray, flag: np.ndarray
) -> np.ndarray:
    """Per contract: whether any of its milestones has ``flag``.

    ``grouped`` is the milestones' Contract ID codes and how many codes there are;
    ``place`` is each contract's code (-1: none).
    """
    codes, count = grouped
    hits = np.zeros(count + 1, dtype=bool)  # the last slot: what -1 reads
    hits[codes[flag]] = True
    return hits[place]


def _next_by_contract(
    milestones: pd.DataFrame, grouped: tuple[np.ndarray, int], is_open: np.ndarray
) -> np.ndarray:
    """The earliest open milestone of each Contract ID: ``Title (2027-03-02)``, "" for none.

    ``grouped`` numbers each milestone's Contract ID (codes, how many IDs); the texts
    are in that numbering. ``is_open`` says which milestones are open.
    """
    codes, count = grouped
    texts = filled(count, "")
    rows = np.flatnonzero(is_open & (codes >= 0))
    if not len(rows):
        return texts
    due = milestones["due"].to_numpy(dtype="datetime64[ns]")
    first = rows[_earliest(due[rows], codes[rows])]
    first_codes = codes[first]
    tied = pd.Series(first_codes).duplicated(keep=False).to_numpy()
    if tied.any():  # the same earliest day twice: the lowest ID comes first
        ids = milestones["id"].to_numpy(dtype=object)
        first = np.concatenate([first[~tied], _lowest_ids(first[tied], first_codes[tied], ids)])
        first_codes = codes[first]
    day = due[first]
    dated = ~np.isnat(day)
    title = milestones["title"].to_numpy(dtype=object)[first[dated]]
    days = iso_days(pd.Series(day[dated])).to_numpy(dtype=object)
    texts[first_codes[dated]] = [f"{t} ({d})" for t, d in zip(title, days, strict=True)]
    return texts


def _lowest_ids(rows: np.ndarray, codes: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Of ``rows`` (in row order; a contract's all due on one day), each contract's row with
    the lowest Milestone ID, the first such row when two share it.

    The few tied rows' IDs are texts (as normalize reads them): compared in one pass,
    without a frame sorted for them. Other cells are sorted as pandas sorts them.
    """
    held = ids[rows].tolist()
    if not all(type(i) is str for i in held):
        by = pd.DataFrame({"id": held, "at": rows, "code": codes})
        return by.sort_values("id", kind="stable").drop_duplicates("code")["at"].to_numpy()
    best: dict[int, tuple[str, int]] = {}
    for code, text, row in zip(codes.tolist(), held, rows.tolist(), strict=True):
        if code not in best or text < best[code][0]:
            best[code] = (text, row)
    return np.asarray([row for _, row in best.values()], dtype=rows.dtype)


def _earliest(due: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Whether each row is due on its contract's earliest day (no date counts as the latest)."""
    never = np.iinfo(np.int64).max
    days = np.where(np.isnat(due), never, due.view(np.int64))
    least = np.full(int(codes.max()) + 1 if len(codes) else 0, never)
    np.minimum.at(least, codes, days)
    return np.asarray(days == least[codes], dtype=bool)
