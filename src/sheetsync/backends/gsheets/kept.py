"""What the Google backend keeps of a read once it has handed the Snapshot over (pure).

The backend answers two questions about tabs as read, later in the run: the Log's rows
(what a recheck after a lost answer compares with) and, for the tab the Dashboard goes
to, whether it is the program's (``is_programs``) and which of its cells change. Every
other tab is asked only the second question, and a person's tab answers it from its
first row. So a person's tab (Contracts, Milestones: at 500,000 rows about 380 MB of
raw cells) is kept as its first row only, and the rest of its grid goes once the
pipeline is done with the Snapshot.
"""

from __future__ import annotations

from ...dashboard import is_programs
from ...model import Grid
from ...schema import LOG


def kept_grids(grids: dict[str, Grid]) -> dict[str, Grid]:
    """``grids`` with each person's tab cut to its first row; the Log and any tab the
    program may write whole (empty, or its first cell the Dashboard's note) kept whole."""
    return {title: _kept(title, grid) for title, grid in grids.items()}


def _kept(title: str, grid: Grid) -> Grid:
    if title.strip().casefold() == LOG.casefold() or is_programs(grid):
        return grid
    first = grid[:1]
    return first if not is_programs(first) else grid  # a blank first row: kept whole
