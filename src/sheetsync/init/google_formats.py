"""The formats of a new Google tracker, as spreadsheets:batchUpdate requests (pure).

Frozen header with a filter, bold headers, the program's columns under a grey header
with a warning-only protection (the Log wholly), date formats, dropdowns that warn on
other text, Done as a checkbox, a colour per Status, and widths (with wrapping) for the
columns runs fill in. ``google`` sends them in one call.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..schema import LOG, MILESTONES, SYSTEM_HEADERS, header_key
from .workbook import (
    DATE_HEADERS,
    DROPDOWNS,
    FIXED_WIDTHS,
    STATUS_COLOURS,
    TAB_ORDER,
    WRAPPED,
)

GREY = {"red": 0.85, "green": 0.85, "blue": 0.85}
PIXELS_PER_CHARACTER = 7  # a workbook width in characters, as Google's pixels (Arial 10)
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


def format_requests(plan: TabPlan) -> list[dict[str, Any]]:
    """Everything a tab needs besides values, as spreadsheets:batchUpdate requests."""
    name = canonical_tab(plan.name)
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


def canonical_tab(name: str) -> str:
    """The tracker's own spelling of a tab name found in any case: "milestones" → Milestones."""
    return next((tab for tab in TAB_ORDER if tab.casefold() == name.casefold()), name)
