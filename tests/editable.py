"""A tracker that people edit between runs, on either backend: a workbook or a Google sheet.

The workbook is edited with openpyxl, as a person saving it in Excel would leave it;
the Google sheet through the Sheets API emulator's editor, as a person typing in the
browser would. Runs go through the real pipeline on a fresh backend each time.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl

from conftest import write_workbook
from gsheets_fixtures import backend as google_backend
from sheetsync.backends.a1 import column_letters
from sheetsync.backends.base import Backend
from sheetsync.backends.xlsx import XlsxBackend
from sheetsync.cells.dates import from_serial
from sheetsync.model import Grid
from sheetsync.pipeline import RunOptions, RunResult, run
from sheetsync.testing.emulator import SheetsEmulator
from sheetsync.testing.smtpd import ReceivedMessage, SmtpServer
from sheetsync.transports.outbox import OutboxTransport
from sheetsync.transports.smtp import SmtpPolicy, SmtpTransport

KINDS = ("xlsx", "google")
# The Contracts columns the auto-row and year-of-changes trackers fill in.
CONTRACT_HEADER = [
    "Contract ID",
    "Contract",
    "Owner",
    "Start Date",
    "End Date",
    "Auto-Renew",
    "Renewal Term (months)",
    "Notice Period (days)",
    "Risk",
    "Review Every",
    "Contract Status",
]


class Tracker:
    """One tracker on one backend kind; rows are found by the ID in their first column."""

    def __init__(self, kind: str, grids: dict[str, Grid], folder: Path, emulator: SheetsEmulator):
        self.kind, self.folder, self.emulator = kind, folder, emulator
        self.appended: list[dict[str, Any]] = []  # every Log row a run wrote, with its day
        if kind == "xlsx":
            self.path = write_workbook(folder / "tracker.xlsx", grids)
        else:
            self.sheet = emulator.create_spreadsheet("Tracker", grids)  # type: ignore[arg-type]

    def backend(self) -> Backend:
        """A new backend object, as each scheduled run makes."""
        if self.kind == "xlsx":
            return XlsxBackend(self.path)
        return google_backend(self.emulator, self.sheet)

    def run(self, day: dt.date) -> RunResult:
        """The whole job as of ``day``, at noon UTC, emails into the folder's outbox."""
        noon = dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.UTC)
        options = RunOptions(today=day, clock=lambda: noon)
        backend = self.backend()
        append = backend.append_log

        def kept(header: list[str], rows: list[list[object]]) -> object:
            self.appended.extend({**dict(zip(header, r, strict=True)), "day": day} for r in rows)
            return append(header, rows)

        backend.append_log = kept  # type: ignore[method-assign]
        return run(backend, OutboxTransport(self.folder / "outbox"), options)

    def tabs(self) -> dict[str, Grid]:
        """Every tab's cells as the backend reads them."""
        return self.backend().read().tabs

    def rows(self, tab: str) -> dict[str, dict[str, Any]]:
        """The tab's rows as {ID: {header: value}}."""
        header, *rows = self.tabs()[tab]
        return {
            str(row[0]): {str(h): (row[i] if i < len(row) else None) for i, h in enumerate(header)}
            for row in rows
            if row and row[0] not in (None, "")
        }

    def log(self) -> list[dict[str, Any]]:
        """Every Log row, as {header: value}."""
        header, *rows = self.tabs()["Log"]
        return [dict(zip(header, row, strict=False)) for row in rows]

    def type(self, tab: str, ident: str, header: str, value: object) -> None:
        """A person types ``value`` (None: clears the cell) into ``header`` of row ``ident``."""
        if self.kind == "xlsx":
            book = openpyxl.load_workbook(self.path)
            sheet = book[tab]
            column = [c.value for c in sheet[1]].index(header) + 1
            cell = sheet.cell(self._row(tab, ident), column)
            cell.value = value
            if isinstance(value, dt.date):
                cell.number_format = "yyyy-mm-dd"
            book.save(self.path)
            return
        column = self.tabs()[tab][0].index(header)
        self.emulator.edit(self.sheet, tab).type(
            f"{column_letters(column + 1)}{self._row(tab, ident)}", value
        )

    def delete(self, tab: str, ident: str) -> None:
        """A person deletes row ``ident`` (the rows below move up)."""
        row = self._row(tab, ident)
        if self.kind == "xlsx":
            book = openpyxl.load_workbook(self.path)
            book[tab].delete_rows(row)
            book.save(self.path)
            return
        self.emulator.edit(self.sheet, tab).delete_rows(row)

    def rename_header(self, tab: str, old: str, new: str) -> None:
        """A person types a new name over the header ``old`` of ``tab``."""
        column = self.tabs()[tab][0].index(old)
        if self.kind == "xlsx":
            book = openpyxl.load_workbook(self.path)
            book[tab].cell(1, column + 1).value = new
            book.save(self.path)
            return
        self.emulator.edit(self.sheet, tab).type(f"{column_letters(column + 1)}1", new)

    def clear(self, tab: str) -> None:
        """A person deletes every row of ``tab`` under its header."""
        count = len(self.tabs()[tab])
        if count < 2:
            return
        if self.kind == "xlsx":
            book = openpyxl.load_workbook(self.path)
            book[tab].delete_rows(2, count - 1)
            book.save(self.path)
            return
        self.emulator.edit(self.sheet, tab).delete_rows(2, count - 1)

    def _row(self, tab: str, ident: str) -> int:
        ids = [str(row[0]) if row else "" for row in self.tabs()[tab]]
        return ids.index(ident) + 1


def as_date(value: object) -> dt.date | None:
    """A date cell as either backend reads it: a date, a serial number or ISO text."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return from_serial(value)
    if isinstance(value, str) and value:
        return dt.date.fromisoformat(value[:10])
    return None


class Desk:
    """A tracker on one backend whose runs email the loopback server; ``options`` are
    further RunOptions fields (an Action URL and link keys, say)."""

    def __init__(self, tracker: Tracker, server: SmtpServer, **options: Any) -> None:
        self.tracker, self.server, self.options = tracker, server, options

    def run(self, day: dt.date) -> list[ReceivedMessage]:
        """A run as of ``day`` at noon UTC; the messages it delivered."""
        before = len(self.server.messages)
        noon = dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.UTC)
        transport = SmtpTransport(self.server.url(), None, policy=SmtpPolicy(sleep=lambda _: None))
        self.result: RunResult = run(
            self.tracker.backend(),
            transport,
            RunOptions(today=day, clock=lambda: noon, **self.options),
        )
        return self.server.messages[before:]
