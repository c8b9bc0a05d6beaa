"""Tracker backends: a local ``.xlsx`` workbook, or a Google Sheet."""

from __future__ import annotations

import re

from ..errors import UsageError
from .base import Backend

_SHEET_URL = re.compile(r"docs\.google\.com/spreadsheets/d/([A-Za-z0-9_-]+)")
_SHEET_ID = re.compile(r"^[A-Za-z0-9_-]{20,}$")


def spreadsheet_id(tracker: str) -> str | None:
    """The spreadsheet ID in a Google Sheets URL or bare ID; None for anything else."""
    match = _SHEET_URL.search(tracker)
    if match:
        return match.group(1)
    return tracker if _SHEET_ID.match(tracker) and not tracker.endswith(".xlsx") else None


def open_backend(tracker: str) -> Backend:
    """The backend for ``tracker``: a ``.xlsx`` path, or a Google Sheets URL or ID.

    Raises:
        UsageError: ``tracker`` is neither; the message says what to do instead.
    """
    refused = _refusal(tracker)
    if refused:
        raise UsageError(refused)
    if tracker.lower().endswith((".xlsx", ".xlsm")):
        from .xlsx import XlsxBackend

        return XlsxBackend(tracker)
    sheet = spreadsheet_id(tracker)
    if sheet:
        from .gsheets import GoogleSheetsBackend

        return GoogleSheetsBackend.connect(sheet)
    raise UsageError(f"{tracker} is not a .xlsx workbook path or a Google Sheets URL or ID")


_OTHER_FILES = {
    ".csv": "a CSV file",
    ".tsv": "a text file",
    ".xls": "an old-style Excel file",
    ".ods": "an OpenDocument spreadsheet",
    ".numbers": "a Numbers file",
}
_GOOGLE_HINT = "a Google Sheet's address looks like https://docs.google.com/spreadsheets/d/…/edit"


def _refusal(tracker: str) -> str | None:
    """Why ``tracker`` cannot be opened as it stands, in words that say what to do; or None."""
    lowered = tracker.strip().lower()
    if lowered.startswith(("http://", "https://")) and not _SHEET_URL.search(tracker):
        return f"{tracker} is not a Google Sheets URL ({_GOOGLE_HINT})"
    for suffix, what in _OTHER_FILES.items():
        if lowered.endswith(suffix):
            return (
                f"{tracker} is {what}: save it as .xlsx (File › Save As) "
                "or import it into a Google Sheet"
            )
    return None
