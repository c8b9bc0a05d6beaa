"""The fleet's parts in-process: the tracker list, the registry rows, pacing, publishing.

Publishing goes to Google's Pub/Sub emulator (skipped when it is not installed); the
registry sheet lives in the Sheets API emulator. The end-to-end round is
tests/test_fleet_run.py.
"""

from __future__ import annotations

import base64
import json
import time
from collections import Counter
from pathlib import Path

import pytest
import requests

from conftest import tracker_grids
from sheetsync.backends.gsheets.pacing import Pacer, share
from sheetsync.errors import UsageError
from sheetsync.fleet import fanout
from sheetsync.fleet.registry import from_list, from_rows
from sheetsync.testing.emulator import SheetsEmulator
from sheetsync.testing.pubsub import (
    Front,
    PubSubEmulator,
    emulator_command,
    serve_function,
    stop_all,
)

A = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"
B = "1BbCdEfGhIjKlMnOpQrStUvWxYz0123456789"
SHEETS = "https://sheets.googleapis.com/v4/spreadsheets/"


def url(sheet: str) -> str:
    """A spreadsheet's browser address."""
    return f"https://docs.google.com/spreadsheets/d/{sheet}/edit#gid=0"


def test_list_runs_each_spreadsheet_once_by_url_or_id() -> None:
    """The same sheet by URL and by ID is one tracker; order is kept."""
    roster = from_list(f"{url(A)}, {B}\n{A}")
    assert [t.key for t in roster.trackers] == [A, B]
    assert roster.problems == []


def test_list_names_an_item_that_is_not_a_sheet() -> None:
    """A workbook path in the list is skipped with a line saying which item and why."""
    roster = from_list(f"{A} tracker.xlsx")
    assert [t.key for t in roster.trackers] == [A]
    assert roster.problems == [
        "SHEETSYNC_TRACKERS item 2: 'tracker.xlsx' is not a Google Sheets address or ID"
    ]


def test_registry_rows_switched_on_run_and_off_rows_are_counted() -> None:
    """Rows saying yes run; no and blank are off; a blank row is ignored."""
    rows = [
        ["Department", "Tracker", "On"],
        ["Legal", url(A), "yes"],
        ["Sales", B, "no"],
        [],
        ["HR", url(B), ""],
    ]
    roster = from_rows(rows)
    assert [t.address for t in roster.trackers] == [url(A)]
    assert (roster.off, roster.problems) == (2, [])


def test_registry_problems_are_words_an_admin_can_act_on() -> None:
    """An unreadable On cell, an empty Tracker cell and a bad address each name their row."""
    rows = [["Tracker", "Active"], [A, "maybe"], ["", "yes"], ["tracker.xlsx", "✓"]]
    assert from_rows(rows).problems == [
        "registry row 2: On says 'maybe'; write yes or no (skipped)",
        "registry row 3: On says yes but the Tracker cell is empty",
        "registry row 4: 'tracker.xlsx' is not a Google Sheets address or ID",
    ]


def test_registry_without_the_columns_says_which_it_needs() -> None:
    """A first row without Tracker and On columns runs nothing and says so."""
    assert from_rows([["Sheet name", "Owner"]]).problems == [
        "the registry sheet's first row must name a Tracker and an On column"
    ]


class FakeTime:
    """A clock that moves only when slept on."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def send(pacer: Pacer, method: str, url: str, time: FakeTime, takes: float = 0.0) -> None:
    """One request through the pacer, answered ``takes`` seconds after it left."""
    with pacer.turn(method, url):
        time.now += takes


def test_pacer_keeps_its_share_of_each_window() -> None:
    """With 3 writes a window, the 4th waits for the window to pass; reads count apart."""
    time = FakeTime()
    pacer = Pacer(3, 3, window=10.0, clock=lambda: time.now, sleep=time.sleep)
    for _ in range(3):
        send(pacer, "POST", SHEETS + "x:batchUpdate", time)
    send(pacer, "get", SHEETS + "x/values:batchGet", time)
    assert time.slept == []
    send(pacer, "PUT", SHEETS + "x/values/A1", time)
    assert time.slept == [10.0]


def test_pacer_counts_a_window_from_the_answer() -> None:
    """A slow answer starts its window late: Google may have counted it just before answering."""
    time = FakeTime()
    pacer = Pacer(1, 1, window=10.0, clock=lambda: time.now, sleep=time.sleep)
    send(pacer, "POST", SHEETS + "x:batchUpdate", time, takes=4.0)
    send(pacer, "POST", SHEETS + "x:batchUpdate", time)
    assert time.slept == [10.0]


def test_pacer_leaves_drive_calls_alone() -> None:
    """Drive requests are not charged to the Sheets quota, so they never wait."""
    time = FakeTime()
    pacer = Pacer(1, 1, window=10.0, clock=lambda: time.now, sleep=time.sleep)
    for _ in range(5):
        send(pacer, "POST", "https://www.googleapis.com/drive/v3/files", time)
    assert time.slept == []


def test_share_divides_the_quota_by_the_workers() -> None:
    """60 a minute over 4 workers is 15 each; 60/6s keeps the scaled window."""
    assert (share("60", 4).writes, share("60", 4).window) == (15, 60.0)
    assert (share("60/6s", 2).reads, share("60/6s", 2).window) == (30, 6.0)


def test_a_worker_keeps_its_pacer_from_one_run_to_the_next() -> None:
    """Installing the same share again keeps the pacer, and what it counted, for the next run."""
    environ = {"SHEETSYNC_WORKERS": "4", "SHEETSYNC_SHEETS_QUOTA": "60/6s"}
    try:
        first = fanout.install_pacing(environ)
        assert first is not None and first.writes == 15
        assert fanout.install_pacing(environ) is first
        assert fanout.install_pacing({}) is None
    finally:
        fanout.install_pacing({})


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"SHEETSYNC_WORKERS": "many"}, "SHEETSYNC_WORKERS: 'many' is not a whole number"),
        (
            {"SHEETSYNC_WORKERS": "2", "SHEETSYNC_SHEETS_QUOTA": "lots"},
            "SHEETSYNC_SHEETS_QUOTA: 'lots'",
        ),
        ({"SHEETSYNC_WORKERS": "100"}, "100 workers cannot share 60 requests per 60 s"),
    ],
)
def test_bad_pacing_settings_are_one_line(environ: dict[str, str], message: str) -> None:
    """A malformed worker count or quota stops the worker with one line naming the variable."""
    with pytest.raises(UsageError, match=message):
        fanout.install_pacing(environ)


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"SHEETSYNC_TRACKERS": A}, "SHEETSYNC_TOPIC: unset"),
        ({"SHEETSYNC_TOPIC": "sheetsync"}, "SHEETSYNC_TOPIC: 'sheetsync'; it must look like"),
        ({"SHEETSYNC_TOPIC": "projects/acme-contracts/topics/sheetsync"}, "no trackers: set"),
        ({"SHEETSYNC_TRACKER_LIST": A}, "unknown variable SHEETSYNC_TRACKER_LIST"),
    ],
)
def test_fan_out_settings_are_checked_first(environ: dict[str, str], message: str) -> None:
    """A missing topic or list, or a misspelt variable, is one UsageError before any call."""
    with pytest.raises(UsageError, match=message):
        fanout.fan_out(environ)


@pytest.mark.slow
@pytest.mark.skipif(emulator_command() is None, reason="Google's Pub/Sub emulator is missing")
def test_fan_out_publishes_one_ordered_message_per_registry_row(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The registry sheet's rows switched on become messages keyed by spreadsheet ID."""
    with SheetsEmulator() as sheets, PubSubEmulator() as pubsub:
        rows = [["Tracker", "On"], [url(A), "yes"], [B, "yes"], [A, "yes"], [url(B), "no"]]
        registry = sheets.create_spreadsheet("Trackers", {"Trackers": rows})
        topic = pubsub.topic("sheetsync-trackers")
        pubsub.pull_subscription("look", topic)
        monkeypatch.setenv("SHEETS_EMULATOR_HOST", sheets.host)  # read where the function reads it
        environ = {"PUBSUB_EMULATOR_HOST": pubsub.host}
        environ |= {"SHEETSYNC_REGISTRY": registry, "SHEETSYNC_TOPIC": topic}
        round_ = fanout.fan_out(environ)
        messages = pubsub.pull("look")
    assert round_.to_json() == {"published": 2, "off": 1, "problems": []}
    assert sorted(m["orderingKey"] for m in messages) == [A, B]
    assert {json.loads(base64.b64decode(m["data"]))["tracker"] for m in messages} == {url(A), B}


@pytest.mark.slow
@pytest.mark.skipif(emulator_command() is None, reason="Google's Pub/Sub emulator is missing")
def test_two_rounds_at_once_never_run_one_tracker_twice_at_once(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Rounds [A] and [A, B] back to back: A and B run at once, A's two runs never overlap."""
    main = Path(__file__).resolve().parents[1] / "cloud_function" / "main.py"
    with SheetsEmulator() as sheets, PubSubEmulator() as pubsub:
        a, b = (sheets.create_spreadsheet(f"T{n}", tracker_grids()) for n in range(2))
        topic = pubsub.topic("sheetsync-trackers")
        common = {"SHEETS_EMULATOR_HOST": sheets.host, "PUBSUB_EMULATOR_HOST": pubsub.host}
        env = common | {"SHEETSYNC_DRY_RUN": "1", "SHEETSYNC_WORKERS": "2"}
        logs = [tmp_path / f"worker-{n}.log" for n in range(2)]
        workers = [serve_function(main, "on_pubsub", env, log, events=True) for log in logs]
        try:
            with Front([u for _, u in workers]) as front:
                pubsub.push_subscription("push", topic, front.url)
                monkeypatch.setenv("SHEETS_EMULATOR_HOST", sheets.host)
                for listed in (a, f"{a} {b}"):
                    round_ = common | {"SHEETSYNC_TRACKERS": listed, "SHEETSYNC_TOPIC": topic}
                    fanout.fan_out(round_)
                deadline = time.monotonic() + 120
                while front.answers[200] < 3 and time.monotonic() < deadline:
                    time.sleep(0.2)
                runs = list(front.bodies)
        finally:
            stop_all([process for process, _ in workers])
    assert front.answers == Counter({200: 3})
    assert front.peak == 2  # A and B did run at once
    first, second = sorted((r["began"], r["ended"]) for r in runs if _named(r) == a)
    assert first[1] <= second[0], "tracker A ran twice at once"


def _named(request: dict) -> str:
    """The tracker a pushed request names."""
    return str(json.loads(base64.b64decode(request["message"]["data"]))["tracker"])


def test_emulator_quota_answers_429_in_googles_shape_and_counts_it() -> None:
    """Past the per-window limit the emulator answers Google's RESOURCE_EXHAUSTED body, counted."""
    with SheetsEmulator() as sheets:
        book = sheets.create_spreadsheet("Quota", {"Log": [["When"]]})
        sheets.set_quota(reads=5, writes=1, window=60.0)
        url = f"http://{sheets.host}/v4/spreadsheets/{book}/values/Log!A2?valueInputOption=RAW"
        with requests.Session() as session:
            session.trust_env = False
            answers = [session.put(url, json={"values": [["x"]]}, timeout=10) for _ in range(2)]
        assert [a.status_code for a in answers] == [200, 429]
        error = answers[1].json()["error"]
        assert (error["code"], error["status"]) == (429, "RESOURCE_EXHAUSTED")
        assert "Write requests per minute per user" in error["message"]
        info = error["details"][0]
        assert info["@type"] == "type.googleapis.com/google.rpc.ErrorInfo"
        assert info["reason"] == "RATE_LIMIT_EXCEEDED"
        assert info["metadata"]["quota_limit_value"] == "1"
        assert int(answers[1].headers["Retry-After"]) >= 1
        assert (sheets.quota.rejected, sheets.quota.peak) == (Counter(write=1), Counter(write=1))
