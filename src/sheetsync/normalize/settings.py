"""The Settings tab: key / value rows, each checked, with defaults for anything missing or bad."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

from ..approvals.routes import Route, read_route
from ..cells.addresses import Address, allowed_split, ascii_domain, parse_addresses
from ..cells.milestone_types import canonical_type
from ..cells.numbers import parse_int_list, parse_yes_no, whole_number
from ..cells.text import printable
from ..links import DEFAULT_EXPIRY_DAYS, action_url
from ..model import Grid
from ..problems import Problem
from ..schema import DEFAULT_LEAD_DAYS, SETTINGS, header_key
from .columns import Table, row_numbers

WEEKEND_AS_WRITTEN, WEEKEND_PREVIOUS = "as written", "previous business day"


@dataclass
class Settings:
    """Every setting, already checked; defaults where the tab is silent or wrong."""

    tracker_name: str | None = None
    time_zone: str | None = None
    locale: str | None = None
    sender: Address | None = None
    reply_to: Address | None = None
    allowed_domains: tuple[str, ...] = ()
    default_escalation: tuple[Address, ...] = ()
    department_escalation: dict[str, tuple[Address, ...]] = field(default_factory=dict)
    escalate_after: tuple[int, ...] = (3, 10)
    overdue_repeat: int = 7
    lead_days: dict[str, tuple[int, ...]] = field(default_factory=lambda: dict(DEFAULT_LEAD_DAYS))
    remind_set: set[str] = field(default_factory=set)  # types a ``Remind: type`` row set
    summary_day: int = 1
    digest: bool = True
    log_retention: int = 400
    weekend: str = WEEKEND_AS_WRITTEN
    approval_routes: list[Route] = field(default_factory=list)  # in the tab's order
    approval_days: int = 5  # business days an open approval step has
    dashboard_tab: str = "Dashboard"  # the tab the program writes its dashboard into
    action_url: str | None = None  # the act function: emails carry Mark-done links
    link_expiry_days: int = DEFAULT_EXPIRY_DAYS


def _int_in(low: int, high: int) -> Callable[[object], int | None]:
    def read(value: object) -> int | None:
        return whole_number(value, low, high)

    return read


def _name(value: object) -> str | None:
    text = " ".join(str(value).split())
    return text if 0 < len(text) <= 100 else None


def _zone(value: object) -> str | None:
    name = str(value).strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return name


def _locale(value: object) -> str | None:
    text = str(value).strip().replace("-", "_")
    return text if re.fullmatch(r"[a-zA-Z]{2,3}(_[a-zA-Z]{2})?", text) else None


def _one_address(value: object) -> Address | None:
    good, bad = parse_addresses(str(value))
    return good[0] if len(good) == 1 and not bad else None


def _addresses(value: object) -> tuple[Address, ...] | None:
    good, bad = parse_addresses(str(value))
    return good if good and not bad else None


def _domains(value: object) -> tuple[str, ...] | None:
    pieces = [ascii_domain(p) for p in re.split(r"[,;\s]+", str(value)) if p.strip("@")]
    ok = all(p is not None for p in pieces)
    return tuple(p for p in pieces if p is not None) if pieces and ok else None


_PEOPLES_TABS = {"contracts", "milestones", "settings", "log"}


def _tab_name(value: object) -> str | None:
    """A tab name both Excel and Google take, not one of the tracker's other tabs."""
    text = " ".join(str(value).split())
    if not 0 < len(text) <= 31 or re.search(r"[\[\]:*?/\\]", text):
        return None
    return None if text.casefold() in _PEOPLES_TABS else text


def _weekend(value: object) -> str | None:
    word = " ".join(str(value).strip().casefold().split())
    if word in {"as written", "as is", ""}:
        return WEEKEND_AS_WRITTEN
    return WEEKEND_PREVIOUS if word in {"previous business day", "friday before"} else None


# key → (attribute, reader, what a good value looks like)
_SIMPLE: dict[str, tuple[str, Callable[[object], Any], str]] = {
    "trackername": ("tracker_name", _name, "a name of at most 100 characters"),
    "timezone": ("time_zone", _zone, "a time zone such as Europe/London"),
    "locale": ("locale", _locale, "a locale such as en_US or en_GB"),
    "sender": ("sender", _one_address, "one email address"),
    "replyto": ("reply_to", _one_address, "one email address"),
    "alloweddomains": ("allowed_domains", _domains, "domains such as example.com, example.org"),
    "defaultescalation": ("default_escalation", _addresses, "one or more email addresses"),
    "escalateafterdaysoverdue": ("escalate_after", parse_int_list, "days such as 3, 10"),
    "escalateafter": ("escalate_after", parse_int_list, "days such as 3, 10"),
    "overduerepeatdays": ("overdue_repeat", _int_in(1, 365), "a number of days from 1 to 365"),
    "overduerepeat": ("overdue_repeat", _int_in(1, 365), "a number of days from 1 to 365"),
    "summaryday": ("summary_day", _int_in(1, 28), "a day of the month from 1 to 28"),
    "digest": ("digest", parse_yes_no, "yes or no"),
    "logretentiondays": ("log_retention", _int_in(30, 3650), "a number of days from 30 to 3650"),
    "logretention": ("log_retention", _int_in(30, 3650), "a number of days from 30 to 3650"),
    "weekenddeadlines": ("weekend", _weekend, "as written, or previous business day"),
    "approvaldays": ("approval_days", _int_in(1, 60), "a number of business days from 1 to 60"),
    "dashboardtab": (
        "dashboard_tab",
        _tab_name,
        "a tab name of at most 31 characters without [ ] : * ? / \\, "
        "other than Contracts, Milestones, Settings and Log",
    ),
    "actionurl": ("action_url", action_url, "an https:// address (the act function's URL)"),
    "linkexpirydays": ("link_expiry_days", _int_in(1, 365), "a number of days from 1 to 365"),
}


def parse_settings(rows: list[tuple[int, object, object]]) -> tuple[Settings, list[Problem]]:
    """Read ``(sheet row, key, value)`` triples into Settings, with a Problem per bad row."""
    settings, problems = Settings(), []
    for row, key, value in rows:
        message = _apply(settings, str(key or "").strip(), value, row)
        if message:
            problems.append(Problem(SETTINGS, row, "Value", printable(message)))
    return settings, problems


def restrict_escalations(
    settings: Settings, rows: list[tuple[int, object, object]]
) -> list[Problem]:
    """Drop escalation contacts outside Allowed domains, with a Problem on their row."""
    domains = settings.allowed_domains
    if not domains:
        return []
    settings.default_escalation = allowed_split(settings.default_escalation, domains)[0]
    for department, found in settings.department_escalation.items():
        settings.department_escalation[department] = allowed_split(found, domains)[0]
    problems = []
    for row, key, value in rows:
        name, _, department = str(key or "").partition(":")
        label = header_key(name)
        if label != "defaultescalation" and not (label == "escalation" and department.strip()):
            continue
        good, _ = parse_addresses(str(value or ""))
        _, outside = allowed_split(good, domains)
        if outside:
            message = f"{str(key).strip()}: {outside}; not emailed"
            problems.append(Problem(SETTINGS, row, "Value", printable(message)))
    return problems


def _apply(settings: Settings, key: str, value: object, row: int = 0) -> str | None:
    if value is None or str(value).strip() == "":
        return None
    name, _, rest = key.partition(":")
    label = header_key(name)
    if label == "approvalroute":
        return _add_route(settings, row, rest, value)
    if rest and label in {"escalation", "remind"}:
        return _apply_keyed(settings, label, rest.strip(), value)
    if label not in _SIMPLE:
        return f'"{key}" is not a setting sheetsync knows; it is ignored' if label else None
    attribute, reader, expected = _SIMPLE[label]
    parsed = reader(value)
    if parsed is None:
        default = getattr(settings, attribute)
        return f'{key}: "{value}" is not {expected}; using the default ({_show(default)})'
    setattr(settings, attribute, parsed)
    return None


def _apply_keyed(settings: Settings, label: str, what: str, value: object) -> str | None:
    if label == "escalation":
        found = _addresses(value)
        if found is None:
            return f'Escalation: {what}: "{value}" is not one or more email addresses'
        settings.department_escalation[what.casefold()] = found
        return None
    kind = canonical_type(what)
    days = parse_int_list(value)
    if kind is None:
        return f'Remind: "{what}" is not a milestone type ({", ".join(DEFAULT_LEAD_DAYS)})'
    if days is None:
        return f'Remind: {what}: "{value}" is not days such as 90, 30, 7; using the default'
    settings.lead_days[kind] = days
    settings.remind_set.add(kind)
    return None


def _add_route(settings: Settings, row: int, condition: str, value: object) -> str | None:
    if not condition.strip():
        return "Approval route needs a condition after the colon: Approval route: Type = NDA"
    route = read_route(row, condition, value)
    if isinstance(route, str):
        return route
    settings.approval_routes.append(route)
    return None


def _show(value: object) -> str:
    if isinstance(value, tuple):
        return ", ".join(str(v) for v in value) or "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "none" if value is None else str(value)


def settings_table(tab: str, grid: Grid) -> Table:
    """The Settings rows the run may write Problems next to (only under a header row)."""
    rows = setting_rows(grid)
    if not rows or rows[0][0] == 1:
        return Table(tab, [], {}, row_numbers([]))
    keys = pd.Series([key for _, key, _ in rows], dtype="object")
    numbers = row_numbers([row for row, _, _ in rows])
    return Table(tab, list(grid[0]), {"Setting": 0}, numbers, {"Setting": keys})


def setting_rows(grid: Grid) -> list[tuple[int, object, object]]:
    """Key / value pairs with their sheet rows; row 1 is a header when it says so."""
    start = 1 if grid and header_key(grid[0][0] if grid[0] else "") in {"setting", "key"} else 0
    rows: list[tuple[int, object, object]] = []
    for number, row in enumerate(grid[start:], start=start + 1):
        key = row[0] if row else None
        value = row[1] if len(row) > 1 else None
        if key not in (None, ""):
            rows.append((number, key, value))
    return rows
