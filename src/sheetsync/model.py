"""The data every step shares: raw cells and snapshots as read, writes as planned.

Backends produce and consume these; the core (normalize … write back) reads them
and never imports a backend.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: A raw cell as a backend hands it over: text, a number (real date cells as
#: serial numbers, day 0 = 1899-12-30), a bool (checkboxes), or None (empty).
Cell = str | int | float | bool | None
Grid = list[list[Cell]]


class Uncomputed(str):
    """A formula cell with no saved result; the text is the formula (``=DATE(2027,3,31)``).

    Never equal to typed text, so a column read once per distinct value keeps them apart.
    """

    def __eq__(self, other: object) -> bool:
        return type(other) is Uncomputed and str.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash((Uncomputed, str(self)))


class Moving(float):
    """A number (a date) a formula works out from TODAY() or NOW(): it changes every day.

    Never equal to a typed number, so a column read once per distinct value keeps them apart.
    """

    def __eq__(self, other: object) -> bool:
        return type(other) is Moving and float.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash((Moving, float(self)))


@dataclass
class Snapshot:
    """Every tab's raw cells plus the spreadsheet's properties, read at one moment."""

    title: str
    tabs: dict[str, Grid]
    time_zone: str | None = None
    locale: str | None = None
    url: str | None = None
    sheet_ids: dict[str, int] = field(default_factory=dict)
    #: What tells this tracker from a copy with the same rows: the spreadsheet ID,
    #: or a workbook's resolved path. Message-IDs are derived from it.
    identity: str = ""

    def tab(self, name: str) -> tuple[str, Grid] | None:
        """Find a tab by name, ignoring case and surrounding spaces."""
        wanted = name.strip().casefold()
        for title, grid in self.tabs.items():
            if title.strip().casefold() == wanted:
                return title, grid
        return None

    def row_link(self, tab: str, row: int) -> str | None:
        """A link that opens ``tab`` at sheet row ``row``, when the tracker has a URL."""
        return self.row_links(tab, [row]).get(row)

    def row_links(self, tab: str, rows: Sequence[int]) -> dict[int, str]:
        """``row_link`` of each of ``rows`` (none without a URL), the common part made once."""
        if not self.url:
            return {}
        gid = self.sheet_ids.get(tab)
        if gid is None:
            return dict.fromkeys(rows, self.url)
        start = f"{self.url}#gid={gid}&range=A"
        return {row: f"{start}{row}" for row in rows}


@dataclass
class RowWrite:
    """Cells to write into one row, found by its ID at write time.

    ``row_id`` is the ID the row had when read; ``None`` means it had none and
    ``cells`` carries the new ID, so the row is found by ``read_row`` and only if
    its ID cell is still blank and its ``match`` cells (title, contract) still hold
    what was read; if not (rows sorted or inserted meanwhile), it is the one row
    without an ID whose ``match`` cells hold that, so it keeps the ID it was emailed
    under. ``expect`` lists person-typed cells that are written only if
    they still hold what the run read (recurrence roll-forward).
    """

    row_id: str | None
    read_row: int
    cells: dict[str, Any]
    expect: dict[str, Any] = field(default_factory=dict)
    match: dict[str, Any] = field(default_factory=dict)


@dataclass
class StatusColumns:
    """System cells of the rows found by their ID alone, one array per column.

    Row ``i`` had the ID ``row_ids[i]`` (never blank) at sheet row ``read_rows[i]``
    when read; ``values[name][i]`` is its cell in column ``name``. Planned and written
    column by column: most rows of a tab need nothing else, so they carry no object each.
    """

    row_ids: np.ndarray  # text, object dtype
    read_rows: np.ndarray  # int64
    values: dict[str, np.ndarray]  # object dtype, aligned with ``row_ids``

    def __len__(self) -> int:
        return len(self.row_ids)


@dataclass
class TabWrite:
    """All writes into one tab: system columns, by column and by row.

    ``columns`` holds the rows found by their ID alone; ``rows`` the few needing more
    (a new ID, cells a person typed that must still hold what was read, a Settings row).
    """

    tab: str
    id_header: str
    system_headers: Sequence[str]
    rows: Sequence[RowWrite] = ()
    columns: StatusColumns | None = None

    def labels(self) -> list[str]:
        """Every row as a report names it: its ID, or ``row N`` without one."""
        named = self.columns.row_ids.tolist() if self.columns is not None else []
        return named + [str(r.row_id or f"row {r.read_row}") for r in self.rows]

    def cell_names(self) -> set[str]:
        """Every cell name a write sets or reads, besides the ID and system headers."""
        names = set(self.columns.values) if self.columns is not None else set()
        for row in self.rows:
            names.update(row.cells)
            names.update(row.expect)
            names.update(row.match)
        return names


@dataclass
class WriteReport:
    """What a backend did with a batch of writes."""

    written: int = 0
    skipped: list[str] = field(default_factory=list)
    held: list[str] = field(default_factory=list)  # rows whose conditional cells were withheld

    def merge(self, other: WriteReport) -> None:
        """Add ``other``'s counts to this report."""
        self.written += other.written
        self.skipped.extend(other.skipped)
        self.held.extend(other.held)
