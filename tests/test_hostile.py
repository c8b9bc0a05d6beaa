"""Hostile and malformed cells: normalize never raises, bad cells become Problems, and
nothing hostile reaches an email header, a formula or unescaped HTML (issue 7, part 5).

``tests/data/hostile_cells.json`` holds the corpus: each entry puts ``value`` in
``column`` of ``tab`` (for Settings, the Value of the ``setting`` row). ``problem`` says
whether the cell must get a Problem on its own row and column (true), must be kept as
plain text with none (false), or may go either way (null: odd but readable, like an
ambiguous date read in the sheet's locale). ``message``, when given, is the exact Problem
sentence the cell must give; ``accepted`` the value it must read as (a date as
``YYYY-MM-DD``, addresses as a list, an amount, a title or ID as text). ``locale`` puts the
entry in a tracker of that Locale (default en_US). A value ``{"repeat": s, "times": n}`` is
``s * n`` (plus ``suffix``); ``{"float": "nan"}`` is that float; ``{"formula": f}`` is a
workbook formula with no saved value, and ``{"formula": f, "saved": n}`` one whose saved
result is ``n`` (only a formula using TODAY() or NOW() is marked: it reads as moving).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import math
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from email import policy
from email.parser import BytesParser
from email.utils import getaddresses
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sheetsync.backends.gsheets import GoogleSheetsBackend
from sheetsync.backends.gsheets.retry import RetryPolicy
from sheetsync.backends.memory import MemoryBackend
from sheetsync.model import Moving, Snapshot, Uncomputed
from sheetsync.normalize import Tracker, normalize
from sheetsync.pipeline import RunOptions, prepare, run
from sheetsync.problems import Problem
from sheetsync.schema import CONTRACT_COLUMNS, LOG_COLUMNS, MILESTONE_COLUMNS
from sheetsync.testing.emulator import SheetsEmulator, gspread_client
from sheetsync.testing.sheets_emulator.cells import Formula
from sheetsync.transports.outbox import OutboxTransport

CORPUS: list[dict[str, Any]] = json.loads(
    (Path(__file__).parent / "data" / "hostile_cells.json").read_text("utf-8")
)
CONTRACT_HEADER = [c.name for c in CONTRACT_COLUMNS]
MILESTONE_HEADER = [c.name for c in MILESTONE_COLUMNS]
TODAY = dt.date(2027, 6, 25)
ALLOWED = "example.com"
FORMULA_LEADS = ("=", "+", "-", "@")
HEADERS_SENT = {
    "subject",
    "from",
    "to",
    "cc",
    "reply-to",
    "date",
    "message-id",
    "auto-submitted",
    "x-auto-response-suppress",
    "mime-version",
    "content-type",
    "content-transfer-encoding",
}
VALID_CONTRACT = {
    "Contract": "Master services agreement",
    "Owner": "Jane Doe <jane@example.com>",
    "Department": "Legal",
    "Start Date": "2025-01-01",
    "End Date": "2028-12-31",
    "Contract Status": "Active",
}
VALID_MILESTONE = {
    "Contract ID": "C-001",
    "Milestone": "Pay the invoice",
    "Type": "payment",
    "Owner": "raj@example.com",
}


def cell_value(spec: Any) -> Any:
    """A corpus value as the cell holds it (long strings and non-finite floats expanded;
    formulas as the workbook backend reads them)."""
    if isinstance(spec, dict) and "float" in spec:
        return float(spec["float"])
    if isinstance(spec, dict) and "formula" in spec:
        if "saved" not in spec:
            return Uncomputed(spec["formula"])
        moving = re.search(r"TODAY\(|NOW\(", spec["formula"])
        return Moving(spec["saved"]) if moving else spec["saved"]
    if isinstance(spec, dict):
        return spec["repeat"] * spec["times"] + spec.get("suffix", "")
    return spec


def base_grids(locale: str = "en_US") -> dict[str, list[list[Any]]]:
    """A valid tracker: one contract, no milestones, the usual Settings."""
    contract = {**VALID_CONTRACT, "Contract ID": "C-001"}
    return {
        "Contracts": [CONTRACT_HEADER, [contract.get(h, "") for h in CONTRACT_HEADER]],
        "Milestones": [MILESTONE_HEADER],
        "Settings": [
            ["Setting", "Value"],
            ["Locale", locale],
            ["Allowed domains", ALLOWED],
            ["Default escalation", "gc@example.com"],
        ],
        "Log": [list(LOG_COLUMNS)],
    }


def due_for(number: int) -> str:
    """Alternately due in five days and twelve days overdue, so emails of every kind go out."""
    day = TODAY + dt.timedelta(days=5 if number % 2 else -12)
    return day.isoformat()


def milestone_row(number: int, **cells: Any) -> list[Any]:
    """A valid Milestones row with its own ID, ``cells`` replaced."""
    merged = {
        **VALID_MILESTONE,
        "Milestone ID": f"M-{number:04d}",
        "Due Date": due_for(number),
        **cells,
    }
    return [merged.get(h, "") for h in MILESTONE_HEADER]


def contract_row(number: int, **cells: Any) -> list[Any]:
    """A valid Contracts row with its own ID, ``cells`` replaced."""
    merged = {**VALID_CONTRACT, "Contract ID": f"C-{number:03d}", **cells}
    return [merged.get(h, "") for h in CONTRACT_HEADER]


def corpus_grids(
    entries: list[dict[str, Any]], locale: str = "en_US"
) -> tuple[dict, list[tuple[str, int]]]:
    """One tracker holding every entry in a row of its own; and each entry's (tab, row).

    A hostile contract gets a milestone of its own, so its cells reach emails too.
    """
    grids = base_grids(locale)
    placed = []
    for number, entry in enumerate(entries, start=100):
        value = cell_value(entry["value"])
        if entry["tab"] == "Milestones":
            grids["Milestones"].append(milestone_row(number, **{entry["column"]: value}))
        elif entry["tab"] == "Contracts":
            grids["Contracts"].append(contract_row(number, **{entry["column"]: value}))
            contract = {"Contract ID": f"C-{number:03d}"}
            grids["Milestones"].append(milestone_row(number, **contract))
        else:
            grids["Settings"].append([entry["setting"], value])
        placed.append((entry["tab"], len(grids[entry["tab"]])))
    return grids, placed


def normalized(grids: dict[str, list[list[Any]]]) -> Tracker:
    """Normalize the grids as a spreadsheet in en_US would hand them over."""
    return normalize(Snapshot("Tracker", grids, locale="en_US"))


@dataclass
class Checked:
    """The pure steps' view of a tracker: its Problems, evaluated milestones and contracts."""

    problems: list[Problem]
    milestones: pd.DataFrame
    contracts: pd.DataFrame | None = None


def checked(grids: dict[str, list[list[Any]]]) -> Checked:
    """Normalize, derive, evaluate and plan (``check``): everything up to the first write."""
    backend = MemoryBackend(copy.deepcopy(grids))
    prepared = prepare(backend, RunOptions(today=TODAY))
    return Checked(prepared.tracker.problems, prepared.evaluated, prepared.tracker.contracts)


@dataclass
class Outcome:
    """What the pure steps made of one corpus entry: its row's Problems and what it read as."""

    entry: dict[str, Any]
    tab: str
    row: int
    column: str
    problems: list[Problem]
    read: Any


READ_AS = {  # (tab, column) → the frame column holding what the cell was read as
    ("Milestones", "Due Date"): "due",
    ("Milestones", "Completed On"): "completed_on",
    ("Milestones", "Owner"): "owners",
    ("Milestones", "Escalate To"): "escalate_to",
    ("Milestones", "Milestone"): "title",
    ("Milestones", "Milestone ID"): "id",
    ("Milestones", "Type"): "type",
    ("Contracts", "Owner"): "owners",
    ("Contracts", "Contract ID"): "id",
    ("Contracts", "Value"): "value",
    ("Contracts", "End Date"): "end",
    ("Contracts", "Start Date"): "start",
}


def read_as(found: Checked, tab: str, column: str, row: int) -> Any:
    """The value the cell at (tab, row) in ``column`` was read as: dates as ISO text, addresses
    as a list of emails; None when the corpus does not say."""
    name = READ_AS.get((tab, column))
    frame = found.milestones if tab == "Milestones" else found.contracts
    if name is None or frame is None:
        return None
    value = frame.loc[frame["row"] == row, name].iloc[0]
    if isinstance(value, tuple):
        return [a.email for a in value]
    if isinstance(value, pd.Timestamp | np.datetime64):
        return None if pd.isna(value) else pd.Timestamp(value).date().isoformat()
    return value


def corpus_outcomes(entries: list[dict[str, Any]]) -> tuple[list[Outcome], list[Checked]]:
    """Every entry through the pure steps, one tracker per Locale."""
    outcomes, trackers = [], []
    for locale in sorted({e.get("locale", "en_US") for e in entries}):
        group = [e for e in entries if e.get("locale", "en_US") == locale]
        grids, placed = corpus_grids(group, locale)
        found = checked(grids)
        trackers.append(found)
        for entry, (tab, row) in zip(group, placed, strict=True):
            read = read_as(found, tab, entry["column"], row)
            here = problems_at(found, tab, row)
            outcomes.append(Outcome(entry, tab, row, entry["column"], here, read))
    return outcomes, trackers


def problems_at(found: Tracker | Checked, tab: str, row: int) -> list[Problem]:
    return [p for p in found.problems if (p.tab, p.row) == (tab, row)]


def raising_entries(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The entries on which the pure steps raise, found by halving (cheap when none do)."""
    try:
        corpus_outcomes(entries)
    except Exception:
        if len(entries) == 1:
            return entries
        middle = len(entries) // 2
        return raising_entries(entries[:middle]) + raising_entries(entries[middle:])
    return []


@pytest.fixture(scope="module")
def raising() -> list[dict[str, Any]]:
    """Corpus entries on which the pure steps raised."""
    return raising_entries(CORPUS)


@pytest.fixture(scope="module")
def corpus_tracker(raising) -> tuple[list[Outcome], list[Checked]]:
    """The corpus (less any entry that raised) through the pure steps, a tracker per Locale."""
    return corpus_outcomes([e for e in CORPUS if e not in raising])


def test_corpus_covers_every_kind_of_hostile_cell():
    """At least 200 cells: dates, addresses, formulas, HTML, CR/LF, long, emoji, RTL, blanks."""
    texts = [str(cell_value(e["value"])) for e in CORPUS]
    assert len(CORPUS) >= 200
    for needle in ("=IMPORTXML(", "+cmd|", "@SUM(", "<script>", "\r\nBcc:", "\u202e", "\u200b"):
        assert any(needle in t for t in texts), needle
    assert any(len(t) >= 50_000 for t in texts)
    assert any(isinstance(cell_value(e["value"]), bool) for e in CORPUS if "Date" in e["column"])
    assert {e["tab"] for e in CORPUS} == {"Milestones", "Contracts", "Settings"}


def test_corpus_covers_addresses_encoded_words_formulas_controls_and_locales():
    """At least 100 cells of issue 10's kinds, each with its exact Problem or accepted value:
    international and full-width addresses, encoded words, formulas, control characters in
    every column, local numbers and month names."""
    stated = [e for e in CORPUS if "message" in e or "accepted" in e]
    assert len(stated) >= 100
    texts = [str(e["value"]) for e in stated]
    for needle in ("xn--", "ü", "＠", "=?utf-8?q?", "=?UTF-8?B?", "\x00", "\u2028", "\u202e"):
        assert any(needle in t for t in texts), needle
    assert any(isinstance(e["value"], dict) and "formula" in e["value"] for e in stated)
    assert len({e.get("locale", "en_US") for e in stated}) >= 4
    controlled = {(e["tab"], e["column"]) for e in CORPUS if "\x00" in str(e["value"])}
    every = {("Milestones", c) for c in MILESTONE_HEADER if c != "Repeat"}
    every |= {("Contracts", c) for c in CONTRACT_HEADER}
    assert every - controlled == set()


def test_no_corpus_cell_makes_the_pure_steps_raise(raising):
    """No corpus cell makes normalize, derive, evaluate or plan raise."""
    assert [(e["tab"], e["column"], e["value"]) for e in raising] == []


def test_every_bad_corpus_cell_gets_a_problem_on_its_row_and_column(corpus_tracker):
    """Each cell marked bad gets a Problem on its own sheet row, in its own column."""
    outcomes, _ = corpus_tracker
    unflagged = [
        (o.tab, o.entry["column"], o.entry["what"])
        for o in outcomes
        if o.entry["problem"] is True and not any(p.column == o.entry["column"] for p in o.problems)
    ]
    assert unflagged == []


def test_corpus_cells_give_their_exact_problem_sentence(corpus_tracker):
    """Each cell with a stated Problem gets exactly that sentence on its row, in its column."""
    outcomes, _ = corpus_tracker
    wrong = [
        (o.entry["what"], o.entry["message"], [p.message for p in o.problems])
        for o in outcomes
        if "message" in o.entry
        and o.entry["message"]
        not in [p.message for p in o.problems if p.column == o.entry["column"]]
    ]
    assert wrong == []


def test_corpus_cells_read_as_their_accepted_value(corpus_tracker):
    """Each cell with a stated accepted value reads as exactly that (date, addresses, amount,
    title, ID, type)."""
    outcomes, _ = corpus_tracker
    wrong = [
        (o.entry["what"], o.entry["accepted"], o.read)
        for o in outcomes
        if "accepted" in o.entry and o.read != o.entry["accepted"]
    ]
    assert wrong == []


def test_plain_text_corpus_cells_are_kept_without_a_problem(corpus_tracker):
    """Formulas, HTML, CR/LF, emoji and RTL in free text are no Problem: just text."""
    outcomes, _ = corpus_tracker
    flagged = [
        (o.entry["column"], o.entry["what"], [p.message[:60] for p in o.problems])
        for o in outcomes
        if o.entry["problem"] is False and o.problems
    ]
    assert flagged == []


def test_titles_are_kept_verbatim(corpus_tracker):
    """A hostile Milestone title comes out of normalize exactly as typed."""
    outcomes, _ = corpus_tracker
    for o in outcomes:
        if (o.tab, o.entry["column"], o.entry["problem"]) == ("Milestones", "Milestone", False):
            assert o.read == str(cell_value(o.entry["value"])), o.entry["what"]


def test_blocked_corpus_rows_all_say_why(corpus_tracker):
    """Every typed milestone the run cannot schedule carries at least one Problem."""
    _, trackers = corpus_tracker
    silent = [
        int(row)
        for tracker in trackers
        for row in tracker.milestones.loc[
            tracker.milestones["blocked"] & tracker.milestones["source"].eq("manual"), "row"
        ]
        if not problems_at(tracker, "Milestones", int(row))
    ]
    assert silent == []


# -- the whole run, through the emulator and the outbox --------------------------------------


def finite(entry: dict[str, Any]) -> bool:
    """Whether the Sheets API can carry the cell (JSON has no NaN or infinity; a Google
    Sheet works out every formula, so has none without a value)."""
    value = cell_value(entry["value"])
    if isinstance(value, Uncomputed | Moving):
        return False
    return not (isinstance(value, float) and not math.isfinite(value))


@pytest.fixture(scope="module")
def whole_run(tmp_path_factory, raising):
    """Every carriable corpus cell in one Google Sheet (emulator), run once into an outbox."""
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


def unfolded(value: str) -> str:
    """A raw header value with its folding (CRLF or LF before a space or tab) undone."""
    return re.sub(r"\r?\n(?=[ \t])", "", value)


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


# -- property tests over normalize --------------------------------------------------------


HOSTILE_TEXT = sorted(
    {str(cell_value(e["value"]))[:300] for e in CORPUS if isinstance(e["value"], str)}
)
cells = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(),
    st.text(max_size=40),
    st.sampled_from(HOSTILE_TEXT),
    st.dates(min_value=dt.date(1850, 1, 1), max_value=dt.date(2200, 12, 31)).map(
        lambda d: d.isoformat()
    ),
    st.dates(min_value=dt.date(1850, 1, 1), max_value=dt.date(2200, 12, 31)).map(
        lambda d: f"{d:%m/%d/%Y}"
    ),
)
PROPERTY_SETTINGS = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
MILESTONE_INPUT = [h for h in MILESTONE_HEADER if h != "Repeat"]


def assert_told_in_words(tracker: Tracker, grids: dict[str, list[list[Any]]]) -> None:
    """The valid contract still reads, and each Problem is one sentence about a real row."""
    assert tracker.contracts["id"].tolist()[0] == "C-001"
    for problem in tracker.problems:
        assert problem.message.strip() and "\n" not in problem.message, problem
        assert "Traceback" not in problem.message, problem
        assert problem.row <= len(grids[problem.tab]), problem


@st.composite
def hostile_milestones(draw: st.DrawFn) -> tuple[dict[str, list[list[Any]]], dict[str, Any]]:
    """The base tracker plus one milestone whose cells in some columns are generated."""
    columns = draw(st.lists(st.sampled_from(MILESTONE_INPUT), min_size=1, max_size=4, unique=True))
    generated = {column: draw(cells) for column in columns}
    grids = base_grids()
    grids["Milestones"].append(milestone_row(2, **generated))
    return grids, generated


@st.composite
def hostile_contracts(draw: st.DrawFn) -> dict[str, list[list[Any]]]:
    """The base tracker plus a contract (and a milestone on it) with generated cells."""
    columns = draw(st.lists(st.sampled_from(CONTRACT_HEADER), min_size=1, max_size=4, unique=True))
    grids = base_grids()
    grids["Contracts"].append(contract_row(2, **{c: draw(cells) for c in columns}))
    grids["Milestones"].append(milestone_row(2, **{"Contract ID": "C-002"}))
    return grids


@PROPERTY_SETTINGS
@given(hostile_milestones())
def test_normalize_never_raises_on_generated_milestone_cells(case):
    """Any mix of text, numbers, booleans, None and dates in Milestones columns normalizes."""
    grids, _ = case
    assert_told_in_words(normalized(grids), grids)


@PROPERTY_SETTINGS
@given(hostile_contracts())
def test_normalize_never_raises_on_generated_contract_cells(grids):
    """Any mix of generated cells in Contracts columns normalizes."""
    assert_told_in_words(normalized(grids), grids)


@PROPERTY_SETTINGS
@given(
    st.sampled_from(
        [
            "Overdue repeat (days)",
            "Escalate after",
            "Summary day",
            "Digest",
            "Time zone",
            "Sender",
            "Remind: notice",
            "Log retention (days)",
        ]
    ),
    cells,
)
def test_normalize_never_raises_on_generated_settings(key, value):
    """Any generated Settings value normalizes (a bad one is a Problem, the default applies)."""
    grids = base_grids()
    grids["Settings"].append([key, value])
    assert_told_in_words(normalized(grids), grids)


@PROPERTY_SETTINGS
@given(hostile_milestones())
def test_a_row_that_cannot_be_scheduled_always_says_why(case):
    """A generated milestone the run cannot schedule has a Problem on its row."""
    grids, _ = case
    tracker = normalized(grids)
    row = tracker.milestones.iloc[-1]
    if row["blocked"]:
        assert problems_at(tracker, "Milestones", int(row["row"]))


@PROPERTY_SETTINGS
@given(hostile_milestones())
def test_a_cell_that_is_not_used_as_typed_gets_a_problem(case):
    """A non-blank Due Date not read as a date, or Owner with no address, is a Problem there."""
    grids, generated = case
    tracker = normalized(grids)
    row = tracker.milestones.iloc[-1]
    columns = {p.column for p in problems_at(tracker, "Milestones", int(row["row"]))}
    if _typed(generated.get("Due Date")) and str(row["due"]) == "NaT":
        assert "Due Date" in columns
    if _typed(generated.get("Owner")) and not row["owners"]:
        assert "Owner" in columns


def _typed(value: Any) -> bool:
    """Whether a person typed something visible: a cell holding only spaces, line breaks or
    other control characters (say a stray ``"\\r"``) reads as blank, as it looks blank."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return False
    if not isinstance(value, str):
        return True
    return any(not ch.isspace() and unicodedata.category(ch) != "Cc" for ch in value)


GOOD_ADDRESSES = ["raj@example.com", "Jane Doe <jane@example.com>", "=Bob <bob@example.com>"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    title=cells,
    contract=cells,
    owner=st.one_of(st.sampled_from(GOOD_ADDRESSES), cells, st.sampled_from(HOSTILE_TEXT)),
    escalate=st.one_of(st.sampled_from(GOOD_ADDRESSES), cells, st.sampled_from(HOSTILE_TEXT)),
    sender=st.one_of(cells, st.sampled_from(HOSTILE_TEXT)),
)
def test_generated_cells_never_reach_a_header(title, contract, owner, escalate, sender):
    """Whatever the title, contract name, Owner, Escalate To and Sender hold, every header
    sent is one line, no Bcc appears, and To/Cc hold only allowed, well-formed addresses."""
    grids = base_grids()
    grids["Contracts"].append(contract_row(2, **{"Contract": contract}))
    grids["Settings"].append(["Sender", sender])
    for number in (2, 3):  # one due soon, one overdue long enough to escalate
        cells_in = {"Contract ID": "C-002", "Milestone": title, "Escalate To": escalate}
        grids["Milestones"].append(milestone_row(number, Owner=owner, **cells_in))
    with tempfile.TemporaryDirectory() as folder:
        noon = dt.datetime.combine(TODAY, dt.time(12), dt.UTC)
        options = RunOptions(today=TODAY, clock=lambda: noon)
        run(MemoryBackend(grids), OutboxTransport(Path(folder)), options)
        parser = BytesParser(policy=policy.default)
        messages = [parser.parsebytes(p.read_bytes()) for p in Path(folder).glob("*.eml")]
    for message in messages:
        assert {name.lower() for name in message} <= HEADERS_SENT
        for _, value in message.raw_items():
            assert "\r" not in unfolded(str(value)) and "\n" not in unfolded(str(value))
        values = [str(v) for name in ("To", "Cc") for v in message.get_all(name, [])]
        for _, address in getaddresses(values):
            domain = validate_email(address, check_deliverability=False).ascii_domain.lower()
            assert domain == ALLOWED or domain.endswith("." + ALLOWED)
