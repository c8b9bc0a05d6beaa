"""What a Mark-done request may do, given the token's link and the row as it is now.

Pure: the row comes from a fresh read (``row_now``), the Log from the same read
(``marked_before``); nothing here reads the clock or the tracker.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from ..derive import effective_due
from ..keys import completed_parts, milestone_key
from ..links import Link
from ..normalize import Tracker
from ..normalize.ledger import Ledger
from ..schema import MILESTONES

MARKED = "marked"  # the Log kind of an occurrence marked done from an email link
HOW = "Marked done from the email link"

# What a request gets: the Confirm page, the write, or a page saying why not.
CONFIRM, WRITE, ALREADY_DONE, MOVED, GONE = "confirm", "write", "already done", "moved", "gone"


@dataclass(frozen=True)
class RowNow:
    """One milestone row at this read; ``due`` as Weekend deadlines move it, as emails date it."""

    milestone_id: str
    row: int
    title: str
    contract_id: str
    contract: str
    type: str
    owners: str
    due: dt.date | None
    done: bool
    completed_on: dt.date | None
    raw: dict[str, object]  # Due Date, Done, Completed On exactly as read (for the write guard)


@dataclass(frozen=True)
class Earlier:
    """Who marked an occurrence done from a link, and when (from the Log)."""

    who: str
    when: str  # the Log's Sent At text, YYYY-MM-DD…


@dataclass(frozen=True)
class Decision:
    """What to do: ``verdict`` is CONFIRM, WRITE, ALREADY_DONE, MOVED or GONE."""

    verdict: str
    row: RowNow | None
    earlier: Earlier | None = None
    done_before: bool = False  # the linked occurrence is done although the row moved on


def marked_key(milestone: str, due: dt.date) -> str:
    """The Log key of an occurrence marked done from an email link."""
    return milestone_key(MARKED, milestone, due, "link")


def decide(link: Link, row: RowNow | None, ledger: Ledger, posted: bool) -> Decision:
    """Confirm (GET) or write (POST) only while the row is there, not done, due as linked."""
    earlier = marked_before(ledger, link)
    if row is None:
        return Decision(GONE, None, earlier)
    if row.due != link.due:
        done = earlier is not None or _completed(ledger, link)
        return Decision(ALREADY_DONE if done else MOVED, row, earlier, done_before=done)
    if row.done:
        return Decision(ALREADY_DONE, row, earlier)
    return Decision(WRITE if posted else CONFIRM, row, earlier)


def marked_before(ledger: Ledger, link: Link) -> Earlier | None:
    """The Log row that marked this link's occurrence done from a link, if any."""
    if link.due is None or ledger.frame.empty:
        return None
    rows = ledger.frame[ledger.frame["Key"].astype(str) == marked_key(link.subject, link.due)]
    if rows.empty:
        return None
    first = rows.iloc[0]
    return Earlier(str(first["Recipients"] or ""), str(first["Sent At"] or ""))


def _completed(ledger: Ledger, link: Link) -> bool:
    """Whether the Log records this occurrence done (a repeat rolled forward since)."""
    if ledger.frame.empty:
        return False
    found = (completed_parts(str(k)) for k in ledger.frame["Key"])
    return any(f is not None and f[:2] == (link.subject, link.due) for f in found)


def row_now(tracker: Tracker, milestone: str) -> RowNow | None:
    """The milestone with ID ``milestone`` as just read; None when no single row has it."""
    frame = tracker.milestones
    hits = frame.index[frame["id"].astype(str) == milestone]
    if len(hits) != 1:
        return None
    m = frame.loc[hits[0]]
    due = effective_due(frame.loc[hits, "due"], tracker.settings).iloc[0]
    table = tracker.tables[MILESTONES]
    at = table.rows.index(int(m["row"]))
    raw = {name: _raw(table.raw.get(name), at) for name in ("Due Date", "Done", "Completed On")}
    return RowNow(
        milestone,
        int(m["row"]),
        str(m["title"]),
        str(m["contract_id"]),
        _contract_name(tracker.contracts, str(m["contract_id"])),
        str(m["type"]),
        ", ".join(a.email for a in m["owners"] or ()),
        _day(due),
        bool(m["done"]),  # ticked, or a Completed On date
        _day(m["completed_on"]),
        raw,
    )


def _raw(column: pd.Series | None, at: int) -> object:
    return None if column is None else column.iat[at]


def _day(value: object) -> dt.date | None:
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).date()


def _contract_name(contracts: pd.DataFrame, contract_id: str) -> str:
    names = contracts.loc[contracts["id"].astype(str) == contract_id, "name"]
    return str(names.iloc[0]) if len(names) else ""
