"""Reminder digests: each owner's reminders and overdue notices due now, in one email."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..normalize.ledger import Ledger
from ..schema import DIGEST
from ..values import factorize_objects
from .emails import Found, group_emails
from .notification import Notification
from .stages import Due, Planning, due_now, not_noted, stage_items


def plan_reminders(planning: Planning) -> list[Notification]:
    """Each owner's digest (or one email per item without digests) of what is due now."""
    milestones, ledger, context = planning.milestones, planning.ledger, planning.context
    notices = owner_items(planning, unsent(milestones, ledger))
    return group_emails(notices, DIGEST, ledger, context.settings.digest, planning.noted)


def unsent(milestones: pd.DataFrame, ledger: Ledger) -> Due:
    """Rows with a reminder or overdue notice due, less those whose key every owner already got.

    A cheap filter before any per-item work; ``group_emails`` still checks each recipient.
    Owner lists repeat from row to row, so each one's addresses are listed once.
    """
    due = not_noted(milestones, due_now(milestones, "notice"), ledger)
    if not ledger.sent:
        return due
    owners = milestones["owners"].to_numpy(dtype=object)[due.pos]
    codes, groups = factorize_objects(owners)
    emails = [tuple(owner.email for owner in group) for group in groups]
    sent, got = ledger.sent, ledger.sent_keys
    keep = [
        any((key, email) not in sent for email in emails[code]) if emails[code] else key not in got
        for key, code in zip(due.keys, codes.tolist(), strict=True)
    ]
    return due.take(np.asarray(keep, dtype=bool))


def owner_items(planning: Planning, due: Due) -> Found:
    """Each due item paired with each of its row's owners, one recipient per pair."""
    items, rank = stage_items(planning, due)
    owners = planning.milestones["owners"].to_numpy(dtype=object)[due.pos]
    codes, groups = factorize_objects(owners)
    alone = [tuple((owner,) for owner in group) for group in groups]
    counts = np.asarray([len(g) for g in groups], dtype=np.int64)[codes] if len(groups) else codes
    item = np.repeat(np.arange(len(items)), counts)
    to = [single for code in codes.tolist() for single in alone[code]]
    return Found(items, rank, item, to, [()] * len(to))
