"""The hostile corpus through a whole run, a Google Sheet in the emulator into an outbox:
emails of every kind still go, no header holds a line break or an address from outside,
HTML is escaped, no cell turns into a formula (issue 7, part 5; corpus in hostile_corpus.py).
"""

from __future__ import annotations

import datetime as dt
import math
from email import policy
from email.parser import BytesParser
from email.utils import getaddresses
from typing import Any

import pytest
from email_validator import EmailNotValidError, validate_email

from hostile_corpus import (
    ALLOWED,
    CORPUS,
    FORMULA_LEADS,
    HEADERS_SENT,
    TODAY,
    cell_value,
    corpus_grids,
    raising_corpus,
    unfolded,
)
from sheetsync.backends.gsheets import GoogleSheetsBackend
from sheetsync.backends.gsheets.retry import RetryPolicy
from sheetsync.model import Moving, Uncomputed
from sheetsync.pipeline import RunOptions, run
from sheetsync.testing.emulator import SheetsEmulator, gspread_client
from sheetsync.testing.sheets_emulator.cells import Formula
from sheetsync.transports.outbox import OutboxTransport


def finite(entry: dict[str, Any]) -> bool:
    """Whether the Sheets API can carry the cell (JSON has no NaN or infinity; a Google
    Sheet works out every formula, so has none without a value)."""
    value = cell_value(entry["value"])
    if isinstance(value, Uncomputed | Moving):
        return False
    return not (isinstance(value, float) and not math.isfinite(value))


@pytest.fixture(scope="module")
def whole_run(tmp_path_factory):
    """Every carriable corpus cell in one Google Sheet (emulator), run once into an outbox."""
    raising = raising_corpus()
    entries = [e for e in CORPUS if finite(e) and e not in raising]
    grids, _ = corpus_grids(entries)
    outbox = tmp_path_factory.mktemp("hostile-outbox")
    with SheetsEmulator() as emu:
        emu.disable_quotas()
        sheet = emu.create_spreadsheet("Hostile tracker", grids)
        before = {tab: emu.values(sheet, tab) for tab in grids}
        client = gspread_client(emu.host)
        backend = GoogleSheetsBackend(client, sheet, retry=RetryPolicy(sleep=lambda s: None))
        noon = dt.datetime.combine(TODAY, dt.time(12), dt.UTC)
        result = run(backend, OutboxTransport(outbox), RunOptions(today=TODAY, clock=lambda: noon))
        after = {tab: emu.values(sheet, tab) for tab in grids}
        book = emu.store.books[sheet]
        formulas = [
            (tab, r + 1, c + 1)
            for tab in grids
            for r, cells in enumerate(book.find_sheet(tab).grid.rows)
            for c, cell in enumerate(cells)
            if isinstance(cell, Formula)
        ]
    parser = BytesParser(policy=policy.default)
    messages = [parser.parsebytes(p.read_bytes()) for p in sorted(outbox.glob("*.eml"))]
    return result, messages, before, after, formulas


def test_the_run_sends_emails_of_every_kind(whole_run):
    """The hostile tracker still produces reminders, overdue notices and escalations."""
    result, messages, _, _, _ = whole_run
    assert {"reminder", "overdue", "escalation"} <= set(result.items)
    assert len(messages) == result.emails > 0


def test_no_header_holds_a_line_break(whole_run):
    """Every header value is one line once folding is undone: CR/LF injected nothing."""
    _, messages, _, _, _ = whole_run
    broken = [
        (name, value[:80])
        for message in messages
        for name, value in message.raw_items()
        if "\r" in unfolded(str(value)) or "\n" in unfolded(str(value))
    ]
    assert broken == []


def test_only_the_expected_headers_are_sent(whole_run):
    """No Bcc or any other header an injection could have added."""
    _, messages, _, _, _ = whole_run
    names = {name.lower() for message in messages for name in message}
    assert names <= HEADERS_SENT


def test_recipients_are_well_formed_and_allowed(whole_run):
    """To and Cc hold only well-formed addresses inside the Allowed domains."""
    _, messages, _, _, _ = whole_run
    bad = []
    for message in messages:
        values = [str(v) for name in ("To", "Cc") for v in message.get_all(name, [])]
        for _, address in getaddresses(values):
            try:
                domain = validate_email(address, check_deliverability=False).ascii_domain
            except EmailNotValidError:
                bad.append(address)
                continue
            if domain.lower() != ALLOWED and not domain.lower().endswith("." + ALLOWED):
                bad.append(address)
    assert bad == []


def test_html_parts_escape_markup(whole_run):
    """No script tag, event handler or injected markup survives into an HTML part."""
    _, messages, _, _, _ = whole_run
    leaks = []
    for message in messages:
        html = message.get_body(("html",))
        text = html.get_content() if html is not None else ""
        for needle in ("<script", "<img", "<h1>owned"):
            if needle in text.lower():
                leaks.append((str(message["Subject"])[:40], needle))
    assert leaks == []


def test_no_cell_is_turned_into_a_formula(whole_run):
    """After the run no cell of any tab is stored as a formula (values are written RAW)."""
    _, _, _, _, formulas = whole_run
    assert formulas == []


def test_formula_looking_text_comes_back_as_the_same_text(whole_run):
    """Typed text starting with =, +, - or @ reads back unchanged from the emulator."""
    _, _, before, after, _ = whole_run
    changed = []
    for tab, rows in before.items():
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, str) and value.startswith(FORMULA_LEADS):
                    now = after[tab][r][c] if c < len(after[tab][r]) else None
                    if now != value:
                        changed.append((tab, r + 1, c + 1, value[:30], str(now)[:30]))
    assert changed == []
