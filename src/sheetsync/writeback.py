"""Evaluated frames → the status-column writes of each tab (values, not I/O).

Each function takes the tab's ``Table`` (where its columns sit, how it names them)
and exactly what the columns show. Most rows' cells go column by column
(``model.StatusColumns``); the few rows needing more (a new ID, the cells derivation
asked to roll forward) go as a ``model.RowWrite`` each.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from .approvals.hold import waiting_text
from .derive.changes import Derived, NewRows, merged_cells
from .model import RowWrite, StatusColumns, TabWrite
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


def checked_stamp(day: dt.date) -> str:
    """The Checked column: the day the run evaluated the row as of (``--today``, or today)."""
    return day.isoformat()


class _Waiting(NamedTuple):
    """What ``waiting_text`` reads of a row."""

    status: str
    waits_for: int


def _system_columns(
    table: Table, evaluated: pd.DataFrame, shown: Shown, escalation: pd.Series | None
) -> dict[str, list[object]]:
    """Each system column's cells, one per evaluated row, under the names this tab gives
    them (a person's Escalation stays theirs), in schema.MILESTONE_SYSTEM's order: taken
    column by column, not converting every row to Python objects one by one."""
    problems = problems_by_row(shown.problems, table.tab)
    if escalation is not None and not escalation.index.equals(evaluated.index):
        escalation = escalation.reindex(evaluated.index)
    rows, status = evaluated["row"].tolist(), evaluated["status"].tolist()
    waits = evaluated["waits_for"].tolist() if "waits_for" in evaluated else [0] * len(rows)
    reminders = [
        (w and waiting_text(_Waiting(s, w))) or day
        for s, w, day in zip(status, waits, _days(evaluated["next_reminder"]), strict=True)
    ]
    labels = [None] * len(rows) if escalation is None else [e or None for e in escalation.tolist()]
    notified = shown.notified  # by sheet row: a row read as a whole number finds its key
    cells = (
        status,
        _whole(evaluated["days_left"]),
        reminders,
        [notified.get(r) or None for r in rows],
        labels,
        [problems.get(r) or None for r in rows],
        [checked_stamp(shown.day)] * len(rows),
        evaluated["source"].tolist(),
    )
    return dict(zip(table.system(MILESTONE_SYSTEM), cells, strict=True))


def _whole(values: pd.Series) -> list[int | None]:
    """Whole numbers, None for a blank (a column of integers taken whole, not cell by cell)."""
    if pd.api.types.is_integer_dtype(values.dtype):
        blank = values.isna().to_numpy(dtype=bool)
        whole = _objects(values.to_numpy(dtype=np.int64, na_value=0).tolist())
        whole[blank] = None
        return whole.tolist()
    return [None if pd.isna(v) else int(v) for v in values.tolist()]


def _days(values: pd.Series) -> list[dt.date | None]:
    """Days of a column of moments, None for a blank (NaT)."""
    if pd.api.types.is_datetime64_dtype(values.dtype):
        return values.to_numpy(dtype="datetime64[D]").tolist()
    return [None if pd.isna(v) else pd.Timestamp(v).date() for v in values.tolist()]


def _objects(values: Sequence[Any]) -> np.ndarray:
    """A list as a one-dimensional array of its objects (tuples too, each one cell)."""
    return np.fromiter(values, dtype=object, count=len(values))


def _columns(
    ids: Sequence[Any], rows: Sequence[Any], values: dict[str, list[object]]
) -> StatusColumns:
    """Rows found by their ID alone, each column an array."""
    read = np.asarray(rows, dtype=np.int64)
    return StatusColumns(_objects(ids), read, {n: _objects(v) for n, v in values.items()})


def _picked(
    ids: list[Any], rows: list[Any], values: dict[str, list[object]], picked: np.ndarray
) -> StatusColumns:
    """``_columns`` of the rows at positions ``picked`` (all of them, often: taken whole)."""
    if len(picked) == len(ids):
        return _columns(ids, rows, values)
    read = np.asarray(rows, dtype=np.int64)[picked]
    cells = {name: _objects(column)[picked] for name, column in values.items()}
    return StatusColumns(_objects(ids)[picked], read, cells)


def milestone_writes(
    table: Table, evaluated: pd.DataFrame, shown: Shown, derived: Derived | None = None
) -> TabWrite:
    """System columns per row, plus the roll-forward and auto-row cells derivation asked for.

    Rows with an ID and nothing else to write go column by column; a row without an ID
    (given one, recognised by title and contract) or with cells derivation asked for
    goes as its own ``RowWrite``.
    """
    changes = merged_cells(derived.changes) if derived else {}
    id_header = milestone_id_header(table)
    fresh = set(_row_ids(derived.new_rows, id_header)) if derived else set()
    values = _system_columns(table, evaluated, shown, shown.escalation)
    ids, rows = evaluated["id"].tolist(), evaluated["row"].tolist()
    new_id = evaluated["new_id"].tolist()
    skip = (evaluated["source"] == AUTO) & evaluated["id"].isin(list(fresh))
    alone = ~skip & ~evaluated["new_id"].astype(bool) & ~evaluated["id"].isin(list(changes))
    picked = np.flatnonzero(alone.to_numpy(dtype=bool))
    columns = _picked(ids, rows, values, picked)
    identity = _identity(table, evaluated)
    per_row = []
    for i in np.flatnonzero(~(alone | skip).to_numpy(dtype=bool)).tolist():
        cells = {name: column[i] for name, column in values.items()}
        expect: dict[str, object] = {}
        if ids[i] in changes:
            cells.update(changes[ids[i]][0])
            expect = changes[ids[i]][1]
        if new_id[i]:
            cells[id_header] = ids[i]
        match = identity.get(int(rows[i]), {}) if new_id[i] else {}
        per_row.append(RowWrite(None if new_id[i] else ids[i], int(rows[i]), cells, expect, match))
    system = table.system(MILESTONE_SYSTEM)
    return TabWrite(table.tab, id_header, system, per_row, columns)


def _identity(table: Table, evaluated: pd.DataFrame) -> dict[int, dict[str, object]]:
    """Title and contract, as read, of each row that had no ID: how it is recognised."""
    names = [n for n in ("Milestone", "Contract ID") if n in table.index]
    columns = {str(table.header[table.index[n]]): table.get(n) for n in names}
    positions = [
        i
        for i in np.flatnonzero(evaluated["new_id"].to_numpy(dtype=bool))
        if i < len(table.numbers)
    ]
    return {
        int(table.numbers[i]): {header: values.iat[i] for header, values in columns.items()}
        for i in positions
    }


def _row_ids(rows: Sequence[dict[str, object]], id_header: str) -> list[str]:
    """Each new row's Milestone ID as text (read from its column when rows are columns)."""
    cells = rows.cells(id_header) if isinstance(rows, NewRows) else [r.get(id_header) for r in rows]
    return [str(cell) for cell in cells]


def new_milestone_rows(
    table: Table, evaluated: pd.DataFrame, shown: Shown, new_rows: Sequence[dict[str, object]]
) -> list[dict[str, object]]:
    """The auto milestones to append, each with its person-visible and system cells."""
    if not new_rows:
        return []
    id_header = milestone_id_header(table)
    ids = _row_ids(new_rows, id_header)
    at = dict(zip(ids, range(len(ids)), strict=True))
    fresh = evaluated["id"].isin(ids) & (evaluated["source"] == AUTO)
    escalation = shown.escalation[fresh] if shown.escalation is not None else None
    picked = evaluated[fresh]
    values = _system_columns(table, picked, replace(shown, problems=[]), escalation)
    rows = zip(*values.values(), strict=True) if values else iter(())
    names = list(values)
    own = list(new_rows)
    ours = isinstance(new_rows, NewRows)  # each of its rows is a new dict, ours to fill in
    appended = []
    for row_id, cells in zip(picked["id"].tolist(), rows, strict=True):
        row = own[at[row_id]] if ours else dict(own[at[row_id]])  # its own cells first
        row.update(zip(names, cells, strict=True))  # then the system cells
        appended.append(row)
    return appended


def contract_writes(table: Table, contracts: pd.DataFrame, shown: Shown) -> TabWrite:
    """Term End, Notice Deadline, Next Milestone, Health, Problems and Checked per contract,
    column by column (a contract without an ID is not written)."""
    problems = problems_by_row(shown.problems, table.tab)
    ids = contracts["id"].tolist()
    picked = [i for i, contract_id in enumerate(ids) if contract_id]
    everyone = len(picked) == len(ids)

    def column(values: list[Any]) -> list[Any]:
        return values if everyone else [values[i] for i in picked]

    rows = [int(r) for r in column(contracts["row"].tolist())]
    values: dict[str, list[object]] = {
        "Term End": column(_days(contracts["term_end"])),
        "Notice Deadline": column(_days(contracts["notice_deadline"])),
        "Next Milestone": [v or None for v in column(contracts["next_milestone"].tolist())],
        "Health": column(contracts["health"].tolist()),
        "Problems": [problems.get(r) or None for r in rows],
        "Checked": [checked_stamp(shown.day)] * len(rows),
    }
    columns = _columns(column(ids), rows, values)
    return TabWrite(table.tab, _id_header(table, "Contract ID"), CONTRACT_SYSTEM, (), columns)


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
