"""Small named fixtures: a tracker's grids, a workbook made from them, a fixed today,
one quota-free Sheets emulator per test module and each backend kind in turn."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest

import builders
from sheetsync.schema import LOG_COLUMNS
from sheetsync.testing.emulator import SheetsEmulator

TODAY = dt.date(2026, 11, 28)

CONTRACT_HEADER = [
    "Contract ID",
    "Contract",
    "Counterparty",
    "Owner",
    "Department",
    "Contract Status",
    "Internal Ref",
]
MILESTONE_HEADER = [
    "Milestone ID",
    "Contract ID",
    "Milestone",
    "Type",
    "Due Date",
    "Owner",
    "Escalate To",
    "Remind Days",
    "Done",
    "Completed On",
    "Notes",
]


def days(n: int) -> dt.date:
    """The day ``n`` days after TODAY."""
    return TODAY + dt.timedelta(days=n)


def milestone(
    key: str, contract: str, title: str, kind: str, due: dt.date, **cells: object
) -> list[object]:
    """A row of MILESTONE_HEADER: the named cells, blanks elsewhere."""
    return builders.row(
        MILESTONE_HEADER,
        milestone_id=key,
        contract_id=contract,
        milestone=title,
        type=kind,
        due_date=due,
        **cells,
    )


def default_milestones() -> list[list[object]]:
    """The small tracker's five milestones: due soon, overdue, far off, done, terminated."""
    return [
        milestone("M-0001", "C-001", "Renewal notice", "notice", days(30), notes="call Bob"),
        milestone(
            "M-0002", "C-002", "Quarterly payment", "payment", days(-4), owner="dan@example.com"
        ),
        milestone("M-0003", "C-001", "QBR", "QBR", days(100)),
        milestone(
            "M-0004",
            "C-002",
            "Deliver report",
            "report",
            days(-20),
            done="yes",
            completed_on=days(-21),
        ),
        milestone("M-0005", "C-003", "NDA review", "review", days(5)),
    ]


def tracker_grids(
    milestones: list[list[object]] | None = None,
    contracts: list[list[object]] | None = None,
    settings: list[list[object]] | None = None,
) -> dict[str, list[list[object]]]:
    """A small valid tracker; pass rows to replace the default ones."""
    contracts = (
        contracts
        if contracts is not None
        else [
            [
                "C-001",
                "Acme MSA",
                "Acme Corp",
                "Jane Doe <jane@example.com>",
                "Legal",
                "Active",
                "ref-1",
            ],
            ["C-002", "Globex lease", "Globex", "bob@example.com", "Finance", "", "ref-2"],
            ["C-003", "Old NDA", "Initech", "carol@example.com", "Legal", "Terminated", "ref-3"],
        ]
    )
    milestones = milestones if milestones is not None else default_milestones()
    settings = (
        settings
        if settings is not None
        else [
            ["Sender", "Contracts Desk <contracts@example.com>"],
            ["Default escalation", "gc@example.com"],
            ["Escalation: Finance", "cfo@example.com"],
        ]
    )
    return {
        "Contracts": [CONTRACT_HEADER, *contracts],
        "Milestones": [MILESTONE_HEADER, *milestones],
        "Settings": [["Setting", "Value"], *settings],
        "Log": [list(LOG_COLUMNS)],
    }


def write_workbook(path: Path, grids: dict[str, list[list[object]]]) -> Path:
    """Save ``grids`` as an .xlsx workbook, dates as real date cells."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, grid in grids.items():
        sheet = book.create_sheet(title)
        for row in grid:
            sheet.append(row)
        for cells in sheet.iter_rows():
            for cell in cells:
                if isinstance(cell.value, dt.date):
                    cell.number_format = "yyyy-mm-dd"
    book.save(path)
    return path


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    """The default small tracker as a workbook on disk."""
    return write_workbook(tmp_path / "tracker.xlsx", tracker_grids())


@pytest.fixture(scope="module")
def emulator() -> Iterator[SheetsEmulator]:
    """One Sheets API emulator for the test module, without quotas; a module may define its own."""
    with SheetsEmulator() as emu:
        emu.disable_quotas()
        yield emu


@pytest.fixture(params=["xlsx", "google"])
def kind(request: pytest.FixtureRequest) -> str:
    """Each backend kind in turn: a workbook file, then a Google Sheet on the emulator."""
    return str(request.param)
