"""A subscribed calendar feed drawn as a calendar app's month view, for the browser test.

``feed_events`` reads a feed's bytes with icalendar, as Google Calendar or Outlook imports
them; ``month_view`` lays the events out as whole weeks, Monday first, each on its day,
with one event's details open beside the grid (what a person sees after clicking it).
The page is self-contained (inline styles, no script, nothing loaded from elsewhere) and
every value from the feed is escaped.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass

import icalendar

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
# Chip colours by the event's category (the milestone Type), as a calendar app shows them.
COLOURS = {
    "notice": ("#fde2e1", "#b42318"),
    "renewal": ("#fde2e1", "#b42318"),
    "payment": ("#dcfae6", "#067647"),
    "review": ("#ebe9fe", "#5925dc"),
    "qbr": ("#fef0c7", "#b54708"),
    "report": ("#d1e9ff", "#175cd3"),
}
PLAIN = ("#eaecf0", "#344054")


@dataclass(frozen=True)
class Shown:
    """One all-day event of the feed."""

    uid: str
    day: dt.date
    title: str
    category: str
    description: str
    url: str


def feed_events(ics: bytes) -> tuple[str, list[Shown]]:
    """The calendar's name and its events, soonest first, as a calendar app imports them."""
    calendar = icalendar.Calendar.from_ical(ics)
    events = [
        Shown(
            str(e["UID"]),
            e.decoded("DTSTART"),
            str(e["SUMMARY"]).removeprefix("Due: "),
            _category(e),
            str(e.get("DESCRIPTION", "")),
            str(e.get("URL", "")),
        )
        for e in calendar.walk("VEVENT")
    ]
    name = str(calendar.get("X-WR-CALNAME") or calendar.get("NAME") or "Deadlines")
    return name, sorted(events, key=lambda e: (e.day, e.title))


def _category(event: icalendar.Event) -> str:
    found = event.get("CATEGORIES")
    if found is None:
        return ""
    cats = getattr(found, "cats", None)
    return str(cats[0]) if cats else str(found.to_ical().decode())


def weeks_of(events: list[Shown], today: dt.date) -> list[list[dt.date]]:
    """Whole weeks, Monday first, from today's (or the first event's) to the last event's."""
    first = min([today, *(e.day for e in events)])
    last = max([today, *(e.day for e in events)])
    start = first - dt.timedelta(days=first.weekday())
    count = max(4, (last - start).days // 7 + 1)
    return [[start + dt.timedelta(days=7 * w + d) for d in range(7)] for w in range(count)]


def month_view(name: str, events: list[Shown], today: dt.date) -> str:
    """The page: a header with the calendar's name, the weeks' grid, the next event's card."""
    weeks = weeks_of(events, today)
    by_day: dict[dt.date, list[Shown]] = {}
    for event in events:
        by_day.setdefault(event.day, []).append(event)
    span = _span(weeks[0][0], weeks[-1][-1])
    head = "".join(f'<th style="{_TH}">{d}</th>' for d in WEEKDAYS)
    rows = "".join(
        "<tr>" + "".join(_cell(day, by_day.get(day, []), today) for day in week) + "</tr>"
        for week in weeks
    )
    upcoming = [e for e in events if e.day >= today] or events
    card = _card(upcoming[0]) if upcoming else ""
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(name)}</title></head>"
        f'<body style="{_BODY}"><header style="{_HEADER}">'
        f'<span style="{_TODAY}">Today</span>'
        f'<span style="font-size:22px;font-weight:500;">{span}</span>'
        f'<span style="{_SUBSCRIBED}">Subscribed: {html.escape(name)}</span></header>'
        f'<main style="display:flex;gap:16px;padding:12px 16px;">'
        f'<div style="flex:1;"><table style="{_TABLE}"><tr>{head}</tr>{rows}</table></div>'
        f"{card}</main></body></html>"
    )


def _span(start: dt.date, end: dt.date) -> str:
    """``December 2026`` or ``Nov – Dec 2026`` or ``Dec 2026 – Jan 2027``."""
    if (start.year, start.month) == (end.year, end.month):
        return f"{start:%B %Y}"
    if start.year == end.year:
        return f"{start:%b} – {end:%b %Y}"
    return f"{start:%b %Y} – {end:%b %Y}"


def _cell(day: dt.date, events: list[Shown], today: dt.date) -> str:
    """One day: its number (the 1st names its month; today in a blue disc) and its chips."""
    label = f"{day.day} {day:%b}" if day.day == 1 else str(day.day)
    number = f'<span style="{_NOW}">{label}</span>' if day == today else label
    shade = "#f9fafb" if day < today else "#ffffff"
    chips = "".join(_chip(e) for e in events)
    return (
        f'<td data-day="{day.isoformat()}" style="{_TD}background:{shade};">'
        f'<div style="{_NUMBER}">{number}</div>{chips}</td>'
    )


def _chip(event: Shown) -> str:
    background, ink = COLOURS.get(event.category.casefold(), PLAIN)
    return (
        f'<div class="event" style="{_CHIP}background:{background};color:{ink};'
        f'border-left:3px solid {ink};">{html.escape(event.title)}</div>'
    )


def _card(event: Shown) -> str:
    """The details a calendar shows for a clicked event: date, why it matters, the row."""
    lines = "".join(
        f'<p style="margin:6px 0;">{html.escape(line.split(" http", 1)[0])}</p>'
        for line in event.description.splitlines()
        if line.strip()
    )
    link = (
        '<p style="margin:10px 0 0;color:#175cd3;font-weight:600;">Open the row ↗</p>'
        if event.url
        else ""
    )
    return (
        f'<aside id="details" style="{_CARD}">'
        f'<div style="font-size:18px;font-weight:600;">{html.escape(event.title)}</div>'
        f'<div style="color:#475467;margin:4px 0 10px;">{event.day:%a %-d %b %Y} · all day</div>'
        f'<div style="font-size:13px;color:#344054;">{lines}{link}</div></aside>'
    )


_FONT = "font-family:'DejaVu Sans','Liberation Sans',Arial,sans-serif;"
_BODY = f"margin:0;{_FONT}color:#101828;background:#ffffff;"
_HEADER = (
    "display:flex;align-items:center;gap:16px;padding:12px 16px;border-bottom:1px solid #eaecf0;"
)
_TODAY = "border:1px solid #d0d5dd;border-radius:6px;padding:4px 12px;font-size:14px;"
_SUBSCRIBED = "margin-left:auto;font-size:13px;color:#475467;"
_TABLE = "border-collapse:collapse;table-layout:fixed;width:100%;"
_TH = "width:14.28%;font-size:12px;font-weight:600;color:#475467;text-align:left;padding:4px 6px;"
_TD = "vertical-align:top;border:1px solid #eaecf0;padding:4px;height:86px;"
_NUMBER = "font-size:12px;color:#344054;margin-bottom:3px;"
_NOW = (
    "display:inline-block;min-width:20px;padding:1px 5px;border-radius:10px;"
    "background:#175cd3;color:#ffffff;text-align:center;"
)
_CHIP = (
    "margin:2px 0;padding:2px 5px;border-radius:4px;font-size:11px;line-height:14px;"
    "overflow-wrap:anywhere;"
)
_CARD = (
    "width:270px;flex:none;align-self:flex-start;border:1px solid #eaecf0;border-radius:10px;"
    "padding:14px;box-shadow:0 4px 12px rgba(16,24,40,0.08);"
)
