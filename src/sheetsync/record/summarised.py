"""The monthly summary, recorded in the Last Notified cell of a row it listed.

The Log is not the only record of a summary: a person may delete its rows or the
whole tab. Once an owner's summary for a month is sent, one of the rows it listed
says so at the end of its Last Notified cell (``… · summary 2026-12 (3f9a2c)``):
the month, and a six-hex-digit code for each owner whose summary went (the code
stands for the address, so a cell names no one). The summary plan skips an owner
whose code a cell holds for the month. One row per owner is enough, so a month's
marks cost a few cells, not a column. Cells without the mark read as before.
Pure: the month is an argument.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from ..keys import summary_month
from ..logtab import sent_mask
from ..schema import SUMMARY

_MARK = re.compile(
    r"(?:\s*·\s*)?(?<![a-z])summary:?\s*(\d{4}-\d{2})(?!\d)(?:\s*\(([0-9a-f,\s]*)\))?",
    re.IGNORECASE,
)


def owner_code(email: str) -> str:
    """Six hex digits that stand for one owner's address (lower case) in a mark."""
    return hashlib.blake2s(email.strip().lower().encode(), digest_size=3).hexdigest()


def summary_mark(cell: object) -> tuple[str, frozenset[str]] | None:
    """``(YYYY-MM, owner codes)`` a Last Notified cell's summary mark holds; else None."""
    if not isinstance(cell, str) or len(cell) > 500:
        return None
    found = _MARK.search(cell)
    if not found:
        return None
    codes = re.findall(r"[0-9a-f]{6}", (found.group(2) or "").lower())
    return found.group(1), frozenset(codes)


def with_mark(text: str, month: str, codes: Iterable[str]) -> str:
    """``text`` with its summary mark (if any) replaced by one for ``month`` and ``codes``."""
    kept = _MARK.sub("", text).strip().strip("·").strip()
    mark = f"summary {month} ({', '.join(sorted(set(codes)))})"
    return f"{kept} · {mark}" if kept else mark


def month_marks(cells: pd.Series, month: str) -> dict[int, frozenset[str]]:
    """The owner codes of each cell (by position) whose mark is for ``month``."""
    values = cells.astype(object).where(cells.notna(), "")
    found, distinct = pd.factorize(values)
    marks = [summary_mark(text) for text in distinct]
    held = {i: m[1] for i, m in enumerate(marks) if m is not None and m[0] == month}
    if not held:
        return {}
    at = np.flatnonzero(np.isin(found, list(held)))
    return {int(p): held[int(found[p])] for p in at.tolist()}


def sent_in_log(frame: pd.DataFrame, month: str) -> set[str]:
    """The owners whose summary for ``month`` the Log records as sent."""
    if frame.empty:
        return set()
    sent = sent_mask(frame["Result"])
    keys = frame.loc[sent, "Key"].astype(str)
    return {
        k[len(SUMMARY) + 1 :].rpartition(":")[0]
        for k in keys[keys.str.startswith(f"{SUMMARY}:")]
        if summary_month(k) == month
    }


def first_rows(
    pairs: tuple[np.ndarray, np.ndarray],
    emails: list[str],
    wanted: set[str],
    rank: np.ndarray | None = None,
) -> dict[int, set[str]]:
    """For the ``wanted`` owners, each one's first listed row: ``{position: owners}``.

    ``pairs`` are the ``(owner, pos)`` pairs ``plan.summary.owner_rows`` gives for
    ``emails``, sorted by owner then position. ``rank`` (by position, from
    ``mark_rank``) puts rows whose write surely lands first (a negative rank leaves a
    row out); without it every row ranks alike. An owner with no row is left out.
    """
    owner, pos = pairs
    order = rank[pos] if rank is not None else np.zeros(len(pos), dtype=np.int64)
    chosen = np.asarray([e in wanted for e in emails] + [False], dtype=bool)[owner] & (order >= 0)
    owner, pos, order = owner[chosen], pos[chosen], order[chosen]
    sort = np.lexsort((pos, order, owner))
    owners, first = np.unique(owner[sort], return_index=True)
    picks: dict[int, set[str]] = {}
    for who, at in zip(owners.tolist(), pos[sort][first].tolist(), strict=True):
        picks.setdefault(int(at), set()).add(emails[who])
    return picks


def mark_rank(ids: pd.Series, new_id: pd.Series | None) -> np.ndarray:
    """How surely a mark written into each row lands: 0, else 1.

    The write finds a row by its ID as it is at write time (DESIGN.md §5). A row
    with its own ID ranks 0: it is found wherever it moved. A row whose ID another
    row also has (found only at the place it was read) or that had no ID (found by
    its title and contract, lost when another row holds the same) ranks 1: if a
    person sorts the rows while the run is under way its write may be skipped, and a
    mark put there is lost, so the summary would go again once the Log forgets it.
    """
    text = ids.astype(str).str.strip()
    shared = (text.duplicated(keep=False) & (text != "")).to_numpy(dtype=bool)
    fresh = np.zeros(len(ids), dtype=bool) if new_id is None else new_id.to_numpy(dtype=bool)
    return (shared | fresh).astype(np.int64)
