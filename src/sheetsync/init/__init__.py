"""``sheetsync init``: a new tracker, empty or filled with the sample.

workbook        a new .xlsx tracker: tabs, headers, dropdowns, colours, widths
google          a new (or laid-out existing) Google Sheet, in three API calls
google_formats  that sheet's formats as spreadsheets:batchUpdate requests, pure
sample          the sample contracts and milestones, dated from a given day
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..errors import UsageError


def init_tracker(
    tracker: str, *, sample: bool, google_title: str | None = None, today: dt.date | None = None
) -> str:
    """Create a tracker and return a line saying where it is."""
    if google_title is not None:
        from .google import create_google_tracker

        return create_google_tracker(google_title, tracker or None, sample=sample, today=today)
    if not tracker.lower().endswith(".xlsx"):
        raise UsageError(f"{tracker!r}: a local tracker must be a .xlsx file name")
    from .sample import sample_tracker
    from .workbook import create_workbook

    grids = sample_tracker(today or dt.date.today()) if sample else None
    create_workbook(Path(tracker), grids, today)
    return f"created {tracker}" + (" with sample contracts and milestones" if sample else "")
