"""Screenshot one owner's deadlines as a calendar shows them, in headless Chromium.

Usage: ``python docs/make_calendar_screenshot.py [--out docs] [--chromium /usr/bin/chromium]``.

It writes what ``sheetsync calendar examples/tracker.xlsx --owner raj.patel@example.com``
writes as of 2026-12-01 (on a copy of the example), reads the file back with icalendar as a
calendar app imports it, draws December 2026 as a month grid with each event on its day, and
screenshots it: ``calendar.png``. The page it was taken from stays in a temporary folder.
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import html
import shutil
import tempfile
from pathlib import Path

import icalendar
from make_screenshots import EXAMPLE, TODAY, screenshot

from sheetsync.backends import open_backend
from sheetsync.deadlines import tracker_deadlines

OWNER = "raj.patel@example.com"
CELL = "vertical-align:top;border:1px solid #d5d9e0;padding:4px;height:92px;width:14%;"
EVENT = (
    "display:block;margin:2px 0;padding:1px 4px;border-radius:3px;background:#dbeafe;"
    "color:#1e3a8a;font-size:11px;line-height:14px;overflow:hidden;"
)


def example_calendar(folder: Path) -> bytes:
    """The .ics the calendar command writes for OWNER on a copy of the example."""
    demo = folder / "demo.xlsx"
    shutil.copy(EXAMPLE, demo)
    return tracker_deadlines(open_backend(str(demo)), TODAY, OWNER).ics


def events_by_day(ics: bytes) -> dict[dt.date, list[str]]:
    """Each day's event titles, as a calendar app imports the file."""
    days: dict[dt.date, list[str]] = {}
    for event in icalendar.Calendar.from_ical(ics).walk("VEVENT"):
        day = event.decoded("DTSTART")
        days.setdefault(day, []).append(str(event["SUMMARY"]).removeprefix("Due: "))
    return days


def month_page(days: dict[dt.date, list[str]], year: int, month: int, title: str) -> str:
    """An HTML month grid (Monday first) with each day's events."""
    weeks = calendar.Calendar().monthdatescalendar(year, month)
    head = "".join(f"<th>{d}</th>" for d in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"))
    rows = []
    for week in weeks:
        cells = []
        for day in week:
            shade = "color:#111827;" if day.month == month else "color:#9ca3af;"
            items = "".join(
                f'<span style="{EVENT}">{html.escape(t)}</span>' for t in days.get(day, [])
            )
            cells.append(f'<td style="{CELL}{shade}"><b>{day.day}</b>{items}</td>')
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"></head>'
        '<body style="margin:12px;font-family:Arial,Helvetica,sans-serif;">'
        f"<h2 style='margin:0 0 8px 0;'>{html.escape(title)}: "
        f"{calendar.month_name[month]} {year}</h2>"
        f'<table style="border-collapse:collapse;width:100%;table-layout:fixed;">'
        f"<tr>{head}</tr>{''.join(rows)}</table></body></html>"
    )


def main() -> None:
    """Write the owner's calendar, draw its month and screenshot it into ``--out``."""
    parser = argparse.ArgumentParser(description="Screenshot an owner's deadlines calendar.")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="sheetsync-calendar-"))
    days = events_by_day(example_calendar(folder))
    page = folder / "calendar.html"
    page.write_text(month_page(days, TODAY.year, TODAY.month, OWNER), encoding="utf-8")
    png = args.out / "calendar.png"
    screenshot(args.chromium, page, png, 600)
    print(f"{sum(map(len, days.values()))} events: {page} -> {png}")


if __name__ == "__main__":
    main()
