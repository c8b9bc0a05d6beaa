"""An in-memory tracker backend: the Backend contract over plain grids.

For tests (yours and ours) that run the whole job many times and care about the
rules rather than the storage, and for ``template_check``, which renders every email
from the sample tracker: it applies writes exactly as the workbook and Google
backends do (``backends.rowmatch``), without the file or network cost.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Any

from ..cells.dates import to_serial
from ..dashboard import Dashboard
from ..model import Cell, Grid, Snapshot, TabWrite, WriteReport
from ..record.prune import LogPrune, rows_to_prune
from ..schema import LOG, LOG_COLUMNS, header_key
from .rowmatch import header_columns, plan_cells


class MemoryBackend:
    """A tracker held as ``{tab: grid}``; ``tabs`` is the live state tests inspect and edit.

    ``history`` keeps every Log row ever appended, as a dict by header, even after the
    run has pruned it from the Log (Log retention), so long simulations can audit sends.
    """

    def __init__(
        self, tabs: dict[str, Grid], title: str = "Tracker", locale: str | None = None
    ) -> None:
        self.tabs = {name: [list(map(_cell, row)) for row in grid] for name, grid in tabs.items()}
        self.title = title
        self.locale = locale
        self.api_calls = 0
        self.history: list[dict[str, Cell]] = []
        self.dashboard: Dashboard | None = None  # the last run's

    @property
    def identity(self) -> str:
        """No identity: every in-memory tracker is the same one to a link."""
        return ""

    def lock(self) -> AbstractContextManager[None]:
        """No lock: one process holds the grids."""
        return contextlib.nullcontext()

    def read(self) -> Snapshot:
        """A deep copy of every tab."""
        self.api_calls += 1
        return Snapshot(self.title, copy.deepcopy(self.tabs), locale=self.locale)

    def ensure_writable(self) -> None:
        """Always writable."""

    def write_early(self, writes: Callable[[], Sequence[TabWrite]], unwritten: int) -> bool:
        """Nothing to start early: the status write is quick here."""
        return False

    def write_status(
        self,
        writes: Sequence[TabWrite],
        log_prune: LogPrune | None = None,
        dashboard: Dashboard | None = None,
    ) -> WriteReport:
        """Apply system-column writes by ID and prune the Log as it is now (or make it).

        The Dashboard is kept aside (``dashboard``), not among the tabs the runs read.
        """
        self.api_calls += 1
        self.dashboard = dashboard
        report = WriteReport()
        for tab_write in writes:
            grid = self.tabs.get(tab_write.tab)
            if grid:
                self._apply(grid, tab_write, report)
        log = self._tab(LOG)
        if log is None:
            self.tabs[LOG] = [list(LOG_COLUMNS)]
        elif log_prune is not None:
            drop = set(rows_to_prune(log, log_prune))
            log[:] = [row for number, row in enumerate(log, start=1) if number not in drop]
        return report

    def append_log(self, header: Sequence[str], rows: Sequence[Sequence[Cell]]) -> None:
        """Append rows under the Log header, creating the tab if needed."""
        if not rows:
            return
        self.api_calls += 1
        log = self._tab(LOG)
        if log is None:
            log = self.tabs[LOG] = []
        if not log:
            log.append(list(header))
        columns, added = header_columns(log[0], header)
        for column, name in added:
            _put(log, 1, column, name)
        self.history.extend(dict(zip(header, values, strict=True)) for values in rows)
        for values in rows:
            log.append([])
            for name, value in zip(header, values, strict=True):
                _put(log, len(log), columns[header_key(name)], value)

    def append_rows(
        self, tab: str, rows: Sequence[dict[str, Any]], id_header: str | None = None
    ) -> None:
        """Append rows by header below the last row of ``tab``, skipping IDs already there."""
        if not rows:
            return
        self.api_calls += 1
        grid = self._tab(tab)
        if grid is None:
            return
        if id_header:
            column = header_columns(grid[0], ())[0].get(header_key(id_header))
            present = {str(_get(grid, r, column)) for r in range(2, len(grid) + 1) if column}
            rows = [row for row in rows if str(row.get(id_header)) not in present]
        columns, added = header_columns(grid[0], [name for row in rows for name in row])
        for column, name in added:
            _put(grid, 1, column, name)
        for values in rows:
            grid.append([])
            for name, value in values.items():
                _put(grid, len(grid), columns[header_key(name)], _cell(value))

    def _tab(self, name: str) -> Grid | None:
        wanted = name.strip().casefold()
        return next((g for t, g in self.tabs.items() if t.strip().casefold() == wanted), None)

    def _apply(self, grid: Grid, tab_write: TabWrite, report: WriteReport) -> None:
        columns, _ = header_columns(grid[0], ())
        id_column = columns.get(header_key(tab_write.id_header))
        if id_column is None:
            report.skipped.extend(tab_write.labels())
            return
        ids = [_get(grid, r, id_column) for r in range(2, len(grid) + 1)]
        plan = plan_cells(tab_write, grid[0], ids, lambda r, c: _get(grid, r, c))
        for column, name in plan.new_headers:
            _put(grid, 1, column, name)
        for row, column, value in plan.each():
            _put(grid, row, column, _cell(value))
        report.merge(plan.report)


def _cell(value: object) -> Cell:
    if isinstance(value, dt.date):
        return to_serial(value)
    return value  # type: ignore[return-value]


def _get(grid: Grid, row: int, column: int) -> Cell:
    if row > len(grid) or column > len(grid[row - 1]):
        return None
    return grid[row - 1][column - 1]


def _put(grid: Grid, row: int, column: int, value: Cell) -> None:
    while len(grid) < row:
        grid.append([])
    line = grid[row - 1]
    if len(line) < column:
        line.extend([None] * (column - len(line)))
    line[column - 1] = value
