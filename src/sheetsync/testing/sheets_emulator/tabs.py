"""batchUpdate requests on tabs and their grids: add, delete, rename, resize, rows, columns."""

from __future__ import annotations

import copy
from typing import Any

from . import defaults, groups
from .errors import ApiError
from .masks import copy_fields
from .model import IdMaker, Sheet, Spreadsheet
from .requests_common import Handler, range_sheet


def add_sheet(book: Spreadsheet, request: dict[str, Any], ids: IdMaker) -> dict[str, Any]:
    """Add a tab; the reply carries its properties."""
    wanted = request.get("properties", {})
    title = wanted.get("title") or _free_title(book)
    if book.find_sheet(title) is not None:
        raise ApiError.invalid(
            f'A sheet with the name "{title}" already exists. Please enter another name.'
        )
    sheet_id = wanted.get("sheetId", ids.number())
    grid = wanted.get("gridProperties", {})
    props = defaults.sheet_properties(
        sheet_id,
        title,
        grid.get("rowCount", defaults.DEFAULT_ROWS),
        grid.get("columnCount", defaults.DEFAULT_COLUMNS),
    )
    extra = {k: v for k, v in wanted.items() if k not in ("sheetId", "title", "index")}
    extra.pop("gridProperties", None)
    props.update(extra)
    props["gridProperties"].update({k: v for k, v in grid.items() if k.startswith("frozen")})
    index = min(int(wanted.get("index", len(book.sheets))), len(book.sheets))
    book.sheets.insert(index, Sheet(props))
    book.reindex()
    return {"addSheet": {"properties": copy.deepcopy(Sheet(props).to_json()["properties"])}}


def _free_title(book: Spreadsheet) -> str:
    number = len(book.sheets) + 1
    while book.find_sheet(f"Sheet{number}") is not None:
        number += 1
    return f"Sheet{number}"


def delete_sheet(book: Spreadsheet, request: dict[str, Any], ids: IdMaker) -> dict[str, Any]:
    """Remove a tab (never the last one)."""
    sheet = book.sheet_by_id(int(request.get("sheetId", 0)))
    if len(book.sheets) == 1:
        raise ApiError.invalid("You can't remove all the sheets in a document.")
    book.sheets.remove(sheet)
    book.reindex()
    return {}


def update_sheet_properties(
    book: Spreadsheet, request: dict[str, Any], ids: IdMaker
) -> dict[str, Any]:
    """Change tab properties named by the ``fields`` mask (title, grid size, frozen rows...)."""
    wanted = request.get("properties", {})
    sheet = book.sheet_by_id(int(wanted.get("sheetId", 0)))
    before = copy.deepcopy(sheet.props)
    copy_fields(sheet.props, wanted, request.get("fields", ""))
    if sheet.props.get("hidden") and all(s.props.get("hidden") for s in book.sheets):
        sheet.props = before
        raise ApiError.invalid("You can't hide all the sheets in a document.")
    if sheet.title != before["title"] and _title_taken(book, sheet):
        sheet.props = before
        raise ApiError.invalid(
            f'A sheet with the name "{wanted["title"]}" already exists. Please enter another name.'
        )
    grid = sheet.props.setdefault("gridProperties", {})
    old_grid = before["gridProperties"]
    grid.setdefault("rowCount", old_grid["rowCount"])
    grid.setdefault("columnCount", old_grid["columnCount"])
    sheet.resize(rows=int(grid["rowCount"]), columns=int(grid["columnCount"]))
    if sheet.props.get("index", before["index"]) != before["index"]:
        _move(book, sheet, int(sheet.props["index"]))
    book.reindex()
    return {}


def _title_taken(book: Spreadsheet, sheet: Sheet) -> bool:
    return any(s is not sheet and s.title.lower() == sheet.title.lower() for s in book.sheets)


def _move(book: Spreadsheet, sheet: Sheet, index: int) -> None:
    old = book.sheets.index(sheet)
    book.sheets.remove(sheet)
    book.sheets.insert(index - 1 if index > old else index, sheet)


def update_spreadsheet_properties(
    book: Spreadsheet, request: dict[str, Any], ids: IdMaker
) -> dict[str, Any]:
    """Change the title, locale or time zone named by the ``fields`` mask."""
    copy_fields(book.props, request.get("properties", {}), request.get("fields", ""))
    return {}


def _dimension(book: Spreadsheet, dim_range: dict[str, Any]) -> tuple[Sheet, bool, int, int]:
    sheet = range_sheet(book, dim_range)
    rows = dim_range.get("dimension") == "ROWS"
    limit = sheet.row_count if rows else sheet.column_count
    start = int(dim_range.get("startIndex", 0))
    end = int(dim_range.get("endIndex", limit))
    if not 0 <= start < end:
        raise ApiError.invalid("Invalid dimension range: startIndex must be less than endIndex")
    return sheet, rows, start, end


def insert_dimension(book: Spreadsheet, request: dict[str, Any], ids: IdMaker) -> dict[str, Any]:
    """Insert empty rows or columns."""
    sheet, rows, start, end = _dimension(book, request.get("range", {}))
    if rows:
        sheet.grid.insert_rows(start, end - start)
        sheet.props["gridProperties"]["rowCount"] += end - start
    else:
        sheet.grid.insert_columns(start, end - start)
        sheet.props["gridProperties"]["columnCount"] += end - start
    return {}


def delete_dimension(book: Spreadsheet, request: dict[str, Any], ids: IdMaker) -> dict[str, Any]:
    """Delete rows or columns (the cells below or to the right move up or left)."""
    sheet, rows, start, end = _dimension(book, request.get("range", {}))
    limit = sheet.row_count if rows else sheet.column_count
    end = min(end, limit)
    if end - start >= limit:
        raise ApiError.invalid("You can't delete all the rows on the sheet.")
    if rows:
        sheet.grid.delete_rows(start, end)
        sheet.props["gridProperties"]["rowCount"] -= end - start
    else:
        sheet.grid.delete_columns(start, end)
        sheet.props["gridProperties"]["columnCount"] -= end - start
    return {}


def append_dimension(book: Spreadsheet, request: dict[str, Any], ids: IdMaker) -> dict[str, Any]:
    """Add rows or columns at the end of a tab."""
    sheet = book.sheet_by_id(int(request.get("sheetId", 0)))
    key = "rowCount" if request.get("dimension") == "ROWS" else "columnCount"
    sheet.props["gridProperties"][key] += int(request.get("length", 0))
    return {}


def add_dimension_group(book: Spreadsheet, request: dict[str, Any], ids: IdMaker) -> dict[str, Any]:
    """Group rows or columns; the reply lists the dimension's groups."""
    dim_range = request.get("range", {})
    found = groups.add_group(range_sheet(book, dim_range), dim_range)
    return {"addDimensionGroup": {"dimensionGroups": found}}


def delete_dimension_group(
    book: Spreadsheet, request: dict[str, Any], ids: IdMaker
) -> dict[str, Any]:
    """Ungroup rows or columns; the reply lists the groups left."""
    dim_range = request.get("range", {})
    left = groups.delete_group(range_sheet(book, dim_range), dim_range)
    return {"deleteDimensionGroup": {"dimensionGroups": left} if left else {}}


HANDLERS: dict[str, Handler] = {
    "addSheet": add_sheet,
    "deleteSheet": delete_sheet,
    "updateSheetProperties": update_sheet_properties,
    "updateSpreadsheetProperties": update_spreadsheet_properties,
    "insertDimension": insert_dimension,
    "deleteDimension": delete_dimension,
    "appendDimension": append_dimension,
    "addDimensionGroup": add_dimension_group,
    "deleteDimensionGroup": delete_dimension_group,
}
