"""create_workbook: a new tracker workbook, checked by opening it with openpyxl."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from sheetsync.backends.xlsx import XlsxBackend
from sheetsync.errors import UsageError
from sheetsync.init.sample import sample_tracker
from sheetsync.init.workbook import create_workbook
from sheetsync.model import Snapshot
from sheetsync.normalize import normalize
from sheetsync.pipeline import RunOptions, run
from sheetsync.schema import (
    CONTRACT_COLUMNS,
    CONTRACT_STATUSES,
    CONTRACT_SYSTEM,
    LOG_COLUMNS,
    MILESTONE_COLUMNS,
    MILESTONE_SYSTEM,
    STATUSES,
    TYPES,
)
from sheetsync.transports.outbox import OutboxTransport

ANCHOR = dt.date(2026, 12, 1)


@pytest.fixture
def blank(tmp_path: Path) -> openpyxl.Workbook:
    """A new tracker with canonical headers only, opened with openpyxl."""
    path = tmp_path / "tracker.xlsx"
    create_workbook(path)
    return openpyxl.load_workbook(path)


@pytest.fixture
def sample_path(tmp_path: Path) -> Path:
    """The sample tracker written to a workbook."""
    path = tmp_path / "sample.xlsx"
    create_workbook(path, sample_tracker(ANCHOR))
    return path


def header(sheet: Worksheet) -> list[object]:
    """Row 1 of ``sheet``."""
    return [cell.value for cell in sheet[1]]


def dropdowns(sheet: Worksheet) -> dict[str, list[str]]:
    """Each list validation's choices, by the header of the column it covers."""
    found = {}
    for rule in sheet.data_validations.dataValidation:
        column = str(rule.sqref).split(":")[0].rstrip("0123456789")
        found[str(sheet[f"{column}1"].value)] = rule.formula1.strip('"').split(",")
    return found


def test_tabs_in_order(blank: openpyxl.Workbook) -> None:
    """The workbook has the four tabs, Contracts first, then the program's Dashboard."""
    assert blank.sheetnames == ["Contracts", "Milestones", "Settings", "Log", "Dashboard"]


def test_canonical_headers_then_system_columns(blank: openpyxl.Workbook) -> None:
    """Each tab has the canonical headers, and the program's columns at the right end."""
    assert header(blank["Contracts"]) == [c.name for c in CONTRACT_COLUMNS] + list(CONTRACT_SYSTEM)
    milestones = [c.name for c in MILESTONE_COLUMNS] + list(MILESTONE_SYSTEM)
    assert header(blank["Milestones"]) == milestones
    assert header(blank["Settings"]) == ["Setting", "Value"]
    assert header(blank["Log"]) == list(LOG_COLUMNS)


def test_header_row_is_bold_and_frozen(blank: openpyxl.Workbook) -> None:
    """Every tab's header row is bold and stays in view when scrolling (not the Dashboard)."""
    for sheet in blank.worksheets[:4]:
        assert sheet.freeze_panes == "A2"
        assert all(cell.font.b for cell in sheet[1])


def test_system_headers_are_grey(blank: openpyxl.Workbook) -> None:
    """Only the program's columns have a grey header fill."""
    sheet = blank["Milestones"]
    grey = [c.value for c in sheet[1] if c.fill.fill_type == "solid"]
    assert grey == list(MILESTONE_SYSTEM)


def test_milestone_dropdowns(blank: openpyxl.Workbook) -> None:
    """Type offers the nine types and Done offers yes / no, down to the sheet's last row."""
    sheet = blank["Milestones"]
    assert dropdowns(sheet) == {"Type": list(TYPES), "Done": ["yes", "no"]}
    assert all(str(r.sqref).endswith("1048576") for r in sheet.data_validations.dataValidation)


def test_contract_dropdowns(blank: openpyxl.Workbook) -> None:
    """Contract Status, Risk and Auto-Renew offer their choices."""
    found = dropdowns(blank["Contracts"])
    assert found["Contract Status"] == list(CONTRACT_STATUSES)
    assert found["Risk"] == ["High", "Medium", "Low"]
    assert found["Auto-Renew"] == ["yes", "no"]


def test_status_column_is_coloured(blank: openpyxl.Workbook) -> None:
    """Every status has its own colour, over the whole Status column."""
    sheet = blank["Milestones"]
    rules = {
        rule.formula[0]: rule.dxf.fill.fgColor.rgb
        for cf in sheet.conditional_formatting
        for rule in cf.rules
    }
    assert set(rules) == {f'"{status}"' for status in STATUSES}
    assert len(set(rules.values())) == len(STATUSES)
    status = get_column_letter(header(sheet).index("Status") + 1)
    assert [str(cf.sqref) for cf in sheet.conditional_formatting] == [f"{status}2:{status}1048576"]


def test_every_tab_has_a_filter_on_its_header(blank: openpyxl.Workbook) -> None:
    """Each tab's header row offers a filter over all its columns and rows (not the Dashboard)."""
    for sheet in blank.worksheets[:4]:
        last = get_column_letter(sheet.max_column)
        assert sheet.auto_filter.ref == f"A1:{last}1048576", sheet.title


def test_date_columns_are_formatted(sample_path: Path) -> None:
    """Date cells show as yyyy-mm-dd, and so will dates typed later in that column."""
    sheet = openpyxl.load_workbook(sample_path)["Milestones"]
    assert sheet["E2"].number_format == "yyyy-mm-dd"
    assert sheet.column_dimensions["E"].number_format == "yyyy-mm-dd"


def test_refuses_to_overwrite(tmp_path: Path) -> None:
    """An existing file is never overwritten; the error says to choose a new name."""
    path = tmp_path / "tracker.xlsx"
    path.write_bytes(b"precious")
    with pytest.raises(UsageError, match="already exists; choose a new file name"):
        create_workbook(path)
    assert path.read_bytes() == b"precious"


def test_missing_folder_is_a_usage_error(tmp_path: Path) -> None:
    """A path in a folder that does not exist gives a one-line UsageError."""
    with pytest.raises(UsageError, match="cannot create"):
        create_workbook(tmp_path / "nowhere" / "tracker.xlsx")


def test_sample_has_user_columns_before_system_columns(sample_path: Path) -> None:
    """The sample keeps its Notes and Internal Ref columns, left of the program's columns."""
    book = openpyxl.load_workbook(sample_path)
    contracts, milestones = header(book["Contracts"]), header(book["Milestones"])
    assert contracts[-3:] == ["Link", "Internal Ref", *CONTRACT_SYSTEM][-3:]
    assert milestones.index("Notes") < milestones.index("Status")


def test_sample_is_deterministic() -> None:
    """The same anchor gives the same sample; another anchor moves its dates."""
    assert sample_tracker(ANCHOR) == sample_tracker(ANCHOR)
    assert sample_tracker(ANCHOR) != sample_tracker(ANCHOR + dt.timedelta(days=1))


def test_sample_size() -> None:
    """The sample has at least 24 contracts and 90 milestones."""
    grids = sample_tracker(ANCHOR)
    assert len(grids["Contracts"]) - 1 >= 24
    assert len(grids["Milestones"]) - 1 >= 90


def test_sample_reads_back_with_only_the_deliberate_problems(sample_path: Path) -> None:
    """Read back from the workbook, the sample's Problems are exactly its broken rows."""
    snapshot = XlsxBackend(sample_path).read()
    tracker = normalize(snapshot)
    notes = tracker.milestones.set_index("row")["notes"]
    broken = {row for row, note in notes.items() if note.startswith("Broken on purpose")}
    duplicate = {p.row for p in tracker.problems if p.column == "Milestone ID"}
    assert {p.row for p in tracker.problems} == broken | duplicate
    assert len(broken) == 6 and len(duplicate) == 2


def test_sample_covers_every_type_and_status_case() -> None:
    """The sample has every type, overdue rows, done rows and three blank IDs."""
    tracker = normalize(Snapshot("Sample", tabs=sample_tracker(ANCHOR)))
    frame = tracker.milestones
    assert set(frame["type"]) == set(TYPES)
    days = (frame["due"] - dt.datetime(2026, 12, 1)).dt.days
    assert {-1, -4, -12, -40} <= set(days.dropna().astype(int))
    assert frame["done"].sum() >= 4
    assert frame["new_id"].sum() == 3
    assert frame["cancelled"].any()


def shown(value: object) -> str:
    """The text a cell shows: dates as yyyy-mm-dd, as the tracker formats them."""
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    return "" if value is None else str(value)


def test_after_a_run_every_written_cell_can_be_read(sample_path: Path, tmp_path: Path) -> None:
    """System and Log cells a run fills in fit their column's width."""
    run(XlsxBackend(sample_path), OutboxTransport(tmp_path / "outbox"), RunOptions(today=ANCHOR))
    book = openpyxl.load_workbook(sample_path)
    run_headers = {*MILESTONE_SYSTEM, *CONTRACT_SYSTEM, *LOG_COLUMNS}
    clipped, written = [], 0
    for sheet in book.worksheets:
        for column, name in enumerate(header(sheet), start=1):
            if name not in run_headers:
                continue
            width = sheet.column_dimensions[get_column_letter(column)].width
            for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
                text = shown(cell.value)
                written += bool(text)
                if len(text) > width:
                    clipped.append(f"{sheet.title}!{cell.coordinate} {name}: {text}")
    assert written > 500, "the run filled in the system columns and the Log"
    assert clipped == []
