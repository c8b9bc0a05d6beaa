"""``sheetsync init``: a new tracker, empty or filled with the sample."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from .errors import UsageError


def init_tracker(
    tracker: str, *, sample: bool, google_title: str | None = None, today: dt.date | None = None
) -> str:
    """Create a tracker and return a line saying where it is."""
    if google_title is not None:
        from .backends.gsheets_init import create_google_tracker

        return create_google_tracker(google_title, tracker or None, sample=sample)
    if not tracker.lower().endswith(".xlsx"):
        raise UsageError(f"{tracker!r}: a local tracker must be a .xlsx file name")
    from .backends.xlsx_init import create_workbook
    from .sample import sample_tracker

    grids = sample_tracker(today or dt.date.today()) if sample else None
    create_workbook(Path(tracker), grids)
    return f"created {tracker}" + (" with sample contracts and milestones" if sample else "")
