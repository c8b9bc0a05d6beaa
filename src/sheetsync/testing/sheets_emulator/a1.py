"""A1 notation: parse ranges like ``'My Tab'!A1:C`` and print them the way Google echoes them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sheetsync.backends.a1 import column_letters as letters_of
from sheetsync.backends.a1 import column_number

from .errors import ApiError

_CELL = re.compile(r"^([A-Za-z]{0,3})(\d*)$")
_PLAIN_TITLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_LOOKS_LIKE_CELL = re.compile(r"^([A-Za-z]{1,3}\d+|[Rr]\d+[Cc]\d+)$")


@dataclass(frozen=True)
class Bounds:
    """Zero-based, end-exclusive row and column bounds; ``None`` means unbounded."""

    row0: int | None
    col0: int | None
    row1: int | None
    col1: int | None


@dataclass(frozen=True)
class Box:
    """A concrete zero-based, end-exclusive rectangle of a sheet."""

    row0: int
    col0: int
    row1: int
    col1: int

    @property
    def rows(self) -> int:
        """Number of rows covered."""
        return self.row1 - self.row0

    @property
    def cols(self) -> int:
        """Number of columns covered."""
        return self.col1 - self.col0


def column_letters(index: int) -> str:
    """Return the letters of a zero-based column index (0 -> "A", 26 -> "AA")."""
    return letters_of(index + 1)


def column_index(letters: str) -> int:
    """Return the zero-based index of column letters ("A" -> 0)."""
    return column_number(letters) - 1


def split_range(text: str) -> tuple[str | None, str | None]:
    """Split ``'Tab'!A1:B2`` into the sheet title and the cell part (either may be None)."""
    if text.startswith("'"):
        end = _closing_quote(text)
        title = text[1:end].replace("''", "'")
        rest = text[end + 1 :]
        if not rest:
            return title, None
        if not rest.startswith("!"):
            raise ApiError.bad_range(text)
        return title, rest[1:] or None
    if "!" in text:
        title, cells = text.rsplit("!", 1)
        return title, cells or None
    return None, text


def _closing_quote(text: str) -> int:
    index = 1
    while index < len(text):
        if text[index] == "'":
            if text[index + 1 : index + 2] == "'":
                index += 2
                continue
            return index
        index += 1
    raise ApiError.bad_range(text)


def parse_cells(text: str) -> Bounds | None:
    """Parse ``A1``, ``A1:C``, ``A:A``, ``2:5``; return None when it is not A1 notation."""
    parts = text.split(":")
    if len(parts) > 2 or not all(parts):
        return None
    ends = [_CELL.match(part) for part in parts]
    if not all(ends):
        return None
    corners = [_corner(end) for end in ends]  # type: ignore[arg-type]
    if (None, None) in corners:
        return None
    if len(corners) == 1:
        return _single_cell(corners[0])
    return _ordered(corners[0], corners[1])


def _single_cell(corner: tuple[int | None, int | None]) -> Bounds | None:
    """``A1`` alone: one cell; a bare ``A`` or ``1`` is not a range by itself."""
    row, col = corner
    if row is None or col is None:
        return None
    return Bounds(row, col, row + 1, col + 1)


def _corner(match: re.Match[str]) -> tuple[int | None, int | None]:
    letters, digits = match.group(1), match.group(2)
    row = int(digits) - 1 if digits else None
    col = column_index(letters) if letters else None
    if row is not None and row < 0:
        return None, None
    return row, col


def _ordered(first: tuple[int | None, int | None], second: tuple[int | None, int | None]) -> Bounds:
    rows = _pair(first[0], second[0])
    cols = _pair(first[1], second[1])
    return Bounds(rows[0], cols[0], rows[1], cols[1])


def _pair(a: int | None, b: int | None) -> tuple[int | None, int | None]:
    if a is None and b is None:
        return None, None
    if b is None:
        return a, None
    if a is None:
        return 0, b + 1
    return min(a, b), max(a, b) + 1


def clamp(bounds: Bounds, row_count: int, col_count: int) -> Box:
    """Resolve unbounded sides of ``bounds`` against a grid of the given size."""
    row0 = bounds.row0 if bounds.row0 is not None else 0
    col0 = bounds.col0 if bounds.col0 is not None else 0
    row1 = bounds.row1 if bounds.row1 is not None else max(row_count, row0 + 1)
    col1 = bounds.col1 if bounds.col1 is not None else max(col_count, col0 + 1)
    return Box(row0, col0, row1, col1)


def quote_title(title: str) -> str:
    """Quote a sheet title the way Google does in echoed ranges."""
    if _PLAIN_TITLE.match(title) and not _LOOKS_LIKE_CELL.match(title):
        return title
    return "'" + title.replace("'", "''") + "'"


def format_box(title: str, box: Box) -> str:
    """Return ``Title!A1:B2`` (or ``Title!A1`` for one cell) for a concrete rectangle."""
    start = f"{column_letters(box.col0)}{box.row0 + 1}"
    end = f"{column_letters(box.col1 - 1)}{box.row1}"
    cells = start if start == end else f"{start}:{end}"
    return f"{quote_title(title)}!{cells}"
