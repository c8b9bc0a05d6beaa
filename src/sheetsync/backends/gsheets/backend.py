"""The Google backend: a tracker in a Google Sheet, through the Sheets API v4 with gspread.

A run costs a constant number of API calls, whatever the row count:

    lock          one spreadsheets:batchUpdate taking the run's lease, one releasing it
                  (``lease``); the read's GET confirms it
    read          spreadsheet GET (fields mask) + one values:batchGet of every tab
    append_log    one values:append (plus one batchUpdate when the Log tab is missing)
    write_status  one values:batchGet re-reading headers, ID and target columns (and the
                  whole Log when something may be pruned), one spreadsheets:batchUpdate
                  only to prune Log rows or widen a grid,
                  one values:batchUpdate (RAW) with one range per column run
    append_rows   (auto rows, rarely) one values:batchGet re-reading the IDs, one
                  insertDimension, one values:batchUpdate

A request body past ``max_request_bytes`` (about 2 MB, Google's recommendation) is split.
Cells already holding the value to write are left alone, so a daily run sends mostly the
columns that change. Credentials, retries and Google's error answers are handled once, at
the HTTP edge (``retry``). A write that adds or removes rows or columns is resent after a
5xx or a dropped connection only once a re-read (``recheck``) shows it did not take effect.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import gspread
import numpy as np
from gspread import urls
from gspread.utils import absolute_range_name, quote

from ...cells.dates import to_serial
from ...errors import BackendError
from ...logtab import LogPrune, rows_to_prune
from ...model import Cell, Grid, Snapshot, TabWrite, WriteReport
from ...schema import LOG, LOG_COLUMNS, header_key
from ..rowmatch import header_columns, plan_cells
from . import recheck
from .lease import FIELDS as LEASE_FIELDS
from .lease import Lease, LeasePolicy
from .retry import (
    Recheck,
    RetryingHTTPClient,
    RetryPolicy,
    SheetsApi,
    compact_json,
    connect_http,
)

EDIT_URL = "https://docs.google.com/spreadsheets/d/{}/edit"
MAX_REQUEST_BYTES = 2_000_000
META_FIELDS = f"spreadsheetId,properties(title,locale,timeZone),sheets.properties,{LEASE_FIELDS}"
GAP = 8  # rows left untouched (JSON null) rather than starting a new range
T = TypeVar("T")


@dataclass
class TabInfo:
    """A tab's title, gid and grid size, as the spreadsheet GET gave them."""

    title: str
    sheet_id: int
    rows: int
    columns: int

    @classmethod
    def from_json(cls, props: dict[str, Any]) -> TabInfo:
        """From a ``sheets[].properties`` object."""
        grid = props.get("gridProperties", {})
        return cls(
            props["title"],
            int(props.get("sheetId", 0)),
            grid.get("rowCount", 0),
            grid.get("columnCount", 0),
        )


@dataclass
class TabNow:
    """Columns of one tab as re-read just before writing: the header and chosen columns."""

    header: list[Cell]
    columns: dict[int, list[Cell]] = field(default_factory=dict)

    def cell(self, row: int, column: int) -> Cell:
        """The current value at (row, column), 1-based; None when empty or not re-read."""
        values = self.columns.get(column, [])
        return values[row - 1] if row <= len(values) else None


class GoogleSheetsBackend:
    """A tracker stored in a Google Sheet (or the bundled emulator).

    Args:
        client: a gspread Client; its authorised session is used for every request.
        spreadsheet_id: the ID from the sheet's URL.
        retry: how to retry 429/5xx (default: up to about 120 s).
        account: who the sheet must be shared with, for error messages.
        max_request_bytes: split a write whose body would pass this size.
        lease: how long a run's lease lasts and how long a second run waits (``lease``).
    """

    def __init__(
        self,
        client: gspread.Client | RetryingHTTPClient,
        spreadsheet_id: str,
        *,
        retry: RetryPolicy | None = None,
        account: str | None = None,
        max_request_bytes: int = MAX_REQUEST_BYTES,
        lease: LeasePolicy | None = None,
    ) -> None:
        if isinstance(client, RetryingHTTPClient):
            self.http = client
        else:
            self.http = RetryingHTTPClient(None, client.http_client.session, retry)
        self.spreadsheet_id = spreadsheet_id
        self.api = SheetsApi(self.http, spreadsheet_id, account or "the account sheetsync runs as")
        self.max_request_bytes = max_request_bytes
        self.lease = Lease(self.api, f"the spreadsheet {spreadsheet_id}", lease)
        self._tabs: dict[str, TabInfo] = {}
        self._headers: dict[str, list[Cell]] = {}
        self._last_rows: dict[str, int] = {}
        self._grids: dict[str, Grid] = {}

    @classmethod
    def connect(
        cls, spreadsheet_id: str, *, retry: RetryPolicy | None = None
    ) -> GoogleSheetsBackend:
        """Open the spreadsheet with the emulator or Application Default Credentials."""
        http, account = connect_http(retry)
        return cls(http, spreadsheet_id, account=account)

    @property
    def api_calls(self) -> int:
        """Requests sent to the Sheets API so far, retries not counted."""
        return self.http.calls

    @api_calls.setter
    def api_calls(self, value: int) -> None:
        self.http.calls = value

    @property
    def retries(self) -> int:
        """Requests sent again after a 429, a 5xx or a connection failure."""
        return self.http.retries

    @property
    def url(self) -> str:
        """The spreadsheet's address in a browser."""
        return EDIT_URL.format(self.spreadsheet_id)

    def ensure_writable(self) -> None:
        """Nothing to check ahead: the Sheets API tells edit access only at the first write."""

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the spreadsheet's lease (``lease``) for one run: two calls, plus the settle.

        Raises:
            TrackerBusy: another run holds a live lease after the wait.
        """
        self.lease.acquire()
        try:
            yield
        finally:
            self.lease.release()

    # -- read ------------------------------------------------------------------------------

    def read(self) -> Snapshot:
        """Every tab's values (dates as serial numbers) and the spreadsheet's properties.

        Raises:
            TrackerNotFound: no such spreadsheet, or it is not shared with us.
        """
        meta = self.api.get(urls.SPREADSHEET_URL % self.spreadsheet_id, {"fields": META_FIELDS})
        self.lease.confirm(meta.get("developerMetadata", []))
        tabs = [
            TabInfo.from_json(sheet["properties"])
            for sheet in meta.get("sheets", [])
            if sheet["properties"].get("sheetType", "GRID") == "GRID"
        ]
        ranges = [absolute_range_name(tab.title) for tab in tabs]
        answer = self.api.batch_get(ranges, "ROWS") if ranges else []
        grids = {
            tab.title: _grid(part.get("values", [])) for tab, part in zip(tabs, answer, strict=True)
        }
        self._tabs = {tab.title: tab for tab in tabs}
        self._grids = grids
        self._headers = {title: list(grid[0]) if grid else [] for title, grid in grids.items()}
        self._last_rows = {title: len(grid) for title, grid in grids.items()}
        props = meta.get("properties", {})
        return Snapshot(
            title=props.get("title", ""),
            tabs=grids,
            time_zone=props.get("timeZone"),
            locale=props.get("locale"),
            url=self.url,
            sheet_ids={tab.title: tab.sheet_id for tab in tabs},
            identity=self.spreadsheet_id,
        )

    # -- write status ----------------------------------------------------------------------

    def write_status(
        self, writes: Sequence[TabWrite], log_prune: LogPrune | None = None
    ) -> WriteReport:
        """Write system columns by ID (re-read just before) and prune old Log rows.

        Only cells whose value changes are sent, as RAW values: text is never a formula.
        The Log is re-read in the same batchGet and pruned by what its rows hold; columns
        a grid lacks and the prune go first, in one spreadsheets:batchUpdate. A missing
        Log tab is made again, with its header.
        """
        self.lease.keep()
        report = WriteReport()
        present = [w for w in writes if w.tab in self._tabs]
        for missing in (w for w in writes if w.tab not in self._tabs):
            report.skipped.extend(str(r.row_id or f"row {r.read_row}") for r in missing.rows)
        log = self._find_tab(LOG)
        prune_log = log if log is not None and log_prune is not None else None
        now, log_grid = self._reread(present, prune_log)
        cells: dict[str, dict[int, dict[int, Any]]] = {}
        for tab_write in present:
            cells[tab_write.tab] = _plan_tab(tab_write, now[tab_write.tab], report)
            self._headers[tab_write.tab] = _header_after(
                now[tab_write.tab].header, cells[tab_write.tab]
            )
        if log is None:
            log = self._add_tab(LOG)
            cells[log.title] = {c: {1: name} for c, name in enumerate(LOG_COLUMNS, start=1)}
            self._headers[log.title] = list(LOG_COLUMNS)
        structure = self._grow(cells)
        if prune_log is not None and log_prune is not None and log_grid is not None:
            structure += self._prune_requests(prune_log, log_grid, log_prune)
        if structure:
            self.api.batch_update(structure, self._recheck(structure))
        data = [vr for tab, by_column in cells.items() for vr in _value_ranges(tab, by_column)]
        for part in _batches(data, self.max_request_bytes):
            self.api.values_update(part)
        return report

    def _reread(
        self, writes: Sequence[TabWrite], log: TabInfo | None
    ) -> tuple[dict[str, TabNow], Grid | None]:
        """Headers and the columns the writes touch (and the whole Log), in one batchGet.

        Columns are located by the headers as read; if a person moved them since, the
        columns are read once more where they are now. A Log tab deleted since the read
        is not pruned.
        """
        if not writes and log is None:
            return {}, None
        wanted = {w.tab: _wanted_keys(w) for w in writes}
        located = {tab: _locate(self._headers.get(tab, []), keys) for tab, keys in wanted.items()}
        try:
            now, log_grid = self._fetch_columns(located, log)
        except BackendError:
            if log is None:
                raise
            (now, _), log_grid = self._fetch_columns(located, None), None
        moved = {tab: _locate(now[tab].header, keys) for tab, keys in wanted.items()}
        if moved != located:
            now, _ = self._fetch_columns(moved, None)
        return now, log_grid

    def _fetch_columns(
        self, located: dict[str, list[int]], log: TabInfo | None
    ) -> tuple[dict[str, TabNow], Grid | None]:
        ranges: list[str] = []
        for tab, columns in located.items():
            ranges.append(absolute_range_name(tab, "1:1"))
            ranges.extend(
                absolute_range_name(tab, f"{_letters(c)}1:{_letters(c)}") for c in columns
            )
        if log is not None:
            ranges.append(absolute_range_name(log.title))
        answer = iter(self.api.batch_get(ranges, "COLUMNS"))
        now = {}
        for tab, columns in located.items():
            header = [
                _cell(column[0]) if column else None for column in next(answer).get("values", [])
            ]
            tab_now = TabNow(header)
            for column in columns:
                values = next(answer).get("values", [[]])
                tab_now.columns[column] = _cells(values[0]) if values else []
            now[tab] = tab_now
        log_grid = _transposed(next(answer).get("values", [])) if log is not None else None
        return now, log_grid

    def _grow(self, cells: dict[str, dict[int, dict[int, Any]]]) -> list[dict[str, Any]]:
        """appendDimension requests for tabs whose new columns pass the grid's edge."""
        requests = []
        for tab, by_column in cells.items():
            info, widest = self._tabs[tab], max(by_column, default=0)
            if widest > info.columns:
                requests.append(
                    {
                        "appendDimension": {
                            "sheetId": info.sheet_id,
                            "dimension": "COLUMNS",
                            "length": widest - info.columns,
                        }
                    }
                )
                info.columns = widest
        return requests

    def _prune_requests(self, log: TabInfo, grid: Grid, prune: LogPrune) -> list[dict[str, Any]]:
        """deleteDimension requests for the Log rows ``prune`` lets go, as re-read.

        Neighbouring rows go in one range, bottom range first so row numbers hold: a
        Log pruned of 60,000 rows is one request per run of rows, not per row.
        """
        drop = rows_to_prune(grid, prune)
        self._last_rows[log.title] = len(grid) - len(drop)
        self._grids[log.title] = grid  # what a recheck after a lost answer compares with
        ranges = [
            {
                "sheetId": log.sheet_id,
                "dimension": "ROWS",
                "startIndex": first - 1,
                "endIndex": last,
            }
            for first, last in _runs_descending(drop)
        ]
        return [{"deleteDimension": {"range": grid_range}} for grid_range in ranges]

    # -- appending rows --------------------------------------------------------------------

    def append_log(self, header: Sequence[str], rows: Sequence[Sequence[Cell]]) -> None:
        """Append ledger rows under the Log header: one values:append, RAW (split past ~2 MB).

        A missing Log tab is added first (one batchUpdate) and gets the header row; so is
        one a person deleted during the run (found out when Google refuses the append).
        """
        if not rows:
            return
        self.lease.keep()
        try:
            self._append_log(header, rows)
        except BackendError:
            if not self._forget_deleted(LOG):
                raise
            self._append_log(header, rows)

    def _append_log(self, header: Sequence[str], rows: Sequence[Sequence[Cell]]) -> None:
        log = self._find_tab(LOG) or self._add_tab(LOG)
        lead: list[list[Any]] = []
        if not any(v not in (None, "") for v in self._headers.get(log.title, [])):
            self._headers[log.title], lead = list(header), [list(header)]
        columns = self._ensure_headers(log, header)
        width = max(columns.values())
        values = [_placed(zip(header, row, strict=True), columns, width, _wire) for row in rows]
        self._append(log, lead + values, "RAW")

    def append_rows(
        self, tab: str, rows: Sequence[dict[str, Any]], id_header: str | None = None
    ) -> None:
        """Add rows given as {header: value} below the last row of ``tab`` as read.

        With ``id_header``, one values:batchGet first re-reads the header and ID column
        and drops the rows whose ID is there now. Then two calls: an insertDimension
        makes room (rows a person added meanwhile move down, never overwritten; the new
        rows inherit the formats and checkboxes of the row above), then one
        values:batchUpdate fills exactly those rows. Sent
        USER_ENTERED so dates become real date cells, with every text quoted (a leading
        apostrophe) so it stays text: nothing ever turns into a formula or number.

        Raises:
            BackendError: the tab is gone.
        """
        if not rows:
            return
        info = self._find_tab(tab)
        if info is None:
            raise BackendError(f"the {tab} tab disappeared during the run")
        self.lease.keep()
        rows = self._absent(info, rows, id_header) if id_header else rows
        if not rows:
            return
        columns = self._ensure_headers(info, list(dict.fromkeys(n for row in rows for n in row)))
        width = max(columns.values())
        values = [_placed(row.items(), columns, width, _entered) for row in rows]
        last = max(self._last_rows.get(info.title, 0), 1)
        info.rows += len(values)
        inserted = recheck.rows_inserted(
            self.api, info.title, info.sheet_id, last, len(values), info.rows
        )
        self.api.batch_update([_insert_rows(info, last, len(values))], inserted)
        data, start = [], last + 1
        for chunk in _packed(values, self.max_request_bytes):
            cells = f"A{start}:{_letters(width)}{start + len(chunk) - 1}"
            data.append({"range": absolute_range_name(info.title, cells), "values": chunk})
            start += len(chunk)
        for part in _batches(data, self.max_request_bytes):
            self.api.values_update(part, "USER_ENTERED")
        self._last_rows[info.title] = last + len(values)

    def _absent(
        self, info: TabInfo, rows: Sequence[dict[str, Any]], id_header: str
    ) -> list[dict[str, Any]]:
        """The rows whose ID the tab's ID column, re-read now, does not hold."""
        key = header_key(id_header)
        located = _locate(self._headers.get(info.title, []), [key])
        now = self._fetch_columns({info.title: located}, None)[0][info.title]
        moved = _locate(now.header, [key])
        if moved != located:
            now = self._fetch_columns({info.title: moved}, None)[0][info.title]
        self._headers[info.title] = list(now.header)
        if not moved:
            return list(rows)
        ids = now.columns.get(moved[0], [])
        last = self._last_rows.get(info.title, 0)
        self._last_rows[info.title] = max(last, len(ids))  # rows another writer added
        present = {str(v).strip() for v in ids[1:] if v is not None}
        return [row for row in rows if str(row.get(id_header)).strip() not in present]

    def _append(self, info: TabInfo, values: list[list[Any]], option: str) -> None:
        """values:append below the last row as read (or appended since), inserting rows.

        The range is the single cell in column A of that last row (always filled in the
        Log), so the table Google finds starts at column A even when a row has blank
        cells further right; a wider range can shift the appended row to the right.
        """
        last = self._last_rows.get(info.title, 0)
        cells = f"A{max(last, 1)}"
        target = quote(absolute_range_name(info.title, cells))
        url = urls.SPREADSHEET_VALUES_APPEND_URL % (self.spreadsheet_id, target)
        params = f"?valueInputOption={option}&insertDataOption=INSERT_ROWS"
        for chunk in _packed(values, self.max_request_bytes):
            body = {"majorDimension": "ROWS", "values": chunk}
            self.api.post(url + params, body, recheck.rows_appended(self.api, info.title, chunk))
        self._last_rows[info.title] = last + len(values)

    def _ensure_headers(self, info: TabInfo, names: Sequence[str]) -> dict[str, int]:
        """Column of each header; those the tab lacks are first written at its right end."""
        current = self._headers.setdefault(info.title, [])
        columns, added = header_columns(current, names)
        if added:
            by_column = {column: {1: name} for column, name in added}
            grow = self._grow({info.title: by_column})
            if grow:
                self.api.batch_update(grow, self._recheck(grow))
            self.api.values_update(list(_value_ranges(info.title, by_column)))
            for column, name in added:
                current.extend([None] * (column - len(current)))
                current[column - 1] = name
        return columns

    def _add_tab(self, title: str) -> TabInfo:
        add = [{"addSheet": {"properties": {"title": title}}}]
        answer = self.api.batch_update(add, recheck.tab_added(self.api, title))
        info = TabInfo.from_json(answer["replies"][0]["addSheet"]["properties"])
        self._tabs[info.title] = info
        self._headers[info.title] = []
        return info

    def _recheck(self, requests: list[dict[str, Any]]) -> Recheck:
        """After a lost answer to these Log deletes and new columns: did they take effect?

        Deleting Log rows is judged by what those rows hold now; new columns by the grid
        widths this backend already counts them in (the batch is all or nothing).
        """
        log = self._find_tab(LOG)
        deletes = [r["deleteDimension"]["range"] for r in requests if "deleteDimension" in r]
        if deletes and log is not None:
            runs = [(d["startIndex"] + 1, d["endIndex"]) for d in deletes]
            return recheck.rows_deleted(self.api, log.title, runs, self._grids.get(log.title, []))
        grown = {r["appendDimension"]["sheetId"] for r in requests if "appendDimension" in r}
        sizes = {t.sheet_id: (0, t.columns) for t in self._tabs.values() if t.sheet_id in grown}
        return recheck.grid_at_least(self.api, sizes)

    def _forget_deleted(self, name: str) -> bool:
        """After a refused write: whether tab ``name`` was deleted since the read (forgotten)."""
        info = self._find_tab(name)
        if info is None:
            return False
        meta = self.api.get(
            urls.SPREADSHEET_URL % self.spreadsheet_id, {"fields": "sheets.properties.sheetId"}
        )
        ids = {int(s["properties"].get("sheetId", 0)) for s in meta.get("sheets", [])}
        if info.sheet_id in ids:
            return False
        for known in (self._tabs, self._headers, self._last_rows, self._grids):
            known.pop(info.title, None)
        return True

    def _find_tab(self, name: str) -> TabInfo | None:
        wanted = name.strip().casefold()
        return next(
            (t for title, t in self._tabs.items() if title.strip().casefold() == wanted), None
        )


# -- planning cells, pure ------------------------------------------------------------------


def _wanted_keys(tab_write: TabWrite) -> list[str]:
    """Header keys of every column a write reads or sets: ID, system, conditional cells."""
    names = {tab_write.id_header, *tab_write.system_headers}
    for row in tab_write.rows:
        names.update(row.cells)
        names.update(row.expect)
        names.update(row.match)
    return sorted({header_key(name) for name in names})


def _locate(header: Sequence[Cell], keys: Sequence[str]) -> list[int]:
    columns, _ = header_columns(header, ())
    return sorted(columns[key] for key in keys if key in columns)


def _insert_rows(info: TabInfo, after: int, count: int) -> dict[str, Any]:
    """An insertDimension request for ``count`` rows below sheet row ``after``."""
    span = {"sheetId": info.sheet_id, "dimension": "ROWS", "startIndex": after}
    span["endIndex"] = after + count
    return {"insertDimension": {"range": span, "inheritFromBefore": after > 1}}


def _header_after(header: Sequence[Cell], by_column: dict[int, dict[int, Any]]) -> list[Cell]:
    """Row 1 as it will be once the planned header cells are written."""
    after = list(header)
    for column, rows in by_column.items():
        if 1 in rows:
            after.extend([None] * (column - len(after)))
            after[column - 1] = rows[1]
    return after


def _plan_tab(tab_write: TabWrite, now: TabNow, report: WriteReport) -> dict[int, dict[int, Any]]:
    """Cells to send for one tab, by column then row: only those whose value changes."""
    columns, _ = header_columns(now.header, ())
    id_column = columns.get(header_key(tab_write.id_header))
    if id_column is None:
        report.skipped.extend(str(r.row_id or f"row {r.read_row}") for r in tab_write.rows)
        return {}
    ids = now.columns.get(id_column, [])[1:]
    plan = plan_cells(tab_write, now.header, ids, now.cell)
    by_column: dict[int, dict[int, Any]] = {}
    for column, name in plan.new_headers:
        by_column.setdefault(column, {})[1] = name
    system = {columns[header_key(h)] for h in tab_write.system_headers if header_key(h) in columns}
    system.update(column for column, _ in plan.new_headers)
    for row, column, value in plan.cells:
        current = now.cell(row, column)
        if type(current) is type(value) and current == value:
            continue  # the common case, without conversions
        if not _already(current, value):
            person_date = _is_day(value) and column not in system
            wire = int(to_serial(value)) if person_date else _wire(value)
            by_column.setdefault(column, {})[row] = wire
    report.merge(plan.report)
    return by_column


def _wire(value: object) -> Any:
    """A value as sent RAW: dates as ISO text, None as "" (which clears the cell).

    Dates in a person's columns (a recurrence rolled forward) go as serial numbers
    instead, so the cell stays a real date in its own date format.
    """
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str | bool | int | float):
        return value
    return str(value)


def _is_day(value: object) -> bool:
    return isinstance(value, dt.date) and not isinstance(value, dt.datetime)


def _already(current: Cell, value: object) -> bool:
    """Whether a cell already holds ``value``; a date as a real date cell or as ISO text."""
    if _is_day(value) and isinstance(current, int | float) and not isinstance(current, bool):
        return current == to_serial(value)  # type: ignore[arg-type]
    return _same(current, _wire(value))


def _same(current: Cell, wire: Any) -> bool:
    """Whether a cell already shows ``wire`` (a bool is never the number 1)."""
    return recheck.shown(current) == recheck.shown(wire)


def _value_ranges(tab: str, by_column: dict[int, dict[int, Any]]) -> Iterator[dict[str, Any]]:
    """One ValueRange per run of rows in a column; short gaps are sent as null (untouched)."""
    for column in sorted(by_column):
        cells = by_column[column]
        letter = _letters(column)
        for first, last in _runs(sorted(cells)):
            values = [cells.get(row) for row in range(first, last + 1)]
            yield {
                "range": absolute_range_name(tab, f"{letter}{first}:{letter}{last}"),
                "majorDimension": "COLUMNS",
                "values": [values],
            }


def _runs(rows: Sequence[int]) -> Iterator[tuple[int, int]]:
    """(first, last) runs of sorted rows, bridging gaps of at most ``GAP`` rows."""
    if not rows:
        return
    first = last = rows[0]
    for row in rows[1:]:
        if row - last > GAP + 1:
            yield first, last
            first = row
        last = row
    yield first, last


def _runs_descending(rows: Sequence[int]) -> list[tuple[int, int]]:
    """Contiguous (first, last) runs of 1-based rows below the header, bottom run first."""
    runs: list[tuple[int, int]] = []
    for row in sorted({r for r in rows if r > 1}):
        if runs and row == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], row)
        else:
            runs.append((row, row))
    return runs[::-1]


def _batches(data: list[dict[str, Any]], limit: int) -> Iterator[list[dict[str, Any]]]:
    """Value ranges grouped so each values:batchUpdate body stays under about ``limit`` bytes."""
    return _packed((piece for vr in data for piece in _split_range(vr, limit // 2)), limit)


def _packed(items: Iterable[T], limit: int) -> Iterator[list[T]]:
    """Items grouped in order, greedily, so each group's JSON stays under about ``limit``."""
    group: list[T] = []
    size = 64  # the rest of the request body
    for item in items:
        item_size = len(compact_json(item)) + 1
        if group and size + item_size > limit:
            yield group
            group, size = [], 64
        group.append(item)
        size += item_size
    if group:
        yield group


def _split_range(value_range: dict[str, Any], limit: int) -> list[dict[str, Any]]:
    """Cut one column range into row pieces of at most about ``limit`` bytes."""
    values = value_range["values"][0]
    if len(compact_json(values)) <= limit:
        return [value_range]
    tab, cells = value_range["range"].rsplit("!", 1)
    letter, first = _split_cell(cells.split(":")[0])

    def piece(start: int, chunk: list[Any]) -> dict[str, Any]:
        rows = f"{letter}{first + start}:{letter}{first + start + len(chunk) - 1}"
        return {"range": f"{tab}!{rows}", "majorDimension": "COLUMNS", "values": [chunk]}

    pieces: list[dict[str, Any]] = []
    chunk: list[Any] = []
    start = size = 0
    for index, value in enumerate(values):
        value_size = len(compact_json(value)) + 1
        if chunk and size + value_size > limit:
            pieces.append(piece(start, chunk))
            chunk, start, size = [], index, 0
        chunk.append(value)
        size += value_size
    pieces.append(piece(start, chunk))
    return pieces


def _split_cell(cell: str) -> tuple[str, int]:
    letters = cell.rstrip("0123456789")
    return letters, int(cell[len(letters) :])


def _placed(
    cells: Iterable[tuple[str, Any]],
    columns: dict[str, int],
    width: int,
    convert: Callable[[Any], Any],
) -> list[Any]:
    """One row of ``width`` cells with each (header, value) in its header's column."""
    out: list[Any] = [""] * width
    for name, value in cells:
        out[columns[header_key(name)] - 1] = convert(value)
    return out


def _entered(value: object) -> Any:
    """A value for USER_ENTERED that Sheets stores as itself: text quoted, dates as ISO."""
    wire = _wire(value)
    return "'" + wire if isinstance(wire, str) and wire and not _is_day(value) else wire


# -- small helpers -------------------------------------------------------------------------


def _grid(values: list[list[Any]]) -> Grid:
    """API rows as a grid: empty cells as None, empty trailing rows dropped."""
    grid: Grid = [_cells(row) for row in values]
    while grid and all(v is None for v in grid[-1]):
        grid.pop()
    return grid


def _transposed(columns: list[list[Any]]) -> Grid:
    """Columns as the API gave them (COLUMNS) turned into rows of cells."""
    height = max((len(c) for c in columns), default=0)
    return [
        [_cell(column[row]) if row < len(column) else None for column in columns]
        for row in range(height)
    ]


def _cell(value: Any) -> Cell:
    return None if value == "" or value is None else value


def _cells(values: list[Any]) -> list[Cell]:
    """JSON values (text, numbers, booleans) as cells: "" is an empty cell."""
    return [None if v == "" else v for v in values]


def _letters(column: int) -> str:
    """1 → A, 27 → AA."""
    out = ""
    while column:
        column, rest = divmod(column - 1, 26)
        out = chr(65 + rest) + out
    return out
