"""``sheetsync init --google``: a new tracker in Google Sheets, formatted, in three API calls.

    spreadsheets.create        the spreadsheet and its four tabs (or, for an existing one,
                               a GET and one values:batchGet of its header rows)
    spreadsheets:batchUpdate   every format at once: frozen header with a filter, bold and
                               grey headers, date formats, dropdowns, Done checkboxes,
                               Status colours, widths (and wrapping) of the columns runs
                               fill in, system columns and the Log protected with a warning;
                               the Dashboard tab with its formats and chart (``addChart``)
    values:batchUpdate (RAW)   headers, the sample rows (dates as serial numbers) and the
                               Dashboard's empty figures (the first run fills them in)

The program's columns sit at the right end, as in the workbook tracker (``workbook``).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from typing import Any

from gspread import urls
from gspread.utils import absolute_range_name

from ..backends import spreadsheet_id as parse_spreadsheet_id
from ..backends.a1 import column_letters
from ..backends.gsheets import dashboard as gsheets_dashboard
from ..backends.gsheets.api import SheetsApi
from ..backends.gsheets.backend import EDIT_URL
from ..backends.gsheets.connect import connect_http
from ..backends.gsheets.retry import RetryPolicy
from ..backends.rowmatch import header_columns
from ..cells.dates import to_serial
from ..dashboard import DASHBOARD, Dashboard, empty_dashboard, tracker_name
from ..errors import UsageError
from ..schema import MILESTONES, SYSTEM_HEADERS, header_key
from .google_formats import TabPlan, canonical_tab, format_requests
from .workbook import (
    TAB_ORDER,
    default_grids,
)

CHECKED_WORDS = frozenset({"yes", "y", "x", "✓", "✔", "done", "true"})


def create_google_tracker(
    title: str,
    spreadsheet_id: str | None = None,
    *,
    sample: bool = False,
    today: dt.date | None = None,
    retry: RetryPolicy | None = None,
) -> str:
    """Create a tracker spreadsheet, or lay one out in an existing spreadsheet.

    Args:
        title: the spreadsheet's title.
        spreadsheet_id: an existing spreadsheet's ID or URL to fill; None creates one.
        sample: fill the tabs with the sample contracts and milestones.
        today: the day the sample is dated from (default: today).

    Returns:
        The line to print: the spreadsheet's URL and ID.

    Raises:
        UsageError: ``--sample`` on a spreadsheet whose tabs already hold rows.
        TrackerError: no credentials, or the spreadsheet cannot be opened.
    """
    from .sample import sample_tracker

    http = connect_http(retry)
    account = http.account
    api = SheetsApi(http, None, account)
    grids = sample_tracker(today or dt.date.today()) if sample else default_grids()
    board = empty_dashboard(tracker_name(grids, title), today or dt.date.today())
    if spreadsheet_id:
        api.spreadsheet_id = parse_spreadsheet_id(spreadsheet_id) or spreadsheet_id
        plans, requests = _existing(api, grids, title, sample, board)
    else:
        plans = _created(api, title, grids)
        free = _free_id({plan.sheet_id for plan in plans})
        requests = gsheets_dashboard.setup_requests(free, DASHBOARD, board)
    api.batch_update(requests + [r for plan in plans for r in format_requests(plan)])
    values = [vr for plan in plans for vr in _value_ranges(plan)]
    values += gsheets_dashboard.changed_ranges(DASHBOARD, [], board)
    api.values_update(values)
    line = (
        f"Google Sheet {title!r}: {EDIT_URL.format(api.spreadsheet_id)} (ID {api.spreadsheet_id})"
    )
    line += " with sample contracts and milestones" if sample else ""
    if not spreadsheet_id and account.endswith(".gserviceaccount.com"):
        # The spreadsheets scope cannot share a file: say how to get one people can open.
        line += f"; it belongs to {account}: to own it, share a blank sheet with it and pass its ID"
    return line


def _created(api: SheetsApi, title: str, grids: dict[str, list[list[Any]]]) -> list[TabPlan]:
    """Create the spreadsheet with its four tabs; one plan per tab."""
    body = {
        "properties": {"title": title},
        "sheets": [{"properties": {"title": name}} for name in TAB_ORDER],
    }
    answer = api.post(urls.SPREADSHEETS_API_V4_BASE_URL, body)
    api.spreadsheet_id = answer["spreadsheetId"]
    plans = []
    for sheet in answer.get("sheets", []):
        props = sheet["properties"]
        grid = props.get("gridProperties", {})
        plan = _plan(props["title"], int(props.get("sheetId", 0)), grids.get(props["title"], []))
        plan.grid = (grid.get("rowCount", 0), grid.get("columnCount", 0))
        plans.append(plan)
    return plans


def _existing(
    api: SheetsApi, grids: dict[str, list[list[Any]]], title: str, sample: bool, board: Dashboard
) -> tuple[list[TabPlan], list[dict[str, Any]]]:
    """Plans for an existing spreadsheet: its tabs kept, missing ones added (the Dashboard
    too), headers extended."""
    meta = api.get(urls.SPREADSHEET_URL % api.spreadsheet_id, {"fields": "sheets.properties"})
    found = {s["properties"]["title"].casefold(): s["properties"] for s in meta.get("sheets", [])}
    present = [found[name.casefold()] for name in TAB_ORDER if name.casefold() in found]
    ranges = [absolute_range_name(props["title"], "1:1") for props in present]
    answer = api.batch_get(ranges, "ROWS") if ranges else []
    tops = {props["title"]: part for props, part in zip(present, answer, strict=True)}
    rename = {"properties": {"title": title}, "fields": "title"}
    requests: list[dict[str, Any]] = [{"updateSpreadsheetProperties": rename}]
    taken = {int(props.get("sheetId", 0)) for props in found.values()}
    plans = []
    for name in TAB_ORDER:
        props = found.get(name.casefold())
        if props is None:
            sheet_id = _free_id(taken)
            requests.append({"addSheet": {"properties": {"title": name, "sheetId": sheet_id}}})
            plans.append(_plan(name, sheet_id, grids.get(name, [])))
            continue
        top = tops[props["title"]].get("values", [])
        plans.append(_plan_existing(props, top, grids.get(name, []), sample))
    if DASHBOARD.casefold() not in found:
        requests += gsheets_dashboard.setup_requests(_free_id(taken), DASHBOARD, board)
    return plans, requests


def _plan(name: str, sheet_id: int, grid: Sequence[Sequence[Any]]) -> TabPlan:
    header = list(grid[0]) if grid else []
    _, added = header_columns(header, SYSTEM_HEADERS.get(name, ()))
    header += [h for _, h in added]
    return TabPlan(name, sheet_id, header, [_row(name, header, r) for r in grid[1:]])


def _plan_existing(
    props: dict[str, Any], top: list[list[Any]], grid: Sequence[Sequence[Any]], sample: bool
) -> TabPlan:
    """A tab that exists: an empty one is laid out afresh; one with a header keeps it.

    A kept header only gains the missing system columns at its right end; rows are never
    written under it, so ``--sample`` needs the tab to be empty.
    """
    name, sheet_id = props["title"], int(props.get("sheetId", 0))
    header = list(top[0]) if top else []
    if any(h not in (None, "") for h in header):
        if sample and len(grid) > 1:
            raise UsageError(f"the {name} tab is not empty; --sample needs an empty spreadsheet")
        _, added = header_columns(header, SYSTEM_HEADERS.get(canonical_tab(name), ()))
        plan = TabPlan(
            name, sheet_id, header + [h for _, h in added], new_header_from=len(header) + 1
        )
    else:
        plan = _plan(name, sheet_id, grid)
    grid_props = props.get("gridProperties", {})
    plan.grid = (grid_props.get("rowCount", 0), grid_props.get("columnCount", 0))
    return plan


def _free_id(taken: set[int]) -> int:
    """A sheetId no tab uses, chosen here so formats can name the new tab in the same batch."""
    rng = random.Random(len(taken))
    while (candidate := rng.randint(1, 2**31 - 1)) in taken:
        pass
    taken.add(candidate)
    return candidate


def _row(name: str, header: Sequence[Any], row: Sequence[Any]) -> list[Any]:
    """A sample row as RAW values: dates as serial numbers, Done words as checkbox values."""
    done = (
        {i for i, h in enumerate(header) if header_key(h) == "done"}
        if name == MILESTONES
        else set()
    )
    out: list[Any] = []
    for index, value in enumerate(row):
        if isinstance(value, dt.date):
            value = int(to_serial(value))
        elif index in done and isinstance(value, str) and value.strip().casefold() in CHECKED_WORDS:
            value = True
        out.append("" if value is None else value)
    return out


def _value_ranges(plan: TabPlan) -> list[dict[str, Any]]:
    """The header cells not yet in the sheet, then the rows under the header."""
    ranges = []
    new = plan.header[plan.new_header_from - 1 :]
    if any(h not in (None, "") for h in new):
        start = column_letters(plan.new_header_from)
        ranges.append({"range": absolute_range_name(plan.name, f"{start}1"), "values": [new]})
    if plan.rows:
        ranges.append({"range": absolute_range_name(plan.name, "A2"), "values": plan.rows})
    return ranges
