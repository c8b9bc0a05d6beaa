"""A run that logs after every message, for tests that SIGKILL it mid-delivery.

Usage: python killed_run.py WORKBOOK YYYY-MM-DD SMTP-URL
"""

from __future__ import annotations

import datetime as dt
import sys

from sheetsync.backends.xlsx import XlsxBackend
from sheetsync.pipeline import RunOptions, run
from sheetsync.transports.smtp import SmtpTransport


def main(workbook: str, today: str, url: str) -> None:
    """Run ``workbook`` as of ``today`` through ``url`` in batches of one message."""
    options = RunOptions(today=dt.date.fromisoformat(today), batch_size=1)
    run(XlsxBackend(workbook), SmtpTransport(url, None), options)


if __name__ == "__main__":
    main(*sys.argv[1:])
