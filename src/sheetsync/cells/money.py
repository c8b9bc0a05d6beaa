"""Money cells: ``$1,200,000``, ``1.2M``, ``€ 45.000,00``, ``45 000 EUR``."""

from __future__ import annotations

import re
from functools import lru_cache

_SUFFIX = {"k": 1e3, "m": 1e6, "mm": 1e6, "bn": 1e9, "b": 1e9}
# A whole amount as most sheets write it (``$1,200,000``, ``45000``): its digits are the
# number in every locale (no dot, commas only in groups of three), read without the
# several patterns every other text needs (a contract's Value: a few µs each).
_WHOLE = re.compile(r"\$?(\d{1,3}(?:,\d{3})+|\d+)")


@lru_cache(maxsize=65536)
def parse_money(text: str, group: str = ",") -> float | None:
    """Read ``$1,200,000``, ``1.2M``, ``€ 45.000,00``, ``45 000 EUR`` as a number; None if not.

    ``group`` is the locale's digit-group separator: where it is ``.`` (de_DE),
    ``1.234 €`` and ``1.234.567 €`` are whole numbers.
    """
    if (whole := _WHOLE.fullmatch(text)) is not None:
        return float(whole.group(1).replace(",", ""))
    cleaned = re.sub(r"[\s\u00a0\u202f']|[A-Za-z]{3}$|^[A-Za-z]{3}|[$€£¥₹]", "", text.strip())
    match = re.fullmatch(r"(-?[\d.,]+)(k|m|mm|bn|b)?", cleaned, flags=re.IGNORECASE)
    if not match:
        return None
    digits = match.group(1)
    if group == "." and re.fullmatch(r"-?\d{1,3}(\.\d{3})+", digits):
        digits = digits.replace(".", "")
    number = _number(digits)
    if number is None:
        return None
    return number * _SUFFIX.get((match.group(2) or "").casefold(), 1)


def _number(digits: str) -> float | None:
    if re.fullmatch(r"-?\d{1,3}(\.\d{3}){2,}", digits):  # 1.234.567: only groups
        return float(digits.replace(".", ""))
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
