"""Contracts rows → a typed frame: IDs, names, owners, value, term, risk, status."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..cells.locales import separators
from ..cells.money import parse_money
from ..cells.numbers import parse_yes_no, whole_count
from ..cells.text import cell_text
from ..problems import Problem
from ..schema import CONTRACT_STATUSES, ENDED_CONTRACT, UNDER_APPROVAL, header_key
from .columns import (
    Flagger,
    Table,
    column_texts,
    duplicates,
    equals,
    id_texts,
    quoted,
    read_dates,
    read_owners,
    strings,
    text_series,
)
from .settings import Settings

_RISKS = {"high": "High", "medium": "Medium", "med": "Medium", "low": "Low", "": ""}
_CONTRACT_STATES = {"", *(s.casefold() for s in CONTRACT_STATUSES)}


def contract_frame(table: Table, settings: Settings) -> tuple[pd.DataFrame, list[Problem]]:
    """Type the Contracts tab: one row per contract, with its Problems."""
    flags = Flagger(table)
    ids, distinct = id_texts(table, "Contract ID")
    blank = "Contract ID is blank; give this contract an ID (C-001)"
    flags.flag(equals(ids, ""), "Contract ID", blank)
    dup = duplicates(ids, flags, "Contract ID", "each contract needs its own ID", distinct)
    names = column_texts(table, "Contract")
    flags.flag(equals(names, ""), "Contract", "Contract (the name) is blank")
    owners, owner_blank, _ = read_owners(table, "Owner", settings.allowed_domains, flags)
    flags.flag(owner_blank, "Owner", "Owner is blank; put the accountable person's email here")
    stated = column_texts(table, "Contract Status")
    status = stated.map(str.casefold)
    flags.flag(
        ~status.where(lambda s: s in _CONTRACT_STATES),
        "Contract Status",
        stated.map(
            lambda t: (
                f'Contract Status: "{t}" is not Active, Draft, In review, Terminated, '
                "Expired or Superseded; treated as Active"
            )
        ),
    )
    ended = status.where(lambda s: s in ENDED_CONTRACT)  # asked once per distinct status
    frame = pd.DataFrame(
        {
            "row": flags.rows
            if len(flags.rows)
            else table.rows,  # numbers; an empty tab its empty list
            "id": text_series(table, "Contract ID", ids),
            "name": text_series(table, "Contract", names),
            "counterparty": column_texts(table, "Counterparty").series(),
            "contract_type": column_texts(table, "Contract Type").series(),
            "owners": owners.series(),
            "department": column_texts(table, "Department").series(),
            "value": _money(table, flags, settings.locale),
            "start": read_dates(table, "Start Date", settings.locale, flags),
            "end": read_dates(table, "End Date", settings.locale, flags),
            "auto_renew": _yes_no(table, "Auto-Renew", flags),
            "renewal_term": _whole(table, "Renewal Term (months)", flags, 1, 120),
            "notice_days": _whole(table, "Notice Period (days)", flags, 0, 3650),
            "risk": _risk(table, flags),
            "review_every": column_texts(table, "Review Every").series(),
            "status": status.series(),
            "link": column_texts(table, "Link").series(),
            "duplicate": dup,
            "ended": ended,
            "active": ~ended & ~status.where(lambda s: s in UNDER_APPROVAL),
        },
        copy=False,  # every column is an array made here for this frame alone
    )
    return frame, flags.problems


def _money(table: Table, flags: Flagger, locale: str | None) -> np.ndarray:
    raw = table.distinct("Value")
    value = raw.map(lambda v: _amount(v, locale))
    bad = equals(value, None) & ~raw.none_or_empty()
    flags.flag(bad, "Value", quoted("Value", raw, "is not an amount", bad))
    return np.asarray([np.nan if v is None else v for v in value.values], dtype="float64")[
        value.codes
    ]


def _amount(value: object, locale: str | None) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    text = cell_text(value)
    return parse_money(text, _group(text, locale)) if text else None


def _group(text: str, locale: str | None) -> str:
    """The locale's digit-group separator as ``parse_money`` needs it for ``text``.

    Only a text with a dot (``1.234``) reads by it, so only then is the locale asked:
    its number symbols are Babel's locale data, loaded once per run (about 20 ms) and
    needed by no other step. Any other text reads the same with any separator.
    """
    return separators(locale)[0] if "." in text else ","


def _yes_no(table: Table, name: str, flags: Flagger) -> np.ndarray:
    raw = table.distinct(name)
    parsed = raw.map(lambda v: False if v in (None, "") else parse_yes_no(v))
    bad = equals(parsed, None)
    flags.flag(bad, name, quoted(name, raw, "is not yes or no", bad))
    return parsed.where(lambda v: v is True)


def _whole(table: Table, name: str, flags: Flagger, low: int, high: int) -> pd.Series:
    raw = table.distinct(name)
    parsed = raw.map(lambda v: whole_count(v, low, high))
    bad = equals(parsed, None) & ~raw.none_or_empty()
    flags.flag(bad, name, quoted(name, raw, f"is not a whole number from {low} to {high}", bad))
    numbers = pd.array(list(parsed.values), dtype="Float64")[parsed.codes]
    return pd.Series(numbers, copy=False)  # a fresh array: pandas would copy it again


def _risk(table: Table, flags: Flagger) -> pd.Series:
    texts = column_texts(table, "Risk")
    risk = texts.map(lambda t: _RISKS.get(header_key(t)))
    flags.flag(
        equals(risk, None), "Risk", texts.map(lambda t: f'Risk: "{t}" is not High, Medium or Low')
    )
    inferred = not equals(risk, None).all()
    return strings(risk.map(lambda r: "" if r is None else r), inferred)
