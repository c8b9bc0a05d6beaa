"""Repeat rules: ``monthly``, ``every 2 weeks``, ``every 6 months``, RFC 5545 RRULEs.

Occurrences are anchored on the series' first date and never drift: monthly from
31 January gives 28/29 February, then 31 March.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from dateutil.rrule import rrulestr

_NAMED = {
    "daily": ("days", 1),
    "weekly": ("days", 7),
    "biweekly": ("days", 14),
    "fortnightly": ("days", 14),
    "monthly": ("months", 1),
    "quarterly": ("months", 3),
    "semiannual": ("months", 6),
    "semiannually": ("months", 6),
    "biannual": ("months", 6),
    "halfyearly": ("months", 6),
    "annual": ("months", 12),
    "annually": ("months", 12),
    "yearly": ("months", 12),
}
_UNITS = {"day": ("days", 1), "week": ("days", 7), "month": ("months", 1), "year": ("months", 12)}
NONE_WORDS = {"", "none", "no", "never", "once", "onetime"}


@dataclass(frozen=True)
class Rule:
    """A repeat rule: every ``step`` days or months, or an RRULE text."""

    unit: str  # "days", "months" or "rrule"
    step: int = 0
    rrule: str = ""

    def after(self, anchor: dt.date, day: dt.date) -> dt.date | None:
        """The first occurrence of the series starting at ``anchor`` strictly after ``day``.

        None when the series has ended before then (an RRULE's ``COUNT`` or ``UNTIL``).
        """
        if self.unit == "rrule":
            start = dt.datetime.combine(anchor, dt.time())
            hit = rrulestr(self.rrule, dtstart=start).after(dt.datetime.combine(day, dt.time()))
            return hit.date() if hit else None
        if self.unit == "days":
            k = max(0, (day - anchor).days // self.step + 1)
            return anchor + dt.timedelta(days=k * self.step)
        k = max(0, _months_between(anchor, day) // self.step)
        while (found := add_months(anchor, k * self.step)) <= day:
            k += 1
        return found

    def on_or_after(self, anchor: dt.date, day: dt.date) -> dt.date | None:
        """The first occurrence on or after ``day``; None when the series has ended."""
        return self.after(anchor, day - dt.timedelta(days=1))

    def occurs(self, anchor: dt.date, day: dt.date) -> bool:
        """Whether ``day`` is an occurrence of the series starting at ``anchor``."""
        return day == anchor or self.on_or_after(anchor, day) == day


def add_months(date: dt.date, months: int) -> dt.date:
    """``date`` plus ``months`` calendar months, the day clamped to the month's end."""
    total = date.year * 12 + date.month - 1 + months
    year, month = divmod(total, 12)
    month += 1
    next_first = dt.date(year + (month == 12), month % 12 + 1, 1)
    last = (next_first - dt.timedelta(days=1)).day
    return dt.date(year, month, min(date.day, last))


def _months_between(start: dt.date, end: dt.date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


@lru_cache(maxsize=4096)
def parse_rule(text: str) -> Rule | str | None:
    """Read a Repeat cell: a Rule, None for no repeat, or a reason string when unreadable."""
    raw = text.strip()
    if raw.upper().startswith(("RRULE:", "FREQ=")):
        return _rrule(raw)
    if re.search(r"-\s*\d", raw):  # "every -1 months"
        return "is not a repeat rule (try monthly, quarterly, every 2 weeks, or an RRULE)"
    words = re.sub(r"[^a-z0-9 ]", "", raw.casefold()).split()
    key = "".join(words)
    if key in NONE_WORDS:
        return None
    if key in _NAMED:
        return Rule(*_NAMED[key])
    match = re.fullmatch(r"every(\d{1,3})?(day|week|month|year)s?", key)
    if match and int(match.group(1) or 1) > 0:
        unit, size = _UNITS[match.group(2)]
        return Rule(unit, size * int(match.group(1) or 1))
    return "is not a repeat rule (try monthly, quarterly, every 2 weeks, or an RRULE)"


# UNTIL as calendars export it, a UTC time (``20271231T235959Z``): the rule runs on
# dates, so the day is what counts, compared with a series that has no time zone.
_UNTIL_TIME = re.compile(r"(UNTIL=\d{8})(T\d{6})?Z?", re.IGNORECASE)


def _rrule(text: str) -> Rule | str:
    body = text if text.upper().startswith("RRULE:") else f"RRULE:{text}"
    body = _UNTIL_TIME.sub(lambda m: f"{m.group(1)}T235959", body)
    try:
        rrulestr(body, dtstart=dt.datetime(2027, 1, 1))
    except (ValueError, TypeError):
        return "is not a valid RRULE"
    return Rule("rrule", rrule=body)
