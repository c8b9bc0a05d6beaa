"""The fault-injected year's two extra troubles (issue 10): a person at the Log, a second run.

- ``LogEditor`` is a person editing the Log tab between runs: sorting it by a random
  column, setting or clearing a basic filter, deleting a random handful of rows (rows
  that guard open occurrences included) and, once in a while, deleting the whole tab.
  The emulator has no filter views, so a basic filter stands for both.
- ``second_run`` starts another run on the same spreadsheet while one is under way (from
  inside one of the first run's requests); it must refuse with ``TrackerBusy`` (the
  developer-metadata lease; exit 75 from the CLI) or find nothing new to do.

A monthly summary is recorded in the Log and in the Last Notified cell of a row it
listed (`` · summary YYYY-MM (code)``), so deleting its Log row or the tab does not send
it again that month: the Log tab is deleted on the 2nd of every month, the day after
Summary day, and the audit counts summaries received on two different days
(``summary_resent``, which must be empty, whatever the copies' Message-ID: the bench
counts it as a target missed). A summary received twice the same day (an SMTP reply
lost, say) carries the same Message-ID and counts as "duplicated, same Message-ID",
like any other stage.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from typing import Any

import gspread
from google.auth.credentials import AnonymousCredentials
from gspread.http_client import HTTPClient

from faultsim_schedule import Agenda
from sheetsync.backends.gsheets import GoogleSheetsBackend
from sheetsync.backends.gsheets.lease import LeasePolicy
from sheetsync.backends.gsheets.retry import RetryPolicy
from sheetsync.errors import SheetsyncError, TrackerBusy
from sheetsync.pipeline import RunOptions, run
from sheetsync.testing.emulator import EmulatorSession, SheetsEmulator
from sheetsync.transports.smtp import SmtpPolicy, SmtpTransport

LOG = "Log"


class LogEditor:
    """Edits the Log tab in the emulator as a person in the browser would."""

    def __init__(
        self, emu: SheetsEmulator, sheet: str, rng: random.Random, agenda: Agenda | None = None
    ) -> None:
        self.emu, self.sheet, self.rng = emu, sheet, rng
        self.agenda = agenda or Agenda(())
        self.counts: Counter[str] = Counter()
        self.start_second_run = False

    def between_runs(self, day: dt.date, edit: float, concurrent: float) -> None:
        """Edit the Log ``edit`` times on average; decide whether a second run will start.

        On the 2nd of each month (the day after Summary day) the whole Log tab goes,
        so every month tests that a summary already sent is not sent again. The agenda's
        due Log edits come last, but a due clearing of the filter first: so a filter
        set on one day is still there to clear the next, whatever the random edits do.
        """
        self._scheduled(clearing=True)
        if day.day == 2 and self._tab() is not None:
            self._delete_tab()
        while self.rng.random() < edit:
            self.edit()
        self._scheduled(clearing=False)
        self.start_second_run = self.rng.random() < concurrent

    def _tab(self) -> Any:
        return self.emu.store.books[self.sheet].find_sheet(LOG)

    def _scheduled(self, clearing: bool) -> None:
        """The agenda's due Log edits that can happen now (the tab there, rows to delete)."""
        actions = {
            "Log sorted": self._sort,
            "Log filter set": lambda: self._filter(on=True),
            "Log filter cleared": lambda: self._filter(on=False),
            "Log rows deleted": self._delete_rows,
            "Log tab deleted": self._delete_tab,
        }
        for which in self.agenda.pending("log"):
            if (which == "Log filter cleared") == clearing and self._can(which):
                self.agenda.take("log", which)
                actions[which]()

    def _can(self, which: str) -> bool:
        """Whether the Log edit ``which`` can happen now."""
        tab = self._tab()
        if tab is None:
            return False
        if which == "Log filter cleared":
            return tab.basic_filter is not None
        return which != "Log rows deleted" or len(self.emu.values(self.sheet, LOG)) >= 2

    def edit(self) -> None:
        """One edit of the Log, chosen at random (nothing when the tab is gone)."""
        book = self.emu.store.books[self.sheet]
        if book.find_sheet(LOG) is None:
            return
        roll = self.rng.random()
        if roll < 0.04:
            self._delete_tab()
        elif roll < 0.4:
            self._sort()
        elif roll < 0.6:
            self._filter()
        else:
            self._delete_rows()

    def _sort(self) -> None:
        header = self.emu.values(self.sheet, LOG)[0]
        column = self.rng.randrange(len(header))
        self.emu.edit(self.sheet, LOG).sort(column, descending=self.rng.random() < 0.5)
        self.counts["Log sorted"] += 1

    def _filter(self, on: bool | None = None) -> None:
        """Set or clear the basic filter (``on`` None: whichever it is not)."""
        with self.emu.store.lock:
            tab = self.emu.store.books[self.sheet].find_sheet(LOG)
            assert tab is not None
            on = tab.basic_filter is None if on is None else on
            tab.basic_filter = {"range": {"sheetId": tab.props["sheetId"]}} if on else None
        self.counts["Log filter set" if on else "Log filter cleared"] += 1

    def _delete_rows(self) -> None:
        rows = len(self.emu.values(self.sheet, LOG))
        if rows < 2:
            return
        doomed = self.rng.sample(range(2, rows + 1), min(rows - 1, self.rng.randint(1, 8)))
        editor = self.emu.edit(self.sheet, LOG)
        for row in sorted(doomed, reverse=True):
            editor.delete_rows(row)
        self.counts["Log rows deleted"] += len(doomed)

    def _delete_tab(self) -> None:
        with self.emu.store.lock:
            book = self.emu.store.books[self.sheet]
            tab = book.find_sheet(LOG)
            assert tab is not None
            book.sheets.remove(tab)
            book.reindex()
            book.touch()
        self.counts["Log tab deleted"] += 1


def second_run(world: Any, day: dt.date, outcomes: Counter[str]) -> None:
    """Run once more on the world's sheet now, while another run holds it; count how it ended.

    ``world`` is faultsim's World (its emulator, sheet, mail server and lease clock).
    """
    emu, sheet, smtp, clock = world.emu, world.sheet, world.smtp, world.lease_clock
    session = EmulatorSession(emu.host)
    client = gspread.Client(auth=AnonymousCredentials(), session=session, http_client=HTTPClient)
    retry = RetryPolicy(sleep=_no_sleep, rng=random.Random(day.toordinal()))
    lease = LeasePolicy(settle=0.0, sleep=_no_sleep, clock=clock)
    backend = GoogleSheetsBackend(client, sheet, retry=retry, lease=lease)
    transport = SmtpTransport(
        smtp.url(), None, policy=SmtpPolicy(sleep=_no_sleep, attempt_deadline=0.5)
    )
    noon = dt.datetime.combine(day, dt.time(12, 1), dt.UTC)
    before = len(smtp.messages)
    try:
        run(backend, transport, RunOptions(today=day, clock=lambda: noon))
    except TrackerBusy:
        outcomes["refused (busy)"] += 1
        return
    except SheetsyncError:
        outcomes["failed"] += 1
        return
    finally:
        session.close()
    outcomes["ran" if len(smtp.messages) > before else "ran, nothing new"] += 1


def _no_sleep(seconds: float) -> None:
    """Waits wait for nothing."""


def start_during(world: Any, day: dt.date, outcomes: Counter[str]) -> None:
    """Arrange for a second run to start inside the next run's first read of the values."""
    emu = world.emu
    after = emu.calls["values.batchGet"] + 1
    emu.on_call("values.batchGet", after, lambda: second_run(world, day, outcomes))
