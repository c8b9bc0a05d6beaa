"""The events the fault-injected year's tests need, each on a fixed day, whatever the seed.

The random faults, kills and edits of ``faultsim`` come from seeded streams, and those
streams shift whenever a run makes another number of Sheets calls or sends another
number of emails: a rare event (four 451s in a row, a filter cleared) could vanish
from the period after any change elsewhere. So every kind of event a test asserts is
also scheduled here, apart from the random streams, which keep coming on top. An event
becomes due on its day (counted from the first day, ``ANCHOR``) and stays due until it
can happen: an SMTP fault waits for the next send, a kill for its kind of I/O point, a
Log edit for the Log tab (a filter to clear for a filter), a Sheets fault for the next
call of its kind. ``Agenda.left`` names any that never happened (none, in 60 days).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from sheetsync.testing.emulator import Fault
from sheetsync.testing.sheets_emulator.routes import WRITE_CALLS

# (day from the first, what, which): kept clear of the 1st and 2nd of a month (Summary
# day, and the day the person deletes the Log tab), within the test's 60 days with room
# to spare for an event that has to wait.
SCHEDULE: tuple[tuple[int, str, str], ...] = (
    (3, "edit", "add"),
    (3, "edit", "move"),
    (4, "edit", "done"),
    (4, "edit", "sort"),
    (5, "sheets", "429"),
    (6, "sheets", "500"),
    (7, "sheets", "503"),
    (8, "sheets", "applied-500"),
    (9, "sheets", "applied-drop"),
    (10, "smtp", "451"),
    (11, "smtp", "dropped before reply"),
    (12, "smtp", "stalled reply"),
    (13, "smtp", "451 x4 (gives up)"),
    (14, "kill", "HTTP request"),
    (15, "kill", "before a send"),
    (16, "kill", "after a send"),
    (17, "kill", "HTTP write after a send"),
    (18, "log", "Log sorted"),
    (19, "log", "Log filter set"),
    (20, "log", "Log filter cleared"),
    (21, "log", "Log rows deleted"),
    (22, "log", "Log tab deleted"),
    (23, "run", "sort during a run"),
    (24, "run", "second run"),
    (25, "run", "skip"),
    (26, "run", "rerun"),
)

SHEETS_FAULTS = {
    "429": Fault(429),
    "500": Fault(500),
    "503": Fault(503),
    "applied-500": Fault(500, applied=True),
    "applied-drop": Fault(applied=True, drop=True),
}


class Agenda:
    """The scheduled events due so far and not yet happened, by what they are."""

    def __init__(self, schedule: tuple[tuple[int, str, str], ...] = SCHEDULE) -> None:
        self.schedule = schedule
        self.due: dict[str, list[str]] = {}
        self.happened: Counter[str] = Counter()

    def start(self, number: int) -> None:
        """Day ``number`` (0 is the first): its events become due."""
        for day, what, which in self.schedule:
            if day == number:
                self.due.setdefault(what, []).append(which)

    def pending(self, what: str) -> list[str]:
        """The events of ``what`` due and not yet happened, oldest first (a copy)."""
        return list(self.due.get(what, []))

    def take(self, what: str, which: str) -> bool:
        """Whether ``which`` was due; it has happened now."""
        waiting = self.due.get(what, [])
        if which not in waiting:
            return False
        waiting.remove(which)
        self.happened[f"{what}: {which}"] += 1
        return True

    def left(self) -> list[str]:
        """The scheduled events that never happened."""
        return [f"{what}: {which}" for what, waiting in self.due.items() for which in waiting]


def sheets_hook(emu: Any, agenda: Agenda) -> Callable[[str], None]:
    """A hook for ``emu.before_request`` that faults the next fitting call of a due fault.

    A 429, 500 or 503 goes to the next call of any kind; an answer lost after the call
    was carried out goes to the next write, where repeating it could do harm.
    """

    def before(kind: str) -> None:
        for name in agenda.pending("sheets"):
            if name.startswith("applied-") and kind not in WRITE_CALLS:
                continue
            agenda.take("sheets", name)
            emu.fail_calls({1: SHEETS_FAULTS[name]}, kind)  # this very call: hooks run first
            return

    return before
