"""Fixtures for the Google backend tests: an emulator on loopback, seeded trackers, fast retries.

Import what a test module uses explicitly (``from gsheets_fixtures import emulator``).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator
from pathlib import Path

from conftest import TODAY, days, tracker_grids
from sheetsync.backends.gsheets import GoogleSheetsBackend
from sheetsync.backends.gsheets.lease import LeasePolicy
from sheetsync.backends.gsheets.retry import RetryPolicy
from sheetsync.pipeline import RunOptions, run
from sheetsync.schema import MILESTONE_SYSTEM
from sheetsync.testing.emulator import SheetsEmulator, gspread_client
from sheetsync.transports.outbox import OutboxTransport

NOON = dt.datetime.combine(TODAY, dt.time(12, 0), dt.UTC)
OWNERS = ("jane@example.com", "bob@example.com", "dan@example.com")
TYPES = ("notice", "payment", "review", "report", "renewal", "approval")


def running_emulator() -> Iterator[SheetsEmulator]:
    """A fresh Sheets API emulator with Google's default quotas, for a fixture to yield from."""
    with SheetsEmulator() as emu:
        yield emu


class Sleeps(list[float]):
    """An injectable sleep that records each wait instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def quick_retry(
    sleeps: Callable[[float], None] | None = None, budget: float = 120.0
) -> RetryPolicy:
    """A retry policy that never really sleeps, with seeded jitter."""
    sleep = sleeps if sleeps is not None else Sleeps()
    return RetryPolicy(budget=budget, sleep=sleep, rng=random.Random(7))


def backend(emulator: SheetsEmulator, sheet_id: str, **kwargs: object) -> GoogleSheetsBackend:
    """A Google backend on the real gspread client, talking to ``emulator`` over HTTP."""
    kwargs.setdefault("retry", quick_retry())
    kwargs.setdefault("lease", LeasePolicy(settle=0.0))
    return GoogleSheetsBackend(gspread_client(emulator.host), sheet_id, **kwargs)  # type: ignore[arg-type]


def seed(emulator: SheetsEmulator, grids: dict | None = None, **kwargs: object) -> str:
    """A spreadsheet holding ``grids`` (default: the small tracker), created in-process."""
    tabs = grids if grids is not None else tracker_grids()
    return emulator.create_spreadsheet("Tracker", tabs, **kwargs)  # type: ignore[arg-type]


def options(day: dt.date = TODAY) -> RunOptions:
    """Run options for ``day`` with a clock fixed at noon UTC that day."""
    noon = NOON + dt.timedelta(days=(day - TODAY).days)
    return RunOptions(today=day, clock=lambda: noon)


def run_job(gs: GoogleSheetsBackend, outbox: Path, day: dt.date = TODAY):
    """The whole job against a Google backend, emails into ``outbox``."""
    return run(gs, OutboxTransport(outbox), options(day))


def big_grids(count: int) -> dict[str, list[list[object]]]:
    """The small tracker's five milestones followed by filler rows up to ``count`` milestones.

    Filler rows are due 150 days or more ahead (upcoming, no reminder yet), as most rows
    of a large tracker are.
    """
    grids = tracker_grids()
    for number in range(6, count + 1):
        grids["Milestones"].append(
            [
                f"M-{number:06d}",
                ("C-001", "C-002")[number % 2],
                f"Milestone {number}",
                TYPES[number % len(TYPES)],
                days(150 + number % 900),
                OWNERS[number % 3],
                None,
                None,
                None,
                None,
                f"note {number}",
            ]
        )
    return grids


def rows_by_id(values: list[list[object]]) -> dict[str, dict[str, object]]:
    """A tab's rows as {first cell: {header: value}}."""
    header = [str(h) for h in values[0]]
    return {
        str(row[0]): {name: (row[i] if i < len(row) else "") for i, name in enumerate(header)}
        for row in values[1:]
        if row and row[0] != ""
    }


def typed(row: dict[str, object]) -> dict[str, object]:
    """The cells of a row a person typed (every column but the system ones)."""
    return {k: v for k, v in row.items() if k not in MILESTONE_SYSTEM}


def message_ids(outbox: Path) -> list[str]:
    """The Message-ID of every .eml file in ``outbox``, sorted."""
    from email import message_from_bytes

    messages = (message_from_bytes(path.read_bytes()) for path in outbox.glob("*.eml"))
    return sorted(str(message["Message-ID"]) for message in messages)


def emails(outbox: Path) -> list[tuple[str, str, str]]:
    """(To, Cc, Subject) of every .eml file in ``outbox``, sorted: what people receive."""
    from email import message_from_bytes

    messages = (message_from_bytes(path.read_bytes()) for path in outbox.glob("*.eml"))
    return sorted((str(m["To"]), str(m["Cc"] or ""), str(m["Subject"])) for m in messages)


def without_message_ids(log: list[list[object]]) -> list[list[object]]:
    """The Log's rows without the Message-ID column, which differs from tracker to tracker."""
    column = log[0].index("Message-ID") if log else 0
    return [row[:column] + row[column + 1 :] for row in log]
