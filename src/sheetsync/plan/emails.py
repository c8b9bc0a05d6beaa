"""Items and recipients → emails: one per recipient list (or per item), less what was sent."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..cells.addresses import Address
from ..normalize.ledger import Ledger
from ..values import factorize_objects, first_rows, object_array
from .cells import filled
from .notification import Item, Notification


@dataclass
class Found:
    """Items and recipients: pair ``j`` sends ``items[item[j]]`` to ``to[j]``, cc ``cc[j]``."""

    items: list[Item]
    rank: np.ndarray  # each item's place in most-urgent-first order
    item: np.ndarray
    to: list[tuple[Address, ...]]
    cc: list[tuple[Address, ...]]
    # Each pair's recipients as a code into distinct lists, when the planner knows them:
    # ``to[j]`` equals ``lists[codes[j]]`` (else they are told apart from ``to``).
    lists: tuple[np.ndarray, list[tuple[Address, ...]]] | None = None


def noted_keys(milestones: pd.DataFrame) -> set[str]:
    """Every key a row's Last Notified records for its current due date."""
    if "noted" not in milestones:
        return set()
    column = milestones["noted"].to_numpy(dtype=object)
    cells = column[filled(column)].tolist()  # empty cells hold no key
    return {key for keys in cells if isinstance(keys, tuple) for key in keys}


def group_emails(
    found: Found, kind: str, ledger: Ledger, digest: bool, noted: set[str]
) -> list[Notification]:
    """One email per recipient list (or per item without digests), skipping what was sent."""
    codes, tos = found.lists or factorize_objects(object_array(found.to))
    emails = [tuple(sorted(a.email for a in to)) for to in tos]
    pair_text, texts = _recipient_texts(codes, emails)
    keep = _not_sent(found, pair_text, texts, ledger, noted)
    group = pair_text if digest else pair_text * max(len(found.items), 1) + found.item
    pairs = np.flatnonzero(keep)
    order = pairs[by_group_then_rank(group[pairs], found.rank[found.item[pairs]])]
    listed = object_array(found.items)[found.item[order]].tolist()  # cut per email
    bounds = np.flatnonzero(np.diff(group[order])) + 1
    starts, ends = [0, *bounds.tolist()], [*bounds.tolist(), len(order)]
    notes = []
    copied = any(found.cc)  # reminders copy nobody
    for members, start, end in zip(np.split(order, bounds), starts, ends, strict=True):
        if not len(members):
            continue  # nothing to send at all
        first = int(members.min())
        note = Notification(kind, found.to[first], ())
        note.items = listed[start:end]
        if copied:
            note.cc = _copies(found, members, set(emails[codes[first]]))
        notes.append(note)
    return sorted(notes, key=lambda n: (n.to_text, n.items[0].key))


def by_group_then_rank(group: np.ndarray, rank: np.ndarray) -> np.ndarray:
    """The order of the pairs by group, then rank (ties kept in place): ``np.lexsort`` of
    the two, sorted as one number when the numbers allow it (twice as quick)."""
    if not len(group):
        return np.zeros(0, dtype=np.intp)
    low, span = int(rank.min()), int(rank.max()) - int(rank.min()) + 1
    if int(group.min()) < 0 or (int(group.max()) + 1) * span >= 2**63:
        return np.lexsort((rank, group))
    return np.argsort(group.astype(np.int64) * span + (rank - low), kind="stable")


def _recipient_texts(
    codes: np.ndarray, emails: list[tuple[str, ...]]
) -> tuple[np.ndarray, list[str]]:
    """Each pair's recipients as the ledger matches them: a code per pair, and the texts.

    One address typed with two display names (``raj@x.com`` in one row, ``Raj Patel
    <raj@x.com>`` in another) is two recipient lists but one text, so the texts are
    counted apart from the lists: pair ``j`` is sent to ``texts[codes[j]]``.
    """
    if not len(codes):
        return codes, []
    text_codes, texts = pd.factorize(np.asarray(["; ".join(e) for e in emails], dtype=object))
    return text_codes[codes], [str(t) for t in texts]


def _not_sent(
    found: Found, pair_text: np.ndarray, texts: list[str], ledger: Ledger, noted: set[str]
) -> np.ndarray:
    """Pairs not yet sent. A stage the row's Last Notified records goes again only to
    recipients the Log says it failed for: a person may have deleted the Log row of
    one recipient, and a missing row alone must never resend."""
    if not ledger.sent and not noted:
        return np.ones(len(pair_text), dtype=bool)
    keys = [found.items[i].key for i in found.item.tolist()]
    sent, failed = ledger.sent, ledger.failed
    return np.asarray(
        [
            (k, texts[t]) not in sent and (k not in noted or (k, texts[t]) in failed)
            for k, t in zip(keys, pair_text.tolist(), strict=True)
        ],
        dtype=bool,
    )


def _copies(found: Found, members: np.ndarray, emails: set[str]) -> tuple[Address, ...]:
    """Who is copied: each cc address not among the recipients, first spelling kept.

    Pairs mostly share their cc tuple (a row's owners), so each tuple is read once, at
    its first pair: a later pair holding the same tuple adds no address.
    """
    ccs = [found.cc[j] for j in np.sort(members).tolist()]
    seen = np.fromiter(map(id, ccs), dtype=np.int64, count=len(ccs))
    copies: dict[str, Address] = {}
    for j in first_rows(pd.factorize(seen)[0]).tolist():
        for address in ccs[j]:
            if address.email not in emails:
                copies.setdefault(address.email, address)
    return tuple(copies.values())
