"""Where each write lands: headers found or added, rows found by ID at write time.

Shared by every backend so they agree on §5 of the design: system columns are
located by header (missing ones added at the right end), rows by their ID as it
is *now*, a vanished row is skipped, and conditional cells are written only if
they still hold what the run read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..cells.dates import to_serial
from ..model import RowWrite, TabWrite, WriteReport
from ..schema import header_key


@dataclass
class CellPlan:
    """Header cells to add and value cells to set, as (row, column) 1-based."""

    new_headers: list[tuple[int, str]] = field(default_factory=list)
    cells: list[tuple[int, int, Any]] = field(default_factory=list)
    report: WriteReport = field(default_factory=WriteReport)


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
    where: dict[str, list[int]] = {}
    for number, value in enumerate(ids, start=2):
        if text := id_text(value):
            where.setdefault(text, []).append(number)
    moved = _Unnumbered(ids, columns, cell, max(height, len(ids) + 1))
    for row_write in tab_write.rows:
        row = _target_row(row_write, where, ids)
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


def _target_row(
    row_write: RowWrite, where: dict[str, list[int]], ids: Sequence[object]
) -> int | None:
    if row_write.row_id:
        rows = where.get(row_write.row_id, [])
        if len(rows) == 1:
            return rows[0]
        return row_write.read_row if row_write.read_row in rows else None
    index = row_write.read_row - 2
    blank = index >= len(ids) or not id_text(ids[index])
    return row_write.read_row if index >= 0 and blank else None


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
