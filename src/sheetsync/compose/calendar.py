"""Deadlines as calendar events: one all-day event per milestone occurrence, as iCalendar.

A reminder digest carries them as one ``.ics`` attachment, ``sheetsync calendar`` writes
them to a file and the ``act`` function serves them as an owner's subscription feed. Each
event's UID is ``{tracker}-{milestone}-{due}@sheetsync`` (the tracker as a short tag of its
identity, the milestone ID with anything but letters, digits and ``._/-`` percent-encoded),
so the same occurrence is the same event wherever it comes from and whatever run made it,
and a calendar updates it instead of adding one; a moved due date is a new occurrence.
SEQUENCE grows by one each day (``HORIZON`` less the days left), the same in an email, a file
or the feed made the same day, so a later copy supersedes an earlier one. Pure: the run's
day and clock are arguments.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Sequence
from email.message import EmailMessage
from functools import lru_cache
from typing import NamedTuple

import pandas as pd
from icalendar import Calendar, Event

from ..links import FEED, Link, LinkMaker, link_url, sign
from ..plan.notification import Item
from ..schema import OPEN_STATUSES, SUMMARY
from .ics import END, calendar_text

PRODUCT = "-//sheetsync//contract deadlines//EN"
ATTACHMENT = "deadlines.ics"
FEED_PATH = "/calendar"  # the act function answers a feed link here
FEED_DAYS = 366  # a feed link works for a year; each monthly summary carries a fresh one
HORIZON = 3660  # ten years: SEQUENCE is this less the days left, never below 0
_UNSAFE = re.compile(r"[^A-Za-z0-9._/-]")


class Deadline(NamedTuple):
    """One occurrence as a calendar shows it: an all-day event on its due date.

    A named tuple, not a frozen dataclass: a big first run attaches tens of thousands of
    events, and a frozen dataclass took longer to make than the event's text.
    """

    uid: str
    due: dt.date
    title: str
    why: str
    contract: str
    owners: str
    where: str
    link: str | None
    sequence: int
    category: str


def event_uid(tracker: str, milestone: str, due: dt.date) -> str:
    """``{tracker tag}-{milestone}-{due}@sheetsync``: one per occurrence, for good."""
    safe = _UNSAFE.sub(_percent, milestone) if _UNSAFE.search(milestone) else milestone
    return f"{_tag(tracker)}-{safe}-{due.isoformat()}@sheetsync"


def _percent(match: re.Match[str]) -> str:
    return "".join(f"%{b:02X}" for b in match.group().encode())


@lru_cache(maxsize=64)
def _tag(tracker: str) -> str:
    """The tracker's short tag in UIDs: made once, not once per event."""
    return hashlib.sha256(tracker.encode()).hexdigest()[:16]


def _sequence(due: dt.date, today: dt.date) -> int:
    """One more each day: ``HORIZON`` less the days left until ``due``, never below 0."""
    return max(0, HORIZON - (due - today).days)


def item_deadlines(items: Iterable[Item], tracker: str, today: dt.date) -> list[Deadline]:
    """The events of an email's items, once per occurrence, their Why line as the reason."""
    found: dict[str, Deadline] = {}
    for item in items:
        uid = event_uid(tracker, item.milestone_id, item.due)
        if uid in found:
            continue
        found[uid] = Deadline(
            uid,
            item.due,
            item.title,
            item.rule,
            f"{item.contract} ({item.contract_id})" if item.contract else item.contract_id,
            ", ".join([a.email for a in item.owners]),
            f"Milestones tab, row {item.row}",
            item.link,
            _sequence(item.due, today),
            item.type,
        )
    return list(found.values())


def open_deadlines(
    milestones: pd.DataFrame,
    names: pd.Series,
    tracker: str,
    today: dt.date,
    links: dict[int, str] | None = None,
) -> list[Deadline]:
    """Every open milestone (Overdue, Due soon, Upcoming) with a due date, soonest first."""
    frame = milestones[milestones["status"].isin(OPEN_STATUSES) & milestones["due"].notna()]
    frame = frame.sort_values(["due", "id"], kind="stable")
    events = []
    for row in frame.itertuples(index=False):
        due = row.due.date()
        name = names.get(row.contract_id, "")
        contract = (
            str(row.contract_id) if pd.isna(name) or not name else f"{name} ({row.contract_id})"
        )
        events.append(
            Deadline(
                event_uid(tracker, str(row.id), due),
                due,
                str(row.title),
                deadline_reason(str(row.type), row.lead_days, row.status),
                contract,
                ", ".join(a.email for a in row.owners or ()),
                f"Milestones tab, row {row.row}",
                (links or {}).get(int(row.row)),
                _sequence(due, today),
                str(row.type),
            )
        )
    return events


def deadline_reason(kind: str, leads: object, status: str) -> str:
    """Why the date matters, from the row: its type, its status and when reminders go."""
    days = ", ".join(str(d) for d in leads) if isinstance(leads, tuple | list) and leads else ""
    when = f"; reminders go {days} days before" if days else ""
    return f"{kind} deadline ({status.lower()}){when}"


def owned_by(milestones: pd.DataFrame, owner: str) -> pd.DataFrame:
    """The rows ``owner`` (an address, any case) is an Owner of."""
    wanted = owner.strip().casefold()
    mine = milestones["owners"].map(lambda owners: any(a.email == wanted for a in owners or ()))
    return milestones[mine.astype(bool)]


def to_ics(deadlines: Sequence[Deadline], name: str, now: dt.datetime) -> bytes:
    """An iCalendar (METHOD:PUBLISH) of ``deadlines``, stamped ``now``.

    The events are written by ``compose/ics.py`` (the library's text, without an object
    per event); the library itself writes the calendar's lines, and every event in the
    rare case ``ics`` leaves to it.
    """
    text = _calendar(deadlines, name, now)
    return text.encode("utf-8") if text is not None else _library_ics(deadlines, name, _stamp(now))


def _stamp(now: dt.datetime) -> dt.datetime:
    return now.astimezone(dt.UTC).replace(microsecond=0)


def _calendar(deadlines: Sequence[Deadline], name: str, now: dt.datetime) -> str | None:
    """``to_ics``'s text, written by ``compose/ics.py``; None where the library must write it."""
    return calendar_text(_head(name), deadlines, _description, _stamp(now))


@lru_cache(maxsize=64)
def _head(name: str) -> str:
    """The calendar's own content lines (BEGIN, PRODID … X-WR-CALNAME), as the library writes."""
    empty = _library_ics((), name, dt.datetime(2000, 1, 1, tzinfo=dt.UTC)).decode("utf-8")
    return empty.removesuffix(END)


def _library_ics(deadlines: Sequence[Deadline], name: str, stamp: dt.datetime) -> bytes:
    """The whole calendar through the icalendar library, an object per event."""
    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    for deadline in deadlines:
        calendar.add_component(_event(deadline, stamp))
    return calendar.to_ical()


def _event(deadline: Deadline, stamp: dt.datetime) -> Event:
    event = Event()
    event.add("uid", deadline.uid)
    event.add("dtstamp", stamp)
    event.add("sequence", deadline.sequence)
    event.add("dtstart", deadline.due)
    event.add("dtend", deadline.due + dt.timedelta(days=1))
    event.add("summary", f"Due: {deadline.title}")
    event.add("description", _description(deadline))
    if deadline.link and deadline.link.startswith(("https://", "http://")):
        event.add("url", deadline.link)
    event.add("categories", [deadline.category])
    event.add("transp", "TRANSPARENT")
    event.add("status", "CONFIRMED")
    return event


def _description(deadline: Deadline) -> str:
    lines = [
        f"Why: {deadline.why[:1].upper()}{deadline.why[1:]}",
        f"Contract: {deadline.contract}",
        f"Owner: {deadline.owners or 'nobody named'}",
        f"Where: {deadline.where}" + (f" {deadline.link}" if deadline.link else ""),
    ]
    return "\n".join(lines)


def attach_deadlines(
    message: EmailMessage,
    items: Sequence[Item],
    tracker: tuple[str, str],
    today: dt.date,
    now: dt.datetime,
) -> None:
    """Attach the items' events as ``deadlines.ics``; ``tracker`` is its identity and title."""
    ics = deadlines_ics(items, tracker, today, now)
    params = {"method": "PUBLISH"}
    message.add_attachment(ics, subtype="calendar", filename=ATTACHMENT, params=params)


def deadlines_ics(
    items: Sequence[Item], tracker: tuple[str, str], today: dt.date, now: dt.datetime
) -> str:
    """The items' events as the text of ``deadlines.ics``; ``tracker``: identity and title."""
    identity, title = tracker
    deadlines = item_deadlines(items, identity, today)
    text = _calendar(deadlines, title, now)  # the text itself, not its bytes decoded again
    return text if text is not None else to_ics(deadlines, title, now).decode("utf-8")


def feed_url(base: str, keys: Sequence[bytes], tracker: str, owner: str, today: dt.date) -> str:
    """The signed address of ``owner``'s calendar feed on the act function at ``base``."""
    who = owner.casefold()
    link = Link(tracker, FEED, who, None, who, today + dt.timedelta(days=FEED_DAYS))
    return link_url(base, sign(link, keys), FEED_PATH)


def summary_feed_url(
    kind: str, recipient: str, links: LinkMaker | None, today: dt.date
) -> str | None:
    """A monthly summary's link to its owner's calendar feed; None without an Action URL."""
    if links is None or kind != SUMMARY:
        return None
    return feed_url(links.base_url, links.keys, links.tracker, recipient, today)
