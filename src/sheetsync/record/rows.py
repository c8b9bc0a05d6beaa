"""The Log rows a run appends: one per key a message carries, one per change it wrote.

Pure: the run's clock is an argument. Sent At is written in UTC as
``YYYY-MM-DDTHH:MM:SSZ``, so the Log's text sorts by time.
"""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import pandas as pd

from ..derive.changes import Change
from ..model import Cell
from ..normalize.ledger import recipients_cell
from ..plan import Item, Notification


def sent_at(now: dt.datetime) -> str:
    """The Sent At cell of a row written at ``now``."""
    return now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def log_rows(
    note: Notification, message: EmailMessage, now: dt.datetime, outcome: str
) -> list[list[Cell]]:
    """One Log row per key the message carries, in the order of ``LOG_COLUMNS``."""
    at = sent_at(now)
    recipients = recipients_cell([a.email for a in note.to], [a.email for a in note.cc])
    subject, message_id = str(message["Subject"]), str(message["Message-ID"])
    # First item per key, found by hash: a digest can carry thousands of items.
    by_key: dict[str, Item] = {}
    for each in note.items:
        by_key.setdefault(each.key, each)
    rows: list[list[Cell]] = []
    for kind, key in note.keys:
        item = by_key.get(key)
        contract, milestone = (item.contract_id, item.milestone_id) if item else ("", "")
        rows.append([at, kind, key, contract, milestone, recipients, subject, message_id, outcome])
    return rows


def change_rows(changes: list[Change], now: dt.datetime) -> list[list[Cell]]:
    """Log rows recording moved due dates and completed occurrences that were written."""
    at = sent_at(now)
    return [
        [at, c.kind, c.key, c.contract_id, c.milestone_id, "", c.subject, "", "recorded"]
        for c in changes
    ]


def sent_today(log: pd.DataFrame, now: dt.datetime, zone: str | None) -> int:
    """How many messages the Log shows as sent since midnight, in the tracker's time zone."""
    if log.empty:
        return 0
    local = now.astimezone(ZoneInfo(zone or "UTC"))
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    since = log["Sent At"].astype(str) >= sent_at(midnight)
    sent = log["Result"].astype(str).str.casefold() == "sent"
    return int(log.loc[since & sent, "Message-ID"].nunique())
