"""The local backend: a tracker in an ``.xlsx`` workbook, read and written with openpyxl.

It writes only system columns, new IDs, conditional roll-forward cells and Log
rows; every other cell, tab, format and formula is saved back as it was. How the
file itself is opened and saved (atomically, keeping its permissions and owner,
through a symlink) is in ``file``.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from ...cells.dates import to_serial
from ...cells.text import printable
from ...dashboard import Dashboard
from ...errors import BackendError, TrackerNotFound
from ...model import Cell, Grid, Snapshot, TabWrite, WriteReport
from ...record.prune import LogPrune, rows_to_prune
from ...schema import LOG, LOG_COLUMNS, header_key
from ..rowmatch import header_columns, plan_cells
from .dashboard import write_dashboard
from .file import damaged, ensure_writable, opened, save
from .formulas import formula_cells, mark
from .lock import LockPolicy, refuse_if_open, workbook_lock

DATE_FORMAT = "yyyy-mm-dd"


def readable_name(stem: str) -> str:
    """A file name as a person would write it: ``acme_contracts-2026`` → ``Acme contracts 2026``."""
    words = " ".join(stem.replace("_", " ").replace("-", " ").split())
    return words[:1].upper() + words[1:] if words else "Contract tracker"


class XlsxBackend:
    """A tracker stored in a local workbook."""

    def __init__(self, path: str | os.PathLike[str], lock_policy: LockPolicy | None = None) -> None:
        self.path = Path(path)
        self.api_calls = 0
        self.lock_policy = lock_policy

    def lock(self) -> AbstractContextManager[None]:
        """Hold the workbook for one run (``lock``); refuse if a person has it open.

        Raises:
            TrackerBusy: another run holds it past the wait, or Excel/LibreOffice has it.
        """
        if not self.path.exists():
            raise TrackerNotFound(f"no workbook at {self.path}")
        refuse_if_open(self.path)  # a person may have opened it through a symlink
        return workbook_lock(self.path.resolve(), self.lock_policy)

    def read(self) -> Snapshot:
        """Read every tab's values (saved results of formulas) as raw cells.

        A formula with no saved result reads as its text (``Uncomputed``), and a number
        worked out from TODAY() or NOW() as ``Moving``, so the readers can say so.
        """
        with opened(self.path, read_only=True, data_only=True) as book:
            tabs = {ws.title: _grid(ws) for ws in book.worksheets}
        for title, cells in _formulas(self.path).items():
            if title in tabs:
                mark(tabs[title], cells)
        self.api_calls += 1
        return Snapshot(
            title=readable_name(self.path.stem), tabs=tabs, url=None, identity=self.identity
        )

    @property
    def identity(self) -> str:
        """The workbook's resolved path: a copy elsewhere is another tracker."""
        return str(self.path.resolve())

    def ensure_writable(self) -> None:
        """Refuse a read-only workbook before the run sends anything (see ``file``)."""
        ensure_writable(self.path)

    def write_early(self, writes: Callable[[], Sequence[TabWrite]], unwritten: int) -> bool:
        """Nothing to start early: the whole write is one save at the end."""
        return False

    def write_status(
        self,
        writes: Sequence[TabWrite],
        log_prune: LogPrune | None = None,
        dashboard: Dashboard | None = None,
    ) -> WriteReport:
        """Write system columns by ID and prune old Log rows, in one save.

        The Log is pruned as it is in the file at this moment, by what its rows hold;
        a missing Log tab is made again, with its header. The Dashboard tab is
        rewritten in the same save.
        """
        report = WriteReport()
        with self._editing() as book:
            for tab_write in writes:
                if tab_write.tab in book.sheetnames:
                    _write_tab(book[tab_write.tab], tab_write, report)
            log = _find_sheet(book, LOG)
            if log is None:
                _ensure_headers(book.create_sheet(LOG), LOG_COLUMNS)
            elif log_prune is not None:
                _prune(log, log_prune)
            if dashboard is not None:
                write_dashboard(book, dashboard)
        return report

    def append_log(self, header: Sequence[str], rows: Sequence[Sequence[Cell]]) -> None:
        """Append ledger rows to the Log tab, creating it (or its header) if missing."""
        if not rows:
            return
        with self._editing() as book:
            sheet = _find_sheet(book, LOG) or book.create_sheet(LOG)
            columns = _ensure_headers(sheet, header)
            target = _last_used_row(sheet)
            for values in rows:
                target += 1
                for name, value in zip(header, values, strict=True):
                    _put(sheet.cell(target, columns[header_key(name)]), value)

    def append_rows(
        self, tab: str, rows: Sequence[dict[str, Any]], id_header: str | None = None
    ) -> None:
        """Append rows by header below the last row of ``tab``, skipping IDs already there."""
        if not rows:
            return
        with self._editing() as book:
            sheet = _find_sheet(book, tab)
            if sheet is None:
                raise BackendError(f"the {tab} tab disappeared during the run")
            if id_header:
                rows = _not_present(sheet, rows, id_header)
            columns = _ensure_headers(sheet, [name for row in rows for name in row])
            target = _last_used_row(sheet)
            for values in rows:
                target += 1
                for name, value in values.items():
                    _put(sheet.cell(target, columns[header_key(name)]), value)

    @contextmanager
    def _editing(self) -> Iterator[Workbook]:
        with opened(self.path, read_only=False, data_only=False) as book:
            yield book
            book.calculation.fullCalcOnLoad = True  # Excel works every formula out afresh
            save(book, self.path)
        self.api_calls += 1


def _grid(sheet: Any) -> Grid:
    grid: Grid = [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    while grid and all(v is None for v in grid[-1]):
        grid.pop()
    return grid


def _formulas(path: Path) -> dict[str, dict[tuple[int, int], Any]]:
    try:
        return formula_cells(path)
    except (zipfile.BadZipFile, KeyError, OSError, ElementTree.ParseError) as exc:
        raise damaged(path, exc) from exc


def _cell(value: object) -> Cell:
    if isinstance(value, dt.datetime | dt.date):
        return to_serial(value)
    if isinstance(value, dt.time | dt.timedelta):
        return str(value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _last_used_row(sheet: Worksheet) -> int:
    """The last row holding a value: formatting or validation further down doesn't count."""
    for row in range(sheet.max_row, 0, -1):
        if any(cell.value not in (None, "") for cell in sheet[row]):
            return row
    return 0


def _not_present(
    sheet: Worksheet, rows: Sequence[dict[str, Any]], id_header: str
) -> list[dict[str, Any]]:
    """The rows whose ``id_header`` value is not in the tab's ID column as it is now."""
    column = header_columns([c.value for c in sheet[1]], ())[0].get(header_key(id_header))
    if column is None:
        return list(rows)
    present = {str(sheet.cell(r, column).value).strip() for r in range(2, sheet.max_row + 1)}
    return [row for row in rows if str(row.get(id_header)).strip() not in present]


def _find_sheet(book: Workbook, name: str) -> Worksheet | None:
    """The tab named ``name``, ignoring case and surrounding spaces (as every step does)."""
    for sheet in book.worksheets:
        if sheet.title.strip().casefold() == name.strip().casefold():
            return sheet
    return None


def _ensure_headers(sheet: Worksheet, wanted: Sequence[str]) -> dict[str, int]:
    """Column numbers by header key; missing headers are added at the right end, bold."""
    columns, added = header_columns([c.value for c in sheet[1]], wanted)
    for column, name in added:
        sheet.cell(1, column, name).font = Font(bold=True)
    return columns


def _write_tab(sheet: Worksheet, tab_write: TabWrite, report: WriteReport) -> None:
    header = [c.value for c in sheet[1]]
    columns, _ = header_columns(header, ())
    id_column = columns.get(header_key(tab_write.id_header))
    ids = [sheet.cell(r, id_column).value for r in range(2, sheet.max_row + 1)] if id_column else []
    plan = plan_cells(tab_write, header, ids, lambda r, c: sheet.cell(r, c).value)
    if not id_column:
        plan.cells, plan.blocks = [], []
        plan.report.skipped = tab_write.labels()
        plan.report.written = 0
    for column, name in plan.new_headers:
        sheet.cell(1, column, name).font = Font(bold=True)
    for row, column, value in plan.each():
        _put(sheet.cell(row, column), value)
    report.merge(plan.report)


def _put(cell: Any, value: Any) -> None:
    """Write ``value`` as a plain value: text stays text (``=SUM(…)`` is never a formula)
    and characters a workbook cannot hold (NUL, ESC …) are shown as visible symbols."""
    if isinstance(value, str) and ILLEGAL_CHARACTERS_RE.search(value):
        value = printable(value)
    cell.value = value
    if isinstance(value, str) and cell.data_type == "f":
        cell.data_type = "s"
    if isinstance(value, dt.date):
        cell.number_format = DATE_FORMAT


def _prune(sheet: Worksheet, prune: LogPrune) -> None:
    """Remove the Log rows ``prune`` lets go, in one pass: kept rows move up, the tail goes.

    Deleting row by row moves every row below each time (quadratic); this moves each
    kept cell once, with its format.
    """
    grid: Grid = [[_cell(c.value) for c in row] for row in sheet.iter_rows()]
    drop = set(rows_to_prune(grid, prune))
    if not drop:
        return
    width = max((len(r) for r in grid), default=0)
    target = min(drop)
    for source in range(target, len(grid) + 1):
        if source in drop:
            continue
        for column in range(1, width + 1):
            _move(sheet.cell(source, column), sheet.cell(target, column))
        target += 1
    sheet.delete_rows(target, sheet.max_row - target + 1)


def _move(source: Any, target: Any) -> None:
    target.value = source.value
    target._style = copy.copy(source._style)  # number format, font, fill: as one
