"""One tab's known columns pulled out of its grid, with the sheet row of each data row."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .backends.base import Grid
from .schema import Column


@dataclass
class Table:
    """A tab's header, where each known column sits, and its non-blank data rows."""

    tab: str
    header: list[Any]
    index: dict[str, int]
    rows: list[int]
    raw: dict[str, pd.Series] = field(default_factory=dict)

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
        raw = {name: _column(data, i) for name, i in index.items()}
        keep = _non_blank(raw, len(data))
        rows = (np.flatnonzero(keep) + 2).tolist()
        raw = {name: s[keep].reset_index(drop=True) for name, s in raw.items()}
        return cls(tab, header, index, rows, raw)

    def get(self, name: str) -> pd.Series:
        """The raw cells of column ``name``; all None when the tab lacks that column."""
        if name in self.raw:
            return self.raw[name]
        return pd.Series([None] * len(self.rows), dtype="object")


def _column(data: Grid, i: int) -> pd.Series:
    return pd.Series([row[i] if i < len(row) else None for row in data], dtype="object")


def _non_blank(raw: dict[str, pd.Series], length: int) -> np.ndarray:
    keep = np.zeros(length, dtype=bool)
    for series in raw.values():
        blank = series.isna() | series.isin(["", False])
        keep |= ~blank.to_numpy(dtype=bool)
    return keep
