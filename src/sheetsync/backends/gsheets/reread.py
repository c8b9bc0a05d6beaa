"""Re-reading a tab just before writing: its header and the columns a write touches.

People edit the sheet while a run works, so writes are placed by what the sheet holds
now, not by the read at the start of the run. All of it is one values:batchGet; a
column a person moved since is looked up once more where it is now.

Adjacent columns are asked for as one range (``J1:Q``, not ``J1:J`` … ``Q1:Q``): a store
that keeps a tab row by row (the emulator does) walks every row once per range, so ten
single columns cost about ten reads of the tab where one run costs one. The answer,
column by column (``majorDimension=COLUMNS``), is split back into the same columns:
Google leaves out empty cells at the foot of each column and empty columns at the end
of a range, and sends an empty column inside a range as ``[]``; each comes out as the
column of cells a read of that column alone gives.
"""

from __future__ import annotations

from collections.abc import Sequence

from gspread.utils import absolute_range_name

from ...errors import BackendError
from ...model import Cell, Grid, TabWrite
from ...schema import header_key
from ..a1 import column_letters
from ..rowmatch import header_columns
from .api import SheetsApi
from .cellplan import TabNow, as_cells, cell_of, transposed

Located = dict[str, list[int]]
"""The columns to re-read, by tab: 1-based, sorted."""


def reread(
    api: SheetsApi,
    headers: dict[str, list[Cell]],
    writes: Sequence[TabWrite],
    log: str | None,
) -> tuple[dict[str, TabNow], Grid | None]:
    """Headers and the columns the writes touch (and the whole Log), in one batchGet.

    Columns are located by ``headers`` (the headers as read); if a person moved them
    since, the columns are read once more where they are now. A Log tab deleted since
    the read is not pruned (None).
    """
    if not writes and log is None:
        return {}, None
    wanted = {w.tab: wanted_keys(w) for w in writes}
    located = {tab: locate(headers.get(tab, []), keys) for tab, keys in wanted.items()}
    try:
        now, log_grid = fetch_columns(api, located, log)
    except BackendError:
        if log is None:
            raise
        (now, _), log_grid = fetch_columns(api, located, None), None
    moved = {tab: locate(now[tab].header, keys) for tab, keys in wanted.items()}
    if moved != located:
        now, _ = fetch_columns(api, moved, None)
    return now, log_grid


def reread_column(
    api: SheetsApi, header: Sequence[Cell], tab: str, key: str
) -> tuple[TabNow, int | None]:
    """Tab ``tab``'s header and its column with header key ``key``, wherever it is now."""
    located = locate(header, [key])
    now = fetch_columns(api, {tab: located}, None)[0][tab]
    moved = locate(now.header, [key])
    if moved != located:
        now = fetch_columns(api, {tab: moved}, None)[0][tab]
    return now, moved[0] if moved else None


def fetch_columns(
    api: SheetsApi, located: Located, log: str | None
) -> tuple[dict[str, TabNow], Grid | None]:
    """One values:batchGet of each tab's header and ``located`` columns, and the Log."""
    ranges: list[str] = []
    runs = {tab: column_runs(columns) for tab, columns in located.items()}
    for tab, tab_runs in runs.items():
        ranges.append(absolute_range_name(tab, "1:1"))
        ranges.extend(absolute_range_name(tab, _whole(*run)) for run in tab_runs)
    if log is not None:
        ranges.append(absolute_range_name(log))
    answer = iter(api.batch_get(ranges, "COLUMNS"))
    now = {}
    for tab, tab_runs in runs.items():
        header = [
            cell_of(column[0]) if column else None for column in next(answer).get("values", [])
        ]
        tab_now = TabNow(header)
        for first, last in tab_runs:
            values = next(answer).get("values", [])
            for offset in range(last - first + 1):
                cells = values[offset] if offset < len(values) else []
                tab_now.columns[first + offset] = as_cells(cells) if cells else []
        now[tab] = tab_now
    log_grid = transposed(next(answer).get("values", [])) if log is not None else None
    return now, log_grid


def wanted_keys(tab_write: TabWrite) -> list[str]:
    """Header keys of every column a write reads or sets: ID, system, conditional cells."""
    names = {tab_write.id_header, *tab_write.system_headers, *tab_write.cell_names()}
    return sorted({header_key(name) for name in names})


def locate(header: Sequence[Cell], keys: Sequence[str]) -> list[int]:
    """The 1-based columns of ``header`` whose keys are among ``keys``, sorted."""
    columns, _ = header_columns(header, ())
    return sorted(columns[key] for key in keys if key in columns)


def column_runs(columns: Sequence[int]) -> list[tuple[int, int]]:
    """Sorted columns as runs of adjacent ones, first and last: [3, 4, 5, 8] → (3, 5), (8, 8)."""
    runs: list[tuple[int, int]] = []
    for column in sorted(set(columns)):
        if runs and runs[-1][1] == column - 1:
            runs[-1] = (runs[-1][0], column)
        else:
            runs.append((column, column))
    return runs


def _whole(first: int, last: int) -> str:
    """Whole columns ``first`` to ``last`` in A1 notation: (3, 3) → C1:C, (3, 5) → C1:E."""
    return f"{column_letters(first)}1:{column_letters(last)}"
