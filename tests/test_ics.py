"""compose/ics.py writes a calendar's events as the icalendar library does, byte for byte.

Each test builds the same deadlines both ways, the library's objects (``_library_ics``) and
the direct writer (``to_ics``), and compares the bytes a calendar app would receive.
"""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sheetsync.compose.calendar import Deadline, _library_ics, to_ics

NOW = dt.datetime(2026, 12, 1, 12, 0, 5, 123456, tzinfo=dt.UTC)
STAMP = NOW.replace(microsecond=0)
# Sheet text: letters of any script, emoji, the characters iCalendar escapes, carets and
# line breaks, in lines long enough to fold anywhere, a multibyte character included.
TEXT = st.text(
    st.one_of(
        st.sampled_from(list('\\;,^:"\n\r aé€😀N')),
        st.characters(codec="utf-8", exclude_categories=("Cs",)),
    ),
    max_size=220,
)


def deadline(title: str, why: str, link: str | None = None, category: str = "renewal") -> Deadline:
    """A deadline with the given free text; the rest as a run makes it."""
    return Deadline(
        "0123456789abcdef-M-7%2F1-2027-03-02@sheetsync",
        dt.date(2027, 3, 2),
        title,
        why,
        "Acme, Inc. (C-7)",
        "ana@example.com, bo@example.com",
        "Milestones tab, row 12",
        link,
        3569,
        category,
    )


def test_plain_events_match_the_library() -> None:
    """Two ordinary events, one with a sheet link: the same bytes as the library's."""
    events = [
        deadline("Renewal notice", "renewal deadline (upcoming); reminders go 90, 30 days before"),
        deadline(
            "QBR", "qbr deadline", "https://docs.google.com/spreadsheets/d/x/edit#gid=1&range=A12"
        ),
    ]
    assert to_ics(events, "Sales contracts", NOW) == _library_ics(events, "Sales contracts", STAMP)


def test_folding_at_escapes_matches_the_library() -> None:
    """Lines folded where a backslash or caret falls on the 74th octet, and inside é and 😀."""
    titles = [
        "x" * n + tail for n in range(60, 80) for tail in ("\\", ";", ",", "^", "é", "😀", "\\N")
    ]
    events = [deadline(t, t + t, category=t[-3:]) for t in titles]
    assert to_ics(events, "Ledger", NOW) == _library_ics(events, "Ledger", STAMP)


@settings(max_examples=300, deadline=None)
@given(title=TEXT, why=TEXT, category=TEXT, name=st.text(max_size=40).filter(str.isprintable))
def test_any_text_matches_the_library(title: str, why: str, category: str, name: str) -> None:
    """Whatever a cell holds, the attachment is the library's text byte for byte."""
    events = [deadline(title, why, category=category or "x")]
    assert to_ics(events, name, NOW) == _library_ics(events, name, STAMP)


def test_a_link_with_a_line_break_goes_through_the_library() -> None:
    """A URL holding a line break is left to the library, which refuses it as before."""
    events = [deadline("T", "why", "https://x.example/\nBEGIN:VEVENT")]
    with pytest.raises(ValueError, match="may not contain CR or LF") as library:
        _library_ics(events, "T", STAMP)
    with pytest.raises(ValueError, match="may not contain CR or LF") as written:
        to_ics(events, "T", NOW)
    assert str(written.value) == str(library.value)


def test_a_calendar_app_reads_back_every_event() -> None:
    """The written text parses with icalendar into the same titles, days and links."""
    events = [
        deadline(f"Milestone {n}; part, é", "why", f"https://x.example/{n}") for n in range(3)
    ]
    parsed = icalendar.Calendar.from_ical(to_ics(events, "T", NOW))
    seen = [(str(e["SUMMARY"]), e.decoded("DTSTART"), str(e["URL"])) for e in parsed.walk("VEVENT")]
    assert seen == [
        (f"Due: Milestone {n}; part, é", dt.date(2027, 3, 2), f"https://x.example/{n}")
        for n in range(3)
    ]


def test_a_digest_calendar_is_the_text_of_its_ics() -> None:
    """``deadlines_ics``: the text of ``to_ics`` for the items' events, also where a link
    holds a line break and the library writes the calendar (here: refuses it)."""
    from sheetsync.cells.addresses import Address
    from sheetsync.compose.calendar import deadlines_ics, item_deadlines
    from sheetsync.plan.notification import Item

    def item(n: int, link: str | None) -> Item:
        owner = (Address("Ann, Lee", "ann@example.com"),)
        due = dt.date(2027, 3, n)
        return Item(
            f"k{n}",
            "reminder",
            f"M-{n}",
            "C-1",
            "Acme; Inc.",
            f"Renewal {n} é",
            "renewal",
            due,
            n,
            30,
            n + 1,
            owner,
            "renewal deadline, notice",
            link,
        )

    tracker = ("sheet-id", "Sales, contracts")
    today = dt.date(2027, 3, 1)
    items = [item(1, None), item(2, "https://x.example/r?a=1,2"), item(3, "javascript:x")]
    events = item_deadlines(items, "sheet-id", today)
    text = deadlines_ics(items, tracker, today, NOW)
    assert text == to_ics(events, "Sales, contracts", NOW).decode("utf-8")
    assert text.count("BEGIN:VEVENT") == 3 and "é" in text
    broken = [item(4, "https://x.example/a\nb")]
    with pytest.raises(ValueError):
        to_ics(item_deadlines(broken, "sheet-id", today), "Sales, contracts", NOW)
    with pytest.raises(ValueError):
        deadlines_ics(broken, tracker, today, NOW)
