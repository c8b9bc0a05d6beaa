"""What a tracker's Locale says about numbers and month names (from Babel's CLDR data)."""

from __future__ import annotations

from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.dates import get_month_names
from babel.numbers import get_decimal_symbol, get_group_symbol

DEFAULT = "en_US"


@lru_cache(maxsize=256)
def _locale(name: str | None) -> Locale:
    try:
        return Locale.parse((name or DEFAULT).replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return Locale.parse(DEFAULT)


@lru_cache(maxsize=256)
def separators(name: str | None) -> tuple[str, str]:
    """The locale's digit-group and decimal separators: ``(",", ".")`` in en_US,
    ``(".", ",")`` in de_DE."""
    locale = _locale(name)
    return get_group_symbol(locale=locale), get_decimal_symbol(locale=locale)


@lru_cache(maxsize=256)
def month_numbers(name: str | None) -> dict[str, int]:
    """Month names of the locale, full and short, lower-cased without a final dot:
    ``{"märz": 3, "mär": 3, …}`` in de_DE, ``{"mars": 3, "avril": 4, "avr": 4, …}`` in fr_FR."""
    locale = _locale(name)
    found: dict[str, int] = {}
    for width in ("wide", "abbreviated"):
        for context in ("format", "stand-alone"):
            for number, month in get_month_names(width, context, locale).items():
                found.setdefault(month.casefold().rstrip("."), number)
    return found


def is_english(name: str | None) -> bool:
    """Whether the locale's language is English (dateutil's month names suffice)."""
    return _locale(name).language == "en"
