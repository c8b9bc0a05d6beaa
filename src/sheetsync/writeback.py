"""Evaluated frames → the system-column writes for each tab (values, not I/O)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from .backends.base import RowWrite, TabWrite
from .normalize import Tracker
from .problems import problems_by_row
from .routing import escalation_label
from .schema import CONTRACT_SYSTEM, CONTRACTS, MILESTONE_SYSTEM, MILESTONES, SETTINGS


def checked_stamp(now: dt.datetime) -> str:
    """The Checked column: when the run looked at the row, in UTC."""
    return now.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def milestone_writes(
    tracker: Tracker,
    evaluated: pd.DataFrame,
    last_notified: dict[tuple[str, str], str],
    now: dt.datetime,
) -> TabWrite:
    """Status, Days Left, Next Reminder, Last Notified, Escalation, Problems, Checked per row."""
    table = tracker.tables[MILESTONES]
    problems = problems_by_row(tracker.problems, table.tab)
    stamp = checked_stamp(now)
    due_text = evaluated["due"].dt.strftime("%Y-%m-%d").fillna("")
    rows = []
    for m, due in zip(evaluated.itertuples(index=False), due_text, strict=True):
        cells: dict[str, object] = {
            "Status": m.status,
            "Days Left": None if pd.isna(m.days_left) else int(m.days_left),
            "Next Reminder": None if pd.isna(m.next_reminder) else m.next_reminder.date(),
            "Last Notified": last_notified.get((m.id, due)) or None,
            "Escalation": escalation_label(m, tracker.settings) or None,
            "Problems": problems.get(m.row) or None,
            "Checked": stamp,
        }
        if m.new_id:
            cells[_id_header(table)] = m.id
        rows.append(RowWrite(None if m.new_id else m.id, int(m.row), cells))
    return TabWrite(table.tab, _id_header(table), MILESTONE_SYSTEM, rows)


def contract_writes(tracker: Tracker, now: dt.datetime) -> TabWrite:
    """Problems and Checked for each contract row."""
    table = tracker.tables[CONTRACTS]
    problems = problems_by_row(tracker.problems, table.tab)
    stamp = checked_stamp(now)
    rows = [
        RowWrite(
            c.id or None, int(c.row), {"Problems": problems.get(c.row) or None, "Checked": stamp}
        )
        for c in tracker.contracts.itertuples(index=False)
        if c.id
    ]
    return TabWrite(table.tab, _id_header(table, "Contract ID"), CONTRACT_SYSTEM, rows)


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


def _id_header(table: object, name: str = "Milestone ID") -> str:
    header = table.header  # type: ignore[attr-defined]
    index = table.index.get(name)  # type: ignore[attr-defined]
    return str(header[index]) if index is not None else name
