"""Read dates from cells: serial numbers, ISO text, and text in the sheet's locale."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from dateutil import parser as dateparser

from ..model import Moving, Uncomputed
from .locales import is_english, month_numbers
from .text import plain

EPOCH = dt.date(1899, 12, 30)  # day 0 of Sheets and Excel serial dates
EARLIEST, LATEST = dt.date(2000, 1, 1), dt.date(2100, 12, 31)
UNCOMPUTED = (
    "is a formula with no saved value; open and save the workbook in Excel or type the date"
)
MOVING = "is worked out from TODAY() or NOW(), so it moves every day; type the date"
NOT_A_DATE = "is not a date"
BEFORE_2000 = "is before the year 2000; check the year"
AFTER_2100 = "is after the year 2100; check the year"
SERIAL_LIMIT = 1e6  # a serial number this far from 1899-12-30 either way is no date

# Locales that write the month first (04/05/2027 is April 5). Everyone else: day first.
MONTH_FIRST_LOCALES = frozenset({"en_us", "es_us", "en_ph", "fil_ph", "en_as", "en_gu", "en_um"})

_NUMERIC = re.compile(r"^(\d{1,4})[/.\-](\d{1,2})[/.\-](\d{1,4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][\d:.]+(?:Z|[+-]\d\d:?\d\d)?)?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def to_serial(value: dt.date | dt.datetime) -> float:
    """Turn a date or datetime into a serial number (day 0 = 1899-12-30)."""
    if isinstance(value, dt.datetime):
        delta = value - dt.datetime(1899, 12, 30, tzinfo=value.tzinfo)
        return delta.days + delta.seconds / 86400
    return float((value - EPOCH).days)


def from_serial(serial: float) -> dt.date:
    """Turn a serial number into the date it stands for."""
    return EPOCH + dt.timedelta(days=int(serial // 1))


def month_first(locale: str | None) -> bool:
    """Whether ``locale`` writes dates month first, as en_US does."""
    return (locale or "en_US").replace("-", "_").casefold() in MONTH_FIRST_LOCALES


def parse_date(value: object, locale: str | None = "en_US") -> tuple[dt.date | None, str | None]:
    """Read one cell as a date.

    Returns:
        ``(date, None)`` when readable, ``(None, None)`` for a blank cell, and
        ``(None, reason)`` otherwise, the reason a phrase such as ``is not a real date``.
    """
    if isinstance(value, Uncomputed | Moving):
        return None, UNCOMPUTED if isinstance(value, Uncomputed) else MOVING
    if value is None or value == "" or isinstance(value, bool):
        return (None, None) if value in (None, "") else (None, NOT_A_DATE)
    if isinstance(value, dt.date):
        return _plausible(value.date() if isinstance(value, dt.datetime) else value)
    if isinstance(value, int | float):
        return _serial_date(value)
    local = None if is_english(locale) else locale
    return _parse_text(str(value).strip(), month_first(locale), local)


def _serial_date(value: float) -> tuple[dt.date | None, str | None]:
    """A spreadsheet serial number (days since 1899-12-30) as a date."""
    if value != value or not -SERIAL_LIMIT < value < SERIAL_LIMIT:
        return None, NOT_A_DATE
    try:
        return _plausible(from_serial(float(value)))
    except OverflowError:  # before the year 1
        return None, BEFORE_2000


@lru_cache(maxsize=65536)
def _parse_text(
    text: str, month_first: bool, local: str | None = None
) -> tuple[dt.date | None, str | None]:
    if not text:
        return None, None
    if len(text) > 40:
        return None, "is not a date we can read"
    match = _ISO.match(text) or _COMPACT.match(text)
    if match:
        year, month, day = (int(g) for g in match.groups())
        return _build(year, month, day)
    match = _NUMERIC.match(text)
    if match:
        return _numeric(*(int(g) for g in match.groups()), month_first=month_first)
    if local and (found := _local_words(text, local)):
        return found
    return _worded(text, month_first)


def _numeric(a: int, b: int, c: int, *, month_first: bool) -> tuple[dt.date | None, str | None]:
    if a > 31:  # 2027/03/31
        return _build(a, b, c)
    year = c + 2000 if c < 100 else c
    month, day = (a, b) if month_first else (b, a)
    return _build(year, month, day)


def _worded(text: str, month_first: bool) -> tuple[dt.date | None, str | None]:
    if not re.search(r"[A-Za-z]{3}", text) or not re.search(r"\d", text):
        return None, "is not a date we can read"
    if not re.search(r"\d{4}|'\d\d", text):
        return None, "has no year (write it as 2027-03-31)"
    if not re.search(r"(?<!\d)\d{1,2}(?:st|nd|rd|th)?(?!\d)", text):
        return None, "has no day (write it as 2027-03-31)"
    try:
        parsed = dateparser.parse(text, dayfirst=not month_first, default=dt.datetime(2000, 1, 1))
    except OverflowError:
        return None, "is not a date we can read"
    except ValueError as exc:
        real = "out of range" in str(exc) or "must be in" in str(exc)
        return None, "is not a real date" if real else "is not a date we can read"
    return _plausible(parsed.date())


# Words a day may carry around a local month name: 1er, 1re, 31., "31 de marzo de 2027".
_FILLERS = frozenset({"er", "re", "e", "de", "del", "d", "st", "nd", "rd", "th", "o"})


def _local_words(text: str, locale: str) -> tuple[dt.date | None, str | None] | None:
    """``31. März 2027``, ``31 mars 2027``, ``1er avril 2027``: one day, one month name of
    ``locale`` and a four-digit year. None when the text is not of that shape."""
    months = month_numbers(locale)
    words = [w.casefold() for w in re.findall(r"[^\W\d_]+", text)]
    named = [months[w] for w in words if w in months]
    if len(named) != 1 or any(w not in months and w not in _FILLERS for w in words):
        return None
    numbers = re.findall(r"\d+", text)
    years = [int(n) for n in numbers if len(n) == 4]
    days = [int(n) for n in numbers if len(n) <= 2]
    if len(numbers) != 2 or len(years) != 1 or len(days) != 1:
        return None
    return _build(years[0], named[0], days[0])


def _build(year: int, month: int, day: int) -> tuple[dt.date | None, str | None]:
    try:
        return _plausible(dt.date(year, month, day))
    except ValueError:
        return None, "is not a real date"


def _plausible(date: dt.date) -> tuple[dt.date | None, str | None]:
    if date < EARLIEST:
        return None, BEFORE_2000
    if date > LATEST:
        return None, AFTER_2100
    return date, None


def parse_date_series(values: pd.Series, locale: str | None) -> tuple[pd.Series, pd.Series]:
    """Read a column of cells as dates, parsing each distinct value once.

    Returns:
        ``(dates, reasons)``: ``datetime64`` with NaT where unreadable or blank, and
        the reason phrase (or None) for each cell.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    parsed = [parse_date(plain(u), locale) for u in uniques]
    stamps = pd.to_datetime(pd.Series([p[0] for p in parsed] + [None], dtype="object"))
    reasons = pd.Series([p[1] for p in parsed] + [None], dtype="object")
    index = codes.copy()
    index[index < 0] = len(uniques)
    return (
        pd.Series(stamps.to_numpy()[index], index=values.index, dtype="datetime64[ns]"),
        pd.Series(reasons.to_numpy()[index], index=values.index, dtype="object"),
    )


def parse_date_values(
    values: Sequence[object] | np.ndarray, locale: str | None
) -> tuple[np.ndarray, list[Any]]:
    """Read distinct cells as dates: ``datetime64[ns]`` (NaT where unreadable) and reasons.

    Serial numbers (plain floats, and ints near enough to be one: most of a date column)
    are read together as one array step (``_serial_dates``); every other cell by
    ``parse_date``, one at a time. Either way a cell reads as ``parse_date`` reads it.
    """
    cells = [plain(v) for v in values]
    serial = [
        i
        for i, c in enumerate(cells)
        if type(c) is float or (type(c) is int and -SERIAL_LIMIT < c < SERIAL_LIMIT)
    ]
    stamps = np.full(len(cells), np.datetime64("NaT"), dtype="datetime64[D]")
    reasons: list[Any] = [None] * len(cells)
    if serial:
        numbers = np.fromiter((cells[i] for i in serial), dtype=np.float64, count=len(serial))
        stamps[serial], why = _serial_dates(numbers)
        for i, reason in zip(serial, why, strict=True):
            reasons[i] = reason
    if len(serial) < len(cells):
        others = np.ones(len(cells), dtype=np.bool_)
        others[serial] = False
        rest = np.flatnonzero(others).tolist()
        parsed = [parse_date(cells[i], locale) for i in rest]
        stamps[rest] = np.asarray([p[0] for p in parsed], dtype="datetime64[D]")  # None: NaT
        for i, (_, reason) in zip(rest, parsed, strict=True):
            reasons[i] = reason
    return stamps.astype("datetime64[ns]"), reasons


_EPOCH_DAY = np.datetime64(EPOCH, "D")
_EARLIEST_DAY, _LATEST_DAY = np.datetime64(EARLIEST, "D"), np.datetime64(LATEST, "D")


def _serial_dates(numbers: np.ndarray) -> tuple[np.ndarray, list[str | None]]:
    """``_serial_date`` of each of ``numbers`` (float64) as one array step: the days
    (``datetime64[D]``, NaT where none) and the reasons."""
    usable = (numbers > -SERIAL_LIMIT) & (numbers < SERIAL_LIMIT)  # NaN is neither
    days = _EPOCH_DAY + np.floor(np.where(usable, numbers, 0)).astype(np.int64)
    early, late = usable & (days < _EARLIEST_DAY), usable & (days > _LATEST_DAY)
    why = np.full(len(numbers), None, dtype=object)
    why[~usable], why[early], why[late] = NOT_A_DATE, BEFORE_2000, AFTER_2100
    days[~usable | early | late] = np.datetime64("NaT")
    return days, why.tolist()
