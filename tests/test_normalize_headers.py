"""Row 1 of a tab (``normalize.headers``) and the Settings rows (``normalize.settings``), alone."""

from __future__ import annotations

import pytest

from sheetsync.errors import SchemaError
from sheetsync.normalize.headers import escalation_renames, locate_columns, system_headers
from sheetsync.normalize.settings import parse_settings, restrict_escalations, setting_rows
from sheetsync.schema import MILESTONE_COLUMNS, MILESTONES

HEADER = ["Milestone ID", "Contract ID", "Milestone", "Due Date", "Owner", "Status", "Escalation"]


def test_columns_are_found_by_name_then_alias() -> None:
    """``Task`` and ``Deadline`` are read as Milestone and Due Date when the names are absent."""
    found = locate_columns(["Contract", "Task", "Deadline"], MILESTONE_COLUMNS, MILESTONES)
    assert found == {"Contract ID": 0, "Milestone": 1, "Due Date": 2}


def test_a_system_header_is_never_taken_as_an_alias() -> None:
    """The program's Escalation column is not read as Escalate To (its alias)."""
    found = locate_columns(HEADER, MILESTONE_COLUMNS, MILESTONES)
    assert "Escalate To" not in found
    assert found["Due Date"] == 3


def test_a_renamed_system_column_frees_the_persons_column() -> None:
    """When the system column is called Escalation Level, a person's Escalation is Escalate To."""
    renames = {"Escalation": "Escalation Level"}
    found = locate_columns(HEADER, MILESTONE_COLUMNS, MILESTONES, renames)
    assert found["Escalate To"] == 6


def test_a_missing_required_column_is_named() -> None:
    """A tab without a Due Date column stops the run with a sentence naming the column."""
    with pytest.raises(SchemaError, match="no Due Date column"):
        locate_columns(["Contract ID", "Milestone"], MILESTONE_COLUMNS, MILESTONES)


def test_escalation_holding_contacts_is_a_persons_column() -> None:
    """An Escalation column of email addresses is the person's; the program writes elsewhere."""
    grid = [["Milestone", "Escalation"], ["Renew", "boss@example.com"]]
    assert escalation_renames(grid) == {"Escalation": "Escalation Level"}


def test_escalation_holding_levels_is_the_programs() -> None:
    """An Escalation column holding only ``Level 1 → …`` labels stays the program's own."""
    grid = [["Milestone", "Escalation"], ["Renew", "Level 1 → boss@example.com"]]
    assert escalation_renames(grid) == {}


def test_system_headers_of_a_tab_in_any_case() -> None:
    """The Milestones tab's own headers include Escalation Level, however the tab is spelt."""
    assert "Escalation Level" in system_headers(" milestones ")
    assert system_headers("Notes") == ()


def test_settings_rows_skip_a_header_and_blank_keys() -> None:
    """A ``Setting | Value`` header row and rows without a key are not settings."""
    grid = [["Setting", "Value"], ["Digest", "no"], [None, "x"], ["Summary day", 5]]
    assert setting_rows(grid) == [(2, "Digest", "no"), (4, "Summary day", 5)]


def test_a_bad_setting_keeps_its_default_and_says_so() -> None:
    """An unreadable Summary day is a Problem on its row; the default (1) stays."""
    settings, problems = parse_settings([(3, "Summary day", "31")])
    assert settings.summary_day == 1
    assert [(p.row, p.message) for p in problems] == [
        (3, 'Summary day: "31" is not a day of the month from 1 to 28; using the default (1)')
    ]


def test_escalation_contacts_outside_allowed_domains_are_dropped() -> None:
    """A Default escalation outside the Allowed domains is not emailed, and its row says why."""
    rows: list[tuple[int, object, object]] = [
        (2, "Allowed domains", "example.com"),
        (3, "Default escalation", "boss@example.com; eve@gmail.com"),
    ]
    settings, _ = parse_settings(rows)
    problems = restrict_escalations(settings, rows)
    assert [a.email for a in settings.default_escalation] == ["boss@example.com"]
    assert [p.row for p in problems] == [3]
    assert "eve@gmail.com is outside the allowed domains (example.com)" in problems[0].message
