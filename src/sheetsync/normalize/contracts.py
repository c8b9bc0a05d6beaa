"""Contracts and Milestones rows → typed frames, with a Problem for every bad cell.

Every column is factorized once (``Table.distinct``); each distinct cell is read
once, and a Problem's sentence is written only for the rows that have one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..cells.addresses import Address, in_domains, parse_addresses, why_not
from ..cells.dates import MOVING, UNCOMPUTED, parse_date_values
from ..cells.locales import separators
from ..cells.money import parse_money
from ..cells.numbers import parse_yes_no, whole_count
from ..cells.text import cell_text, printable
from ..problems import Problem
from ..schema import ENDED_CONTRACT, header_key
from ..values import Coded
from .columns import Table
from .settings import Settings

_RISKS = {"high": "High", "medium": "Medium", "med": "Medium", "low": "Low", "": ""}
_CONTRACT_STATES = {"active", "", "draft", *ENDED_CONTRACT}


class _Flagger:
    """Collects Problems for rows of one table, from boolean masks."""

    def __init__(self, table: Table) -> None:
        self.tab = table.tab
        self.rows = np.asarray(table.rows, dtype=np.int64)
        self.problems: list[Problem] = []

    def flag(
        self,
        mask: np.ndarray,
        column: str,
        message: str | Coded | Sequence[str],
        write: Callable[[Any], str] | None = None,
    ) -> None:
        """Add ``message`` (one string, or one per distinct cell or per row) where ``mask``.

        With ``write``, ``message`` is a column whose flagged cells ``write`` turns
        into sentences: only those rows' sentences are written.
        """
        hits = np.flatnonzero(np.asarray(mask, dtype=bool))
        if isinstance(message, str):
            texts: list[object] = [message] * len(hits)
        elif isinstance(message, Coded):
            texts = message.at(hits)
            if write is not None:
                written = {value: write(value) for value in set(texts)}
                texts = [written[value] for value in texts]
        else:
            texts = [message[i] for i in hits.tolist()]
        rows = self.rows[hits].tolist()
        tab = self.tab
        self.problems.extend(
            Problem(tab, row, column, printable(str(text)))
            for row, text in zip(rows, texts, strict=True)
        )


def _texts(table: Table, name: str) -> Coded:
    return table.distinct(name).texts()


def _is(values: Coded, wanted: str | None) -> np.ndarray:
    """Per row, whether the value is ``wanted``."""
    return values.equals(wanted)


def _quoted(column: str, raw: Coded, reason: Sequence[object] | str) -> Coded:
    """``Column: "cell" reason`` for each distinct cell of ``raw`` (a formula: no cell)."""
    reasons = [reason] * len(raw.values) if isinstance(reason, str) else reason
    shown = [
        "" if r in (UNCOMPUTED, MOVING) else f'"{printable(cell_text(v)[:60])}" '
        for v, r in zip(raw.values, reasons, strict=True)
    ]
    return Coded(
        raw.codes,
        np.asarray(
            [f"{column}: {s}{r or ''}" for s, r in zip(shown, reasons, strict=True)],
            dtype=object,
        ),
    )


def _dates(table: Table, name: str, settings: Settings, flags: _Flagger) -> np.ndarray:
    raw = table.distinct(name)
    stamps, reasons = parse_date_values(raw.values, settings.locale)
    has_reason = np.asarray([r is not None for r in reasons], dtype=bool)
    flags.flag(has_reason[raw.codes], name, _quoted(name, raw, reasons))
    return stamps[raw.codes]


def _owners(
    table: Table, name: str, settings: Settings, flags: _Flagger
) -> tuple[Coded, np.ndarray, Coded]:
    """Well-formed, allowed addresses of a column; whether the cell was blank; what was wrong."""
    texts = _texts(table, name)
    domains = settings.allowed_domains
    parsed = [_check_addresses(t, domains) for t in texts.values]
    addresses = Coded(texts.codes, _objects([p[0] for p in parsed]))
    messages = Coded(texts.codes, np.asarray([p[1] for p in parsed], dtype=object))
    told = np.asarray([p[1] != "" for p in parsed], dtype=bool)
    flags.flag(told[texts.codes], name, messages.map(lambda m: f"{name}: {m}"))
    return addresses, _is(texts, ""), messages


def _objects(items: list[object]) -> np.ndarray:
    array = np.empty(len(items), dtype=object)
    for i, item in enumerate(items):
        array[i] = item
    return array


def _check_addresses(text: str, domains: tuple[str, ...]) -> tuple[tuple[Address, ...], str]:
    good, bad = parse_addresses(text)
    kept = tuple(a for a in good if in_domains(a, domains))
    outside = [a.email for a in good if a not in kept]
    notes = [f'"{printable(b)}" {why_not(b)}' for b in bad]
    if outside:
        allowed = ", ".join(domains)
        notes.append(
            f"{', '.join(outside)} is outside the allowed domains ({allowed}); not emailed"
        )
    return kept, "; ".join(notes)


def _duplicates(ids: Coded, flags: _Flagger, column: str, what: str) -> np.ndarray:
    """Rows whose (non-blank) ID another row also has, each flagged with the other rows."""
    ids = ids.unique()
    counts = np.bincount(ids.codes, minlength=len(ids.values))
    dup = (counts[ids.codes] > 1) & ~_is(ids, "")
    if dup.any():
        hits = np.flatnonzero(dup)
        where: dict[object, list[str]] = {}
        for value, row in zip(ids.at(hits), flags.rows[hits].tolist(), strict=True):
            where.setdefault(value, []).append(str(row))
        message = [f"{column} {i} is used on rows {', '.join(where[i])}; {what}" for i in where]
        text = dict(zip(where, message, strict=True))
        flags.flag(dup, column, Coded(ids.codes, _objects([text.get(v, "") for v in ids.values])))
    return dup


def contract_frame(table: Table, settings: Settings) -> tuple[pd.DataFrame, list[Problem]]:
    """Type the Contracts tab: one row per contract, with its Problems."""
    flags = _Flagger(table)
    ids = _texts(table, "Contract ID")
    blank = "Contract ID is blank; give this contract an ID (C-001)"
    flags.flag(_is(ids, ""), "Contract ID", blank)
    dup = _duplicates(ids, flags, "Contract ID", "each contract needs its own ID")
    names = _texts(table, "Contract")
    flags.flag(_is(names, ""), "Contract", "Contract (the name) is blank")
    owners, owner_blank, _ = _owners(table, "Owner", settings, flags)
    flags.flag(owner_blank, "Owner", "Owner is blank; put the accountable person's email here")
    stated = _texts(table, "Contract Status")
    status = stated.map(str.casefold)
    flags.flag(
        ~status.where(lambda s: s in _CONTRACT_STATES),
        "Contract Status",
        stated.map(
            lambda t: (
                f'Contract Status: "{t}" is not Active, Draft, Terminated, Expired or '
                "Superseded; treated as Active"
            )
        ),
    )
    frame = pd.DataFrame(
        {
            "row": table.rows,
            "id": ids.series(),
            "name": names.series(),
            "counterparty": _texts(table, "Counterparty").series(),
            "contract_type": _texts(table, "Contract Type").series(),
            "owners": owners.series(),
            "department": _texts(table, "Department").series(),
            "value": _money(table, flags, separators(settings.locale)[0]),
            "start": _dates(table, "Start Date", settings, flags),
            "end": _dates(table, "End Date", settings, flags),
            "auto_renew": _yes_no(table, "Auto-Renew", flags),
            "renewal_term": _whole(table, "Renewal Term (months)", flags, 1, 120),
            "notice_days": _whole(table, "Notice Period (days)", flags, 0, 3650),
            "risk": _risk(table, flags),
            "review_every": _texts(table, "Review Every").series(),
            "status": status.series(),
            "link": _texts(table, "Link").series(),
            "duplicate": dup,
        }
    )
    frame["ended"] = frame["status"].isin(ENDED_CONTRACT)
    frame["active"] = ~frame["ended"] & (frame["status"] != "draft")
    return frame, flags.problems


def _money(table: Table, flags: _Flagger, group: str) -> np.ndarray:
    raw = table.distinct("Value")
    value = raw.map(lambda v: _amount(v, group))
    bad = _is(value, None) & ~raw.none_or_empty()
    flags.flag(bad, "Value", _quoted("Value", raw, "is not an amount"))
    return np.asarray([np.nan if v is None else v for v in value.values], dtype="float64")[
        value.codes
    ]


def _amount(value: object, group: str) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return parse_money(cell_text(value), group) if cell_text(value) else None


def _yes_no(table: Table, name: str, flags: _Flagger) -> np.ndarray:
    raw = table.distinct(name)
    parsed = raw.map(lambda v: False if v in (None, "") else parse_yes_no(v))
    flags.flag(_is(parsed, None), name, _quoted(name, raw, "is not yes or no"))
    return parsed.where(lambda v: v is True)


def _whole(table: Table, name: str, flags: _Flagger, low: int, high: int) -> pd.Series:
    raw = table.distinct(name)
    parsed = raw.map(lambda v: whole_count(v, low, high))
    bad = _is(parsed, None) & ~raw.none_or_empty()
    flags.flag(bad, name, _quoted(name, raw, f"is not a whole number from {low} to {high}"))
    return pd.Series(pd.array(list(parsed.values), dtype="Float64")[parsed.codes])


def _risk(table: Table, flags: _Flagger) -> pd.Series:
    texts = _texts(table, "Risk")
    risk = texts.map(lambda t: _RISKS.get(header_key(t)))
    flags.flag(
        _is(risk, None), "Risk", texts.map(lambda t: f'Risk: "{t}" is not High, Medium or Low')
    )
    inferred = not _is(risk, None).all()
    return _strings(risk.map(lambda r: "" if r is None else r), inferred)


def _strings(values: Coded, inferred: bool = True) -> pd.Series:
    """A text column in the dtype ``Series.map`` would infer: ``str`` when any row held text."""
    if not inferred:
        return values.series()
    return pd.Series(pd.array(list(values.values), dtype="str")[values.codes])
