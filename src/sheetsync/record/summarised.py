"""The monthly summary, recorded in the Last Notified cells of the rows it covered.

The Log is not the only record of a summary: a person may delete its rows or the
whole tab. Once an owner's summary for a month is sent, one row it listed whose
owners all got theirs says so in its Last Notified cell (``… · summary 2026-12
(3f9a)``), and the summary plan treats every owner of such a row as already
summarised that month. The four hex digits name the row's owners when it was
marked: a mark counts only while the row has the same owners, so an owner added
to a row (or a contract handed to someone else) still gets their summary that
month. One row per owner is enough, so a month's marks cost a few cells, not a
column. Cells without the mark read as before. Pure: the month is an argument.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from ..keys import summary_month
from ..schema import SUMMARY

_MARK = re.compile(
    r"(?:\s*·\s*)?(?<![a-z])summary:?\s*(\d{4}-\d{2})(?!\d)(?:\s*\(\s*([0-9a-f]{4})\s*\))?",
    re.IGNORECASE,
)


def summary_mark(cell: object) -> tuple[str, str] | None:
    """``(YYYY-MM, owners code)`` a Last Notified cell says the summary went for; else None."""
    if not isinstance(cell, str) or len(cell) > 500:
        return None
    found = _MARK.search(cell)
    return (found.group(1), (found.group(2) or "").lower()) if found else None


def with_mark(text: str, month: str, code: str) -> str:
    """``text`` with its summary mark (if any) replaced by ``summary {month} ({code})``."""
    kept = _MARK.sub("", text).strip().strip("·").strip()
    mark = f"summary {month} ({code})"
    return f"{kept} · {mark}" if kept else mark


def owners_code(emails: Iterable[str]) -> str:
    """Four hex digits that name a set of owners (the order does not matter)."""
    joined = "\n".join(sorted(emails)).encode()
    return hashlib.blake2s(joined, digest_size=2).hexdigest()


def row_codes(
    pairs: tuple[np.ndarray, np.ndarray], emails: list[str], wanted: np.ndarray
) -> np.ndarray:
    """The ``owners_code`` of each ``wanted`` row ("" elsewhere and for a row nobody owns).

    ``pairs`` are the ``(owner, pos)`` pairs ``plan.summary.owner_rows`` gives for
    ``emails``; only the wanted rows are worked out (a few per month, not a column).
    """
    codes = np.full(len(wanted), "", dtype=object)
    owner, pos = pairs
    keep = wanted[pos]
    owner, pos = owner[keep], pos[keep]
    if not len(pos):
        return codes
    order = np.lexsort((owner, pos))
    owner, pos = owner[order], pos[order]
    starts = np.flatnonzero(np.diff(pos, prepend=-1))
    for at, group in zip(pos[starts].tolist(), np.split(owner, starts[1:]), strict=True):
        codes[at] = owners_code(emails[i] for i in group.tolist())
    return codes


def any_marked(cells: pd.Series, month: str) -> bool:
    """Whether any cell holds a summary mark for ``month`` (whoever the row's owners are)."""
    return any((summary_mark(text) or ("",))[0] == month for text in pd.unique(cells.dropna()))


def held_marks(
    cells: pd.Series, month: str, pairs: tuple[np.ndarray, np.ndarray], emails: list[str]
) -> np.ndarray:
    """Which rows' cells say the summary for ``month`` went to the row's present owners."""
    values = cells.astype(object).where(cells.notna(), "")
    found, distinct = pd.factorize(values)
    marks = [summary_mark(text) or ("", "") for text in distinct] + [("", "")]
    wanted = np.asarray([m[0] == month for m in marks], dtype=bool)[found]
    if not wanted.any():
        return wanted
    said = np.asarray([m[1] for m in marks], dtype=object)[found]
    codes = row_codes(pairs, emails, wanted)
    return np.asarray(wanted & (said == codes) & (codes != ""), dtype=bool)


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


def rows_to_mark(
    pairs: tuple[np.ndarray, np.ndarray], emails: list[str], summarised: set[str], held: np.ndarray
) -> np.ndarray:
    """Positions to mark: rows that hold a mark now, and one more for each owner without one.

    ``pairs`` are the ``(owner, pos)`` pairs ``plan.summary.owner_rows`` gives for
    ``emails``; ``held`` says which rows hold this month's mark for their present
    owners. A row can be marked only when every owner it is listed for is
    ``summarised``; each owner's first such row is taken.
    """
    owner, pos = pairs
    size = len(held)
    done = np.asarray([e in summarised for e in emails] + [False], dtype=bool)
    blocked = np.zeros(size, dtype=bool)
    blocked[pos[~done[owner]]] = True
    covered = np.zeros(len(emails), dtype=bool)
    covered[owner[held[pos]]] = True
    free = done[owner] & ~covered[owner] & ~blocked[pos]
    _, first = np.unique(owner[free], return_index=True)
    return np.union1d(np.flatnonzero(held), pos[free][first])
