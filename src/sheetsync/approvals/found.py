"""The approval steps a tracker already has: its step rows, read into ``Step``s.

Pure. A step row is an auto row ``{contract}/approval-{n}`` (``records.STEP_ID``); its
approver is the address at the end of its Milestone text (``… by legal@example.com``),
else its Owner. Steps the Log records as cancelled (``records.cancelled_steps``) are
marked cancelled and left out.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..cells.addresses import Address, parse_addresses
from ..derive.changes import RowSource
from .records import STEP_ID, step_rows

_APPROVER = re.compile(r"\bby\s+(?P<who>\S+@\S+?)\s*$", re.IGNORECASE)


@dataclass
class Step:
    """One approval step of a contract: a row of the tab, or one this run adds."""

    number: int
    id: str
    approver: str  # lower-case address; "" when the row no longer says whose step it is
    title: str
    at: int | None = None  # position in the milestones frame; None for a new row
    done: bool = False
    completed_on: dt.date | None = None
    due: dt.date | None = None
    address: Address | None = None  # a new row's approver


def existing_steps(
    frame: pd.DataFrame, gone: set[str], source: RowSource, candidates: np.ndarray | None = None
) -> dict[str, tuple[list[Step], int]]:
    """Per contract: its live steps in order, and the highest step number used so far.

    ``candidates`` is ``records.step_rows(frame)``, when the caller has it.
    """
    found: dict[str, tuple[list[Step], int]] = {}
    rows = step_rows(frame) if candidates is None else candidates
    ids, owners = frame["id"].to_numpy()[rows], frame["contract_id"].to_numpy()[rows]
    for at, mid, contract in zip(frame.index[rows], ids, owners, strict=True):
        match = STEP_ID.match(str(mid))
        if match is None or match["contract"] != contract:
            continue
        steps, top = found.get(match["contract"], ([], 0))
        number = int(match["n"])
        found[match["contract"]] = (steps, max(top, number))
        if mid in gone:
            frame.at[at, "cancelled"] = True
            continue
        steps.append(_read_step(frame, int(at), number, source))
    for steps, _ in found.values():
        steps.sort(key=lambda s: s.number)
    return found


def _read_step(frame: pd.DataFrame, at: int, number: int, source: RowSource) -> Step:
    title = str(frame.at[at, "title"])
    named = _APPROVER.search(title)
    owners = frame.at[at, "owners"] or ()
    approver = named["who"].casefold() if named else (owners[0].email if owners else "")
    if named and "Owner" not in source.headers:  # no Owner column: the title says whose it is
        good, _ = parse_addresses(named["who"])
        frame.at[at, "owners"] = good
        frame.at[at, "blocked"] = frame.at[at, "blocked"] or not good
    due, done_on = frame.at[at, "due"], frame.at[at, "completed_on"]
    return Step(
        number,
        str(frame.at[at, "id"]),
        approver,
        title,
        at,
        bool(frame.at[at, "done"]),
        done_on.date() if pd.notna(done_on) else None,
        due.date() if pd.notna(due) else None,
    )
