"""Generated cells (hypothesis) through normalize and a whole run: normalize never raises,
a row it cannot use says why in words, nothing reaches an email header (issue 7, part 5;
the corpus and helpers in hostile_corpus.py).
"""

from __future__ import annotations

import datetime as dt
import math
import tempfile
import unicodedata
from email import policy
from email.parser import BytesParser
from email.utils import getaddresses
from pathlib import Path
from typing import Any

from email_validator import validate_email
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hostile_corpus import (
    ALLOWED,
    CONTRACT_HEADER,
    CORPUS,
    HEADERS_SENT,
    MILESTONE_HEADER,
    TODAY,
    base_grids,
    cell_value,
    contract_row,
    milestone_row,
    normalized,
    problems_at,
    unfolded,
)
from sheetsync.backends.memory import MemoryBackend
from sheetsync.normalize import Tracker
from sheetsync.pipeline import RunOptions, run
from sheetsync.transports.outbox import OutboxTransport

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
