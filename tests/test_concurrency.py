"""One run at a time per tracker: real processes started at once, office lock files, crashes.

Every concurrent test starts several real ``sheetsync run`` processes together against
the same workbook or the same emulator-backed Google Sheet, round after round, then
counts what they left behind: Log keys, auto rows, and which process did the work.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import CONTRACT_HEADER, TODAY, days, tracker_grids, write_workbook
from gsheets_fixtures import backend, running_emulator
from sheetsync.backends.gsheets import GoogleSheetsBackend
from sheetsync.backends.gsheets.lease import LeasePolicy
from sheetsync.backends.xlsx import XlsxBackend
from sheetsync.errors import BackendError, TrackerBusy
from sheetsync.schema import LOG_COLUMNS
from sheetsync.testing.emulator import SheetsEmulator

ROUNDS = 10
PROCESSES = 3
BUSY = 75
BUSY_LINE = re.compile(
    r"sheetsync: error: another run is in progress on \S+ since "
    r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(pid (\d+) on host \S+\)\n"
)
DEADLINE = 300  # seconds one round's processes may take, all together, before the test fails


@pytest.fixture
def emulator() -> Iterator[SheetsEmulator]:
    """A fresh emulator, without per-minute quotas (many processes share one account)."""
    for emu in running_emulator():
        emu.disable_quotas()
        yield emu


def grids() -> dict[str, list[list[object]]]:
    """The small tracker plus contract terms, so a run also creates auto rows."""
    base = tracker_grids()
    header = [*CONTRACT_HEADER, "End Date", "Auto-Renew", "Notice Period (days)"]
    terms = {"C-001": [days(40), "yes", 30], "C-002": [days(200), "no", 60]}
    contracts = [
        [*row, *terms.get(str(row[0]), [None, None, None])] for row in base["Contracts"][1:]
    ]
    return {**base, "Contracts": [header, *contracts]}


def start(
    tracker: str, day: object, outbox: Path, env: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    """A real ``sheetsync run`` process, started without waiting for it."""
    args = [sys.executable, "-m", "sheetsync", "run", tracker, "--today", str(day)]
    return subprocess.Popen(
        [*args, "--outbox", str(outbox), "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


def round_of_runs(
    tracker: str, day: object, outbox: Path, env: dict[str, str] | None = None
) -> list[tuple[int, str, str]]:
    """Start PROCESSES runs at once; (exit status, stdout, stderr) of each."""
    running = [start(tracker, day, outbox, env) for _ in range(PROCESSES)]
    answers = [p.communicate(timeout=DEADLINE) for p in running]
    return [(p.returncode, out, err) for p, (out, err) in zip(running, answers, strict=True)]


def check_round(outcomes: list[tuple[int, str, str]], tracker_name: str) -> None:
    """One process sent the round's mail; each other refused in one line or found nothing."""
    workers = []
    for code, out, err in outcomes:
        if code == BUSY:
            assert err.startswith(f"sheetsync: error: another run is in progress on {tracker_name}")
            assert len(err.strip().splitlines()) == 1 and out == ""
            continue
        assert code == 0, err
        workers.append(json.loads(out)["emails"])
    assert sorted(workers, reverse=True)[:1] != [0], "nobody did the round's work"
    assert sum(1 for emails in workers if emails) == 1, outcomes


def count_log(log: list[list[object]]) -> Counter[tuple[object, object]]:
    """How many times each (Key, Recipients) was logged as sent."""
    key, recipients, result = (LOG_COLUMNS.index(n) for n in ("Key", "Recipients", "Result"))
    return Counter((row[key], row[recipients]) for row in log[1:] if row[result] == "sent")


def milestone_ids(grid: list[list[object]]) -> list[object]:
    """The Milestone ID column below the header."""
    return [row[0] for row in grid[1:] if row and row[0] not in (None, "")]


def assert_once_each(log: list[list[object]], milestones: list[list[object]]) -> None:
    """Each Log key once per recipient list, each milestone ID once, auto rows made."""
    sent = count_log(log)
    assert sent and max(sent.values()) == 1, [k for k, n in sent.items() if n > 1]
    ids = milestone_ids(milestones)
    assert len(ids) == len(set(ids)), [i for i, n in Counter(ids).items() if n > 1]
    assert {"C-001/notice", "C-001/expiry", "C-002/notice"} <= set(map(str, ids))


def workbook_grid(path: Path, tab: str) -> list[list[object]]:
    """A tab's values as rows, read fresh from the file."""
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return [list(row) for row in book[tab].iter_rows(values_only=True)]
    finally:
        book.close()


# -- many processes at once -----------------------------------------------------------------


@pytest.mark.slow
def test_concurrent_workbook_runs_do_each_round_once(tmp_path):
    """10 rounds of 3 simultaneous runs on one workbook: every key logged once, every ID once."""
    workbook = write_workbook(tmp_path / "tracker.xlsx", grids())
    for week in range(ROUNDS):
        outcomes = round_of_runs(str(workbook), days(7 * week), tmp_path / "outbox")
        check_round(outcomes, "tracker.xlsx")
    assert_once_each(workbook_grid(workbook, "Log"), workbook_grid(workbook, "Milestones"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["outbox", "tracker.xlsx"]


@pytest.mark.slow
def test_concurrent_google_runs_do_each_round_once(emulator, tmp_path):
    """10 rounds of 3 simultaneous runs on one Google Sheet: every key once, every ID once."""
    sheet_id = emulator.create_spreadsheet("Tracker", grids())  # type: ignore[arg-type]
    env = {"SHEETS_EMULATOR_HOST": emulator.host}
    for week in range(ROUNDS):
        outcomes = round_of_runs(sheet_id, days(7 * week), tmp_path / "outbox", env)
        check_round(outcomes, f"the spreadsheet {sheet_id}")
    assert_once_each(emulator.values(sheet_id, "Log"), emulator.values(sheet_id, "Milestones"))
    assert emulator.values(sheet_id, "Log") and not emulator.developer_metadata(sheet_id)


# -- people's office lock files -------------------------------------------------------------


def excel_owner_file(name: str) -> bytes:
    """An Excel ``~$`` owner file as Excel writes it: the user name in ANSI, then UTF-16."""
    ansi = bytes([len(name)]) + name.encode("latin-1")
    wide = bytes([len(name), 0]) + name.encode("utf-16-le")
    return ansi.ljust(54, b" ") + wide.ljust(108, b"\x00")


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``sheetsync ARGS`` as a real process."""
    return subprocess.run(
        [sys.executable, "-m", "sheetsync", *args],
        capture_output=True,
        text=True,
        timeout=DEADLINE,
        env={**os.environ, **(env or {})},
    )


@pytest.mark.parametrize(
    ("owner_name", "content", "app"),
    [
        ("~$tracker.xlsx", excel_owner_file("Jane Doe"), "Excel"),
        (
            ".~lock.tracker.xlsx#",
            b"Jane Doe,jane,laptop,30.11.2026 09:12,file:///home/jane/.config/libreoffice/4;",
            "LibreOffice",
        ),
    ],
)
def test_workbook_open_in_an_office_app_refuses_the_run(tmp_path, owner_name, content, app):
    """A person's Excel/LibreOffice lock file: the run refuses in one line, naming them."""
    workbook = write_workbook(tmp_path / "tracker.xlsx", grids())
    (tmp_path / owner_name).write_bytes(content)
    before = workbook.read_bytes()
    done = run_cli("run", str(workbook), "--today", str(TODAY), "--outbox", str(tmp_path / "out"))
    assert done.returncode == BUSY and done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert f"tracker.xlsx is open in {app} by Jane Doe ({owner_name})" in done.stderr
    assert "drop this run's Log rows" in done.stderr
    assert workbook.read_bytes() == before and not (tmp_path / "out").exists()
    checked = run_cli("check", str(workbook), "--today", str(TODAY))
    assert checked.returncode == 0 and "Nothing written or sent (check)." in checked.stdout


def test_owner_file_without_a_name_still_refuses(tmp_path):
    """An empty LibreOffice lock file still stops the run, just without a name."""
    workbook = write_workbook(tmp_path / "tracker.xlsx", grids())
    (tmp_path / ".~lock.tracker.xlsx#").write_bytes(b"")
    with pytest.raises(TrackerBusy, match=r"is open in LibreOffice \(\.~lock"):
        XlsxBackend(workbook).lock().__enter__()


# -- a crashed holder -----------------------------------------------------------------------

HOLD_WORKBOOK = """
import sys, time
from sheetsync.backends.xlsx import XlsxBackend
with XlsxBackend(sys.argv[1]).lock():
    print("held", flush=True)
    time.sleep(600)
"""

HOLD_SHEET = """
import sys, time
from sheetsync.backends.gsheets import GoogleSheetsBackend
from sheetsync.backends.gsheets import GoogleSheetsBackend
from sheetsync.backends.gsheets.lease import LeasePolicy
sheet = GoogleSheetsBackend.connect(sys.argv[1])
sheet.lease.policy = LeasePolicy(ttl=float(sys.argv[2]), settle=0.0)
with sheet.lock():
    print("held", flush=True)
    time.sleep(600)
"""


def holding(script: str, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """A process that takes the tracker's lock and keeps it until killed."""
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script), *args],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    assert holder.stdout is not None and holder.stdout.readline() == "held\n"
    return holder


def kill(holder: subprocess.Popen[str]) -> None:
    """``kill -9`` the holder: no cleanup of its own runs."""
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    assert holder.stdout is not None
    holder.stdout.close()


def test_killed_workbook_run_never_blocks_the_next(tmp_path):
    """While a run holds the workbook the next refuses with its pid; kill -9 it and one runs."""
    workbook = write_workbook(tmp_path / "tracker.xlsx", grids())
    holder = holding(HOLD_WORKBOOK, str(workbook))
    try:
        busy = run_cli("run", str(workbook), "--today", str(TODAY), "--outbox", str(tmp_path / "o"))
        assert busy.returncode == BUSY
        shown = BUSY_LINE.fullmatch(busy.stderr)
        assert shown is not None and shown.group(1) == str(holder.pid)
    finally:
        kill(holder)
    done = run_cli("run", str(workbook), "--today", str(TODAY), "--outbox", str(tmp_path / "o"))
    assert done.returncode == 0, done.stderr
    assert count_log(workbook_grid(workbook, "Log"))
    assert not list(tmp_path.glob(".~sheetsync*"))


def test_killed_google_run_blocks_only_until_its_lease_expires(emulator, tmp_path):
    """A kill -9'd holder's lease refuses runs until it expires; then a run proceeds."""
    sheet_id = emulator.create_spreadsheet("Tracker", grids())  # type: ignore[arg-type]
    env = {"SHEETS_EMULATOR_HOST": emulator.host}
    holder = holding(HOLD_SHEET, sheet_id, "4", env=env)
    kill(holder)
    killed_at = time.monotonic()
    impatient = backend(emulator, sheet_id, lease=LeasePolicy(wait=0.0, settle=0.0))
    with pytest.raises(TrackerBusy, match=rf"\(pid {holder.pid} on host "):
        impatient.lock().__enter__()
    time.sleep(max(0.0, 4.5 - (time.monotonic() - killed_at)))
    done = run_cli("run", sheet_id, "--today", str(TODAY), "--outbox", str(tmp_path), env=env)
    assert done.returncode == 0, done.stderr
    assert count_log(emulator.values(sheet_id, "Log"))
    assert not emulator.developer_metadata(sheet_id)


# -- idempotent auto rows -------------------------------------------------------------------

AUTO_ROW = {"Milestone ID": "C-001/notice", "Contract ID": "C-001", "Milestone": "Give notice"}


def test_workbook_auto_row_already_inserted_is_not_inserted_again(tmp_path):
    """A row with the auto row's ID appears after the read: append_rows leaves it single."""
    workbook = write_workbook(tmp_path / "tracker.xlsx", grids())
    first, second = XlsxBackend(workbook), XlsxBackend(workbook)
    first.read()
    second.append_rows("Milestones", [AUTO_ROW], id_header="Milestone ID")
    first.append_rows(
        "Milestones",
        [AUTO_ROW, {**AUTO_ROW, "Milestone ID": "C-002/notice"}],
        id_header="Milestone ID",
    )
    ids = milestone_ids(workbook_grid(workbook, "Milestones"))
    assert ids.count("C-001/notice") == 1 and ids.count("C-002/notice") == 1


def test_google_auto_row_already_inserted_is_not_inserted_again(emulator):
    """A row with the auto row's ID appears after the read: the insert re-reads and skips it."""
    sheet_id = emulator.create_spreadsheet("Tracker", grids())  # type: ignore[arg-type]
    first, second = backend(emulator, sheet_id), backend(emulator, sheet_id)
    first.read()
    second.read()
    second.append_rows("Milestones", [AUTO_ROW], id_header="Milestone ID")
    first.append_rows(
        "Milestones",
        [AUTO_ROW, {**AUTO_ROW, "Milestone ID": "C-002/notice"}],
        id_header="Milestone ID",
    )
    ids = milestone_ids(emulator.values(sheet_id, "Milestones"))
    assert ids.count("C-001/notice") == 1 and ids.count("C-002/notice") == 1
    assert ids[-2:] == ["C-001/notice", "C-002/notice"]


def test_readme_shows_the_real_refusal_line():
    """The refusal line in README's guarantees section has the shape a real refusal has."""
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    shown = re.search(r"^sheetsync: error: another run is in progress.*\n", readme, flags=re.M)
    assert shown is not None and BUSY_LINE.fullmatch(shown.group(0))


# -- the Google lease, step by step ---------------------------------------------------------


class Clock:
    """A wall clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def leased(emulator: SheetsEmulator, sheet_id: str, clock: Clock) -> GoogleSheetsBackend:
    """A backend whose lease lasts 60 s on ``clock`` and never really waits."""
    policy = LeasePolicy(ttl=60.0, wait=0.0, settle=0.0, sleep=lambda _: None, clock=clock)
    return backend(emulator, sheet_id, lease=policy)


def lease_record(emulator: SheetsEmulator, sheet_id: str) -> dict[str, object]:
    """The lease as stored in the spreadsheet's developer metadata."""
    (entry,) = emulator.developer_metadata(sheet_id)
    return dict(json.loads(entry["metadataValue"]))


def test_a_long_run_renews_its_lease_when_it_writes(emulator):
    """Past a third of its lifetime, the run's next write pushes the lease's expiry on."""
    sheet_id = emulator.create_spreadsheet("Tracker", grids())  # type: ignore[arg-type]
    clock = Clock()
    sheet = leased(emulator, sheet_id, clock)
    with sheet.lock():
        first = lease_record(emulator, sheet_id)
        clock.now += 10
        sheet.lease.keep()
        assert lease_record(emulator, sheet_id) == first
        clock.now += 15
        sheet.lease.keep()
        renewed = lease_record(emulator, sheet_id)
        assert renewed["expires"] > first["expires"] and renewed["started"] == first["started"]
    assert emulator.developer_metadata(sheet_id) == []


def test_a_run_that_lost_its_lease_stops_before_writing(emulator):
    """A run stalled past its lease, taken over by the next run, writes nothing more."""
    sheet_id = emulator.create_spreadsheet("Tracker", grids())  # type: ignore[arg-type]
    clock = Clock()
    stalled, later = leased(emulator, sheet_id, clock), leased(emulator, sheet_id, clock)
    log_before = emulator.values(sheet_id, "Log")
    with pytest.raises(BackendError, match="expired and another run took it"), stalled.lock():
        stalled.read()
        clock.now += 120
        later.lease.acquire()
        stalled.append_log(LOG_COLUMNS, [["2026-11-28T12:00:00Z", *["x"] * 8]])
    assert emulator.values(sheet_id, "Log") == log_before
    assert later.lease.held is not None
    assert lease_record(emulator, sheet_id)["token"] == later.lease.held.token


def test_a_lost_answer_to_the_lease_take_still_holds_it(emulator):
    """Google took the lease but the answer was lost: the retry finds it ours and goes on."""
    sheet_id = emulator.create_spreadsheet("Tracker", grids())  # type: ignore[arg-type]
    emulator.lose_answers([1], kind="spreadsheets.batchUpdate")
    sheet = leased(emulator, sheet_id, Clock())
    with sheet.lock():
        assert sheet.read().title == "Tracker"
        assert sheet.lease.held is not None
        assert lease_record(emulator, sheet_id)["token"] == sheet.lease.held.token
    assert emulator.faults_injected == {"applied-500": 1}
    assert emulator.developer_metadata(sheet_id) == []


def test_a_lock_file_that_cannot_be_opened_is_one_line(tmp_path):
    """The lock file cannot be created (here a folder stands in its place): one line, exit 2."""
    workbook = write_workbook(tmp_path / "tracker.xlsx", grids())
    (tmp_path / ".~sheetsync.tracker.xlsx.lock").mkdir()
    done = run_cli("run", str(workbook), "--today", str(TODAY), "--outbox", str(tmp_path / "o"))
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "cannot lock the workbook" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "o").exists()
