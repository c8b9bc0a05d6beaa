"""``updateCells`` and ``appendCells``: write cells' user-entered values (and a number
format) at a grid position, or below a tab's last row with data.

Only what sheetsync sends is implemented: ``fields`` of ``userEnteredValue``, optionally
with ``userEnteredFormat.numberFormat``; ``start`` (a GridCoordinate) or ``range`` (a
GridRange) for the top-left. A CellData without a value clears the cell, as Google does
when ``userEnteredValue`` is in ``fields``; ``null`` keeps nothing special either.
"""

from __future__ import annotations

from typing import Any

from .cells import Cell, Formatted, Formula, evaluate_formula, store_raw
from .errors import ApiError
from .model import IdMaker, Spreadsheet
from .requests_common import Handler

VALUE = "userEnteredValue"
NUMBER_FORMAT = "userEnteredFormat.numberFormat"


def handles(request: dict[str, Any]) -> bool:
    """Whether the fields an updateCells or appendCells writes are ones implemented here."""
    fields = _fields(request)
    return VALUE in fields and not fields - {VALUE, NUMBER_FORMAT}


def _fields(request: dict[str, Any]) -> set[str]:
    return {name.strip() for name in str(request.get("fields", "")).split(",") if name.strip()}


def update_cells(book: Spreadsheet, request: dict[str, Any], ids: IdMaker) -> dict[str, Any]:
    """Store the cells of ``rows`` from the top-left ``start`` (or ``range``) on."""
    fields = _fields(request)
    if not fields:
        raise ApiError.invalid("At least one field must be specified.")
    if not handles(request):
        raise ApiError.unimplemented(f"updateCells fields {sorted(fields)}")
    corner = request.get("start") or request.get("range")
    if not isinstance(corner, dict):
        raise ApiError.invalid("updateCells needs a start or a range")
    sheet = book.sheet_by_id(int(corner.get("sheetId", 0)))
    row0 = int(corner.get("rowIndex", corner.get("startRowIndex")) or 0)
    col0 = int(corner.get("columnIndex", corner.get("startColumnIndex")) or 0)
    rows = [row.get("values", []) for row in request.get("rows", [])]
    height, width = len(rows), max((len(r) for r in rows), default=0)
    if row0 + height > sheet.row_count or col0 + width > sheet.column_count:
        raise ApiError.invalid(
            f"Range exceeds grid limits. Max rows: {sheet.row_count}, "
            f"max columns: {sheet.column_count}"
        )
    formatted = NUMBER_FORMAT in fields
    sheet.grid.write(row0, col0, [[_stored(data, formatted) for data in row] for row in rows])
    return {}


def append_cells(book: Spreadsheet, request: dict[str, Any], ids: IdMaker) -> dict[str, Any]:
    """Store ``rows`` below the last row holding a value, adding grid rows when needed."""
    sheet = book.sheet_by_id(int(request.get("sheetId", 0)))
    rows = [row.get("values", []) for row in request.get("rows", [])]
    start = sheet.grid.extent()[0]
    if start + len(rows) > sheet.row_count:
        sheet.resize(rows=start + len(rows))
    width = max((len(r) for r in rows), default=0)
    if width > sheet.column_count:
        sheet.resize(columns=width)
    corner = {"sheetId": sheet.sheet_id, "rowIndex": start, "columnIndex": 0}
    wanted = {"start": corner, "rows": request.get("rows", []), "fields": request.get("fields")}
    return update_cells(book, wanted, ids)


def _stored(data: Any, formatted: bool) -> Cell:
    """The stored cell for one CellData."""
    value = (data or {}).get(VALUE) or {}
    if "formulaValue" in value:
        text = str(value["formulaValue"])
        return Formula(text, evaluate_formula(text[1:])) if text.startswith("=") else text
    if "stringValue" in value:
        return str(value["stringValue"]) or None
    if "boolValue" in value:
        return bool(value["boolValue"])
    if "numberValue" in value:
        number = store_raw(float(value["numberValue"]))
        pattern = _date_pattern(data) if formatted else None
        return Formatted(number, pattern, True) if pattern else number
    return None


def _date_pattern(data: dict[str, Any]) -> str | None:
    number_format = data.get("userEnteredFormat", {}).get("numberFormat", {})
    if number_format.get("type") in ("DATE", "DATE_TIME"):
        return str(number_format.get("pattern") or "yyyy-mm-dd")
    return None


HANDLERS: dict[str, Handler] = {"updateCells": update_cells, "appendCells": append_cells}
