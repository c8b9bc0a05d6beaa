"""What a run or a check reports: rows, problems, statuses, messages planned, sent, failed.

A run keeps no rendered message (each delivery batch is let go once sent and logged):
only the count planned and the first few subjects for the report. ``check`` and
``--dry-run`` keep every message in ``planned`` (``preview`` writes them all).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from email.message import EmailMessage

from .problems import Problem
from .schema import DIGEST, ESCALATION, OVERDUE_NOTICE, REMINDER, RESOLVED, SUMMARY


@dataclass
class RunResult:
    """What a run (or a check) found and did."""

    tracker: str
    today: dt.date
    rows: int
    contracts: int
    problems: list[Problem]
    statuses: dict[str, int]
    planned: list[EmailMessage] = field(default_factory=list)  # check and --dry-run only
    due: int = 0  # messages planned (a run renders and lets them go batch by batch)
    subjects: list[str] = field(default_factory=list)  # the first few planned, for the report
    sent: Counter[str] = field(default_factory=Counter)  # messages by kind
    items: Counter[str] = field(default_factory=Counter)  # milestone items in them, by kind
    already_sent: int = 0  # messages the Log shows as sent earlier the same day
    emails: int = 0
    failed: list[str] = field(default_factory=list)
    api_calls: int = 0
    dry_run: bool = False

    def to_json(self) -> dict[str, object]:
        """The ``--json`` object: rows, problems, statuses, messages by kind, API calls."""
        return {
            "tracker": self.tracker,
            "today": self.today.isoformat(),
            "rows": self.rows,
            "contracts": self.contracts,
            "problems": len(self.problems),
            "tab_problems": [str(p) for p in self.problems if p.row <= 0],
            "statuses": self.statuses,
            "sent": {k: self.sent.get(k, 0) for k in (DIGEST, ESCALATION, RESOLVED, SUMMARY)},
            "items": {
                k: self.items.get(k, 0) for k in (REMINDER, OVERDUE_NOTICE, ESCALATION, RESOLVED)
            },
            "emails": self.emails,
            "planned_emails": self.due,
            "failed": len(self.failed),
            "api_calls": self.api_calls,
            "dry_run": self.dry_run,
        }
