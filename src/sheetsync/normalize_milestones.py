"""Milestones rows → a typed frame: IDs, contracts, dates, owners, lead days, done."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .addresses import Address
from .normalize_rows import _dates, _duplicates, _Flagger, _owners, _quoted, _texts
from .normalize_types import canonical_type
from .problems import Problem
from .settings import Settings, parse_int_list, parse_yes_no
from .table import Table
from .values import map_unique

ID_PATTERN = re.compile(r"^M-(\d+)$")


def milestone_frame(
    table: Table, contracts: pd.DataFrame, settings: Settings
) -> tuple[pd.DataFrame, list[Problem]]:
    """Type the Milestones tab: one row per milestone, its Problems, and whether it is blocked."""
    flags = _Flagger(table)
    ids, new_id = _ids(table)
    blocked = _duplicates(ids, flags, "Milestone ID", "give each milestone its own ID")
    contract_ids = _texts(table, "Contract ID")
    known = contracts.loc[~contracts["duplicate"] & (contracts["id"] != "")]
    by_id = known.set_index("id")
    unknown = ~contract_ids.isin(by_id.index)
    flags.flag(
        unknown & (contract_ids == ""),
        "Contract ID",
        "Contract ID is blank; say which contract this belongs to",
    )
    doubled = contract_ids.isin(contracts.loc[contracts["duplicate"], "id"])
    flags.flag(
        unknown & doubled,
        "Contract ID",
        "Contract ID "
        + contract_ids
        + " is on more than one Contracts row; fix the duplicate there",
    )
    flags.flag(
        unknown & ~doubled & (contract_ids != ""),
        "Contract ID",
        "Contract ID " + contract_ids + " is not in the Contracts tab",
    )
    titles = _texts(table, "Milestone")
    flags.flag(titles == "", "Milestone", "Milestone is blank; say what has to happen")
    types = _types(table, flags)
    due = _dates(table, "Due Date", settings, flags)
    flags.flag(due.isna() & table.get("Due Date").isin([None, ""]), "Due Date", "Due Date is blank")
    owners, no_owner = _milestone_owners(table, contract_ids, by_id, settings, flags)
    escalate, _, _ = _owners(table, "Escalate To", settings, flags)
    done, completed = _done(table, settings, flags)
    blocked = blocked | unknown | due.isna() | no_owner
    frame = pd.DataFrame(
        {
            "row": table.rows,
            "id": ids,
            "new_id": new_id,
            "contract_id": contract_ids,
            "title": titles,
            "type": types,
            "due": due,
            "owners": owners,
            "escalate_to": escalate,
            "lead_days": _lead_days(table, types, settings, flags),
            "repeat": _texts(table, "Repeat"),
            "done": done,
            "completed_on": completed,
            "notes": _texts(table, "Notes"),
            "source": _texts(table, "Source").str.casefold().replace("", "manual"),
            "blocked": blocked,
        }
    )
    frame["cancelled"] = frame["contract_id"].map(by_id["ended"]).fillna(False).astype(bool)
    frame["department"] = frame["contract_id"].map(by_id["department"]).fillna("")
    return frame, flags.problems


def _ids(table: Table) -> tuple[pd.Series, pd.Series]:
    """Milestone IDs, assigning ``M-0001``-style IDs after the highest one to blank rows."""
    ids = _texts(table, "Milestone ID")
    blank = ids == ""
    if blank.any():
        numbers = ids.str.extract(ID_PATTERN, expand=False).dropna().astype(int)
        start = int(numbers.max()) + 1 if len(numbers) else 1
        width = max(4, len(str(start + int(blank.sum()))))
        fresh = [f"M-{n:0{width}d}" for n in range(start, start + int(blank.sum()))]
        ids = ids.copy()
        ids[blank] = fresh
    return ids, blank


def _types(table: Table, flags: _Flagger) -> pd.Series:
    texts = _texts(table, "Type")
    types = map_unique(texts, lambda t: canonical_type(str(t or "")))
    flags.flag(
        types.isna(),
        "Type",
        'Type: "' + texts + '" is not a type sheetsync knows; treated as other',
    )
    return types.fillna("other").astype(str)


def _milestone_owners(
    table: Table,
    contract_ids: pd.Series,
    contracts: pd.DataFrame,
    settings: Settings,
    flags: _Flagger,
) -> tuple[pd.Series, pd.Series]:
    own, blank, messages = _owners(table, "Owner", settings, flags)
    fallback = contract_ids.map(contracts["owners"]).map(
        lambda v: v if isinstance(v, tuple) else ()
    )
    owners = own.where(~blank, fallback)
    empty = owners.map(len) == 0
    known = contract_ids.isin(contracts.index)
    told = messages != ""
    flags.flag(empty & ~blank & ~told, "Owner", "Owner has no email address sheetsync may use")
    flags.flag(
        empty & blank & known,
        "Owner",
        "Owner is blank and contract " + contract_ids + " has no usable Owner either",
    )
    return owners, empty


def _lead_days(table: Table, types: pd.Series, settings: Settings, flags: _Flagger) -> pd.Series:
    raw = table.get("Remind Days")
    parsed = map_unique(raw, lambda v: None if v in (None, "") else parse_int_list(v))
    bad = parsed.isna() & ~raw.isin([None, ""])
    reason = pd.Series("is not days such as 30, 7, 1; using the type's default", index=raw.index)
    flags.flag(bad, "Remind Days", _quoted("Remind Days", raw, reason))
    defaults = types.map(settings.lead_days)
    return parsed.where(parsed.notna(), defaults)


def _done(table: Table, settings: Settings, flags: _Flagger) -> tuple[pd.Series, pd.Series]:
    raw = table.get("Done")
    done = map_unique(raw, lambda v: False if v in (None, "") else parse_yes_no(v))
    reason = pd.Series(
        "is not yes or no (tick the box, or write yes); treated as not done", index=raw.index
    )
    flags.flag(done.isna(), "Done", _quoted("Done", raw, reason))
    completed = _dates(table, "Completed On", settings, flags)
    return done.fillna(False).astype(bool) | completed.notna(), completed


def owner_emails(owners: tuple[Address, ...]) -> str:
    """Addresses as the sheet shows them in one cell."""
    return "; ".join(a.email for a in owners)


__all__ = ["milestone_frame", "np", "owner_emails"]
