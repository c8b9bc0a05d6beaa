"""``spreadsheets:batchUpdate``: the structural requests (tabs, rows, formats, protections)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from . import defaults, merges
from .errors import ApiError
from .masks import copy_fields
from .model import IdMaker, Sheet, Spreadsheet
from .sorting import sort_range

Handler = Callable[[Spreadsheet, dict[str, Any], IdMaker], dict[str, Any]]
OWNER_EMAIL = "owner@sheets-emulator.invalid"


def _prune(value: Any) -> Any:
    """Drop what Google leaves out of answers: nulls, false, empty lists, sheetId 0."""
    if isinstance(value, dict):
        pruned = {
            k: _prune(v) for k, v in value.items() if not (v is None or v is False or v == [])
        }
        if pruned.get("sheetId") == 0:
            del pruned["sheetId"]
        return pruned
    if isinstance(value, list):
        return [_prune(item) for item in value]
    return value


def _range_sheet(book: Spreadsheet, grid_range: dict[str, Any]) -> Sheet:
    return book.sheet_by_id(int(grid_range.get("sheetId", 0)))


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
    sheet = _range_sheet(book, dim_range)
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


def _store(attribute: str) -> Handler:
    def handler(book: Spreadsheet, request: dict[str, Any], ids: IdMaker) -> dict[str, Any]:
        grid_range = request.get("range") or (request.get("rule", {}).get("ranges") or [{}])[0]
        getattr(_range_sheet(book, grid_range), attribute).append(_prune(request))
        return {}

    handler.__doc__ = f"Store the request on the tab ({attribute}); nothing is rendered."
    return handler


def add_conditional_format_rule(
    book: Spreadsheet, request: dict[str, Any], ids: IdMaker
) -> dict[str, Any]:
    """Store a conditional format rule at its index."""
    rule = request.get("rule", {})
    sheet = _range_sheet(book, (rule.get("ranges") or [{}])[0])
    sheet.conditional_formats.insert(int(request.get("index", 0)), _prune(rule))
    return {}


def add_protected_range(book: Spreadsheet, request: dict[str, Any], ids: IdMaker) -> dict[str, Any]:
    """Protect a range; the reply carries it with a new protectedRangeId."""
    wanted = request.get("protectedRange", {})
    sheet = _range_sheet(book, wanted.get("range", {}))
    stored = _prune({"protectedRangeId": ids.number(), **wanted})
    stored["requestingUserCanEdit"] = True
    stored["editors"] = {"users": [OWNER_EMAIL]}
    sheet.protected_ranges.append(stored)
    return {"addProtectedRange": {"protectedRange": {**stored, "editors": {}}}}


def delete_protected_range(
    book: Spreadsheet, request: dict[str, Any], ids: IdMaker
) -> dict[str, Any]:
    """Remove a protected range by id."""
    wanted = int(request.get("protectedRangeId", -1))
    for sheet in book.sheets:
        for stored in sheet.protected_ranges:
            if stored["protectedRangeId"] == wanted:
                sheet.protected_ranges.remove(stored)
                return {}
    raise ApiError.invalid(f"No protected range with id: {wanted}")


def add_named_range(book: Spreadsheet, request: dict[str, Any], ids: IdMaker) -> dict[str, Any]:
    """Name a range; the reply carries it with a new namedRangeId."""
    named = _prune({"namedRangeId": str(ids.number()), **request.get("namedRange", {})})
    book.named_ranges.append(named)
    return {"addNamedRange": {"namedRange": copy.deepcopy(named)}}


def delete_named_range(book: Spreadsheet, request: dict[str, Any], ids: IdMaker) -> dict[str, Any]:
    """Remove a named range by id."""
    wanted = str(request.get("namedRangeId"))
    book.named_ranges[:] = [n for n in book.named_ranges if n["namedRangeId"] != wanted]
    return {}


def sort(book: Spreadsheet, request: dict[str, Any], ids: IdMaker) -> dict[str, Any]:
    """Sort the rows of a range by one or more columns."""
    grid_range = request.get("range", {})
    sort_range(_range_sheet(book, grid_range), grid_range, request.get("sortSpecs", []))
    return {}


def merge_cells(book: Spreadsheet, request: dict[str, Any], ids: IdMaker) -> dict[str, Any]:
    """Merge cells; values other than each area's top-left one are cleared."""
    grid_range = request.get("range", {})
    merges.merge(_range_sheet(book, grid_range), grid_range, request.get("mergeType", "MERGE_ALL"))
    return {}


def unmerge_cells(book: Spreadsheet, request: dict[str, Any], ids: IdMaker) -> dict[str, Any]:
    """Unmerge every merged area overlapping the range."""
    grid_range = request.get("range", {})
    merges.unmerge(_range_sheet(book, grid_range), grid_range)
    return {}


def accept(book: Spreadsheet, request: dict[str, Any], ids: IdMaker) -> dict[str, Any]:
    """Accept a request whose effect only shows in grid data, which the emulator never serves."""
    return {}


HANDLERS: dict[str, Handler] = {
    "addSheet": add_sheet,
    "deleteSheet": delete_sheet,
    "updateSheetProperties": update_sheet_properties,
    "updateSpreadsheetProperties": update_spreadsheet_properties,
    "insertDimension": insert_dimension,
    "deleteDimension": delete_dimension,
    "appendDimension": append_dimension,
    "repeatCell": _store("formats"),
    "setDataValidation": _store("validations"),
    "addConditionalFormatRule": add_conditional_format_rule,
    "addProtectedRange": add_protected_range,
    "deleteProtectedRange": delete_protected_range,
    "addNamedRange": add_named_range,
    "deleteNamedRange": delete_named_range,
    "sortRange": sort,
    "mergeCells": merge_cells,
    "unmergeCells": unmerge_cells,
    "updateDimensionProperties": accept,
    "autoResizeDimensions": accept,
}


def batch_update(book: Spreadsheet, body: dict[str, Any], ids: IdMaker) -> dict[str, Any]:
    """Apply every request in order, all or nothing, and return Google's replies."""
    requests = body.get("requests", [])
    snapshot = _snapshot(book)
    replies = []
    try:
        for position, request in enumerate(requests):
            replies.append(_apply_one(book, position, request, ids))
    except ApiError:
        _restore(book, snapshot)
        raise
    book.touch()
    return {"spreadsheetId": book.spreadsheet_id, "replies": replies}


def _snapshot(book: Spreadsheet) -> Any:
    sheets = [
        (sheet, copy.deepcopy(sheet.props), [row[:] for row in sheet.grid.rows], sheet.merges[:])
        for sheet in book.sheets
    ]
    return copy.deepcopy(book.props), sheets, copy.deepcopy(book.named_ranges)


def _restore(book: Spreadsheet, snapshot: Any) -> None:
    props, sheets, named = snapshot
    book.props, book.named_ranges = props, named
    book.sheets = [sheet for sheet, *_ in sheets]
    for sheet, sheet_props, rows, merged in sheets:
        sheet.props, sheet.grid.rows, sheet.merges = sheet_props, rows, merged


def _apply_one(book: Spreadsheet, position: int, request: dict[str, Any], ids: IdMaker) -> Any:
    if len(request) != 1:
        raise ApiError.invalid(f"Invalid requests[{position}]: exactly one kind is required")
    kind, payload = next(iter(request.items()))
    handler = HANDLERS.get(kind)
    if handler is None:
        raise ApiError.unimplemented(f"batchUpdate request {kind!r}")
    try:
        return handler(book, payload or {}, ids)
    except ApiError as error:
        if error.code != 400 or error.message.startswith("Invalid requests["):
            raise
        raise ApiError.invalid(f"Invalid requests[{position}].{kind}: {error.message}") from None
