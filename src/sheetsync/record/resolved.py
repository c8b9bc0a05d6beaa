"""The Resolved notes a row has had, remembered in its own Last Notified cell.

A Resolved note (an escalated milestone now done) is recorded in the Log under
``resolved:{milestone}:{due}`` and, so that a person deleting Log rows or the Log
tab never makes it go twice, at the end of the row's Last Notified:
``… · due 2027-04-01 · resolved 2027-04-01``, the latest occurrence whose note went.
A repeating row's occurrences only move forward, so every occurrence up to that day
is settled. Pure: the pipeline writes the cell.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

from ..keys import resolved_parts
from ..logtab import sent_mask
from ..schema import RESOLVED

_RESOLVED = re.compile(r"\s*·?\s*resolved:?\s*(\d{4}-\d{2}-\d{2})", re.IGNORECASE)


def resolved_through(cell: object) -> dt.date | None:
    """The latest occurrence a Last Notified cell records as resolved, else None."""
    if not isinstance(cell, str) or len(cell) > 500:
        return None
    found = _RESOLVED.search(cell)
    if found is None:
        return None
    try:
        return dt.date.fromisoformat(found.group(1))
    except ValueError:
        return None


def with_resolved(text: str, day: dt.date) -> str:
    """``text`` ending with ``resolved {day}`` (any earlier mark replaced)."""
    bare = _RESOLVED.sub("", text).strip()
    part = f"resolved {day.isoformat()}"
    return f"{bare} · {part}" if bare else part


def fresh_resolved(fresh_log: pd.DataFrame) -> dict[str, dt.date]:
    """Per milestone ID, the latest occurrence this run's Log rows say a Resolved note reached."""
    found: dict[str, dt.date] = {}
    if fresh_log.empty:
        return found
    sent = sent_mask(fresh_log["Result"])
    prefix = f"{RESOLVED}:"
    keys = fresh_log.loc[sent, "Key"].astype(str).tolist()
    for key in (k for k in keys if k.startswith(prefix)):
        parts = resolved_parts(key)
        if parts is not None:
            milestone, due = parts
            found[milestone] = max(due, found.get(milestone, due))
    return found


def resolved_texts(
    evaluated: pd.DataFrame, fresh_log: pd.DataFrame, texts: dict[int, str]
) -> dict[int, str]:
    """``texts`` (Last Notified by sheet row) keeping each row's resolved mark, plus this run's."""
    fresh = fresh_resolved(fresh_log)
    cells = evaluated.get("last_notified")
    if cells is None and not fresh:
        return texts
    ids = evaluated["id"].astype(str)
    wanted = ids.isin(list(fresh)).to_numpy(dtype=bool)
    if cells is not None:
        wanted = wanted | _may_hold_mark(cells)
    rows = evaluated["row"][wanted].astype(int).tolist()
    olds = cells[wanted].tolist() if cells is not None else [None] * len(rows)
    out = dict(texts)
    for at, milestone, old in zip(rows, ids[wanted].tolist(), olds, strict=True):
        marks = [d for d in (resolved_through(old), fresh.get(milestone)) if d is not None]
        if marks:
            out[at] = with_resolved(out.get(at, ""), max(marks))
    return out


def _may_hold_mark(cells: pd.Series) -> np.ndarray:
    """Cells that may hold a resolved mark: those naming "resolved", each distinct text once.

    Casefolded, so every spelling the mark's pattern matches regardless of case is among them.
    """
    codes, distinct = pd.factorize(cells.astype(object).astype(str))
    found = ["resolved" in text.casefold() for text in distinct] + [False]  # -1: blank
    return np.asarray(found, dtype=bool)[codes]
