"""The Dashboard tab in a workbook: rewritten whole on every save of the run's status.

The tab is the program's: it is emptied (cells, formats, charts) and written again, so
it never grows and a person's edit in it does not survive the next run. Nothing outside
it is touched. The chart is an openpyxl column chart stacked by status.
"""

from __future__ import annotations

import datetime as dt
import logging

from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.numbers import BUILTIN_FORMATS
from openpyxl.utils import get_column_letter
from openpyxl.workbook import Workbook
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from ...dashboard import PERSONS_DASHBOARD, Dashboard, is_programs
from ...dashboard.layout import CHART_COLOURS
from ...schema import STATUSES

log = logging.getLogger(__name__)

# Excel's built-in short date (number format 14): Excel and LibreOffice show it in the
# reader's own locale (12/1/2026, 01/12/2026 …), as Google shows the Google Dashboard's
# dates (a DATE format without a pattern) in the sheet's locale.
DATE_FORMAT = BUILTIN_FORMATS[14]
NUMBER_FORMAT = "#,##0"
GREY = PatternFill("solid", fgColor="E6E6E6")
LEFT = Alignment(horizontal="left")  # numbers and dates under their left-aligned headers
CHART_SIZE_CM = (17, 10)


def write_dashboard(book: Workbook, board: Dashboard) -> None:
    """Empty the Dashboard tab (made when missing, after the other tabs) and write it;
    a person's own tab of that name is left as it is."""
    sheet = _emptied(book, board.tab)
    if sheet is None:
        return
    for number, row in enumerate(board.rows, start=1):
        for column, value in enumerate(row, start=1):
            if value is not None and value != "":
                _put(sheet.cell(number, column), value)
    sheet["A1"].font = Font(italic=True, color="666666")
    sheet["A2"].font = Font(bold=True, size=13)
    for number in board.titles:
        sheet.cell(number, 1).font = Font(bold=True, size=12)
    for number in board.headers:
        for column in range(1, len(board.rows[number - 1]) + 1):
            cell = sheet.cell(number, column)
            cell.font, cell.fill = Font(bold=True), GREY
    for index, width in enumerate(board.widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.add_chart(_chart(sheet, board), _anchor(board))
    _fit_page(sheet)


def _fit_page(sheet: Worksheet) -> None:
    """Printed (or saved as PDF) in landscape, one page wide."""
    sheet.page_setup.orientation = "landscape"
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0


def _emptied(book: Workbook, title: str) -> Worksheet | None:
    """The tab, emptied: a new sheet at the old one's place (case of its name kept); None,
    with a warning, when a person made a tab of that name (it is left as it is)."""
    for index, sheet in enumerate(book.worksheets):
        if sheet.title.strip().casefold() == title.strip().casefold():
            if not is_programs([list(row) for row in sheet.iter_rows(values_only=True)]):
                log.warning(PERSONS_DASHBOARD, sheet.title)
                return None
            name = sheet.title
            book.remove(sheet)
            return book.create_sheet(name, index)
    return book.create_sheet(title)


def _put(cell: object, value: object) -> None:
    cell.value = value  # type: ignore[attr-defined]
    cell.alignment = LEFT  # type: ignore[attr-defined]
    if isinstance(value, str) and cell.data_type == "f":  # type: ignore[attr-defined]
        cell.data_type = "s"  # type: ignore[attr-defined]
    if isinstance(value, dt.date):
        cell.number_format = DATE_FORMAT  # type: ignore[attr-defined]
    elif isinstance(value, float):
        cell.number_format = NUMBER_FORMAT  # type: ignore[attr-defined]


def _chart(sheet: Worksheet, board: Dashboard) -> BarChart:
    """Milestones due per month, one stacked column per month, a colour per status."""
    place = board.chart
    chart = BarChart()
    chart.type, chart.grouping, chart.overlap = "col", "stacked", 100
    chart.title = place.title
    chart.y_axis.title = "Milestones"
    chart.x_axis.delete = False  # openpyxl hides both axes unless told otherwise
    chart.y_axis.delete = False
    data = Reference(
        sheet,
        min_col=2,
        max_col=place.last_column,
        min_row=place.header_row,
        max_row=place.last_row,
    )
    chart.add_data(data, titles_from_data=True)
    for series, status in zip(chart.series, STATUSES, strict=False):
        series.graphicalProperties.solidFill = CHART_COLOURS[status]
    chart.set_categories(
        Reference(sheet, min_col=1, min_row=place.first_row, max_row=place.last_row)
    )
    chart.width, chart.height = CHART_SIZE_CM
    chart.legend.position = "b"
    return chart


def _anchor(board: Dashboard) -> str:
    return f"{get_column_letter(board.chart.anchor_column)}{board.chart.anchor_row}"
