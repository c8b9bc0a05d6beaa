"""The monthly summary: one email per owner of an active contract, once a month.

Sections are decided once for every milestone (column operations); a long
``(owner, row)`` table then splits them per owner, so the cost grows with the
rows listed, not with owners × rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import pairwise

import numpy as np
import pandas as pd

from ..cells.addresses import Address
from ..cells.recurrence import add_months
from ..keys import summary_keys
from ..normalize.ledger import Ledger
from ..record.summarised import owner_code, summary_mark
from ..schema import DONE, OPEN_STATUSES, OVERDUE, SUMMARY, TERM_TYPES
from ..values import factorize_objects, lookup
from .cells import filled, not_blank
from .notification import Notification, PlanContext
from .stages import Planning, RowContracts, contract_names, dates_of, first_contract_rows

SECTIONS = ("overdue", "next_30", "terms_90", "completed", "problems")


def plan_summaries(
    milestones: pd.DataFrame,
    contracts: pd.DataFrame,
    ledger: Ledger,
    context: PlanContext,
    planning: Planning | None = None,
) -> list[Notification]:
    """A summary for each active contract's owner, on the first run on or after Summary day.

    ``planning``: the rest of the plan's, whose contracts and Contract IDs' first rows
    are shared.
    """
    today = context.today
    if today.day < context.settings.summary_day:
        return []
    owning = contract_owners(contracts, planning.first_contracts if planning else None)
    owners = active_owners(contracts, owning)
    marked = _marked_codes(milestones, f"{today:%Y-%m}")
    keys = dict(zip(owners, summary_keys(owners, today), strict=True))
    pending = {
        e: a
        for e, a in owners.items()
        if not ledger.was_sent(keys[e], e) and owner_code(e) not in marked
    }
    if not pending:
        return []
    emails = sorted(pending)
    if planning is None:
        planning = Planning(milestones, contract_names(contracts), ledger, context, set())
    content = _contents(planning, contracts, owning, emails)
    return [
        Notification(SUMMARY, (pending[e],), (), summary=content[i], summary_key=keys[e])
        for i, e in enumerate(emails)
    ]


def _marked_codes(milestones: pd.DataFrame, month: str) -> set[str]:
    """The owner codes Last Notified cells hold for ``month``: their summaries went."""
    if "last_notified" not in milestones:
        return set()
    column = milestones["last_notified"].to_numpy(dtype=object)
    _, cells = factorize_objects(column[filled(column)])  # each once; empty cells hold no mark
    marks = (summary_mark(cell) for cell in cells)
    return set().union(*(codes for held, codes in filter(None, marks) if held == month))


@dataclass(frozen=True)
class ContractOwners:
    """The Contracts rows' owner lists, each distinct list told apart once per plan."""

    contracts: pd.DataFrame
    codes: np.ndarray  # each contract row's list in ``groups`` (-1: a blank cell)
    groups: list[tuple[Address, ...]]
    first: np.ndarray | None = None  # ``unique``, when found already

    @cached_property
    def unique(self) -> np.ndarray:
        """Each Contract ID's first row, the rows ``drop_duplicates("id")`` keeps."""
        return first_contract_rows(self.contracts) if self.first is None else self.first


def contract_owners(contracts: pd.DataFrame, first: np.ndarray | None = None) -> ContractOwners:
    """The owner lists of ``contracts``, each distinct list once (``first``: as ``unique``)."""
    return ContractOwners(contracts, *factorize_objects(contracts["owners"].to_numpy()), first)


def active_owners(
    contracts: pd.DataFrame, owning: ContractOwners | None = None
) -> dict[str, Address]:
    """Each active contract's owners, first spelling of each address kept."""
    owning = owning or contract_owners(contracts)
    active = owning.codes[contracts["active"].to_numpy(dtype=bool)]
    owners: dict[str, Address] = {}
    for code in pd.unique(active[active >= 0]).tolist():  # in order of first appearance
        for owner in owning.groups[code]:
            owners.setdefault(owner.email, owner)
    return owners


def owner_rows(
    milestones: pd.DataFrame,
    contracts: pd.DataFrame,
    emails: list[str],
    at: np.ndarray | None = None,
    ordered: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """``(owner, pos)`` pairs, sorted: milestones assigned to an owner or on their contracts.

    ``owner`` indexes ``emails``. Owner cells repeat, so the Python work is per
    distinct owner list, not per row. ``at``: each row's contract in
    ``contracts.drop_duplicates("id")`` (-1: none), looked up here when not given.
    ``ordered=False``: each pair still once, in no particular order (no sort).
    """
    owning = contract_owners(contracts)
    if at is None:
        ids = pd.Index(contracts["id"].iloc[owning.unique])
        at = lookup(ids, milestones["contract_id"].to_numpy())
    cells = milestones["owners"].to_numpy()
    owner, pos = _owner_pairs(cells, at, owning, emails)
    if not ordered:
        return owner, pos
    joined = np.sort(owner * max(len(milestones), 1) + pos)
    joined = joined[np.flatnonzero(np.diff(joined, prepend=-1))]
    return joined // max(len(milestones), 1), joined % max(len(milestones), 1)


def _owner_pairs(
    cells: np.ndarray, at: np.ndarray, owning: ContractOwners, emails: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """``(owner, pos)`` of ``owner_rows``, each pair once, in no particular order.

    ``cells``: the rows' Owner cells; ``at``: their contracts' places in ``owning.unique``.
    """
    wanted = {e: i for i, e in enumerate(emails)}
    codes, groups = factorize_objects(cells)
    own, members = _pairs(codes, groups, wanted)
    contract_codes = owning.codes[owning.unique]
    by_contract = np.where(at >= 0, contract_codes[np.maximum(at, 0)], -1) if len(at) else at
    theirs, _ = _pairs(by_contract, owning.groups, wanted)
    # A contract owner the row names itself is paired already.
    again = _among(codes[theirs[0]] * max(len(emails), 1) + theirs[1], members)
    return _joined(own[1], theirs[1][~again]), _joined(own[0], theirs[0][~again])


def _among(values: np.ndarray, members: np.ndarray) -> np.ndarray:
    """Per value, whether it is one of ``members`` (``np.isin``): read from a table of every
    number between the least and the greatest when it is not much longer than the values
    (owner codes × owners mostly are), else found in the sorted members (the values are
    many, the members few)."""
    if not len(members) or not len(values):
        return np.zeros(len(values), dtype=bool)
    low = min(int(values.min()), int(members.min()))
    span = max(int(values.max()), int(members.max())) - low + 1
    if span <= 16 * len(values):  # a table's bytes: at most twice the values'
        table = np.zeros(span, dtype=bool)
        table[members - low] = True
        return table[values - low]
    known = np.sort(members)
    at = np.minimum(np.searchsorted(known, values), len(known) - 1)
    return np.asarray(known[at] == values, dtype=bool)


def _joined(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    return np.concatenate([first, second]).astype(np.int64, copy=False)


def _pairs(
    codes: np.ndarray, groups: Sequence[tuple[Address, ...]], wanted: dict[str, int]
) -> tuple[tuple[np.ndarray, np.ndarray], np.ndarray]:
    """``(pos, owner)`` for rows whose owner-list code holds wanted emails (code -1: none);
    and ``code * len(wanted) + owner`` for each wanted owner of each code."""
    chosen = [[wanted[a.email] for a in group if a.email in wanted] for group in groups]
    counts = np.asarray([len(c) for c in chosen] + [0], dtype=np.int64)
    flat = np.asarray([i for c in chosen for i in c], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(counts)])[:-1]
    members = np.repeat(np.arange(len(chosen)), counts[:-1]) * max(len(wanted), 1) + flat
    per_row = counts[codes]
    pos = np.repeat(np.arange(len(codes)), per_row)
    offset = np.arange(len(pos)) - np.repeat(np.cumsum(per_row) - per_row, per_row)
    return (pos, flat[starts[codes][pos] + offset] if len(pos) else flat[:0]), members


def section_flags(milestones: pd.DataFrame, today: dt.date) -> dict[str, np.ndarray]:
    """For every milestone, which summary sections list it (and whether it is open)."""
    days = milestones["days_left"].to_numpy(dtype=np.float64, na_value=np.nan)  # NaN: no date
    status = _statuses(milestones["status"])
    open_ = status(OPEN_STATUSES)
    last_month_end = today.replace(day=1) - dt.timedelta(days=1)
    completed_on = milestones["completed_on"].to_numpy()  # NaT is in no month: never between
    completed_last_month = (completed_on >= np.datetime64(last_month_end.replace(day=1))) & (
        completed_on <= np.datetime64(last_month_end)
    )
    terms_90 = open_ & (days >= 0) & (days <= 90)
    ahead = np.flatnonzero(terms_90)  # only these rows' types are asked
    terms_90[ahead] = _one_of(milestones["type"].iloc[ahead], TERM_TYPES)
    flags = {
        "overdue": status((OVERDUE,)),
        "next_30": open_ & (days >= 0) & (days <= 30),
        "terms_90": terms_90,
        "completed": status((DONE,)) & completed_last_month,
        "problems": not_blank(milestones["problems"].to_numpy(dtype=object)),
        "open": open_,
    }
    return {name: np.asarray(column, dtype=bool) for name, column in flags.items()}


def _statuses(cells: pd.Series) -> Callable[[Sequence[str]], np.ndarray]:
    """Per cell, whether it is one of some texts, for each set of texts asked.

    The column holds a few statuses, mostly one object each: it is coded once
    (``factorize_objects``) and each question answered per distinct status, not per cell.
    """
    codes, distinct = factorize_objects(cells.to_numpy(dtype=object))

    def one_of(texts: Sequence[str]) -> np.ndarray:
        return np.asarray([value in texts for value in distinct] + [False])[codes]  # -1: blank

    return one_of


def _one_of(cells: pd.Series, texts: Sequence[str]) -> np.ndarray:
    """Per cell, whether it is one of ``texts`` (one hashing pass, not a comparison per text)."""
    return cells.isin(texts).to_numpy(dtype=bool)


def _contents(
    planning: Planning, contracts: pd.DataFrame, owning: ContractOwners, emails: list[str]
) -> list[dict[str, object]]:
    """Each owner's summary, in the order of ``emails``."""
    milestones, context, row_contracts = planning.milestones, planning.context, planning.contracts
    today = context.today
    flags = section_flags(milestones, today)
    listed = np.logical_or.reduce([flags[name] for name in SECTIONS])
    due = milestones["due"].to_numpy()
    month = _chart_month(due, today)
    charted = flags["open"] & (month >= 0) & (month < 6) & ~np.isnat(due)  # in the chart
    # Only rows a section lists or the chart counts are paired with owners.
    shown = np.flatnonzero(listed | charted)
    cells = milestones["owners"].to_numpy()[shown]
    owner, pos = _owner_pairs(cells, row_contracts.at(shown), owning, emails)
    pos = shown[pos]
    charts = _charts(month[pos], owner, charted[pos], len(emails), today)
    keep = listed[pos]  # the chart counted every pair; the lists need only these, in order
    owner, pos = owner[keep], pos[keep]
    rows = _distinct(pos, len(milestones))  # each listed row once, in row order
    order = _urgency(milestones, planning.id_ranks(rows), owner, pos, rows)
    owner, pos = owner[order], pos[order]
    records = _records(milestones, row_contracts, rows, context)
    counts, problems = _contracts_owned(contracts, owning, emails)
    sections = _sections(owner, pos, records, flags, len(emails))
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).strftime("%B %Y")
    contents = []
    for i, email in enumerate(emails):
        listed = {name: sections[name][i] for name in SECTIONS}
        contents.append(
            {
                "month": today.strftime("%B %Y"),
                "last_month": last_month,
                "owner": email,
                **{name: listed[name] for name in SECTIONS[:4]},
                "problems": problems.get(email, []) + [_problem(r) for r in listed["problems"]],
                "chart": charts[i],
                "contracts": int(counts[i]),
            }
        )
    return contents


def _sections(
    owner: np.ndarray, pos: np.ndarray, records: np.ndarray, flags: dict[str, np.ndarray], n: int
) -> dict[str, list[list[dict[str, object]]]]:
    """Each section's records for each of the ``n`` owners, in the pairs' order.

    ``(owner, pos)`` are the listed pairs, sorted by owner: a section's pairs are
    picked out once, then cut at the owners' bounds.
    """
    sections = {}
    for name in SECTIONS:
        chosen = flags[name][pos]
        listed = records[pos[chosen]].tolist()
        bounds = np.searchsorted(owner[chosen], np.arange(n + 1)).tolist()
        sections[name] = [listed[a:b] for a, b in pairwise(bounds)]
    return sections


def _urgency(
    milestones: pd.DataFrame,
    id_ranks: np.ndarray,
    owner: np.ndarray,
    pos: np.ndarray,
    listed: np.ndarray,
) -> np.ndarray:
    """Order of the pairs: by owner, then by due date and ID; ``listed``: the pairs'
    distinct rows, in order, and ``id_ranks`` their places by ID (``Planning.id_ranks``).

    Sorted as one number, owner then rank: a pair is listed once and each row's rank is
    its own, so no two numbers are equal and a plain sort (quicker than a stable one)
    gives the one order there is.
    """
    due = milestones["due"].to_numpy()[listed]
    rank = np.empty(len(milestones), dtype=np.int64)
    rank[listed[np.lexsort((id_ranks, due))]] = np.arange(len(listed))
    return np.argsort(owner * len(listed) + rank[pos])


def _distinct(pos: np.ndarray, size: int) -> np.ndarray:
    """The distinct positions among ``pos`` (each below ``size``), in order."""
    seen = np.zeros(size, dtype=bool)
    seen[pos] = True
    return np.flatnonzero(seen)


def _problem(record: dict[str, object]) -> dict[str, object]:
    return {
        "tab": "Milestones",
        "row": record["row"],
        "what": record["what"],
        "problems": record["problems"],
    }


def _records(
    milestones: pd.DataFrame,
    row_contracts: RowContracts,
    listed: np.ndarray,
    context: PlanContext,
) -> np.ndarray:
    """Row dicts the summary template lists, built once per listed milestone, by position
    (``listed``: those rows, each once, in order)."""

    def taken(name: str) -> list[object]:  # the listed rows' cells of one column
        return milestones[name].to_numpy(dtype=object)[listed].tolist()

    contract = row_contracts.names[row_contracts.at(listed)]
    days = milestones["days_left"].array[listed]  # taken first: only these are converted
    rows = milestones["row"].to_numpy()[listed].astype(int).tolist()
    links = context.link_for_row
    columns = zip(
        taken("id"),
        taken("contract_id"),
        contract.tolist(),
        taken("title"),
        taken("type"),
        dates_of(milestones["due"].to_numpy()[listed]),
        days.to_numpy(dtype=object, na_value=None).tolist(),
        taken("status"),
        rows,
        list(map(links.get, rows)) if links else [None] * len(rows),
        taken("problems"),
        strict=True,
    )
    made = map(vars, map(_Record, columns))  # each record its _Record's attributes
    records = np.empty(len(milestones), dtype=object)
    # Not ``records[listed] = made``: numpy would look into every dict for a sequence.
    records[listed] = np.fromiter(made, dtype=object, count=len(listed))
    return records


class _Record:
    """One listed milestone's fields: its attributes (``vars``) are the dict the template reads.

    Attributes set in one order by one class share one table of names (CPython's
    key-sharing dictionaries, PEP 412), so each record holds only its values: made a
    third quicker than a dict display, in a third of the memory, and equal to it in
    every way (a plain dict, its keys in this order).
    """

    def __init__(self, fields: tuple[object, ...]) -> None:
        (
            self.milestone_id,
            self.contract_id,
            self.contract,
            self.title,
            self.type,
            self.due,
            self.days_left,
            self.status,
            self.row,
            self.link,
            self.problems,
        ) = fields
        self.what = f"{self.milestone_id} {self.title}"


def _contracts_owned(
    contracts: pd.DataFrame, owning: ContractOwners, emails: list[str]
) -> tuple[np.ndarray, dict[str, list[dict[str, object]]]]:
    """How many contract rows name each owner, and each owner's contract rows with Problems."""
    index = {e: i for i, e in enumerate(emails)}
    codes, groups = owning.codes, owning.groups
    per_group = np.bincount(codes, minlength=len(groups)) if len(codes) else np.zeros(0, int)
    counts = np.zeros(len(emails), dtype=np.int64)
    for group, n in zip(groups, per_group.tolist(), strict=True):
        for owner in group:
            if owner.email in index:
                counts[index[owner.email]] += n
    owned: dict[str, list[dict[str, object]]] = {}
    # Only the few rows with Problems, and only the columns read: not a filtered copy of all.
    troubled = np.flatnonzero(contracts["problems"].to_numpy(dtype=object).astype(bool))

    def taken(name: str) -> list[object]:  # the troubled rows' cells of one column
        return contracts[name].to_numpy(dtype=object)[troubled].tolist()

    names = ("owners", "row", "id", "name", "problems")
    for owners, row, contract_id, name, problems in zip(*map(taken, names), strict=True):
        for owner in owners:
            owned.setdefault(owner.email, []).append(
                {
                    "tab": "Contracts",
                    "row": int(row),
                    "what": f"{contract_id} {name}",
                    "problems": problems,
                }
            )
    return counts, owned


def _month_starts(today: dt.date) -> list[dt.date]:
    """The first days of this month and the next six: the chart's six months, and its end."""
    return [add_months(today.replace(day=1), n) for n in range(7)]


def _chart_month(due: np.ndarray, today: dt.date) -> np.ndarray:
    """Each due date's month counted from this month (0 this month, 1 the next … 5);
    -1 before this month or with no date, 6 from the chart's seventh month on.

    Read by each date's day from a table of every day of the chart (its month), with
    one day before it (-1) and one after (6) that the days outside are moved onto: not
    by working out each date's month, nor by a search among the months' first days.
    """
    starts = np.asarray(_month_starts(today), dtype="datetime64[D]").view(np.int64)
    table = np.repeat(np.arange(-1, 7), [1, *np.diff(starts).tolist(), 1])
    days = due.astype("datetime64[D]").view(np.int64)  # NaT: the least number, so -1
    return table[np.clip(days, starts[0] - 1, starts[-1]) - (starts[0] - 1)]


def _charts(
    month: np.ndarray, owner: np.ndarray, counted: np.ndarray, owners: int, today: dt.date
) -> list[list[dict[str, object]]]:
    """Open milestones due per month for this month and the next five, per owner.

    ``month`` (``_chart_month``), ``owner`` and ``counted`` (open, due in the chart's
    months) describe the same ``(owner, milestone)`` pairs.
    """
    labels = [m.strftime("%b %Y") for m in _month_starts(today)[:6]]
    counts = np.bincount(owner[counted] * 6 + month[counted], minlength=owners * 6)
    charts = []
    for values in counts.reshape(owners, 6).tolist():
        peak = max([*values, 1])
        charts.append(
            [
                {"label": label, "count": v, "percent": round(100 * v / peak)}
                for label, v in zip(labels, values, strict=True)
            ]
        )
    return charts
