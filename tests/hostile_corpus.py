"""The hostile-cell corpus and the helpers its tests share (test_hostile.py, test_hostile_run.py,
test_hostile_properties.py, test_hostile_workbook.py).

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
import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sheetsync.backends.memory import MemoryBackend
from sheetsync.model import Moving, Snapshot, Uncomputed
from sheetsync.normalize import Tracker, normalize
from sheetsync.pipeline import RunOptions, prepare
from sheetsync.problems import Problem
from sheetsync.schema import CONTRACT_COLUMNS, LOG_COLUMNS, MILESTONE_COLUMNS

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


@functools.cache
def raising_corpus() -> tuple[dict[str, Any], ...]:
    """Corpus entries on which the pure steps raised (worked out once per process)."""
    return tuple(raising_entries(CORPUS))


def unfolded(value: str) -> str:
    """A raw header value with its folding (CRLF or LF before a space or tab) undone."""
    return re.sub(r"\r?\n(?=[ \t])", "", value)
