"""Milestones + today → Status, Days Left, reminder stage, overdue notice, escalation level.

All column operations: lead-day ladders are handled one distinct ladder at a time.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from .schema import CANCELLED, DONE, DUE_SOON, NEEDS_ATTENTION, OVERDUE, UPCOMING
from .settings import Settings
from .values import factorize_objects

NO_STAGE = -1


def evaluate_milestones(
    milestones: pd.DataFrame, settings: Settings, today: dt.date
) -> pd.DataFrame:
    """Add status, days_left, stage, overdue_n, level, next_reminder columns (a new frame).

    ``stage`` is the current reminder stage in days (``NO_STAGE`` when none),
    ``overdue_n`` the current overdue notice number, ``level`` the escalation level.
    """
    frame = milestones.copy(deep=False)
    days = (frame["due"] - pd.Timestamp(today)).dt.days
    frame["days_left"] = days.astype("Int64")
    d = days.fillna(0).to_numpy(dtype=np.int64)
    stage, max_lead, next_stage = _ladders(frame["lead_days"], d)
    frame["max_lead"] = max_lead
    status = _status(frame, d, max_lead)
    frame["status"] = np.asarray(_STATUSES)[status]
    open_ = status >= _STATUSES.index(OVERDUE)
    overdue = status == _STATUSES.index(OVERDUE)
    frame["stage"] = np.where(open_ & (d >= 0), stage, NO_STAGE)
    o = np.where(overdue, -d, 0)
    repeat = settings.overdue_repeat
    frame["overdue_n"] = np.where(overdue, (o - 1) // repeat, NO_STAGE)
    thresholds = np.asarray(sorted(settings.escalate_after) or [10**6], dtype=np.int64)
    level = np.searchsorted(thresholds, o, side="right")
    frame["level"] = np.where(overdue, level, 0)
    frame["next_reminder"] = _next_reminder(
        frame, d, o, next_stage, thresholds, repeat, open_, today
    )
    return frame


def _ladders(lead_days: pd.Series, d: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row: current stage (smallest reached lead), largest lead, next lead still ahead."""
    stage = np.full(len(d), NO_STAGE, dtype=np.int64)
    max_lead = np.zeros(len(d), dtype=np.int64)
    next_stage = np.full(len(d), NO_STAGE, dtype=np.int64)
    codes, ladders = factorize_objects(lead_days.to_numpy(dtype=object))
    codes = np.where(codes < 0, len(ladders), codes)  # NaN: no ladder
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(ladders) + 2))
    for code, ladder in enumerate([*ladders, None]):
        rows = order[bounds[code] : bounds[code + 1]]
        lead = np.asarray(sorted(_as_tuple(ladder)) or [0], dtype=np.int64)
        at = np.searchsorted(lead, d[rows], side="left")
        reached = (d[rows] >= 0) & (at < len(lead))
        stage[rows] = np.where(reached, lead[np.minimum(at, len(lead) - 1)], NO_STAGE)
        max_lead[rows] = lead[-1]
        ahead = at - 1
        next_stage[rows] = np.where(ahead >= 0, lead[np.maximum(ahead, 0)], NO_STAGE)
    return stage, max_lead, next_stage


def _as_tuple(value: object) -> tuple[int, ...]:
    return tuple(value) if isinstance(value, tuple | list) else ()


# np.select's choices, by code; the open statuses last so ``code >= OVERDUE`` means open
_STATUSES = (CANCELLED, DONE, NEEDS_ATTENTION, OVERDUE, DUE_SOON, UPCOMING)


def _status(frame: pd.DataFrame, d: np.ndarray, max_lead: np.ndarray) -> np.ndarray:
    conditions = [
        frame["cancelled"].to_numpy(dtype=bool),
        frame["done"].to_numpy(dtype=bool),
        frame["blocked"].to_numpy(dtype=bool),
        d < 0,
        d <= max_lead,
    ]
    return np.select(conditions, list(range(5)), 5)


def _next_reminder(
    frame: pd.DataFrame,
    d: np.ndarray,
    o: np.ndarray,
    next_stage: np.ndarray,
    thresholds: np.ndarray,
    repeat: int,
    open_: np.ndarray,
    today: dt.date,
) -> pd.Series:
    """The first day after today on which this milestone's next email is due."""
    due = frame["due"].to_numpy(dtype="datetime64[D]")
    day = np.timedelta64(1, "D")
    before = np.where(next_stage >= 0, due - next_stage * day, due + day)
    after_notice = due + (((o - 1) // repeat + 1) * repeat + 1) * day
    upcoming_level = thresholds[
        np.minimum(np.searchsorted(thresholds, o, side="right"), len(thresholds) - 1)
    ]
    after_level = np.where(upcoming_level > o, due + upcoming_level * day, after_notice)
    overdue = np.minimum(after_notice, after_level)
    when = np.where(d >= 0, before, overdue)
    when = np.where(open_, when, np.datetime64("NaT"))
    return pd.Series(when.astype("datetime64[ns]"), index=frame.index)
