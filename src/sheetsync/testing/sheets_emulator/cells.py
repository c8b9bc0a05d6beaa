"""Cell values: what ``valueInputOption`` stores and what ``valueRenderOption`` shows.

A stored cell is ``None`` (empty), a ``str``, a ``bool``, an ``int``/``float``, a
:class:`Formatted` number (a date or a number typed with separators) or a :class:`Formula`.
"""

from __future__ import annotations

import ast
import datetime as dt
import operator
import re
from dataclasses import dataclass
from typing import Any

from .errors import ApiError

EPOCH = dt.date(1899, 12, 30)
DATE_PATTERNS = {"iso": "yyyy-mm-dd", "mdy": "m/d/yyyy", "dmy": "dd/mm/yyyy"}
_MONTH_FIRST_LOCALES = {"en_US", "en_PH", "es_US", "en_CA"}
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_SLASH_DATE = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$")


@dataclass(frozen=True)
class Formatted:
    """A number shown through a number format (dates are serial numbers with a date pattern)."""

    number: float
    pattern: str
    is_date: bool = False


@dataclass(frozen=True)
class Formula:
    """A formula and its evaluated value (the formula text when it cannot be evaluated)."""

    text: str
    value: Any


Cell = Any


def serial_of(day: dt.date) -> int:
    """Return the spreadsheet serial number of a date (day 0 = 1899-12-30)."""
    return (day - EPOCH).days


def date_of(serial: float) -> dt.date:
    """Return the date of a serial number (the fraction, a time of day, is dropped)."""
    return EPOCH + dt.timedelta(days=int(serial // 1))


def store_raw(value: Any) -> Cell:
    """Return the stored cell for a value sent with ``valueInputOption=RAW``."""
    if value == "" or value is None:
        return None
    if isinstance(value, bool | str):
        return value
    if isinstance(value, int | float):
        return _whole(value)
    raise ApiError.invalid(f"Invalid values: {type(value).__name__} is not a cell value")


def store_user_entered(value: Any, locale: str) -> Cell:
    """Return the stored cell for a value sent with ``valueInputOption=USER_ENTERED``."""
    if not isinstance(value, str):
        return store_raw(value)
    text = value.strip()
    if not text:
        return None
    if value.startswith("'"):
        return value[1:] or None
    if text.startswith("="):
        return Formula(value, evaluate_formula(text[1:]))
    if text.upper() in ("TRUE", "FALSE"):
        return text.upper() == "TRUE"
    return _parse_number(text) or _parse_date(text, locale) or value


def _whole(number: float) -> float:
    if isinstance(number, float) and number.is_integer() and abs(number) < 1e15:
        return int(number)
    return number


def _parse_number(text: str) -> Cell:
    if _NUMBER.match(text):
        return _whole(float(text))
    if _GROUPED.match(text):
        decimals = len(text.split(".")[1]) if "." in text else 0
        pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
        return Formatted(_whole(float(text.replace(",", ""))), pattern)
    if text.endswith("%") and _NUMBER.match(text[:-1]):
        return Formatted(float(text[:-1]) / 100, "0%")
    return None


def _parse_date(text: str, locale: str) -> Formatted | None:
    iso = _ISO_DATE.match(text)
    slash = _SLASH_DATE.match(text)
    try:
        if iso:
            day = dt.date(int(iso[1]), int(iso[2]), int(iso[3]))
            return Formatted(serial_of(day), DATE_PATTERNS["iso"], True)
        if slash:
            first, second, year = int(slash[1]), int(slash[2]), int(slash[3])
            if locale in _MONTH_FIRST_LOCALES:
                day = dt.date(year, first, second)
                return Formatted(serial_of(day), DATE_PATTERNS["mdy"], True)
            return Formatted(serial_of(dt.date(year, second, first)), DATE_PATTERNS["dmy"], True)
    except ValueError:
        return None
    return None


_OPERATORS: dict[type, Any] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
}


def evaluate_formula(expression: str) -> Any:
    """Evaluate arithmetic on numbers (``1/1024``); anything else stays the formula text."""
    try:
        tree = ast.parse(expression.strip().replace("^", "**"), mode="eval")
        return _whole(float(_evaluate(tree.body)))
    except (SyntaxError, ValueError, TypeError, ZeroDivisionError, OverflowError):
        return "=" + expression


def _evaluate(node: ast.AST) -> float:
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return float(node.value)
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        return _OPERATORS[type(node.op)](_evaluate(node.left), _evaluate(node.right))
    if isinstance(node, ast.UnaryOp) and type(node.op) in _OPERATORS:
        return _OPERATORS[type(node.op)](_evaluate(node.operand))
    raise ValueError("not arithmetic")
