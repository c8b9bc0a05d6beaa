"""Milestones rows → a typed frame: IDs, contracts, dates, owners, lead days, done."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..cells.milestone_types import canonical_type
from ..cells.numbers import parse_int_list, parse_yes_no
from ..problems import Problem
from ..values import Coded, with_slot
from .columns import Table
from .contracts import (
    _dates,
    _duplicates,
    _Flagger,
    _is,
    _owners,
    _quoted,
    _strings,
    _texts,
)
from .settings import Settings

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
    at = by_id.index.get_indexer(contract_ids.values)
    unknown = (at < 0)[contract_ids.codes]
    _contract_flags(contract_ids, at, contracts, unknown, flags)
    titles = _texts(table, "Milestone")
    flags.flag(_is(titles, ""), "Milestone", "Milestone is blank; say what has to happen")
    types = _types(table, flags)
    due = _dates(table, "Due Date", settings, flags)
    # Any unreadable Due Date not already explained is blank to a reader: " ", a tab, NaN.
    told = np.isin(table.rows, [p.row for p in flags.problems if p.column == "Due Date"])
    flags.flag(np.isnat(due) & ~told, "Due Date", "Due Date is blank")
    owners, no_owner = _milestone_owners(table, contract_ids, at, by_id, settings, flags)
    escalate, _, _ = _owners(table, "Escalate To", settings, flags)
    done, completed = _done(table, settings, flags)
    blocked = blocked | unknown | np.isnat(due) | no_owner
    frame = pd.DataFrame(
        {
            "row": table.rows,
            "id": ids.series(),
            "new_id": new_id,
            "contract_id": contract_ids.series(),
            "title": titles.series(),
            "type": _strings(types),
            "due": due,
            "owners": pd.Series(owners, dtype=object),
            "escalate_to": escalate.series(),
            **_lead_days(table, types, settings, flags),
            "repeat": _texts(table, "Repeat").series(),
            "done": done,
            "completed_on": completed,
            "notes": _texts(table, "Notes").series(),
            "source": _texts(table, "Source").map(lambda s: s.casefold() or "manual").series(),
            "last_notified": _texts(table, "Last Notified").series(),
            "blocked": blocked,
        }
    )
    pick = at[contract_ids.codes]
    frame["cancelled"] = _by_contract(by_id["ended"], pick, False).astype(bool)
    departments = _by_contract(by_id["department"], np.arange(-1, len(by_id)), "")
    frame["department"] = _strings(Coded(pick + 1, departments), bool((pick >= 0).any()))
    return frame, flags.problems


def _by_contract(column: pd.Series, pick: np.ndarray, missing: object) -> np.ndarray:
    """``column`` at contract positions ``pick``; ``missing`` where -1."""
    values = with_slot(column.to_numpy(dtype=object), missing)
    return values[pick]


def _contract_flags(
    contract_ids: Coded,
    at: np.ndarray,
    contracts: pd.DataFrame,
    unknown: np.ndarray,
    flags: _Flagger,
) -> None:
    blank = _is(contract_ids, "")
    flags.flag(
        unknown & blank, "Contract ID", "Contract ID is blank; say which contract this belongs to"
    )
    doubled_ids = set(contracts.loc[contracts["duplicate"], "id"].tolist())
    doubled = pd.Series(contract_ids.values).isin(doubled_ids).to_numpy()[contract_ids.codes]
    flags.flag(
        unknown & doubled,
        "Contract ID",
        contract_ids,
        lambda c: f"Contract ID {c} is on more than one Contracts row; fix the duplicate there",
    )
    flags.flag(
        unknown & ~doubled & ~blank,
        "Contract ID",
        contract_ids,
        lambda c: f"Contract ID {c} is not in the Contracts tab",
    )


def _ids(table: Table) -> tuple[Coded, np.ndarray]:
    """Milestone IDs, assigning ``M-0001``-style IDs after the highest one to blank rows."""
    ids = _texts(table, "Milestone ID")
    blank = _is(ids, "")
    if blank.any():
        used = ids.values[np.bincount(ids.codes, minlength=len(ids.values)) > 0]
        numbers = [int(m.group(1)) for v in used if (m := ID_PATTERN.search(v))]
        start = max(numbers) + 1 if numbers else 1
        count = int(blank.sum())
        width = max(4, len(str(start + count)))
        fresh = [f"M-{n:0{width}d}" for n in range(start, start + count)]
        codes = ids.codes.copy()
        codes[blank] = len(ids.values) + np.arange(count)
        ids = Coded(codes, np.concatenate([ids.values, np.asarray(fresh, dtype=object)]))
    return ids, blank


def _types(table: Table, flags: _Flagger) -> Coded:
    texts = _texts(table, "Type")
    types = texts.map(lambda t: canonical_type(str(t or "")))
    flags.flag(
        _is(types, None),
        "Type",
        texts.map(lambda t: f'Type: "{t}" is not a type sheetsync knows; treated as other'),
    )
    return types.map(lambda t: "other" if t is None else str(t))


def _milestone_owners(
    table: Table,
    contract_ids: Coded,
    at: np.ndarray,
    contracts: pd.DataFrame,
    settings: Settings,
    flags: _Flagger,
) -> tuple[np.ndarray, np.ndarray]:
    own, blank, messages = _owners(table, "Owner", settings, flags)
    theirs = with_slot(contracts["owners"].to_numpy(dtype=object), ())
    fallback = Coded(contract_ids.codes, theirs[at])
    owners = np.where(blank, fallback.array(), own.array())
    empty = np.where(blank, _is_empty(fallback), _is_empty(own))
    known = (at >= 0)[contract_ids.codes]
    told = ~_is(messages, "")
    flags.flag(empty & ~blank & ~told, "Owner", "Owner has no email address sheetsync may use")
    flags.flag(
        empty & blank & known,
        "Owner",
        contract_ids,
        lambda c: f"Owner is blank and contract {c} has no usable Owner either",
    )
    return owners, empty


def _is_empty(owners: Coded) -> np.ndarray:
    return owners.where(lambda o: not isinstance(o, tuple) or len(o) == 0)


def _lead_days(
    table: Table, types: Coded, settings: Settings, flags: _Flagger
) -> dict[str, pd.Series]:
    """``lead_days`` per row, and ``lead_from``: the row's Remind Days, a setting, or default."""
    raw = table.distinct("Remind Days")
    parsed = raw.map(lambda v: None if v in (None, "") else parse_int_list(v))
    bad = _is(parsed, None) & ~raw.none_or_empty()
    reason = "is not days such as 30, 7, 1; using the type's default"
    flags.flag(bad, "Remind Days", _quoted("Remind Days", raw, reason))
    defaults = types.map(lambda t: settings.lead_days.get(t, np.nan))
    own = ~_is(parsed, None)
    chosen = np.where(own, parsed.array(), defaults.array())
    by_setting = types.map(lambda t: t in settings.remind_set).array().astype(bool)
    source = np.where(own, "row", np.where(by_setting, "setting", "default"))
    return {
        "lead_days": pd.Series(chosen, dtype=object),
        "lead_from": pd.Series(source, dtype=object),
    }


def _done(table: Table, settings: Settings, flags: _Flagger) -> tuple[np.ndarray, np.ndarray]:
    raw = table.distinct("Done")
    done = raw.map(lambda v: False if v in (None, "") else parse_yes_no(v))
    reason = "is not yes or no (tick the box, or write yes); treated as not done"
    flags.flag(_is(done, None), "Done", _quoted("Done", raw, reason))
    completed = _dates(table, "Completed On", settings, flags)
    return done.where(lambda v: v is True) | ~np.isnat(completed), completed
