"""Steps that wait for an earlier one: Upcoming, nothing sent, "waits for step k" shown.

Pure, on the evaluated milestones frame (``waits_for`` is the number of the step a
row waits for; 0 for every other row).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..schema import DUE_SOON, NEEDS_ATTENTION, OVERDUE, UPCOMING
from .records import STEP_ID, auto_mask

APPROVED_HEALTH = "Approved"


def program_dated(ids: pd.Series, sources: pd.Series) -> np.ndarray:
    """Auto approval steps: their Due Date is the program's, blank while a step waits."""
    auto = auto_mask(sources)
    steps = np.zeros(len(ids), dtype=bool)
    if auto.any():  # only auto rows can be steps: match their IDs alone
        steps[auto] = ids[auto].astype(str).str.match(STEP_ID.pattern).to_numpy(dtype=bool)
    return steps


def hold_waiting(frame: pd.DataFrame) -> pd.DataFrame:
    """Waiting steps are Upcoming with no stage, notice, level, Days Left or reminder date."""
    if "waits_for" not in frame:
        return frame
    waits = frame["waits_for"].to_numpy(dtype=np.int64) > 0
    if not waits.any():  # no step waits: no status to read
        return frame
    waiting = waits & frame["status"].isin([OVERDUE, DUE_SOON, UPCOMING]).to_numpy(dtype=bool)
    if not waiting.any():
        return frame
    frame["status"] = np.where(waiting, UPCOMING, frame["status"].to_numpy(dtype=object))
    for column, quiet in (("stage", -1), ("overdue_n", -1), ("level", 0)):
        frame[column] = np.where(waiting, quiet, frame[column].to_numpy())
    frame["days_left"] = frame["days_left"].mask(pd.Series(waiting, index=frame.index))
    frame["next_reminder"] = frame["next_reminder"].mask(pd.Series(waiting, index=frame.index))
    return frame


def waiting_text(row: Any) -> str | None:
    """The Next Reminder cell of a waiting step, ``waits for step 2``; None for other rows."""
    step = getattr(row, "waits_for", 0)
    if step and row.status == UPCOMING:
        return f"waits for step {int(step)}"
    return None


def approval_health(contracts: pd.DataFrame, health: np.ndarray) -> np.ndarray:
    """Contracts whose approval steps are all done are Approved, unless they need attention."""
    if "approval" not in contracts:
        return health
    approved = np.asarray(_approval(contracts) == "approved", dtype=bool)
    if not approved.any():  # none approved (most runs): every Health as it is, none compared
        return health
    return np.where(approved & (health != NEEDS_ATTENTION), APPROVED_HEALTH, health)


def in_approval(contracts: pd.DataFrame) -> np.ndarray:
    """Which contracts have approval steps (their Health follows them, not Inactive)."""
    if "approval" not in contracts:
        return np.zeros(len(contracts), dtype=bool)
    return np.asarray(_approval(contracts) != "", dtype=bool)


def _approval(contracts: pd.DataFrame) -> np.ndarray:
    """Each contract's approval state (texts, "" for none) as plain objects: numpy compares
    them about three times quicker than the column's own comparison."""
    return contracts["approval"].to_numpy(dtype=object)
