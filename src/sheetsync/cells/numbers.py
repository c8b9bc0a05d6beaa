"""Number and yes / no cells: ``90, 30, 7``, ``14 days``, ``yes``, a ticked box."""

from __future__ import annotations

import math
import re

from .text import cell_text


def parse_int_list(text: object) -> tuple[int, ...] | None:
    """Read ``"90, 30, 7"`` (or a single number) as whole numbers of days, largest first."""
    if isinstance(text, bool):
        return None
    if isinstance(text, int | float):
        whole = math.isfinite(text) and text == int(text)
        return (int(text),) if whole and 0 <= text <= 3650 else None
    pieces = [p for p in re.split(r"[,;/\s]+|\band\b", str(text).strip()) if p]
    if not pieces or not all(re.fullmatch(r"\d{1,4}", p) for p in pieces):
        return None
    values = sorted({int(p) for p in pieces}, reverse=True)
    return tuple(values) if values[0] <= 3650 else None


def whole_number(value: object, low: int, high: int) -> int | None:
    """One whole number from ``low`` to ``high`` (``14``, ``14.0``); None otherwise."""
    days = parse_int_list(value)
    return days[0] if days and len(days) == 1 and low <= days[0] <= high else None


def whole_count(value: object, low: int, high: int) -> int | None:
    """``whole_number`` of a cell that may name its unit: ``30 days``, ``12 months``, ``6 mo.``."""
    unitless = re.sub(r"\s*(days?|months?|mo)\.?$", "", cell_text(value), flags=re.I)
    return whole_number(unitless, low, high)


def parse_yes_no(text: object) -> bool | None:
    """Read a yes / no cell: checkboxes, ✓, x, true, done …; None when unreadable."""
    if isinstance(text, bool):
        return text
    if isinstance(text, int | float):
        return bool(text) if text in (0, 1) else None
    word = str(text).strip().casefold()
    if word in {"yes", "y", "true", "1", "✓", "✔", "☑", "x", "done", "completed", "complete"}:
        return True
    if word in {"no", "n", "false", "0", "", "☐", "not done", "open", "pending"}:
        return False
    return None
