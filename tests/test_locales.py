"""What a tracker's Locale says (``cells.locales``), alone: the digit separators a Value is read
with and the month names a Due Date may be typed with."""

from __future__ import annotations

import pytest

from sheetsync.cells.locales import is_english, month_numbers, separators


@pytest.mark.parametrize(
    ("locale", "group", "decimal"),
    [("en_US", ",", "."), ("de_DE", ".", ","), ("en-GB", ",", "."), ("pt_BR", ".", ",")],
)
def test_separators_follow_the_locale(locale: str, group: str, decimal: str) -> None:
    """1,200.50 in en_US is 1.200,50 in de_DE: the group and decimal signs swap."""
    assert separators(locale) == (group, decimal)


def test_an_unknown_or_missing_locale_reads_as_en_us() -> None:
    """A Locale setting the program cannot place (or none) reads numbers and months as en_US."""
    assert separators("xx_YY") == separators(None) == (",", ".")
    assert month_numbers("not a locale") == month_numbers("en_US")


@pytest.mark.parametrize(
    ("locale", "name", "number"),
    [
        ("de_DE", "märz", 3),
        ("de_DE", "mär", 3),
        ("fr_FR", "avril", 4),
        ("fr_FR", "avr", 4),
        ("es_ES", "diciembre", 12),
    ],
)
def test_month_names_full_and_short_give_the_month(locale: str, name: str, number: int) -> None:
    """Full and abbreviated month names, lower-cased and without their dot, name the month."""
    assert month_numbers(locale)[name] == number


def test_only_english_locales_are_english() -> None:
    """en_GB is English (its months need no table); de_DE is not."""
    assert is_english("en_GB") and not is_english("de_DE")
