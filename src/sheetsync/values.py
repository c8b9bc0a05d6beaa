"""Columns as distinct values and codes: each distinct cell read once, spread back by code."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .cells.text import cell_text, plain


def is_none_mask(values: np.ndarray) -> np.ndarray:
    """Per element of an object array, whether it is None (NaN is not)."""
    return np.asarray(values == None, dtype=np.bool_)  # noqa: E711  (elementwise)


def with_slot(values: np.ndarray, last: object) -> np.ndarray:
    """``values`` as an object array with ``last`` appended (index -1 reads it)."""
    out = np.empty(len(values) + 1, dtype=object)
    out[:-1] = values
    out[-1] = last
    return out


def factorize_objects(values: np.ndarray) -> tuple[np.ndarray, list[Any]]:
    """Codes and distinct values of a column of hashable objects, such as owner tuples.

    Equal cells mostly share one object (each distinct text is parsed once), so
    objects are told apart by identity first and compared by value only once each.
    """
    if len(values) == 0:
        return np.zeros(0, dtype=np.intp), []
    if values.dtype == object:  # each cell's object read from the array's own memory
        ids = addresses(values)
    else:
        ids = np.fromiter(map(id, values), dtype=np.int64, count=len(values))
    by_id, objects = pd.factorize(ids)
    first = first_rows(by_id, len(objects))  # each object's first row, codes in order
    by_value, distinct = pd.factorize(pd.Series(values[first], dtype=object))
    return by_value[by_id], list(distinct)


_SAMPLE = 1024  # first rows looked at before a column is taken for all different texts


def all_different_texts(cells: np.ndarray) -> bool:
    """Whether every cell is text and no two are equal (a column of IDs), or not known to be.

    Texts that only ever go up, row after row (IDs as the program numbers them), are all
    different; otherwise no two strings' kept hashes alike means no two texts alike: a
    table of plain integers answers it. Either way the column is its own distinct values.
    False when the column is short, its first rows already repeat, or it is not all text.
    """
    return _different_texts(cells) is not None


def _different_texts(cells: np.ndarray) -> str | None:
    """How a column is known to be all different texts (``all_different_texts``): "rising"
    (each cell sorts after the one before it), "hashed" (no two kept hashes alike), or
    None when it is not known to be."""
    if len(cells) < 2 * _SAMPLE or len(set(cells[:_SAMPLE].tolist())) < _SAMPLE:
        return None
    # A text sorts only beside texts (beside a number or a blank it cannot be compared):
    # rising from a text, every cell is text.
    if type(cells[0]) is str and _rising(cells[:_SAMPLE]) and _rising(cells):
        return "rising"
    if pd.api.types.infer_dtype(cells, skipna=False) != "string":
        return None
    hashes = np.fromiter(map(hash, cells), dtype=np.int64, count=len(cells))
    return "hashed" if pd.Index(hashes, copy=False).is_unique else None


def _rising(cells: np.ndarray) -> bool:
    """Whether each cell sorts after the one before it (so no two are equal); False when
    two cannot be compared (a text beside a number or a blank)."""
    try:
        return bool(np.greater(cells[1:], cells[:-1], dtype=np.bool_).all())
    except TypeError:
        return False


def same_objects(left: np.ndarray, right: np.ndarray) -> bool:
    """Whether two object arrays hold the very same object at each place (so equal
    values), told by address without comparing a value; False does not say unequal."""
    return len(left) == len(right) and np.array_equal(addresses(left), addresses(right))


class _Addresses:
    """An object array's memory offered to numpy as integers (``addresses``)."""

    def __init__(self, cells: np.ndarray) -> None:
        self.cells = cells  # held for as long as the integers are read
        shown = cells.__array_interface__
        self.__array_interface__ = {
            "shape": shown["shape"],
            "strides": shown["strides"],
            "typestr": np.dtype(np.intp).str,
            "data": (shown["data"][0], True),  # read-only
            "version": 3,
        }


def addresses(cells: np.ndarray) -> np.ndarray:
    """Which object each cell of an object array is, as an integer per cell.

    Read from the array's own memory without a copy: two cells with one integer hold
    the very same object (so the same value). The result keeps ``cells`` alive.
    """
    return np.asarray(_Addresses(cells))


class Runs:
    """An object array as runs of one object: where each run starts and how long it is."""

    def __init__(self, starts: np.ndarray, size: int) -> None:
        self.starts = starts
        self.lengths = np.diff(starts, append=size)

    def spread(self, flags: np.ndarray) -> np.ndarray:
        """Per cell, the flag of its run (``flags``: one per run)."""
        return np.repeat(flags, self.lengths)


def object_runs(cells: np.ndarray, per_run: int = 16) -> Runs | None:
    """The runs of one object in an object array (a column the tab lacks: one blank on
    every row), told by address without touching an object, when the runs average at
    least ``per_run`` cells; None otherwise (then reading each cell is no dearer).

    Every cell of a run is that very object, so whatever is asked of a run's first cell
    holds for each of its cells.
    """
    if not len(cells):
        return None
    held = addresses(cells)
    starts = np.concatenate([[0], np.flatnonzero(held[1:] != held[:-1]) + 1])
    return Runs(starts, len(cells)) if len(starts) * per_run <= len(cells) else None


def objects_at_top(cells: np.ndarray) -> int:
    """How many different objects the first rows of a column hold (a few: quick to code)."""
    return len(set(addresses(cells[:_SAMPLE]).tolist()))


def _few_objects(cells: np.ndarray) -> tuple[np.ndarray, int] | None:
    """Codes of ``cells`` by object and how many objects, when a column's first rows
    share a few objects.

    A workbook's repeated texts (openpyxl's shared strings, a type or a name chosen from
    a list) are often one object on every row that holds them: told apart by address,
    the column is a table of plain integers, and only its few objects need comparing.
    None when the first rows hold mostly different objects.
    """
    if len(cells) < 2 * _SAMPLE or objects_at_top(cells) > _SAMPLE // 2:
        return None
    where = addresses(cells)
    compared = _by_comparing(where)
    if compared is not None:
        return compared
    by_object, objects = pd.factorize(where)
    return by_object, len(objects)


_COMPARED = 4  # at most this many objects at the top: each compared with every row


def _by_comparing(where: np.ndarray) -> tuple[np.ndarray, int] | None:
    """Codes of a column by object (``where``: its cells' ``addresses``) when its first rows
    hold at most ``_COMPARED`` objects and every row holds one of them; else None.

    A column left blank (one None on every row) or ticked (None and one shared text) needs
    no table of objects: a comparison per object is a few times quicker than
    ``pd.factorize``. The first rows only choose the objects compared; every row is
    compared, and one holding any other object leaves the column to ``pd.factorize``.
    Codes follow the objects' first rows, as ``pd.factorize`` numbers them.
    """
    top = list(dict.fromkeys(where[:_SAMPLE].tolist()))  # in order of first appearance
    if len(top) > _COMPARED:
        return None
    codes = np.zeros(len(where), dtype=np.intp)
    found = where == top[0]
    for code, address in enumerate(top[1:], start=1):
        same = where == address
        np.copyto(codes, code, where=same)
        found |= same
    return (codes, len(top)) if found.all() else None


def first_rows(codes: np.ndarray, count: int | None = None) -> np.ndarray:
    """Each code's first row, for codes numbered in order of first appearance (as
    ``pd.factorize`` numbers them, without blanks): a row is a first exactly where the
    highest code so far goes up.

    Given ``count`` (how many codes), only the rows up to the last code's first are
    read: a few codes mostly all appear in a column's first rows.
    """
    if not len(codes):
        return np.zeros(0, dtype=np.intp)
    upto = len(codes)
    if count is not None:
        upto = _SAMPLE
        while upto < len(codes) and codes[:upto].max() < count - 1:
            upto *= 8
    highest = np.maximum.accumulate(codes[:upto])
    return np.flatnonzero(np.concatenate([[True], highest[1:] > highest[:-1]]))


def text_positions(keys: np.ndarray, values: np.ndarray) -> np.ndarray | None:
    """Where each text of ``values`` is among the distinct texts ``keys`` (-1: nowhere), or None.

    The same as ``pd.Index(keys).get_indexer(values)``, found by the strings' kept hashes
    (plain integers, a compact table) and then each found text checked against its key:
    about twice as quick as a table of the texts themselves for a few hundred thousand
    IDs. None (ask the index) when either is not all text, or two keys share a hash.
    """
    if keys.dtype != object or values.dtype != object:
        return None
    if pd.api.types.infer_dtype(keys, skipna=False) != "string":
        return None
    if pd.api.types.infer_dtype(values, skipna=False) != "string":
        return None
    hashes = pd.Index(np.fromiter(map(hash, keys), dtype=np.int64, count=len(keys)))
    if not hashes.is_unique:
        return None
    at = hashes.get_indexer(np.fromiter(map(hash, values), dtype=np.int64, count=len(values)))
    found = np.flatnonzero(at >= 0)
    same = np.asarray(keys[at[found]] == values[found], dtype=np.bool_)
    at[found[~same]] = -1  # a key's hash, another text: equal texts have equal hashes
    return at


def coded_among(cells: np.ndarray, keys: np.ndarray) -> Coded | None:
    """``Coded.of(cells)`` with the different texts ``keys`` as its first values, or None.

    A cell that is one of the keys takes that key's place as its code (a row's Contract
    ID gives its Contracts row with no lookup); the other cells are coded after them.
    Each cell is found by its kept hash among the keys' (plain integers) and then
    compared with the key found, so only equal texts share a code. None (code the
    column as ever) when the column is short, the keys are not all text or two share
    a hash, or a cell cannot be hashed.
    """
    if len(cells) < 2 * _SAMPLE or pd.api.types.infer_dtype(keys, skipna=False) != "string":
        return None
    known = pd.Index(np.fromiter(map(hash, keys), dtype=np.int64, count=len(keys)))
    if not known.is_unique:
        return None
    try:
        hashes = np.fromiter(map(hash, cells), dtype=np.int64, count=len(cells))
    except TypeError:  # a cell that cannot be hashed
        return None
    at = known.get_indexer(hashes)  # -1 reads the slot after the last key: equal to no cell
    at[~np.equal(cells, with_slot(keys, _NOTHING)[at], dtype=np.bool_)] = -1
    rest = np.flatnonzero(at < 0)
    others = Coded.of(cells[rest])
    at[rest] = others.codes + len(keys)
    nan = others.nan + len(keys) if others.nan >= 0 else -1
    return Coded(at, np.concatenate([keys.astype(object), others.values]), nan)


_NOTHING = object()  # equal to no cell but itself


def _cell_texts(values: np.ndarray, text: bool) -> np.ndarray:
    """``cell_text`` of each of ``values`` (distinct cells); ``text``: all are known to be str."""
    if text or pd.api.types.infer_dtype(values, skipna=False) == "string":
        return np.fromiter(map(str.strip, values), dtype=object, count=len(values))  # text only
    texts = [v.strip() if type(v) is str else cell_text(plain(v)) for v in values]
    return np.asarray(texts, dtype=object)


def lookup(index: pd.Index, values: np.ndarray) -> np.ndarray:
    """``index.get_indexer(values)``, except that a blank value (None, NaN) is found nowhere.

    Text such as Contract IDs keeps its hash, so for the few hundred thousand rows
    a plan step asks about, asking the index row by row is quicker than telling the
    distinct objects apart first (``factorize_objects``); text in a text index is
    found by hash (``text_positions``), when either is long (a few values asked of a
    long index: the index would first read every key's type and build a table of them).
    """
    if index.dtype == object and max(len(values), len(index)) >= _SAMPLE:
        by_hash = text_positions(index.to_numpy(), np.asarray(values))
        if by_hash is not None:
            return by_hash
    found = index.get_indexer(values)
    found[np.asarray(pd.isna(values), dtype=bool)] = -1
    return found


def filled(count: int, value: object) -> np.ndarray:
    """``count`` object cells all holding ``value`` (the one object on every row).

    ndarray.fill: about a fifth of the time of ``np.full`` for an object, which turns
    ``value`` into an array first and copies it across cell by cell.
    """
    cells = np.empty(count, dtype=object)
    cells.fill(value)
    return cells


def object_array(items: Sequence[Any]) -> np.ndarray:
    """A 1-D object array of ``items``, even when they are tuples.

    ``np.fromiter`` stores each item as it is, without looking into it for a sequence
    (a third of the time of a Series made from the list).
    """
    return np.fromiter(items, dtype=object, count=len(items))


@dataclass(frozen=True)
class Coded:
    """A column as its distinct cells and, for each row, which of them it holds.

    Blank cells (None, NaN) read as None; ``nan`` is the slot of NaN-like cells,
    kept apart because only a real None counts as an empty cell in ``none_or_empty``.
    ``text`` says every value is known to be a str (none is None or NaN); ``rising``
    that each value is a text sorting after the one before it (so only the first can
    be "", the least text).
    """

    codes: np.ndarray
    values: np.ndarray
    nan: int = -1
    text: bool = False
    rising: bool = False

    @classmethod
    def of(cls, cells: np.ndarray) -> Coded:
        """Factorize a column of raw cells (a column of different texts is its own values).

        A column of a few shared objects is coded by object first, then its objects
        by value (``_few_objects``): the same codes and values either way.
        """
        few = _few_objects(cells)
        if few is not None:
            by_object, count = few
            objects = cls.of(cells[first_rows(by_object, count)])
            if not np.array_equal(objects.codes, np.arange(count)):  # else: codes as they are
                by_object = objects.codes[by_object]
            return cls(by_object, objects.values, objects.nan, objects.text)
        if (order := _different_texts(cells)) is not None:
            return cls(np.arange(len(cells)), cells, text=True, rising=order == "rising")
        codes, uniques = pd.factorize(cells)
        missing = np.flatnonzero(codes < 0)
        if not len(missing):
            return cls(codes, np.asarray(uniques, dtype=object))
        is_none = is_none_mask(cells[missing])
        nan = -1 if is_none.all() else len(uniques) + 1
        codes[missing] = np.where(is_none, len(uniques), nan)
        values = np.empty(len(uniques) + (1 if nan < 0 else 2), dtype=object)
        values[: len(uniques)] = uniques
        return cls(codes, values, nan)

    def map(self, function: Callable[[Any], Any]) -> Coded:
        """Apply ``function`` once per distinct cell (NaN-like cells read as None)."""
        codes, values = self._folded()
        return Coded(codes, object_array([function(plain(v)) for v in values]))

    def texts(self, trimmed: int = 0) -> Coded:
        """``cell_text`` of each distinct cell; text cells only need trimming.

        The first ``trimmed`` values are known to be trimmed texts (a column coded with
        such texts first, ``coded_among``): kept as they are, only the others are read.
        """
        codes, values = self._folded()
        if trimmed:
            rest = _cell_texts(values[trimmed:], self.text)
            return Coded(codes, np.concatenate([values[:trimmed], rest]), text=True)
        texts = _cell_texts(values, self.text)
        # Rising texts that trimming left the very same objects are rising still.
        rising = self.rising and same_objects(texts, values)
        return Coded(codes, texts, text=True, rising=rising)

    def _folded(self) -> tuple[np.ndarray, np.ndarray]:
        """Codes and values with NaN-like cells merged into the None slot."""
        if self.nan < 0:
            return self.codes, self.values
        return np.where(self.codes == self.nan, self.nan - 1, self.codes), self.values[:-1]

    def equals(self, value: str | None) -> np.ndarray:
        """Per row, whether the value is ``value`` (a text, or None)."""
        if value is None:
            same = is_none_mask(self.values)
        elif self.rising and value == "":  # only the least text, the first, can be ""
            same = np.zeros(len(self.values), dtype=np.bool_)
            same[0] = self.values[0] == ""
        else:
            same = np.asarray(self.values == value, dtype=np.bool_)
        return self.spread(same)

    def where(self, function: Callable[[Any], bool]) -> np.ndarray:
        """Per row, whether ``function`` holds for its cell (asked once per distinct cell)."""
        return self.spread(np.asarray([bool(function(plain(v))) for v in self.values], dtype=bool))

    def array(self) -> np.ndarray:
        """The column, one object per row."""
        if len(self.values) == 1:  # one value on every row (a column the tab lacks): filled
            column = np.empty(len(self.codes), dtype=object)  # quicker than a lookup per row
            column.fill(self.values[0])
            return column
        return self.values.take(self.codes)

    def series(self) -> pd.Series:
        """The column as an object Series."""
        return pd.Series(self.array(), dtype=object, copy=False)  # a fresh array: no copy

    def none_or_empty(self) -> np.ndarray:
        """Per row, whether the raw cell is None or "" (NaN is neither)."""
        empty = is_none_mask(self.values) | np.asarray(self.values == "", dtype=np.bool_)
        if self.nan >= 0:
            empty[self.nan] = False
        return self.spread(empty)

    def spread(self, flags: np.ndarray) -> np.ndarray:
        """Per row, the flag of its distinct cell (a new array; all alike: no lookup per row)."""
        if not flags.any():
            return np.zeros(len(self.codes), dtype=np.bool_)
        if flags.all():
            return np.ones(len(self.codes), dtype=np.bool_)
        return flags.take(self.codes)

    def unique(self) -> Coded:
        """The same column with equal values merged under one code."""
        if len(set(self.values.tolist())) == len(self.values):
            return self
        codes, distinct = pd.factorize(self.values, use_na_sentinel=False)
        return Coded(codes[self.codes], np.asarray(distinct, dtype=object))

    def at(self, rows: np.ndarray) -> list[Any]:
        """The values of rows ``rows``."""
        return self.values[self.codes[rows]].tolist()


def iso_days(dates: pd.Series, missing: object = "") -> pd.Series:
    """Each date as ``YYYY-MM-DD`` text (``missing`` where there is none), as one column step.

    The same text as ``dates.dt.strftime("%Y-%m-%d")`` without a Python call per cell.
    """
    codes, days = pd.factorize(np.asarray(dates.to_numpy()).astype("datetime64[D]"))
    text = with_slot(np.asarray(days, dtype="datetime64[D]").astype(str), missing)
    return pd.Series(text[codes], index=dates.index, dtype=object, copy=False)  # a fresh array
