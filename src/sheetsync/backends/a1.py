"""A1 notation, one place for both backends: column numbers as letters and back.

Columns are 1-based here, as people count them (1 → A, 27 → AA); the emulator's
0-based helpers build on these.
"""

from __future__ import annotations

import re

_CELL = re.compile(r"([A-Za-z]+)(\d+)")


def column_letters(column: int) -> str:
    """The letters of a 1-based column: 1 → A, 26 → Z, 27 → AA."""
    letters = ""
    while column > 0:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_number(letters: str) -> int:
    """The 1-based column of ``letters``: A → 1, AA → 27 (case ignored)."""
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


def cell_name(row: int, column: int) -> str:
    """The A1 name of a cell from its 1-based row and column: (2, 3) → C2."""
    return f"{column_letters(column)}{row}"


def cell_position(name: str) -> tuple[int, int] | None:
    """The 1-based (row, column) of an A1 cell name such as ``C2``; None if it is not one."""
    match = _CELL.fullmatch(name)
    return (int(match[2]), column_number(match[1])) if match else None


def split_cell(name: str) -> tuple[str, int]:
    """An A1 cell name's letters and row: ``C12`` → ("C", 12)."""
    letters = name.rstrip("0123456789")
    return letters, int(name[len(letters) :])
