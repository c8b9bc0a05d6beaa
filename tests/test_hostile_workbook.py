"""Hostile cells in a workbook (issue 10 item 3): text that looks like a formula stays text,
and a Due Date typed as a formula keeps working run after run."""

from __future__ import annotations

import datetime as dt
import math
import re
import zipfile
from email import policy
from email.parser import BytesParser
from pathlib import Path

import openpyxl
import openpyxl.utils
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from conftest import TODAY, tracker_grids
from hostile_corpus import CORPUS, HEADERS_SENT, cell_value, corpus_grids
from hostile_corpus import TODAY as CORPUS_TODAY
from sheetsync.backends.xlsx import XlsxBackend
from sheetsync.pipeline import RunOptions, check, run
from sheetsync.schema import CONTRACT_SYSTEM, MILESTONE_SYSTEM
from sheetsync.transports.outbox import OutboxTransport

DUE = 4  # Milestones column index of Due Date
SYSTEM = {*CONTRACT_SYSTEM, *MILESTONE_SYSTEM, "Source", "Escalation Level"}
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


def as_excel_saves(
    path: Path, results: dict[str, float], name: str = "xl/worksheets/sheet2.xml"
) -> None:
    """Put a saved result into formula cells of one tab (by default Milestones, the second),
    as Excel does on save."""
    with zipfile.ZipFile(path) as archive:
        members = {i.filename: archive.read(i) for i in archive.infolist()}
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


# -- the whole corpus in a workbook, run twice ------------------------------------------------


def corpus_workbook(path: Path) -> tuple[Path, dict[str, list[list[object]]]]:
    """Every corpus cell a workbook can hold, in one workbook: text as text, formulas as real
    formulas (with their saved result where the corpus gives one)."""
    entries = [e for e in CORPUS if _holdable(e)]
    grids, placed = corpus_grids(entries)
    formulas: dict[tuple[str, int, int], dict] = {}
    for entry, (tab, row) in zip(entries, placed, strict=True):
        if isinstance(entry["value"], dict) and "formula" in entry["value"]:
            column = 2 if tab == "Settings" else grids[tab][0].index(entry["column"]) + 1
            formulas[(tab, row, column)] = entry["value"]
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, grid in grids.items():
        sheet = book.create_sheet(title)
        for r, cells in enumerate(grid, start=1):
            for c, value in enumerate(cells, start=1):
                cell = sheet.cell(r, c, value if not isinstance(value, str) else str(value))
                cell.data_type = "s" if isinstance(value, str) else cell.data_type
    for (tab, row, column), spec in formulas.items():
        book[tab].cell(row, column).value = spec["formula"]
    book.save(path)
    for tab, number in (("Contracts", 1), ("Milestones", 2)):
        saved = {
            f"{openpyxl.utils.get_column_letter(c)}{r}": spec["saved"]
            for (t, r, c), spec in formulas.items()
            if t == tab and "saved" in spec
        }
        as_excel_saves(path, saved, f"xl/worksheets/sheet{number}.xml")
    return path, grids


def _holdable(entry: dict) -> bool:
    """Whether a workbook cell can hold the corpus value: no NUL, ESC …, at most 32,767
    characters (Excel's limit), finite numbers."""
    value = entry["value"]
    if isinstance(value, dict) and "formula" in value:
        return True
    value = cell_value(value)
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, str):
        return len(value) <= 32_767 and not ILLEGAL_CHARACTERS_RE.search(value)
    return True


def typed_cells(path: Path) -> dict[tuple[str, int, int], object]:
    """Every cell of Contracts, Milestones and Settings outside the system columns, as stored
    (formulas as their text)."""
    book = openpyxl.load_workbook(path)
    cells = {}
    for tab in ("Contracts", "Milestones", "Settings"):
        sheet = book[tab]
        header = [c.value for c in sheet[1]]
        system = {h for h in header if h in SYSTEM}
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if header[cell.column - 1] not in system and cell.value is not None:
                    cells[(tab, cell.row, cell.column)] = cell.value
    return cells


def test_the_whole_corpus_in_a_workbook_runs_twice_and_keeps_every_typed_cell(tmp_path):
    """Every corpus cell a workbook can hold: two runs send mail with clean headers, leave
    every typed cell (formulas too) as it was, write no formula, and send nothing twice."""
    path, _ = corpus_workbook(tmp_path / "corpus.xlsx")
    before = typed_cells(path)
    outbox = tmp_path / "outbox"
    first = run(XlsxBackend(path), OutboxTransport(outbox), options(CORPUS_TODAY))
    second = run(XlsxBackend(path), OutboxTransport(outbox), options(CORPUS_TODAY))
    assert {"reminder", "overdue", "escalation"} <= set(first.items)
    assert first.emails > 0 and second.emails == 0
    after = typed_cells(path)
    assert {k: (v, after.get(k)) for k, v in before.items() if after.get(k) != v} == {}
    book = openpyxl.load_workbook(path)
    written = [
        (tab.title, c.coordinate)
        for tab in book.worksheets
        for row in tab.iter_rows()
        for c in row
        if c.data_type == "f" and (tab.title, c.row, c.column) not in before
    ]
    assert written == []
    parser = BytesParser(policy=policy.default)
    for file in outbox.glob("*.eml"):
        message = parser.parsebytes(file.read_bytes())
        assert {name.lower() for name in message} <= HEADERS_SENT
        assert all(str(value).isprintable() for _, value in message.items())
