"""Rows of test trackers by column name: the cells a test cares about, blanks elsewhere.

``row(HEADER, milestone_id="M-1", due_date=day)`` puts each keyword in the column whose
header it names in snake_case ("Renewal Term (months)" is ``renewal_term_months``), so a
test states the cells it is about instead of a list padded with ``None``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from sheetsync.schema import LOG_COLUMNS


def snake(header: str) -> str:
    """A header's keyword: "Notice Period (days)" → ``notice_period_days``."""
    return re.sub(r"[^a-z0-9]+", "_", header.lower()).strip("_")


def row(header: Sequence[str], **cells: object) -> list[object]:
    """One row in ``header``'s order; a keyword no header names is a mistake in the test."""
    columns = {snake(name): at for at, name in enumerate(header)}
    unknown = sorted(set(cells) - set(columns))
    if unknown:
        raise KeyError(f"no column for {unknown} in {list(header)}")
    values: list[object] = [None] * len(header)
    for name, value in cells.items():
        values[columns[name]] = value
    return values


def log_row(key: str, sent_at: str, **cells: object) -> list[object]:
    """A Log row as the program writes it, in LOG_COLUMNS' order.

    Kind and Milestone ID come from the key (``reminder:M-0001:2027-01-05:7``; a summary's
    key names no milestone), Result is "sent"; a keyword (``recipients=…``) sets any cell.
    """
    kind, _, rest = key.partition(":")
    about = rest.split(":")[0] if kind != "summary" else None
    written = {"kind": kind, "key": key, "milestone_id": about, "result": "sent"}
    return row(LOG_COLUMNS, sent_at=sent_at, **(written | cells))
