"""Mark done from the email (issue 14): the act target's work on both backends, in-process.

Each test reads and writes a real workbook or a Google Sheet on the emulator through
``sheetsync.act.service.answer``, the function ``cloud_function/main.py:act`` calls.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
import re
from email import policy
from pathlib import Path

import pytest

from conftest import TODAY, days, milestone, tracker_grids, write_workbook
from gsheets_fixtures import options
from sheetsync.act.page import CSP
from sheetsync.act.service import answer
from sheetsync.backends.gsheets.lease import LeasePolicy
from sheetsync.backends.xlsx import XlsxBackend
from sheetsync.backends.xlsx.lock import LockPolicy
from sheetsync.links import DONE, Link, expiry, parse_keys, sign, verify
from sheetsync.pipeline import run
from sheetsync.transports.outbox import OutboxTransport
from test_both_backends import Store

KEYS = parse_keys("act-test-key-0123456789abcdef")
NOON = dt.datetime(TODAY.year, TODAY.month, TODAY.day, 12, tzinfo=dt.UTC)
URL = "https://act.example.test/act"
ROOT = Path(__file__).resolve().parents[1]


def clock() -> dt.datetime:
    """Noon UTC on TODAY, the day the tracker's dates are relative to."""
    return NOON


def identity(store: Store) -> str:
    """The tracker identity a link is bound to (spreadsheet ID or workbook path)."""
    return store.backend().read().identity


def token(store: Store, milestone_id: str = "M-0001", due: dt.date | None = None, **change) -> str:
    """A valid Mark-done token for an occurrence (default: M-0001's), made for ana@."""
    day = due or days(30)
    link = Link(identity(store), DONE, milestone_id, day, "ana@example.com", expiry(TODAY))
    return sign(dataclasses.replace(link, **change), KEYS)


def row(store: Store, milestone_id: str) -> dict[str, object]:
    """A Milestones row as the backend reads it, by header."""
    header, *rows = store.tabs()["Milestones"]
    found = next(r for r in rows if r and r[0] == milestone_id)
    return dict(zip(header, found, strict=False))


def log_rows(store: Store) -> list[list[object]]:
    """The Log tab's rows below its header."""
    return [r for r in store.tabs()["Log"][1:] if any(c not in (None, "") for c in r)]


@pytest.fixture
def store(kind: str, tmp_path: Path, emulator) -> Store:
    """The small tracker behind each backend kind in turn."""
    return Store(kind, tracker_grids(), tmp_path, emulator)


def test_a_get_shows_the_row_and_changes_nothing(store: Store) -> None:
    """A GET (a person, or a mail scanner) shows the milestone and a Confirm form; no write."""
    before = store.tabs()
    page = answer(store.backend(), "GET", token(store), KEYS, clock)
    html = page.html()
    assert page.status == 200 and page.heading == "Mark this milestone done?"
    assert "Renewal notice" in html and "Acme MSA" in html and 'method="post"' in html
    assert store.tabs() == before


def test_confirm_writes_done_completed_on_and_a_log_row(store: Store) -> None:
    """The POST ticks Done, dates Completed On today and logs who did it, from the link."""
    page = answer(store.backend(), "POST", token(store), KEYS, clock)
    assert page.status == 200 and page.heading == "Marked done"
    written = row(store, "M-0001")
    assert written["Done"] in (True, "yes")
    assert written["Completed On"] in (TODAY, dt.datetime.combine(TODAY, dt.time()), 46354)
    [logged] = [r for r in log_rows(store) if r[1] == "marked"]
    assert logged[2] == f"marked:M-0001:{days(30).isoformat()}:link"
    assert logged[5] == "ana@example.com" and logged[8] == "recorded"


def test_a_replayed_confirm_is_harmless_and_says_who(store: Store) -> None:
    """Posting the same link twice writes once; the second answer says who marked it done."""
    answer(store.backend(), "POST", token(store), KEYS, clock)
    after_first = store.tabs()
    page = answer(store.backend(), "POST", token(store), KEYS, clock)
    assert page.status == 200 and page.heading == "Already done"
    assert "already marked done on Sat 28 Nov 2026 by ana@example.com" in page.html()
    assert store.tabs() == after_first


@pytest.mark.parametrize(
    ("spoil", "heading"),
    [
        (lambda t: t[:-3] + ("AAA" if not t.endswith("AAA") else "BBB"), "This link does not work"),
        (lambda t: t.replace(".", "x."), "This link does not work"),
        ("expired", "This link has expired"),
        ("foreign", "This link is for another tracker"),
    ],
)
def test_bad_tokens_get_403_and_write_nothing(store: Store, spoil, heading: str) -> None:
    """Tampered, expired and foreign-tracker tokens get a 403 page, GET or POST; no write."""
    if spoil == "expired":
        bad = token(store, expires=TODAY - dt.timedelta(days=1))
    elif spoil == "foreign":
        bad = token(store, tracker="1AnotherSpreadsheetAltogether000000000000")
    else:
        bad = spoil(token(store))
    before = store.tabs()
    for method in ("GET", "POST"):
        page = answer(store.backend(), method, bad, KEYS, clock)
        assert (page.status, page.heading) == (403, heading)
        assert "Nothing was changed." in page.html()
    assert store.tabs() == before


def test_a_moved_due_date_between_page_and_confirm_wins(store: Store) -> None:
    """A person moves the Due Date after the page opened: Confirm writes nothing, says so."""
    link = token(store)
    assert answer(store.backend(), "GET", link, KEYS, clock).status == 200
    _edit(store, "M-0001", "Due Date", days(44))
    before = store.tabs()
    page = answer(store.backend(), "POST", link, KEYS, clock)
    assert page.status == 409 and "moved to Mon 11 Jan 2027" in page.html()
    assert "use the newest email" in page.html()
    assert store.tabs() == before


def test_a_person_ticking_done_first_wins(store: Store) -> None:
    """A person ticks Done after the page opened: Confirm writes nothing over their edit."""
    link = token(store)
    _edit(store, "M-0001", "Done", "yes")
    before = store.tabs()
    page = answer(store.backend(), "POST", link, KEYS, clock)
    assert page.heading == "Already done" and "Nothing was changed." in page.html()
    assert store.tabs() == before and row(store, "M-0001")["Completed On"] in (None, "")


def test_a_deleted_row_gets_not_found(store: Store) -> None:
    """A link to a milestone whose row is gone says so and writes nothing."""
    page = answer(store.backend(), "POST", token(store, milestone_id="M-9999"), KEYS, clock)
    assert (page.status, page.heading) == (404, "Milestone not found")


def test_a_running_run_makes_confirm_wait_for_a_minute(store: Store) -> None:
    """While a run holds the tracker, Confirm answers 503 "try again in a minute"; no write."""
    runner = store.backend()
    confirm = store.backend()
    if store.kind == "xlsx":
        confirm.lock_policy = LockPolicy(wait=0.0)  # type: ignore[attr-defined]
    else:
        confirm.lease.policy = LeasePolicy(wait=0.0, settle=0.0)  # type: ignore[attr-defined]
    with runner.lock():
        before = store.tabs()
        page = answer(confirm, "POST", token(store), KEYS, clock)
    assert page.status == 503 and "try again in a minute" in page.html()
    assert page.headers()["Retry-After"] == "60"
    assert store.tabs() == before


def test_sheet_text_is_escaped_and_the_page_is_locked_down(tmp_path: Path, emulator) -> None:
    """A title holding HTML shows as text; the page sets a strict CSP and loads nothing."""
    grids = tracker_grids()
    title = '<script>alert("x")</script><img src=https://evil.example/p.png>'
    grids["Milestones"][1] = milestone("M-0001", "C-001", title, "notice", days(30))
    store = Store("xlsx", grids, tmp_path, emulator)
    page = answer(store.backend(), "GET", token(store), KEYS, clock)
    html = page.html()
    assert "<script" not in html and "<img" not in html and "&lt;script&gt;" in html
    assert page.headers()["Content-Security-Policy"] == CSP
    assert "form-action 'self'" in CSP and "frame-ancestors 'none'" in CSP
    assert not re.search(r"<[^>]*https?:", html)  # no tag points anywhere


@pytest.mark.parametrize(("method", "status"), [("PUT", 405), ("DELETE", 405), ("GET", 400)])
def test_wrong_method_or_no_token_is_a_plain_page(workbook: Path, method: str, status: int) -> None:
    """A PUT, a DELETE or a link without its token gets a plain page, never a traceback."""
    page = answer(XlsxBackend(workbook), method, "" if status == 400 else "x.y", KEYS, clock)
    assert page.status == status and "<h1" in page.html()


def test_a_repeating_milestone_marked_done_rolls_forward(store: Store, tmp_path: Path) -> None:
    """Marked done from the link, a monthly milestone's next run moves it to next month."""
    grids = tracker_grids()
    grids["Milestones"][1] = milestone("M-0001", "C-001", "Monthly report", "report", days(3))
    grids["Milestones"] = [
        [*r, "Repeat" if i == 0 else ""] for i, r in enumerate(grids["Milestones"])
    ]
    grids["Milestones"][1][-1] = "monthly"
    (tmp_path / "r").mkdir()
    store = Store(store.kind, grids, tmp_path / "r", store.__dict__.get("emulator"))
    page = answer(store.backend(), "POST", token(store, due=days(3)), KEYS, clock)
    assert page.heading == "Marked done"
    opts_day = TODAY + dt.timedelta(days=1)
    run(store.backend(), OutboxTransport(tmp_path / "out"), options(opts_day))
    rolled = row(store, "M-0001")
    assert rolled["Due Date"] in (days(3) + dt.timedelta(days=31), dt.datetime(2027, 1, 1), 46388)
    assert rolled["Done"] in (None, "", False)
    again = answer(store.backend(), "GET", token(store, due=days(3)), KEYS, clock)
    assert again.heading == "Already done" and "by ana@example.com" in again.html()


def _edit(store: Store, milestone_id: str, header: str, value: object) -> None:
    """A person's edit of one cell of a milestone row, made directly in the tracker."""
    tabs = store.tabs()
    grid = tabs["Milestones"]
    column = grid[0].index(header)
    at = next(i for i, r in enumerate(grid) if r and r[0] == milestone_id)
    if store.kind == "xlsx":
        import openpyxl

        book = openpyxl.load_workbook(store.path)
        book["Milestones"].cell(at + 1, column + 1, value)
        book.save(store.path)
    else:
        typed = value.isoformat() if isinstance(value, dt.date) else value
        store.emulator.edit(store.sheet, "Milestones").type(f"{chr(65 + column)}{at + 1}", typed)


def test_emails_carry_a_mark_done_link_per_item_for_their_recipient(tmp_path: Path) -> None:
    """With an Action URL and a key, every reminder and escalation item links to its page."""
    path = write_workbook(tmp_path / "tracker.xlsx", tracker_grids())
    outbox = tmp_path / "outbox"
    opts = options(TODAY)
    opts.action_url, opts.link_keys = URL, tuple(KEYS)
    result = run(XlsxBackend(path), OutboxTransport(outbox), opts)
    assert result.emails >= 2
    who = XlsxBackend(path).read().identity
    emails = [p for p in outbox.glob("*.eml") if not p.name.startswith("summary.")]
    assert len(emails) >= 2
    for eml in emails:
        message = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
        text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
        tokens = re.findall(r"Mark done: <https://act\.example\.test/act\?t=([\w.-]+)>", text)
        assert tokens and len(tokens) == text.count("\n* ")
        assert html.count(">Mark done</a>") == len(tokens)
        for each in tokens:
            link = verify(each, KEYS, tracker=who, today=TODAY)
            assert link.recipient in message["To"] and f"?t={each}" in html
            assert link.expires == TODAY + dt.timedelta(days=45)


def test_without_an_action_url_emails_have_no_link(tmp_path: Path) -> None:
    """A run with no Action URL (outbox, CLI) makes the emails it always made: no links."""
    path = write_workbook(tmp_path / "tracker.xlsx", tracker_grids())
    outbox = tmp_path / "outbox"
    opts = options(TODAY)
    opts.link_keys = tuple(KEYS)
    assert run(XlsxBackend(path), OutboxTransport(outbox), opts).emails >= 2
    assert not [p for p in outbox.glob("*.eml") if b"Mark done" in p.read_bytes()]


def test_an_organizations_older_macros_still_render_with_links(tmp_path: Path) -> None:
    """Own macros made before Mark done links (no done_button) still render every email."""
    macros = (ROOT / "templates" / "macros.html.j2").read_text()
    older = re.sub(r"\{% macro done_button.*?\{%- endmacro %\}\n", "", macros, flags=re.S)
    older = older.replace("{{ done_button(item.done_link) }}\n", "")
    assert "done_button" not in older
    (tmp_path / "brand").mkdir()
    (tmp_path / "brand" / "macros.html.j2").write_text(older)
    path = write_workbook(tmp_path / "tracker.xlsx", tracker_grids())
    opts = options(TODAY)
    opts.action_url, opts.link_keys = URL, tuple(KEYS)
    opts.templates = str(tmp_path / "brand")
    result = run(XlsxBackend(path), OutboxTransport(tmp_path / "outbox"), opts)
    assert result.emails >= 3 and not result.failed
    [escalation] = (tmp_path / "outbox").glob("escalation.*.eml")
    assert b"Mark done" in escalation.read_bytes()
