"""The tracker's tabs, columns, aliases, statuses and default lead times: one place for names."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

CONTRACTS, MILESTONES, SETTINGS, LOG = "Contracts", "Milestones", "Settings", "Log"


@dataclass(frozen=True)
class Column:
    """A column the program understands: canonical header, aliases, whether it is required."""

    name: str
    aliases: tuple[str, ...] = ()
    required: bool = False


def header_key(text: object) -> str:
    """Reduce a header to letters and digits in lower case: ``"Due_date "`` → ``"duedate"``.

    ``#`` reads as "no", so ``Contract #`` and ``Contract No`` are the same header.
    """
    return _header_key(str(text or ""))


@lru_cache(maxsize=65536)
def _header_key(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.casefold().replace("#", "no"))


CONTRACT_COLUMNS = (
    Column("Contract ID", ("ID", "Contract #", "Contract No"), required=True),
    Column("Contract", ("Name", "Title", "Agreement"), required=True),
    Column("Counterparty", ("Vendor", "Customer", "Party", "Supplier")),
    Column("Contract Type", ("Category",)),
    Column("Owner", ("Contract Owner", "Owner Email"), required=True),
    Column("Department", ("Team",)),
    Column("Value", ("Contract Value", "Amount", "TCV")),
    Column("Start Date", ("Effective Date",)),
    # "Term End" is a system column (the current term's end), so it is no alias here.
    Column("End Date", ("Expiration", "Expiry Date")),
    Column("Auto-Renew", ("Auto Renewal", "Evergreen")),
    Column("Renewal Term (months)", ("Renewal Term", "Renewal Months")),
    Column("Notice Period (days)", ("Notice Period", "Notice Days")),
    Column("Risk", ("Risk Level",)),
    Column("Review Every", ("Review Cadence",)),
    Column("Contract Status", ("Status",)),
    Column("Link", ("Document", "URL")),
)

MILESTONE_COLUMNS = (
    Column("Milestone ID", ("ID",)),
    Column("Contract ID", ("Contract", "Contract #", "Contract No"), required=True),
    Column("Milestone", ("Title", "Task", "Description"), required=True),
    Column("Type", ("Category",)),
    Column("Due Date", ("Deadline", "Due"), required=True),
    Column("Owner", ("Assignee", "Responsible")),
    Column("Escalate To", ("Escalation",)),
    Column("Remind Days", ("Reminders", "Lead Days")),
    Column("Repeat", ("Recurrence",)),
    Column("Done", ("Complete", "Completed")),
    Column("Completed On", ("Done Date",)),
    Column("Notes", ()),
)

LOG_COLUMNS = (
    "Sent At",
    "Kind",
    "Key",
    "Contract ID",
    "Milestone ID",
    "Recipients",
    "Subject",
    "Message-ID",
    "Result",
)

# System columns: written by the program only; matched by header like the rest.
MILESTONE_SYSTEM = (
    "Status",
    "Days Left",
    "Next Reminder",
    "Last Notified",
    "Escalation",
    "Problems",
    "Checked",
    "Source",
)
# The name the Escalation system column takes when a person's column is called Escalation.
ESCALATION_COLUMN, ESCALATION_ELSEWHERE = "Escalation", "Escalation Level"
CONTRACT_SYSTEM = ("Term End", "Notice Deadline", "Next Milestone", "Health", "Problems", "Checked")
# Each tab's system columns: what `sheetsync init` adds and a person's column never takes.
SYSTEM_HEADERS = {CONTRACTS: CONTRACT_SYSTEM, MILESTONES: MILESTONE_SYSTEM}
SOURCE = "Source"  # Milestones: MANUAL, or AUTO for rows generated from contract terms
MANUAL, AUTO = "manual", "auto"
LAST_NOTIFIED = "Last Notified"  # Milestones: what was sent for the current due date
STATUS = "Status"  # Milestones: read back too, a cancellation the row already shows

# Milestone statuses.
DONE, OVERDUE, DUE_SOON, UPCOMING = "Done", "Overdue", "Due soon", "Upcoming"
NEEDS_ATTENTION, CANCELLED = "Needs attention", "Cancelled"
STATUSES = (OVERDUE, DUE_SOON, UPCOMING, NEEDS_ATTENTION, DONE, CANCELLED)
# A milestone still to be done: what Next Milestone and the summary's open count look at.
OPEN_STATUSES = (OVERDUE, DUE_SOON, UPCOMING)

# Contract Health: the worst of Needs attention, Overdue and Due soon among its
# milestones, else one of these.
ON_TRACK, INACTIVE = "On track", "Inactive"

# Contract statuses.
ENDED_CONTRACT = ("terminated", "expired", "superseded")
DRAFT_CONTRACT = "draft"  # not started: no emails
UNDER_APPROVAL = (DRAFT_CONTRACT, "in review")  # their approval route applies
CONTRACT_STATUSES = ("Active", "Draft", "In review", "Terminated", "Expired", "Superseded")

# Notification kinds, as written in the Log's Kind column and used in keys.
REMINDER, OVERDUE_NOTICE, ESCALATION, SUMMARY = "reminder", "overdue", "escalation", "summary"
# Kinds of the Log rows about rows a run changed: a moved due date, a completed
# occurrence of a repeating milestone, a generated row whose contract ended.
MOVED, COMPLETED, CANCELLED_KIND = "moved", "completed", "cancelled"
OPENED, ADDED = "opened", "added"  # an approval step opened, or added by a re-route
DIGEST = "digest"  # a reminder email: its items are reminder and overdue keys
RESOLVED = "resolved"  # an escalated milestone now done: a note to those who got the escalation

TYPES = (
    "renewal",
    "notice",
    "payment",
    "review",
    "report",
    "approval",
    "delivery",
    "expiration",
    "other",
)

TYPE_SYNONYMS = {
    "renewal window": "renewal",
    "renew": "renewal",
    "renewal date": "renewal",
    "termination notice": "notice",
    "notice deadline": "notice",
    "notice period": "notice",
    "non-renewal notice": "notice",
    "invoice": "payment",
    "pay": "payment",
    "payment due": "payment",
    "fee": "payment",
    "qbr": "review",
    "business review": "review",
    "performance review": "review",
    "audit": "review",
    "reporting": "report",
    "compliance report": "report",
    "sign-off": "approval",
    "signoff": "approval",
    "approve": "approval",
    "deliverable": "delivery",
    "shipment": "delivery",
    "expiry": "expiration",
    "expires": "expiration",
    "end of term": "expiration",
    "misc": "other",
}

DEFAULT_LEAD_DAYS: dict[str, tuple[int, ...]] = {
    "notice": (120, 90, 60, 30, 14, 7),
    "renewal": (120, 90, 60, 30),
    "expiration": (90, 60, 30),
    "approval": (7, 2),
    "payment": (14, 7, 1),
    "delivery": (14, 7, 1),
    "review": (30, 7),
    "report": (14, 3),
    "other": (30, 7, 1),
}

# Renewal / notice / expiration: what the monthly summary lists 90 days ahead.
TERM_TYPES = ("renewal", "notice", "expiration")
