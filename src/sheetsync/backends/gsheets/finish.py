"""A run's last write on a Google Sheet: new tabs, columns and rows, their cells, the Log
rows of the run's changes and the lease's release, in one spreadsheets:batchUpdate.

Cells of rows and columns that already exist go in the run's values:batchUpdate as soon as
they are planned. What needs the sheet's structure to change first is gathered here
instead: the requests that change it (columns grown, a Log or Dashboard tab added, the
chart mended, Log rows pruned, rows inserted for auto milestones, the Log rows of moves
and completions as ``appendCells``) and the cells that land in it (``updateCells``). At
the end of the run it all goes in one batchUpdate together with the lease's release: all
or nothing, so after a lost answer the lease tells whether it took effect (gone: it did).
A body past about 2 MB is split: the structure goes first, with the lease's renewal (which
tells the same way), then cells only (exact positions: safe to repeat), the release last.
Cells that fill two bodies or more (a first run that widens a 100,000-row tab) follow the
structure as values:batchUpdate ranges instead, a fifth of updateCells' bytes; the
structure then also sets the date format of the new rows' date cells (``repeatCell``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from gspread.utils import a1_to_rowcol

from ...cells.dates import to_serial
from .api import compact_json
from .bodies import packed, send_all
from .cellplan import ByColumn, is_day, to_wire, value_ranges
from .lease import Lease
from .retry import Recheck

DATE_FORMAT = {"type": "DATE", "pattern": "yyyy-mm-dd"}
VALUE_FIELDS = "userEnteredValue"
DATE_FIELDS = "userEnteredValue,userEnteredFormat.numberFormat"
MIN_CELL_BYTES = 40  # a cell in updateCells JSON takes at least this many bytes
V = TypeVar("V")


@dataclass
class Landing:
    """Cells of one tab that wait for the structure: {column: {row: value}}."""

    title: str
    sheet_id: int
    by_column: ByColumn

    def count(self) -> int:
        """How many cells wait."""
        return sum(len(rows) for rows in self.by_column.values())


@dataclass
class Finish:
    """What the run's last batchUpdate carries: structure first, then cells."""

    structure: list[dict[str, Any]] = field(default_factory=list)
    landings: list[Landing] = field(default_factory=list)
    rechecks: list[Recheck] = field(default_factory=list)  # of the structure, first first

    def __bool__(self) -> bool:
        return bool(self.structure or any(landing.by_column for landing in self.landings))

    def add(self, requests: Sequence[dict[str, Any]], recheck: Recheck | None = None) -> None:
        """Structure requests (not safe to repeat) and how to tell they took effect."""
        self.structure.extend(requests)
        if requests and recheck is not None:
            self.rechecks.append(recheck)

    def land(self, title: str, sheet_id: int, by_column: ByColumn) -> None:
        """Cells of ``title`` to write once the structure has taken effect."""
        if by_column:
            self.landings.append(Landing(title, sheet_id, by_column))

    def parts(self, limit: int) -> list[list[dict[str, Any]]] | None:
        """The requests in at most two bodies of about ``limit`` bytes, all the structure in
        the first; None when the cells need more (``as_values`` then)."""
        if sum(landing.count() for landing in self.landings) * MIN_CELL_BYTES > 2 * limit:
            return None
        cells = [r for x in self.landings for r in update_cells(x.sheet_id, x.by_column)]
        room = max(limit - len(compact_json(self.structure)), limit // 2)
        groups = list(packed(cells, room))
        if len(groups) > 2:
            return None
        if not groups:
            return [list(self.structure)] if self.structure else []
        return [list(self.structure) + groups[0], *groups[1:]]

    def as_values(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The structure with the date formats its new cells need, then the cells as value
        ranges (dates as serial numbers), for bodies of their own."""
        first, data = list(self.structure), list[dict[str, Any]]()
        for landing in self.landings:
            first += date_formats(landing.sheet_id, landing.by_column)
            wire = {c: _as_read_column(rows) for c, rows in landing.by_column.items()}
            data.extend(value_ranges(landing.title, wire))
        return first, data


def cell_data(value: Any) -> dict[str, Any]:
    """A CellData for a value as the run writes it: "" or None clears the cell.

    A date (a new row's Due Date) is a date cell, yyyy-mm-dd; other values as sent RAW.
    """
    if is_day(value):
        serial = int(to_serial(value))
        number_format = {"numberFormat": DATE_FORMAT}
        return {"userEnteredValue": {"numberValue": serial}, "userEnteredFormat": number_format}
    wire = to_wire(value)
    if isinstance(wire, bool):
        return {"userEnteredValue": {"boolValue": wire}}
    if isinstance(wire, int | float):
        return {"userEnteredValue": {"numberValue": wire}}
    return {"userEnteredValue": {"stringValue": wire}} if wire != "" else {}


def update_cells(sheet_id: int, by_column: ByColumn) -> list[dict[str, Any]]:
    """updateCells requests writing ``by_column``: one per run of rows in a column.

    A missing row or a None value (left alone) ends a run; a run of dates also sets the
    date format, other runs only values.
    """
    requests = []
    for column in sorted(by_column):
        for first, values in _runs(by_column[column]):
            dates = any(is_day(v) for v in values)
            start = {"sheetId": sheet_id, "rowIndex": first - 1, "columnIndex": column - 1}
            rows = [{"values": [cell_data(v)]} for v in values]
            fields = DATE_FIELDS if dates else VALUE_FIELDS
            requests.append({"updateCells": {"start": start, "rows": rows, "fields": fields}})
    return requests


def date_formats(sheet_id: int, by_column: ByColumn) -> list[dict[str, Any]]:
    """repeatCell requests giving each run of dates in ``by_column`` the date format."""
    requests = []
    for column in sorted(by_column):
        for first, values in _runs(by_column[column]):
            if any(is_day(v) for v in values):
                span = {"sheetId": sheet_id, "startRowIndex": first - 1}
                span |= {"endRowIndex": first - 1 + len(values)}
                span |= {"startColumnIndex": column - 1, "endColumnIndex": column}
                cell = {"userEnteredFormat": {"numberFormat": DATE_FORMAT}}
                fields = "userEnteredFormat.numberFormat"
                requests.append({"repeatCell": {"range": span, "cell": cell, "fields": fields}})
    return requests


def append_cells(sheet_id: int, rows: Iterable[Sequence[Any]]) -> dict[str, Any]:
    """An appendCells request: ``rows`` below the tab's last row with data."""
    data = [{"values": [cell_data(v) for v in row]} for row in rows]
    return {"appendCells": {"sheetId": sheet_id, "rows": data, "fields": VALUE_FIELDS}}


def rows_by_column(first_row: int, rows: Sequence[Sequence[Any]]) -> ByColumn:
    """New rows from ``first_row`` down, as {column: {row: value}}: blank cells left out
    (a new row is blank already)."""
    by_column: ByColumn = {}
    for offset, row in enumerate(rows):
        for index, value in enumerate(row):
            if value is not None and value != "":
                by_column.setdefault(index + 1, {})[first_row + offset] = value
    return by_column


def ranges_by_column(value_ranges: Iterable[dict[str, Any]]) -> ByColumn:
    """Row-wise value ranges starting at one cell (the Dashboard's) as {column: {row: value}}.

    A null (a cell left alone) stays out.
    """
    by_column: ByColumn = {}
    for value_range in value_ranges:
        row, column = a1_to_rowcol(value_range["range"].rsplit("!", 1)[-1].split(":")[0])
        for offset, value in enumerate(value_range["values"][0]):
            if value is not None:
                by_column.setdefault(column + offset, {})[row] = value
    return by_column


def columns_from(by_column: dict[int, V], first: int) -> tuple[dict[int, V], dict[int, V]]:
    """``by_column`` split: the columns before ``first`` and those from it on."""
    before = {c: rows for c, rows in by_column.items() if c < first}
    after = {c: rows for c, rows in by_column.items() if c >= first}
    return before, after


def as_read(value: Any) -> Any:
    """A new row's value as the API reads it back (dates as serial numbers), for rechecks."""
    if is_day(value):
        return int(to_serial(value))
    return to_wire(value)


def _as_read_column(rows: dict[int, Any]) -> dict[int, Any]:
    """``as_read`` of one column's cells, each distinct value converted once."""
    seen: dict[Any, Any] = {}
    out = {}
    for row, value in rows.items():
        key = (type(value), value)
        try:
            out[row] = seen[key]
        except KeyError:
            out[row] = seen[key] = as_read(value)
        except TypeError:  # unhashable
            out[row] = as_read(value)
    return out


def _runs(cells: dict[int, Any]) -> Iterator[tuple[int, list[Any]]]:
    """(first row, values) of each run of consecutive rows holding a value."""
    first, values = 0, list[Any]()
    for row in sorted(cells):
        value = cells[row]
        if values and (value is None or row != first + len(values)):
            yield first, values
            values = []
        if value is None:
            continue
        if not values:
            first = row
        values.append(value)
    if values:
        yield first, values


def send(finish: Finish, lease: Lease, limit: int, release: bool) -> None:
    """Send ``finish``: with the lease held and ``release``, it carries the release.

    Split in two parts, the first carries the lease's renewal instead, so a lost answer
    to the structure is told by the lease too. Cells past two bodies go as value ranges
    between the structure (with the renewal) and the release, which then goes alone.
    Without the lease (a write outside a run's hold), the first part's recheck is its
    structure's own. The requests are built before waiting for a write still in flight
    (``SheetsApi.later``), whose error stops them.
    """
    parts = finish.parts(limit)
    first, data = finish.as_values() if parts is None else ([], [])
    lease.api.settle()  # built while the status write's last body was in flight: now wait
    if parts is None:
        if first:
            _send_parts([first], finish, lease, release=False)
        send_all(lease.api, data, limit)
        lease.api.settle()  # its error first: the release below would only log one
        if release:
            lease.release()
        return
    _send_parts(parts, finish, lease, release)


def _send_parts(
    parts: list[list[dict[str, Any]]], finish: Finish, lease: Lease, release: bool
) -> None:
    """batchUpdates in order: the first with the renewal, the last with the release."""
    if lease.held is None:
        for index, part in enumerate(parts):
            recheck = finish.rechecks[0] if index == 0 and finish.rechecks else None
            lease.api.batch_update(part, recheck)
        return
    if not parts:
        if release:
            lease.release()
        return
    for index, part in enumerate(parts):
        if index == len(parts) - 1 and release:
            lease.carry(part, last=True)
        elif index == 0:
            lease.carry(part, last=False)
        else:
            lease.api.batch_update(part)
