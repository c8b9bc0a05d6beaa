"""Milestones + today → Status, Days Left, reminder stage, overdue notice, escalation level.

All column operations: lead-day ladders are handled one distinct ladder at a time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from ..approvals.hold import hold_waiting
from ..normalize.settings import Settings
from ..schema import CANCELLED, DONE, DUE_SOON, NEEDS_ATTENTION, OVERDUE, UPCOMING
from ..values import factorize_objects

NO_STAGE = -1


def evaluate_milestones(
    milestones: pd.DataFrame, settings: Settings, today: dt.date
) -> pd.DataFrame:
    """Add status, days_left, stage, overdue_n, level, next_reminder columns (a new frame).

    ``stage`` is the current reminder stage in days (``NO_STAGE`` when none),
    ``overdue_n`` the current overdue notice number (1 for the first), ``level``
    the escalation level. What was already sent for the occurrence (the
    ``sent_*`` columns of ``record.notified.attach_history``; none when absent) keeps the
    ladder moving forward: a stage already passed is never current again.
    """
    frame = milestones.copy(deep=False)
    column = _column(frame.index)
    due = frame["due"].to_numpy(dtype="datetime64[D]")
    undated = np.isnat(due)
    d = due.view(np.int64) - np.datetime64(today, "D").view(np.int64)  # whole days, as numbers
    d[undated] = 0
    frame["days_left"] = column(pd.arrays.IntegerArray(d, undated))  # d is only read from here
    stage, max_lead, next_stage = _ladders(frame["lead_days"], d)
    frame["max_lead"] = column(max_lead)
    status = _status(frame, d, max_lead)
    frame["status"] = column(_STATUS_TEXTS[status])  # six texts, shared by every row
    open_ = status >= _STATUSES.index(OVERDUE)
    overdue = status == _STATUSES.index(OVERDUE)
    sent = _sent(frame)
    frame["stage"] = column(np.where(open_ & (d >= 0), _forward_stage(stage, sent.lead), NO_STAGE))
    late = np.flatnonzero(d < 0)  # notices and escalations: only rows past their due date
    was = _Sent(*(values[late] for values in sent))
    overdue_late = overdue[late]
    o = np.where(overdue_late, -d[late], 0)  # days overdue
    notice, last_notice = _notice(was, settings.overdue_repeat, today)
    number = np.where(overdue_late, notice, NO_STAGE)
    frame["overdue_n"] = column(_on_rows(len(d), late, number, NO_STAGE))
    thresholds = np.asarray(sorted(settings.escalate_after) or [10**6], dtype=np.int64)
    reached = np.searchsorted(thresholds, o, side="right")
    level = np.where(overdue_late, np.maximum(reached, was.level), 0)
    frame["level"] = column(_on_rows(len(d), late, level, 0))
    frame["next_reminder"] = _next_reminder(
        (due, frame.index),
        (late, o),
        (next_stage, last_notice + settings.overdue_repeat),
        (thresholds, reached, was.level),
        open_,
    )
    return hold_waiting(frame)


def _column(index: pd.Index) -> Callable[[Any], pd.Series]:
    """A column of the frame from an array made for it alone, taken as it is.

    pandas copies an array it is given (a Series of it is not copied again): each of
    these would be a million-row copy, and fresh pages, for nothing.
    """
    return lambda values: pd.Series(values, index=index, copy=False)


class _Sent(NamedTuple):
    """What was sent for each row's occurrence, as arrays (see ``record.notified.SENT_COLUMNS``)."""

    lead: np.ndarray  # shortest reminder lead sent; NO_STAGE when none
    overdue: np.ndarray  # highest overdue notice number sent; 0 when none
    overdue_on: np.ndarray  # the day it went (datetime64[D]); NaT when none
    level: np.ndarray  # highest escalation level sent; 0 when none


def _sent(frame: pd.DataFrame) -> _Sent:
    n = len(frame)

    def column(name: str, empty: object, dtype: str) -> np.ndarray:
        if name not in frame:
            return np.full(n, empty, dtype=dtype)
        values = frame[name]
        if values.dtype.kind in "iM":  # whole numbers have no blank; a blank date stays NaT
            return values.to_numpy(dtype=dtype)
        return values.fillna(empty).to_numpy(dtype=dtype)

    return _Sent(
        column("sent_lead", NO_STAGE, "int64"),
        column("sent_overdue", 0, "int64"),
        column("sent_overdue_on", np.datetime64("NaT"), "datetime64[D]"),
        column("sent_level", 0, "int64"),
    )


def _forward_stage(stage: np.ndarray, sent_lead: np.ndarray) -> np.ndarray:
    """A reached stage longer than the shortest lead already sent falls back to that one.

    Its key is already recorded, so nothing is resent: a raised Remind Days never
    sends a 45-day reminder after the 30-day one.
    """
    back = (sent_lead >= 0) & (stage > sent_lead)
    return np.where(back, sent_lead, stage)


def _notice(sent: _Sent, repeat: int, today: dt.date) -> tuple[np.ndarray, np.ndarray]:
    """Each row's current overdue notice number, and the day of the latest one.

    The first goes on the first overdue day; the next *Overdue repeat* days after
    the last one actually sent, numbered on from it (a catch-up after a gap is one
    notice, and the next comes a full period later).
    """
    day = np.datetime64(today, "D")
    waited = np.isnat(sent.overdue_on) | (sent.overdue_on + np.timedelta64(repeat, "D") <= day)
    now = (sent.overdue == 0) | waited
    number = np.where(now, sent.overdue + 1, sent.overdue)
    last = np.where(now | np.isnat(sent.overdue_on), day, sent.overdue_on)
    return number, last.astype("datetime64[D]")


def _ladders(lead_days: pd.Series, d: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row: current stage (smallest reached lead), largest lead, next lead still ahead."""
    stage = np.full(len(d), NO_STAGE, dtype=np.int64)
    max_lead = np.zeros(len(d), dtype=np.int64)
    next_stage = np.full(len(d), NO_STAGE, dtype=np.int64)
    codes, ladders = factorize_objects(lead_days.to_numpy(dtype=object))
    codes = np.where(codes < 0, len(ladders), codes)  # NaN: no ladder
    if len(ladders) < np.iinfo(np.int16).max:  # small codes sort by radix, in one pass
        codes = codes.astype(np.int16)
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
_STATUS_TEXTS = pd.array(list(_STATUSES), dtype="str")


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
    due: tuple[np.ndarray, pd.Index],
    lateness: tuple[np.ndarray, np.ndarray],
    following: tuple[np.ndarray, np.ndarray],
    escalation: tuple[np.ndarray, np.ndarray, np.ndarray],
    open_: np.ndarray,
) -> pd.Series:
    """The first day after today on which this milestone's next email is due.

    Before the due date: the next shorter lead. Overdue: the next notice (a full
    period after the latest) or the next escalation threshold, whichever is first.
    ``due`` is the due dates (``datetime64[D]``) and the frame's index, ``lateness``
    the rows past their due date and their days overdue; for every row the next
    stage's lead and, for those rows, the next notice's day (``following``) and
    the thresholds, the threshold each has reached and the level already sent
    (``escalation``). Days are counted as whole numbers; a closed row, or an open
    one with no due date, has none (NaT).
    """
    (dates, index), (late, o) = due, lateness
    next_stage, next_notice = following
    thresholds, reached, sent_level = escalation
    day = dates.view(np.int64)
    when = day + 1  # no shorter lead ahead: the day after the due date
    np.subtract(day, next_stage, out=when, where=next_stage >= 0)
    notice = next_notice.view(np.int64)
    upcoming = thresholds[np.minimum(reached, len(thresholds) - 1)]
    higher = (upcoming > o) & (reached + 1 > sent_level)
    when[late] = np.minimum(notice, np.where(higher, day[late] + upcoming, notice))
    none = ~open_ | np.isnat(dates)  # an overdue row always has its due date
    when[none] = np.iinfo(np.int64).min  # NaT
    return pd.Series(when.view("datetime64[D]").astype("datetime64[ns]"), index=index, copy=False)


def _on_rows(size: int, rows: np.ndarray, values: np.ndarray, fill: int) -> np.ndarray:
    """``size`` whole numbers: ``values`` at positions ``rows``, ``fill`` elsewhere."""
    out = np.full(size, fill, dtype=np.int64)
    out[rows] = values
    return out
