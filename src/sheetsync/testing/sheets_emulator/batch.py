"""``spreadsheets:batchUpdate``: dispatch each request to its handler, all or nothing."""

from __future__ import annotations

from typing import Any

from . import cell_writes, charts, merges, metadata, paste, rules, tabs
from .errors import ApiError
from .model import IdMaker, Spreadsheet
from .requests_common import Handler, range_sheet
from .sorting import sort_range
from .undo import Undo


def sort(book: Spreadsheet, request: dict[str, Any], ids: IdMaker) -> dict[str, Any]:
    """Sort the rows of a range by one or more columns."""
    grid_range = request.get("range", {})
    sort_range(range_sheet(book, grid_range), grid_range, request.get("sortSpecs", []))
    return {}


def merge_cells(book: Spreadsheet, request: dict[str, Any], ids: IdMaker) -> dict[str, Any]:
    """Merge cells; values other than each area's top-left one are cleared."""
    grid_range = request.get("range", {})
    merges.merge(range_sheet(book, grid_range), grid_range, request.get("mergeType", "MERGE_ALL"))
    return {}


def unmerge_cells(book: Spreadsheet, request: dict[str, Any], ids: IdMaker) -> dict[str, Any]:
    """Unmerge every merged area overlapping the range."""
    grid_range = request.get("range", {})
    merges.unmerge(range_sheet(book, grid_range), grid_range)
    return {}


def copy_paste(book: Spreadsheet, request: dict[str, Any], ids: IdMaker) -> dict[str, Any]:
    """Copy a block of cells onto another, repeated to fill it."""
    source, target = request.get("source", {}), request.get("destination", {})
    src_sheet, dst_sheet = range_sheet(book, source), range_sheet(book, target)
    src, dst = paste.grid_box(src_sheet, source), paste.grid_box(dst_sheet, target)
    paste.copy_paste(src_sheet, src, dst_sheet, dst)
    return {}


def cut_paste(book: Spreadsheet, request: dict[str, Any], ids: IdMaker) -> dict[str, Any]:
    """Move a block of cells to a new top-left corner."""
    source, target = request.get("source", {}), request.get("destination", {})
    src_sheet, dst_sheet = range_sheet(book, source), range_sheet(book, target)
    paste.cut_paste(
        src_sheet,
        paste.grid_box(src_sheet, source),
        dst_sheet,
        int(target.get("rowIndex", 0)),
        int(target.get("columnIndex", 0)),
    )
    return {}


def accept(book: Spreadsheet, request: dict[str, Any], ids: IdMaker) -> dict[str, Any]:
    """Accept a request whose effect only shows in grid data, which the emulator never serves."""
    return {}


HANDLERS: dict[str, Handler] = {
    **tabs.HANDLERS,
    **rules.HANDLERS,
    **metadata.HANDLERS,
    **charts.HANDLERS,
    **cell_writes.HANDLERS,
    "sortRange": sort,
    "mergeCells": merge_cells,
    "unmergeCells": unmerge_cells,
    "copyPaste": copy_paste,
    "cutPaste": cut_paste,
    "updateDimensionProperties": accept,
    "autoResizeDimensions": accept,
}
"""Every batchUpdate request kind the emulator implements."""


def batch_update(book: Spreadsheet, body: dict[str, Any], ids: IdMaker) -> dict[str, Any]:
    """Apply every request in order, all or nothing, and return Google's replies."""
    requests = body.get("requests", []) if isinstance(body, dict) else None
    if not isinstance(requests, list) or not all(isinstance(r, dict) for r in requests):
        raise ApiError.invalid("Invalid JSON payload: 'requests' must be a list of objects")
    undo = Undo(book)
    replies = []
    try:
        for position, request in enumerate(requests):
            undo.before(request)
            replies.append(_apply_one(book, position, request, ids))
    except Exception:
        undo.restore()
        raise
    book.touch()
    answer: dict[str, Any] = {"spreadsheetId": book.spreadsheet_id, "replies": replies}
    if body.get("includeSpreadsheetInResponse") is True:
        answer["updatedSpreadsheet"] = book.to_json()
    return answer


def _apply_one(book: Spreadsheet, position: int, request: dict[str, Any], ids: IdMaker) -> Any:
    if len(request) != 1:
        raise ApiError.invalid(f"Invalid requests[{position}]: exactly one kind is required")
    kind, payload = next(iter(request.items()))
    handler = HANDLERS.get(kind)
    if handler is None:
        raise ApiError.unimplemented(f"batchUpdate request {kind!r}")
    try:
        if not isinstance(payload or {}, dict):
            raise ApiError.invalid("the request must be an object")
        return handler(book, payload or {}, ids)
    except ApiError as error:
        if error.code != 400 or error.message.startswith("Invalid requests["):
            raise
        raise ApiError.invalid(f"Invalid requests[{position}].{kind}: {error.message}") from None
    except (TypeError, ValueError, AttributeError, KeyError, IndexError) as error:
        message = f"Invalid requests[{position}].{kind}: bad value ({error})"
        raise ApiError.invalid(message) from None
