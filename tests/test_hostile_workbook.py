"""Hostile cells in a workbook (issue 10 item 3): text that looks like a formula stays text,
and a Due Date typed as a formula keeps working run after run."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import openpyxl

from conftest import TODAY, tracker_grids
from sheetsync.backends.xlsx import XlsxBackend
from sheetsync.pipeline import RunOptions, check, run
from sheetsync.transports.outbox import OutboxTransport

DUE = 4  # Milestones column index of Due Date
LEADS = ["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)"]


def options(today: dt.date = TODAY) -> RunOptions:
    """Run as of ``today`` at noon UTC."""
    noon = dt.datetime(today.year, today.month, today.day, 12, tzinfo=dt.UTC)
    return RunOptions(today=today, clock=lambda: noon)


def save(path: Path, grids: dict, formulas: dict[str, str] | None = None) -> Path:
    """Save ``grids``: every text a text cell, dates as dates, ``formulas`` {cell: formula}
    on the Milestones tab as real formulas."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, grid in grids.items():
        sheet = book.create_sheet(title)
        for r, row in enumerate(grid, start=1):
            for c, value in enumerate(row, start=1):
                cell = sheet.cell(r, c, value)
                if isinstance(value, str):
                    cell.data_type = "s"
                if isinstance(value, dt.date):
                    cell.number_format = "yyyy-mm-dd"
    for ref, formula in (formulas or {}).items():
        book["Milestones"][ref] = formula
    book.save(path)
    return path


def as_excel_saves(path: Path, results: dict[str, float]) -> None:
    """Put a saved result into formula cells of the Milestones tab, as Excel does on save."""
    with zipfile.ZipFile(path) as archive:
        members = {i.filename: archive.read(i) for i in archive.infolist()}
    name = "xl/worksheets/sheet2.xml"  # Milestones is the second tab
    xml = members[name].decode()
    for ref, value in results.items():
        xml, count = re.subn(rf'(<c r="{ref}"[^>]*><f>[^<]*</f>)<v\s*/>', rf"\1<v>{value}</v>", xml)
        assert count == 1, ref
    members[name] = xml.encode()
    with zipfile.ZipFile(path, "w") as archive:
        for member, data in members.items():
            archive.writestr(member, data)


def messages_of(tmp_path: Path, path: Path, today: dt.date) -> list[str]:
    """Problems of a check of ``path`` on ``today``."""
    return [p.message for p in check(XlsxBackend(path), options(today)).problems]


def test_text_written_back_that_starts_like_a_formula_stays_text(tmp_path):
    """Contract IDs =1+1, +cmd|…, -2+3 and @SUM(A1) reach the Log as text, never formulas."""
    grids = tracker_grids()
    for row, lead in zip(grids["Contracts"][1:], LEADS, strict=False):
        row[0] = lead
    for row, lead in zip(grids["Milestones"][1:], LEADS, strict=False):
        row[1] = lead
    path = save(tmp_path / "t.xlsx", grids)
    result = run(XlsxBackend(path), OutboxTransport(tmp_path / "out"), options())
    assert result.emails > 0
    book = openpyxl.load_workbook(path)
    cells = [c for tab in book.worksheets for row in tab.iter_rows() for c in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    log = [row for row in book["Log"].iter_rows(values_only=True)][1:]
    assert {row[3] for row in log} & set(LEADS) == {"=1+1", "+cmd|' /C calc'!A0"}
    typed = [row[0] for row in book["Contracts"].iter_rows(values_only=True)][1:4]
    assert typed == LEADS[:3]


def test_a_due_date_formula_keeps_its_saved_value_on_the_next_days_run(tmp_path):
    """=DATE(…) and =E2+3 as Due Dates still read as dates after a run has saved the file,
    and stay formulas."""
    path = save(tmp_path / "t.xlsx", tracker_grids(), {"E3": "=DATE(2026,11,24)", "E4": "=E3+3"})
    serial = (dt.date(2026, 11, 24) - dt.date(1899, 12, 30)).days
    as_excel_saves(path, {"E3": serial, "E4": serial + 3})
    for day in range(3):
        today = TODAY + dt.timedelta(days=day)
        run(XlsxBackend(path), OutboxTransport(tmp_path / "out"), options(today))
        assert messages_of(tmp_path, path, today) == []
    values = openpyxl.load_workbook(path, data_only=True)["Milestones"]
    assert (values["E3"].value.date(), values["E4"].value.date()) == (
        dt.date(2026, 11, 24),
        dt.date(2026, 11, 27),
    )
    formulas = openpyxl.load_workbook(path)["Milestones"]
    assert (formulas["E3"].value, formulas["E4"].value) == ("=DATE(2026,11,24)", "=E3+3")
    header = [c.value for c in formulas[1]]
    days_left = formulas.cell(3, header.index("Days Left") + 1).value
    assert days_left == (dt.date(2026, 11, 24) - (TODAY + dt.timedelta(days=2))).days


def test_a_formula_with_no_saved_value_is_reported_as_that(tmp_path):
    """A Due Date formula no spreadsheet app ever worked out is a Problem that says so."""
    path = save(tmp_path / "t.xlsx", tracker_grids(), {"E3": "=DATE(2026,11,24)"})
    assert messages_of(tmp_path, path, TODAY) == [
        "Due Date: is a formula with no saved value; open and save the workbook in Excel "
        "or type the date"
    ]


def test_a_due_date_worked_out_from_today_is_a_problem(tmp_path):
    """=TODAY()+30 as a Due Date moves every day: a Problem, never a silent moving target."""
    path = save(tmp_path / "t.xlsx", tracker_grids(), {"E3": "=TODAY()+30"})
    as_excel_saves(path, {"E3": 46000})
    assert messages_of(tmp_path, path, TODAY) == [
        "Due Date: is worked out from TODAY() or NOW(), so it moves every day; type the date"
    ]
