"""People edit the Log: sort, filter, delete rows or the tab, rename headers, type anything.

Every test runs the whole job (``pipeline.run``) on both real backends: a workbook through
openpyxl and a Google Sheet in the emulator through gspread. A resend shows as a
Message-ID delivered twice across runs (each run has its own outbox).
"""

from __future__ import annotations

import datetime as dt
import email
from collections import Counter
from collections.abc import Callable
from email import policy
from pathlib import Path

import openpyxl
import pytest

from conftest import TODAY, days, tracker_grids, write_workbook
from gsheets_fixtures import NOON
from gsheets_fixtures import backend as google_backend
from sheetsync.backends.base import Backend
from sheetsync.backends.xlsx import XlsxBackend
from sheetsync.model import Grid, TabWrite
from sheetsync.pipeline import RunOptions, RunResult, run
from sheetsync.record.prune import LogPrune
from sheetsync.schema import LOG_COLUMNS
from sheetsync.testing.emulator import SheetsEmulator, gspread_client
from sheetsync.transports.outbox import OutboxTransport

Edit = Callable[[Grid], Grid | None]


class Tracker:
    """One tracker behind one backend kind, with a person's hands on its Log tab."""

    def __init__(self, kind: str, grids: dict, tmp_path: Path, emulator: SheetsEmulator) -> None:
        self.kind, self.tmp_path, self.emulator, self.runs = kind, tmp_path, emulator, 0
        self.during: Edit | None = None  # a person's edit between the run's read and its prune
        self.during_call = ("values.batchGet", 2)  # Google: the call it comes before
        if kind == "xlsx":
            self.path = write_workbook(tmp_path / "tracker.xlsx", grids)
        else:
            self.sheet = emulator.create_spreadsheet("Tracker", grids)

    def backend(self) -> Backend:
        """A fresh backend, as each scheduled run makes; it applies ``during`` mid-run."""
        if self.kind == "xlsx":
            return _XlsxEditedMidRun(self.path, self)
        backend = self._google()
        if self.during is not None:
            self.emulator.on_call(*self.during_call, self._edit_now)
        return backend

    def run(self, day: dt.date = TODAY, clock_day: dt.date | None = None) -> RunResult:
        """The whole job as of ``day`` (clock at noon on ``clock_day``, default ``day``)."""
        self.runs += 1
        stamp = NOON + dt.timedelta(days=((clock_day or day) - TODAY).days)
        options = RunOptions(today=day, clock=lambda: stamp)
        return run(self.backend(), OutboxTransport(self.tmp_path / f"out{self.runs}"), options)

    def log(self) -> Grid | None:
        """The Log tab as the backend reads it; None when there is none."""
        plain = XlsxBackend(self.path) if self.kind == "xlsx" else self._google()
        found = plain.read().tab("Log")
        return None if found is None else found[1]

    def _google(self) -> Backend:
        self.emulator.reset_counts()
        return google_backend(self.emulator, self.sheet)

    def edit_log(self, change: Edit) -> None:
        """Replace the Log with ``change(log)``; None deletes the tab.

        Google's Log is read in-process: this may run inside an emulator call.
        """
        if self.kind == "xlsx":
            before = self.log() or []
        else:
            before = self.emulator.values(self.sheet, "Log")
        self._write_log(change([list(r) for r in before]))

    def _edit_now(self) -> None:
        if self.during is not None:
            change, self.during = self.during, None
            self.edit_log(change)

    def _write_log(self, grid: Grid | None) -> None:
        if self.kind == "xlsx":
            book = openpyxl.load_workbook(self.path)
            index = book.sheetnames.index("Log") if "Log" in book.sheetnames else None
            if index is not None:
                book.remove(book["Log"])
            if grid is not None:
                sheet = book.create_sheet("Log", index)
                for row in grid:
                    sheet.append(row)
            book.save(self.path)
            return
        book = gspread_client(self.emulator.host).open_by_key(self.sheet)
        if grid is None:
            book.del_worksheet(book.worksheet("Log"))
            return
        editor = self.emulator.edit(self.sheet, "Log")
        height = len(self.emulator.values(self.sheet, "Log"))
        if height:
            editor.delete_rows(1, height)
        editor.insert_rows(1, grid)

    def delivered(self) -> Counter[str]:
        """How many times each Message-ID was delivered, over every run so far."""
        ids: Counter[str] = Counter()
        for eml in self.tmp_path.glob("out*/*.eml"):
            message = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
            ids[str(message["Message-ID"])] += 1
        return ids


class _XlsxEditedMidRun(XlsxBackend):
    """The workbook backend, with a person editing the Log just before the prune (or the
    Log append, when ``during_call`` names ``values.append``)."""

    def __init__(self, path: Path, tracker: Tracker) -> None:
        super().__init__(path)
        self.tracker = tracker

    def write_status(self, writes: list[TabWrite], log_prune: LogPrune | None = None, board=None):
        if self.tracker.during_call[0] == "values.batchGet":
            self.tracker._edit_now()
        return super().write_status(writes, log_prune, board)

    def append_log(self, header, rows) -> None:
        if self.tracker.during_call[0] == "values.append":
            self.tracker._edit_now()
        super().append_log(header, rows)


@pytest.fixture(params=["xlsx", "google"])
def tracker(request, tmp_path, emulator) -> Tracker:
    """The small tracker on each backend in turn."""
    return Tracker(request.param, tracker_grids(), tmp_path, emulator)


def sent_keys(log: Grid) -> Counter[str]:
    """Keys of the Log rows whose Result is sent, found by header."""
    key, result = log[0].index("Key"), log[0].index("Result")
    return Counter(str(r[key]) for r in log[1:] if len(r) > result and r[result] == "sent")


def no_resend(tracker: Tracker) -> None:
    """No Message-ID was delivered twice."""
    assert [m for m, n in tracker.delivered().items() if n > 1] == []


# -- between runs ---------------------------------------------------------------------------


def test_sorting_the_log_resends_nothing(tracker):
    """A Log sorted newest first, by Key, then by Result sends nothing twice over a week."""
    first = tracker.run()
    assert first.emails > 0
    for n, column in enumerate(
        ["Sent At", "Key", "Result", "Kind", "Recipients", "Key", "Sent At"]
    ):
        index = LOG_COLUMNS.index(column)
        tracker.edit_log(lambda g, i=index: [g[0], *sorted(g[1:], key=lambda r: str(r[i]))[::-1]])
        tracker.run(days(n))
    no_resend(tracker)
    assert max(sent_keys(tracker.log()).values()) == 1


def test_filtered_log_rows_still_count(tracker):
    """Rows hidden by a filter are still read: the same day's second run sends nothing."""
    assert tracker.run().emails > 0
    if tracker.kind == "xlsx":
        book = openpyxl.load_workbook(tracker.path)
        log = book["Log"]
        log.auto_filter.ref = log.dimensions
        for row in range(2, log.max_row + 1):
            log.row_dimensions[row].hidden = True
        book.save(tracker.path)
    else:
        sheet = gspread_client(tracker.emulator.host).open_by_key(tracker.sheet)
        log_id = sheet.worksheet("Log").id
        criteria = {"8": {"hiddenValues": ["sent"]}}
        sheet.batch_update(
            {
                "requests": [
                    {
                        "setBasicFilter": {
                            "filter": {"range": {"sheetId": log_id}, "criteria": criteria}
                        }
                    }
                ]
            }
        )
    assert tracker.run().emails == 0
    no_resend(tracker)


def test_renamed_and_moved_log_headers_resend_nothing(tracker):
    """Log headers renamed and columns moved: the run still knows what it sent."""
    assert tracker.run().emails > 0
    renamed = {"Key": "Idempotency key", "Sent At": "When", "Result": "Outcome", "Recipients": "To"}

    def rename_and_move(grid: Grid) -> Grid:
        grid[0] = [renamed.get(str(h), h) for h in grid[0]]
        order = [8, 2, 0, 5, 1, 3, 4, 6, 7]
        return [[r[i] if i < len(r) else None for i in order] for r in grid]

    tracker.edit_log(rename_and_move)
    assert tracker.run().emails == 0
    for n in range(1, 9):
        tracker.run(days(n))
    no_resend(tracker)


def test_a_deleted_header_row_resends_nothing(tracker):
    """With the Log's header row deleted, its rows are still recognised by what they hold."""
    assert tracker.run().emails > 0
    tracker.edit_log(lambda grid: grid[1:])
    assert tracker.run().emails == 0
    no_resend(tracker)


def test_garbage_typed_into_the_log_never_crashes_or_resends(tracker):
    """Numbers, dates, formulas, long text, blank rows and odd keys in the Log: no crash."""
    assert tracker.run().emails > 0
    junk = [
        [12345, "reminder", "reminder:M-0001", None, None, 7, "x" * 20_000, None, "sent"],
        [],
        [dt.datetime(2020, 1, 1), 3.5, "=1+1", True, "M-0001", "=A1", None, "<x@y>", 42],
        ["not a date", "summary", "summary:", "C-001", None, "@", '=HYPERLINK("x")', None, "sent"],
        ["2020-02-30T00:00:00Z", "overdue", "overdue:M-0002:2020-01-01:x", None, None, None],
        [None, None, "reminder:M-0001:" + "9" * 300 + ":30", None, None, None, None, None, "sent"],
    ]

    def vandalise(grid: Grid) -> Grid:
        for row in grid[1:]:
            row[3:5] = [dt.date(2021, 5, 5), 99]  # Contract ID, Milestone ID
            row[6] = "=SUM(1,2)"  # Subject
        return [grid[0], *junk[:3], *grid[1:], *junk[3:]]

    tracker.edit_log(vandalise)
    assert tracker.run().emails == 0
    for n in range(1, 8):
        tracker.run(days(n), clock_day=days(n + 450))  # old enough that a prune runs too
    no_resend(tracker)


def test_a_deleted_log_tab_is_made_again_with_a_problem(tracker):
    """A deleted Log tab comes back with its header and the run says so in plain words."""
    tracker.run()
    tracker.edit_log(lambda grid: None)
    result = tracker.run(days(1))
    assert [str(p) for p in result.problems if p.tab == "Log"] == [
        "Log tab: the Log tab is missing (deleted?), so a new one is made; it records every "
        "email sent and keeps them from going twice: please do not delete it"
    ]
    log = tracker.log()
    assert log is not None and log[0] == list(LOG_COLUMNS)
    assert not [p for p in tracker.run(days(1)).problems if p.tab == "Log"]


def test_a_deleted_log_tab_resends_no_notice(tracker):
    """Deleting the Log tab does not make the next run resend anything, summary included."""
    assert tracker.run().emails > 0
    tracker.edit_log(lambda grid: None)
    tracker.run()
    assert [m for m, n in tracker.delivered().items() if n > 1] == []


def summaries(tracker: Tracker) -> list[str]:
    """The subjects of the monthly summaries the tracker's latest run delivered (its outbox)."""
    emls = sorted((tracker.tmp_path / f"out{tracker.runs}").glob("*.eml"))
    subjects = [
        str(email.message_from_bytes(p.read_bytes(), policy=policy.default)["Subject"])
        for p in emls
    ]
    return [s for s in subjects if "summary" in s]


def without_summaries(grid: Grid) -> Grid:
    """The Log with the summary's rows deleted, as a person would."""
    return [r for r in grid if not str(r[2] if len(r) > 2 else "").startswith("summary:")]


@pytest.mark.parametrize("edit", [lambda grid: None, without_summaries], ids=["tab", "rows"])
def test_a_summary_goes_once_a_month_whatever_happens_to_the_log(tracker, edit):
    """Summary sent, Log tab or summary rows deleted: none again this month, one next month."""
    assert tracker.run().emails and summaries(tracker) != []
    tracker.edit_log(edit)
    tracker.run(days(1))
    assert summaries(tracker) == []
    assert [m for m, n in tracker.delivered().items() if n > 1] == []
    assert tracker.run(dt.date(2026, 12, 1)).emails and summaries(tracker) != []


# -- during a run, between its read and its prune -------------------------------------------


def aged_log() -> Grid:
    """A Log of 40 expired rows about past occurrences, 6 expired rows guarding current due
    dates, this month's summary, and 20 recent rows."""
    old = "2020-01-02T09:00:00Z"
    rows: Grid = [list(LOG_COLUMNS)]
    for n in range(40):
        rows.append([old, "reminder", f"reminder:M-0001:2019-{n % 12 + 1:02d}-01:{n}", "C-001"])
    for stage in (90, 60, 30):
        rows.append([old, "reminder", f"reminder:M-0001:{days(30)}:{stage}", "C-001"])
        rows.append([old, "reminder", f"reminder:M-0003:{days(100)}:{stage}", "C-001"])
    rows.append([old, "summary", f"summary:jane@example.com:{TODAY:%Y-%m}", ""])
    for n in range(20):
        rows.append([f"{days(-n - 1)}T08:00:00Z", "reminder", f"reminder:M-09{n:02d}:2027-01-01:7"])
    return [r + [None] * (len(LOG_COLUMNS) - len(r)) for r in rows]


def keys_of(grid: Grid) -> set[str]:
    """Every Key in a Log grid."""
    return {str(r[2]) for r in grid[1:] if len(r) > 2 and r[2]}


def test_prune_keeps_every_row_not_expired_when_a_person_sorts_and_deletes_mid_run(tracker):
    """A person sorts the Log and deletes rows while the run sends: only expired rows go."""
    tracker.edit_log(lambda grid: aged_log())
    seeded = keys_of(aged_log())
    removed_by_person = {"reminder:M-0900:2027-01-01:7", "reminder:M-0001:2019-03-01:2"}

    def person(grid: Grid) -> Grid:
        kept = [r for r in grid[1:] if r[2] not in removed_by_person]
        return [grid[0], *sorted(kept, key=lambda r: str(r[0]), reverse=True), []]

    tracker.during = person
    tracker.run()
    after = keys_of(tracker.log())
    expired = {k for k in seeded if k.startswith("reminder:M-0001:2019-")}
    assert after & expired == set()
    assert seeded - expired - removed_by_person <= after
    assert tracker.during is None  # the edit did happen mid-run


def test_prune_removes_nothing_a_person_added_mid_run(tracker):
    """Rows a person pastes into the Log mid-run, at the top, survive the prune."""
    tracker.edit_log(lambda grid: aged_log())
    pasted = [[f"{TODAY}T07:00:00Z", "reminder", f"reminder:M-0777:{n}:1"] for n in range(5)]
    tracker.during = lambda grid: [grid[0], *pasted, *grid[1:]]
    tracker.run()
    after = keys_of(tracker.log())
    assert {str(r[2]) for r in pasted} <= after
    assert not any(k.startswith("reminder:M-0001:2019-") for k in after)


def test_retention_counts_from_the_runs_day_not_the_clock(tracker):
    """Run as of a day 500 days on with the clock today: rows older than 400 days go."""
    tracker.edit_log(lambda grid: aged_log())
    tracker.run(days(500), clock_day=TODAY)
    after = keys_of(tracker.log())
    assert not any(k.startswith("reminder:M-0900") for k in after)  # recent by the clock
    assert f"reminder:M-0001:{days(30)}:90" in after  # still M-0001's current due date


@pytest.mark.slow
def test_pruning_never_resends_over_a_year(tracker):
    """With a 30-day retention and a run every 15 days for a year, nothing is sent twice and
    every expired row left guards a current due date."""
    grids = tracker_grids(settings=[["Log retention (days)", "30"]])
    (tracker.tmp_path / "year").mkdir()
    local = Tracker(tracker.kind, grids, tracker.tmp_path / "year", tracker.emulator)
    for n in range(0, 365, 15):
        local.run(days(n))
    no_resend(local)
    assert list(local.tmp_path.glob("out*/summary*.eml"))  # summaries went out, and were logged
    cutoff = f"{days(360 - 30)}"
    old = [str(r[2]) for r in local.log()[1:] if str(r[0])[:10] < cutoff]
    current = {f"M-0001:{days(30)}", f"M-0002:{days(-4)}", f"M-0003:{days(100)}"}
    assert old and {k.split(":", 1)[1].rsplit(":", 1)[0] for k in old} <= current


def test_a_log_tab_deleted_mid_run_is_no_crash(tracker):
    """The Log tab deleted while a run sends: the run ends, and the next one makes it again."""
    tracker.edit_log(lambda grid: aged_log())
    tracker.during = lambda grid: None
    first = tracker.run()
    assert first.emails > 0 and tracker.during is None
    second = tracker.run(days(1))
    assert [p.tab for p in second.problems if p.tab == "Log"] in (["Log"], [])
    log = tracker.log()
    assert log is not None and log[0] == list(LOG_COLUMNS)


def test_a_log_tab_deleted_before_the_append_keeps_the_record(tracker):
    """The Log tab deleted while emails go out: their rows land in a new Log, none resent."""
    tracker.during = lambda grid: None
    tracker.during_call = ("values.append", 1)
    first = tracker.run()
    log = tracker.log()
    assert log is not None and first.emails > 0 and tracker.during is None
    assert sum(sent_keys(log).values()) > 0
    assert tracker.run().emails == 0
    no_resend(tracker)
