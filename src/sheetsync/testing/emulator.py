"""The Sheets API emulator: import it in tests, or run it for people to point tools at.

    python -m sheetsync.testing.emulator --port 8085

prints ``SHEETS_EMULATOR_HOST=127.0.0.1:8085`` and serves until Ctrl-C. The implementation
lives in :mod:`sheetsync.testing.sheets_emulator`.
"""

from __future__ import annotations

import argparse
import contextlib
import threading

from sheetsync.testing.sheets_emulator import (
    SUPPORTED_CALLS,
    ApiError,
    EmulatorSession,
    Fault,
    Quota,
    SheetEditor,
    SheetsEmulator,
    gspread_client,
    is_supported,
)

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
    "main",
]


def main(argv: list[str] | None = None) -> int:
    """Serve the emulator on loopback until interrupted.

    Args:
        argv: command-line arguments (``--port P``, ``--no-quotas``).

    Returns:
        The exit status (0).
    """
    parser = argparse.ArgumentParser(description="Serve a Google Sheets API v4 emulator.")
    parser.add_argument("--port", type=int, default=8085, help="TCP port (0 picks a free one)")
    parser.add_argument("--no-quotas", action="store_true", help="never answer 429 for quotas")
    args = parser.parse_args(argv)
    emulator = SheetsEmulator(port=args.port)
    if args.no_quotas:
        emulator.disable_quotas()
    with emulator:
        print(f"SHEETS_EMULATOR_HOST={emulator.host}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
