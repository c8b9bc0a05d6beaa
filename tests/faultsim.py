"""Daily runs under injected faults, checked against an independent oracle (issue 7, part 4).

Shared by ``tests/test_fault_year.py`` (about 60 days) and ``bench/fault_year.py`` (400 days).
The sample tracker lives in the Sheets API emulator and is run through the real
``GoogleSheetsBackend`` (real gspread over HTTP) and the real ``SmtpTransport`` against
``SmtpServer`` on loopback. Along the way:

- the scheduler skips days and sometimes runs twice the same day;
- a person edits between runs (new milestones, moved due dates, Done ticked, rows
  sorted), and sometimes sorts the rows while a run is under way;
- a share of Sheets calls answer 429/500/503 or are carried out and their answer lost
  (a 500 or a dropped connection), retried with a no-op sleep;
- a share of SMTP sends meet a 451, a connection dropped before the reply, or a reply
  trickled a byte at a time that never ends (the attempt's deadline ends it), now and
  then enough 451s in a row that the transport gives up;
- some runs are killed at a random I/O point: from then on every HTTP request and SMTP
  send of that run raises ``Killed`` (a BaseException, like SIGKILL no ``except
  Exception`` catches it, and no later write gets through). A killed or failed run is
  retried at once, the same day, as a scheduler with retries would.
- a person edits the Log between runs (sorts it, sets or clears a filter, deletes rows,
  now and then the whole tab), and some days a second run starts while one is under way
  and must refuse as busy (``faultsim_log``, issue 10).

Besides these random events, each kind of them is also scheduled on a fixed day
(``faultsim_schedule``), apart from the random streams, so every seed has them all.

Contract terms and Repeat are blanked (as ``without_terms`` in test_pipeline does), so
the oracle needs only the reminder rules of DESIGN.md §4, which ``simulation.keys_due``
implements apart from ``evaluate`` and ``plan``; this module keeps the edit history it
applies to them. ``normalize`` is used once, to read the initial sample's typed inputs.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import random
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from email.message import EmailMessage
from typing import Any

import gspread
from google.auth.credentials import AnonymousCredentials
from gspread.http_client import HTTPClient

from faultsim_log import LogEditor, start_during
from faultsim_schedule import Agenda, sheets_hook
from sheetsync.backends.a1 import column_letters
from sheetsync.backends.gsheets import GoogleSheetsBackend
from sheetsync.backends.gsheets.lease import LeasePolicy
from sheetsync.backends.gsheets.retry import RetryPolicy
from sheetsync.errors import SheetsyncError
from sheetsync.init.sample import sample_tracker
from sheetsync.model import Snapshot
from sheetsync.normalize import normalize
from sheetsync.normalize.headers import system_headers
from sheetsync.pipeline import RunOptions, run
from sheetsync.schema import header_key
from sheetsync.testing.emulator import EmulatorSession, SheetsEmulator
from sheetsync.testing.smtpd import SmtpServer
from sheetsync.transports.smtp import SmtpPolicy, SmtpTransport
from simulation import Ladder, Milestone, keys_due

ANCHOR = dt.date(2026, 12, 1)
TERM_COLUMNS = (
    "End Date",
    "Auto-Renew",
    "Renewal Term (months)",
    "Notice Period (days)",
    "Risk",
    "Review Every",
    "Repeat",
)
# DESIGN.md §4 default lead times, for the milestones the person adds.
DEFAULT_LEAD = {
    "notice": (120, 90, 60, 30, 14, 7),
    "renewal": (120, 90, 60, 30),
    "approval": (7, 2),
    "delivery": (14, 7, 1),
    "review": (30, 7),
    "report": (14, 3),
    "other": (30, 7, 1),
}
REPEAT, ESCALATE_AFTER = 7, (3, 10)  # the sample's Settings
OWNERS = ("jane.doe@example.com", "raj.patel@example.com", "Kim Li <kim.li@example.com>", "")
ACTIVE = ("C-001", "C-004", "C-008", "C-012", "C-017", "C-023")
ENDED = "C-021"  # Terminated: its milestones are Cancelled
MAX_ATTEMPTS = 6


@dataclass
class Plan:
    """How the simulated period goes: its length, the seed, and how often each thing happens."""

    days: int = 60
    seed: int = 1
    sheets_faults: float = 0.2
    smtp_faults: float = 0.1
    skip: float = 0.15
    rerun: float = 0.15
    kill: float = 0.1
    edit: float = 0.5
    sort_during_run: float = 0.05
    log_edit: float = 0.25
    concurrent: float = 0.1


@dataclass
class Figures:
    """What the simulation counted."""

    days: int = 0
    runs: int = 0
    killed: int = 0
    gave_up: int = 0
    skipped_days: int = 0
    edits: Counter[str] = field(default_factory=Counter)
    log_edits: Counter[str] = field(default_factory=Counter)
    second_runs: Counter[str] = field(default_factory=Counter)
    sheets_calls: int = 0
    sheets_faults: Counter[str] = field(default_factory=Counter)
    smtp_faults: Counter[str] = field(default_factory=Counter)
    messages: int = 0
    expected: int = 0
    delivered: int = 0
    duplicated_same_id: int = 0
    duplicated_other_id: list[str] = field(default_factory=list)
    summary_resent: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    closed_sent: list[str] = field(default_factory=list)
    typed_changed: list[str] = field(default_factory=list)
    kill_points: Counter[str] = field(default_factory=Counter)
    scheduled_left: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The figures as printed by the bench script."""
        faults = ", ".join(f"{k}: {v}" for k, v in sorted(self.sheets_faults.items()))
        smtp = ", ".join(f"{k}: {v}" for k, v in sorted(self.smtp_faults.items()))
        edits = ", ".join(f"{k}: {v}" for k, v in sorted(self.edits.items()))
        log = ", ".join(f"{k}: {v}" for k, v in sorted(self.log_edits.items()))
        second = ", ".join(f"{k}: {v}" for k, v in sorted(self.second_runs.items()))
        killed = ", ".join(f"{k}: {v}" for k, v in sorted(self.kill_points.items()))
        return [
            f"days simulated                  {self.days} ({self.skipped_days} skipped)",
            f"runs                            {self.runs} ({self.killed} killed, "
            f"{self.gave_up} gave up on a fault)",
            f"runs killed at                  {killed}",
            f"person's edits                  {sum(self.edits.values())} ({edits})",
            f"Log edits by the person         {sum(self.log_edits.values())} ({log})",
            f"concurrent starts               {sum(self.second_runs.values())} ({second})",
            f"Sheets API calls answered       {self.sheets_calls}",
            f"Sheets faults injected          {sum(self.sheets_faults.values())} ({faults})",
            f"SMTP faults injected            {sum(self.smtp_faults.values())} ({smtp})",
            f"messages received by the server {self.messages}",
            f"emails expected (keys)          {self.expected}",
            f"emails delivered (keys)         {self.delivered}",
            f"duplicated, same Message-ID     {self.duplicated_same_id}",
            f"duplicated, other Message-ID    {len(self.duplicated_other_id)}",
            f"summaries resent another day    {len(self.summary_resent)}",
            f"missing                         {len(self.missing)}",
            f"unexpected (not called for)     {len(self.unexpected)}",
            f"sent for Done or Cancelled rows {len(self.closed_sent)}",
            f"typed cells changed             {len(self.typed_changed)}",
            f"scheduled events not happened   {len(self.scheduled_left)}",
        ]


# -- killing a run ---------------------------------------------------------------------------


class Killed(BaseException):
    """The run's process died here (in-process stand-in for SIGKILL)."""


class Kill:
    """Kills a run at its k-th I/O point, or at a kind of point the agenda has due.

    After the kill all of the run's I/O raises. ``points`` counts where runs were killed.
    """

    def __init__(self, agenda: Agenda | None = None) -> None:
        self.left: int | None = None
        self.fired = self.sent = False
        self.agenda = agenda or Agenda(())
        self.points: Counter[str] = Counter()

    def arm(self, at: int | None) -> None:
        """Kill at the ``at``-th I/O point from now (None: only where the agenda says)."""
        self.left, self.fired, self.sent = at, False, False

    def tick(self, point: str, write: bool = False) -> None:
        """One I/O point: raise ``Killed`` if this is a chosen one or the run is dead."""
        if self.fired:
            raise Killed
        where = self._scheduled(point, write)
        if self.left is not None:
            self.left -= 1
            where = where or (point if self.left <= 0 else None)
        self.sent = self.sent or point == "after a send"
        if where is not None:
            self.fired = True
            self.points[where] += 1
            raise Killed

    def _scheduled(self, point: str, write: bool) -> str | None:
        """The due kill this point is, if any (it has happened then)."""
        names = [point]
        if write and self.sent:
            names.append("HTTP write after a send")
        for name in names:
            if self.agenda.take("kill", name):
                return name
        return None


class KillableSession(EmulatorSession):
    """The emulator session gspread uses, with every HTTP request an I/O point."""

    def __init__(self, host: str, kill: Kill) -> None:
        super().__init__(host)
        self.kill = kill

    def request(self, method: Any, url: Any, *args: Any, **kwargs: Any) -> Any:
        """Send the request unless the run is killed here."""
        write = str(method).upper() != "GET" and not str(url).endswith(":search")
        self.kill.tick("HTTP request", write)
        return super().request(method, url, *args, **kwargs)


class FaultySmtp:
    """``SmtpTransport`` with faults made to happen at the server, and kill points."""

    name = "smtp"

    def __init__(self, server: SmtpServer, kill: Kill, rng: random.Random, plan: Plan) -> None:
        self.agenda = kill.agenda
        self.inner = SmtpTransport(
            server.url(), None, policy=SmtpPolicy(sleep=_no_sleep, retries=3, attempt_deadline=0.5)
        )
        self.server, self.kill, self.rng, self.rate = server, kill, rng, plan.smtp_faults
        self.injected: Counter[str] = Counter()

    def __enter__(self) -> FaultySmtp:
        self.inner.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.inner.__exit__(*exc)

    def send(self, message: EmailMessage) -> None:
        """Send, with a fault now and then; killed before or after the server accepts."""
        self.kill.tick("before a send")
        if self.rng.random() < self.rate:
            self._inject(_smtp_fault(self.rng.random()))
        for name in self.agenda.pending("smtp")[:1]:  # one scheduled fault per send
            self.agenda.take("smtp", name)
            self._inject(name)
        self.inner.send(message)
        self.kill.tick("after a send")

    def _inject(self, name: str) -> None:
        faults = self.server.faults
        if name == "451 x4 (gives up)":
            faults.transient_failures += 4  # more than the retries: the run gives up
        elif name == "451":
            faults.transient_failures += 1
        elif name == "dropped before reply":
            faults.hang_up_before_reply += 1
        else:  # the message kept, its 250 trickled forever: only the deadline ends it
            faults.stall_before_reply += 1
        self.injected[name] += 1


def _smtp_fault(roll: float) -> str:
    """The kind of a random SMTP fault."""
    if roll < 0.05:
        return "451 x4 (gives up)"
    if roll < 0.6:
        return "451"
    return "dropped before reply" if roll < 0.85 else "stalled reply"


def _no_sleep(seconds: float) -> None:
    """Retries wait for nothing."""


# -- the person and the oracle's history -------------------------------------------------------


Ident = tuple[str, str]  # (Contract ID, Milestone): unique, and never edited


@dataclass(frozen=True)
class Version:
    """A milestone as the person left it from ``since`` on."""

    since: dt.date
    id: str | None
    due: dt.date | None
    lead: tuple[int, ...]
    state: str  # open / done / cancelled / blocked


class History:
    """Each milestone's versions, as the person's edits made them."""

    def __init__(self) -> None:
        self.versions: dict[Ident, list[Version]] = defaultdict(list)

    def add(self, ident: Ident, version: Version) -> None:
        """Record ``version`` as ``ident``'s state from its day on."""
        self.versions[ident].append(version)

    def latest(self, ident: Ident) -> Version:
        """The current version."""
        return self.versions[ident][-1]

    def at(self, ident: Ident, day: dt.date) -> Version | None:
        """The version in force on ``day`` (None before the milestone existed)."""
        found = None
        for version in self.versions[ident]:
            if version.since <= day:
                found = version
        return found

    def change(self, ident: Ident, day: dt.date, **changes: Any) -> None:
        """A new version from ``day`` on."""
        self.add(ident, replace(self.latest(ident), since=day, **changes))


def initial_history(tabs: dict[str, list[list[Any]]], first: dt.date) -> History:
    """The sample's milestones as ``normalize`` types them, in force from ``first``."""
    history = History()
    tracker = normalize(Snapshot("t", tabs))
    for m in tracker.milestones.itertuples(index=False):
        readable = m.due is not None and str(m.due) != "NaT"
        state = "done" if m.done else "cancelled" if m.cancelled else "open"
        state = "blocked" if m.blocked else state
        lead = tuple(m.lead_days) if isinstance(m.lead_days, tuple | list) else ()
        due = m.due.date() if readable else None
        history.add((m.contract_id, m.title), Version(first, m.id, due, lead, state))
    return history


class Person:
    """Edits the Milestones tab through the emulator's editor, and keeps the history."""

    def __init__(self, emu: SheetsEmulator, sheet: str, history: History, rng: random.Random):
        self.emu, self.sheet, self.history, self.rng = emu, sheet, history, rng
        self.added = 0

    def edit(self, day: dt.date, figures: Figures, what: str | None = None) -> None:
        """One edit: ``what`` (add, move, done or sort), else chosen at random."""
        what = what or self.rng.choice(("add", "add", "move", "move", "done", "sort"))
        getattr(self, f"_{what}")(day)
        figures.edits[what] += 1

    def _grid(self) -> list[list[Any]]:
        return self.emu.values(self.sheet, "Milestones")

    def _column(self, header: str) -> int:
        return [header_key(h) for h in self._grid()[0]].index(header_key(header))

    def _row_of(self, ident: Ident) -> int:
        """The sheet row (1-based) where ``ident`` is now."""
        grid = self._grid()
        contract, title = self._column("Contract ID"), self._column("Milestone")
        for number, row in enumerate(grid[1:], start=2):
            padded = row + [""] * len(grid[0])
            if (padded[contract], padded[title]) == ident:
                return number
        raise LookupError(ident)

    def _type(self, ident: Ident, header: str, value: Any) -> None:
        cell = f"{column_letters(self._column(header) + 1)}{self._row_of(ident)}"
        self.emu.edit(self.sheet, "Milestones").type(cell, value)

    def _add(self, day: dt.date) -> None:
        self.added += 1
        kind = self.rng.choice(sorted(DEFAULT_LEAD))
        contract = self.rng.choice(ACTIVE) if self.rng.random() > 0.1 else ENDED
        title = f"Added on {day.isoformat()} #{self.added}"
        due = day + dt.timedelta(days=self.rng.randint(-4, 130))
        remind = self.rng.choice(("", "", "21, 5", "10"))
        lead = tuple(int(x) for x in remind.split(",")) if remind else DEFAULT_LEAD[kind]
        typed_id = self._next_id() if self.rng.random() < 0.7 else ""
        cells = {
            "Milestone ID": typed_id,
            "Contract ID": contract,
            "Milestone": title,
            "Type": kind,
            "Due Date": due,
            "Owner": self.rng.choice(OWNERS),
            "Remind Days": remind,
        }
        header = self._grid()[0]
        row = [cells.get(str(h)) for h in header]
        at = self.rng.randint(2, len(self._grid()) + 1)
        self.emu.edit(self.sheet, "Milestones").insert_rows(at, [row])
        state = "cancelled" if contract == ENDED else "open"
        version = Version(day, typed_id or None, due, lead, state)
        self.history.add((contract, title), version)

    def _next_id(self) -> str:
        column = self._column("Milestone ID")
        numbers = [
            int(str(row[column])[2:])
            for row in self._grid()[1:]
            if len(row) > column and str(row[column]).startswith("M-")
        ]
        return f"M-{max(numbers, default=0) + 1:04d}"

    def _editable(self) -> list[Ident]:
        return sorted(i for i in self.history.versions if self.history.latest(i).state == "open")

    def _move(self, day: dt.date) -> None:
        ident = self.rng.choice(self._editable())
        due = day + dt.timedelta(days=self.rng.randint(-3, 120))
        self._type(ident, "Due Date", due)
        self.history.change(ident, day, due=due)

    def _done(self, day: dt.date) -> None:
        ident = self.rng.choice(self._editable())
        self._type(ident, "Done", self.rng.choice((True, "yes", "x", "✓")))
        self.history.change(ident, day, state="done")

    def _sort(self, day: dt.date) -> None:
        column = self.rng.choice(("Due Date", "Milestone", "Contract ID", "Type"))
        self.emu.edit(self.sheet, "Milestones").sort(column, descending=self.rng.random() < 0.5)


# -- what a run must not touch -------------------------------------------------------------------


TYPED_TABS = {"Milestones": ("Contract ID", "Milestone"), "Contracts": ("Contract ID",)}


def typed_cells(emu: SheetsEmulator, sheet: str) -> dict[tuple[str, tuple[Any, ...], str], Any]:
    """Every cell a person typed, keyed by (tab, row identity, header): rows may move."""
    cells = {}
    for tab, ident in TYPED_TABS.items():
        header, *rows = emu.values(sheet, tab)
        system = {header_key(h) for h in system_headers(tab)}
        where = [header.index(name) for name in ident]
        for row in rows:
            padded = row + [""] * (len(header) - len(row))
            key = tuple(padded[i] for i in where)
            for name, value in zip(header, padded, strict=True):
                if header_key(name) not in system:
                    cells[(tab, key, str(name))] = value
    header, *rows = emu.values(sheet, "Settings")
    for row in rows:
        cells[("Settings", (row[0],), "Value")] = row[1] if len(row) > 1 else ""
    return cells


def changed_cells(before: dict, after: dict) -> list[str]:
    """Typed cells a run changed; an ID filled into a blank Milestone ID is allowed (§5)."""
    changed = []
    for place, value in before.items():
        if place[2] == "Milestone ID" and value in ("", None):
            continue
        if after.get(place, "<row gone>") != value:
            changed.append(f"{place}: {value!r} -> {after.get(place, '<row gone>')!r}")
    return changed


# -- the simulation ------------------------------------------------------------------------------


@dataclass
class World:
    """The emulator, the mail server, the sheet and what the runs logged."""

    emu: SheetsEmulator
    smtp: SmtpServer
    sheet: str
    plan: Plan
    rng: random.Random
    agenda: Agenda = field(default_factory=Agenda)
    kill: Kill = field(default_factory=Kill)
    smtp_faults: Counter[str] = field(default_factory=Counter)
    run_days: list[dt.date] = field(default_factory=list)
    sorts_during_runs: int = 0
    lease_clock: LeaseClock = field(default_factory=lambda: LeaseClock())
    log_editor: LogEditor | None = None


class LeaseClock:
    """The wall clock the runs' leases read; it only moves when a run dies or gives up.

    A scheduler's retry of a killed or failed run comes after that run's lease expired.
    """

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now

    def outlive_lease(self) -> None:
        """Move past the lease a dead run may have left."""
        self.now += LeasePolicy().ttl + 1


def blank_terms(tabs: dict[str, list[list[Any]]]) -> dict[str, list[list[Any]]]:
    """The sample with contract terms, Repeat and approval routes blanked: no derived or
    rolled rows."""
    out = {}
    for tab, grid in tabs.items():
        drop = {i for i, h in enumerate(grid[0]) if h in TERM_COLUMNS}
        out[tab] = [grid[0]] + [
            [None if i in drop else v for i, v in enumerate(r)]
            for r in grid[1:]
            if not str(r[0]).startswith("Approval route")
        ]
    return out


def simulate(plan: Plan) -> Figures:
    """Run ``plan`` from ANCHOR and count what the oracle and the mailbox say."""
    tabs = blank_terms(sample_tracker(ANCHOR))
    figures = Figures(days=plan.days)
    with SheetsEmulator(seed=plan.seed) as emu, SmtpServer() as smtp:
        emu.disable_quotas()
        sheet = emu.create_spreadsheet("Tracker", tabs)
        agenda = Agenda()
        world = World(emu, smtp, sheet, plan, random.Random(plan.seed), agenda, Kill(agenda))
        history = initial_history(tabs, ANCHOR)
        person = Person(emu, sheet, history, random.Random(plan.seed + 1))
        world.log_editor = LogEditor(emu, sheet, random.Random(plan.seed + 2), agenda)
        emu.fail_randomly(plan.sheets_faults, (429, 500, 503), seed=plan.seed, lost=True)
        emu.before_request(sheets_hook(emu, agenda))
        for day in (ANCHOR + dt.timedelta(days=n) for n in range(plan.days)):
            _one_day(world, person, day, figures)
        figures.sheets_faults = Counter(emu.faults_injected)
        figures.sheets_calls = sum(emu.calls.values())
        figures.kill_points, figures.scheduled_left = world.kill.points, agenda.left()
        _audit(world, history, figures, tabs)
    return figures


def _one_day(world: World, person: Person, day: dt.date, figures: Figures) -> None:
    rng, plan, agenda = world.rng, world.plan, world.agenda
    agenda.start((day - ANCHOR).days)
    while rng.random() < plan.edit and day > ANCHOR:
        person.edit(day, figures)
    for what in agenda.pending("edit"):
        agenda.take("edit", what)
        person.edit(day, figures, what)
    if world.log_editor and day > ANCHOR:
        world.log_editor.between_runs(day, plan.log_edit, plan.concurrent)
    skip = day > ANCHOR and rng.random() < plan.skip
    if agenda.take("run", "skip") or skip:
        figures.skipped_days += 1
        return
    rerun = rng.random() < plan.rerun
    runs = 2 if agenda.take("run", "rerun") or rerun else 1
    second = world.log_editor is not None and world.log_editor.start_second_run
    if agenda.take("run", "second run") or second:
        start_during(world, day, figures.second_runs)
    for number in range(runs):
        if _run_until_done(world, day, number, figures):
            world.run_days.append(day)


def _run_until_done(world: World, day: dt.date, number: int, figures: Figures) -> bool:
    """One scheduled run, retried at once while killed or failed; whether one completed."""
    for _ in range(MAX_ATTEMPTS):
        before = typed_cells(world.emu, world.sheet)
        outcome = _attempt(world, day, number)
        if outcome != "done":
            world.lease_clock.outlive_lease()
        figures.runs += 1
        figures.killed += outcome == "killed"
        figures.gave_up += outcome == "failed"
        figures.typed_changed += changed_cells(before, typed_cells(world.emu, world.sheet))
        if outcome == "done":
            return True
    return False


def _attempt(world: World, day: dt.date, number: int) -> str:
    """One run: ``done``, ``killed`` or ``failed`` (a SheetsyncError after the retries)."""
    rng, plan = world.rng, world.plan
    world.kill.arm(rng.randint(1, 16) if rng.random() < plan.kill else None)
    sort_now = rng.random() < plan.sort_during_run
    if world.agenda.take("run", "sort during a run") or sort_now:
        column = rng.choice(("Due Date", "Milestone", "Owner"))
        editor = world.emu.edit(world.sheet, "Milestones")
        after = world.emu.calls["values.batchGet"] + 2  # before the write's re-read
        world.emu.on_call("values.batchGet", after, lambda: _sort_now(world, editor, column))
    session = KillableSession(world.emu.host, world.kill)
    client = gspread.Client(auth=AnonymousCredentials(), session=session, http_client=HTTPClient)
    retry = RetryPolicy(sleep=_no_sleep, rng=random.Random(rng.random()))
    lease = LeasePolicy(settle=0.0, sleep=_no_sleep, clock=world.lease_clock)
    backend = GoogleSheetsBackend(client, world.sheet, retry=retry, lease=lease)
    transport = FaultySmtp(world.smtp, world.kill, rng, plan)
    noon = dt.datetime.combine(day, dt.time(12, number * 2), dt.UTC)
    try:
        run(backend, transport, RunOptions(today=day, clock=lambda: noon))
    except Killed:
        return "killed"
    except SheetsyncError:
        return "failed"
    finally:
        world.kill.arm(None)
        world.smtp_faults.update(transport.injected)
        session.close()
    return "done"


def _sort_now(world: World, editor: Any, column: str) -> None:
    """The person sorts the rows while a run is between its read and its write."""
    editor.sort(column)
    world.sorts_during_runs += 1


# -- the audit -----------------------------------------------------------------------------------


def expected_keys(history: History, days: list[dt.date], ids: dict[Ident, str]) -> set[str]:
    """Every key the runs on ``days`` must have sent, by ``keys_due`` over the history."""
    expected: set[str] = set()
    sent: dict[tuple[str, dt.date], Ladder] = {}
    for ident in history.versions:
        for day in sorted(set(days)):
            version = history.at(ident, day)
            if version is None or version.state != "open" or version.due is None:
                continue
            m = Milestone(ids[ident], version.due, version.lead, (), True)
            expected.update(keys_due(m, day, REPEAT, ESCALATE_AFTER, sent))
    return expected


def summary_keys(tabs: dict[str, list[list[Any]]], days: list[dt.date]) -> set[str]:
    """One summary per owner of an active contract per month with a run (Summary day 1)."""
    header, *rows = tabs["Contracts"]
    owner, status = header.index("Owner"), header.index("Contract Status")
    owners = {
        address.lower()
        for row in rows
        if str(row[status] or "Active") == "Active"
        for _, address in email.utils.getaddresses([str(row[owner]).replace(";", ",")])
    }
    return {f"summary:{o}:{d:%Y-%m}" for o in owners for d in days}


def resolved_ids(world: World, history: History) -> dict[Ident, str]:
    """Each milestone's ID: as typed, or as the run assigned it (read from the sheet)."""
    header, *rows = world.emu.values(world.sheet, "Milestones")
    at = [header.index(h) for h in ("Contract ID", "Milestone", "Milestone ID")]
    on_sheet = {(r[at[0]], r[at[1]]): r[at[2]] for r in rows}
    return {i: history.latest(i).id or on_sheet.get(i, "?") for i in history.versions}


SUMMARY_SUBJECT = re.compile(r": your (\w+) summary$")
ITEM = re.compile(
    r"^\* (?P<title>.+) \((?P<when>[^()]*)\)\n"
    r"  Contract: .*\((?P<contract>[^()]*)\), .*\n"
    r"(?:  Owner: .*\n+)?"
    r"  (?:Was due|Due): +(?P<due>.+)\n"
    r"  Why: +(?P<why>.+)$",
    re.MULTILINE,
)


@dataclass(frozen=True)
class Received:
    """One milestone stage (or a summary) inside a message the server received."""

    ident: Ident | None
    due: dt.date | None
    stage: str  # reminder:30, overdue:2, escalation:1 or summary:YYYY-MM
    to: str
    day: dt.date
    message_id: str


def received(messages: list[EmailMessage]) -> Iterator[Received]:
    """What each message tells its reader, parsed from its plain-text part."""
    for message in messages:
        day = email.utils.parsedate_to_datetime(str(message["Date"])).date()
        to = ",".join(sorted(getattr(message, "envelope_to", [])))
        mid = str(message["Message-ID"])
        if found := SUMMARY_SUBJECT.search(str(message["Subject"])):
            month = dt.datetime.strptime(f"{found[1]} {day.year}", "%B %Y")
            yield Received(None, None, f"summary:{month:%Y-%m}", to, day, mid)
            continue
        body = message.get_body(("plain",))
        text = body.get_content().replace("\r\n", "\n") if body is not None else ""
        for item in ITEM.finditer(text):
            if item["when"].startswith("done;"):
                continue  # a Resolved note (escalated, now done): no stage of the ladder
            due = dt.datetime.strptime(item["due"], "%a %d %b %Y").date()
            ident = (item["contract"], item["title"])
            yield Received(ident, due, _stage(item["why"]), to, day, mid)


def _stage(why: str) -> str:
    """``reminder:30``, ``overdue:1`` or ``escalation:2`` from an item's Why line."""
    if found := re.match(r"(\d+)-day reminder", why, re.I):
        return f"reminder:{found[1]}"
    if why.lower().startswith("reminder on the due date"):
        return "reminder:0"
    if found := re.match(r"escalation level (\d+)", why, re.I):
        return f"escalation:{found[1]}"
    number = re.search(r"notice #(\d+)", why, re.I)[1]  # type: ignore[index]
    return f"overdue:{number}"


def _key(item: Received, ids: dict[Ident, str]) -> str:
    kind, stage = item.stage.split(":")
    if item.ident is None:
        return f"summary:{item.to}:{stage}"
    return f"{kind}:{ids.get(item.ident, '?')}:{item.due}:{stage}"


def _audit(world: World, history: History, figures: Figures, tabs: dict) -> None:
    ids = resolved_ids(world, history)
    expected = expected_keys(history, world.run_days, ids) | summary_keys(tabs, world.run_days)
    copies: dict[tuple[str, str], list[tuple[str, dt.date]]] = defaultdict(list)
    figures.smtp_faults = world.smtp_faults
    figures.edits["sort during a run"] = world.sorts_during_runs
    figures.log_edits = world.log_editor.counts if world.log_editor else Counter()
    figures.messages = len(world.smtp.messages)
    for item in received(world.smtp.messages):
        key = _key(item, ids)
        copies[(key, item.to)].append((item.message_id, item.day))
        version = history.at(item.ident, item.day) if item.ident else None
        if version is not None and version.state in ("done", "cancelled"):
            figures.closed_sent.append(f"{key} on {item.day}")
    _count_copies(copies, figures)
    delivered = {key for key, _ in copies}
    figures.expected, figures.delivered = len(expected), len(delivered & expected)
    figures.missing = sorted(expected - delivered)
    figures.unexpected = sorted(delivered - expected)


def _count_copies(
    copies: dict[tuple[str, str], list[tuple[str, dt.date]]], figures: Figures
) -> None:
    """The duplicates among what each person received of each key.

    A copy with the same Message-ID is the at-least-once window (DESIGN.md §6), but
    a monthly summary received again on another day is a duplicate, whatever its
    Message-ID: it counts in ``summary_resent`` (a target), not as a same-ID copy.
    """
    for (key, to), got in copies.items():
        mids = [mid for mid, _ in got]
        days = sorted({day for _, day in got})
        summary = key.startswith("summary:")
        same = got if summary else mids
        figures.duplicated_same_id += len(same) - len(set(same))
        if len(set(mids)) > 1:
            figures.duplicated_other_id.append(f"{key} to {to}: {len(mids)} copies")
        if summary and len(days) > 1:
            figures.summary_resent.append(f"{key} on {', '.join(map(str, days))}")
    figures.summary_resent.sort()
