"""Every spreadsheet the emulator holds, and how they are created, found and removed."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any

from . import defaults
from .cells import Cell
from .errors import ApiError
from .model import IdMaker, Spreadsheet, new_sheet
from .seeding import seed_cell


class Store:
    """The emulator's state: spreadsheets by id, an id maker and one lock for all of it."""

    def __init__(self, seed: int = 0) -> None:
        self.books: dict[str, Spreadsheet] = {}
        self.ids = IdMaker(seed)
        self.lock = threading.RLock()

    def create(
        self,
        title: str,
        tabs: Mapping[str, Sequence[Sequence[Any]]] | None = None,
        locale: str = defaults.DEFAULT_LOCALE,
        time_zone: str = defaults.DEFAULT_TIME_ZONE,
        private: bool = False,
    ) -> Spreadsheet:
        """Create a spreadsheet; ``tabs`` maps titles to rows of typed values (default Sheet1)."""
        properties = defaults.spreadsheet_properties(title, locale, time_zone)
        with self.lock:
            book = Spreadsheet(self.ids.spreadsheet_id(), properties, private=private)
            return self._add(book, tabs)

    def placeholder(self, spreadsheet_id: str) -> Spreadsheet:
        """A private spreadsheet under a known id: every request for it is answered 403."""
        properties = defaults.spreadsheet_properties(
            "private", defaults.DEFAULT_LOCALE, defaults.DEFAULT_TIME_ZONE
        )
        with self.lock:
            return self._add(Spreadsheet(spreadsheet_id, properties, private=True), None)

    def _add(
        self, book: Spreadsheet, tabs: Mapping[str, Sequence[Sequence[Any]]] | None
    ) -> Spreadsheet:
        """Give ``book`` its tabs (default Sheet1) and keep it."""
        for index, (name, rows) in enumerate((tabs or {"Sheet1": []}).items()):
            sheet_id = 0 if index == 0 else self.ids.number()
            book.sheets.append(new_sheet(sheet_id, name, _typed(rows)))
        book.reindex()
        self.books[book.spreadsheet_id] = book
        return book

    def open(self, spreadsheet_id: str) -> Spreadsheet:
        """Return a spreadsheet the caller may see; 404 when unknown, 403 when private."""
        book = self.books.get(spreadsheet_id)
        if book is None:
            raise ApiError.not_found()
        if book.private:
            raise ApiError.denied()
        return book

    def delete(self, spreadsheet_id: str) -> None:
        """Remove a spreadsheet (Drive ``files.delete``)."""
        self.open(spreadsheet_id)
        del self.books[spreadsheet_id]

    def visible(self) -> list[Spreadsheet]:
        """Return the spreadsheets the caller may list."""
        return [book for book in self.books.values() if not book.private]


def _typed(rows: Sequence[Sequence[Any]]) -> list[list[Cell]]:
    """Store seed values as typed (dates and datetimes become serial numbers)."""
    return [[seed_cell(value) for value in row] for row in rows]
