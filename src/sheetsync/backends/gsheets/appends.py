"""The Google backend's appends: Log rows and new milestone rows, and the tabs they need.

A part of ``backend.GoogleSheetsBackend`` (its base class), apart because appending has its
own calls (values:append, insertDimension), its own rechecks after a lost answer, and the
bookkeeping of tabs, headers and last rows it shares with ``write_status``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gspread import urls
from gspread.utils import absolute_range_name, quote

from ...errors import BackendError
from ...model import Cell, Grid
from ...schema import LOG, header_key
from ..rowmatch import header_columns
from .api import SheetsApi
from .bodies import packed
from .cellplan import TabInfo, TabNow, grow_columns, insert_rows, placed, to_wire, value_ranges
from .dashboard import free_id
from .finish import Finish, append_cells, as_read, rows_by_column, send
from .lease import Lease
from .recheck import grid_at_least, rows_appended, rows_deleted
from .reread import reread_column
from .retry import Recheck


class TabAppends:
    """Appending rows and adding tabs and headers, with what the run knows of each tab."""

    api: SheetsApi
    lease: Lease
    spreadsheet_id: str
    max_request_bytes: int
    _tabs: dict[str, TabInfo]
    _headers: dict[str, list[Cell]]
    _last_rows: dict[str, int]
    _grids: dict[str, Grid]
    _finish: Finish  # the run's last batchUpdate, gathered (``finish``)
    _staging: bool  # after write_status, under the lease: appends join it
    _reread: dict[str, TabNow]  # the write's re-read, for the new rows' IDs

    def _flush(self, release: bool = False) -> None:
        """Send what waits for the run's last batchUpdate (``finish``), with the release."""
        finish, self._finish, self._staging = self._finish, Finish(), False
        try:
            send(finish, self.lease, self.max_request_bytes, release)
        finally:
            if release and self.lease.held is not None:
                self.lease.release()
            self.api.close()  # nothing left in flight, its thread let go

    def _staged(self) -> None:
        """Keep the staged requests for the release under the lease; else send them now."""
        if self.lease.held is None:
            self._flush()
        else:
            self._staging = True

    # -- appending rows --------------------------------------------------------------------

    def append_log(self, header: Sequence[str], rows: Sequence[Sequence[Cell]]) -> None:
        """Append ledger rows under the Log header: one values:append, RAW (split past ~2 MB).

        A missing Log tab is added with the header and these rows in one batchUpdate; so is
        one a person deleted during the run (found out when Google refuses the append).
        The append goes between the bodies of status columns written early
        (``write_early``): a delivery batch never waits for the whole of them.
        """
        if not rows:
            return
        with self.api.ahead():  # before the next body of status columns written early
            self.lease.keep()
            if self._staging and self._find_tab(LOG) is not None:
                self._stage_log(header, rows)
                return
            try:
                self._append_log(header, rows)
            except BackendError:
                if not self._forget_deleted(LOG):
                    raise
                self._append_log(header, rows)

    def _append_log(self, header: Sequence[str], rows: Sequence[Sequence[Cell]]) -> None:
        log = self._find_tab(LOG)
        if log is None:
            self._new_log(header, rows)
            return
        lead: list[list[Any]] = []
        if not any(v not in (None, "") for v in self._headers.get(log.title, [])):
            self._headers[log.title], lead = list(header), [list(header)]
        columns = self._ensure_headers(log, header)
        width = max(columns.values())
        self._append(log, lead + _placed_rows(header, rows, columns, width), "RAW")

    def _stage_log(self, header: Sequence[str], rows: Sequence[Sequence[Cell]]) -> None:
        """Log rows for the run's last batchUpdate (appendCells below the last Log row)."""
        log = self._find_tab(LOG)
        assert log is not None
        columns = self._ensure_headers(log, header)
        width = max(columns.values())
        values = [placed(zip(header, row, strict=True), columns, width, to_wire) for row in rows]
        self._finish.add(
            [append_cells(log.sheet_id, values)], rows_appended(self.api, log.title, values)
        )
        self._last_rows[log.title] = self._last_rows.get(log.title, 0) + len(values)

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
        values = [placed(row.items(), columns, width, _as_is) for row in rows]
        last = max(self._last_rows.get(info.title, 0), 1)
        info.rows += len(values)
        read_back = [[as_read(v) for v in row] for row in values]
        landed = rows_appended(self.api, info.title, read_back)
        self._finish.add([insert_rows(info, last, len(values))], landed)
        self._finish.land(info.title, info.sheet_id, rows_by_column(last + 1, values))
        self._last_rows[info.title] = last + len(values)
        self._staged()

    def _absent(
        self, info: TabInfo, rows: Sequence[dict[str, Any]], id_header: str
    ) -> list[dict[str, Any]]:
        """The rows whose ID the tab's ID column, re-read now, does not hold.

        The write's re-read of the tab serves when it holds the ID column.
        """
        now, column = self._reread.pop(info.title, None), None
        if now is not None:
            column = header_columns(now.header, ())[0].get(header_key(id_header))
        if now is None or column not in now.columns:
            now, column = reread_column(
                self.api, self._headers.get(info.title, []), info.title, header_key(id_header)
            )
            self._headers[info.title] = list(now.header)  # the write's kept its new headers
        if column is None:
            return list(rows)
        ids = now.columns.get(column, [])
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
        for chunk in packed(values, self.max_request_bytes):
            body = {"majorDimension": "ROWS", "values": chunk}
            self.api.post(url + params, body, rows_appended(self.api, info.title, chunk))
        self._last_rows[info.title] = last + len(values)

    def _ensure_headers(self, info: TabInfo, names: Sequence[str]) -> dict[str, int]:
        """Column of each header; those the tab lacks are first written at its right end."""
        current = self._headers.setdefault(info.title, [])
        columns, added = header_columns(current, names)
        if added:
            by_column = {column: {1: name} for column, name in added}
            grow = grow_columns(self._tabs, {info.title: by_column})
            if grow:
                self.api.batch_update(grow, self._recheck(grow))
            self.api.values_update(list(value_ranges(info.title, by_column)))
            for column, name in added:
                current.extend([None] * (column - len(current)))
                current[column - 1] = name
        return columns

    def _new_log(self, header: Sequence[str], rows: Sequence[Sequence[Cell]]) -> None:
        """A missing Log tab added with its header and rows (appendCells) in one batchUpdate.

        All or nothing, so after a lost answer the presence of the tab with the sheetId
        named here tells it took effect (a Log tab a person made meanwhile does not).
        Rows past about 2 MB follow in values:append.
        """
        sheet_id = free_id({t.sheet_id for t in self._tabs.values()})
        values = [list(header)] + [[to_wire(v) for v in row] for row in rows]
        first, *rest = packed(values, self.max_request_bytes)
        add = {"addSheet": {"properties": {"sheetId": sheet_id, "title": LOG}}}
        landed = grid_at_least(self.api, {sheet_id: (0, 0)})
        self.api.batch_update([add, append_cells(sheet_id, first)], landed)
        info = self._tabs[LOG] = TabInfo(LOG, sheet_id, max(1000, len(first)), max(26, len(header)))
        self._headers[LOG], self._last_rows[LOG] = list(header), len(first)
        if rest:
            self._append(info, [row for chunk in rest for row in chunk], "RAW")

    def _recheck(self, requests: list[dict[str, Any]]) -> Recheck:
        """After a lost answer to these Log deletes and new columns: did they take effect?

        Deleting Log rows is judged by what those rows hold now; new columns by the grid
        widths this backend already counts them in (the batch is all or nothing).
        """
        log = self._find_tab(LOG)
        deletes = [r["deleteDimension"]["range"] for r in requests if "deleteDimension" in r]
        if deletes and log is not None:
            runs = [(d["startIndex"] + 1, d["endIndex"]) for d in deletes]
            return rows_deleted(self.api, log.title, runs, self._grids.get(log.title, []))
        grown = {r["appendDimension"]["sheetId"] for r in requests if "appendDimension" in r}
        sizes = {t.sheet_id: (0, t.columns) for t in self._tabs.values() if t.sheet_id in grown}
        return grid_at_least(self.api, sizes)

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


def _as_is(value: Any) -> Any:
    return value


def _placed_rows(
    header: Sequence[str], rows: Sequence[Sequence[Cell]], columns: dict[str, int], width: int
) -> list[list[Any]]:
    """Each row's cells in their header's column, ``width`` wide, as sent RAW.

    When the header fills the tab's columns in order (the usual Log), a row goes as it
    is, its text cells unconverted; otherwise each cell is placed by its header.
    """
    spots = [columns[header_key(name)] for name in header]
    if spots != list(range(1, width + 1)):
        return [placed(zip(header, row, strict=True), columns, width, to_wire) for row in rows]
    return [[c if type(c) is str else to_wire(c) for c in row] for row in rows]
