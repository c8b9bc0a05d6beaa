"""A sheet's cells: a list of rows, each a list of stored cells, grown only as far as written."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from .a1 import Box
from .cells import Cell

SKIP = object()
"""Marks a value that a write leaves untouched (JSON ``null`` in a values update)."""


class Grid:
    """Stored cells of one sheet; rows and cells past the last written one are absent."""

    def __init__(self, rows: Iterable[Sequence[Cell]] = ()) -> None:
        self.rows: list[list[Cell]] = [list(row) for row in rows]
        self.rows_copied = 0  # by copy_rows, over the grid's life
        self._trim()

    def cell(self, row: int, col: int) -> Cell:
        """Return the stored cell at zero-based ``row``, ``col`` (None when empty)."""
        if row < len(self.rows) and col < len(self.rows[row]):
            return self.rows[row][col]
        return None

    def extent(self) -> tuple[int, int]:
        """Return (rows, columns) of the smallest rectangle from A1 holding every value."""
        width = max((len(row) for row in self.rows), default=0)
        return len(self.rows), width

    def copy_rows(self) -> list[list[Cell]]:
        """Return a copy of every row (a batchUpdate keeps one to undo itself); counted."""
        self.rows_copied += len(self.rows)
        return [row[:] for row in self.rows]

    def read(self, box: Box, render: Callable[[Cell], Any]) -> list[list[Any]]:
        """Return rendered rows of ``box`` with trailing empty cells and rows trimmed."""
        out: list[list[Any]] = []
        for row in self.rows[box.row0 : box.row1]:
            cells = row[box.col0 : box.col1]
            while cells and cells[-1] is None:
                cells.pop()
            out.append([render(cell) for cell in cells])
        while out and not out[-1]:
            out.pop()
        return out

    def write(self, row0: int, col0: int, values: Sequence[Sequence[Any]]) -> None:
        """Store ``values`` with their top-left at (row0, col0); SKIP leaves a cell as it is."""
        for offset, data in enumerate(values):
            if all(value is SKIP for value in data):
                continue
            row = self._row(row0 + offset, col0 + len(data))
            for index, value in enumerate(data):
                if value is not SKIP:
                    row[col0 + index] = value
            while row and row[-1] is None:  # only the rows written can have changed
                row.pop()
        while self.rows and not self.rows[-1]:
            self.rows.pop()

    def clear(self, box: Box) -> None:
        """Empty every cell of ``box``."""
        for row in self.rows[box.row0 : box.row1]:
            end = min(box.col1, len(row))
            row[box.col0 : end] = [None] * max(0, end - box.col0)
        self._trim()

    def insert_rows(self, start: int, count: int) -> None:
        """Insert ``count`` empty rows before zero-based row ``start``."""
        if start < len(self.rows):
            self.rows[start:start] = [[] for _ in range(count)]

    def delete_rows(self, start: int, end: int) -> None:
        """Remove rows ``start`` (inclusive) to ``end`` (exclusive)."""
        del self.rows[start:end]
        self._trim()

    def insert_columns(self, start: int, count: int) -> None:
        """Insert ``count`` empty columns before zero-based column ``start``."""
        for row in self.rows:
            if start < len(row):
                row[start:start] = [None] * count

    def delete_columns(self, start: int, end: int) -> None:
        """Remove columns ``start`` (inclusive) to ``end`` (exclusive)."""
        for row in self.rows:
            del row[start:end]
        self._trim()

    def replace_rows(self, start: int, rows: list[list[Cell]]) -> None:
        """Put ``rows`` in place of as many rows from ``start`` (used by sorts)."""
        self._row(start + len(rows) - 1, 0)
        self.rows[start : start + len(rows)] = rows
        self._trim()

    def _row(self, index: int, width: int) -> list[Cell]:
        while len(self.rows) <= index:
            self.rows.append([])
        row = self.rows[index]
        if len(row) < width:
            row.extend([None] * (width - len(row)))
        return row

    def _trim(self) -> None:
        for row in self.rows:
            while row and row[-1] is None:
                row.pop()
        while self.rows and not self.rows[-1]:
            self.rows.pop()
