"""normalize: raw grids → typed frames and Problems, against a small valid tracker.

``tests/data/bad_rows.json`` is a corpus of broken rows. Each entry's ``row`` holds the
cells that differ from a valid row of its tab; it is appended to the base tracker
(``copies`` times) and must produce a Problem on its own sheet row, in ``column``, whose
sentence contains ``expect``. An ``expect`` of null means the text must be accepted as
it is, with no Problem at all.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from sheetsync.cells.addresses import Address
from sheetsync.cells.dates import to_serial
from sheetsync.errors import SchemaError
from sheetsync.model import Grid, Snapshot
from sheetsync.normalize import Tracker, normalize
from sheetsync.schema import CONTRACT_COLUMNS, MILESTONE_COLUMNS

CORPUS = json.loads((Path(__file__).parent / "data" / "bad_rows.json").read_text("utf-8"))

CONTRACT_HEADER = [c.name for c in CONTRACT_COLUMNS]
MILESTONE_HEADER = [c.name for c in MILESTONE_COLUMNS]

VALID_CONTRACT = {
    "Contract ID": "C-003",
    "Contract": "Head office lease",
    "Counterparty": "Harbour Point Properties",
    "Contract Type": "Lease",
    "Owner": "Raj Patel <raj@example.com>",
    "Department": "Finance",
    "Value": "€ 45.000,00",
    "Start Date": to_serial(dt.date(2024, 1, 1)),
    "End Date": to_serial(dt.date(2028, 12, 31)),
    "Auto-Renew": "no",
    "Notice Period (days)": 180,
    "Risk": "High",
    "Contract Status": "Active",
}
VALID_MILESTONE = {
    "Milestone ID": "M-0003",
    "Contract ID": "C-001",
    "Milestone": "Pay the Q2 invoice",
    "Type": "payment",
    "Due Date": "2027-06-30",
    "Owner": "jane@example.com",
}
VALID_SETTING = {"Setting": "Digest", "Value": "yes"}
VALID = {"Contracts": VALID_CONTRACT, "Milestones": VALID_MILESTONE, "Settings": VALID_SETTING}
HEADERS = {
    "Contracts": CONTRACT_HEADER,
    "Milestones": MILESTONE_HEADER,
    "Settings": ["Setting", "Value"],
}


def row(tab: str, **cells: Any) -> list[Any]:
    """A row of ``tab`` in header order: a valid row with ``cells`` replaced."""
    merged = {**VALID[tab], **cells}
    return [merged.get(name, "") for name in HEADERS[tab]]


def base_grids() -> dict[str, Grid]:
    """A small valid tracker: two contracts, two milestones, a few settings."""
    return {
        "Contracts": [
            CONTRACT_HEADER,
            row("Contracts", **{"Contract ID": "C-001", "Owner": "Jane Doe <jane@example.com>"}),
            row("Contracts", **{"Contract ID": "C-002", "Value": "$1,200,000", "Risk": "Low"}),
        ],
        "Milestones": [
            MILESTONE_HEADER,
            row("Milestones", **{"Milestone ID": "M-0001", "Type": "renewal"}),
            row("Milestones", **{"Milestone ID": "M-0002", "Contract ID": "C-002"}),
        ],
        "Settings": [["Setting", "Value"], ["Locale", "en_US"], ["Allowed domains", "example.com"]],
    }


def run(grids: dict[str, Grid], locale: str | None = None) -> Tracker:
    """Normalize a snapshot of ``grids``."""
    return normalize(Snapshot("Tracker", tabs=grids, locale=locale))


def with_corpus_row(entry: dict[str, Any]) -> tuple[Tracker, list[int]]:
    """The base tracker plus the entry's row(s); also the sheet rows they landed on."""
    grids = base_grids()
    grid = grids[entry["tab"]]
    first = len(grid) + 1
    copies = entry.get("copies", 1)
    grid.extend(row(entry["tab"], **entry["row"]) for _ in range(copies))
    return run(grids), list(range(first, first + copies))


def milestones_with(*rows: list[Any], header: list[str] = MILESTONE_HEADER) -> Tracker:
    """The base tracker with its Milestones tab replaced."""
    grids = base_grids()
    grids["Milestones"] = [list(header), *rows]
    return run(grids)


def entry_id(entry: dict[str, Any]) -> str:
    return f"{entry['tab']}-{entry['column']}-{json.dumps(entry['row'], ensure_ascii=True)[:40]}"


FLAGGED = [e for e in CORPUS if e["expect"] is not None]
ACCEPTED = [e for e in CORPUS if e["expect"] is None]


def test_corpus_is_large_enough() -> None:
    """The corpus keeps at least 30 broken rows."""
    assert len(FLAGGED) >= 30


def test_base_tracker_has_no_problems() -> None:
    """The valid base tracker normalizes without a single Problem."""
    assert run(base_grids()).problems == []


@pytest.mark.parametrize("entry", FLAGGED, ids=entry_id)
def test_bad_row_gets_its_problem(entry: dict[str, Any]) -> None:
    """A broken row gets a Problem on its own sheet row and column that says what is wrong."""
    tracker, rows = with_corpus_row(entry)
    for sheet_row in rows:
        messages = [
            p.message
            for p in tracker.problems
            if (p.tab, p.row, p.column) == (entry["tab"], sheet_row, entry["column"])
        ]
        assert any(entry["expect"] in m for m in messages), (sheet_row, tracker.problems)


@pytest.mark.parametrize("entry", FLAGGED, ids=entry_id)
def test_bad_row_leaves_other_rows_alone(entry: dict[str, Any]) -> None:
    """A broken row puts no Problem on any other row."""
    tracker, rows = with_corpus_row(entry)
    assert [
        p for p in tracker.problems if (p.tab, p.row) not in {(entry["tab"], r) for r in rows}
    ] == []


@pytest.mark.parametrize("entry", ACCEPTED, ids=entry_id)
def test_odd_text_is_kept_as_typed(entry: dict[str, Any]) -> None:
    """Formula-looking text and line breaks in a title are plain text: no Problem, kept verbatim."""
    tracker, rows = with_corpus_row(entry)
    assert tracker.problems == []
    assert tracker.milestones.set_index("row").loc[rows[0], "title"] == entry["row"]["Milestone"]


def test_header_aliases_are_recognised() -> None:
    """Aliases such as Deadline, Assignee and "contract #" find their columns."""
    header = ["ID", "contract #", "Task", "Category", "Deadline", "Assignee"]
    tracker = milestones_with(
        ["M-0001", "C-001", "Renew", "renewal", "2027-05-01", "bob@example.com"], header=header
    )
    found = tracker.milestones.iloc[0]
    assert (found["contract_id"], found["title"], found["due"]) == (
        "C-001",
        "Renew",
        pd.Timestamp("2027-05-01"),
    )
    assert [a.email for a in found["owners"]] == ["bob@example.com"]


def test_headers_ignore_case_spaces_and_punctuation() -> None:
    """ " due_date ", "MILESTONE-ID" and "contract id" match their columns."""
    header = ["MILESTONE-ID", "contract id", "milestone", " due_date "]
    tracker = milestones_with(["M-0009", "C-002", "Audit", "2027-07-01"], header=header)
    assert tracker.milestones.loc[0, ["id", "due"]].tolist() == [
        "M-0009",
        pd.Timestamp("2027-07-01"),
    ]


def test_contract_header_aliases() -> None:
    """Contracts read through aliases: Contract No, Agreement, Vendor, Owner Email, TCV."""
    grids = base_grids()
    grids["Contracts"] = [
        ["Contract No", "Agreement", "Vendor", "Owner Email", "TCV", "Expiry Date"],
        ["C-001", "MSA", "Northwind", "jane@example.com", "1.2M", "2028-01-31"],
        ["C-002", "NDA", "Fabrikam", "raj@example.com", "", ""],
    ]
    contract = run(grids).contracts.iloc[0]
    assert (contract["counterparty"], contract["value"]) == ("Northwind", 1_200_000.0)
    assert contract["end"] == pd.Timestamp("2028-01-31")


def test_serial_number_dates() -> None:
    """A real date cell (a serial number, day 0 = 1899-12-30) is read as that date."""
    tracker = milestones_with(row("Milestones", **{"Due Date": 46477.0}))
    assert tracker.milestones.loc[0, "due"] == pd.Timestamp("2027-03-31")


@pytest.mark.parametrize(("locale", "expected"), [("en_US", "2027-04-05"), ("en_GB", "2027-05-04")])
def test_text_dates_follow_the_locale(locale: str, expected: str) -> None:
    """04/05/2027 is April 5 in en_US and 4 May in en_GB."""
    grids = base_grids()
    grids["Settings"] = [["Setting", "Value"], ["Locale", locale]]
    grids["Milestones"].append(row("Milestones", **{"Due Date": "04/05/2027"}))
    tracker = run(grids)
    assert tracker.milestones.set_index("row").loc[4, "due"] == pd.Timestamp(expected)


def test_spreadsheet_locale_applies_without_a_setting() -> None:
    """Without a Locale setting the spreadsheet's locale decides (en_GB: day first)."""
    grids = base_grids()
    grids["Settings"] = [["Setting", "Value"]]
    grids["Milestones"].append(row("Milestones", **{"Due Date": "04/05/2027"}))
    tracker = run(grids, locale="en_GB")
    assert tracker.milestones.set_index("row").loc[4, "due"] == pd.Timestamp("2027-05-04")


@pytest.mark.parametrize("text", ["31 Mar 2027", "March 31, 2027", "2027-03-31", "20270331"])
def test_month_names_and_iso_text(text: str) -> None:
    """Month names and ISO text are read as dates."""
    tracker = milestones_with(row("Milestones", **{"Due Date": text}))
    assert tracker.milestones.loc[0, "due"] == pd.Timestamp("2027-03-31")


def test_multiple_owners_with_display_names() -> None:
    """Several owners, with display names and mixed separators, are all kept, lower-cased."""
    cell = 'Jane Doe <Jane@Example.com>; "Patel, Raj" <raj@example.com>, bob@example.com'
    tracker = milestones_with(row("Milestones", Owner=cell))
    assert tracker.milestones.loc[0, "owners"] == (
        Address("Jane Doe", "jane@example.com"),
        Address("Patel, Raj", "raj@example.com"),
        Address("", "bob@example.com"),
    )
    assert tracker.problems == []


def test_blank_owner_falls_back_to_the_contract_owner() -> None:
    """A milestone with no Owner is owned by its contract's Owner."""
    tracker = milestones_with(row("Milestones", Owner=""))
    assert tracker.milestones.loc[0, "owners"] == (Address("Jane Doe", "jane@example.com"),)


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("QBR", "review"),
        ("invoice", "payment"),
        ("Invoices", "payment"),
        ("termination notice", "notice"),
        ("Renewal window", "renewal"),
        ("Audit", "review"),
        ("Sign-off", "approval"),
        ("Expiry", "expiration"),
        ("", "other"),
    ],
)
def test_type_synonyms(typed: str, canonical: str) -> None:
    """Type synonyms, plurals and blanks map to the nine types."""
    tracker = milestones_with(row("Milestones", Type=typed))
    assert tracker.milestones.loc[0, "type"] == canonical
    assert tracker.problems == []


def test_type_sets_default_lead_days() -> None:
    """A milestone's lead days default to its type's, and Remind Days overrides them."""
    tracker = milestones_with(
        row("Milestones", Type="QBR"),
        row("Milestones", **{"Milestone ID": "M-0004", "Remind Days": "7, 30"}),
    )
    assert tracker.milestones["lead_days"].tolist() == [(30, 7), (30, 7)]


def test_settings_change_a_types_lead_days() -> None:
    """A "Remind: payment" setting replaces the payment default."""
    grids = base_grids()
    grids["Settings"].append(["Remind: payment", "10, 3"])
    assert run(grids).milestones.set_index("id").loc["M-0002", "lead_days"] == (10, 3)


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("$1,200,000", 1_200_000.0),
        ("1.2M", 1_200_000.0),
        ("€ 45.000,00", 45_000.0),
        ("45 000 EUR", 45_000.0),
        ("USD 96,000", 96_000.0),
        ("9.5k", 9_500.0),
        (250000, 250_000.0),
    ],
)
def test_value_formats(typed: object, amount: float) -> None:
    """Values in common money formats are read as numbers."""
    grids = base_grids()
    grids["Contracts"].append(row("Contracts", Value=typed))
    tracker = run(grids)
    assert tracker.contracts.set_index("id").loc["C-003", "value"] == amount
    assert tracker.problems == []


def test_blank_ids_are_assigned_after_the_highest() -> None:
    """Blank Milestone IDs get the next numbers after the highest M-number, in row order."""
    tracker = milestones_with(
        row("Milestones", **{"Milestone ID": "M-0007"}),
        row("Milestones", **{"Milestone ID": ""}),
        row("Milestones", **{"Milestone ID": "M-0003"}),
        row("Milestones", **{"Milestone ID": ""}),
    )
    frame = tracker.milestones
    assert frame["id"].tolist() == ["M-0007", "M-0008", "M-0003", "M-0009"]
    assert frame["new_id"].tolist() == [False, True, False, True]


def test_duplicate_ids_are_flagged_on_both_rows() -> None:
    """Two rows with one ID each get a Problem naming both rows, and are not scheduled."""
    tracker = milestones_with(row("Milestones"), row("Milestones", Milestone="Other task"))
    flagged = [(p.row, p.column) for p in tracker.problems]
    assert flagged == [(2, "Milestone ID"), (3, "Milestone ID")]
    assert all("used on rows 2, 3" in p.message for p in tracker.problems)
    assert tracker.milestones["blocked"].tolist() == [True, True]


def test_milestones_of_a_terminated_contract_are_cancelled() -> None:
    """Milestones of a Terminated contract are cancelled; the others are not."""
    grids = base_grids()
    grids["Contracts"][2] = row(
        "Contracts", **{"Contract ID": "C-002", "Contract Status": "Terminated"}
    )
    frame = run(grids).milestones.set_index("contract_id")
    assert (frame.loc["C-001", "cancelled"], frame.loc["C-002", "cancelled"]) == (False, True)


def test_draft_contract_is_not_active() -> None:
    """A Draft contract is neither ended nor active, and its milestones are not cancelled."""
    grids = base_grids()
    grids["Contracts"][2] = row("Contracts", **{"Contract ID": "C-002", "Contract Status": "draft"})
    tracker = run(grids)
    contract = tracker.contracts.set_index("id").loc["C-002"]
    assert (contract["active"], contract["ended"]) == (False, False)
    assert not tracker.milestones["cancelled"].any()


def test_blank_rows_are_skipped_and_rows_keep_their_sheet_numbers() -> None:
    """Wholly blank rows are skipped; Problems name the row as the sheet numbers it."""
    blank = [""] * len(MILESTONE_HEADER)
    tracker = milestones_with(
        row("Milestones"),
        blank,
        blank,
        row("Milestones", **{"Milestone ID": "M-0004", "Due Date": "TBD"}),
    )
    assert tracker.milestones["row"].tolist() == [2, 5]
    assert [(p.row, p.column) for p in tracker.problems] == [(5, "Due Date")]


def test_tabs_are_found_ignoring_case_and_spaces() -> None:
    """Tab names match ignoring case and surrounding spaces."""
    grids = {f" {name.upper()} ": grid for name, grid in base_grids().items()}
    assert len(run(grids).milestones) == 2


def test_allowed_domains_argument_overrides_settings() -> None:
    """``allowed_domains`` passed in (the Cloud Function's variable) wins over the tab."""
    grids = base_grids()
    tracker = normalize(Snapshot("Tracker", tabs=grids), allowed_domains=("example.org",))
    assert {p.column for p in tracker.problems} == {"Owner"}
    assert tracker.milestones["blocked"].all()


def test_missing_milestones_tab_raises_schema_error() -> None:
    """A tracker without a Milestones tab cannot run: SchemaError with a one-line reason."""
    grids = base_grids()
    del grids["Milestones"]
    with pytest.raises(SchemaError, match="no Milestones tab") as info:
        run(grids)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("missing", ["Due Date", "Contract ID", "Milestone"])
def test_missing_required_column_raises_schema_error(missing: str) -> None:
    """A Milestones tab without a required column raises SchemaError naming it, on one line."""
    header = [h for h in MILESTONE_HEADER if h != missing]
    with pytest.raises(SchemaError, match=f"no {missing} column") as info:
        milestones_with(header=header)
    assert "\n" not in str(info.value)


def test_missing_contract_owner_column_raises_schema_error() -> None:
    """A Contracts tab without an Owner column raises SchemaError."""
    grids = base_grids()
    grids["Contracts"] = [[h for h in CONTRACT_HEADER if h != "Owner"]]
    with pytest.raises(SchemaError, match="Contracts tab has no Owner column"):
        run(grids)
