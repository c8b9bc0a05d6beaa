"""Contracts and Milestones rows → typed frames, with a Problem for every bad cell."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .addresses import Address, in_domains, parse_addresses
from .dates import parse_date_series
from .problems import Problem
from .schema import ENDED_CONTRACT, header_key
from .settings import Settings, parse_int_list, parse_yes_no
from .table import Table
from .values import cell_text, map_unique, parse_money

_RISKS = {"high": "High", "medium": "Medium", "med": "Medium", "low": "Low", "": ""}
_CONTRACT_STATES = {"active", "", "draft", *ENDED_CONTRACT}


class _Flagger:
    """Collects Problems for rows of one table, from boolean masks."""

    def __init__(self, table: Table) -> None:
        self.tab = table.tab
        self.rows = np.asarray(table.rows, dtype=np.int64)
        self.problems: list[Problem] = []

    def flag(self, mask: pd.Series, column: str, message: pd.Series | str) -> None:
        """Add ``message`` (one string, or a per-row series) for every row where ``mask``."""
        hits = np.flatnonzero(mask.to_numpy(dtype=bool))
        for i in hits:
            text = message if isinstance(message, str) else message.iloc[i]
            self.problems.append(Problem(self.tab, int(self.rows[i]), column, str(text)))


def _texts(table: Table, name: str) -> pd.Series:
    return map_unique(table.get(name), cell_text)


def _quoted(column: str, raw: pd.Series, reasons: pd.Series) -> pd.Series:
    shown = map_unique(raw, lambda v: cell_text(v)[:60])
    return column + ': "' + shown.astype(str) + '" ' + reasons.fillna("").astype(str)


def _dates(table: Table, name: str, settings: Settings, flags: _Flagger) -> pd.Series:
    raw = table.get(name)
    dates, reasons = parse_date_series(raw, settings.locale)
    flags.flag(reasons.notna(), name, _quoted(name, raw, reasons))
    return dates


def _owners(
    table: Table, name: str, settings: Settings, flags: _Flagger
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Well-formed, allowed addresses of a column; whether the cell was blank; what was wrong."""
    texts = _texts(table, name)
    domains = settings.allowed_domains
    parsed = map_unique(texts, lambda t: _check_addresses(t, domains))
    addresses = parsed.map(lambda p: p[0])
    messages = parsed.map(lambda p: p[1])
    flags.flag(messages != "", name, name + ": " + messages.astype(str))
    return addresses, texts == "", messages


def _check_addresses(text: str, domains: tuple[str, ...]) -> tuple[tuple[Address, ...], str]:
    good, bad = parse_addresses(text)
    kept = tuple(a for a in good if in_domains(a, domains))
    outside = [a.email for a in good if a not in kept]
    notes = [f'"{b}" is not an email address' for b in bad]
    if outside:
        allowed = ", ".join(domains)
        notes.append(
            f"{', '.join(outside)} is outside the allowed domains ({allowed}); not emailed"
        )
    return kept, "; ".join(notes)


def _duplicates(ids: pd.Series, flags: _Flagger, column: str, what: str) -> pd.Series:
    dup = ids.duplicated(keep=False) & (ids != "")
    if dup.any():
        rows = pd.Series(flags.rows, index=ids.index)
        where = rows[dup].groupby(ids[dup]).agg(lambda r: ", ".join(str(x) for x in r))
        message = ids[dup].map(lambda i: f"{column} {i} is used on rows {where[i]}; {what}")
        flags.flag(dup, column, message.reindex(ids.index).fillna(""))
    return dup


def contract_frame(table: Table, settings: Settings) -> tuple[pd.DataFrame, list[Problem]]:
    """Type the Contracts tab: one row per contract, with its Problems."""
    flags = _Flagger(table)
    ids = _texts(table, "Contract ID")
    flags.flag(ids == "", "Contract ID", "Contract ID is blank; give this contract an ID (C-001)")
    dup = _duplicates(ids, flags, "Contract ID", "each contract needs its own ID")
    names = _texts(table, "Contract")
    flags.flag(names == "", "Contract", "Contract (the name) is blank")
    owners, owner_blank, _ = _owners(table, "Owner", settings, flags)
    flags.flag(owner_blank, "Owner", "Owner is blank; put the accountable person's email here")
    status = _texts(table, "Contract Status").str.casefold()
    flags.flag(
        ~status.isin(_CONTRACT_STATES),
        "Contract Status",
        'Contract Status: "'
        + _texts(table, "Contract Status")
        + '" is not Active, Draft, Terminated, Expired or Superseded; treated as Active',
    )
    frame = pd.DataFrame(
        {
            "row": table.rows,
            "id": ids,
            "name": names,
            "counterparty": _texts(table, "Counterparty"),
            "contract_type": _texts(table, "Contract Type"),
            "owners": owners,
            "department": _texts(table, "Department"),
            "value": _money(table, flags),
            "start": _dates(table, "Start Date", settings, flags),
            "end": _dates(table, "End Date", settings, flags),
            "auto_renew": _yes_no(table, "Auto-Renew", flags),
            "renewal_term": _whole(table, "Renewal Term (months)", flags, 1, 120),
            "notice_days": _whole(table, "Notice Period (days)", flags, 0, 3650),
            "risk": _risk(table, flags),
            "review_every": _texts(table, "Review Every"),
            "status": status,
            "link": _texts(table, "Link"),
            "duplicate": dup,
        }
    )
    frame["ended"] = frame["status"].isin(ENDED_CONTRACT)
    frame["active"] = ~frame["ended"] & (frame["status"] != "draft")
    return frame, flags.problems


def _money(table: Table, flags: _Flagger) -> pd.Series:
    raw = table.get("Value")
    value = map_unique(raw, _amount)
    bad = value.isna() & ~raw.isin([None, ""])
    flags.flag(bad, "Value", _quoted("Value", raw, pd.Series("is not an amount", index=raw.index)))
    return value.astype("float64")


def _amount(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return parse_money(cell_text(value)) if cell_text(value) else None


def _yes_no(table: Table, name: str, flags: _Flagger) -> pd.Series:
    raw = table.get(name)
    parsed = map_unique(raw, lambda v: False if v in (None, "") else parse_yes_no(v))
    flags.flag(parsed.isna(), name, _quoted(name, raw, parsed.map(lambda _: "is not yes or no")))
    return parsed.fillna(False).astype(bool)


def _whole(table: Table, name: str, flags: _Flagger, low: int, high: int) -> pd.Series:
    raw = table.get(name)
    parsed = map_unique(raw, lambda v: _whole_number(v, low, high))
    bad = parsed.isna() & ~raw.isin([None, ""])
    flags.flag(
        bad,
        name,
        _quoted(name, raw, parsed.map(lambda _: f"is not a whole number from {low} to {high}")),
    )
    return parsed.astype("Float64")


def _whole_number(value: object, low: int, high: int) -> int | None:
    days = parse_int_list(re.sub(r"\s*(days?|months?|mo)\.?$", "", cell_text(value), flags=re.I))
    return days[0] if days and len(days) == 1 and low <= days[0] <= high else None


def _risk(table: Table, flags: _Flagger) -> pd.Series:
    texts = _texts(table, "Risk")
    risk = texts.map(lambda t: _RISKS.get(header_key(t)))
    flags.flag(risk.isna(), "Risk", 'Risk: "' + texts + '" is not High, Medium or Low')
    return risk.fillna("")
