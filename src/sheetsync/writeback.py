"""Evaluated frames → the system-column writes for each tab (values, not I/O)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from .cells.dates import parse_date_series
from .keys import completed_parts
from .model import Cell, RowWrite, Snapshot, TabWrite
from .normalize import Tracker
from .problems import problems_by_row
from .routing import escalation_label
from .rowchanges import Change, Derived, History, RowSource, merged_cells
from .schema import (
    AUTO,
    CANCELLED_KIND,
    COMPLETED,
    CONTRACT_SYSTEM,
    CONTRACTS,
    MILESTONE_SYSTEM,
    MILESTONES,
    SETTINGS,
    SOURCE,
    header_key,
)

# What a row's writes are made of (_system_cells, escalation_label): iterating only these
# columns spares converting every date and text column to Python objects, row by row.
ROW_FIELDS = (
    "row",
    "id",
    "new_id",
    "source",
    "status",
    "days_left",
    "next_reminder",
    "level",
    "escalate_to",
    "department",
)


def checked_stamp(day: dt.date) -> str:
    """The Checked column: the day the run evaluated the row as of (``--today``, or today)."""
    return day.isoformat()


def _system_cells(
    m: Any,
    tracker: Tracker,
    notified: dict[int, str],
    problems: dict[int, str],
    stamp: str,
) -> dict[str, object]:
    return {
        "Status": m.status,
        "Days Left": None if pd.isna(m.days_left) else int(m.days_left),
        "Next Reminder": None if pd.isna(m.next_reminder) else m.next_reminder.date(),
        "Last Notified": notified.get(int(m.row)) or None,
        "Escalation": escalation_label(m, tracker.settings) or None,
        "Problems": problems.get(m.row) or None,
        "Checked": stamp,
        SOURCE: m.source,
    }


def milestone_writes(
    tracker: Tracker,
    evaluated: pd.DataFrame,
    last_notified: dict[int, str],
    day: dt.date,
    derived: Derived | None = None,
) -> TabWrite:
    """System columns per row, plus the roll-forward and auto-row cells derivation asked for."""
    table = tracker.tables[MILESTONES]
    problems = problems_by_row(tracker.problems, table.tab)
    stamp = checked_stamp(day)
    changes = merged_cells(derived.changes) if derived else {}
    identity = _identity(table, evaluated)
    fresh = {str(r.get(_id_header(table))) for r in derived.new_rows} if derived else set()
    fields = evaluated[[c for c in ROW_FIELDS if c in evaluated.columns]]
    rows = []
    for m in fields.itertuples(index=False):
        if m.id in fresh and m.source == AUTO:
            continue
        cells = _renamed(_system_cells(m, tracker, last_notified, problems, stamp), table)
        expect: dict[str, object] = {}
        if m.id in changes:
            cells.update(changes[m.id][0])
            expect = changes[m.id][1]
        if m.new_id:
            cells[_id_header(table)] = m.id
        match = identity.get(int(m.row), {}) if m.new_id else {}
        rows.append(RowWrite(None if m.new_id else m.id, int(m.row), cells, expect, match))
    return TabWrite(table.tab, _id_header(table), table.system(MILESTONE_SYSTEM), rows)


def _renamed(cells: dict[str, object], table: Any) -> dict[str, object]:
    """System cells under the names this tab gives them (a person's Escalation stays theirs)."""
    if not table.renames:
        return cells
    return {table.renames.get(name, name): value for name, value in cells.items()}


def _identity(table: Any, evaluated: pd.DataFrame) -> dict[int, dict[str, object]]:
    """Title and contract, as read, of each row that had no ID: how it is recognised."""
    names = [n for n in ("Milestone", "Contract ID") if n in table.index]
    columns = {str(table.header[table.index[n]]): table.get(n) for n in names}
    positions = [
        i for i in np.flatnonzero(evaluated["new_id"].to_numpy(dtype=bool)) if i < len(table.rows)
    ]
    return {
        table.rows[i]: {header: values.iat[i] for header, values in columns.items()}
        for i in positions
    }


def new_milestone_rows(prepared: Any, notified: dict[int, str]) -> list[dict[str, object]]:
    """The auto milestones to append, each with its person-visible and system cells."""
    tracker, evaluated, derived = prepared.tracker, prepared.evaluated, prepared.derived
    if not derived.new_rows:
        return []
    table = tracker.tables[MILESTONES]
    by_id = {str(r.get(_id_header(table))): r for r in derived.new_rows}
    fresh = evaluated[evaluated["id"].isin(list(by_id)) & (evaluated["source"] == AUTO)]
    stamp = checked_stamp(prepared.today)
    rows = []
    for m in fresh.itertuples(index=False):
        system = _renamed(_system_cells(m, tracker, notified, {}, stamp), table)
        rows.append({**by_id[m.id], **system})
    return rows


def contract_writes(tracker: Tracker, day: dt.date) -> TabWrite:
    """Term End, Notice Deadline, Next Milestone, Health, Problems and Checked per contract."""
    table = tracker.tables[CONTRACTS]
    problems = problems_by_row(tracker.problems, table.tab)
    stamp = checked_stamp(day)
    rows = [
        RowWrite(
            c.id or None,
            int(c.row),
            {
                "Term End": _day(c.term_end),
                "Notice Deadline": _day(c.notice_deadline),
                "Next Milestone": c.next_milestone or None,
                "Health": c.health,
                "Problems": problems.get(c.row) or None,
                "Checked": stamp,
            },
        )
        for c in tracker.contracts.itertuples(index=False)
        if c.id
    ]
    return TabWrite(table.tab, _id_header(table, "Contract ID"), CONTRACT_SYSTEM, rows)


def _day(value: object) -> dt.date | None:
    return None if pd.isna(value) else pd.Timestamp(value).date()


def row_source(tracker: Tracker) -> RowSource:
    """The raw Milestones cells and real headers derivation needs to write safely."""
    table = tracker.tables[MILESTONES]
    headers = {name: str(table.header[i]) for name, i in table.index.items()}
    return RowSource(
        raw_due=table.get("Due Date"),
        raw_done=table.get("Done"),
        raw_completed=table.get("Completed On"),
        headers=headers,
        next_row=(max(table.rows) if table.rows else 1) + 1,
        raw_repeat=table.get("Repeat"),
    )


def run_history(tracker: Tracker, snapshot: Snapshot) -> History:
    """What earlier runs recorded: done occurrences and cancellations (Log), Term End written."""
    ledger = tracker.ledger.frame
    recorded = ledger[ledger["Kind"].isin([COMPLETED, CANCELLED_KIND])]
    anchors: dict[str, dt.date] = {}
    last_done: dict[str, dt.date] = {}
    completed: set[tuple[str, dt.date]] = set()
    for key in recorded.loc[recorded["Kind"] == COMPLETED, "Key"]:
        done = completed_parts(str(key))
        if done is None:
            continue
        milestone, due, anchor = done
        completed.add((milestone, due))
        if due >= last_done.get(milestone, due):
            last_done[milestone] = due
            anchors[milestone] = anchor
    return History(
        anchors,
        frozenset(completed),
        frozenset(str(k) for k in recorded["Key"]),
        written_term_ends(tracker, snapshot),
        last_done,
    )


def written_term_ends(tracker: Tracker, snapshot: Snapshot) -> dict[str, dt.date]:
    """The Term End column as the last run wrote it, by Contract ID (empty when absent)."""
    tab = snapshot.tab(tracker.tables[CONTRACTS].tab)
    if tab is None or not tab[1]:
        return {}
    grid = tab[1]
    wanted = header_key("Term End")
    columns = [i for i, h in enumerate(grid[0]) if header_key(str(h or "")) == wanted]
    if not columns:
        return {}
    col = columns[-1]  # system columns sit at the right end
    contracts = tracker.contracts
    cells = [
        grid[r - 1][col] if r - 1 < len(grid) and col < len(grid[r - 1]) else None
        for r in contracts["row"]
    ]
    dates, _ = parse_date_series(pd.Series(cells, dtype=object), tracker.settings.locale)
    return {
        cid: stamp.date()
        for cid, stamp in zip(contracts["id"], dates, strict=True)
        if cid and pd.notna(stamp)
    }


def derived_log_rows(changes: list[Change], now: dt.datetime) -> list[list[Cell]]:
    """Log rows recording moved due dates and completed occurrences that were written."""
    at = now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return [
        [at, c.kind, c.key, c.contract_id, c.milestone_id, "", c.subject, "", "recorded"]
        for c in changes
    ]


def settings_writes(tracker: Tracker) -> TabWrite | None:
    """Problems on Settings rows, matched by the setting's name; None without a header row."""
    table = tracker.tables[SETTINGS]
    if not table.rows:
        return None
    problems = problems_by_row(tracker.problems, table.tab)
    rows = [
        RowWrite(str(key), row, {"Problems": problems.get(row) or None})
        for row, key in zip(table.rows, table.get("Setting"), strict=True)
    ]
    return TabWrite(table.tab, str(table.header[0]), ("Problems",), rows)


def milestone_id_header(table: object) -> str:
    """The Milestone ID column's header as the sheet spells it."""
    return _id_header(table)


def _id_header(table: object, name: str = "Milestone ID") -> str:
    header = table.header  # type: ignore[attr-defined]
    index = table.index.get(name)  # type: ignore[attr-defined]
    return str(header[index]) if index is not None else name
