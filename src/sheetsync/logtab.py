"""The Log tab as people leave it: columns found by header or by what they hold.

People sort the Log, filter it, delete rows, rename or move its headers and type into its
cells. Nothing here depends on a row's position: a column whose header was renamed is found
by what its cells look like. The ledger reads the Log with these, and ``record.prune``
chooses old rows by what they hold. Pure: no I/O, no clock.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from operator import itemgetter
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .cells.dates import from_serial
from .cells.text import cell_text
from .keys import LOG_KINDS
from .schema import LOG_COLUMNS, header_key

if TYPE_CHECKING:
    from .model import Cell, Grid

_KINDS = "|".join(LOG_KINDS)
_PATTERNS = {
    "Key": rf"({_KINDS}):\S+",
    "Sent At": r"\d{4}-\d\d-\d\d([T ][\d:.]+Z?)?",
    "Kind": _KINDS,
    "Result": r"sent|recorded|failed\b.*",
    "Message-ID": r"<[^<>\s]+@[^<>\s]+>",
    "Recipients": r"[^<>\s]+@[^<>\s]+(\s*[;|,].*)?",
}
_SHAPES = {name: re.compile(p, re.IGNORECASE) for name, p in _PATTERNS.items()}
_SAMPLE = 200  # cells per column looked at to recognise a renamed column


def log_columns(grid: Grid) -> dict[str, list[int]]:
    """0-based columns holding each Log field: the header's first, then a look-alike.

    A header a person renamed ("Key" → "Idempotency key") is found by its cells, and
    kept as a fallback even when the run later adds a fresh column under the old name:
    each row takes the first non-blank of the candidates.
    """
    header, body = split_log(grid)
    keys = [header_key(h) for h in header]
    known = {header_key(name) for name in LOG_COLUMNS}
    found = {n: [keys.index(header_key(n))] for n in LOG_COLUMNS if header_key(n) in keys}
    width = max((len(r) for r in grid), default=0)
    spare = [i for i in range(width) if i >= len(keys) or keys[i] not in known]
    for name, shape in _SHAPES.items():
        best = _lookalike(body, spare, shape)
        if best is not None:
            found.setdefault(name, []).append(best)
            spare.remove(best)
    return found


def split_log(grid: Grid) -> tuple[list[Cell], Grid]:
    """The header row and the rows below it; no header when row 1 names no Log field."""
    if not grid:
        return [], []
    known = {header_key(name) for name in LOG_COLUMNS}
    if any(header_key(h) in known for h in grid[0]):
        return list(grid[0]), grid[1:]
    return [], grid


def _lookalike(body: Grid, columns: list[int], shape: re.Pattern[str]) -> int | None:
    """The column most of whose sampled non-blank cells have the field's shape."""
    best, score = None, 0
    for column in columns:
        texts = [t for r in body[:_SAMPLE] if (t := _text(r, column))]
        hits = sum(1 for t in texts if shape.fullmatch(t))
        if hits > score and 2 * hits >= len(texts):
            best, score = column, hits
    return best


def _text(row: Sequence[Cell], column: int) -> str:
    return cell_text(row[column]) if column < len(row) else ""


def log_values(body: Grid, columns: dict[str, list[int]], name: str) -> list[str]:
    """One field of every row, as text: the first non-blank of its candidate columns."""
    return log_fields(body, columns, (name,))[name]


def log_fields(
    body: Grid, columns: dict[str, list[int]], names: Sequence[str]
) -> dict[str, list[str]]:
    """Several fields of every row as text, each sheet column read once, top to bottom."""
    wanted = {c for name in names for c in columns.get(name, [])}
    reach = min(map(len, body), default=0)  # every row holds the columns before this one
    texts = {c: column_texts(body, c, c < reach) for c in sorted(wanted)}
    return {
        name: _first_filled([texts[c] for c in columns.get(name, [])], len(body)) for name in names
    }


def column_texts(body: Grid, column: int, held: bool = False) -> list[str]:
    """Every row's cell in ``column`` as ``cell_text`` gives it ("" past a short row).

    ``held``: every row is known to reach ``column``. A column of text only (most of
    the Log's) is trimmed in one pass; any other cell sends it cell by cell.
    """
    if held:
        cells = list(map(itemgetter(column), body))
    else:
        cells = [row[column] if column < len(row) else None for row in body]
    if set(map(type, cells)) <= {str}:
        return list(map(str.strip, cells))
    return [c.strip() if type(c) is str else cell_text(c) for c in cells]


def _first_filled(candidates: list[list[str]], height: int) -> list[str]:
    """Per row, the first non-blank text of the candidate columns (in their order)."""
    if not candidates:
        return [""] * height
    if len(candidates) == 1:
        return candidates[0]
    return [next((t for t in row if t), "") for row in zip(*candidates, strict=True)]


def sent_day(value: Cell | dt.date | str) -> dt.date | None:
    """The day a Sent At cell names: ISO text, a real date cell, or None when unreadable."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return from_serial(value) if 1 <= value < 2_958_466 else None
    try:
        return dt.date.fromisoformat(str(value or "").strip()[:10])
    except ValueError:
        return None


def log_frame(rows: Sequence[Sequence[Cell]]) -> pd.DataFrame:
    """Log rows a run appended (``LOG_COLUMNS`` order) as text, as the Log frame reads them.

    Built column by column: a first run's Log is one row per key due, tens of thousands.
    """
    if not rows:
        return pd.DataFrame([], columns=list(LOG_COLUMNS))
    columns = zip(*rows, strict=True)
    return pd.DataFrame(
        {
            name: [c if type(c) is str else str(c) for c in column]
            for name, column in zip(LOG_COLUMNS, columns, strict=True)
        }
    )


def folded(cells: pd.Series) -> np.ndarray:
    """Each cell as trimmed, casefolded text ("" for a missing one), once per distinct cell."""
    codes, distinct = pd.factorize(cells.astype(str))
    texts = [str(text).strip().casefold() for text in distinct] + [""]  # code -1: missing
    return np.array(texts, dtype=object)[codes]


def sent_mask(results: pd.Series) -> np.ndarray:
    """Which rows' Result cell says ``sent`` (any case, spaces around), as a bool array."""
    return np.asarray(folded(results) == "sent", dtype=bool)
