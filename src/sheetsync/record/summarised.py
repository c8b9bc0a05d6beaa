"""The monthly summary, recorded in the Last Notified cells of the rows it covered.

The Log is not the only record of a summary: a person may delete its rows or the
whole tab. Once an owner's summary for a month is sent, every row it covered
whose owners all got theirs says so in its Last Notified cell (``… · summary
2026-12``), and the summary plan treats an owner with any such row as already
summarised that month. Cells without the mark read as before. Pure: the month
is an argument.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from ..keys import summary_month
from ..schema import SUMMARY

_MARK = re.compile(r"(?:\s*·\s*)?(?<![a-z])summary:?\s*(\d{4}-\d{2})(?!\d)", re.IGNORECASE)


def summary_mark(cell: object) -> str | None:
    """The ``YYYY-MM`` a Last Notified cell says the summary went for; None when it does not."""
    if not isinstance(cell, str) or len(cell) > 500:
        return None
    found = _MARK.search(cell)
    return found.group(1) if found else None


def with_mark(text: str, month: str) -> str:
    """``text`` with its summary mark (if any) replaced by ``summary {month}``."""
    kept = _MARK.sub("", text).strip().strip("·").strip()
    return f"{kept} · summary {month}" if kept else f"summary {month}"


def marked(cells: pd.Series, month: str) -> np.ndarray:
    """Which cells say the summary for ``month`` went (one bool per cell)."""
    values = cells.astype(object).where(cells.notna(), "")
    codes, distinct = pd.factorize(values)
    hits = np.asarray([summary_mark(text) == month for text in distinct] + [False], dtype=bool)
    return hits[codes]


def sent_in_log(frame: pd.DataFrame, month: str) -> set[str]:
    """The owners whose summary for ``month`` the Log records as sent."""
    if frame.empty:
        return set()
    sent = frame["Result"].astype(str).str.strip().str.casefold() == "sent"
    keys = frame.loc[sent, "Key"].astype(str)
    return {
        k[len(SUMMARY) + 1 :].rpartition(":")[0]
        for k in keys[keys.str.startswith(f"{SUMMARY}:")]
        if summary_month(k) == month
    }


def covered_rows(
    owner: np.ndarray, pos: np.ndarray, emails: list[str], summarised: Iterable[str], size: int
) -> np.ndarray:
    """Positions of the rows listed for some owner whose every owner is ``summarised``.

    ``(owner, pos)`` are the pairs ``plan.summary.owner_rows`` gives for ``emails``.
    """
    done = np.asarray([e in set(summarised) for e in emails] + [False], dtype=bool)
    listed = np.zeros(size, dtype=bool)
    listed[pos] = True
    missing = np.zeros(size, dtype=bool)
    missing[pos[~done[owner]]] = True
    return np.flatnonzero(listed & ~missing)
