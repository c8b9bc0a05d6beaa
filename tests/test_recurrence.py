"""Repeat rules: anchored occurrences, named cadences, every N units, RRULEs."""

from __future__ import annotations

import datetime as dt

import pytest

from sheetsync.cells.recurrence import Rule, add_months, parse_rule


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


@pytest.mark.parametrize(
    "text",
    [
        "FREQ=MONTHLY;COUNT=3",
        "FREQ=MONTHLY;UNTIL=20270315",
        "RRULE:FREQ=MONTHLY;UNTIL=20270315T235959Z",
    ],
)
def test_a_rule_that_ends_has_no_occurrence_after_its_last(text):
    """COUNT and UNTIL (a date, or a UTC time as calendars export it) end the series."""
    rule = parse_rule(text)
    assert isinstance(rule, Rule)
    start = dt.date(2027, 1, 15)
    assert rule.after(start, dt.date(2027, 2, 15)) == dt.date(2027, 3, 15)
    assert rule.after(start, dt.date(2027, 3, 15)) is None


def test_until_with_a_time_counts_its_whole_day():
    """UNTIL=20270315T000000Z still includes 15 March: the rule runs on dates."""
    rule = parse_rule("FREQ=MONTHLY;UNTIL=20270315T000000Z")
    assert isinstance(rule, Rule)
    assert rule.after(dt.date(2027, 1, 15), dt.date(2027, 2, 15)) == dt.date(2027, 3, 15)


def test_occurs_tells_a_series_date_from_a_moved_one():
    """Monthly from 31 Jan: 28 Feb is an occurrence, 10 Mar is not (a person moved it)."""
    rule = parse_rule("monthly")
    assert isinstance(rule, Rule)
    assert rule.occurs(dt.date(2027, 1, 31), dt.date(2027, 2, 28))
    assert not rule.occurs(dt.date(2027, 1, 31), dt.date(2027, 3, 10))
