"""``sheetsync init --google``: a new tracker in Google Sheets, formatted, in three API calls.

    spreadsheets.create        the spreadsheet and its four tabs (or, for an existing one,
                               a GET and one values:batchGet of its header rows)
    spreadsheets:batchUpdate   every format at once: frozen header with a filter, bold and
                               grey headers, date formats, dropdowns, Done checkboxes,
                               Status colours, widths (and wrapping) of the columns runs
                               fill in, system columns and the Log protected with a warning
    values:batchUpdate (RAW)   headers, and the sample rows (dates as serial numbers)

The program's columns sit at the right end, as in the workbook tracker (``xlsx_init``).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from gspread import urls
from gspread.utils import absolute_range_name

from ..cells.dates import to_serial
from ..errors import UsageError
from ..schema import LOG, MILESTONES, header_key
from . import spreadsheet_id as parse_spreadsheet_id
from .a1 import column_letters
from .gsheets.api import SheetsApi
from .gsheets.backend import EDIT_URL
from .gsheets.connect import connect_http
from .gsheets.retry import RetryPolicy
from .rowmatch import header_columns
from .xlsx_init import (
    DATE_HEADERS,
    DROPDOWNS,
    FIXED_WIDTHS,
    STATUS_COLOURS,
    SYSTEM_HEADERS,
    TAB_ORDER,
    WRAPPED,
    default_grids,
)

GREY = {"red": 0.85, "green": 0.85, "blue": 0.85}
PIXELS_PER_CHARACTER = 7  # a workbook width in characters, as Google's pixels (Arial 10)
CHECKED_WORDS = frozenset({"yes", "y", "x", "✓", "✔", "done", "true"})
PROTECTION_NOTE = "Written by sheetsync on every run: your edits here would be overwritten."


@dataclass
class TabPlan:
    """One tab to lay out: its gid, its final header and the rows to write under it."""

    name: str
    sheet_id: int
    header: list[Any]
    rows: list[list[Any]] = field(default_factory=list)
    new_header_from: int = 1  # first header column (1-based) to write; earlier ones exist
    grid: tuple[int, int] = (0, 0)  # the tab's current (rows, columns)


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
    from ..sample import sample_tracker

    http, account = connect_http(retry)
    api = SheetsApi(http, None, account)
    grids = sample_tracker(today or dt.date.today()) if sample else default_grids()
    if spreadsheet_id:
        api.spreadsheet_id = parse_spreadsheet_id(spreadsheet_id) or spreadsheet_id
        plans, requests = _existing(api, grids, title, sample)
    else:
        plans, requests = _created(api, title, grids), []
    api.batch_update(requests + [r for plan in plans for r in _format_requests(plan)])
    api.values_update([vr for plan in plans for vr in _value_ranges(plan)])
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
    api: SheetsApi, grids: dict[str, list[list[Any]]], title: str, sample: bool
) -> tuple[list[TabPlan], list[dict[str, Any]]]:
    """Plans for an existing spreadsheet: its tabs kept, missing ones added, headers extended."""
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
        _, added = header_columns(header, SYSTEM_HEADERS.get(_canonical(name), ()))
        plan = TabPlan(
            name, sheet_id, header + [h for _, h in added], new_header_from=len(header) + 1
        )
    else:
        plan = _plan(name, sheet_id, grid)
    grid_props = props.get("gridProperties", {})
    plan.grid = (grid_props.get("rowCount", 0), grid_props.get("columnCount", 0))
    return plan


def _canonical(name: str) -> str:
    return next((tab for tab in TAB_ORDER if tab.casefold() == name.casefold()), name)


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


# -- requests ------------------------------------------------------------------------------


def _format_requests(plan: TabPlan) -> list[dict[str, Any]]:
    """Everything a tab needs besides values, as spreadsheets:batchUpdate requests."""
    name = _canonical(plan.name)
    columns = {header_key(h): i for i, h in enumerate(plan.header) if h not in (None, "")}
    requests = [_grid_properties(plan), _bold_header(plan), _filter(plan)]
    requests += _run_columns(plan, columns)
    requests += _system_columns(plan, columns, SYSTEM_HEADERS.get(name, ()))
    requests += [_date_format(plan, i) for key, i in columns.items() if key in DATE_HEADERS]
    for header, choices in DROPDOWNS.get(name, {}).items():
        if header_key(header) == "done":
            continue  # a checkbox instead
        if (index := columns.get(header_key(header))) is not None:
            requests.append(_validation(plan, index, _one_of(choices)))
    if name == MILESTONES:
        requests += _milestone_extras(plan, columns)
    if name == LOG:
        requests.append(_protect(plan, None))
    return requests


def _milestone_extras(plan: TabPlan, columns: dict[str, int]) -> list[dict[str, Any]]:
    requests = []
    if (done := columns.get("done")) is not None:
        requests.append(_validation(plan, done, {"condition": {"type": "BOOLEAN"}}))
    if (status := columns.get("status")) is not None:
        for index, (text, colour) in enumerate(STATUS_COLOURS.items()):
            requests.append(_colour_rule(plan, status, text, colour, index))
    return requests


def _column(plan: TabPlan, index: int, from_row: int = 1) -> dict[str, Any]:
    """A GridRange: one column (0-based ``index``) from ``from_row`` (0-based) down."""
    return {
        "sheetId": plan.sheet_id,
        "startRowIndex": from_row,
        "startColumnIndex": index,
        "endColumnIndex": index + 1,
    }


def _grid_properties(plan: TabPlan) -> dict[str, Any]:
    """Frozen header row; the grid grown (never shrunk) to fit the header and rows."""
    rows = max(plan.grid[0], len(plan.rows) + 1, 1000)
    columns = max(plan.grid[1], len(plan.header), 26)
    grid = {"frozenRowCount": 1, "rowCount": rows, "columnCount": columns}
    return {
        "updateSheetProperties": {
            "properties": {"sheetId": plan.sheet_id, "gridProperties": grid},
            "fields": ",".join(f"gridProperties.{name}" for name in grid),
        }
    }


def _filter(plan: TabPlan) -> dict[str, Any]:
    """A filter on the whole tab (a range without bounds grows with the grid)."""
    return {"setBasicFilter": {"filter": {"range": {"sheetId": plan.sheet_id}}}}


def _run_columns(plan: TabPlan, columns: dict[str, int]) -> list[dict[str, Any]]:
    """Widths for the columns runs fill in; the long ones wrap."""
    requests: list[dict[str, Any]] = []
    for key, index in columns.items():
        if key not in FIXED_WIDTHS:
            continue
        span = {"sheetId": plan.sheet_id, "dimension": "COLUMNS"}
        requests.append(
            {
                "updateDimensionProperties": {
                    "range": {**span, "startIndex": index, "endIndex": index + 1},
                    "properties": {"pixelSize": FIXED_WIDTHS[key] * PIXELS_PER_CHARACTER},
                    "fields": "pixelSize",
                }
            }
        )
        if key in WRAPPED:
            requests.append(
                {
                    "repeatCell": {
                        "range": _column(plan, index),
                        "cell": {"userEnteredFormat": {"wrapStrategy": "WRAP"}},
                        "fields": "userEnteredFormat.wrapStrategy",
                    }
                }
            )
    return requests


def _bold_header(plan: TabPlan) -> dict[str, Any]:
    return {
        "repeatCell": {
            "range": {"sheetId": plan.sheet_id, "startRowIndex": 0, "endRowIndex": 1},
            "cell": {"userEnteredFormat": {"textFormat": {"bold": True}}},
            "fields": "userEnteredFormat.textFormat.bold",
        }
    }


def _system_columns(
    plan: TabPlan, columns: dict[str, int], system: Sequence[str]
) -> list[dict[str, Any]]:
    """Grey headers and a warning-only protection over the program's columns."""
    indexes = sorted(columns[header_key(h)] for h in system if header_key(h) in columns)
    requests: list[dict[str, Any]] = []
    for index in indexes:
        requests.append(
            {
                "repeatCell": {
                    "range": {**_column(plan, index, 0), "endRowIndex": 1},
                    "cell": {"userEnteredFormat": {"backgroundColor": GREY}},
                    "fields": "userEnteredFormat.backgroundColor",
                }
            }
        )
    for first, last in _spans(indexes):
        requests.append(_protect(plan, (first, last)))
    return requests


def _spans(indexes: Sequence[int]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for index in indexes:
        if spans and index == spans[-1][1] + 1:
            spans[-1] = (spans[-1][0], index)
        else:
            spans.append((index, index))
    return spans


def _protect(plan: TabPlan, span: tuple[int, int] | None) -> dict[str, Any]:
    """Warn (not forbid) before a person edits the program's cells; None: the whole tab."""
    grid_range: dict[str, Any] = {"sheetId": plan.sheet_id}
    if span is not None:
        grid_range.update(startColumnIndex=span[0], endColumnIndex=span[1] + 1)
    return {
        "addProtectedRange": {
            "protectedRange": {
                "range": grid_range,
                "description": PROTECTION_NOTE,
                "warningOnly": True,
            }
        }
    }


def _date_format(plan: TabPlan, index: int) -> dict[str, Any]:
    return {
        "repeatCell": {
            "range": _column(plan, index),
            "cell": {
                "userEnteredFormat": {"numberFormat": {"type": "DATE", "pattern": "yyyy-mm-dd"}}
            },
            "fields": "userEnteredFormat.numberFormat",
        }
    }


def _one_of(choices: Sequence[str]) -> dict[str, Any]:
    """A dropdown that warns on other text (people may still type a synonym such as "QBR")."""
    values = [{"userEnteredValue": choice} for choice in choices]
    return {
        "condition": {"type": "ONE_OF_LIST", "values": values},
        "showCustomUi": True,
        "strict": False,
    }


def _validation(plan: TabPlan, index: int, rule: dict[str, Any]) -> dict[str, Any]:
    return {"setDataValidation": {"range": _column(plan, index), "rule": rule}}


def _colour_rule(
    plan: TabPlan, index: int, text: str, colour: str, position: int
) -> dict[str, Any]:
    rgb = {k: int(colour[i : i + 2], 16) / 255 for k, i in (("red", 0), ("green", 2), ("blue", 4))}
    condition = {"type": "TEXT_EQ", "values": [{"userEnteredValue": text}]}
    return {
        "addConditionalFormatRule": {
            "index": position,
            "rule": {
                "ranges": [_column(plan, index)],
                "booleanRule": {"condition": condition, "format": {"backgroundColor": rgb}},
            },
        }
    }


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
