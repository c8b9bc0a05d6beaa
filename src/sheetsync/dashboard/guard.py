"""Whether the run may write its Dashboard: a person's own tab of that name stays theirs (pure).

The backends check the same thing again as they write (``is_programs``); this module says
it in the run's report, as a Problem about the whole tab, so a person sees it without
``-v``.
"""

from __future__ import annotations

from ..model import Snapshot
from ..problems import Problem
from .layout import is_programs

PERSONS_TAB = (
    "this tab was made by a person, not sheetsync (its first cell is not sheetsync's note), "
    "so it is left as it is and no dashboard is written; rename it, or add a Settings row "
    '"Dashboard tab" naming another tab for sheetsync\'s dashboard'
)


def persons_tab(snapshot: Snapshot, name: str) -> Problem | None:
    """A Problem about the tab called ``name`` when a person made it; None when the
    program may write there (no such tab, an empty one, or one holding its note)."""
    found = snapshot.tab(name)
    if found is None or is_programs(found[1]):
        return None
    return Problem(found[0], 0, "", PERSONS_TAB)
