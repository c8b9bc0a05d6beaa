"""Milestones rows → a typed frame: IDs, contracts, dates, owners, lead days, done."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..approvals.hold import program_dated
from ..cells.milestone_types import canonical_type
from ..cells.numbers import parse_int_list, parse_yes_no
from ..problems import Problem
from ..schema import MANUAL
from ..values import Coded, factorize_objects, lookup, object_array, with_slot
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

ID_PATTERN = re.compile(r"^M-(\d+)$")


def milestone_frame(
    table: Table, contracts: pd.DataFrame, settings: Settings
) -> tuple[pd.DataFrame, list[Problem]]:
    """Type the Milestones tab: one row per milestone, its Problems, and whether it is blocked."""
    flags = Flagger(table)
    ids, new_id, distinct = _ids(table)
    blocked = duplicates(ids, flags, "Milestone ID", "give each milestone its own ID", distinct)
    contract_ids, at = _contract_ids(table, contracts)
    pick = at[contract_ids.codes]  # each row's Contracts row, -1: none
    unknown = pick < 0
    _contract_flags(contract_ids, contracts, at < 0, flags)
    titles = column_texts(table, "Milestone")
    flags.flag(equals(titles, ""), "Milestone", "Milestone is blank; say what has to happen")
    types = _types(table, flags)
    due = read_dates(table, "Due Date", settings.locale, flags)
    # Any unreadable Due Date not already explained is blank to a reader: " ", a tab, NaN.
    told = _rows_told(flags, "Due Date")
    id_column, sources = _id_column(ids), _sources(table)
    undated = np.isnat(due) & ~_program_dated(id_column, sources)
    flags.flag(undated & ~told, "Due Date", "Due Date is blank")
    owners, no_owner = _milestone_owners(table, (contract_ids, pick), contracts, settings, flags)
    escalate, _, _ = read_owners(table, "Escalate To", settings.allowed_domains, flags)
    done, completed = _done(table, settings, flags)
    blocked = blocked | unknown | undated | no_owner
    frame = pd.DataFrame(
        {
            "row": flags.rows
            if len(flags.rows)
            else table.rows,  # numbers; an empty tab its empty list
            "id": id_column,
            "new_id": new_id,
            "contract_id": text_series(table, "Contract ID", contract_ids),
            "title": text_series(table, "Milestone", titles),
            "type": strings(types),
            "due": due,
            "owners": pd.Series(owners, dtype=object, copy=False),
            "escalate_to": escalate.series(),
            **_lead_days(table, types, settings, flags),
            "repeat": column_texts(table, "Repeat").series(),
            "done": done,
            "completed_on": completed,
            "notes": column_texts(table, "Notes").series(),
            "source": sources.series(),
            "last_notified": column_texts(table, "Last Notified").series(),
            "status_before": column_texts(table, "Status").series(),  # as the last run wrote it
            "blocked": blocked,
        },
        copy=False,  # every column is an array made here for this frame alone
    )
    ended = np.append(contracts["ended"].to_numpy(dtype=bool), False)  # -1: no contract
    frame["cancelled"] = ended[pick]
    departments = _by_contract(contracts["department"], pick, "")
    frame["department"] = strings(departments, bool((pick >= 0).any()))
    return frame, flags.problems


def _rows_told(flags: Flagger, column: str) -> np.ndarray:
    """Per row, whether a Problem about ``column`` is already said (row numbers go up)."""
    said = [p.row for p in flags.problems if p.column == column]
    told = np.zeros(len(flags.rows), dtype=np.bool_)
    told[np.searchsorted(flags.rows, said)] = True
    return told


def _contract_ids(table: Table, contracts: pd.DataFrame) -> tuple[Coded, np.ndarray]:
    """The Contract ID column as texts, and the Contracts row of each of its distinct texts.

    The column is coded with the contracts' own IDs first (``Table.code_among``): a cell
    that is one of them needs no lookup, nor trimming (the contracts' IDs are trimmed
    texts already). Every other cell is none of the IDs, so only those whose text is
    not the cell itself (padded, a number, blank) are looked up.
    """
    usable, ids = _usable_ids(contracts)
    if not table.code_among("Contract ID", ids):
        texts = column_texts(table, "Contract ID")
        return texts, _contract_rows(usable, ids, texts.values)
    texts = table.distinct("Contract ID").texts(trimmed=len(ids))
    others = texts.values[len(ids) :]
    cells = table.distinct("Contract ID").values[len(ids) : len(texts.values)]  # NaN's slot cut
    changed = np.flatnonzero(np.asarray(others != cells, dtype=np.bool_))
    rows = np.full(len(others), -1, dtype=usable.dtype)
    if len(changed):
        rows[changed] = _contract_rows(usable, ids, others[changed])
    return texts, np.concatenate([usable, rows])


def _usable_ids(contracts: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The Contracts rows a Contract ID can find (on one row only, not blank), and their IDs."""
    usable = np.flatnonzero(~contracts["duplicate"].to_numpy(dtype=bool))
    ids = contracts["id"].to_numpy(dtype=object)[usable]
    named = np.asarray(ids != "", dtype=np.bool_)
    return usable[named], ids[named]


def _contract_rows(usable: np.ndarray, ids: np.ndarray, texts: np.ndarray) -> np.ndarray:
    """The Contracts row of each Contract ID in ``texts``; -1 where it is blank, not
    there, or on more than one row."""
    at = lookup(pd.Index(ids, dtype=object), texts)
    return np.append(usable, -1)[at]  # -1 (not found) reads the -1 after the last


def _by_contract(texts: pd.Series, pick: np.ndarray, missing: object) -> Coded:
    """A text column of the contracts at contract rows ``pick`` (``missing`` where -1), coded
    by its distinct texts: each a few shared objects (``Coded.series``), told apart by object."""
    codes, distinct = factorize_objects(texts.to_numpy(dtype=object))
    return Coded(np.append(codes, len(distinct))[pick], with_slot(object_array(distinct), missing))


def _contract_flags(
    contract_ids: Coded, contracts: pd.DataFrame, lost: np.ndarray, flags: Flagger
) -> None:
    """Flag the rows whose Contract ID finds no contract (``lost``: per distinct ID)."""
    texts = contract_ids.values
    blank = lost & np.asarray(texts == "", dtype=np.bool_)
    duplicate = contracts["duplicate"].to_numpy(dtype=bool)  # arrays: no label indexing
    doubled_ids = set(contracts["id"].to_numpy(dtype=object)[duplicate].tolist())
    doubled = np.zeros(len(texts), dtype=np.bool_)
    asked = np.flatnonzero(lost & ~blank)  # the few IDs not found, asked about one by one
    doubled[asked] = [t in doubled_ids for t in texts[asked].tolist()]
    flags.flag(
        contract_ids.spread(blank),
        "Contract ID",
        "Contract ID is blank; say which contract this belongs to",
    )
    flags.flag(
        contract_ids.spread(doubled),
        "Contract ID",
        contract_ids,
        lambda c: f"Contract ID {c} is on more than one Contracts row; fix the duplicate there",
    )
    flags.flag(
        contract_ids.spread(lost & ~doubled & ~blank),
        "Contract ID",
        contract_ids,
        lambda c: f"Contract ID {c} is not in the Contracts tab",
    )


def _ids(table: Table) -> tuple[Coded, np.ndarray, bool]:
    """Milestone IDs, assigning ``M-0001``-style IDs after the highest one to blank rows.

    Also whether the IDs are known to be distinct texts (``id_texts``; not said once new
    IDs are added).
    """
    ids, distinct = id_texts(table, "Milestone ID")
    blank = equals(ids, "")
    if blank.any():
        distinct = False
        used = ids.values[np.bincount(ids.codes, minlength=len(ids.values)) > 0]
        numbers = [int(m.group(1)) for v in used if (m := ID_PATTERN.search(v))]
        start = max(numbers) + 1 if numbers else 1
        count = int(blank.sum())
        width = max(4, len(str(start + count)))
        fresh = [f"M-{n:0{width}d}" for n in range(start, start + count)]
        codes = ids.codes.copy()
        codes[blank] = len(ids.values) + np.arange(count)
        ids = Coded(codes, np.concatenate([ids.values, np.asarray(fresh, dtype=object)]))
    return ids, blank, distinct


def _types(table: Table, flags: Flagger) -> Coded:
    texts = column_texts(table, "Type")
    types = texts.map(lambda t: canonical_type(str(t or "")))
    flags.flag(
        equals(types, None),
        "Type",
        texts.map(lambda t: f'Type: "{t}" is not a type sheetsync knows; treated as other'),
    )
    return types.map(lambda t: "other" if t is None else str(t))


def _milestone_owners(
    table: Table,
    contract_of: tuple[Coded, np.ndarray],  # each row's Contract ID, and its Contracts row
    contracts: pd.DataFrame,
    settings: Settings,
    flags: Flagger,
) -> tuple[np.ndarray, np.ndarray]:
    """Each row's owners (blank: its contract's Owner) and where none is usable, flagged.

    The row's own owners and its contract's are told apart by code: one code per row
    into the distinct owners of both columns, each distinct owner looked at once.
    """
    contract_ids, pick = contract_of
    own, blank, messages = read_owners(table, "Owner", settings.allowed_domains, flags)
    own_codes, own_values = own.codes, own.values
    theirs, their_values = factorize_objects(contracts["owners"].to_numpy(dtype=object))
    theirs = np.append(theirs, len(their_values))[pick] + len(own_values)  # -1: no owner
    owners = Coded(
        np.where(blank, theirs, own_codes),
        np.concatenate([own_values, object_array([*their_values, ()])]),
    )
    empty = owners.where(lambda o: not isinstance(o, tuple) or len(o) == 0)
    told = ~equals(messages, "")
    flags.flag(empty & ~blank & ~told, "Owner", "Owner has no email address sheetsync may use")
    flags.flag(
        empty & blank & (pick >= 0),
        "Owner",
        contract_ids,
        lambda c: f"Owner is blank and contract {c} has no usable Owner either",
    )
    return owners.array(), empty


def _lead_days(
    table: Table, types: Coded, settings: Settings, flags: Flagger
) -> dict[str, pd.Series]:
    """``lead_days`` per row, and ``lead_from``: the row's Remind Days, a setting, or default."""
    raw = table.distinct("Remind Days")
    parsed = raw.map(lambda v: None if v in (None, "") else parse_int_list(v))
    bad = equals(parsed, None) & ~raw.none_or_empty()
    reason = "is not days such as 30, 7, 1; using the type's default"
    flags.flag(bad, "Remind Days", quoted("Remind Days", raw, reason, bad))
    defaults = types.map(lambda t: settings.lead_days.get(t, np.nan))
    own = ~equals(parsed, None)
    chosen = Coded(  # each row's code into the distinct lead days of both
        np.where(own, parsed.codes, defaults.codes + len(parsed.values)),
        np.concatenate([parsed.values, defaults.values]),
    )
    by_setting = types.where(lambda t: t in settings.remind_set)
    source = _LEAD_FROM.take(np.where(own, 0, np.where(by_setting, 1, 2)))  # three shared texts
    return {
        "lead_days": chosen.series(),
        "lead_from": pd.Series(source, dtype=object, copy=False),
    }


_LEAD_FROM = np.asarray(["row", "setting", "default"], dtype=object)


def _done(table: Table, settings: Settings, flags: Flagger) -> tuple[np.ndarray, np.ndarray]:
    raw = table.distinct("Done")
    done = raw.map(lambda v: False if v in (None, "") else parse_yes_no(v))
    reason = "is not yes or no (tick the box, or write yes); treated as not done"
    bad = equals(done, None)
    flags.flag(bad, "Done", quoted("Done", raw, reason, bad))
    completed = read_dates(table, "Completed On", settings.locale, flags)
    return done.where(lambda v: v is True) | ~np.isnat(completed), completed


def _sources(table: Table) -> Coded:
    """The Source column: ``auto`` for generated rows, ``manual`` (or what it says) otherwise."""
    return column_texts(table, "Source").map(lambda s: s.casefold() or MANUAL)


def _program_dated(ids: pd.Series, sources: Coded) -> np.ndarray:
    """``program_dated``, asked only about the auto rows (none: no row is)."""
    auto = sources.equals("auto")
    dated = np.zeros(len(auto), dtype=np.bool_)
    if auto.any():
        rows = np.flatnonzero(auto)
        source = pd.Series(sources.values[sources.codes[rows]], dtype=object)
        dated[rows] = program_dated(ids.iloc[rows].reset_index(drop=True), source)
    return dated


def _id_column(ids: Coded) -> pd.Series:
    """The ID of each row; the distinct IDs themselves when each row holds the next one
    (every ID different and in row order, as read), without a copy."""
    in_order = len(ids.values) == len(ids.codes)
    if in_order and np.array_equal(ids.codes, np.arange(len(ids.codes))):
        return pd.Series(ids.values, dtype=object, copy=False)
    return ids.series()
