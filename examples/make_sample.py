"""Build the sample tracker workbook: ``python examples/make_sample.py [--anchor D] [--out F]``.

The sample's dates are relative to the anchor day, so a fresh sample always has
overdue, due-soon and upcoming milestones around the day you pick.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from sheetsync.init.sample import sample_tracker
from sheetsync.init.workbook import create_workbook

DEFAULT_ANCHOR = dt.date(2026, 12, 1)
DEFAULT_OUT = Path(__file__).with_name("tracker.xlsx")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Read ``--anchor`` (an ISO date) and ``--out`` (the workbook to write)."""
    parser = argparse.ArgumentParser(description="Write the sheetsync sample tracker.")
    parser.add_argument(
        "--anchor",
        type=dt.date.fromisoformat,
        default=DEFAULT_ANCHOR,
        help="the day the sample's dates are relative to (default 2026-12-01)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="where to write the workbook (default examples/tracker.xlsx)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Write the sample, replacing an earlier copy of this script's own output."""
    args = parse_args(argv)
    args.out.unlink(missing_ok=True)
    create_workbook(args.out, sample_tracker(args.anchor), today=args.anchor)
    print(f"wrote {args.out} (dates relative to {args.anchor.isoformat()})")


if __name__ == "__main__":
    main()
