"""A year of people changing things, day by day, on both backends (issue 11, "Must show").

People amend contracts, remove a Notice Period, switch Auto-Renew off after a renewal,
change Review Every twice and Risk once, tick auto rows Done and delete them, delete
open auto rows, finish repeat rules that end (COUNT, UNTIL with a time) and move a
repeating series. They also change settings up and down (``Overdue repeat`` 7→3→7→3→7,
``Escalate after`` "3, 10"→"5"→"3, 10", ``Remind: report`` lowered then raised, a row's
Remind Days), rename a Milestone ID mid-ladder, shorten Log retention so the Log is
pruned under open ladders, rename Log headers, empty the Log, and leave a row briefly
Needs attention. ``EDITS`` says what they do and when; ``OPEN`` says, from the
docs/reference.md's rules and not from the code, which occurrence of each milestone is open on
which days. ``Ladder`` walks the README's rule (the ladder only moves forward, under the
settings in force that day); a run every day must then send exactly those stages, each
once, on the first day it is due, and nothing for a finished, cancelled or moved occurrence.
Separate checks hold what was sent to the rule directly: no step-down, no overdue gap
longer than ``Overdue repeat`` allows.

The scheduler fires on every day that can change anything (a person's edit, or a
stage the rules call for that was not due the day before) and every Monday besides;
on the other days a run has nothing new to send (it sends only current stages), and
the Monday runs would catch anything brought back to life in between. That keeps a
year near 150 runs per backend.

"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import builders
from editable import CONTRACT_HEADER, KINDS, Tracker, as_date
from sheetsync.schema import LOG_COLUMNS
from sheetsync.testing.emulator import SheetsEmulator

pytestmark = pytest.mark.slow

YEAR = 2027
FIRST, LAST = dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31)
REPEAT = 7  # the default Overdue repeat
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


def contract(ident: str, title: str, owner: str, **cells: object) -> list[object]:
    """A Contracts row of CONTRACT_HEADER, Auto-Renew "no" unless ``cells`` say otherwise."""
    named = {"auto_renew": "no", "contract_status": ""} | cells
    return builders.row(CONTRACT_HEADER, contract_id=ident, contract=title, owner=owner, **named)


def milestone(ident: str, title: str, kind: str, due: dt.date, repeat: str) -> list[object]:
    """A repeating Milestones row of C-6 (MILESTONE_HEADER)."""
    cells = {"milestone": title, "type": kind, "due_date": due, "repeat": repeat}
    return builders.row(MILESTONE_HEADER, milestone_id=ident, contract_id="C-6", **cells)


CONTRACTS = [
    contract("C-1", "Amended lease", "ann@example.com", end_date=d(9, 30), notice_period_days=90),
    contract("C-2", "Notice dropped", "bob@example.com", end_date=d(8, 31), notice_period_days=60),
    contract(
        "C-3",
        "Hosting",
        "cat@example.com",
        end_date=d(2, 28),
        auto_renew="yes",
        renewal_term_months=12,
        notice_period_days=30,
    ),
    contract("C-4", "Cadence", "dan@example.com", start_date=d(1, 10), review_every="Quarterly"),
    contract("C-5", "Risky", "eve@example.com", start_date=d(6, 15, 2026), risk="High"),
    contract("C-6", "Reports", "fay@example.com"),
]
MILESTONE_HEADER = [
    "Milestone ID",
    "Contract ID",
    "Milestone",
    "Type",
    "Due Date",
    "Repeat",
    "Remind Days",
    "Done",
]
MILESTONES = [
    milestone("M-1", "Board report", "report", d(2, 15), "FREQ=MONTHLY;COUNT=3"),
    milestone("M-2", "Audit", "report", d(5, 20), "FREQ=MONTHLY;UNTIL=20270720T235959Z"),
    milestone("M-3", "Payroll", "payment", d(1, 31), "monthly"),
]
REPEAT_SETTING, ESCALATE_SETTING = "Overdue repeat (days)", "Escalate after (days overdue)"
REMIND_REPORT, RETENTION = "Remind: report", "Log retention (days)"
SETTINGS = [
    ["Setting", "Value"],
    ["Default escalation", "gc@example.com"],
    [REPEAT_SETTING, REPEAT],
    [ESCALATE_SETTING, "3, 10"],
    [REMIND_REPORT, "14, 3"],
    [RETENTION, 400],
]


@dataclass(frozen=True)
class Edit:
    """What a person does on ``day``, before that day's run: type into a cell, or delete a row."""

    day: dt.date
    tab: str
    ident: str  # the row's ID; "header" renames ``column`` to ``value``; "*" empties the tab
    column: str | None = None  # None: delete the row
    value: object = None

    def apply(self, tracker: Tracker) -> None:
        """Do it to the sheet."""
        if self.ident == "*":
            tracker.clear(self.tab)
        elif self.ident == "header":
            tracker.rename_header(self.tab, str(self.column), str(self.value))
        elif self.column is None:
            tracker.delete(self.tab, self.ident)
        else:
            tracker.type(self.tab, self.ident, self.column, self.value)


def done(day: dt.date, ident: str) -> Edit:
    """Someone ticks milestone ``ident`` Done."""
    return Edit(day, "Milestones", ident, "Done", "yes")


def setting(day: dt.date, name: str, value: object) -> Edit:
    """Someone changes a setting's Value."""
    return Edit(day, "Settings", name, "Value", value)


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
    # settings up and down, a renamed ID, the Log pruned, renamed and emptied, a broken row
    setting(d(3, 3), REMIND_REPORT, "10, 2"),  # lowered after M-1's 14-day reminder
    setting(d(3, 8), REMIND_REPORT, "21, 14, 3"),  # raised after its 10-day one
    setting(d(5, 1), RETENTION, 30),  # older Log rows are pruned from now on
    Edit(d(5, 16), "Milestones", "M-3", "Milestone ID", "PAY-3"),  # mid-ladder, overdue
    Edit(d(6, 1), "Log", "header", "Key", "Log key"),
    Edit(d(6, 1), "Log", "header", "Result", "Outcome"),
    Edit(d(6, 8), "Milestones", "M-2", "Remind Days", "30, 10, 1"),  # after its 14-day one
    Edit(d(7, 1), "Milestones", "PAY-3", "Due Date", "soon"),  # Needs attention for a week
    Edit(d(7, 1), "Log", "*"),  # and the Log emptied meanwhile
    Edit(d(7, 8), "Milestones", "PAY-3", "Due Date", d(5, 10)),
    setting(d(7, 20), REPEAT_SETTING, 3),
    setting(d(8, 10), REPEAT_SETTING, 7),
    setting(d(8, 24), REPEAT_SETTING, 3),
    setting(d(9, 2), ESCALATE_SETTING, "5"),  # C-2/expiry 2 days overdue, PAY-3 at level 2
    setting(d(9, 7), ESCALATE_SETTING, "3, 10"),
    setting(d(9, 15), REPEAT_SETTING, 7),
]


def in_force(day: dt.date, tab: str, ident: str, column: str, default: object) -> object:
    """The value a person last typed into that cell on or before ``day`` (else ``default``)."""
    typed = [e for e in EDITS if (e.tab, e.ident, e.column) == (tab, ident, column)]
    return next((e.value for e in reversed(typed) if e.day <= day), default)


def numbers(value: object) -> tuple[int, ...]:
    """A setting such as "3, 10" (or 7) as numbers."""
    return tuple(int(part) for part in str(value).split(","))


RENAMED = {"M-3": (d(5, 16), "PAY-3")}  # a milestone's later ID, from that day on


@dataclass
class Ladder:
    """What the rules have had sent so far for one occurrence (milestone and due date)."""

    lead: int | None = None  # the shortest reminder lead sent
    notice: int = 0
    notice_on: dt.date | None = None
    level: int = 0


@dataclass(frozen=True)
class Open:
    """Occurrence ``due`` of milestone ``ident`` is open from ``start`` until ``end`` (excluded)."""

    ident: str
    type: str
    due: dt.date
    start: dt.date
    end: dt.date = LAST + dt.timedelta(days=1)

    def name(self, day: dt.date) -> str:
        """The milestone's ID on ``day`` (it may have been renamed)."""
        since, new = RENAMED.get(self.ident, (LAST + dt.timedelta(days=1), self.ident))
        return new if day >= since else self.ident

    def leads(self, day: dt.date) -> tuple[int, ...]:
        """The row's Remind Days if set, else the type's ``Remind:`` setting, on ``day``."""
        default = in_force(day, "Settings", f"Remind: {self.type}", "Value", None)
        typed = in_force(day, "Milestones", self.ident, "Remind Days", default)
        return numbers(typed) if typed else LEADS[self.type]

    def keys(self, day: dt.date, ladder: Ladder) -> list[str]:
        """The keys the README's rule calls for on ``day``, moving ``ladder`` on."""
        if not self.start <= day < self.end:
            return []
        head, left = f"{self.name(day)}:{self.due.isoformat()}", (self.due - day).days
        if left >= 0:
            if left > max(self.leads(day)):
                return []
            lead = min(lead for lead in self.leads(day) if lead >= left)
            if ladder.lead is not None and lead >= ladder.lead:
                return []
            ladder.lead = lead
            return [f"reminder:{head}:{lead}"]
        return self._overdue(day, -left, head, ladder)

    def _overdue(self, day: dt.date, late: int, head: str, ladder: Ladder) -> list[str]:
        keys = []
        repeat = numbers(in_force(day, "Settings", REPEAT_SETTING, "Value", REPEAT))[0]
        if ladder.notice_on is None or (day - ladder.notice_on).days >= repeat:
            ladder.notice, ladder.notice_on = ladder.notice + 1, day
            keys.append(f"overdue:{head}:{ladder.notice}")
        thresholds = numbers(in_force(day, "Settings", ESCALATE_SETTING, "Value", "3, 10"))
        level = sum(1 for threshold in thresholds if late >= threshold)
        if level > ladder.level:
            ladder.level = level
            keys.append(f"escalation:{head}:{level}")
        return keys


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
    Open("M-3", "payment", d(5, 10), d(4, 9), d(7, 1)),  # renamed PAY-3 on 16 May
    Open("M-3", "payment", d(5, 10), d(7, 8)),  # Due Date unreadable 1–7 Jul
]


def every_day() -> Iterator[dt.date]:
    """Each day of the simulated year."""
    day = FIRST
    while day <= LAST:
        yield day
        day += dt.timedelta(days=1)


def expected() -> dict[str, dt.date]:
    """Each key the rules call for over the year, with the day it is due (runs every day)."""
    ladders: dict[tuple[str, dt.date], Ladder] = {}
    first: dict[str, dt.date] = {}
    for day in every_day():
        for occurrence in OPEN:
            ladder = ladders.setdefault((occurrence.ident, occurrence.due), Ladder())
            for key in occurrence.keys(day, ladder):
                first.setdefault(key, day)
    return first


def run_days() -> list[dt.date]:
    """The days the scheduler fires: edits, stages newly due, and every Monday."""
    days = {e.day for e in EDITS} | set(expected().values())
    return sorted(days | {day for day in every_day() if day.weekday() == 0})


@dataclass
class Year:
    """What a year of daily runs sent: each key with the days it was sent, and the last tabs."""

    sent: dict[str, list[dt.date]]
    tracker: Tracker
    ended: list[str]  # keys sent for M-1 after its COUNT=3 series ended (none, if all is well)


def simulate(kind: str, folder: Path, emulator: SheetsEmulator) -> Year:
    """Run the tracker every day of the year, applying each day's edits before its run."""
    grids = {
        "Contracts": [CONTRACT_HEADER, *CONTRACTS],
        "Milestones": [MILESTONE_HEADER, *MILESTONES],
        "Settings": SETTINGS,
        "Log": [list(LOG_COLUMNS)],
    }
    tracker = Tracker(kind, grids, folder, emulator)
    for day in run_days():
        for edit in (e for e in EDITS if e.day == day):
            edit.apply(tracker)
        tracker.run(day)
    sent: dict[str, list[dt.date]] = {}
    for row in tracker.appended:
        if row["Result"] == "sent" and row["Kind"] in ("reminder", "overdue", "escalation"):
            sent.setdefault(str(row["Key"]), []).append(row["day"])
    ended = sorted(k for k in sent if k.split(":")[1] == "M-1" and k.split(":")[2] > "2027-04-15")
    return Year({k: v for k, v in sent.items() if k not in ended}, tracker, ended)


@pytest.fixture(scope="module", params=KINDS)
def year(request: pytest.FixtureRequest, emulator, tmp_path_factory) -> Year:
    """The year on each backend in turn."""
    return simulate(str(request.param), tmp_path_factory.mktemp(str(request.param)), emulator)


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
    assert "PAY-3" in rows and "M-3" not in rows
    cancelled = [(r["day"], r["Key"]) for r in year.tracker.appended if r["Kind"] == "cancelled"]
    assert cancelled == [(d(5, 1), f"cancelled:C-2/notice:{before(d(8, 31), 60)}:terms")]
    assert as_date(year.tracker.rows("Contracts")["C-3"]["Term End"]) == d(2, 28, YEAR + 1)


def occurrences(year: Year, kind: str) -> dict[tuple[str, str], list[tuple[dt.date, int]]]:
    """Per occurrence (first ID, due date): the (day, stage) of each ``kind`` key sent, in order."""
    first = {new: old for old, (_, new) in RENAMED.items()}
    found: dict[tuple[str, str], list[tuple[dt.date, int]]] = {}
    for key, days in year.sent.items():
        sort, ident, due, stage = key.split(":")
        if sort == kind:
            occurrence = (first.get(ident, ident), due)
            found.setdefault(occurrence, []).extend((day, int(stage)) for day in days)
    return {k: sorted(v) for k, v in found.items()}


def test_the_ladder_never_steps_down(year):
    """Per occurrence, reminder leads only shorten, notices count on by one, levels only rise."""
    stages = {kind: occurrences(year, kind) for kind in ("reminder", "overdue", "escalation")}
    backward = [
        (kind, occurrence, sent)
        for kind, found in stages.items()
        for occurrence, sent in found.items()
        if [s for _, s in sent] != sorted({s for _, s in sent}, reverse=kind == "reminder")
        or (kind == "overdue" and [s for _, s in sent] != list(range(1, len(sent) + 1)))
    ]
    assert len(stages["reminder"]) > 20 and len(stages["escalation"]) > 3
    assert backward == []


def test_no_overdue_gap_is_longer_than_overdue_repeat_allows(year):
    """While an occurrence stays open and overdue, each day is under Overdue repeat in force."""
    late: list[tuple[str, str, dt.date]] = []
    for (ident, due), sent in occurrences(year, "overdue").items():
        days = [day for day, _ in sent]
        windows = [(o.start, o.end) for o in OPEN if (o.ident, o.due.isoformat()) == (ident, due)]
        for last, upto in zip(days, [*days[1:], LAST + dt.timedelta(days=1)], strict=True):
            day = last + dt.timedelta(days=1)
            while day < upto:
                if not any(start <= day < end for start, end in windows):
                    day += dt.timedelta(days=1)
                    continue
                repeat = numbers(in_force(day, "Settings", REPEAT_SETTING, "Value", REPEAT))[0]
                if (day - last).days >= repeat:
                    late.append((ident, due, day))
                    break
                day += dt.timedelta(days=1)
    assert late == []


def test_a_series_that_ended_stays_ended_when_the_log_is_emptied(year):
    """M-1 ended with its third occurrence (15 Apr): it stays Done and nothing more is sent."""
    row = year.tracker.rows("Milestones")["M-1"]
    assert year.ended == []
    assert (row["Status"], as_date(row["Due Date"])) == ("Done", d(4, 15))
    # the series record, then (on an owner's first row) the month's summary mark
    assert str(row["Last Notified"]).split(" · summary ")[0].endswith("series from 2027-02-15")
    completed = [r["Key"] for r in year.tracker.appended if r["Kind"] == "completed"]
    assert [k for k in completed if str(k).startswith("completed:M-1:")] == [
        f"completed:M-1:{due}:2027-02-15" for due in ("2027-02-15", "2027-03-15", "2027-04-15")
    ]  # recorded once each, though the Log was emptied after the last
