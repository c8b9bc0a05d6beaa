"""Reminder digests: each owner's reminders and overdue notices due now, in one email."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..normalize.ledger import Ledger
from ..schema import DIGEST
from ..values import factorize_objects, object_array
from .emails import Found, group_emails
from .escalation import Route
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
    Each row's key is paired with each of its owners' addresses (an owner list's addresses
    listed once) and every pair asked of the Log at once; a row without owners is kept
    unless its key went to anyone.
    """
    due = not_noted(milestones, due_now(milestones, "notice"), ledger)
    if not ledger.sent:
        return due
    owners = milestones["owners"].to_numpy(dtype=object)[due.pos]
    codes, groups = factorize_objects(owners)
    emails = [tuple(owner.email for owner in group) for group in groups]
    counts = np.asarray([len(e) for e in emails], dtype=np.int64)[codes] if emails else codes
    item = np.repeat(np.arange(len(codes)), counts)
    keys = np.asarray(due.keys, dtype=object)
    to = [email for code in codes.tolist() for email in emails[code]]
    pairs = zip(keys[item].tolist(), to, strict=True)
    sent = np.fromiter(map(ledger.sent.__contains__, pairs), dtype=bool, count=len(to))
    keep = np.bincount(item[~sent], minlength=len(codes)) > 0  # an owner lacks it
    alone = np.flatnonzero(counts == 0)
    keep[alone] = [key not in ledger.sent_keys for key in keys[alone].tolist()]
    return due.take(keep)


def owner_items(planning: Planning, due: Due) -> Found:
    """Each due item paired with each of its row's owners, one recipient per pair."""
    items, rank = stage_items(planning, due)
    owners = planning.milestones["owners"].to_numpy(dtype=object)[due.pos]
    codes, groups = factorize_objects(owners)
    alone: list[Route] = [(owner,) for group in groups for owner in group]  # one by one
    sizes = np.asarray([len(g) for g in groups], dtype=np.int64)
    counts = sizes[codes] if len(groups) else codes
    item = np.repeat(np.arange(len(items)), counts)
    # Pair j is its row's n-th owner: that owner's place in ``alone``.
    nth = np.arange(len(item)) - np.repeat(np.cumsum(counts) - counts, counts)
    single = np.repeat((np.cumsum(sizes) - sizes)[codes] if len(groups) else codes, counts) + nth
    to = object_array(alone)[single].tolist() if len(alone) else []
    return Found(items, rank, item, to, [()] * len(to), (single, alone))
