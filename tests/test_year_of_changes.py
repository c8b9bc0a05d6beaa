"""A year of people changing things, day by day, on both backends (issue 11, "Must show").

People amend contracts, remove a Notice Period, switch Auto-Renew off after a renewal,
change Review Every twice and Risk once, tick auto rows Done and delete them, delete
open auto rows, finish repeat rules that end (COUNT, UNTIL with a time) and move a
repeating series. ``EDITS`` says what they do and when; ``OPEN`` says, from the
docs/reference.md's rules and not from the code, which occurrence of each milestone is open on
which days. A run every day must then send exactly the stages the rules call for on
those open occurrences (``simulation.keys_due``), each once, on the first day it is
due, and nothing for an occurrence that is finished, cancelled or moved away.

The scheduler fires on every day that can change anything (a person's edit, or a
stage the rules call for that was not due the day before) and every Monday besides;
on the other days a run has nothing new to send (it sends only current stages), and
the Monday runs would catch anything brought back to life in between. That keeps a
year near 150 runs per backend.

More edits (settings, ID renames, Log edits) are more ``Edit`` rows and, where they
change what is open, more ``Open`` rows.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from editable import KINDS, Tracker, as_date
from sheetsync.schema import LOG_COLUMNS
from sheetsync.testing.emulator import SheetsEmulator
from simulation import Milestone, keys_due

pytestmark = pytest.mark.slow

YEAR = 2027
FIRST, LAST = dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31)
REPEAT, ESCALATE = 7, (3, 10)  # the default Overdue repeat and Escalate after
LEADS = {  # docs/reference.md's default lead times
    "notice": (120, 90, 60, 30, 14, 7),
    "expiration": (90, 60, 30),
    "review": (30, 7),
    "report": (14, 3),
    "payment": (14, 7, 1),
}


def d(month: int, day: int, year: int = YEAR) -> dt.date:
    """A day of the simulated year (or of ``year``)."""
    return dt.date(year, month, day)


def before(day: dt.date, days: int) -> dt.date:
    """``days`` days before ``day``: a notice deadline is term end − Notice Period."""
    return day - dt.timedelta(days=days)


CONTRACT_HEADER = [
    "Contract ID",
    "Contract",
    "Owner",
    "Start Date",
    "End Date",
    "Auto-Renew",
    "Renewal Term (months)",
    "Notice Period (days)",
    "Risk",
    "Review Every",
    "Contract Status",
]
CONTRACTS = [
    ["C-1", "Amended lease", "ann@example.com", None, d(9, 30), "no", None, 90, None, None, ""],
    ["C-2", "Notice dropped", "bob@example.com", None, d(8, 31), "no", None, 60, None, None, ""],
    ["C-3", "Hosting", "cat@example.com", None, d(2, 28), "yes", 12, 30, None, None, ""],
    ["C-4", "Cadence", "dan@example.com", d(1, 10), None, "no", None, None, None, "Quarterly", ""],
    ["C-5", "Risky", "eve@example.com", d(6, 15, 2026), None, "no", None, None, "High", None, ""],
    ["C-6", "Reports", "fay@example.com", None, None, "no", None, None, None, None, ""],
]
MILESTONE_HEADER = [
    "Milestone ID",
    "Contract ID",
    "Milestone",
    "Type",
    "Due Date",
    "Repeat",
    "Done",
]
MILESTONES = [
    ["M-1", "C-6", "Board report", "report", d(2, 15), "FREQ=MONTHLY;COUNT=3", None],
    ["M-2", "C-6", "Audit", "report", d(5, 20), "FREQ=MONTHLY;UNTIL=20270720T235959Z", None],
    ["M-3", "C-6", "Payroll", "payment", d(1, 31), "monthly", None],
]


@dataclass(frozen=True)
class Edit:
    """What a person does on ``day``, before that day's run: type into a cell, or delete a row."""

    day: dt.date
    tab: str
    ident: str
    column: str | None = None  # None: delete the row
    value: object = None

    def apply(self, tracker: Tracker) -> None:
        """Do it to the sheet."""
        if self.column is None:
            tracker.delete(self.tab, self.ident)
        else:
            tracker.type(self.tab, self.ident, self.column, self.value)


def done(day: dt.date, ident: str) -> Edit:
    """Someone ticks milestone ``ident`` Done."""
    return Edit(day, "Milestones", ident, "Done", "yes")


EDITS = [
    done(d(1, 8), "C-4/review"),  # done early: the quarterly review rolls to 10 April
    done(d(1, 29), "M-3"),
    Edit(d(2, 1), "Contracts", "C-5", "Risk", "Low"),  # quarterly → annual
    done(d(2, 13), "M-1"),
    Edit(d(2, 15), "Contracts", "C-4", "Review Every", "Monthly"),  # first cadence change
    Edit(d(2, 20), "Milestones", "M-3", "Due Date", d(3, 10)),  # a person moves the series
    done(d(3, 8), "M-3"),
    Edit(d(3, 10), "Contracts", "C-1", "End Date", d(12, 31)),  # contract amended
    done(d(3, 12), "M-1"),
    Edit(d(3, 20), "Contracts", "C-4", "Review Every", "every 2 months"),  # while overdue
    done(d(4, 5), "C-4/review"),
    done(d(4, 9), "M-3"),
    done(d(4, 14), "M-1"),  # the third and last occurrence
    Edit(d(5, 1), "Contracts", "C-2", "Notice Period (days)", None),  # notice removed
    done(d(5, 18), "M-2"),
    Edit(d(6, 1), "Milestones", "C-1/expiry"),  # an open auto row deleted
    Edit(d(6, 1), "Contracts", "C-3", "Auto-Renew", "no"),  # after the renewal of 1 March
    done(d(6, 22), "M-2"),
    done(d(6, 25), "C-5/review"),
    done(d(7, 19), "M-2"),  # UNTIL reached: the last occurrence
    done(d(9, 10), "C-2/expiry"),
    Edit(d(9, 20), "Milestones", "C-2/expiry"),  # a finished auto row deleted
    done(d(10, 1), "C-1/notice"),
    Edit(d(10, 5), "Milestones", "C-1/notice"),  # a finished auto row deleted
]


@dataclass(frozen=True)
class Open:
    """Occurrence ``due`` of milestone ``ident`` is open from ``start`` until ``end`` (excluded)."""

    ident: str
    type: str
    due: dt.date
    start: dt.date
    end: dt.date = LAST + dt.timedelta(days=1)

    def keys(self, day: dt.date) -> list[str]:
        """The keys the rules call for on ``day`` (none outside the open days)."""
        if not self.start <= day < self.end:
            return []
        return keys_due(
            Milestone(self.ident, self.due, LEADS[self.type], (), True), day, REPEAT, ESCALATE
        )


OPEN = [
    # C-1: End Date moved from 30 Sep to 31 Dec on 10 Mar; the notice done on 1 Oct, then deleted.
    Open("C-1/notice", "notice", before(d(9, 30), 90), FIRST, d(3, 10)),
    Open("C-1/notice", "notice", before(d(12, 31), 90), d(3, 10), d(10, 1)),
    Open("C-1/expiry", "expiration", d(9, 30), FIRST, d(3, 10)),
    Open("C-1/expiry", "expiration", d(12, 31), d(3, 10)),  # deleted open on 1 Jun: comes back
    # C-2: Notice Period removed on 1 May: the notice is cancelled; the expiry done on 10 Sep.
    Open("C-2/notice", "notice", before(d(8, 31), 60), FIRST, d(5, 1)),
    Open("C-2/expiry", "expiration", d(8, 31), FIRST, d(9, 10)),
    # C-3: renews on 1 Mar (Term End passed); Auto-Renew off on 1 Jun keeps the new term.
    Open("C-3/notice", "notice", before(d(2, 28), 30), FIRST, d(3, 1)),
    Open("C-3/notice", "notice", before(d(2, 28, YEAR + 1), 30), d(3, 1)),
    Open("C-3/expiry", "expiration", d(2, 28), FIRST, d(3, 1)),
    Open("C-3/expiry", "expiration", d(2, 28, YEAR + 1), d(3, 1)),
    # C-4: quarterly from 10 Jan; done early; Monthly on 15 Feb re-plans to 10 Mar, which goes
    # overdue and stays so when the cadence changes again; done on 5 Apr → every 2 months: 10 May.
    Open("C-4/review", "review", d(1, 10), FIRST, d(1, 8)),
    Open("C-4/review", "review", d(4, 10), d(1, 8), d(2, 15)),
    Open("C-4/review", "review", d(3, 10), d(2, 15), d(4, 5)),
    Open("C-4/review", "review", d(5, 10), d(4, 5)),
    # C-5: High risk, quarterly from 15 Jun 2026; Risk Low on 1 Feb: annual → 15 Jun, done 25 Jun.
    Open("C-5/review", "review", d(3, 15), FIRST, d(2, 1)),
    Open("C-5/review", "review", d(6, 15), d(2, 1), d(6, 25)),
    Open("C-5/review", "review", d(6, 15, YEAR + 1), d(6, 25)),
    # M-1: COUNT=3 from 15 Feb, each done early; the third stays done.
    Open("M-1", "report", d(2, 15), FIRST, d(2, 13)),
    Open("M-1", "report", d(3, 15), d(2, 13), d(3, 12)),
    Open("M-1", "report", d(4, 15), d(3, 12), d(4, 14)),
    # M-2: monthly until 20 Jul 23:59:59 UTC; the June one done two days late.
    Open("M-2", "report", d(5, 20), FIRST, d(5, 18)),
    Open("M-2", "report", d(6, 20), d(5, 18), d(6, 22)),
    Open("M-2", "report", d(7, 20), d(6, 22), d(7, 19)),
    # M-3: monthly from 31 Jan; moved by a person to 10 Mar on 20 Feb: the 10th from then on.
    Open("M-3", "payment", d(1, 31), FIRST, d(1, 29)),
    Open("M-3", "payment", d(2, 28), d(1, 29), d(2, 20)),
    Open("M-3", "payment", d(3, 10), d(2, 20), d(3, 8)),
    Open("M-3", "payment", d(4, 10), d(3, 8), d(4, 9)),
    Open("M-3", "payment", d(5, 10), d(4, 9)),
]


@pytest.fixture(scope="module")
def emulator() -> Iterator[SheetsEmulator]:
    """One emulator for the module, without quotas (this test counts nothing)."""
    with SheetsEmulator() as emu:
        emu.disable_quotas()
        yield emu


def every_day() -> Iterator[dt.date]:
    """Each day of the simulated year."""
    day = FIRST
    while day <= LAST:
        yield day
        day += dt.timedelta(days=1)


def run_days() -> list[dt.date]:
    """The days the scheduler fires: edits, stages newly due, and every Monday."""
    days = {e.day for e in EDITS}
    due_before: set[str] = set()
    for day in every_day():
        due = {key for occurrence in OPEN for key in occurrence.keys(day)}
        if due - due_before or day.weekday() == 0:
            days.add(day)
        due_before = due
    return sorted(days)


@dataclass
class Year:
    """What a year of daily runs sent: each key with the days it was sent, and the last tabs."""

    sent: dict[str, list[dt.date]]
    tracker: Tracker


def simulate(kind: str, folder: Path, emulator: SheetsEmulator) -> Year:
    """Run the tracker every day of the year, applying each day's edits before its run."""
    grids = {
        "Contracts": [CONTRACT_HEADER, *CONTRACTS],
        "Milestones": [MILESTONE_HEADER, *MILESTONES],
        "Settings": [["Setting", "Value"], ["Default escalation", "gc@example.com"]],
        "Log": [list(LOG_COLUMNS)],
    }
    tracker = Tracker(kind, grids, folder, emulator)
    for day in run_days():
        for edit in (e for e in EDITS if e.day == day):
            edit.apply(tracker)
        tracker.run(day)
    sent: dict[str, list[dt.date]] = {}
    for row in tracker.log():
        if row["Result"] == "sent" and row["Kind"] in ("reminder", "overdue", "escalation"):
            sent.setdefault(str(row["Key"]), []).append(dt.date.fromisoformat(row["Sent At"][:10]))
    return Year(sent, tracker)


@pytest.fixture(scope="module", params=KINDS)
def year(request: pytest.FixtureRequest, emulator, tmp_path_factory) -> Year:
    """The year on each backend in turn."""
    return simulate(str(request.param), tmp_path_factory.mktemp(str(request.param)), emulator)


def expected() -> dict[str, dt.date]:
    """Each key the rules call for over the year, with the first day it is due."""
    first: dict[str, dt.date] = {}
    for day in every_day():
        for occurrence in OPEN:
            for key in occurrence.keys(day):
                first.setdefault(key, day)
    return first


def test_every_due_stage_is_sent_on_its_day(year):
    """Every stage the rules call for on an open occurrence went out, on the first day due."""
    wanted = expected()
    assert len(wanted) > 100
    missing = sorted(k for k in wanted if k not in year.sent)
    late = sorted(k for k, day in wanted.items() if k in year.sent and year.sent[k][0] != day)
    assert (missing, late) == ([], [])


def test_nothing_is_sent_for_a_finished_cancelled_or_moved_occurrence(year):
    """No email carries a stage the rules do not call for: nothing after Done, cancel or move."""
    assert sorted(set(year.sent) - set(expected())) == []


def test_no_stage_is_sent_twice(year):
    """Each key was sent once, whatever people deleted, moved or re-planned."""
    assert [k for k, days in year.sent.items() if len(days) > 1] == []


def test_the_sheet_ends_the_year_as_people_left_it(year):
    """Deleted finished rows stay deleted; the ended series and the cancelled notice show so."""
    rows = year.tracker.rows("Milestones")
    assert "C-1/notice" not in rows and "C-2/expiry" not in rows
    assert rows["C-2/notice"]["Status"] == "Cancelled"
    assert rows["M-1"]["Status"] == rows["M-2"]["Status"] == "Done"
    assert rows["C-4/review"]["Repeat"] == "every 2 months"
    assert rows["C-5/review"]["Repeat"] == "annual"
    kinds = Counter(r["Kind"] for r in year.tracker.log())
    assert kinds["cancelled"] == 1
    assert as_date(year.tracker.rows("Contracts")["C-3"]["Term End"]) == d(2, 28, YEAR + 1)
