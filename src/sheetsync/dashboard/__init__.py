"""The Dashboard tab: the portfolio at a glance, worked out from the run's frames (pure).

``build_dashboard`` turns the evaluated Milestones and the Contracts into the tab's
cells and the place of its one chart; the backends write them (``backends``).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from .figures import OPEN, PEOPLE_COLUMNS, Figures, dashboard_figures, due_by_month
from .layout import (
    DASHBOARD,
    NOTE,
    PERSONS_DASHBOARD,
    ChartPlace,
    Dashboard,
    dashboard_layout,
    is_programs,
)

__all__ = [
    "DASHBOARD",
    "NOTE",
    "PERSONS_DASHBOARD",
    "ChartPlace",
    "Dashboard",
    "Figures",
    "build_dashboard",
    "dashboard_figures",
    "empty_dashboard",
    "is_programs",
]


def build_dashboard(
    milestones: pd.DataFrame, contracts: pd.DataFrame, today: dt.date, title: str
) -> Dashboard:
    """The Dashboard tab for this run: figures as of ``today``, laid out as cells."""
    return dashboard_layout(dashboard_figures(milestones, contracts, today, title))


def empty_dashboard(title: str, today: dt.date) -> Dashboard:
    """The Dashboard of a tracker no run has filled yet (``init``): every figure zero."""
    people = pd.DataFrame(columns=list(PEOPLE_COLUMNS), dtype=int)
    none = pd.DataFrame()
    figures = Figures(
        today=today,
        title=title,
        by_status=dict.fromkeys(OPEN, 0),
        by_owner=people,
        by_department=people,
        terms=none,
        at_stake=0.0,
        overdue=none,
        reviews=none,
        troubled=none,
        months=due_by_month(pd.DataFrame({"due": pd.to_datetime([]), "status": []}), today),
    )
    return dashboard_layout(figures)


def tracker_name(grids: dict[str, list[list[object]]], fallback: str) -> str:
    """The *Tracker name* a new tracker's Settings rows give, else ``fallback``."""
    for row in grids.get("Settings", [])[1:]:
        if len(row) > 1 and str(row[0]).strip().casefold() == "tracker name" and row[1]:
            return str(row[1]).strip()
    return fallback
