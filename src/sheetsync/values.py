"""Cell readers for money and text: each distinct value parsed once."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import pandas as pd

_SUFFIX = {"k": 1e3, "m": 1e6, "mm": 1e6, "bn": 1e9, "b": 1e9}


def map_unique(values: pd.Series, function: Callable[[Any], Any]) -> pd.Series:
    """Apply ``function`` once per distinct value of ``values`` (None included) and spread back."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    results = [function(_plain(u)) for u in uniques]
    missing = codes < 0
    results.append(function(None) if missing.any() else None)
    table = pd.Series(results, dtype="object").to_numpy()
    codes[missing] = len(uniques)
    return pd.Series(table[codes], index=values.index, dtype="object")


def _plain(value: object) -> object:
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


@lru_cache(maxsize=65536)
def parse_money(text: str) -> float | None:
    """Read ``$1,200,000``, ``1.2M``, ``€ 45.000,00``, ``45 000 EUR`` as a number; None if not."""
    cleaned = re.sub(r"[\s\u00a0\u202f']|[A-Za-z]{3}$|^[A-Za-z]{3}|[$€£¥₹]", "", text.strip())
    match = re.fullmatch(r"(-?[\d.,]+)(k|m|mm|bn|b)?", cleaned, flags=re.IGNORECASE)
    if not match:
        return None
    number = _number(match.group(1))
    if number is None:
        return None
    return number * _SUFFIX.get((match.group(2) or "").casefold(), 1)


def _number(digits: str) -> float | None:
    if "," in digits and "." in digits:
        decimal = "," if digits.rfind(",") > digits.rfind(".") else "."
    elif digits.count(",") == 1 and len(digits.rpartition(",")[2]) != 3:
        decimal = ","
    elif digits.count(".") == 1 and len(digits.rpartition(".")[2]) == 3 and digits[0] != "0":
        decimal = "," if digits.count(",") == 0 and len(digits) > 4 else "."
    else:
        decimal = "."
    thousands = "." if decimal == "," else ","
    plain = digits.replace(thousands, "").replace(decimal, ".")
    try:
        return float(plain)
    except ValueError:
        return None
