"""Which planned cells change, column by column, and as what JSON values (pure).

A write names the same few values on every row of a column (a status, the day's stamp,
a few hundred dates), and a re-read column holds as few: each distinct value is turned
into what it is sent as, and into what a cell must show to hold it already, once per
column rather than once per cell; a cell is then one lookup and one comparison.

A column's changes are worked out when its cells are first asked for (``Changes``):
the write's first body leaves once its own columns are known, and the rest are worked
out while it is in flight.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
from collections.abc import Callable, Hashable, Iterator, Mapping
from operator import itemgetter
from typing import Any

import numpy as np

from ...cells.dates import to_serial
from ...model import TabWrite, WriteReport
from ...schema import header_key
from ..rowmatch import CellPlan, header_columns, plan_cells
from .cellplan import Planned, TabNow, is_day, shown, to_wire

Shown = tuple[str, Any]


def plan_tab(tab_write: TabWrite, now: TabNow, report: WriteReport) -> Planned:
    """Cells to send for one tab, by column then row: only those whose value changes.

    Each column's changes are worked out when first asked for (``Changes``); which rows
    the write holds back or skips is in ``report`` at once. A column whose cells all
    hold their values already comes out empty.
    """
    columns, _ = header_columns(now.header, ())
    id_column = columns.get(header_key(tab_write.id_header))
    if id_column is None:
        report.skipped.extend(tab_write.labels())
        return {}
    ids = now.columns.get(id_column, [])[1:]
    height = max(map(len, now.columns.values()), default=0)
    plan = plan_cells(tab_write, now.header, ids, now.cell, height)
    system = {columns[header_key(h)] for h in tab_write.system_headers if header_key(h) in columns}
    system.update(column for column, _ in plan.new_headers)
    headers = {column: {1: name} for column, name in plan.new_headers}
    by_column: Planned = dict(headers)
    for column, (rows, wanted) in _by_column(plan).items():
        work = functools.partial(
            _changes, column not in system, now.columns.get(column, []), rows, wanted
        )
        by_column[column] = Changes(work, headers.get(column, {}))
    report.merge(plan.report)
    return by_column


class Changes(Mapping[int, Any]):
    """One column's changed cells, {row: wire}, worked out when first read.

    ``work`` gives the changes of the planned rows; ``header`` (a new column's name in
    row 1) goes first.
    """

    def __init__(self, work: Callable[[], dict[int, Any]], header: dict[int, Any]) -> None:
        self.header = header  # known without the work: what the header row will hold
        self._work: Callable[[], dict[int, Any]] | None = work
        self._cells = dict(header)

    def worked_out(self) -> dict[int, Any]:
        """The cells as a plain dict, worked out now if not yet (for reading many)."""
        if self._work is not None:
            work, self._work = self._work, None
            self._cells.update(work())
        return self._cells

    def __getitem__(self, row: int) -> Any:
        return self.worked_out()[row]

    def __iter__(self) -> Iterator[int]:
        return iter(self.worked_out())

    def __len__(self) -> int:
        return len(self.worked_out())


def _changes(
    person: bool, column: list[Any], rows: np.ndarray, wanted: list[Any]
) -> dict[int, Any]:
    """{row: wire} of the planned ``rows`` whose cells in ``column`` do not hold ``wanted``.

    A cell holds a value already when it shows it (``cellplan.shown``), or, for a day,
    when it is a date cell of that day. Days in a ``person``'s column go as serial
    numbers, so they stay date cells; other values as ``cellplan.to_wire``.
    """
    return _Column(person).changes(rows.tolist(), wanted, _current(column, rows))


def _by_column(plan: CellPlan) -> dict[int, tuple[np.ndarray, list[Any]]]:
    """Each column's planned rows and values: its block's, then the row writes' cells."""
    parts: dict[int, list[tuple[np.ndarray, list[Any]]]] = {}
    for block in plan.blocks:
        parts.setdefault(block.column, []).append((block.rows, block.values.tolist()))
    if plan.cells:
        column_of = np.fromiter(map(itemgetter(1), plan.cells), dtype=np.int64)
        row_of = np.fromiter(map(itemgetter(0), plan.cells), dtype=np.int64)
        for column in np.unique(column_of).tolist():
            at = np.flatnonzero(column_of == column)
            values = [plan.cells[i][2] for i in at.tolist()]
            parts.setdefault(column, []).append((row_of[at], values))
    merged = {}
    for column, pieces in parts.items():
        rows = np.concatenate([rows for rows, _ in pieces]) if len(pieces) > 1 else pieces[0][0]
        values = pieces[0][1] if len(pieces) == 1 else [v for _, part in pieces for v in part]
        if len(rows):
            merged[column] = (rows, values)
    return merged


def _current(column: list[Any], rows: np.ndarray) -> list[Any]:
    """The re-read values at 1-based ``rows`` of a column; None past its end."""
    height = max(int(rows.max()), len(column))
    below = itertools.repeat(None, height - len(column))
    padded = np.fromiter(itertools.chain(column, below), dtype=object, count=height)
    return padded[rows - 1].tolist()


class _Column:
    """One column's conversions, each distinct value worked out once."""

    def __init__(self, person: bool) -> None:
        self.person = person  # a person's column: days go as serial numbers
        self.wanted: dict[Hashable, tuple[Any, frozenset[Shown]]] = {}
        self.shows: dict[Hashable, Shown] = {}
        self.days: dict[dt.date, tuple[Any, str, int]] = {}  # days alone: no datetime

    def changes(self, rows: list[int], wanted: list[Any], current: list[Any]) -> dict[int, Any]:
        """{row: wire} of the rows whose current value does not hold the wanted one.

        The common cells are judged by their types alone, without conversions: an equal
        value of the same type holds; a different text, or a whole number that differs
        as a number, does not (either is sent as it is); a day against the text or
        serial number the sheet holds is one lookup of the day. Any other pair goes by
        the values' conversions, each worked out once.
        """
        out: dict[int, Any] = {}
        known, shows = self.wanted.get, self.shows.get  # looked up inline: a cell is a lookup
        day_of = self.days.get
        for row, value, now in zip(rows, wanted, current, strict=True):
            kind = type(value)
            if type(now) is kind:
                if now == value:
                    continue  # the common case, without conversions
                if kind is str or (kind is int and float(now) != float(value)):
                    out[row] = value  # a text shows itself; a number, its value
                    continue
            elif kind is dt.date and (type(now) is str or type(now) is int):
                wire, text, serial = day_of(value) or self._day(value)
                if now != (text if type(now) is str else serial):  # a day holds as either
                    out[row] = wire
                continue
            try:
                found, seen = known((kind, value)), shows((type(now), now))
            except TypeError:  # an unhashable value
                found = seen = None
            wire, holds = found or self._wanted(value)
            if (seen or self._shows(now)) not in holds:
                out[row] = wire
        return out

    def _day(self, value: dt.date) -> tuple[Any, str, int]:
        """What a day is sent as, its ISO text and its serial number (once per day)."""
        serial = int(to_serial(value))
        found = self.days[value] = (
            serial if self.person else value.isoformat(),
            value.isoformat(),
            serial,
        )
        return found

    def _wanted(self, value: Any) -> tuple[Any, frozenset[Shown]]:
        key = (type(value), value)
        try:
            found = self.wanted.get(key)
        except TypeError:  # an unhashable value: worked out each time
            return self._convert(value)
        if found is None:
            found = self.wanted[key] = self._convert(value)
        return found

    def _convert(self, value: Any) -> tuple[Any, frozenset[Shown]]:
        """What ``value`` is sent as, and what a cell holding it already shows."""
        wire = to_wire(value)
        holds = {shown(wire)}
        if is_day(value):
            serial = to_serial(value)
            holds = {("number", float(serial)), ("text", wire)}
            if self.person:
                wire = int(serial)
        return wire, frozenset(holds)

    def _shows(self, value: Any) -> Shown:
        key = (type(value), value)  # the type tells apart True and 1, equal as keys
        try:
            found = self.shows.get(key)
        except TypeError:
            return shown(value)
        if found is None:
            found = self.shows[key] = shown(value)
        return found
