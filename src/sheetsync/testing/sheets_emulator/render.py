"""Render stored cells as ``valueRenderOption`` / ``dateTimeRenderOption`` ask."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .cells import Cell, Formatted, Formula, date_of
from .errors import ApiError

VALUE_RENDER_OPTIONS = ("FORMATTED_VALUE", "UNFORMATTED_VALUE", "FORMULA")
DATE_RENDER_OPTIONS = ("SERIAL_NUMBER", "FORMATTED_STRING")
Renderer = Callable[[Cell], Any]


def renderer(value_render: str | None, date_render: str | None) -> Renderer:
    """Return the function that turns one stored cell into its JSON value.

    Args:
        value_render: FORMATTED_VALUE (default), UNFORMATTED_VALUE or FORMULA.
        date_render: SERIAL_NUMBER (default) or FORMATTED_STRING.

    Raises:
        ApiError: an unknown option (400, like Google).
    """
    value_render = value_render or "FORMATTED_VALUE"
    date_render = date_render or "SERIAL_NUMBER"
    if value_render not in VALUE_RENDER_OPTIONS:
        raise ApiError.invalid(f"Invalid value at 'value_render_option' ({value_render})")
    if date_render not in DATE_RENDER_OPTIONS:
        raise ApiError.invalid(f"Invalid value at 'date_time_render_option' ({date_render})")
    if value_render == "FORMATTED_VALUE":
        return formatted
    dates_as_text = date_render == "FORMATTED_STRING"
    keep_formulas = value_render == "FORMULA"

    def render(cell: Cell) -> Any:
        if cell is None:
            return ""
        if isinstance(cell, Formula):
            return cell.text if keep_formulas else render(cell.value)
        if isinstance(cell, Formatted):
            return format_number(cell) if (cell.is_date and dates_as_text) else cell.number
        return cell

    return render


def formatted(cell: Cell) -> str:
    """Return the text a person sees in the cell (FORMATTED_VALUE)."""
    kind = type(cell)
    if kind is str:
        return cell
    if cell is None or kind is bool:
        return {None: "", True: "TRUE", False: "FALSE"}[cell]
    if kind is int or kind is float:
        return general_number(cell)
    if kind is Formula:
        return formatted(cell.value)
    return format_number(cell) if kind is Formatted else str(cell)


def general_number(number: float) -> str:
    """Format a number with the "Automatic" format: ``53``, ``1.45``, ``0.0009765625``."""
    if isinstance(number, float) and number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    text = format(number, ".15g")
    return text.replace("e+", "E+").replace("e-", "E-")


def format_number(cell: Formatted) -> str:
    """Apply a cell's number format (date patterns, ``#,##0.00``, ``0%``)."""
    pattern = cell.pattern
    if cell.is_date:
        return format_date(cell.number, pattern)
    if pattern.endswith("%"):
        return general_number(round(cell.number * 100, 10)) + "%"
    decimals = len(pattern.split(".")[1]) if "." in pattern else 0
    grouping = "," if "," in pattern else ""
    return format(cell.number, f"{grouping}.{decimals}f")


def format_date(serial: float, pattern: str) -> str:
    """Render a serial date through a pattern made of yyyy, yy, mm, m, dd and d."""
    day = date_of(serial)
    parts = {
        "yyyy": f"{day.year:04d}",
        "yy": f"{day.year % 100:02d}",
        "mm": f"{day.month:02d}",
        "m": str(day.month),
        "dd": f"{day.day:02d}",
        "d": str(day.day),
    }
    out, index = [], 0
    lowered = pattern.lower()
    while index < len(lowered):
        for token in ("yyyy", "yy", "mm", "m", "dd", "d"):
            if lowered.startswith(token, index):
                out.append(parts[token])
                index += len(token)
                break
        else:
            out.append(pattern[index])
            index += 1
    return "".join(out)
