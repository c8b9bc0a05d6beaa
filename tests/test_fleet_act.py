"""One act function for a fleet of trackers (issue 14 with issue 16's registry).

functions-framework serves ``cloud_function/main.py``'s public ``act`` target with
``SHEETSYNC_REGISTRY`` (no ``SHEETSYNC_TRACKER``), as ``deploy.sh --registry`` deploys it,
against the Sheets API emulator: each signed link opens its own tracker's row, the calendar
feed answers the same way, and a link for a tracker the registry does not switch on gets 403.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator
from pathlib import Path

import icalendar
import pytest
import requests

from conftest import milestone, tracker_grids
from sheetsync.compose.calendar import feed_url
from sheetsync.links import DONE, Link, expiry, link_url, sign
from sheetsync.testing.emulator import SheetsEmulator
from test_cloud_function import Function, Served

ROOT = Path(__file__).resolve().parents[1]
KEYS = (b"fleet-act-key-0123456789abcdef",)
BASE = "https://act.example.com"
TODAY = dt.datetime.now(dt.UTC).date()


def one_tracker(emulator: SheetsEmulator, title: str, task: str) -> str:
    """A tracker whose M-0001 is ``task``, due in 10 days, owned by jane@."""
    rows = [milestone("M-0001", "C-001", task, "report", TODAY + dt.timedelta(days=10))]
    return emulator.create_spreadsheet(title, tracker_grids(rows), time_zone="Etc/UTC")


@pytest.fixture(scope="module")
def sheets(emulator: SheetsEmulator) -> dict[str, str]:
    """Two trackers switched on in the registry, one switched off: name → spreadsheet ID."""
    return {
        "north": one_tracker(emulator, "North contracts", "North audit"),
        "south": one_tracker(emulator, "South contracts", "South audit"),
        "off": one_tracker(emulator, "Old contracts", "Old audit"),
    }


@pytest.fixture(scope="module")
def act(
    emulator: SheetsEmulator, sheets: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """The act target for the registry's trackers, as deploy.sh --registry deploys it."""
    rows = [["Tracker", "On"], [sheets["north"], "yes"], [sheets["south"], "yes"]]
    registry = emulator.create_spreadsheet("Registry", {"Trackers": [*rows, [sheets["off"], "no"]]})
    env = {
        "SHEETS_EMULATOR_HOST": emulator.host,
        "SHEETSYNC_REGISTRY": registry,
        "SHEETSYNC_LINK_KEYS": KEYS[0].decode(),
    }
    function = Function(ROOT / "cloud_function", Path(sys.executable).parent.parent)
    served = function.serve("act", env, tmp_path_factory.mktemp("act"))
    yield served
    served.stop()


def get(act: Served, url: str) -> requests.Response:
    """GET the act target at the path and query of a link made for ``BASE``."""
    with requests.Session() as session:
        session.trust_env = False
        return session.get(act.url.rstrip("/") + url.removeprefix(BASE), timeout=60)


def done_link(sheet: str) -> str:
    """A Mark-done link for M-0001 of ``sheet``, made for jane@."""
    link = Link(
        sheet, DONE, "M-0001", TODAY + dt.timedelta(days=10), "jane@example.com", expiry(TODAY)
    )
    return link_url(BASE, sign(link, KEYS))


def test_each_link_opens_its_own_trackers_row(act, sheets):
    """North's link shows North's milestone and South's shows South's: one function, two sheets."""
    for name in ("north", "south"):
        page = get(act, done_link(sheets[name]))
        assert page.status_code == 200, page.text
        assert "Mark this milestone done?" in page.text
        assert f"{name.title()} audit" in page.text and f"{name.title()} contracts" in page.text


def test_each_trackers_feed_answers_from_the_same_function(act, sheets):
    """South's calendar feed link gets South's deadline, not North's."""
    answer = get(act, feed_url(BASE, KEYS, sheets["south"], "jane@example.com", TODAY))
    assert answer.status_code == 200
    events = icalendar.Calendar.from_ical(answer.content).walk("VEVENT")
    assert [str(e["SUMMARY"]) for e in events] == ["Due: South audit"]


def test_a_tracker_switched_off_or_unlisted_gets_403(act, sheets):
    """A link for a tracker the registry switches off, or never lists, opens nothing."""
    for sheet in (sheets["off"], "1NotInTheRegistryAtAll000000000000000000"):
        page = get(act, done_link(sheet))
        assert page.status_code == 403 and "another tracker" in page.text
        assert "audit" not in page.text


def test_a_forged_link_costs_no_read_of_the_registry(act, sheets, emulator):
    """A token no key signed is refused before the registry or any tracker is read."""
    token = done_link(sheets["north"]).split("t=", 1)[1]
    forged = f"{BASE}/?t={token[:-3]}{'AAA' if not token.endswith('AAA') else 'BBB'}"
    emulator.reset_counts()
    page = get(act, forged)
    assert page.status_code == 403 and "does not work" in page.text
    assert sum(emulator.calls.values()) == 0, dict(emulator.calls)
