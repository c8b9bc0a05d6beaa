"""Every email of the sample run says true things: Why lines, subjects and the tracker's name.

The emails are rendered from the bundled ``examples/tracker.xlsx`` as of its day, and
each claim is checked against the workbook as read, independently of the code that made it.
"""

from __future__ import annotations

import datetime as dt
import re
from email.message import EmailMessage
from pathlib import Path

import pytest

from sheetsync.backends.xlsx import XlsxBackend
from sheetsync.cells.milestone_types import canonical_type
from sheetsync.cells.numbers import parse_int_list
from sheetsync.pipeline import RunOptions, check
from sheetsync.schema import DEFAULT_LEAD_DAYS

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "tracker.xlsx"
TODAY = dt.date(2026, 12, 1)
NAME = "Acme contracts"
ITEM = re.compile(
    r"^\* (?P<title>.+) \((?P<when>[^()]*)\)\n"
    r"  Contract: .*\((?P<contract>[^()]*)\), (?P<type>\w+)\n"
    r"(?:  Owner: .*\n+)?"
    r"  (?:Was due|Due): +(?P<due>.+)\n"
    r"  Why: +(?P<why>.+)\n"
    r"  Where: +Milestones tab, row (?P<row>\d+)",
    re.MULTILINE,
)


@pytest.fixture(scope="module")
def sample() -> tuple[list[EmailMessage], dict[str, list[list[object]]]]:
    """The messages a run of the example would send, and the workbook's tabs as read."""
    tabs = XlsxBackend(EXAMPLE).read().tabs
    result = check(XlsxBackend(EXAMPLE), RunOptions(today=TODAY))
    return result.planned, tabs


def text_of(message: EmailMessage) -> str:
    """The plain-text part, with plain line ends."""
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")


def settings_of(tabs: dict[str, list[list[object]]]) -> dict[str, object]:
    """The Settings tab as ``{key: value}``."""
    return {str(r[0]).strip(): r[1] for r in tabs["Settings"][1:] if r and r[0]}


def milestone_row(tabs: dict[str, list[list[object]]], row: int) -> dict[str, object]:
    """Milestones row ``row`` (a sheet row number) as ``{header: value}``; empty past the end."""
    grid = tabs["Milestones"]
    if row > len(grid):
        return {}
    return dict(zip([str(h) for h in grid[0]], grid[row - 1], strict=False))


def ladder_text(days: tuple[int, ...] | None) -> str:
    return ", ".join(str(d) for d in days or ())


def expected_source(cells: dict[str, object], kind: str, settings: dict[str, object]) -> str:
    """The words a reminder's Why line must use for where its lead days come from."""
    own = cells.get("Remind Days")
    if own not in (None, ""):
        return f"your row's Remind Days: {ladder_text(parse_int_list(own))} days before"
    for key, value in settings.items():
        name, _, what = key.partition(":")
        if name.strip().casefold() == "remind" and canonical_type(what.strip()) == kind:
            return f"the Remind: {kind} setting: {ladder_text(parse_int_list(value))} days before"
    return f"the default for {kind} milestones: {ladder_text(DEFAULT_LEAD_DAYS[kind])} days before"


def check_why(item: re.Match[str], tabs: dict[str, list[list[object]]]) -> str:
    """Assert the item's Why line matches its row; return which rule it quoted."""
    settings = settings_of(tabs)
    cells = milestone_row(tabs, int(item["row"]))
    if cells:
        assert str(cells["Milestone"]).strip() == item["title"]
        assert canonical_type(str(cells.get("Type") or "other")) == item["type"]
    due = dt.datetime.strptime(item["due"], "%a %d %b %Y").date()
    if isinstance(cells.get("Due Date"), dt.date):
        written = cells["Due Date"]
        assert (written.date() if isinstance(written, dt.datetime) else written) == due
    why, late = item["why"], (TODAY - due).days
    if found := re.fullmatch(r"(\d+)-day reminder \((.+)\)\.", why):
        assert found[2] == expected_source(cells, item["type"], settings), item["title"]
        assert int(found[1]) in parse_int_list(found[2].split(": ")[-1].split(" days")[0])
        assert 0 <= -late <= int(found[1])
        words = {"your row's": "row", "the Remind:": "setting", "the default": "default"}
        return next(v for k, v in words.items() if found[2].startswith(k))
    if found := re.fullmatch(r"(\d+) days? overdue; a notice goes out every (\d+) days.*", why):
        assert int(found[1]) == late
        assert int(found[2]) == int(str(settings.get("Overdue repeat (days)", 7)))
        return "overdue"
    found = re.fullmatch(
        r"Escalation level (\d): (\d+) days? overdue \(escalate after (.+) days\)\.", why
    )
    assert found, why
    thresholds = parse_int_list(settings.get("Escalate after (days overdue)", "3, 10"))
    assert int(found[2]) == late and found[3] == ", ".join(str(d) for d in sorted(thresholds or ()))
    assert late >= sorted(thresholds or ())[int(found[1]) - 1]
    return "escalation"


def test_every_why_line_matches_its_row(sample):
    """Each item's Why line quotes the rule that applied to its row, with the sheet's numbers."""
    messages, tabs = sample
    items = [i for m in messages for i in ITEM.finditer(text_of(m))]
    assert len(items) >= 40
    quoted = {check_why(item, tabs) for item in items}
    assert quoted == {"row", "setting", "default", "overdue", "escalation"}


def test_subjects_are_short_exact_and_named(sample):
    """Every subject names the tracker, fits 78 characters, and counts exactly what is listed."""
    messages, _ = sample
    assert len(messages) >= 10
    for message in messages:
        subject, text = str(message["Subject"]), text_of(message)
        assert subject.startswith(f"{NAME}: ") and len(subject) <= 78, subject
        listed = list(ITEM.finditer(text))
        overdue = sum(1 for i in listed if "overdue" in i["when"])
        if found := re.search(r": (?:(\d+) overdue)?(?:, )?(?:(\d+) coming up)?: ", subject):
            assert int(found[1] or 0) == overdue and int(found[2] or 0) == len(listed) - overdue
        if "summary" in subject:
            assert subject == f"{NAME}: your December summary"
        elif "Overdue" in subject or " overdue" in subject:
            assert overdue, subject


def test_every_email_names_the_tracker_and_its_day(sample):
    """Heading and footer name the tracker and say "as of" the run's day, never "sent"."""
    messages, _ = sample
    for message in messages:
        text = text_of(message)
        assert text.startswith(f"{NAME}\n{'=' * len(NAME)}\n")
        assert f"about {NAME}, as of Tue 1 Dec 2026." in text
        assert ", sent " not in text
        html = message.get_body(("html",))
        assert html is not None and "as of Tue 1 Dec 2026" in str(html.get_content())
