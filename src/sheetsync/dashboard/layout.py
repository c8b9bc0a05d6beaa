"""The Dashboard tab's cells: sections stacked down the tab, the chart's table at a fixed place.

The first 25 rows never move (the note, the title, open milestones by status and the
monthly table the chart reads), so the chart's ranges stay the same from run to run and
only the cells change. The lists below them grow and shrink with the tracker.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..schema import CANCELLED, DONE, DUE_SOON, NEEDS_ATTENTION, OVERDUE, STATUSES, UPCOMING
from .figures import OPEN, PEOPLE_COLUMNS, Figures

DASHBOARD = "Dashboard"
NOTE = (
    "Written by sheetsync on every run: edits made in this tab are overwritten. "
    "Change the Contracts and Milestones tabs instead."
)


def is_programs(grid: Sequence[Sequence[object]]) -> bool:
    """Whether a tab called Dashboard may be rewritten: it is empty, or its first cell holds
    the program's note. A person's own tab of that name is never written over."""
    first = str(grid[0][0]).strip() if grid and grid[0] and grid[0][0] is not None else ""
    if first.startswith(NOTE.split(":")[0]):
        return True
    return not any(str(cell).strip() for row in grid for cell in row if cell is not None)


PERSONS_DASHBOARD = (
    "the tab %r is a person's own (its first cell is not sheetsync's note): left as it is;"
    " rename it to let sheetsync write its Dashboard"
)
OVERDUE_SHOWN = 50  # the most overdue milestones listed; the rest are counted
#: Column widths in characters, A to G.
WIDTHS = (34, 18, 16, 52, 28, 32, 14)
Value = str | int | float | dt.date | None
#: A chart colour per status (RGB hex): the hues of the Status column's fills, stronger.
CHART_COLOURS = {
    OVERDUE: "D9534F",
    DUE_SOON: "F0AD4E",
    UPCOMING: "5B9BD5",
    NEEDS_ATTENTION: "E67E22",
    DONE: "A6A6A6",
    CANCELLED: "D9D9D9",
}
BY_STATUS = "Open milestones by status"
BY_MONTH = "Milestones due per month, next 12 months"
BY_OWNER, BY_DEPARTMENT = "Open milestones by owner", "Open milestones by department"
TERMS = "Renewals, notice deadlines and expirations, next 90 days"
OVERDUE_LIST = "Overdue milestones, most overdue first"
REVIEWS = "Reviews overdue, by counterparty"
TROUBLED = "Contracts with problems"
SECTION_TITLES = (
    BY_STATUS,
    BY_MONTH,
    BY_OWNER,
    BY_DEPARTMENT,
    TERMS,
    OVERDUE_LIST,
    REVIEWS,
    TROUBLED,
)
#: The first cell of every section's header row (headers are bold on a Google Sheet by it).
HEADER_LABELS = ("Status", "Month", "Owner", "Department", "Due", "Oldest due", "Contract ID")
#: Where dates are: every date of a list is in column A; the as-of date is at row 2, column 3.
DATE_COLUMN, AS_OF = 1, (2, 3)


@dataclass(frozen=True)
class ChartPlace:
    """Where the chart's table is (1-based rows and columns) and where the chart sits."""

    header_row: int
    first_row: int
    last_row: int
    last_column: int  # the month labels are in column 1, one status per column after it
    anchor_row: int = 4
    anchor_column: int = 9  # column I, right of the tables
    title: str = "Milestones due per month, by status"


@dataclass
class Dashboard:
    """The Dashboard tab as the program writes it: cells, which rows are headings, the chart."""

    rows: list[list[Value]]
    chart: ChartPlace
    titles: set[int] = field(default_factory=set)  # 1-based rows holding a section title
    headers: set[int] = field(default_factory=set)  # 1-based rows holding column headers
    widths: tuple[int, ...] = WIDTHS
    tab: str = DASHBOARD

    def add_section(self, title: str, header: Sequence[str], body: Iterable[list[Any]]) -> None:
        """A title row, a header row, the body (or a "None" row), then a blank row."""
        self.rows.append([title])
        self.titles.add(len(self.rows))
        self.rows.append(list(header))
        self.headers.add(len(self.rows))
        before = len(self.rows)
        self.rows.extend(body)
        if len(self.rows) == before:
            self.rows.append(["None"])
        self.rows.append([])


def dashboard_layout(figures: Figures) -> Dashboard:
    """Lay every figure out as the tab's rows."""
    months = figures.months
    top = 13  # the monthly table's header row
    chart = ChartPlace(top, top + 1, top + len(months), 1 + len(STATUSES))
    board = Dashboard([[NOTE], [figures.title, "As of", figures.today], []], chart)
    status_rows = [[status, figures.by_status[status]] for status in OPEN]
    board.add_section(BY_STATUS, ["Status", "Milestones"], status_rows)
    board.rows[-1] = ["Open in total", sum(figures.by_status.values())]
    board.rows.append([])
    board.add_section(
        BY_MONTH,
        ["Month", *STATUSES],
        ([str(month), *map(int, counts)] for month, counts in months.iterrows()),
    )
    _people(board, BY_OWNER, "Owner", figures.by_owner)
    _people(board, BY_DEPARTMENT, "Department", figures.by_department)
    _terms(board, figures)
    _overdue(board, figures.overdue)
    board.add_section(
        REVIEWS,
        ["Oldest due", "Counterparty", "Overdue reviews", "Contracts"],
        ([r.oldest, name, int(r.reviews), r.contracts] for name, r in figures.reviews.iterrows()),
    )
    board.add_section(
        TROUBLED,
        ["Contract ID", "Health", "Needs attention", "Contract", "Problems"],
        (_troubled(list(r)) for r in figures.troubled.itertuples(index=False)),
    )
    return board


def _people(board: Dashboard, title: str, label: str, table: pd.DataFrame) -> None:
    header = [label, *PEOPLE_COLUMNS]
    body = ([str(name), *map(int, counts)] for name, counts in table.iterrows())
    board.add_section(title, header, body)


def _terms(board: Dashboard, figures: Figures) -> None:
    terms = figures.terms
    header = ["Due", "What", "Contract ID", "Milestone", "Counterparty", "Owner", "Value"]
    columns = [terms[name].tolist() for name in terms.columns]  # as itertuples gives them
    body = [[*row[:-1], _number(row[-1])] for row in zip(*columns, strict=True)]
    board.add_section(TERMS, header, body)
    if body:
        board.rows[-1] = ["Value at stake (each contract once)", *[None] * 5, figures.at_stake]
        board.rows.append([])


def _overdue(board: Dashboard, overdue: pd.DataFrame) -> None:
    header = ["Due", "Days overdue", "Milestone ID", "Milestone", "Contract ID", "Owner"]
    body = [list(row) for row in overdue.head(OVERDUE_SHOWN).itertuples(index=False)]
    board.add_section(OVERDUE_LIST, header, body)
    if len(overdue) > OVERDUE_SHOWN:
        more = len(overdue) - OVERDUE_SHOWN
        board.rows[-1] = [f"… and {more} more: filter the Milestones tab by Status Overdue"]
        board.rows.append([])


def _troubled(row: list[Value]) -> list[Value]:
    """A contract's own Problems, or how many of its milestones need attention."""
    attention = int(row[2] or 0)  # type: ignore[arg-type]
    if not row[4]:
        row[4] = (
            "1 milestone needs attention"
            if attention == 1
            else f"{attention} milestones need attention"
        )
    return row


def _number(value: object) -> float | None:
    """A contract value, or None when the cell was blank."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value)  # type: ignore[arg-type]
