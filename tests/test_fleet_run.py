"""Many trackers on Pub/Sub, end to end: 20 trackers, 2 workers, the Sheets quota on.

Everything runs for real on loopback: the Sheets API emulator (its per-user quota on,
scaled down to 12 reads and 12 writes per 2 seconds), Google's own Pub/Sub emulator with the
topic, dead-letter topic and ordered push subscription ``deploy.sh --fleet`` creates,
and the function's targets served by ``functions-framework``: ``fan_out`` reads the
registry sheet and publishes, two ``on_pubsub`` workers run one tracker each at a time.
``Front`` stands in for Cloud Run's front door (one request per instance). One tracker
is held by another run's lease when its first delivery comes, so that run fails and
Pub/Sub must retry it, alone.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from conftest import TODAY, tracker_grids
from sheetsync.backends.gsheets.api import SheetsApi
from sheetsync.backends.gsheets.connect import HostSession
from sheetsync.backends.gsheets.lease import LEASE_KEY, Lease, LeasePolicy
from sheetsync.backends.gsheets.retry import RetryingHTTPClient
from sheetsync.testing.emulator import SheetsEmulator
from sheetsync.testing.pubsub import (
    Front,
    PubSubEmulator,
    emulator_command,
    serve_function,
    stop_all,
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(emulator_command() is None, reason="Google's Pub/Sub emulator is missing"),
]
CHECKOUT = Path(__file__).resolve().parents[1]
TRACKERS, WORKERS, HELD = 20, 2, 6  # HELD: the tracker another run holds at first
QUOTA, LIMIT, WINDOW = "12/2s", 12, 2.0  # small: the workers must wait for turns


def seed(emulator: SheetsEmulator, title: str) -> str:
    """A fresh copy of the small tracker, dated so that today is its TODAY."""
    shift = dt.datetime.now(dt.UTC).date() - TODAY
    grids = {
        tab: [[c + shift if isinstance(c, dt.date) else c for c in row] for row in grid]
        for tab, grid in tracker_grids().items()
    }
    return emulator.create_spreadsheet(title, grids, time_zone="Etc/UTC")


def url(sheet: str) -> str:
    """A spreadsheet's browser address."""
    return f"https://docs.google.com/spreadsheets/d/{sheet}/edit"


def serve(target: str, env: dict[str, str], where: Path, events: bool = False) -> tuple:
    """``functions-framework`` serving ``target`` of cloud_function/main.py; (process, URL)."""
    log = where / f"{target}-{len(list(where.glob(target + '-*')))}.log"
    return serve_function(CHECKOUT / "cloud_function" / "main.py", target, env, log, events)


@dataclass
class Fleet:
    """What one round left behind."""

    sheets: list[str]
    fan_out: requests.Response
    deliveries: list[tuple[str, int]]  # (tracker address, HTTP status), in order
    emulator: SheetsEmulator
    dead: list[dict]


def _tracker_of(body: dict) -> str:
    data = body.get("message", {}).get("data", "")
    return str(json.loads(base64.b64decode(data))["tracker"])


def _hold(emulator: SheetsEmulator, sheet: str) -> Callable[[], None]:
    """Take the sheet's lease as another run would; the call that ends that run.

    The run ends by dropping its lease inside the emulator, not over the API, so the
    workers' requests are the only ones charged to the quota.
    """
    http = RetryingHTTPClient(None, HostSession(emulator.host))
    lease = Lease(SheetsApi(http, sheet, "test"), "another run", LeasePolicy(ttl=600, settle=0))
    lease.acquire()

    def end() -> None:
        with emulator.store.lock:
            book = emulator.store.books[sheet]
            book.developer_metadata = [
                m for m in book.developer_metadata if m["metadataKey"] != LEASE_KEY
            ]

    return end


def _wait(condition, within: float = 240) -> None:
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail("the fleet did not finish in time", pytrace=False)
        time.sleep(0.2)


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fleet]:
    """One round over 20 trackers from the registry sheet, two workers, quota on."""
    where = tmp_path_factory.mktemp("fleet")
    with SheetsEmulator() as emulator, PubSubEmulator(log=where / "pubsub.log") as pubsub:
        sheets = [seed(emulator, f"Region {n + 1}") for n in range(TRACKERS)]
        rows = [["Tracker", "Department", "On"]] + [
            [url(s), f"Region {n + 1}", "yes"] for n, s in enumerate(sheets)
        ]
        rows += [
            [sheets[0], "Region 1 again, by ID", "yes"],
            [url(seed(emulator, "Old")), "Closed", "no"],
        ]
        registry = Registry(emulator.create_spreadsheet("Trackers", {"Trackers": rows}), sheets)
        held = _hold(emulator, sheets[HELD])
        emulator.set_quota(LIMIT, LIMIT, window=WINDOW)
        yield _round(emulator, pubsub, registry, held, where)


@dataclass(frozen=True)
class Registry:
    """The registry sheet and the trackers it switches on, in order."""

    sheet: str
    trackers: list[str]


def _round(emulator, pubsub, registry: Registry, held, where) -> Fleet:
    sheets = registry.trackers
    topic, dead = pubsub.topic("sheetsync-trackers"), pubsub.topic("sheetsync-trackers-dead")
    pubsub.pull_subscription("sheetsync-trackers-dead-pull", dead)
    common = {"SHEETS_EMULATOR_HOST": emulator.host, "PUBSUB_EMULATOR_HOST": pubsub.host}
    worker_env = common | {"SHEETSYNC_OUTBOX": str(where / "outbox")}
    worker_env |= {"SHEETSYNC_WORKERS": str(WORKERS), "SHEETSYNC_SHEETS_QUOTA": QUOTA}
    workers = [serve("on_pubsub", worker_env, where, events=True) for _ in range(WORKERS)]
    fan_env = common | {"SHEETSYNC_REGISTRY": url(registry.sheet), "SHEETSYNC_TOPIC": topic}
    fan_process, fan_url = serve("fan_out", fan_env, where)
    try:
        with Front([u for _, u in workers], patience=5) as front:
            policy = {
                "deadLetterPolicy": {"deadLetterTopic": dead, "maxDeliveryAttempts": 5},
                "retryPolicy": {"minimumBackoff": "1s", "maximumBackoff": "2s"},
                "ackDeadlineSeconds": 120,
            }
            pubsub.push_subscription("sheetsync-trackers-push", topic, front.url, **policy)
            answer = requests.post(fan_url, json={}, timeout=60)
            deliveries = lambda: [(_tracker_of(b), b["status"]) for b in front.bodies]  # noqa: E731
            _wait(lambda: any(s >= 500 for t, s in deliveries() if sheets[HELD] in t))
            held()
            _wait(lambda: len({t for t, s in deliveries() if s < 300}) >= TRACKERS)
            time.sleep(2)  # would any message come twice, it would come now
            dead_letters = pubsub.pull("sheetsync-trackers-dead-pull")
            return Fleet(sheets, answer, deliveries(), emulator, dead_letters)
    finally:
        stop_all([process for process, _ in [*workers, (fan_process, fan_url)]])


def test_fan_out_publishes_each_switched_on_tracker_once(fleet: Fleet) -> None:
    """The registry's 20 rows switched on are 20 messages: the duplicate and the off row are not."""
    assert fleet.fan_out.status_code == 200, fleet.fan_out.text
    assert fleet.fan_out.json() == {"published": TRACKERS, "off": 1, "problems": []}


def test_every_tracker_is_done_exactly_once(fleet: Fleet) -> None:
    """Each tracker's run succeeded once: one acknowledged delivery each, statuses written."""
    done = Counter(tracker for tracker, status in fleet.deliveries if status < 300)
    assert sorted(done) == sorted(url(s) for s in fleet.sheets)
    assert set(done.values()) == {1}
    for sheet in fleet.sheets:
        header, *rows = fleet.emulator.values(sheet, "Milestones")
        assert {row[header.index("Milestone ID")]: row[header.index("Status")] for row in rows}[
            "M-0002"
        ] == "Overdue"


def test_the_failed_tracker_is_retried_alone(fleet: Fleet) -> None:
    """The tracker another run held failed, was redelivered alone, then done; none other retried."""
    tries = Counter(tracker for tracker, _ in fleet.deliveries)
    held = url(fleet.sheets[HELD])
    statuses = [status for tracker, status in fleet.deliveries if tracker == held]
    assert statuses[0] >= 500 and statuses[-1] < 300
    assert {t: n for t, n in tries.items() if n > 1} == {held: len(statuses)}
    assert fleet.dead == []


def test_workers_share_the_quota_and_draw_no_429(fleet: Fleet) -> None:
    """Paced at half the quota each, the two workers wrote in the same windows yet drew no 429."""
    peak = fleet.emulator.quota.peak
    assert LIMIT // 2 < peak["write"] <= LIMIT  # more than one worker's share in one window
    assert 0 < peak["read"] <= LIMIT
    assert fleet.emulator.quota.rejected == Counter()
