"""The Google backend: a tracker in a Google Sheet, through the Sheets API v4 with gspread.

A run costs a constant number of API calls, whatever the row count, at most 6:

    lock          one spreadsheets:batchUpdate taking the run's lease (``lease``), whose
                  answer carries the spreadsheet's layout; the release rides in the last
    read          one values:batchGet of every tab (and a spreadsheet GET, fields mask,
                  only when no lease take just gave the layout)
    write_early   (75,000 rows or more without a Status: a big first run) while the emails
                  go, on a thread of its own: one values:batchGet re-reading the status
                  columns, then values:batchUpdates of all but Last Notified; Log appends go
                  between its bodies
    append_log    one values:append per delivery batch (when the Log tab is missing, the
                  first is a batchUpdate adding it with its rows); after write_status, its
                  rows wait for the last batch
    write_status  one values:batchGet re-reading headers, ID and target columns (and the
                  whole Log when something may be pruned), then one values:batchUpdate
                  (RAW, one range per column run) of the cells in rows and columns that exist;
                  it returns with that write in flight (``SheetsApi.later``): the run plans
                  its new rows meanwhile, and the next call waits for it
    append_rows   the IDs from write_status's re-read; the rows wait for the last batch
    (lock's end)  one spreadsheets:batchUpdate (``finish``): tabs added, grids widened,
                  Log rows pruned, auto rows inserted, the chart mended, their cells
                  (updateCells), the Log rows of changes (appendCells), the lease released

A request body past ``max_request_bytes`` (about 2 MB, Google's recommendation) is split;
a first run on 75,000 rows or more starts its status columns early, one re-read more.
Cells already holding the value to write are left alone, so a daily run sends mostly the
columns that change. Credentials, retries and Google's error answers are handled once, at
the HTTP edge (``retry``). A write that adds or removes rows or columns is resent after a
5xx or a dropped connection only once a re-read (``recheck``) shows it did not take effect.
"""

from __future__ import annotations

import functools
import itertools
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import gspread
from gspread import urls
from gspread.utils import absolute_range_name

from ...dashboard import PERSONS_DASHBOARD, Dashboard, is_programs
from ...model import Cell, Grid, Snapshot, TabWrite, WriteReport
from ...record.prune import LogPrune, rows_to_prune
from ...schema import LOG, LOG_COLUMNS
from . import dashboard as dash
from .api import SheetsApi
from .appends import TabAppends
from .bodies import MAX_REQUEST_BYTES, send_all, send_in_turn
from .cellplan import (
    Planned,
    TabInfo,
    TabNow,
    delete_rows,
    drained_ranges,
    grid_of,
    grow_columns,
    header_after,
)
from .changed import plan_tab
from .connect import connect_http
from .finish import (
    Finish,
    columns_from,
    ranges_by_column,
)
from .kept import kept_grids
from .lease import FIELDS as LEASE_FIELDS
from .lease import Lease, LeasePolicy
from .recheck import tab_added
from .reread import reread
from .retry import RetryingHTTPClient, RetryPolicy

log = logging.getLogger(__name__)
EARLY_ROWS = 75_000  # rows without a Status from which status columns go while emails do

EDIT_URL = "https://docs.google.com/spreadsheets/d/{}/edit"
META_FIELDS = (
    "spreadsheetId,properties(title,locale,timeZone),sheets.properties,"
    f"sheets.charts(chartId,spec),{LEASE_FIELDS}"
)


class GoogleSheetsBackend(TabAppends):
    """A tracker stored in a Google Sheet (or the bundled emulator).

    Args:
        client: a gspread Client; its authorised session is used for every request.
        spreadsheet_id: the ID from the sheet's URL.
        retry: how to retry 429/5xx (default: up to about 120 s), when ``client`` is
            a gspread Client (a ``RetryingHTTPClient`` brings its own, and the account
            the sheet must be shared with).
        max_request_bytes: split a write whose body would pass this size.
        lease: how long a run's lease lasts and how long a second run waits (``lease``).
    """

    early_rows = EARLY_ROWS  # this many rows without a Status: their columns go while emails do

    def __init__(
        self,
        client: gspread.Client | RetryingHTTPClient,
        spreadsheet_id: str,
        *,
        retry: RetryPolicy | None = None,
        max_request_bytes: int = MAX_REQUEST_BYTES,
        lease: LeasePolicy | None = None,
    ) -> None:
        if isinstance(client, RetryingHTTPClient):
            self.http = client
        else:
            self.http = RetryingHTTPClient(None, client.http_client.session, retry)
        self.spreadsheet_id = spreadsheet_id
        self.api = SheetsApi(self.http, spreadsheet_id, self.http.account)
        self.max_request_bytes = max_request_bytes
        self.lease = Lease(self.api, f"the spreadsheet {spreadsheet_id}", lease)
        self._tabs: dict[str, TabInfo] = {}
        self._headers: dict[str, list[Cell]] = {}
        self._last_rows: dict[str, int] = {}
        self._grids: dict[str, Grid] = {}
        self._charts: dict[str, list[dict[str, Any]]] = {}  # by tab, as read
        self._finish = Finish()  # the run's last batchUpdate, gathered (``finish``)
        self._staging = False  # after write_status, under the lease: appends join it
        self._reread: dict[str, TabNow] = {}  # the write's re-read, for the new rows' IDs

    @classmethod
    def connect(
        cls, spreadsheet_id: str, *, retry: RetryPolicy | None = None
    ) -> GoogleSheetsBackend:
        """Open the spreadsheet with the emulator or Application Default Credentials."""
        return cls(connect_http(retry), spreadsheet_id)

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
    def identity(self) -> str:
        """The spreadsheet ID, which links are bound to (no API call)."""
        return self.spreadsheet_id

    @property
    def url(self) -> str:
        """The spreadsheet's address in a browser."""
        return EDIT_URL.format(self.spreadsheet_id)

    def ensure_writable(self) -> None:
        """Nothing to check ahead: the Sheets API tells edit access only at the first write."""

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the spreadsheet's lease (``lease``) for one run: two calls; the take's answer
        is the layout the run's read starts from.

        Raises:
            TrackerBusy: another run holds a live lease after the wait.
        """
        self.lease.acquire(fields=META_FIELDS)
        try:
            yield
        except BaseException:
            self._finish, self._staging = Finish(), False
            try:
                self.api.close()  # a body still in flight finishes first
            except Exception as exc:  # the run's own error goes on; this one is told
                log.warning("a write to %s failed as the run stopped: %s", self.url, exc)
            self.lease.release()
            raise
        self._flush(release=True)

    # -- read ------------------------------------------------------------------------------

    def read(self) -> Snapshot:
        """Every tab's values (dates as serial numbers) and the spreadsheet's properties.

        Raises:
            TrackerNotFound: no such spreadsheet, or it is not shared with us.
        """
        self.api.settle()
        meta = self.lease.layout() or self.api.get(
            urls.SPREADSHEET_URL % self.spreadsheet_id, {"fields": META_FIELDS}
        )
        self.lease.confirm(meta.get("developerMetadata", []))
        tabs = [
            TabInfo.from_json(sheet["properties"])
            for sheet in meta.get("sheets", [])
            if sheet["properties"].get("sheetType", "GRID") == "GRID"
        ]
        ranges = [absolute_range_name(tab.title) for tab in tabs]
        answer = self.api.batch_get(ranges, "ROWS") if ranges else []
        grids = {
            tab.title: grid_of(part.get("values", []))
            for tab, part in zip(tabs, answer, strict=True)
        }
        self._tabs = {tab.title: tab for tab in tabs}
        sheets = meta.get("sheets", [])
        self._charts = {s["properties"]["title"]: s.get("charts", []) for s in sheets}
        self._grids = kept_grids(grids)  # the Snapshot alone holds the rest
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
        self,
        writes: Sequence[TabWrite],
        log_prune: LogPrune | None = None,
        dashboard: Dashboard | None = None,
    ) -> WriteReport:
        """Write system columns by ID (re-read just before) and prune old Log rows.

        Only cells whose value changes are sent, as RAW values: text is never a formula.
        The Log is re-read in the same batchGet and pruned by what its rows hold; columns
        a grid lacks and the prune go first, in one spreadsheets:batchUpdate. A missing
        Log tab is made again, with its header. The Dashboard's changed cells go in the
        same values:batchUpdate, and what it needs besides (made when missing, its chart
        mended) in that batchUpdate, or alone when there is none (``dashboard``).

        Under the run's lease it returns with the last body still in flight (the run
        plans its new rows meanwhile); the backend's next call waits for it and raises
        its error.
        """
        failed = self.api.aside_failed()
        if failed is not None:  # what it left undone, this write sends: it re-reads first
            log.warning("writing the status columns early failed (%s); writing them now", failed)
        self.api.settle()
        self.lease.keep()
        report = WriteReport()
        present = [w for w in writes if w.tab in self._tabs]
        for missing in (w for w in writes if w.tab not in self._tabs):
            report.skipped.extend(missing.labels())
        log_tab = self._find_tab(LOG)
        prune_log = log_tab if log_tab is not None and log_prune is not None else None
        now, log_grid = reread(
            self.api, self._headers, present, prune_log.title if prune_log else None
        )
        self._reread = dict(now)
        cells = {w.tab: self._planned(w, now[w.tab], report) for w in present}
        widths = {tab: self._tabs[tab].columns for tab in cells}
        if log_tab is None:
            log_tab = self._stage_tab(LOG)
            widths[log_tab.title] = 0  # every cell of a new tab waits for the tab
            cells[log_tab.title] = {c: {1: name} for c, name in enumerate(LOG_COLUMNS, start=1)}
            self._headers[log_tab.title] = list(LOG_COLUMNS)
        grow = grow_columns(self._tabs, cells)
        self._finish.add(grow, self._recheck(grow) if grow else None)
        if prune_log is not None and log_prune is not None and log_grid is not None:
            drop = self._prune_requests(prune_log, log_grid, log_prune)
            self._finish.add(drop, self._recheck(drop) if drop else None)
        staged = self._stage_cells(cells, widths)
        board = self._dashboard(dashboard)
        send_all(self.api, itertools.chain(staged, board), self.max_request_bytes)
        self._staged()
        return report

    def write_early(self, writes: Callable[[], Sequence[TabWrite]], unwritten: int) -> bool:
        """Start writing a big tracker's new status columns while the run sends its emails.

        Only under the run's lease, and only when ``early_rows`` rows or more had no
        Status when read (a first run, a big paste): a daily run's few changes, or a smaller
        write, go in a body or two at the end, its calls as many whatever the size. On a
        thread of its own (``SheetsApi.aside``) the columns are re-read and planned, and
        their cells sent in bodies one after another (a delivery batch's Log rows go
        between them); columns the grid lacks wait for the status write. ``write_status``
        waits for it, then writes what changed since, by a re-read of its own (all of it,
        should the early write have failed: its error is logged, not raised). Returns
        whether it started.
        """
        if self.lease.held is None or unwritten < self.early_rows:
            return False
        present = [w for w in writes() if w.tab in self._tabs and w.columns is not None]
        if not present:
            return False
        self.api.settle()
        self.lease.keep()
        self.api.aside(functools.partial(self._write_early, present))
        log.info("writing the status columns of %d new rows while the emails go", unwritten)
        return True

    def _write_early(self, writes: Sequence[TabWrite]) -> None:
        """Re-read and plan ``writes``, then send their cells in columns that exist."""
        now, _ = reread(self.api, self._headers, writes, None)
        ranges = []
        for tab_write in writes:
            tab = tab_write.tab
            by_column = plan_tab(tab_write, now[tab], WriteReport())
            now[tab].columns.clear()  # each column's planned cells hold it till sent
            existing, _ = columns_from(by_column, self._tabs[tab].columns + 1)
            self._headers[tab] = header_after(now[tab].header, existing)
            ranges.append(drained_ranges(tab, existing))
        data = itertools.chain.from_iterable(ranges)
        send_in_turn(self.api, data, self.max_request_bytes)

    def _stage_cells(
        self, cells: dict[str, Planned], widths: dict[str, int]
    ) -> Iterator[dict[str, Any]]:
        """Value ranges of the cells in columns that exist, worked out as the bodies are
        built (``changed.Changes``); the others wait for them, staged at once."""
        ranges = []
        for tab, by_column in cells.items():
            existing, later = columns_from(by_column, widths[tab] + 1)
            ranges.append(drained_ranges(tab, existing))
            waiting = {column: dict(rows) for column, rows in later.items()}
            self._finish.land(
                tab, self._tabs[tab].sheet_id, {c: r for c, r in waiting.items() if r}
            )
        return itertools.chain.from_iterable(ranges)

    def _stage_tab(self, title: str) -> TabInfo:
        """A tab to add in the run's last batchUpdate (Google's default grid, 1000 × 26)."""
        sheet_id = dash.free_id({t.sheet_id for t in self._tabs.values()})
        add = {"addSheet": {"properties": {"sheetId": sheet_id, "title": title}}}
        self._finish.add([add], tab_added(self.api, title))
        info = self._tabs[title] = TabInfo(title, sheet_id, 1000, 26)
        self._headers[title], self._last_rows[title] = [], 0
        return info

    def _planned(self, tab_write: TabWrite, now: TabNow, report: WriteReport) -> Planned:
        """The cells to send for one tab; its header as it will be once they are written."""
        by_column = plan_tab(tab_write, now, report)
        self._headers[tab_write.tab] = header_after(now.header, by_column)
        return by_column

    def _dashboard(self, board: Dashboard | None) -> list[dict[str, Any]]:
        """The Dashboard's changed cells as value ranges; what it needs besides (the tab
        made when missing, its chart mended) waits for the run's last batchUpdate, with
        the cells that must follow it."""
        if board is None:
            return []
        info = self._find_tab(board.tab)
        if info is None:
            sheet_id = dash.free_id({t.sheet_id for t in self._tabs.values()})
            self._finish.add(
                dash.setup_requests(sheet_id, board.tab, board), dash.settled(self.api, sheet_id, 1)
            )
            new = ranges_by_column(dash.changed_ranges(board.tab, [], board))
            self._finish.land(board.tab, sheet_id, new)
            return []
        before = self._grids.get(info.title, [])
        if not is_programs(before):
            log.warning(PERSONS_DASHBOARD, info.title)
            return []
        charts = self._charts.get(info.title, [])
        mend = dash.undated(info.sheet_id, before)
        mend += dash.mend_requests(info.sheet_id, info.rows, charts, board)
        data = list(dash.changed_ranges(info.title, before, board))
        if not mend:
            return data
        rows = max(info.rows, len(board.rows))
        self._finish.add(mend, dash.settled(self.api, info.sheet_id, rows))
        self._finish.land(info.title, info.sheet_id, ranges_by_column(data))
        return []

    def _prune_requests(self, log: TabInfo, grid: Grid, prune: LogPrune) -> list[dict[str, Any]]:
        """deleteDimension requests for the Log rows ``prune`` lets go, as re-read."""
        drop = rows_to_prune(grid, prune)
        self._last_rows[log.title] = len(grid) - len(drop)
        self._grids[log.title] = grid  # what a recheck after a lost answer compares with
        return delete_rows(log, drop)
