"""What an approval step has been through, read from the Log and from its own row.

The Log's ``opened`` and ``cancelled`` rows are one record. The step's row is the other,
which travels with it whatever happens to the Log: its Last Notified cell ends with
``opened 2026-12-01`` (written by every run, ``mark_opened``) and its Status cell says
Cancelled once a run cancelled it. So a Log a person emptied or deleted moves no due
date, reopens no step and writes no Log row again. Pure.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

from ..keys import split_key
from ..schema import AUTO, CANCELLED, CANCELLED_KIND, OPENED

STEP_ID = re.compile(r"^(?P<contract>.+)/approval-(?P<n>\d+)$")
_OPENED = re.compile(r"(?:\s*·\s*)?(?<![a-z])opened:?\s*(\d{4}-\d{2}-\d{2})", re.IGNORECASE)


def step_rows(frame: pd.DataFrame) -> np.ndarray:
    """Which rows could be approval steps: auto rows whose ID has ``/approval-`` in it.

    Every ``STEP_ID`` has; the other auto rows (notice, expiry, review) are left out
    before any ID is matched against the pattern.
    """
    auto = auto_mask(frame["source"])
    rows = np.flatnonzero(auto)
    if not len(rows):
        return auto
    ids = frame["id"].to_numpy(dtype=object)[rows]
    if _STEP_PART not in "\n".join(map(str, ids)):  # no ID has it: none told apart one by one
        return np.zeros(len(frame), dtype=bool)
    named = np.fromiter((_STEP_PART in str(i) for i in ids), dtype=bool, count=len(ids))
    found = np.zeros(len(frame), dtype=bool)
    found[rows[named]] = True
    return found


_STEP_PART = "/approval-"


def auto_mask(sources: pd.Series) -> np.ndarray:
    """Which rows are the program's own (Source ``auto``), the cells compared as plain objects.

    One numpy comparison: about four times quicker than the column's own, which
    also makes room for missing values (a missing cell is simply not ``auto`` here).
    """
    return np.asarray(sources.to_numpy(dtype=object) == AUTO, dtype=bool)


def opened_days(
    recorded: frozenset[str], frame: pd.DataFrame, steps: np.ndarray | None = None
) -> dict[str, dt.date]:
    """The day each step opened: the later of its Log ``opened`` row and its row's mark.

    ``steps`` is ``step_rows(frame)``, when the caller has it.
    """
    days = _from_cells(frame, step_rows(frame) if steps is None else steps)
    for key in recorded:
        parts = split_key(key)
        if parts is None or parts.kind != OPENED:
            continue
        try:
            day = dt.date.fromisoformat(parts.stage)
        except ValueError:
            continue
        days[parts.milestone] = max(day, days.get(parts.milestone, day))
    return days


def _from_cells(frame: pd.DataFrame, steps: np.ndarray) -> dict[str, dt.date]:
    """The ``opened`` marks in the Last Notified cells of auto approval rows (``steps``)."""
    if "last_notified" not in frame or not steps.any():  # no step rows (most runs): none read
        return {}
    rows = frame.loc[steps, ["id", "last_notified"]]
    cells = rows["last_notified"].astype(str)
    marked = cells.str.contains("opened", case=False, regex=False).to_numpy(dtype=bool)
    days: dict[str, dt.date] = {}
    for ident, cell in zip(rows["id"][marked].astype(str), cells[marked], strict=True):
        day = opened_mark(cell)
        if day is not None and STEP_ID.match(ident):
            days[ident] = day
    return days


def opened_mark(cell: object) -> dt.date | None:
    """The day a Last Notified cell says its step opened, else None."""
    found = _OPENED.search(cell) if isinstance(cell, str) and len(cell) <= 500 else None
    try:
        return dt.date.fromisoformat(found.group(1)) if found else None
    except ValueError:
        return None


def cancelled_steps(
    recorded: frozenset[str], frame: pd.DataFrame, steps: np.ndarray | None = None
) -> set[str]:
    """Steps the Log records as cancelled, or whose Status a run last wrote as Cancelled.

    ``steps`` is ``step_rows(frame)``, when the caller has it.
    """
    found = set()
    for key in recorded:
        parts = split_key(key)
        if parts is not None and parts.kind == CANCELLED_KIND and STEP_ID.match(parts.milestone):
            found.add(parts.milestone)
    steps = step_rows(frame) if steps is None else steps
    if "status_before" in frame and steps.any():  # no step rows (most runs): no Status read
        rows = frame.loc[steps, ["id", "status_before"]]
        shown = rows["status_before"].astype(str).str.strip().str.casefold()
        cancelled = (shown == CANCELLED.casefold()).to_numpy(dtype=bool)
        found.update(i for i in rows["id"][cancelled].astype(str) if STEP_ID.match(i))
    return found


def with_opened(text: str, day: dt.date) -> str:
    """``text`` (a Last Notified cell) ending with ``opened {day}``, any older mark dropped."""
    kept = _OPENED.sub("", text).strip().strip("·").strip()
    mark = f"opened {day.isoformat()}"
    return f"{kept} · {mark}" if kept else mark


def mark_opened(evaluated: pd.DataFrame, texts: dict[int, str]) -> dict[int, str]:
    """Last Notified by sheet row, with each open step's opening day in its cell."""
    if "opened_on" not in evaluated:
        return texts
    out = dict(texts)
    known = evaluated[evaluated["opened_on"].notna()]
    for row, day in zip(known["row"].astype(int), known["opened_on"], strict=True):
        out[row] = with_opened(out.get(row, ""), day)
    return out
