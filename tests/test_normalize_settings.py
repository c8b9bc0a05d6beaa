"""The Settings tab alone (``normalize.settings``): each setting read with its default, and a
value that cannot be used a Problem saying what a good one looks like."""

from __future__ import annotations

import pytest

from sheetsync.normalize.settings import (
    WEEKEND_PREVIOUS,
    Settings,
    parse_settings,
    settings_table,
)
from sheetsync.schema import DEFAULT_LEAD_DAYS


def read(*pairs: tuple[object, object]) -> tuple[Settings, list[str]]:
    """Settings from (key, value) rows starting on sheet row 2, and each Problem's sentence."""
    rows = [(number, key, value) for number, (key, value) in enumerate(pairs, start=2)]
    settings, problems = parse_settings(rows)
    assert all(p.column == "Value" for p in problems)
    return settings, [p.message for p in problems]


def test_an_empty_tab_gives_the_documented_defaults() -> None:
    """No rows: escalate after 3 and 10 days, repeat every 7, summary on the 1st, digest on."""
    settings, problems = read()
    assert problems == []
    assert (settings.escalate_after, settings.overdue_repeat) == ((3, 10), 7)
    assert (settings.summary_day, settings.digest, settings.log_retention) == (1, True, 400)
    assert settings.lead_days == dict(DEFAULT_LEAD_DAYS)


@pytest.mark.parametrize(
    ("key", "value", "attribute", "expected"),
    [
        ("Tracker name", "  Acme   contracts ", "tracker_name", "Acme contracts"),
        ("Time zone", "Europe/London", "time_zone", "Europe/London"),
        ("Locale", "en-GB", "locale", "en_GB"),
        ("Overdue repeat (days)", 3, "overdue_repeat", 3),
        ("overdue REPEAT", "5", "overdue_repeat", 5),
        ("Escalate after", "5", "escalate_after", (5,)),
        ("Summary day", 28, "summary_day", 28),
        ("Digest", "no", "digest", False),
        ("Log retention (days)", 90, "log_retention", 90),
        ("Weekend deadlines", "Friday before", "weekend", WEEKEND_PREVIOUS),
        ("Approval days", 10, "approval_days", 10),
        (
            "Allowed domains",
            "example.com, @example.org",
            "allowed_domains",
            ("example.com", "example.org"),
        ),
    ],
)
def test_each_setting_is_read_by_its_name_in_any_case(
    key: str, value: object, attribute: str, expected: object
) -> None:
    """A setting's key is matched ignoring case, spaces and the unit in brackets."""
    settings, problems = read((key, value))
    assert problems == []
    assert getattr(settings, attribute) == expected


DEFAULT_NOTE = "; using the default"


@pytest.mark.parametrize(
    ("key", "value", "attribute", "sentence"),
    [
        (
            "Time zone",
            "Mars/Olympus",
            "time_zone",
            'Time zone: "Mars/Olympus" is not a time zone such as Europe/London'
            f"{DEFAULT_NOTE} (none)",
        ),
        (
            "Summary day",
            31,
            "summary_day",
            f'Summary day: "31" is not a day of the month from 1 to 28{DEFAULT_NOTE} (1)',
        ),
        (
            "Digest",
            "sometimes",
            "digest",
            f'Digest: "sometimes" is not yes or no{DEFAULT_NOTE} (yes)',
        ),
        (
            "Sender",
            "a@example.com; b@example.com",
            "sender",
            f'Sender: "a@example.com; b@example.com" is not one email address{DEFAULT_NOTE} (none)',
        ),
        (
            "Log retention (days)",
            7,
            "log_retention",
            'Log retention (days): "7" is not a number of days from 30 to 3650'
            f"{DEFAULT_NOTE} (400)",
        ),
    ],
)
def test_a_bad_value_keeps_the_default_and_says_what_is_wanted(
    key: str, value: object, attribute: str, sentence: str
) -> None:
    """The sentence quotes the value, says what a good one looks like and which default holds."""
    settings, problems = read((key, value))
    assert problems == [sentence]
    assert getattr(settings, attribute) == getattr(Settings(), attribute)


def test_remind_per_type_sets_that_types_lead_days() -> None:
    """``Remind: QBR`` (a synonym of review) sets review's lead days and marks it set."""
    settings, problems = read(("Remind: QBR", "21, 5"))
    assert problems == []
    assert settings.lead_days["review"] == (21, 5)
    assert settings.remind_set == {"review"}
    assert settings.lead_days["payment"] == DEFAULT_LEAD_DAYS["payment"]


def test_remind_for_an_unknown_type_or_bad_days_is_a_problem() -> None:
    """A type the program does not know, and days it cannot read, are each said in words."""
    settings, problems = read(("Remind: gardening", "7"), ("Remind: payment", "weekly"))
    assert problems[0].startswith('Remind: "gardening" is not a milestone type (')
    assert (
        problems[1] == 'Remind: payment: "weekly" is not days such as 90, 30, 7; using the default'
    )
    assert settings.lead_days["payment"] == DEFAULT_LEAD_DAYS["payment"]


def test_escalation_per_department_is_kept_by_department_in_any_case() -> None:
    """``Escalation: Finance`` holds the finance contacts under "finance"; a bad one is said."""
    settings, problems = read(
        ("Escalation: Finance", "CFO <cfo@example.com>; ops@example.com"),
        ("Escalation: Legal", "the general counsel"),
    )
    assert [a.email for a in settings.department_escalation["finance"]] == [
        "cfo@example.com",
        "ops@example.com",
    ]
    assert "legal" not in settings.department_escalation
    assert problems == [
        'Escalation: Legal: "the general counsel" is not one or more email addresses'
    ]


def test_an_unknown_key_is_ignored_and_said_and_a_blank_value_is_silent() -> None:
    """A key the program does not know is named as ignored; a known key left blank is no Problem."""
    settings, problems = read(("Colour scheme", "blue"), ("Digest", ""), ("Sender", None))
    assert problems == ['"Colour scheme" is not a setting sheetsync knows; it is ignored']
    assert settings.digest is True and settings.sender is None


def test_an_approval_route_needs_a_condition() -> None:
    """``Approval route:`` with nothing after the colon says how to write one."""
    settings, problems = read(("Approval route:", "legal@example.com"))
    assert settings.approval_routes == []
    assert problems == [
        "Approval route needs a condition after the colon: Approval route: Type = NDA"
    ]


def test_problems_sit_on_the_settings_row_they_are_about() -> None:
    """The third row's bad value is reported on sheet row 4 (rows start under the header)."""
    _, problems = parse_settings(
        [(2, "Digest", "yes"), (3, "Locale", "en_US"), (4, "Summary day", 0)]
    )
    assert [(p.tab, p.row) for p in problems] == [("Settings", 4)]


def test_the_settings_table_lists_rows_under_a_header_only() -> None:
    """Under a Setting header the rows are 2 and 3; a tab without one gets no Problems column."""
    with_header = settings_table(
        "Settings", [["Setting", "Value"], ["Digest", "no"], ["Locale", "en_GB"]]
    )
    assert with_header.rows == [2, 3]
    assert with_header.get("Setting").tolist() == ["Digest", "Locale"]
    assert settings_table("Settings", [["Digest", "no"]]).rows == []
