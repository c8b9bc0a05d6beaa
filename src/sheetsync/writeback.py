"""Evaluated frames → the status-column writes of each tab (values, not I/O).

Each function takes the tab's ``Table`` (where its columns sit, how it names them)
and exactly what the columns show; the cells derivation asked to roll forward ride
along on the same row writes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pandas as pd

from .approvals.hold import waiting_text
from .derive.changes import Derived, merged_cells
from .model import RowWrite, TabWrite
from .normalize.columns import Table
from .problems import Problem, problems_by_row
from .schema import AUTO, CONTRACT_SYSTEM, MILESTONE_SYSTEM


@dataclass(frozen=True)
class Shown:
    """What the status columns show beyond the evaluated rows."""

    day: dt.date  # the day the run evaluated the rows as of (``--today``, or today)
    problems: list[Problem] = field(default_factory=list)
    notified: dict[int, str] = field(default_factory=dict)  # Last Notified, by sheet row
    escalation: pd.Series | None = None  # the Escalation column's text, aligned with the rows


class _Row(NamedTuple):
    """The columns a milestone row's writes are made of, as the cells show them (taking
    only these, column by column, spares converting every date and text column to
    Python objects row by row)."""

    row: int
    id: str
    new_id: bool
    source: str
    status: str
    days_left: int | None
    next_reminder: dt.date | None
    escalation: str
    waits_for: int  # an approval step waiting for an earlier one: its number


def checked_stamp(day: dt.date) -> str:
    """The Checked column: the day the run evaluated the row as of (``--today``, or today)."""
    return day.isoformat()


def _rows(evaluated: pd.DataFrame, escalation: pd.Series | None) -> list[_Row]:
    names = ["row", "id", "new_id", "source", "status", "days_left", "next_reminder"]
    fields = evaluated[names].assign(escalation="" if escalation is None else escalation)
    fields = fields.assign(waits_for=evaluated.get("waits_for", 0))
    columns = [fields[name].tolist() for name in names[:5]]
    columns += [_whole(fields["days_left"]), _days(fields["next_reminder"])]
    columns += [fields["escalation"].tolist(), fields["waits_for"].tolist()]
    return list(map(_Row._make, zip(*columns, strict=True)))


def _whole(values: pd.Series) -> list[int | None]:
    """Whole numbers, None for a blank."""
    return [None if pd.isna(v) else int(v) for v in values.tolist()]


def _days(values: pd.Series) -> list[dt.date | None]:
    """Days of a column of moments, None for a blank (NaT)."""
    if pd.api.types.is_datetime64_dtype(values.dtype):
        return values.to_numpy(dtype="datetime64[D]").tolist()
    return [None if pd.isna(v) else pd.Timestamp(v).date() for v in values.tolist()]


def _system_cells(
    table: Table, shown: Shown, problems: dict[int, str]
) -> Callable[[_Row], dict[str, object]]:
    """What gives a row's system cells, under the names this tab gives them (a person's
    Escalation stays theirs): the names and the day's stamp worked out once per tab. The
    cells follow schema.MILESTONE_SYSTEM's order."""
    names: tuple[str, ...] = MILESTONE_SYSTEM
    if table.renames:
        names = tuple(table.renames.get(n, n) for n in names)
    stamp, notified = checked_stamp(shown.day), shown.notified

    def cells(m: _Row) -> dict[str, object]:
        return dict(
            zip(
                names,
                (
                    m.status,
                    m.days_left,
                    waiting_text(m) or m.next_reminder,
                    notified.get(int(m.row)) or None,
                    m.escalation or None,
                    problems.get(m.row) or None,
                    stamp,
                    m.source,
                ),
                strict=True,
            )
        )

    return cells


def milestone_writes(
    table: Table, evaluated: pd.DataFrame, shown: Shown, derived: Derived | None = None
) -> TabWrite:
    """System columns per row, plus the roll-forward and auto-row cells derivation asked for."""
    problems = problems_by_row(shown.problems, table.tab)
    changes = merged_cells(derived.changes) if derived else {}
    identity = _identity(table, evaluated)
    id_header = milestone_id_header(table)
    fresh = {str(r.get(id_header)) for r in derived.new_rows} if derived else set()
    rows = []
    system = _system_cells(table, shown, problems)
    for m in _rows(evaluated, shown.escalation):
        if m.id in fresh and m.source == AUTO:
            continue
        cells = system(m)
        expect: dict[str, object] = {}
        if m.id in changes:
            cells.update(changes[m.id][0])
            expect = changes[m.id][1]
        if m.new_id:
            cells[id_header] = m.id
        match = identity.get(int(m.row), {}) if m.new_id else {}
        rows.append(RowWrite(None if m.new_id else m.id, int(m.row), cells, expect, match))
    return TabWrite(table.tab, id_header, table.system(MILESTONE_SYSTEM), rows)


def _identity(table: Table, evaluated: pd.DataFrame) -> dict[int, dict[str, object]]:
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


def new_milestone_rows(
    table: Table, evaluated: pd.DataFrame, shown: Shown, new_rows: list[dict[str, object]]
) -> list[dict[str, object]]:
    """The auto milestones to append, each with its person-visible and system cells."""
    if not new_rows:
        return []
    by_id = {str(r.get(milestone_id_header(table))): r for r in new_rows}
    fresh = evaluated["id"].isin(list(by_id)) & (evaluated["source"] == AUTO)
    escalation = shown.escalation[fresh] if shown.escalation is not None else None
    system = _system_cells(table, shown, {})
    return [{**by_id[m.id], **system(m)} for m in _rows(evaluated[fresh], escalation)]


def contract_writes(table: Table, contracts: pd.DataFrame, shown: Shown) -> TabWrite:
    """Term End, Notice Deadline, Next Milestone, Health, Problems and Checked per contract."""
    problems = problems_by_row(shown.problems, table.tab)
    stamp = checked_stamp(shown.day)
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
        for c in contracts.itertuples(index=False)
        if c.id
    ]
    return TabWrite(table.tab, _id_header(table, "Contract ID"), CONTRACT_SYSTEM, rows)


def _day(value: object) -> dt.date | None:
    return None if pd.isna(value) else pd.Timestamp(value).date()


def settings_writes(table: Table, problems: list[Problem]) -> TabWrite | None:
    """Problems on Settings rows, matched by the setting's name; None without a header row."""
    if not table.rows:
        return None
    by_row = problems_by_row(problems, table.tab)
    rows = [
        RowWrite(str(key), row, {"Problems": by_row.get(row) or None})
        for row, key in zip(table.rows, table.get("Setting"), strict=True)
    ]
    return TabWrite(table.tab, str(table.header[0]), ("Problems",), rows)


def milestone_id_header(table: Table) -> str:
    """The Milestone ID column's header as the sheet spells it."""
    return _id_header(table, "Milestone ID")


def _id_header(table: Table, name: str) -> str:
    index = table.index.get(name)
    return str(table.header[index]) if index is not None else name
