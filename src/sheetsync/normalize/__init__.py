"""Raw grids → typed frames and Problems. Never raises on a bad cell.

Each column is read once per distinct value (``map_unique``); every check is a
column operation whose failures become Problems on their own rows.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..errors import SchemaError
from ..model import Grid, Snapshot
from ..problems import Problem
from ..schema import (
    CONTRACT_COLUMNS,
    CONTRACT_SYSTEM,
    CONTRACTS,
    ESCALATION_COLUMN,
    ESCALATION_ELSEWHERE,
    LAST_NOTIFIED,
    LOG,
    MILESTONE_COLUMNS,
    MILESTONE_SYSTEM,
    MILESTONES,
    SETTINGS,
    SOURCE,
    Column,
    header_key,
)
from ..values import gc_paused
from .columns import Table
from .contracts import contract_frame
from .ledger import Ledger, read_ledger
from .milestones import milestone_frame
from .settings import Settings, parse_settings, restrict_escalations


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


def locate_columns(
    header: list[Any], columns: tuple[Column, ...], tab: str, renames: dict[str, str] | None = None
) -> dict[str, int]:
    """Find each known column's index by header, canonical names first, then aliases.

    A system column's header (``Escalation``, ``Status`` …) is never taken as an
    alias of a person's column, unless ``renames`` gives that system column
    another name on this tab (the person's column keeps its own).

    Raises:
        SchemaError: a required column has no header the program recognises.
    """
    keys = [header_key(h) for h in header]
    found: dict[str, int] = {}
    system = SYSTEM_HEADERS.get(tab.strip().casefold(), ())
    reserved = {header_key((renames or {}).get(h, h)) for h in system}
    taken: set[int] = {i for i, k in enumerate(keys) if k in reserved}
    for pass_aliases in (False, True):
        for column in columns:
            names = column.aliases if pass_aliases else (column.name,)
            for name in names:
                index = _first(keys, header_key(name), taken)
                if column.name not in found and index is not None:
                    found[column.name] = index
                    taken.add(index)
    missing = [c.name for c in columns if c.required and c.name not in found]
    if missing:
        raise SchemaError(f"the {tab} tab has no {' or '.join(missing)} column in row 1")
    return found


SYSTEM_HEADERS = {
    CONTRACTS.casefold(): (
        *CONTRACT_SYSTEM,
        "Term End",
        "Notice Deadline",
        "Next Milestone",
        "Health",
    ),
    MILESTONES.casefold(): (*MILESTONE_SYSTEM, "Source", ESCALATION_ELSEWHERE),
}
_ESCALATION_LABEL = re.compile(r"^Level \d+( →|:)")


def escalation_renames(grid: Grid) -> dict[str, str]:
    """``{"Escalation": "Escalation Level"}`` when a person's column is called Escalation.

    The Escalation column is the program's when it holds only what the program
    writes there (``Level 1 → …``), or is blank next to an Escalate To column.
    Otherwise it is a person's (their escalation contacts, say): it is read as
    Escalate To when that column is missing, and never written.
    """
    keys = [header_key(h) for h in (grid[0] if grid else [])]
    mine, theirs = header_key(ESCALATION_ELSEWHERE), header_key(ESCALATION_COLUMN)
    renamed = {ESCALATION_COLUMN: ESCALATION_ELSEWHERE}
    if mine in keys or theirs not in keys:
        return renamed if mine in keys or "escalateto" not in keys else {}
    at = keys.index(theirs)
    cells = [r[at] for r in grid[1:] if at < len(r) and r[at] not in (None, "")]
    labelled = all(isinstance(c, str) and _ESCALATION_LABEL.match(c) for c in cells)
    return {} if labelled and (cells or "escalateto" in keys) else renamed


def _locator(renames: dict[str, str]) -> Callable[[list[Any], tuple[Column, ...], str], dict]:
    """Milestones columns plus the system columns the program reads back: Source, Last Notified."""

    def locate(header: list[Any], columns: tuple[Column, ...], tab: str) -> dict[str, int]:
        found = locate_columns(header, columns, tab, renames)
        keys = [header_key(h) for h in header]
        for name in (SOURCE, LAST_NOTIFIED):
            if header_key(name) in keys:
                found[name] = keys.index(header_key(name))
        return found

    return locate


def _first(keys: list[str], wanted: str, taken: set[int]) -> int | None:
    return next((i for i, k in enumerate(keys) if k == wanted and i not in taken), None)


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
    setting_rows = _setting_rows(settings_grid)
    settings, problems = parse_settings(setting_rows)
    settings.time_zone = settings.time_zone or snapshot.time_zone
    settings.locale = settings.locale or snapshot.locale or "en_US"
    if allowed_domains is not None:
        settings.allowed_domains = allowed_domains
    problems += restrict_escalations(settings, setting_rows)
    with gc_paused():
        contracts = Table.build(contracts_tab, contracts_grid, CONTRACT_COLUMNS, locate_columns)
        renames = escalation_renames(milestones_grid)
        milestones = Table.build(
            milestones_tab, milestones_grid, MILESTONE_COLUMNS, _locator(renames)
        )
        milestones.renames = renames
        contract_df, contract_problems = contract_frame(contracts, settings)
        milestone_df, milestone_problems = milestone_frame(milestones, contract_df, settings)
    ledger = read_ledger(log_grid)
    if snapshot.tab(LOG) is None and _has_run_before(milestones_grid):
        problems.append(Problem(LOG, 0, "", LOG_MISSING))
    tables = {CONTRACTS: contracts, MILESTONES: milestones}
    tables[SETTINGS] = _settings_table(settings_tab, settings_grid)
    tables[LOG] = Table(log_tab, list(log_grid[0]) if log_grid else [], {}, [])
    return Tracker(
        contracts=contract_df,
        milestones=milestone_df,
        settings=settings,
        ledger=ledger,
        problems=problems + contract_problems + milestone_problems,
        tables=tables,
        title=settings.tracker_name or snapshot.title,
    )


def _settings_table(tab: str, grid: Grid) -> Table:
    """The Settings rows the run may write Problems next to (only under a header row)."""
    rows = _setting_rows(grid)
    if not rows or rows[0][0] == 1:
        return Table(tab, [], {}, [])
    keys = pd.Series([key for _, key, _ in rows], dtype="object")
    return Table(tab, list(grid[0]), {"Setting": 0}, [row for row, _, _ in rows], {"Setting": keys})


def _setting_rows(grid: Grid) -> list[tuple[int, object, object]]:
    """Key / value pairs with their sheet rows; row 1 is a header when it says so."""
    start = 1 if grid and header_key(grid[0][0] if grid[0] else "") in {"setting", "key"} else 0
    rows: list[tuple[int, object, object]] = []
    for number, row in enumerate(grid[start:], start=start + 1):
        key = row[0] if row else None
        value = row[1] if len(row) > 1 else None
        if key not in (None, ""):
            rows.append((number, key, value))
    return rows
