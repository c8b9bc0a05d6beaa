"""batchUpdate requests stored on a tab or spreadsheet: formats, rules, protections, names."""

from __future__ import annotations

import copy
from typing import Any

from .errors import ApiError
from .model import IdMaker, Spreadsheet
from .requests_common import Handler, prune, range_sheet

OWNER_EMAIL = "owner@sheets-emulator.invalid"
"""The editor Google adds to every protected range: the spreadsheet's owner."""


def _store(attribute: str) -> Handler:
    def handler(book: Spreadsheet, request: dict[str, Any], ids: IdMaker) -> dict[str, Any]:
        grid_range = request.get("range") or (request.get("rule", {}).get("ranges") or [{}])[0]
        getattr(range_sheet(book, grid_range), attribute).append(prune(request))
        return {}

    handler.__doc__ = f"Store the request on the tab ({attribute}); nothing is rendered."
    return handler


def add_conditional_format_rule(
    book: Spreadsheet, request: dict[str, Any], ids: IdMaker
) -> dict[str, Any]:
    """Store a conditional format rule at its index."""
    rule = request.get("rule", {})
    sheet = range_sheet(book, (rule.get("ranges") or [{}])[0])
    sheet.conditional_formats.insert(int(request.get("index", 0)), prune(rule))
    return {}


def add_protected_range(book: Spreadsheet, request: dict[str, Any], ids: IdMaker) -> dict[str, Any]:
    """Protect a range; the reply carries it with a new protectedRangeId."""
    wanted = request.get("protectedRange", {})
    sheet = range_sheet(book, wanted.get("range", {}))
    stored = prune({"protectedRangeId": ids.number(), **wanted})
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
    named = prune({"namedRangeId": str(ids.number()), **request.get("namedRange", {})})
    book.named_ranges.append(named)
    return {"addNamedRange": {"namedRange": copy.deepcopy(named)}}


def delete_named_range(book: Spreadsheet, request: dict[str, Any], ids: IdMaker) -> dict[str, Any]:
    """Remove a named range by id."""
    wanted = str(request.get("namedRangeId"))
    book.named_ranges[:] = [n for n in book.named_ranges if n["namedRangeId"] != wanted]
    return {}


def set_basic_filter(book: Spreadsheet, request: dict[str, Any], ids: IdMaker) -> dict[str, Any]:
    """Set a tab's basic filter; a range without bounds covers the whole grid."""
    wanted = copy.deepcopy(request.get("filter", {}))
    grid_range = wanted.get("range", {})
    sheet = range_sheet(book, grid_range)
    full = {
        "startRowIndex": 0,
        "endRowIndex": sheet.row_count,
        "startColumnIndex": 0,
        "endColumnIndex": sheet.column_count,
    }
    wanted["range"] = {**full, **grid_range}
    sheet.basic_filter = prune(wanted)
    return {}


def clear_basic_filter(book: Spreadsheet, request: dict[str, Any], ids: IdMaker) -> dict[str, Any]:
    """Remove a tab's basic filter."""
    book.sheet_by_id(int(request.get("sheetId", 0))).basic_filter = None
    return {}


HANDLERS: dict[str, Handler] = {
    "repeatCell": _store("formats"),
    "setDataValidation": _store("validations"),
    "addConditionalFormatRule": add_conditional_format_rule,
    "addProtectedRange": add_protected_range,
    "deleteProtectedRange": delete_protected_range,
    "addNamedRange": add_named_range,
    "deleteNamedRange": delete_named_range,
    "setBasicFilter": set_basic_filter,
    "clearBasicFilter": clear_basic_filter,
}
