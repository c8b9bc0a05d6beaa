"""What derivation reads besides the typed frames: raw Milestones cells and earlier runs' records.

``RowSource`` lets derivation write a moved due date only where the cell is still as
read; ``History`` is what the Log and the Contracts tab remember of earlier runs
(occurrences done, rows cancelled, the Term End last written). Pure: reads only the
tracker as read.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from ..cells.dates import parse_date_series
from ..keys import completed_parts
from ..model import Snapshot
from ..normalize import Tracker
from ..normalize.columns import Table
from ..schema import ADDED, CANCELLED_KIND, COMPLETED, CONTRACTS, MILESTONES, OPENED, header_key
from ..values import filled
from .changes import DeriveContext, History, RowSource


def row_source(table: Table) -> RowSource:
    """The raw Milestones cells and real headers derivation needs to write safely."""
    headers = {name: str(table.header[i]) for name, i in table.index.items()}
    return RowSource(
        raw_due=_raw(table, "Due Date"),
        raw_done=_raw(table, "Done"),
        raw_completed=_raw(table, "Completed On"),
        headers=headers,
        next_row=(int(table.numbers.max()) if len(table.numbers) else 1) + 1,
        raw_repeat=_raw(table, "Repeat"),
    )


def _raw(table: Table, name: str) -> pd.Series:
    """``table.get(name)``: the raw cells, all None when the tab lacks the column (made as
    one array, not a list of a million Nones)."""
    if name in table.raw:
        return table.raw[name]
    return pd.Series(filled(len(table.numbers), None), dtype=object, copy=False)


def run_history(tracker: Tracker, snapshot: Snapshot) -> History:
    """What earlier runs recorded: done occurrences and cancellations (Log), Term End written."""
    log = tracker.ledger.frame
    recorded = log[log["Kind"].isin([COMPLETED, CANCELLED_KIND, OPENED, ADDED])]
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
    days = dates.to_numpy().astype("datetime64[D]").tolist()  # dates, None where blank
    return {
        cid: day
        for cid, day in zip(contracts["id"].tolist(), days, strict=True)
        if cid and day is not None
    }


def derive_inputs(tracker: Tracker, snapshot: Snapshot, today: dt.date) -> DeriveContext:
    """The day, the Milestones tab's raw cells and what earlier runs recorded, for ``derive``."""
    source = row_source(tracker.tables[MILESTONES])
    return DeriveContext(today, source, run_history(tracker, snapshot))
