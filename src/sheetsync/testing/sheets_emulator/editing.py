"""Edits a person makes in the browser, for tests that change a sheet between two calls."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .a1 import column_index, parse_cells
from .cells import store_user_entered
from .errors import ApiError
from .model import Sheet, Spreadsheet
from .seeding import seed_cell
from .sorting import sort_rows


class SheetEditor:
    """Edit one tab as a person would; rows are 1-based like the sheet's row numbers."""

    def __init__(self, book: Spreadsheet, sheet: Sheet, lock: Any) -> None:
        self._book, self._sheet, self._lock = book, sheet, lock

    def insert_rows(self, at: int, rows: Sequence[Sequence[Any]] = (), count: int = 0) -> None:
        """Insert ``rows`` (or ``count`` blank rows) so the first lands on row ``at``."""
        height = max(count, len(rows))
        with self._lock:
            self._sheet.grid.insert_rows(at - 1, height)
            self._sheet.props["gridProperties"]["rowCount"] += height
            typed = [[seed_cell(value) for value in row] for row in rows]
            self._sheet.grid.write(at - 1, 0, typed)
            self._book.touch()

    def delete_rows(self, at: int, count: int = 1) -> None:
        """Delete ``count`` rows starting at row ``at``."""
        with self._lock:
            self._sheet.grid.delete_rows(at - 1, at - 1 + count)
            self._sheet.props["gridProperties"]["rowCount"] -= count
            self._book.touch()

    def sort(self, column: str | int, descending: bool = False, header_rows: int = 1) -> None:
        """Sort the rows below the header by a column (letter, 0-based index or header text)."""
        with self._lock:
            index = self._column(column, header_rows)
            rows = self._sheet.grid.rows[header_rows:]
            width = self._sheet.grid.extent()[1]
            padded = [row + [None] * (width - len(row)) for row in rows]
            self._sheet.grid.replace_rows(header_rows, sort_rows(padded, [(index, descending)]))
            self._book.touch()

    def type(self, cell: str, value: Any) -> None:
        """Type ``value`` into a cell such as ``"B3"`` (text is parsed like USER_ENTERED)."""
        bounds = parse_cells(cell)
        if bounds is None or bounds.row0 is None or bounds.col0 is None:
            raise ValueError(f"not a cell reference: {cell!r}")
        if isinstance(value, str):
            stored = store_user_entered(value, self._book.locale)
        else:
            stored = seed_cell(value)
        with self._lock:
            self._sheet.grid.write(bounds.row0, bounds.col0, [[stored]])
            self._book.touch()

    def _column(self, column: str | int, header_rows: int) -> int:
        if isinstance(column, int):
            return column
        headers = self._sheet.grid.rows[header_rows - 1] if header_rows else []
        for index, header in enumerate(headers):
            if isinstance(header, str) and header.strip().lower() == column.strip().lower():
                return index
        if column.isalpha() and len(column) <= 3:
            return column_index(column)
        raise ApiError.invalid(f"No column {column!r}")
