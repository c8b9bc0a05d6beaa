"""Mark done from the email, end to end in a real browser (issue 14).

A real run sends its reminder to an aiosmtpd server; the link is taken out of the
message as an ``.eml`` file; the ``act`` target is served by the real functions-framework
(``cloud_function/main.py``) against the Sheets API emulator; headless Chromium (Debian's
``chromium``, driven by Playwright) opens the link, sees the page and clicks Confirm; the
sheet row shows Done, and the next run rolls the repeating milestone forward. The owner's
calendar feed, at the signed link of their monthly summary (a real ``.eml`` too), is fetched
from the same target, read with icalendar and drawn as a calendar's month view in Chromium.

Set ``SHEETSYNC_SCREENSHOT_DIR=docs`` to refresh the README's ``docs/act-page.png`` and
``docs/calendar.png``.
"""

from __future__ import annotations

import datetime as dt
import email
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from email import policy
from pathlib import Path

import pytest
import requests
from dateutil.relativedelta import relativedelta

from calendar_view import feed_events, month_view
from conftest import milestone, tracker_grids
from gsheets_fixtures import backend as google
from sheetsync.cells.dates import from_serial
from sheetsync.links import parse_keys
from sheetsync.pipeline import RunOptions, run
from sheetsync.testing.emulator import SheetsEmulator
from sheetsync.testing.smtpd import SmtpServer
from sheetsync.transports.outbox import OutboxTransport
from sheetsync.transports.smtp import SmtpTransport
from test_cloud_function import Served, _wait_for, free_port

ROOT = Path(__file__).resolve().parents[1]
KEY = "browser-test-link-key-0123456789abcdef"
CHROMIUM = ("/usr/bin/chromium", "chromium", "chromium-browser")

pytestmark = pytest.mark.slow


def chromium() -> str:
    """Debian's chromium; CI must have it (``.ci/run`` installs it), elsewhere skip."""
    found = next((p for p in map(shutil.which, CHROMIUM) if p), None)
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed, and CI must run the browser test")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return found


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Headless Chromium under Playwright, with Debian's browser (no download)."""
    path = chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("playwright is not installed (pip install -e '.[dev]')")
        pytest.skip("playwright is not installed (pip install -e '.[dev]')")
    with sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=path, headless=True)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def emulator() -> Iterator[SheetsEmulator]:
    """The Sheets API emulator on loopback, for the act function and the runs."""
    with SheetsEmulator() as emu:
        emu.disable_quotas()
        yield emu


def seed(emulator: SheetsEmulator, today: dt.date) -> str:
    """The small tracker with a monthly report due in 3 days and a Repeat column."""
    grids = tracker_grids()
    header, first, *rest = grids["Milestones"]
    due = header.index("Due Date")
    first = [*first[:due], today + dt.timedelta(days=3), *first[due + 1 :]]
    first[header.index("Milestone")], first[header.index("Type")] = "Monthly report", "report"
    grids["Milestones"] = [[*header, "Repeat"], [*first, "monthly"], *[[*r, ""] for r in rest]]
    return emulator.create_spreadsheet("Team contracts", grids, time_zone="Etc/UTC")


def serve_act(emulator: SheetsEmulator, sheet: str, where: Path) -> Served:
    """``functions-framework --target act`` on loopback, as Cloud Functions would run it."""
    port = free_port()
    binary = Path(sys.executable).parent / "functions-framework"
    command = [str(binary), "--source", str(ROOT / "cloud_function" / "main.py")]
    command += ["--target", "act", "--host", "127.0.0.1", "--port", str(port)]
    env = {
        "PATH": f"{binary.parent}:/usr/bin:/bin",
        "HOME": str(where),
        "PYTHONUNBUFFERED": "1",
        "SHEETS_EMULATOR_HOST": emulator.host,
        "SHEETSYNC_TRACKER": sheet,
        "SHEETSYNC_LINK_KEYS": KEY,
    }
    out, err = where / "act.out", where / "act.err"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = subprocess.Popen(command, env=env, stdout=stdout, stderr=stderr, cwd=where)
    served = Served(f"http://127.0.0.1:{port}/", process, out, err)
    _wait_for(served, port)
    return served


def send_reminders(emulator: SheetsEmulator, sheet: str, url: str, today: dt.date, eml: Path):
    """A real run over SMTP with Mark-done links; its messages saved as .eml files."""
    options = RunOptions(today=today, action_url=url, link_keys=tuple(parse_keys(KEY)))
    with SmtpServer() as server:
        result = run(google(emulator, sheet), SmtpTransport(server.url(), None), options)
        for n, message in enumerate(server.messages):
            (eml / f"{n}.eml").write_bytes(message.as_bytes())
    return result


def link_in(eml: Path, title: str) -> str:
    """The Mark done link of the item called ``title`` in the text part of a saved .eml."""
    for path in sorted(eml.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        found = re.search(rf"\* {re.escape(title)} .*?Mark done: <([^>]+)>", text, re.S)
        if found:
            return found.group(1)
    raise AssertionError(f"no Mark done link for {title!r} in {sorted(eml.iterdir())}")


def milestone_row(emulator: SheetsEmulator, sheet: str, title: str) -> dict[str, object]:
    """A Milestones row as the sheet shows it, by header."""
    header, *rows = emulator.values(sheet, "Milestones")
    found = next(r for r in rows if title in r)
    return dict(zip(header, found, strict=False))


def test_mark_done_in_a_browser_then_the_series_rolls_forward(browser, emulator, tmp_path):
    """Chromium opens the emailed link, Confirm marks the row Done, the next run rolls it."""
    today = dt.datetime.now(dt.UTC).date()
    sheet = seed(emulator, today)
    act = serve_act(emulator, sheet, tmp_path)
    try:
        (tmp_path / "eml").mkdir()
        assert send_reminders(emulator, sheet, act.url, today, tmp_path / "eml").emails >= 1
        link = link_in(tmp_path / "eml", "Monthly report")
        assert link.startswith(act.url + "?t=")
        before = emulator.values(sheet, "Milestones")
        scanner = requests.get(link, timeout=30)  # what Safe Links does to every link
        assert scanner.status_code == 200 and "Confirm" in scanner.text
        assert emulator.values(sheet, "Milestones") == before
        _click_confirm(browser, link, act.url, tmp_path)
    finally:
        act.stop()
    done = milestone_row(emulator, sheet, "Monthly report")
    assert done["Done"] is True and from_serial(done["Completed On"]) == today
    run(google(emulator, sheet), OutboxTransport(tmp_path / "outbox"), RunOptions(today=today))
    rolled = milestone_row(emulator, sheet, "Monthly report")
    assert rolled["Done"] in (False, "", None) and not rolled.get("Completed On")
    due = today + dt.timedelta(days=3)
    assert from_serial(rolled["Due Date"]) == due + relativedelta(months=1)


def _click_confirm(browser, link: str, base: str, tmp_path: Path) -> None:
    """Open the link, check the page and its headers, screenshot it, click Confirm."""
    page = browser.new_page(viewport={"width": 720, "height": 640})
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    response = page.goto(link)
    assert response is not None and response.status == 200
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert page.locator("h1").inner_text() == "Mark this milestone done?"
    assert page.locator("#milestone").inner_text() == "Monthly report"
    _screenshot(page, tmp_path)
    page.click("#confirm")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Marked done"
    assert all(url.startswith(base) for url in requested), requested  # no third party
    page.close()


def _screenshot(page, tmp_path: Path, name: str = "act-page.png") -> None:
    """The page as a person sees it; into SHEETSYNC_SCREENSHOT_DIR too when that is set."""
    shot = tmp_path / name
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 5000
    if folder := os.environ.get("SHEETSYNC_SCREENSHOT_DIR"):
        shutil.copy(shot, Path(folder) / name)


RAJ = "raj.patel@example.com"
# Raj's open deadlines, days from today; the Security audit report is Jane's (not in his feed).
RAJS = {
    "Send signed SOW 3": ("C-001", "report", -2),
    "Monthly consulting fee": ("C-001", "payment", 2),
    "Renewal window opens": ("C-002", "notice", 3),
    "Renewal decision": ("C-002", "notice", 8),
    "Quarterly business review": ("C-001", "QBR", 10),
    "Data protection review": ("C-002", "review", 15),
    "Pay invoice 1142": ("C-001", "payment", 17),
    "Give notice of non-renewal": ("C-002", "notice", 24),
}


def seed_calendar(emulator: SheetsEmulator, today: dt.date) -> str:
    """Raj's two contracts with eight open deadlines around today, and one of Jane's."""
    raj = f"Raj Patel <{RAJ}>"
    contracts = [
        ["C-001", "Contoso consulting", "Contoso Ltd", raj, "Legal", "Active", "ref-1"],
        ["C-002", "Lucerne cloud services", "Lucerne", raj, "IT", "Active", "ref-2"],
        ["C-003", "Trey research security", "Trey", "jane@example.com", "IT", "Active", "ref-3"],
    ]
    rows = [
        milestone(f"M-{n:04d}", c, title, kind, today + dt.timedelta(days=offset))
        for n, (title, (c, kind, offset)) in enumerate(RAJS.items(), start=1)
    ]
    rows.append(milestone("M-0009", "C-003", "Security audit report", "report", today))
    grids = tracker_grids(rows, contracts)
    return emulator.create_spreadsheet("Vendor contracts", grids, time_zone="Etc/UTC")


def feed_link_in(eml: Path, owner: str, base: str) -> str:
    """The calendar feed link in ``owner``'s monthly summary, a saved .eml."""
    for path in sorted(eml.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        if owner in str(message["To"]) and "summary" in str(message["Subject"]):
            text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
            found = re.search(rf"{re.escape(base)}calendar\?t=\S+", text)
            assert found, text
            return found.group(0)
    raise AssertionError(f"no summary to {owner} in {sorted(eml.iterdir())}")


def test_the_summarys_calendar_feed_shows_in_a_calendar_view(browser, emulator, tmp_path):
    """The feed at the summary's signed link, drawn as a month view: Raj's events, their days."""
    today = dt.datetime.now(dt.UTC).date()
    sheet = seed_calendar(emulator, today)
    act = serve_act(emulator, sheet, tmp_path)
    try:
        (tmp_path / "eml").mkdir()
        send_reminders(emulator, sheet, act.url, today, tmp_path / "eml")
        with requests.Session() as session:  # as a calendar app subscribing to the link
            session.trust_env = False
            feed = session.get(feed_link_in(tmp_path / "eml", RAJ, act.url), timeout=60)
    finally:
        act.stop()
    assert feed.status_code == 200 and feed.headers["Content-Type"].startswith("text/calendar")
    name, events = feed_events(feed.content)
    expected = {t: today + dt.timedelta(days=o) for t, (_, _, o) in RAJS.items()}
    assert {e.title: e.day for e in events} == expected and RAJ in name
    page = browser.new_page(viewport={"width": 1200, "height": 600})
    page.set_content(month_view(name, events, today))
    for event in events:
        day = page.locator(f'td[data-day="{event.day.isoformat()}"] .event')
        assert event.title in day.all_inner_texts()
    assert page.locator(".event").count() == len(RAJS)
    assert "Security audit report" not in page.content()
    assert page.locator("#details").inner_text().startswith("Monthly consulting fee")
    _screenshot(page, tmp_path, "calendar.png")
    page.close()
