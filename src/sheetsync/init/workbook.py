"""Create a new tracker workbook: tabs, headers, dropdowns and colours, ready to fill in.

The program's own columns (``schema.MILESTONE_SYSTEM``, ``schema.CONTRACT_SYSTEM``)
sit at the right end under a grey header, so people see which columns are not theirs.
They and the Log's columns get widths that fit what runs write into them, since they
are empty when the workbook is made. They do not wrap: LibreOffice keeps the row
heights a file gives, so wrapped lines would overlap (a Google Sheet wraps them).

Done stays a yes/no dropdown: the .xlsx format has no checkbox that both Excel and
LibreOffice draw (a TRUE/FALSE list shows the words TRUE and FALSE), and yes / no is
what people type anyway. A Google Sheet gets a real checkbox (``google``).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from ..backends.xlsx import DATE_FORMAT
from ..backends.xlsx.backend import readable_name
from ..backends.xlsx.dashboard import write_dashboard
from ..dashboard import empty_dashboard, tracker_name
from ..errors import UsageError
from ..schema import (
    CANCELLED,
    CONTRACT_COLUMNS,
    CONTRACT_STATUSES,
    CONTRACTS,
    DONE,
    DUE_SOON,
    LOG,
    LOG_COLUMNS,
    MILESTONE_COLUMNS,
    MILESTONES,
    NEEDS_ATTENTION,
    OVERDUE,
    SETTINGS,
    SYSTEM_HEADERS,
    TYPES,
    UPCOMING,
    header_key,
)

LAST_ROW = 1_048_576  # the last row a sheet has: dropdowns, colours and filters cover it all
TAB_ORDER = (CONTRACTS, MILESTONES, SETTINGS, LOG)

DATE_HEADERS = frozenset(
    header_key(h)
    for h in ("Start Date", "End Date", "Due Date", "Completed On", "Next Reminder", "Term End")
)
DROPDOWNS: dict[str, dict[str, Sequence[str]]] = {
    CONTRACTS: {
        "Contract Status": CONTRACT_STATUSES,
        "Risk": ("High", "Medium", "Low"),
        "Auto-Renew": ("yes", "no"),
    },
    MILESTONES: {"Type": TYPES, "Done": ("yes", "no")},
}
STATUS_COLOURS = {
    OVERDUE: "F4B6B6",  # red
    NEEDS_ATTENTION: "F9CB9C",  # orange: a row the program could not read
    DUE_SOON: "FFE08A",  # amber
    UPCOMING: "D5E8F7",  # pale blue
    DONE: "D9D9D9",  # grey
    CANCELLED: "EFEFEF",  # light grey
}
# Widths (in characters) of the columns runs fill in (the rest fit the tab's values).
FIXED_WIDTHS = {
    header_key(h): width
    for h, width in (
        ("Status", 17),
        ("Days Left", 10),
        ("Next Reminder", 17),  # a date, or "waits for step 2"
        ("Last Notified", 104),  # date, last stage of each kind, due date, summary mark
        ("Escalation", 40),
        ("Escalation Level", 40),
        ("Problems", 84),
        ("Checked", 21),
        ("Source", 9),
        ("Term End", 12),
        ("Notice Deadline", 16),
        ("Next Milestone", 80),
        ("Health", 17),
        ("Sent At", 21),
        ("Kind", 11),
        ("Key", 46),
        ("Milestone ID", 18),  # C-027/approval-1
        ("Recipients", 70),
        ("Subject", 112),
        ("Message-ID", 58),
        ("Result", 30),
    )
}
# On a Google Sheet these also wrap (it sizes rows to fit; LibreOffice does not).
WRAPPED_HEADERS = ("Escalation", "Escalation Level", "Problems", "Next Milestone", "Recipients")
WRAPPED = frozenset(header_key(h) for h in (*WRAPPED_HEADERS, "Subject"))


BOLD = Font(bold=True)
SYSTEM_FILL = PatternFill("solid", start_color="D9D9D9", end_color="D9D9D9")


def default_grids() -> dict[str, list[list[object]]]:
    """Header rows only: the canonical columns of each tab."""
    return {
        CONTRACTS: [[c.name for c in CONTRACT_COLUMNS]],
        MILESTONES: [[c.name for c in MILESTONE_COLUMNS]],
        SETTINGS: [["Setting", "Value"]],
        LOG: [list(LOG_COLUMNS)],
    }


def create_workbook(
    path: str | os.PathLike[str], grids: dict | None = None, today: dt.date | None = None
) -> None:
    """Write a new tracker workbook at ``path``, with an empty Dashboard tab.

    Args:
        path: where to write the ``.xlsx``; it must not exist yet.
        grids: the cells of each tab, header first (``sample.sample_tracker`` gives
            one); None writes the canonical headers only.
        today: the day the empty Dashboard is "as of" (default: today).

    Raises:
        UsageError: ``path`` already exists (a tracker is never overwritten), or
            cannot be created (no such folder, no permission).
    """
    target = Path(path)
    if target.exists():
        raise UsageError(f"{target} already exists; choose a new file name")
    grids = grids if grids is not None else default_grids()
    book = build_workbook(grids)
    title = tracker_name(grids, readable_name(target.stem))
    write_dashboard(book, empty_dashboard(title, today or dt.date.today()))
    try:
        handle = target.open("xb")  # "x": never replace a file created meanwhile
    except FileExistsError as exc:
        raise UsageError(f"{target} already exists; choose a new file name") from exc
    except OSError as exc:
        raise UsageError(f"cannot create {target}: {exc.strerror or exc}") from exc
    try:
        with handle:
            book.save(handle)
    except BaseException:
        target.unlink(missing_ok=True)  # a half-written workbook would block the next try
        raise


def build_workbook(grids: dict[str, list[list[object]]]) -> Workbook:
    """The workbook for ``grids``: the four tabs first, then any extra tabs given."""
    book = Workbook()
    for blank in list(book.worksheets):
        book.remove(blank)
    names = [*TAB_ORDER, *(n for n in grids if n not in TAB_ORDER)]
    for name in names:
        grid = [list(row) for row in grids.get(name) or default_grids().get(name, [])]
        sheet = book.create_sheet(name)
        _fill(sheet, _with_system_headers(name, grid))
        _style_header(sheet, SYSTEM_HEADERS.get(name, ()))
        _add_dropdowns(sheet, DROPDOWNS.get(name, {}))
        if name == MILESTONES:
            _colour_status(sheet)
        _size_columns(sheet)
        _fit_run_columns(sheet)
    return book


def _with_system_headers(name: str, grid: list[list[object]]) -> list[list[object]]:
    """Append the program's columns that the header row lacks, at the right end."""
    header = grid[0] if grid else []
    have = {header_key(h) for h in header}
    missing = [h for h in SYSTEM_HEADERS.get(name, ()) if header_key(h) not in have]
    return [[*header, *missing], *grid[1:]]


def _fill(sheet: Worksheet, grid: list[list[object]]) -> None:
    dated = {i + 1 for i, h in enumerate(grid[0]) if header_key(h) in DATE_HEADERS}
    for r, row in enumerate(grid, start=1):
        for c, value in enumerate(row, start=1):
            if value is None or value == "":
                continue
            cell = sheet.cell(r, c, value)  # type: ignore[call-overload]
            if c in dated and isinstance(value, dt.date):
                cell.number_format = DATE_FORMAT
    for c in dated:  # rows typed in later get the format from the column's style
        sheet.column_dimensions[get_column_letter(c)].number_format = DATE_FORMAT


def _style_header(sheet: Worksheet, system: Sequence[str]) -> None:
    """Bold, frozen header row with a filter; the program's columns greyed."""
    keys = {header_key(h) for h in system}
    for cell in sheet[1]:
        cell.font = BOLD
        if header_key(cell.value) in keys:
            cell.fill = SYSTEM_FILL
    sheet.freeze_panes = "A2"
    if sheet.max_column > 1 or sheet["A1"].value is not None:
        sheet.auto_filter.ref = f"A1:{get_column_letter(sheet.max_column)}{LAST_ROW}"


def _add_dropdowns(sheet: Worksheet, lists: dict[str, Sequence[str]]) -> None:
    for header, choices in lists.items():
        letter = _column_letter(sheet, header)
        if letter is None:
            continue
        rule = DataValidation(type="list", formula1=f'"{",".join(choices)}"', allow_blank=True)
        rule.error = f"Choose one of: {', '.join(choices)}"
        rule.errorStyle = "warning"  # people may still type a synonym such as "QBR"
        rule.add(f"{letter}2:{letter}{LAST_ROW}")
        sheet.add_data_validation(rule)


def _colour_status(sheet: Worksheet) -> None:
    letter = _column_letter(sheet, "Status")
    if letter is None:
        return
    for status, colour in STATUS_COLOURS.items():
        fill = PatternFill("solid", start_color=colour, end_color=colour)
        rule = CellIsRule(operator="equal", formula=[f'"{status}"'], fill=fill)
        sheet.conditional_formatting.add(f"{letter}2:{letter}{LAST_ROW}", rule)


def _column_letter(sheet: Worksheet, header: str) -> str | None:
    wanted = header_key(header)
    for cell in sheet[1]:
        if header_key(cell.value) == wanted and cell.column is not None:
            return get_column_letter(cell.column)
    return None


def _size_columns(sheet: Worksheet) -> None:
    """Widths from the longest value in each column (first 200 rows), within 10…48."""
    widths: dict[int, int] = {}
    for row in sheet.iter_rows(min_row=1, max_row=min(sheet.max_row, 200)):
        for cell in row:
            if cell.value is not None:
                size = 11 if isinstance(cell.value, dt.date) else len(str(cell.value))
                widths[cell.column] = max(widths.get(cell.column, 0), size)
    for column, size in widths.items():
        sheet.column_dimensions[get_column_letter(column)].width = min(max(size + 2, 10), 48)


def _fit_run_columns(sheet: Worksheet) -> None:
    """Widths for the columns runs fill in."""
    for cell in sheet[1]:
        key = header_key(cell.value)
        if key not in FIXED_WIDTHS or cell.column is None:
            continue
        letter = get_column_letter(cell.column)
        dimension = sheet.column_dimensions[letter]
        dimension.width = max(dimension.width or 0, FIXED_WIDTHS[key])
