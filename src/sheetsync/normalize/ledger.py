"""The Log tab as the run's memory: which (key, recipients) were sent, and when."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import cached_property
from operator import itemgetter

import numpy as np
import pandas as pd

from ..logtab import folded, log_columns, log_fields, split_log
from ..model import Grid
from ..schema import LOG_COLUMNS

_ISO_DAY = re.compile(r"\d{4}-\d\d-\d\d")


@dataclass
class Ledger:
    """What the Log says was sent. ``sent`` holds ``(key, to)`` pairs whose Result is sent."""

    frame: pd.DataFrame
    sent: set[tuple[str, str]] = field(default_factory=set)
    grid: Grid = field(default_factory=list)  # the Log as read, for deciding what to prune
    failed: set[tuple[str, str]] = field(default_factory=set)  # (key, to) logged ``failed: …``
    # What ``record.notified.ledger_history`` worked out from the Log, by the run's day:
    # derivation and the Resolved notes both ask, and the Log is taken apart once.
    histories: dict[dt.date, pd.DataFrame] = field(default_factory=dict, repr=False, compare=False)

    @cached_property
    def sent_keys(self) -> set[str]:
        """Every key the Log says was sent, to anyone."""
        return set(map(itemgetter(0), self.sent))

    @cached_property
    def recipients(self) -> dict[str, set[str]]:
        """Who each sent key reached: its ``to`` texts (made when first asked)."""
        recipients: dict[str, set[str]] = {}
        for key, to in self.sent:
            recipients.setdefault(key, set()).add(to)
        return recipients

    def was_sent(self, key: str, to: str) -> bool:
        """Whether a message with ``key`` already reached the recipients ``to``."""
        return (key, to) in self.sent


def read_ledger(grid: Grid) -> Ledger:
    """Read the Log tab, whatever people did to it, in the order the rows were sent.

    Columns are found by header or, when a header was renamed or removed, by what
    their cells hold (``logtab``); rows are put back in Sent At order (a person may
    have sorted them), rows without a readable Sent At last.
    """
    columns = log_columns(grid)
    _, body = split_log(grid)
    data = log_fields(body, columns, LOG_COLUMNS)
    first = len(grid) - len(body) + 1
    frame = pd.DataFrame({"row": range(first, first + len(body)), **data}, dtype=object)
    order = _sent_order(data["Sent At"])
    if (order[1:] < order[:-1]).any():  # rows out of order (sorted by a person): put back
        frame = frame.iloc[order].reset_index(drop=True)
    result = folded(frame["Result"])
    codes, outcomes = pd.factorize(result)
    failed = np.array([text.startswith("failed") for text in outcomes], dtype=bool)[codes]
    keys, cells = frame["Key"].to_numpy(), frame["Recipients"].to_numpy()
    sent = result == "sent"
    return Ledger(
        frame,
        _pairs(keys[sent], cells[sent]),
        grid=grid,
        failed=_pairs(keys[failed], cells[failed]),
    )


def _sent_order(when: list[str]) -> np.ndarray:
    """Row order by Sent At text (ISO text sorts by time), unreadable ones last, ties kept.

    Each distinct text is looked at once: a run's rows share a few Sent At values.
    """
    codes, distinct = pd.factorize(pd.Series(when, dtype=object))
    keys = [text if _ISO_DAY.match(text) else "\uffff" for text in distinct]
    _, rank = np.unique(np.array(keys, dtype=object), return_inverse=True)
    return np.argsort(rank.reshape(-1)[codes], kind="stable")


def _pairs(keys: np.ndarray, cells: np.ndarray) -> set[tuple[str, str]]:
    """``(key, to)`` for each Log row, ``to`` as the ledger matches it (once per distinct cell)."""
    listed = cells.tolist()
    to = {cell: recipients_to(cell) for cell in set(listed)}
    return set(zip(keys.tolist(), [to[cell] for cell in listed], strict=True))


CC_SHOWN = 5  # an escalation can copy hundreds of owners; its every Log row repeats the cell


def recipients_cell(to: list[str], cc: list[str]) -> str:
    """The Log's Recipients cell: ``a@x.com; b@x.com`` with ``| cc: …`` when copied.

    The To part is what the ledger matches on, so it is kept whole; past
    ``CC_SHOWN`` copied addresses the cell says how many more there were.
    """
    text = "; ".join(to)
    if not cc:
        return text
    more = f" (+{len(cc) - CC_SHOWN} more)" if len(cc) > CC_SHOWN else ""
    return f"{text} | cc: {'; '.join(cc[:CC_SHOWN])}{more}"


def recipients_to(cell: str) -> str:
    """The To part of a Recipients cell, as a canonical string for matching."""
    to = cell.partition("|")[0]
    return "; ".join(sorted(p.strip().casefold() for p in to.split(";") if p.strip()))
