"""The ``spreadsheets.values`` collection: get, batchGet, update, batchUpdate, append, clear."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from .a1 import Box, column_letters, format_box, split_range
from .cells import store_raw, store_user_entered
from .errors import ApiError
from .grid import SKIP
from .model import Sheet, Spreadsheet, cells_label
from .render import renderer

Query = dict[str, list[str]]
INPUT_OPTIONS = ("RAW", "USER_ENTERED")


def param(query: Query, name: str, default: str | None = None) -> str | None:
    """Return the last value of a query parameter, or ``default``."""
    values = query.get(name)
    return values[-1] if values else default


def locate(book: Spreadsheet, text: str) -> tuple[Sheet, Box]:
    """Resolve an A1 range to a tab and a rectangle inside its grid (400 when outside)."""
    sheet, bounds = book.resolve(text)
    box = sheet.box(bounds)
    sheet.check_inside(box, cells_label(sheet, split_range(text)[1]))
    return sheet, box


def read_range(book: Spreadsheet, text: str, query: Query) -> dict[str, Any]:
    """Return the ValueRange of one A1 range, trimmed like Google's."""
    sheet, box = locate(book, text)
    render = renderer(param(query, "valueRenderOption"), param(query, "dateTimeRenderOption"))
    major = param(query, "majorDimension", "ROWS") or "ROWS"
    if major not in ("ROWS", "COLUMNS"):
        raise ApiError.invalid(f"Invalid value at 'major_dimension' ({major})")
    values = sheet.grid.read(box, render)
    if major == "COLUMNS":
        values = _transpose(values, fill="")
    answer: dict[str, Any] = {"range": format_box(sheet.title, box), "majorDimension": major}
    if values:
        answer["values"] = values
    return answer


def _transpose(rows: list[list[Any]], fill: Any) -> list[list[Any]]:
    width = max((len(row) for row in rows), default=0)
    columns = [[row[i] if i < len(row) else fill for row in rows] for i in range(width)]
    for column in columns:
        while column and column[-1] == fill:
            column.pop()
    return columns


def get(book: Spreadsheet, text: str, query: Query, body: Any) -> dict[str, Any]:
    """``GET values/{range}``."""
    return read_range(book, text, query)


def batch_get(book: Spreadsheet, _text: str, query: Query, body: Any) -> dict[str, Any]:
    """``GET values:batchGet?ranges=...``."""
    ranges = [read_range(book, text, query) for text in query.get("ranges", [])]
    return {"spreadsheetId": book.spreadsheet_id, "valueRanges": ranges}


def _input_converter(option: str | None, locale: str) -> Callable[[Any], Any]:
    if option is None:
        raise ApiError.invalid("'valueInputOption' is required but not specified")
    if option not in INPUT_OPTIONS:
        raise ApiError.invalid(f"Invalid value at 'value_input_option' ({option})")
    if option == "RAW":
        return lambda value: SKIP if value is None else store_raw(value)
    return lambda value: SKIP if value is None else store_user_entered(value, locale)


def data_rows(data: dict[str, Any]) -> list[list[Any]]:
    """Return the rows of a ValueRange body, transposing ``majorDimension=COLUMNS``."""
    values = data.get("values", [])
    if not isinstance(values, list) or not all(isinstance(row, list) for row in values):
        message = (
            "Invalid value at 'data.values' (type.googleapis.com/google.protobuf.ListValue), "
            + _json_text(values)
        )
        raise ApiError.bad_field("data.values", message)
    if data.get("majorDimension") == "COLUMNS":
        width = max((len(row) for row in values), default=0)
        return [[col[i] if i < len(col) else None for col in values] for i in range(width)]
    return values


def _json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _stats(rows: list[list[Any]]) -> tuple[int, int, int]:
    written_rows = sum(1 for row in rows if any(value is not None for value in row))
    columns = {i for row in rows for i, value in enumerate(row) if value is not None}
    cells = sum(1 for row in rows for value in row if value is not None)
    return written_rows, len(columns), cells


def write_values(
    book: Spreadsheet, sheet: Sheet, start: Box, rows: list[list[Any]], option: str | None
) -> tuple[Box, dict[str, Any]]:
    """Store ``rows`` at ``start``'s top-left.

    Returns:
        The rectangle written and Google's UpdateValuesResponse for it.
    """
    convert = _input_converter(option, book.locale)
    height, width = len(rows), max((len(row) for row in rows), default=0)
    box = Box(start.row0, start.col0, start.row0 + max(height, 1), start.col0 + max(width, 1))
    sheet.check_inside(box, format_box(sheet.title, box))
    sheet.grid.write(box.row0, box.col0, [[convert(value) for value in row] for row in rows])
    book.touch()
    answer: dict[str, Any] = {"spreadsheetId": book.spreadsheet_id}
    written_rows, written_columns, cells = _stats(rows)
    if cells or height:
        answer["updatedRange"] = format_box(sheet.title, box)
    if cells:
        answer.update(updatedRows=written_rows, updatedColumns=written_columns)
        answer["updatedCells"] = cells
    return box, answer


def wants_values(flag: Any) -> bool:
    """Read ``includeValuesInResponse`` from a query string value or a JSON body."""
    return str(flag).lower() == "true"


def _checked(book: Spreadsheet, data: Any) -> tuple[Sheet, Box, list[list[Any]]]:
    """Validate one ValueRange to write: its range, its shape, that it fits."""
    if not isinstance(data, dict):
        raise ApiError.invalid("Invalid data: each entry must be a ValueRange object")
    rows = data_rows(data)
    text = str(data.get("range", ""))
    sheet, box = locate(book, text)
    _check_fits(sheet, text, box, rows)
    return sheet, box, rows


def _update_one(
    book: Spreadsheet, checked: tuple[Sheet, Box, list[list[Any]]], option: str | None
) -> tuple[Sheet, Box, dict[str, Any]]:
    sheet, box, rows = checked
    written, answer = write_values(book, sheet, box, rows, option)
    return sheet, written, answer


def _check_fits(sheet: Sheet, text: str, box: Box, rows: list[list[Any]]) -> None:
    single = box.rows == 1 and box.cols == 1
    if single:
        return
    label = cells_label(sheet, split_range(text)[1])
    if len(rows) > box.rows:
        raise ApiError.invalid(
            f"Requested writing within range [{label}], "
            f"but tried writing to row [{box.row0 + len(rows)}]"
        )
    width = max((len(row) for row in rows), default=0)
    if width > box.cols:
        raise ApiError.invalid(
            f"Requested writing within range [{label}], but tried writing to column "
            f"[{column_letters(box.col0 + width - 1)}]"
        )


def update(book: Spreadsheet, text: str, query: Query, body: Any) -> dict[str, Any]:
    """``PUT values/{range}``."""
    if not isinstance(body, dict):
        raise ApiError.invalid("Invalid JSON payload received: expected a ValueRange object")
    data = {**body, "range": text}
    checked = _checked(book, data)
    _, _, answer = _update_one(book, checked, param(query, "valueInputOption"))
    if wants_values(param(query, "includeValuesInResponse")) and "updatedRange" in answer:
        answer["updatedData"] = read_range(book, answer["updatedRange"], response_query(query))
    return answer


def response_query(query: Query) -> Query:
    """Render options for ``updatedData`` (``responseValueRenderOption``...)."""
    return {
        "valueRenderOption": query.get("responseValueRenderOption", []),
        "dateTimeRenderOption": query.get("responseDateTimeRenderOption", []),
    }


def batch_update(book: Spreadsheet, _text: str, query: Query, body: Any) -> dict[str, Any]:
    """``POST values:batchUpdate``."""
    body = body if isinstance(body, dict) else {}
    option = body.get("valueInputOption")
    entries = body.get("data", [])
    checked = [_checked(book, data) for data in (entries if isinstance(entries, list) else [0])]
    convert = _input_converter(option, book.locale)
    if len(checked) > 1:  # all or nothing: a bad value anywhere refuses the whole batch
        _ = [convert(value) for _, _, rows in checked for row in rows for value in row]
    written = [_update_one(book, item, option) for item in checked]
    out: dict[str, Any] = {"spreadsheetId": book.spreadsheet_id}
    changed = [item for item in written if "updatedCells" in item[2]]
    if changed:
        out.update(_totals(changed))
    out["responses"] = [answer for _, _, answer in written]
    return out


def _totals(written: list[tuple[Sheet, Box, dict[str, Any]]]) -> dict[str, int]:
    rows = {(sheet.sheet_id, r) for sheet, box, _ in written for r in range(box.row0, box.row1)}
    cols = {(sheet.sheet_id, c) for sheet, box, _ in written for c in range(box.col0, box.col1)}
    return {
        "totalUpdatedRows": len(rows),
        "totalUpdatedColumns": len(cols),
        "totalUpdatedCells": sum(answer["updatedCells"] for _, _, answer in written),
        "totalUpdatedSheets": len({sheet.sheet_id for sheet, _, _ in written}),
    }


def clear(book: Spreadsheet, text: str, query: Query, body: Any) -> dict[str, Any]:
    """``POST values/{range}:clear``."""
    return {"spreadsheetId": book.spreadsheet_id, "clearedRange": _clear_one(book, text)}


def batch_clear(book: Spreadsheet, _text: str, query: Query, body: Any) -> dict[str, Any]:
    """``POST values:batchClear``."""
    cleared = [_clear_one(book, text) for text in (body or {}).get("ranges", [])]
    return {"spreadsheetId": book.spreadsheet_id, "clearedRanges": cleared}


def _clear_one(book: Spreadsheet, text: str) -> str:
    sheet, box = locate(book, text)
    sheet.grid.clear(box)
    book.touch()
    return format_box(sheet.title, box)
