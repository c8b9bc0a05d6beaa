"""Repeat rules: anchored occurrences, named cadences, every N units, RRULEs."""

from __future__ import annotations

import datetime as dt

import pytest

from sheetsync.recurrence import Rule, add_months, parse_rule


def series(text: str, start: dt.date, count: int) -> list[dt.date]:
    """The first ``count`` occurrences after ``start`` of the rule ``text``."""
    rule = parse_rule(text)
    assert isinstance(rule, Rule)
    found, day = [], start
    for _ in range(count):
        day = rule.after(start, day)
        found.append(day)
    return found


def test_monthly_from_31_january_never_drifts():
    """Monthly from 31 Jan gives 28 Feb, then 31 Mar, 30 Apr, 31 May."""
    assert series("monthly", dt.date(2027, 1, 31), 4) == [
        dt.date(2027, 2, 28),
        dt.date(2027, 3, 31),
        dt.date(2027, 4, 30),
        dt.date(2027, 5, 31),
    ]


def test_yearly_from_29_february_uses_28_february_in_common_years():
    """Yearly from 29 Feb 2028 gives 28 Feb 2029 … and 29 Feb again in 2032."""
    assert series("annual", dt.date(2028, 2, 29), 4) == [
        dt.date(2029, 2, 28),
        dt.date(2030, 2, 28),
        dt.date(2031, 2, 28),
        dt.date(2032, 2, 29),
    ]


def test_every_n_weeks_and_months():
    """``every 2 weeks`` steps 14 days; ``every 6 months`` six calendar months."""
    assert series("every 2 weeks", dt.date(2027, 1, 1), 2) == [
        dt.date(2027, 1, 15),
        dt.date(2027, 1, 29),
    ]
    assert series("Every 6 months", dt.date(2027, 8, 31), 2) == [
        dt.date(2028, 2, 29),
        dt.date(2028, 8, 31),
    ]


def test_rrule_last_friday_of_the_month():
    """An RFC 5545 RRULE is followed as written."""
    assert series("FREQ=MONTHLY;BYDAY=-1FR", dt.date(2027, 1, 1), 3) == [
        dt.date(2027, 1, 29),
        dt.date(2027, 2, 26),
        dt.date(2027, 3, 26),
    ]


def test_occurrence_after_a_late_completion_is_the_next_after_that_due():
    """The next occurrence follows the completed one, even when it is already past."""
    rule = parse_rule("quarterly")
    assert isinstance(rule, Rule)
    assert rule.after(dt.date(2027, 1, 15), dt.date(2027, 1, 15)) == dt.date(2027, 4, 15)


@pytest.mark.parametrize("text", ["", "none", "Once", "no"])
def test_no_repeat_words(text):
    """Blank and "none" mean a one-off milestone."""
    assert parse_rule(text) is None


@pytest.mark.parametrize("text", ["sometimes", "every 0 days", "FREQ=SOMETIMES"])
def test_unreadable_rules_give_a_reason(text):
    """Anything else is a sentence for the Problems column."""
    assert isinstance(parse_rule(text), str)


def test_add_months_clamps_to_month_end():
    """31 Jan + 1 month is 28 Feb; + 13 months 29 Feb 2028."""
    assert add_months(dt.date(2027, 1, 31), 1) == dt.date(2027, 2, 28)
    assert add_months(dt.date(2027, 1, 31), 13) == dt.date(2028, 2, 29)
