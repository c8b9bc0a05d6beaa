"""The owner's calendar feed (issue 14, part 4): served by real functions-framework, signed links.

The function (cloud_function/main.py, the public ``act`` target, path ``/calendar``) runs in
its own process against a Google sheet in the Sheets API emulator; requests go over real HTTP, as a
calendar app subscribing to the link would send them.
"""

from __future__ import annotations

import datetime as dt
import email
import sys
from collections.abc import Iterator
from email import policy
from pathlib import Path

import icalendar
import pytest
import requests

from conftest import TODAY, tracker_grids
from gsheets_fixtures import backend as google_backend
from sheetsync.compose.calendar import FEED_PATH, feed_url
from sheetsync.links import DONE, FEED, Link, link_url, sign
from sheetsync.pipeline import RunOptions, run
from sheetsync.testing.emulator import SheetsEmulator
from sheetsync.transports.outbox import OutboxTransport
from test_cloud_function import Function, Served

ROOT = Path(__file__).resolve().parents[1]
KEYS = (b"feed-test-key-0123456789abcdef",)
OLD_KEY = b"an-older-key-still-accepted-0001"
BASE = "https://act.example.com"
JANE = "jane@example.com"


@pytest.fixture(scope="module")
def sheet(emulator: SheetsEmulator) -> str:
    """The small tracker as a Google sheet."""
    return emulator.create_spreadsheet("Team contracts", tracker_grids())  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def identity(emulator: SheetsEmulator, sheet: str) -> str:
    """The tracker's identity, as a run reads it (links are bound to it)."""
    return google_backend(emulator, sheet).read().identity


@pytest.fixture(scope="module")
def feed(
    emulator: SheetsEmulator, sheet: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """functions-framework serving the public act target (which answers /calendar), as deployed."""
    env = {
        "SHEETS_EMULATOR_HOST": emulator.host,
        "SHEETSYNC_TRACKER": sheet,
        "SHEETSYNC_LINK_KEYS": f"{KEYS[0].decode()},{OLD_KEY.decode()}",
    }
    function = Function(ROOT / "cloud_function", Path(sys.executable).parent.parent)
    served = function.serve("act", env, tmp_path_factory.mktemp("f"))
    yield served
    served.stop()


def fetch(feed: Served, url: str) -> requests.Response:
    """GET the feed at the path and query of ``url``, as a calendar app would."""
    where = feed.url.rstrip("/") + url.removeprefix(BASE)
    with requests.Session() as session:
        session.trust_env = False
        return session.get(where, timeout=60)


def test_a_valid_feed_link_answers_the_owners_calendar(feed, identity):
    """A signed feed link gets 200 text/calendar with exactly the owner's open deadlines."""
    url = feed_url(BASE, KEYS, identity, JANE, dt.datetime.now(dt.UTC).date())
    assert FEED_PATH in url
    answer = fetch(feed, url)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(answer.content)
    titles = sorted(str(e["SUMMARY"]) for e in calendar.walk("VEVENT"))
    assert titles == ["Due: QBR", "Due: Renewal notice"]
    assert all("#gid=" in str(e["URL"]) for e in calendar.walk("VEVENT"))


def test_a_link_signed_with_the_older_key_still_works(feed, identity):
    """Key rotation: a link signed with the second accepted key gets the calendar too."""
    url = feed_url(BASE, [OLD_KEY], identity, JANE, dt.datetime.now(dt.UTC).date())
    assert fetch(feed, url).status_code == 200


def bad_links(identity: str) -> dict[str, str]:
    """One link of each kind the feed must refuse."""
    today = dt.datetime.now(dt.UTC).date()
    good = feed_url(BASE, KEYS, identity, JANE, today)
    token = good.split("t=", 1)[1]
    payload, signature = token.split(".")
    flipped = payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1]
    expired = Link(identity, FEED, JANE, None, JANE, today - dt.timedelta(days=2))
    foreign = Link("another tracker", FEED, JANE, None, JANE, today + dt.timedelta(days=30))
    done = Link(identity, DONE, "M-0001", today, JANE, today + dt.timedelta(days=30))
    unknown_key = feed_url(BASE, [b"somebody-elses-key-0123456789"], identity, JANE, today)
    return {
        "tampered": f"{BASE}{FEED_PATH}?t={flipped}.{signature}",
        "unknown key": unknown_key,
        "expired": link_url(BASE, sign(expired, KEYS), FEED_PATH),
        "foreign tracker": link_url(BASE, sign(foreign, KEYS), FEED_PATH),
        "mark-done link": link_url(BASE, sign(done, KEYS), FEED_PATH),
        "no token": f"{BASE}{FEED_PATH}",
    }


@pytest.mark.parametrize(
    "which",
    ["tampered", "unknown key", "expired", "foreign tracker", "mark-done link", "no token"],
)
def test_any_other_link_gets_no_calendar(feed, identity, which):
    """Tampered, unknown-key, expired, foreign and Mark-done tokens get 403 (none: 400)."""
    answer = fetch(feed, bad_links(identity)[which])
    assert answer.status_code == (400 if which == "no token" else 403)
    assert answer.headers["Content-Type"].startswith("text/plain")
    assert b"BEGIN:VCALENDAR" not in answer.content and b"Renewal notice" not in answer.content


@pytest.mark.parametrize(
    "which", ["tampered", "unknown key", "expired", "foreign tracker", "mark-done link"]
)
def test_a_refused_feed_link_costs_no_read_of_the_sheet(feed, emulator, identity, which):
    """A bad feed token is refused before the tracker is read: the Sheets API sees no call."""
    emulator.reset_counts()
    assert fetch(feed, bad_links(identity)[which]).status_code == 403
    assert sum(emulator.calls.values()) == 0, dict(emulator.calls)


def test_a_good_feed_link_reads_the_sheet(feed, emulator, identity):
    """The control: a valid feed link does read the tracker (so the count above can fail)."""
    emulator.reset_counts()
    url = feed_url(BASE, KEYS, identity, JANE, dt.datetime.now(dt.UTC).date())
    assert fetch(feed, url).status_code == 200
    assert emulator.calls["values.batchGet"] >= 1


def test_the_monthly_summary_lists_a_feed_link_that_answers(feed, emulator, sheet, tmp_path):
    """With an Action URL, jane@'s summary links her feed, and the act target serves it."""
    options = RunOptions(today=TODAY, action_url=BASE, link_keys=KEYS)
    run(google_backend(emulator, sheet), OutboxTransport(tmp_path / "out"), options)
    summaries = [
        email.message_from_bytes(p.read_bytes(), policy=policy.default)
        for p in (tmp_path / "out").glob("summary.*.eml")
    ]
    (jane,) = [m for m in summaries if JANE in str(m["To"])]
    text = jane.get_body(("plain",)).get_content()
    url = next(w for w in text.split() if w.startswith(f"{BASE}{FEED_PATH}?t="))
    assert url in jane.get_body(("html",)).get_content()
    answer = fetch(feed, url)
    assert answer.status_code == 200
    titles = sorted(
        str(e["SUMMARY"]) for e in icalendar.Calendar.from_ical(answer.content).walk("VEVENT")
    )
    assert titles == ["Due: QBR", "Due: Renewal notice"]


def test_a_summary_without_an_action_url_has_no_feed_link(emulator, tmp_path):
    """Outbox and CLI runs without an Action URL: no feed link in any summary."""
    sheet = emulator.create_spreadsheet("Team contracts", tracker_grids())  # type: ignore[arg-type]
    run(google_backend(emulator, sheet), OutboxTransport(tmp_path / "out"), RunOptions(today=TODAY))
    texts = [p.read_text() for p in (tmp_path / "out").glob("summary.*.eml")]
    assert texts and not any(FEED_PATH + "?t=" in t for t in texts)
