"""Where each write lands: headers found or added, rows found by ID at write time.

Shared by every backend so they agree on §5 of the design: system columns are
located by header (missing ones added at the right end), rows by their ID as it
is *now*, a vanished row is skipped, and conditional cells are written only if
they still hold what the run read.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..cells.dates import to_serial
from ..model import RowWrite, StatusColumns, TabWrite, WriteReport
from ..schema import header_key


@dataclass
class ColumnCells:
    """Cells of one column: the 1-based ``rows`` and the value of each, aligned."""

    column: int
    rows: np.ndarray  # int64
    values: np.ndarray  # object dtype


@dataclass
class CellPlan:
    """Header cells to add and value cells to set, as (row, column) 1-based.

    ``blocks`` hold the cells of the rows written column by column, ``cells`` those of the
    rows written one by one; where both set a cell (a shared ID), ``cells`` comes last.
    """

    new_headers: list[tuple[int, str]] = field(default_factory=list)
    cells: list[tuple[int, int, Any]] = field(default_factory=list)
    report: WriteReport = field(default_factory=WriteReport)
    blocks: list[ColumnCells] = field(default_factory=list)

    def each(self) -> Iterator[tuple[int, int, Any]]:
        """Every cell to set, (row, column, value): the blocks' first, then ``cells``."""
        for block in self.blocks:
            column = block.column
            for row, value in zip(block.rows.tolist(), block.values.tolist(), strict=True):
                yield row, column, value
        yield from self.cells


def header_columns(
    header: Sequence[object], wanted: Sequence[str]
) -> tuple[dict[str, int], list[tuple[int, str]]]:
    """Column numbers by header key, adding the ``wanted`` headers that are missing."""
    columns: dict[str, int] = {}
    last = 0
    for number, value in enumerate(header, start=1):
        if value not in (None, ""):
            columns.setdefault(header_key(value), number)
            last = number
    added = []
    for name in wanted:
        if header_key(name) not in columns:
            last += 1
            columns[header_key(name)] = last
            added.append((last, name))
    return columns, added


def id_text(value: object) -> str:
    """An ID cell as text; whole numbers without ``.0``."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip() if value is not None else ""


class IdsNow:
    """The ID column as it is now (row 2 down), as text, looked up many IDs at a time.

    A row still holding its ID where it was read is where it is now, whether that ID is
    on one row or several: only the rows a person moved, or took away, are looked up
    among the IDs on one row alone, and that table is made the first time one is.
    """

    def __init__(self, ids: Sequence[object]) -> None:
        texts = [v.strip() if type(v) is str else id_text(v) for v in ids]
        self.texts = np.empty(len(texts), dtype=object)
        self.texts[:] = texts

    @functools.cached_property
    def _unique(self) -> tuple[pd.Index, np.ndarray]:
        """The IDs on one row alone, and their rows."""
        once = ~pd.Series(self.texts, dtype=object).duplicated(keep=False).to_numpy(dtype=bool)
        once &= self.texts != ""
        return pd.Index(self.texts[once]), np.flatnonzero(once) + 2

    def rows_of(self, row_ids: np.ndarray, read_rows: np.ndarray) -> np.ndarray:
        """Where each row is now (0: gone): the row it was read at if that still holds its
        ID, else the one row holding it."""
        index = read_rows - 2
        inside = (index >= 0) & (index < len(self.texts))
        holds = np.zeros(len(row_ids), dtype=bool)
        holds[inside] = self.texts[index[inside]] == row_ids[inside]
        kept = np.where(holds, read_rows, 0).astype(np.int64)
        moved = np.flatnonzero(~holds)
        if len(moved):
            unique, unique_rows = self._unique
            at = unique.get_indexer(row_ids[moved]) if len(unique) else np.full(len(moved), -1)
            kept[moved[at >= 0]] = unique_rows[at[at >= 0]]
        return kept

    def at(self, row: int) -> str:
        """The ID text at sheet row ``row``; blank past the column's end."""
        return str(self.texts[row - 2]) if 2 <= row < len(self.texts) + 2 else ""


def plan_cells(
    tab_write: TabWrite,
    header: Sequence[object],
    ids: Sequence[object],
    cell: Callable[[int, int], object],
    height: int = 0,
) -> CellPlan:
    """Decide every cell to write for ``tab_write``.

    Args:
        header: row 1 as it is now.
        ids: the ID column as it is now, from row 2 down.
        cell: reads a current value by (row, column), for conditional writes.
        height: the last row holding anything now, where it is past the ID column's.
    """
    found, added = header_columns(header, tab_write.system_headers)
    columns = _Columns(found)
    plan = CellPlan(new_headers=added)
    now = IdsNow(ids)
    if tab_write.columns is not None and len(tab_write.columns):
        _plan_columns(tab_write.columns, now, columns, plan)
    if not tab_write.rows:
        return plan
    moved = _Unnumbered(ids, columns, cell, max(height, len(ids) + 1))
    targets = _targets(tab_write.rows, now)
    for row_write, row in zip(tab_write.rows, targets, strict=True):
        if row is not None and row_write.row_id is None and _moved(row, row_write, columns, cell):
            row = None
        if row is None and row_write.row_id is None:
            row = moved.find(row_write)
        if row is None:
            plan.report.skipped.append(row_write.row_id or f"row {row_write.read_row}")
            continue
        cells = _row_cells(row, row_write, columns, cell)
        if len(cells) < columns.count(row_write.cells):
            plan.report.held.append(row_write.row_id or f"row {row_write.read_row}")
        plan.cells.extend(cells)
        plan.report.written += 1
    return plan


def _plan_columns(status: StatusColumns, now: IdsNow, columns: _Columns, plan: CellPlan) -> None:
    """The column-wise rows: each found by its ID now, its cells one block per column."""
    rows = now.rows_of(status.row_ids, status.read_rows)
    found = rows > 0
    plan.report.skipped.extend(status.row_ids[~found].tolist())
    plan.report.written += int(found.sum())
    everywhere = bool(found.all())
    for name, values in status.values.items():
        column = columns[name]
        if column is not None:
            kept = values if everywhere else values[found]
            plan.blocks.append(ColumnCells(column, rows[found], kept))


def _targets(row_writes: Sequence[RowWrite], now: IdsNow) -> list[int | None]:
    """Where each row write lands by its ID (or, without one, its blank read row)."""
    named = [i for i, r in enumerate(row_writes) if r.row_id]
    ids = np.empty(len(named), dtype=object)
    ids[:] = [row_writes[i].row_id for i in named]
    read = np.fromiter((row_writes[i].read_row for i in named), dtype=np.int64, count=len(named))
    found = dict(zip(named, now.rows_of(ids, read).tolist(), strict=True))
    targets: list[int | None] = []
    for i, row_write in enumerate(row_writes):
        if i in found:
            targets.append(found[i] or None)
        else:
            blank = row_write.read_row >= 2 and not now.at(row_write.read_row)
            targets.append(row_write.read_row if blank else None)
    return targets


class _Unnumbered:
    """The rows without an ID now, found by what identifies them (title and contract).

    A row a person added without an ID is emailed under the ID the run gives it; if the
    person sorted or inserted rows before the write, that row is found where it is now,
    so it gets that ID and the next run does not number it afresh and send it again.
    Only a row that alone holds those cells is taken, and each only once.
    """

    def __init__(
        self,
        ids: Sequence[object],
        columns: _Columns,
        cell: Callable[[int, int], object],
        last_row: int,
    ) -> None:
        self.ids, self.columns, self.cell, self.last_row = ids, columns, cell, last_row
        self.found: dict[tuple[str, ...], dict[tuple[object, ...], list[int]]] = {}
        self.taken: set[int] = set()

    def find(self, row_write: RowWrite) -> int | None:
        """The one row without an ID whose ``match`` cells hold what was read, else None."""
        names = tuple(sorted(row_write.match))
        if not names or any(self.columns[name] is None for name in names):
            return None
        wanted = tuple(comparable(row_write.match[name]) for name in names)
        rows = self._by_cells(names).get(wanted, [])
        if len(rows) != 1 or rows[0] in self.taken:
            return None
        self.taken.add(rows[0])
        return rows[0]

    def _by_cells(self, names: tuple[str, ...]) -> dict[tuple[object, ...], list[int]]:
        if names not in self.found:
            index: dict[tuple[object, ...], list[int]] = {}
            for row in range(2, self.last_row + 1):
                if row - 2 < len(self.ids) and id_text(self.ids[row - 2]):
                    continue
                key = tuple(comparable(self.cell(row, self.columns[n] or 0)) for n in names)
                index.setdefault(key, []).append(row)
            self.found[names] = index
        return self.found[names]


class _Columns(dict[str, int | None]):
    """Each cell name's column (None: the tab has none), its header key worked out once.

    A write names the same few columns on every row: looking each name up once spares
    reducing it to its header key again on each of a hundred thousand rows.
    """

    def __init__(self, by_key: dict[str, int]) -> None:
        super().__init__()
        self.by_key = by_key

    def __missing__(self, name: str) -> int | None:
        column = self.by_key.get(header_key(name))
        self[name] = column
        return column

    def count(self, names: Iterable[str]) -> int:
        """How many of ``names`` the tab has a column for."""
        return sum(self[name] is not None for name in names)


def _moved(
    row: int, row_write: RowWrite, columns: _Columns, cell: Callable[[int, int], object]
) -> bool:
    """Whether the row now at ``row`` is not the one read there (a person inserted one)."""
    return any(
        _differs(cell(row, column), value)
        for name, value in row_write.match.items()
        if (column := columns[name]) is not None
    )


def _row_cells(
    row: int, row_write: RowWrite, columns: _Columns, cell: Callable[[int, int], object]
) -> list[tuple[int, int, Any]]:
    cells = row_write.cells
    if row_write.expect and any(
        _differs(cell(row, column), expected)
        for name, expected in row_write.expect.items()
        if (column := columns[name]) is not None
    ):
        cells = {name: v for name, v in cells.items() if name not in row_write.expect}
    return [
        (row, column, value)
        for name, value in cells.items()
        if (column := columns[name]) is not None
    ]


def comparable(value: object) -> object:
    """A value reduced so a date cell and its serial number compare equal."""
    import datetime as dt

    if isinstance(value, dt.date):
        return to_serial(value)
    if value in (None, ""):
        return None
    return value


def _differs(current: object, expected: object) -> bool:
    return comparable(current) != comparable(expected)
