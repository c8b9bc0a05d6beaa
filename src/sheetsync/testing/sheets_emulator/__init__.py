"""An in-memory Google Sheets API v4 emulator served over real HTTP, for tests and demos.

Start it in-process (``with SheetsEmulator() as emu``) or as a program
(``python -m sheetsync.testing.emulator --port 8085``), then point gspread at it with
:func:`gspread_client`.
"""

from __future__ import annotations

from .client import EmulatorSession, gspread_client
from .control import Fault, Quota
from .core import SheetsEmulator
from .editing import SheetEditor
from .errors import ApiError
from .routes import SUPPORTED_CALLS, is_supported

__all__ = [
    "SUPPORTED_CALLS",
    "ApiError",
    "EmulatorSession",
    "Fault",
    "Quota",
    "SheetEditor",
    "SheetsEmulator",
    "gspread_client",
    "is_supported",
]
