"""Text from cells: a cell as text, and text made safe to show in a Problem, a header or a cell.

Control characters (NUL, BEL, ESC …), line and paragraph separators, bidi overrides
and zero-width characters are never shown raw: a Problem shows a visible stand-in,
a header a space, and nothing in a cell can break the file it is saved in.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

_BREAKS = frozenset("\t\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")
_KEPT = frozenset("\u200d\ufe0f")  # zero-width joiner, emoji presentation: part of emoji


def _category(ch: str) -> str:
    return unicodedata.category(ch)


@lru_cache(maxsize=65536)
def printable(text: str) -> str:
    """``text`` with control characters as visible symbols (NUL → ␀), breaks as spaces,
    and invisible format characters (bidi overrides, zero-width spaces) as �."""
    if text.isprintable():
        return text
    return "".join(_shown(ch) for ch in text)


def _shown(ch: str) -> str:
    if ch in _BREAKS:
        return " "
    if ch < " ":
        return chr(0x2400 + ord(ch))
    if ch == "\x7f":
        return "\u2421"
    kind = _category(ch)
    if kind == "Cc":
        return "\ufffd"
    if kind in ("Cf", "Co", "Cs", "Cn") and ch not in _KEPT:
        return "\ufffd"
    return ch


@lru_cache(maxsize=65536)
def one_line(text: str) -> str:
    """``text`` on one line for a header: every control, break or format character is a
    space (so nothing can end the header or reorder it) and runs of spaces are one."""
    if not text.isprintable():
        text = "".join(" " if _hidden(ch) else ch for ch in text)
    return " ".join(text.split())


def _hidden(ch: str) -> bool:
    if ch in _KEPT:
        return False
    return ch in _BREAKS or _category(ch) in ("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn")


_PLAIN = frozenset({str, float, int, bool, type(None)})


def plain(value: object) -> object:
    """Unwrap numpy scalars so readers see Python types (str, float, int, bool, None)."""
    if type(value) in _PLAIN:
        return value
    item = getattr(value, "item", None)
    return item() if callable(item) else value


def cell_text(value: object) -> str:
    """A cell as trimmed text; numbers without a trailing ``.0``; blank for None."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
