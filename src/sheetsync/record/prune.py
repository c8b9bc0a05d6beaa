"""Which Log rows a run may prune: old ones guarding nothing, chosen by what they hold.

People sort the Log, filter it and delete rows, so nothing here depends on a row's
position: old rows are chosen by their Sent At and Key, on the Log as re-read just
before deleting (the backends call ``rows_to_prune``). Pure: the run's day is an argument.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from ..keys import split_key, summary_month
from ..logtab import log_columns, log_values, sent_day, split_log
from ..model import Cell, Grid
from ..schema import COMPLETED, NEEDS_ATTENTION
from ..values import iso_days


@dataclass(frozen=True)
class LogPrune:
    """Which Log rows a run may remove: older than ``cutoff`` and guarding nothing current.

    ``current`` holds (milestone, due) of every milestone's current due date: their rows
    stop a resend, so they stay whatever their age. Every row of a milestone in ``whole``
    stays (it cannot be scheduled right now, so its due date is unknown), and so does the
    first "completed" row (the series anchor) of each milestone in ``anchored``; the
    "completed" rows of a milestone no longer in the tracker (a finished row a person
    deleted) stay too, so it is not made again open. Summary rows of ``month`` or later stay.
    """

    cutoff: dt.date
    month: str
    current: frozenset[tuple[str, str]] = field(default_factory=frozenset)
    whole: frozenset[str] = field(default_factory=frozenset)
    anchored: frozenset[str] = field(default_factory=frozenset)


def rows_to_prune(grid: Grid, prune: LogPrune) -> list[int]:
    """Sheet rows (1-based) of ``grid`` that ``prune`` lets go, chosen by what they hold."""
    columns = log_columns(grid)
    if "Key" not in columns or "Sent At" not in columns:
        return []
    _, body = split_log(grid)
    days = _first_days(body, columns["Sent At"])
    old = _older(days, prune.cutoff)
    if not old:
        return []
    every = log_values(body, columns, "Key")
    keys = [every[index] for index in old]
    # The first "completed" row of a milestone is among the old ones whenever one of its
    # rows is old (the rest are later or undated), so only the old rows are looked at.
    anchors = _anchor_rows(keys, [days[index] for index in old], prune.anchored)
    first = len(grid) - len(body) + 1
    return [
        index + first
        for at, (index, key) in enumerate(zip(old, keys, strict=True))
        if at not in anchors and not _guards(key, prune)
    ]


def any_old(grid: Grid, cutoff: dt.date) -> bool:
    """Whether a row of the Log ``grid`` is dated before ``cutoff`` (only those may go)."""
    columns = log_columns(grid)
    if "Key" not in columns or "Sent At" not in columns:
        return False
    _, body = split_log(grid)
    return bool(_older(_first_days(body, columns["Sent At"]), cutoff))


def _older(days: list[dt.date | None], cutoff: dt.date) -> list[int]:
    """Index of each day before ``cutoff``."""
    return [index for index, day in enumerate(days) if day is not None and day < cutoff]


def _first_days(body: Grid, columns: list[int]) -> list[dt.date | None]:
    """Each row's day: the first of its candidate Sent At columns that names one.

    Read column by column, each distinct cell once (a run's rows share a Sent At).
    """
    days: list[dt.date | None] = [None] * len(body)
    seen: dict[tuple[type, Cell], dt.date | None] = {}
    for column in columns:
        for at, cell in enumerate(row[column] if column < len(row) else None for row in body):
            if days[at] is None and cell is not None:
                key = (type(cell), cell)
                days[at] = seen[key] if key in seen else seen.setdefault(key, sent_day(cell))
    return days


def _anchor_rows(keys: list[str], days: list[dt.date | None], anchored: frozenset[str]) -> set[int]:
    """Index of the first "completed" row, in time order, of each anchored milestone."""
    first: dict[str, tuple[dt.date, int]] = {}
    for index, (key, day) in enumerate(zip(keys, days, strict=True)):
        parts = split_key(key)
        if parts is not None and parts.kind == COMPLETED and parts.milestone in anchored:
            when = (day or dt.date.max, index)
            first[parts.milestone] = min(first.get(parts.milestone, when), when)
    return {index for _, index in first.values()}


def _guards(key: str, prune: LogPrune) -> bool:
    """Whether a Log row with ``key`` still stops something from being sent again."""
    month = summary_month(key)
    if month is not None:
        return month >= prune.month
    parts = split_key(key)
    if parts is None:
        return False
    if parts.kind == COMPLETED and parts.milestone not in prune.anchored:
        return True  # a finished row a person deleted: this row keeps it finished
    return parts.milestone in prune.whole or (parts.milestone, parts.due) in prune.current


def prune_policy(
    evaluated: pd.DataFrame, today: dt.date, retention: int, log: Grid
) -> LogPrune | None:
    """What this run may prune from the Log; None when nothing in it, as read, is due to go.

    Retention counts back from the run's day (``--today``), so a simulated year prunes
    as a real one. Rows about any milestone's current due date stay, whatever its status
    (they stop a resend if the date is reopened); so do every row of a milestone that
    cannot be scheduled now and the series anchor of every milestone still in the tracker.
    Without a row old enough to go, nothing else is worked out.
    """
    cutoff = today - dt.timedelta(days=retention)
    if not any_old(log, cutoff):
        return None
    dated = evaluated[evaluated["due"].notna() & evaluated["status"].ne(NEEDS_ATTENTION)]
    days = iso_days(dated["due"]).tolist()  # once per distinct day, not per row
    current = zip(dated["id"].astype(str).tolist(), days, strict=True)
    unsure = evaluated.loc[~evaluated.index.isin(dated.index), "id"].tolist()
    prune = LogPrune(
        cutoff=cutoff,
        month=f"{today:%Y-%m}",
        current=frozenset(current),
        whole=frozenset(str(i) for i in unsure if isinstance(i, str) and i),
        anchored=frozenset(str(i) for i in evaluated["id"].tolist() if isinstance(i, str) and i),
    )
    return prune if rows_to_prune(log, prune) else None
