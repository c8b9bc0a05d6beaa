"""Row 1 of a tab: which header is which known column, and which are the program's own."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ..errors import SchemaError
from ..model import Grid
from ..schema import (
    ESCALATION_COLUMN,
    ESCALATION_ELSEWHERE,
    LAST_NOTIFIED,
    MILESTONES,
    SOURCE,
    STATUS,
    SYSTEM_HEADERS,
    Column,
    header_key,
)


def locate_columns(
    header: list[Any], columns: tuple[Column, ...], tab: str, renames: dict[str, str] | None = None
) -> dict[str, int]:
    """Find each known column's index by header, canonical names first, then aliases.

    A system column's header (``Escalation``, ``Status`` …) is never taken as an
    alias of a person's column, unless ``renames`` gives that system column
    another name on this tab (the person's column keeps its own).

    Raises:
        SchemaError: a required column has no header the program recognises.
    """
    keys = [header_key(h) for h in header]
    found: dict[str, int] = {}
    system = system_headers(tab)
    reserved = {header_key((renames or {}).get(h, h)) for h in system}
    taken: set[int] = {i for i, k in enumerate(keys) if k in reserved}
    for pass_aliases in (False, True):
        for column in columns:
            names = column.aliases if pass_aliases else (column.name,)
            for name in names:
                index = _first(keys, header_key(name), taken)
                if column.name not in found and index is not None:
                    found[column.name] = index
                    taken.add(index)
    missing = [c.name for c in columns if c.required and c.name not in found]
    if missing:
        raise SchemaError(f"the {tab} tab has no {' or '.join(missing)} column in row 1")
    return found


def system_headers(tab: str) -> tuple[str, ...]:
    """The program's own headers on ``tab`` (named in any case), Escalation Level included."""
    for name, headers in SYSTEM_HEADERS.items():
        if name.casefold() == tab.strip().casefold():
            return (*headers, ESCALATION_ELSEWHERE) if name == MILESTONES else headers
    return ()


_ESCALATION_LABEL = re.compile(r"^Level \d+( →|:)")


def escalation_renames(grid: Grid) -> dict[str, str]:
    """``{"Escalation": "Escalation Level"}`` when a person's column is called Escalation.

    The Escalation column is the program's when it holds only what the program
    writes there (``Level 1 → …``), or is blank next to an Escalate To column.
    Otherwise it is a person's (their escalation contacts, say): it is read as
    Escalate To when that column is missing, and never written.
    """
    keys = [header_key(h) for h in (grid[0] if grid else [])]
    mine, theirs = header_key(ESCALATION_ELSEWHERE), header_key(ESCALATION_COLUMN)
    renamed = {ESCALATION_COLUMN: ESCALATION_ELSEWHERE}
    if mine in keys or theirs not in keys:
        return renamed if mine in keys or "escalateto" not in keys else {}
    at = keys.index(theirs)
    cells = [r[at] for r in grid[1:] if at < len(r) and r[at] not in (None, "")]
    labelled = all(isinstance(c, str) and _ESCALATION_LABEL.match(c) for c in cells)
    return {} if labelled and (cells or "escalateto" in keys) else renamed


def milestone_locator(
    renames: dict[str, str],
) -> Callable[[list[Any], tuple[Column, ...], str], dict]:
    """Milestones columns plus the system columns read back: Source, Last Notified, Status."""

    def locate(header: list[Any], columns: tuple[Column, ...], tab: str) -> dict[str, int]:
        found = locate_columns(header, columns, tab, renames)
        keys = [header_key(h) for h in header]
        for name in (SOURCE, LAST_NOTIFIED, STATUS):
            if header_key(name) in keys:
                found[name] = keys.index(header_key(name))
        return found

    return locate


def _first(keys: list[str], wanted: str, taken: set[int]) -> int | None:
    return next((i for i, k in enumerate(keys) if k == wanted and i not in taken), None)
