"""One tab's known columns pulled out of its grid, and the readers every tab's columns share.

``Table`` holds each known column's raw cells with the sheet row of each data row;
the readers factorize a column once, read each distinct cell once, and ``Flagger``
writes a Problem's sentence only for the rows that have one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import chain, islice
from typing import Any

import numpy as np
import pandas as pd

from ..cells.addresses import Address, allowed_split, parse_addresses, why_not
from ..cells.dates import MOVING, UNCOMPUTED, parse_date_values
from ..cells.text import cell_text, printable
from ..model import Cell, Grid
from ..problems import Problem
from ..schema import Column
from ..values import (
    Coded,
    coded_among,
    is_none_mask,
    object_array,
    objects_at_top,
    same_objects,
)


@dataclass
class Table:
    """A tab's header, where each known column sits, and its non-blank data rows.

    ``numbers`` is each data row's sheet row (int64, in order); ``rows`` the same as a
    list of ints, made only when something asks for it (the steps read ``numbers``).
    """

    tab: str
    header: list[Any]
    index: dict[str, int]
    numbers: np.ndarray = field(repr=False)
    raw: dict[str, pd.Series] = field(default_factory=dict)
    coded: dict[str, Coded] = field(default_factory=dict, repr=False, compare=False)
    renames: dict[str, str] = field(default_factory=dict)  # system column → name it takes here

    @cached_property
    def rows(self) -> list[int]:
        """The data rows' sheet rows as ints (a hundred thousand objects: not made unasked)."""
        return self.numbers.tolist()

    def system(self, names: tuple[str, ...]) -> tuple[str, ...]:
        """System column headers as this tab names them."""
        return tuple(self.renames.get(n, n) for n in names)

    @classmethod
    def build(
        cls,
        tab: str,
        grid: Grid,
        columns: tuple[Column, ...],
        locate: Callable[[list[Any], tuple[Column, ...], str], dict[str, int]],
    ) -> Table:
        """Locate ``columns`` in row 1 and extract them, dropping wholly blank rows."""
        header = list(grid[0]) if grid else []
        index = locate(header, columns, tab)
        cells = _columns(grid, index)
        keep, coded = _non_blank(cells, max(len(grid) - 1, 0))
        numbers = np.flatnonzero(keep) + 2
        if keep.all():
            raw = {
                name: pd.Series(column, dtype=object, copy=False) for name, column in cells.items()
            }
            return cls(tab, header, index, numbers, raw, coded)
        raw = {
            name: pd.Series(column[keep], dtype=object, copy=False)
            for name, column in cells.items()
        }
        return cls(tab, header, index, numbers, raw)

    def get(self, name: str) -> pd.Series:
        """The raw cells of column ``name``; all None when the tab lacks that column."""
        if name in self.raw:
            return self.raw[name]
        return pd.Series([None] * len(self.numbers), dtype="object")

    def distinct(self, name: str) -> Coded:
        """Column ``name`` as its distinct cells and a code per row (factorized once)."""
        if name not in self.coded:
            if name in self.raw or not len(self.numbers):
                self.coded[name] = Coded.of(self.get(name).to_numpy(dtype=object))
            else:  # the tab lacks the column: every row holds the one blank cell
                blank = np.asarray([None], dtype=object)
                self.coded[name] = Coded(np.zeros(len(self.numbers), dtype=np.intp), blank)
        return self.coded[name]

    def code_among(self, name: str, keys: np.ndarray) -> bool:
        """Code column ``name`` with the texts ``keys`` first (``coded_among``), unless it is
        coded already; whether it was (then a cell's code below ``len(keys)`` is its key)."""
        if name in self.coded or name not in self.raw:
            return False
        coded = coded_among(self.raw[name].to_numpy(dtype=object), keys)
        if coded is not None:
            self.coded[name] = coded
        return coded is not None


def _columns(grid: Grid, index: dict[str, int]) -> dict[str, np.ndarray]:
    """Each located column of the rows below the header as an object array; short rows
    read as None past their end.

    The rows are made one length (most already are) and their cells read in one pass
    into a block of rows, the very cell objects kept. When the located columns are at
    least half the block, each column is a view of it (copying a column out touches
    every cell once more, and freeing the block once again); otherwise each is copied
    out, so the other columns' cells are not held.
    """
    width = max(index.values(), default=-1) + 1
    count = max(len(grid) - 1, 0)
    if not count or not width:
        return {name: np.full(count, None, dtype=object) for name in index}
    rows, length = _even(grid, width)
    cells = np.fromiter(chain.from_iterable(rows), dtype=object, count=count * length)
    block = cells.reshape(count, length)
    if 2 * len(index) >= length:
        return {name: block[:, i] for name, i in index.items()}
    return {name: np.ascontiguousarray(block[:, i]) for name, i in index.items()}


def _even(grid: Grid, width: int) -> tuple[Iterable[list[Cell]], int]:
    """The rows below the header, each one length, and that length: the commonest length
    of at least ``width``.

    Shorter rows are padded with None and longer ones cut, so a row is copied only
    when its length is not the one most rows have. When every row has it (most tabs),
    the rows are read from the grid itself: no list of them is made.
    """
    alike = set(map(len, islice(grid, 1, None)))  # one length: told without an array
    if len(alike) == 1 and min(alike) >= width:
        return islice(grid, 1, None), min(alike)
    data = grid[1:]
    lengths = np.fromiter(map(len, data), dtype=np.int64, count=len(data))
    common = max(width, int(np.bincount(lengths).argmax()))
    for k in np.flatnonzero(lengths != common).tolist():
        row = data[k]
        data[k] = [*row, *[None] * (common - len(row))] if len(row) < common else row[:common]
    return data, common


def _non_blank(cells: dict[str, np.ndarray], length: int) -> tuple[np.ndarray, dict[str, Coded]]:
    """Rows with at least one cell that is not None, NaN, "" or False (nor 0, which equals it),
    and the columns coded to find them.

    Columns whose first rows hold the fewest objects are coded first (the quickest);
    once every row is kept, the rest are coded when a reader asks (``Table.distinct``).
    """
    keep = np.zeros(length, dtype=bool)
    coded: dict[str, Coded] = {}
    for name in sorted(cells, key=lambda n: objects_at_top(cells[n])):
        if keep.all():
            break
        column = coded[name] = Coded.of(cells[name])
        values = column.values
        empty = np.asarray(values == "", dtype=np.bool_) | is_none_mask(values)
        filled = ~(empty | np.asarray(values == False, dtype=np.bool_))  # noqa: E712
        if column.nan >= 0:
            filled[column.nan] = False
        keep |= filled[column.codes]
    return keep, coded


class Flagger:
    """Collects Problems for rows of one table, from boolean masks."""

    def __init__(self, table: Table) -> None:
        self.tab = table.tab
        self.rows = table.numbers
        self.problems: list[Problem] = []

    def flag(
        self,
        mask: np.ndarray,
        column: str,
        message: str | Coded | Sequence[str],
        write: Callable[[Any], str] | None = None,
    ) -> None:
        """Add ``message`` (one string, or one per distinct cell or per row) where ``mask``.

        With ``write``, ``message`` is a column whose flagged cells ``write`` turns
        into sentences: only those rows' sentences are written.
        """
        hits = np.flatnonzero(np.asarray(mask, dtype=bool))
        if isinstance(message, str):
            texts: list[object] = [message] * len(hits)
        elif isinstance(message, Coded):
            texts = message.at(hits)
            if write is not None:
                written = {value: write(value) for value in set(texts)}
                texts = [written[value] for value in texts]
        else:
            texts = [message[i] for i in hits.tolist()]
        rows = self.rows[hits].tolist()
        tab = self.tab
        self.problems.extend(
            Problem(tab, row, column, printable(str(text)))
            for row, text in zip(rows, texts, strict=True)
        )


def column_texts(table: Table, name: str) -> Coded:
    return table.distinct(name).texts()


def text_series(table: Table, name: str, texts: Coded) -> pd.Series:
    """``texts.series()`` for ``texts = column_texts(table, name)``, without copying a row when
    every cell is already its own text (text that needs no trimming): the raw column then."""
    raw = table.distinct(name)
    alike = raw.nan < 0 and name in table.raw and len(texts.values) == len(raw.values)
    if alike and (same_objects(texts.values, raw.values) or _all_equal(texts.values, raw.values)):
        return table.raw[name]
    return texts.series()


def _all_equal(left: np.ndarray, right: np.ndarray) -> bool:
    """Whether two object arrays are equal place by place (trimming kept a text the same
    object, so mostly ``same_objects`` says it first)."""
    return bool(np.asarray(left == right, dtype=np.bool_).all())


def id_texts(table: Table, name: str) -> tuple[Coded, bool]:
    """``column_texts``, and whether no two of its texts are equal (``unique`` would not merge).

    Distinct cells stay distinct as texts when each is text that needs no trimming
    (``strip`` gives back the very same string) and, if the column has blank cells,
    no cell is "" (a blank's text) as well.
    """
    raw = table.distinct(name)
    texts = raw.texts()
    cells = raw.values[:-1] if raw.nan >= 0 else raw.values
    if raw.text:  # text only, no blank: distinct when trimming left every text as it was
        return texts, same_objects(texts.values, cells) or _all_equal(texts.values, cells)
    blank = is_none_mask(cells)
    # Only a text cell equals its text, and only when trimming left it as it was.
    same = bool((np.asarray(texts.values == cells, dtype=np.bool_) | blank).all())
    distinct = same and not (blank.any() and bool(np.any(texts.values[~blank] == "")))
    return texts, distinct


def equals(values: Coded, wanted: str | None) -> np.ndarray:
    """Per row, whether the value is ``wanted``."""
    return values.equals(wanted)


def quoted(column: str, raw: Coded, reason: Sequence[object] | str, where: np.ndarray) -> Coded:
    """``Column: "cell" reason`` for each distinct cell of ``raw`` held by a row ``where``
    is true (a formula: no cell); None for the others, which no flagged row reads (most
    cells have no problem: their sentences are not made)."""
    reasons = [reason] * len(raw.values) if isinstance(reason, str) else reason
    needed = np.zeros(len(raw.values), dtype=bool)
    needed[raw.codes[np.asarray(where, dtype=bool)]] = True
    texts = [
        _sentence(column, v, r) if n else None
        for v, r, n in zip(raw.values, reasons, needed.tolist(), strict=True)
    ]
    return Coded(raw.codes, np.asarray(texts, dtype=object))


def _sentence(column: str, value: object, reason: object) -> str:
    shown = "" if reason in (UNCOMPUTED, MOVING) else f'"{printable(cell_text(value)[:60])}" '
    return f"{column}: {shown}{reason or ''}"


def read_dates(table: Table, name: str, locale: str | None, flags: Flagger) -> np.ndarray:
    """Column ``name`` as dates (NaT where blank or unreadable), each bad cell flagged."""
    raw = table.distinct(name)
    stamps, reasons = parse_date_values(raw.values, locale)
    has_reason = np.asarray([r is not None for r in reasons], dtype=bool)[raw.codes]
    flags.flag(has_reason, name, quoted(name, raw, reasons, has_reason))
    return stamps[raw.codes]


def read_owners(
    table: Table, name: str, domains: tuple[str, ...], flags: Flagger
) -> tuple[Coded, np.ndarray, Coded]:
    """Well-formed, allowed addresses of a column; whether the cell was blank; what was wrong."""
    texts = column_texts(table, name)
    parsed = [_check_addresses(t, domains) for t in texts.values]
    addresses = Coded(texts.codes, object_array([p[0] for p in parsed]))
    messages = Coded(texts.codes, np.asarray([p[1] for p in parsed], dtype=object))
    told = np.asarray([p[1] != "" for p in parsed], dtype=bool)
    flags.flag(told[texts.codes], name, messages.map(lambda m: f"{name}: {m}"))
    return addresses, equals(texts, ""), messages


def _check_addresses(text: str, domains: tuple[str, ...]) -> tuple[tuple[Address, ...], str]:
    good, bad = parse_addresses(text)
    kept, outside = allowed_split(good, domains)
    notes = [f'"{printable(b)}" {why_not(b)}' for b in bad]
    if outside:
        notes.append(f"{outside}; not emailed")
    return kept, "; ".join(notes)


def duplicates(
    ids: Coded, flags: Flagger, column: str, what: str, distinct: bool = False
) -> np.ndarray:
    """Rows whose (non-blank) ID another row also has, each flagged with the other rows.

    ``distinct`` says no two of ``ids.values`` are equal (``id_texts``): none to merge.
    """
    ids = ids if distinct else ids.unique()
    counts = np.bincount(ids.codes, minlength=len(ids.values))
    if counts.max(initial=0) < 2:  # no ID on two rows: nothing to compare with ""
        return np.zeros(len(ids.codes), dtype=np.bool_)
    dup = (counts[ids.codes] > 1) & ~equals(ids, "")
    if dup.any():
        hits = np.flatnonzero(dup)
        where: dict[object, list[str]] = {}
        for value, row in zip(ids.at(hits), flags.rows[hits].tolist(), strict=True):
            where.setdefault(value, []).append(str(row))
        message = [f"{column} {i} is used on rows {', '.join(where[i])}; {what}" for i in where]
        text = dict(zip(where, message, strict=True))
        flags.flag(
            dup, column, Coded(ids.codes, object_array([text.get(v, "") for v in ids.values]))
        )
    return dup


def strings(values: Coded, inferred: bool = True) -> pd.Series:
    """A text column in the dtype ``Series.map`` would infer: ``str`` when any row held text."""
    if not inferred:
        return values.series()
    texts = pd.array(list(values.values), dtype="str")[values.codes]
    return pd.Series(texts, copy=False)  # a fresh array: pandas would copy it again


def row_numbers(rows: Sequence[int]) -> np.ndarray:
    """Sheet rows as ``Table.numbers`` holds them."""
    return np.asarray(rows, dtype=np.int64)
