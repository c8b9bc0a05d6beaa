"""One tab's known columns pulled out of its grid, with the sheet row of each data row."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

import numpy as np
import pandas as pd

from ..model import Grid
from ..schema import Column
from ..values import Coded, is_none_mask


@dataclass
class Table:
    """A tab's header, where each known column sits, and its non-blank data rows."""

    tab: str
    header: list[Any]
    index: dict[str, int]
    rows: list[int]
    raw: dict[str, pd.Series] = field(default_factory=dict)
    coded: dict[str, Coded] = field(default_factory=dict, repr=False, compare=False)
    renames: dict[str, str] = field(default_factory=dict)  # system column → name it takes here

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
        data = grid[1:]
        cells = _columns(data, index)
        coded = {name: Coded.of(column) for name, column in cells.items()}
        keep = _non_blank(coded, len(data))
        rows = (np.flatnonzero(keep) + 2).tolist()
        if keep.all():
            raw = {name: pd.Series(column, dtype=object) for name, column in cells.items()}
            return cls(tab, header, index, rows, raw, coded)
        raw = {name: pd.Series(column[keep], dtype=object) for name, column in cells.items()}
        return cls(tab, header, index, rows, raw)

    def get(self, name: str) -> pd.Series:
        """The raw cells of column ``name``; all None when the tab lacks that column."""
        if name in self.raw:
            return self.raw[name]
        return pd.Series([None] * len(self.rows), dtype="object")

    def distinct(self, name: str) -> Coded:
        """Column ``name`` as its distinct cells and a code per row (factorized once)."""
        if name not in self.coded:
            self.coded[name] = Coded.of(self.get(name).to_numpy(dtype=object))
        return self.coded[name]


def _columns(data: Grid, index: dict[str, int]) -> dict[str, np.ndarray]:
    """Each located column as an object array; short rows read as None past their end."""
    width = max(index.values(), default=-1) + 1
    lengths = np.fromiter(map(len, data), dtype=np.int64, count=len(data))
    short = np.flatnonzero(lengths < width)
    if len(short):
        data = list(data)
        for k in short.tolist():
            data[k] = [*data[k], *[None] * (width - len(data[k]))]
    return {
        name: np.fromiter(map(itemgetter(i), data), dtype=object, count=len(data))
        for name, i in index.items()
    }


def _non_blank(coded: dict[str, Coded], length: int) -> np.ndarray:
    """Rows with at least one cell that is not None, NaN, "" or False (nor 0, which equals it)."""
    keep = np.zeros(length, dtype=bool)
    for column in coded.values():
        values = column.values
        empty = np.asarray(values == "", dtype=np.bool_) | is_none_mask(values)
        filled = ~(empty | np.asarray(values == False, dtype=np.bool_))  # noqa: E712
        if column.nan >= 0:
            filled[column.nan] = False
        keep |= filled[column.codes]
    return keep
