"""Raw grids → typed frames and Problems. Never raises on a bad cell.

Each column is read once per distinct value (``Table.distinct``); every check is a
column operation whose failures become Problems on their own rows. The modules:
``headers`` (which header is which column), ``columns`` (a tab's columns and the
readers they share), ``contracts``, ``milestones``, ``settings`` and ``ledger`` (the Log).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..approvals.routes import route_problems
from ..dashboard.guard import persons_tab
from ..errors import SchemaError
from ..model import Grid, Snapshot
from ..problems import Problem
from ..schema import (
    CONTRACT_COLUMNS,
    CONTRACTS,
    LOG,
    MILESTONE_COLUMNS,
    MILESTONES,
    SETTINGS,
    header_key,
)
from .columns import Table, row_numbers
from .contracts import contract_frame
from .headers import escalation_renames, locate_columns, milestone_locator
from .ledger import Ledger, read_ledger
from .milestones import milestone_frame
from .settings import (
    Settings,
    parse_settings,
    restrict_escalations,
    setting_rows,
    settings_table,
)


@dataclass
class Tracker:
    """The whole tracker, typed: what every pure step after ``normalize`` works on."""

    contracts: pd.DataFrame
    milestones: pd.DataFrame
    settings: Settings
    ledger: Ledger
    problems: list[Problem]
    tables: dict[str, Table] = field(default_factory=dict)
    title: str = ""


LOG_MISSING = (
    "the Log tab is missing (deleted?), so a new one is made; it records every email sent "
    "and keeps them from going twice: please do not delete it"
)


def _has_run_before(grid: Grid) -> bool:
    """Whether a run has written its Checked column here (so a missing Log was deleted)."""
    keys = [header_key(h) for h in grid[0]] if grid else []
    if "checked" not in keys:
        return False
    column = keys.index("checked")
    return any(len(row) > column and row[column] not in (None, "") for row in grid[1:])


def _tab(snapshot: Snapshot, name: str, required: bool = True) -> tuple[str, Grid]:
    same = [t for t in snapshot.tabs if t.strip().casefold() == name.casefold()]
    if len(same) > 1:
        shown = ", ".join(f'"{t}"' for t in same)
        raise SchemaError(f"the tracker has {len(same)} {name} tabs ({shown}); keep one")
    found = snapshot.tab(name)
    if found is None:
        if required:
            raise SchemaError(f"the tracker has no {name} tab (tabs: {', '.join(snapshot.tabs)})")
        return name, []
    return found


def normalize(snapshot: Snapshot, allowed_domains: tuple[str, ...] | None = None) -> Tracker:
    """Turn a snapshot into typed frames, a ledger and Problems.

    ``allowed_domains``, when given, overrides the Settings tab (the Cloud Function's
    ``SHEETSYNC_ALLOWED_DOMAINS``).

    Raises:
        SchemaError: a required tab or column is missing (the run cannot start).
    """
    contracts_tab, contracts_grid = _tab(snapshot, CONTRACTS)
    milestones_tab, milestones_grid = _tab(snapshot, MILESTONES)
    settings_tab, settings_grid = _tab(snapshot, SETTINGS, required=False)
    log_tab, log_grid = _tab(snapshot, LOG, required=False)
    rows = setting_rows(settings_grid)
    settings, problems = parse_settings(rows)
    settings.time_zone = settings.time_zone or snapshot.time_zone
    settings.locale = settings.locale or snapshot.locale or "en_US"
    if allowed_domains is not None:
        settings.allowed_domains = allowed_domains
    problems += restrict_escalations(settings, rows)
    problems += route_problems(settings.approval_routes, settings.allowed_domains)
    contracts = Table.build(contracts_tab, contracts_grid, CONTRACT_COLUMNS, locate_columns)
    renames = escalation_renames(milestones_grid)
    milestones = Table.build(
        milestones_tab, milestones_grid, MILESTONE_COLUMNS, milestone_locator(renames)
    )
    milestones.renames = renames
    contract_df, contract_problems = contract_frame(contracts, settings)
    milestone_df, milestone_problems = milestone_frame(milestones, contract_df, settings)
    ledger = read_ledger(log_grid)
    if snapshot.tab(LOG) is None and _has_run_before(milestones_grid):
        problems.append(Problem(LOG, 0, "", LOG_MISSING))
    if (dashboard := persons_tab(snapshot, settings.dashboard_tab)) is not None:
        problems.append(dashboard)
    tables = {CONTRACTS: contracts, MILESTONES: milestones}
    tables[SETTINGS] = settings_table(settings_tab, settings_grid)
    tables[LOG] = Table(log_tab, list(log_grid[0]) if log_grid else [], {}, row_numbers([]))
    return Tracker(
        contracts=contract_df,
        milestones=milestone_df,
        settings=settings,
        ledger=ledger,
        problems=problems + contract_problems + milestone_problems,
        tables=tables,
        title=settings.tracker_name or snapshot.title,
    )
