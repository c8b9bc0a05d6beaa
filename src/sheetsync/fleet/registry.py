"""Which trackers a round runs: a list in a variable, or the rows of the registry sheet.

The registry sheet has one row per tracker under a header row naming a *Tracker*
column (the Google Sheet's URL or ID) and an *On* column (yes / no). A row runs when
its On cell says yes; a row with a blank or unreadable On cell, or an address that is
not a Google Sheet, is skipped and named in a problem line an admin can act on. A
spreadsheet listed twice (by URL and by ID, say) runs once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..backends import spreadsheet_id
from ..cells.numbers import parse_yes_no

TRACKER_HEADERS = ("tracker", "sheet", "url", "spreadsheet")
ON_HEADERS = ("on", "active", "enabled", "run")


@dataclass(frozen=True)
class Tracker:
    """One tracker to run: its address as written, and its spreadsheet ID (the key)."""

    address: str
    key: str


@dataclass
class Roster:
    """The trackers of one round, in order and each once, and what was skipped and why."""

    trackers: list[Tracker] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    off: int = 0

    def add(self, address: str, where: str) -> None:
        """Add a tracker, once per spreadsheet; note an address that is not a Google Sheet."""
        key = spreadsheet_id(address)
        if key is None:
            self.problems.append(f"{where}: {address!r} is not a Google Sheets address or ID")
        elif key not in {t.key for t in self.trackers}:
            self.trackers.append(Tracker(address, key))


def from_list(text: str) -> Roster:
    """The trackers of ``SHEETSYNC_TRACKERS``: URLs or IDs separated by spaces, commas or lines."""
    roster = Roster()
    for n, address in enumerate(a for a in re.split(r"[\s,;]+", text) if a):
        roster.add(address, f"SHEETSYNC_TRACKERS item {n + 1}")
    return roster


def from_rows(rows: Sequence[Sequence[object]]) -> Roster:
    """The trackers the registry sheet's rows switch on (the header row is the first)."""
    roster = Roster()
    if not rows:
        roster.problems.append("the registry sheet is empty: it needs Tracker and On columns")
        return roster
    header = [str(cell).strip().casefold() for cell in rows[0]]
    address_at, on_at = _column(header, TRACKER_HEADERS), _column(header, ON_HEADERS)
    if address_at is None or on_at is None:
        roster.problems.append(
            "the registry sheet's first row must name a Tracker and an On column"
        )
        return roster
    for number, row in enumerate(rows[1:], start=2):
        _one_row(roster, list(row), number, (address_at, on_at))
    return roster


def _one_row(roster: Roster, row: list[object], number: int, at: tuple[int, int]) -> None:
    address, switch = (str(row[i]).strip() if i < len(row) else "" for i in at)
    if not address and not switch:
        return
    on = parse_yes_no(switch)
    where = f"registry row {number}"
    if on is None:
        roster.problems.append(f"{where}: On says {switch!r}; write yes or no (skipped)")
    elif not on:
        roster.off += 1
    elif not address:
        roster.problems.append(f"{where}: On says yes but the Tracker cell is empty")
    else:
        roster.add(address, where)


def _column(header: list[str], names: tuple[str, ...]) -> int | None:
    return next((i for i, cell in enumerate(header) if cell in names), None)
