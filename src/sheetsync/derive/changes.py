"""What derivation hands the run: the frames, the cells it must write, and what it remembers.

Pure data: derivation fills these in; the pipeline and writeback turn them into writes
and Log rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import overload

import numpy as np
import pandas as pd

from ..cells.recurrence import Rule
from ..keys import split_key
from ..problems import Problem
from ..schema import COMPLETED


@dataclass
class Change:
    """Person-visible cells the run rewrites on one milestone row, and why (a Log row)."""

    milestone_id: str
    contract_id: str
    read_row: int
    cells: dict[str, object]
    expect: dict[str, object]
    kind: str
    key: str
    subject: str


@dataclass
class Derived:
    """What derivation produced: the frames to evaluate and the writes it needs."""

    contracts: pd.DataFrame
    milestones: pd.DataFrame
    changes: list[Change] = field(default_factory=list)
    new_rows: Sequence[dict[str, object]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


class NewRows(Sequence[dict[str, object]]):
    """New rows for the Milestones tab, each read as its cells by the sheet's headers.

    Held as columns (one array per header, equally long) and made into a dict per row
    only when read, by the write-back: a first run adds hundreds of thousands of auto
    rows, and a run that writes nothing back need not make their dicts. A cell of the
    ``sparse`` column is left out of its row where it is blank (falsy), as a Repeat
    that only review rows have. A column of days (``datetime64[D]``) reads as dates.
    """

    def __init__(self, columns: dict[str, np.ndarray], sparse: str | None = None) -> None:
        self.columns = columns
        self.sparse = sparse

    def __len__(self) -> int:
        return len(next(iter(self.columns.values()), ()))

    @overload
    def __getitem__(self, at: int) -> dict[str, object]: ...

    @overload
    def __getitem__(self, at: slice) -> list[dict[str, object]]: ...

    def __getitem__(self, at: int | slice) -> dict[str, object] | list[dict[str, object]]:
        if isinstance(at, slice):
            return list(self._rows(at))
        if not -len(self) <= at < len(self):
            raise IndexError(at)
        at %= len(self)
        return next(self._rows(slice(at, at + 1)))

    def __iter__(self) -> Iterator[dict[str, object]]:
        return self._rows(slice(None))

    def cells(self, header: str) -> list[object]:
        """Each row's cell under ``header``, None where the row has none (as ``dict.get``)."""
        if header not in self.columns:
            return [None] * len(self)
        cells = self.columns[header].tolist()
        return [c if c else None for c in cells] if header == self.sparse else cells

    def _rows(self, part: slice) -> Iterator[dict[str, object]]:
        names = list(self.columns)
        columns = [self.columns[name][part].tolist() for name in names]  # days: dates
        for cells in zip(*columns, strict=True):
            yield {n: c for n, c in zip(names, cells, strict=True) if c or n != self.sparse}


@dataclass(frozen=True)
class RowSource:
    """What derivation needs of the Milestones tab as read: raw cells and real headers."""

    raw_due: pd.Series
    raw_done: pd.Series
    raw_completed: pd.Series
    headers: dict[str, str]  # canonical column name → header text in the sheet
    next_row: int  # the sheet row a new row would be appended at
    raw_repeat: pd.Series | None = None


@dataclass(frozen=True)
class History:
    """What earlier runs left behind, read from the Log and the Contracts tab.

    ``anchors``: each repeating milestone's series anchor, from its latest completed
    occurrence. ``completed``: every ``(milestone, due)`` recorded done. ``recorded``:
    the keys of the completed and cancelled Log rows, so each is written once.
    ``term_ends``: the Term End the program last wrote, by Contract ID. ``last_done``:
    each milestone's latest occurrence recorded done.
    """

    anchors: dict[str, dt.date] = field(default_factory=dict)
    completed: frozenset[tuple[str, dt.date]] = frozenset()
    recorded: frozenset[str] = frozenset()
    term_ends: dict[str, dt.date] = field(default_factory=dict)
    last_done: dict[str, dt.date] = field(default_factory=dict)

    def anchor(
        self, milestone: str, rule: Rule, due: dt.date, on_row: dt.date | None = None
    ) -> dt.date:
        """The series anchor for ``due``: the recorded one, unless a person moved the series.

        The Log's record comes first, then the row's own (``on_row``, from its Last
        Notified cell), which survives an emptied Log and a renamed ID. A Due Date that
        is not an occurrence of the recorded series was typed by a person: the series
        starts again there.
        """
        for known in (self.anchors.get(milestone), on_row):
            if known is not None and known <= due and _occurs(rule, known, due):
                return known
        return due

    def including(self, changes: list[Change]) -> History:
        """This history plus the occurrences ``changes`` record done in this run."""
        last = dict(self.last_done)
        done = set(self.completed)
        for change in changes:
            parts = split_key(change.key)
            if change.kind != COMPLETED or parts is None:
                continue
            due = dt.date.fromisoformat(parts.due)
            done.add((change.milestone_id, due))
            last[change.milestone_id] = max(due, last.get(change.milestone_id, due))
        return replace(self, completed=frozenset(done), last_done=last)


def completed_now(changes: list[Change]) -> frozenset[tuple[str, dt.date]]:
    """The ``(milestone, due)`` of each occurrence ``changes`` record done."""
    done = set()
    for change in changes:
        parts = split_key(change.key) if change.kind == COMPLETED else None
        if parts is not None:
            done.add((change.milestone_id, dt.date.fromisoformat(parts.due)))
    return frozenset(done)


@dataclass(frozen=True)
class DeriveContext:
    """What derivation reads besides the tracker's frames: the day, raw cells, earlier runs."""

    today: dt.date
    source: RowSource
    history: History = field(default_factory=History)

    def including(self, changes: list[Change]) -> DeriveContext:
        """This context with ``changes``' occurrences done this run added to its history."""
        return replace(self, history=self.history.including(changes))


@lru_cache(maxsize=8192)
def _occurs(rule: Rule, anchor: dt.date, day: dt.date) -> bool:
    """``rule.occurs``, once per rule, anchor and day: many rows share a series' dates."""
    return rule.occurs(anchor, day)


def occurrence_cells(
    source: RowSource, i: int, due: dt.date
) -> tuple[dict[str, object], dict[str, object]]:
    """Due Date moved, Done and Completed On cleared; each only if still as read."""
    read: dict[str, object] = {
        "Due Date": source.raw_due.iat[i],
        "Done": source.raw_done.iat[i],
        "Completed On": source.raw_completed.iat[i],
    }
    cleared: dict[str, object] = {
        "Due Date": due,
        "Done": False if isinstance(read["Done"], bool) else None,
        "Completed On": None,
    }
    cells = {source.headers[k]: v for k, v in cleared.items() if k in source.headers}
    expect = {source.headers[k]: v for k, v in read.items() if k in source.headers}
    return cells, expect


def status_shown(frame: pd.DataFrame, at: int, status: str) -> bool:
    """Whether row ``at``'s Status, as the last run wrote it, is ``status``: already recorded.

    The row keeps that record when the Log loses its ``cancelled`` or ``completed`` row
    (pruned, emptied), so the Log row is not written again.
    """
    if "status_before" not in frame:
        return False
    return str(frame["status_before"].iat[at]).strip().casefold() == status.casefold()


def merged_cells(changes: list[Change]) -> dict[str, tuple[dict[str, object], dict[str, object]]]:
    """Per milestone, the cells all its changes write and the cells they expect, in order."""
    merged: dict[str, tuple[dict[str, object], dict[str, object]]] = {}
    for change in changes:
        cells, expect = merged.setdefault(change.milestone_id, ({}, {}))
        cells.update(change.cells)
        for header, value in change.expect.items():
            expect.setdefault(header, value)
    return merged
