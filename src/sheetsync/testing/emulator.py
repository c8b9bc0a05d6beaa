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
        argv: command-line arguments (``--port P``, ``--no-quotas``, ``--lose-answers R``,
            ``--seed N``).

    Returns:
        The exit status (0).
    """
    parser = argparse.ArgumentParser(description="Serve a Google Sheets API v4 emulator.")
    parser.add_argument("--port", type=int, default=8085, help="TCP port (0 picks a free one)")
    parser.add_argument("--no-quotas", action="store_true", help="never answer 429 for quotas")
    parser.add_argument(
        "--lose-answers",
        type=float,
        default=0.0,
        metavar="RATE",
        help="share of write calls carried out, then answered 500 or dropped (0 to 1)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seeds ids and random faults")
    args = parser.parse_args(argv)
    if not 0.0 <= args.lose_answers <= 1.0:
        parser.error("--lose-answers must be between 0 and 1")
    emulator = SheetsEmulator(port=args.port, seed=args.seed)
    if args.no_quotas:
        emulator.disable_quotas()
    if args.lose_answers:
        emulator.lose_answers_randomly(args.lose_answers, seed=args.seed)
    with emulator:
        print(f"SHEETS_EMULATOR_HOST={emulator.host}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
