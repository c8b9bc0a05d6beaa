"""Which milestone rows have a stage due now, as email items with their keys and why-lines.

A row's stage is its reminder lead, its overdue notice number or its escalation
level (``evaluate``); its key (``keys``) is what the Log remembers it by.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from ..derive.contract_rows import CONTRACT_AT
from ..keys import milestone_keys
from ..normalize.ledger import Ledger
from ..normalize.settings import Settings
from ..schema import ESCALATION, OVERDUE_NOTICE, REMINDER
from ..values import all_different_texts, factorize_objects, first_rows, object_array, with_slot
from .cells import filled
from .notification import Item, PlanContext, items
from .texts import TextIndex, text_ranks


@dataclass(frozen=True)
class Planning:
    """What every kind of email is planned from: the rows, contract names, the Log, and
    the keys the rows' own Last Notified record."""

    milestones: pd.DataFrame
    names: pd.Series
    ledger: Ledger
    context: PlanContext
    noted: set[str]
    places: np.ndarray | None = None  # each row's place in ``names``, when known (``places``)
    first_contracts: np.ndarray | None = None  # ``first_contract_rows``, when known

    @cached_property
    def contracts(self) -> RowContracts:
        """Each row's contract, looked up once for reminders, escalations and summaries."""
        ids = self.milestones["contract_id"].to_numpy(dtype=object)
        return RowContracts(self.names, ids, self.places)

    def id_ranks(self, pos: np.ndarray) -> np.ndarray:
        """Each row at ``pos`` (in row order)'s place among those rows sorted by Milestone
        ID (``text_ranks``): they sort by it as by their places among all rows.

        Reminders, escalations and summaries each order only some of the rows by ID (at
        100k rows about a quarter and a fifth): only those are ranked, not every row.
        """
        return text_ranks(self.milestones["id"].to_numpy(dtype=object)[pos])

    def names_at(self, pos: np.ndarray) -> list[str]:
        """The contract name ("" for an unknown contract) of the milestone rows at ``pos``."""
        return self.contracts.names[self.contracts.at(pos)].tolist()


_UNASKED = -2  # RowContracts: a row not looked up yet


class RowContracts:
    """Which contract each milestone row belongs to, each row looked up once however often asked.

    A Contract ID is hashed and compared at every lookup, the dearest step per row of
    the plan; reminders, escalations and summaries ask about overlapping rows.
    """

    def __init__(
        self, names: pd.Series, contract_ids: np.ndarray, places: np.ndarray | None = None
    ) -> None:
        """``names``: each contract ID's name (``contract_names``); ``contract_ids``: the rows';
        ``places``: each row's answer when it is known already (``places``)."""
        self._keys = names.index
        self._ids = contract_ids
        if places is None:
            self._at = np.full(len(contract_ids), _UNASKED, dtype=np.intp)
        else:
            self._at = np.asarray(places, dtype=np.intp)
        self.names = with_slot(_name_texts(names.to_numpy(dtype=object)), "")  # -1 reads ""

    @cached_property
    def _index(self) -> TextIndex:
        return TextIndex(self._keys)

    def at(self, pos: np.ndarray) -> np.ndarray:
        """Where each row at ``pos`` finds its contract in ``names`` (-1: no such contract)."""
        found = self._at[pos]
        asked = found == _UNASKED
        if asked.any():
            rows = pos[asked]
            self._at[rows] = self._index.find(self._ids[rows])
            found = self._at[pos]
        return found


def _name_texts(names: np.ndarray) -> np.ndarray:
    """Each contract name as text: a blank name "", any other cell ``str`` of it.

    Names are mostly all text already (told by one pass over the cells): they are kept
    as they are, not filled and converted cell by cell.
    """
    if pd.api.types.infer_dtype(names, skipna=False) == "string":
        return names
    texts = pd.Series(names, dtype=object).fillna("").astype(str)
    return texts.to_numpy(dtype=object)


def places(
    milestones: pd.DataFrame, contracts: pd.DataFrame, first: np.ndarray | None = None
) -> np.ndarray | None:
    """Each row's place among ``contract_names(contracts)``, from the contract row derivation
    found for it (``contract_at``, the first row with its ID), so no ID is looked up again.

    ``contract_at`` is derivation's own column, checked there against every row's
    Contract ID, and it goes with its row: rows added later bring their own, and no step
    after derivation changes a row's Contract ID or the contracts' order (a frame whose
    Contract IDs are edited afterwards must drop the column). None when the frame has
    no such column or it does not fit ``contracts`` (a row without a position, a
    position out of range or not an ID's first row): the rows are then looked up by
    their IDs. ``first``: ``first_contract_rows(contracts)``, when found already.
    """
    column = milestones.get(CONTRACT_AT)
    if column is None or not (isinstance(column.dtype, np.dtype) and column.dtype.kind in "iu"):
        return None  # none found, or some rows without a position (a nullable column)
    at = column.to_numpy(dtype=np.int64)
    ids = contracts["id"].to_numpy(dtype=object)
    if len(at) and not (int(at.min()) >= -1 and int(at.max()) < len(ids)):
        return None
    first = first_contract_rows(contracts) if first is None else first
    place = np.full(len(ids) + 1, -1, dtype=np.intp)  # the last slot: what -1 reads
    place[first] = np.arange(len(first))
    found = place[at]
    return None if bool(((found < 0) & (at >= 0)).any()) else found


def first_contract_rows(contracts: pd.DataFrame) -> np.ndarray:
    """Each Contract ID's first row, in order: the rows ``drop_duplicates("id")`` keeps.

    Found once per plan for the contract names, the rows' places among them and the
    summaries' owners. A column of all different IDs (``all_different_texts``, which reads
    every row: mostly they rise) is its own first rows, without hashing every ID.
    """
    ids = contracts["id"]
    if all_different_texts(ids.to_numpy(dtype=object)):
        return np.arange(len(ids))
    return np.flatnonzero(~ids.duplicated().to_numpy(dtype=bool))


def contract_names(contracts: pd.DataFrame, first: np.ndarray | None = None) -> pd.Series:
    """Each contract ID's name (the first row with that ID); ``first``: those rows, if found."""
    first = first_contract_rows(contracts) if first is None else first
    return contracts[["id", "name"]].iloc[first].set_index("id")["name"]


@dataclass
class Due:
    """Milestone rows with a current stage of one kind: positions (in row order), kinds,
    stages, keys, and the Milestone IDs the keys were made of (kept for the items)."""

    pos: np.ndarray
    kinds: list[str]
    stages: np.ndarray
    keys: list[str]
    ids: np.ndarray

    def take(self, keep: np.ndarray) -> Due:
        kinds, keys = np.asarray(self.kinds, dtype=object), np.asarray(self.keys, dtype=object)
        stages, ids = self.stages[keep], self.ids[keep]
        return Due(self.pos[keep], kinds[keep].tolist(), stages, keys[keep].tolist(), ids)


_NOTICES = np.asarray([REMINDER, OVERDUE_NOTICE], dtype=object)  # a kind's one text, shared


def due_now(milestones: pd.DataFrame, which: str) -> Due:
    """Rows whose current stage of ``which`` ("notice" or "escalation") has a key."""
    if which == ESCALATION:
        stage = milestones["level"].to_numpy()
        pos = np.flatnonzero(stage > 0)
        kinds = [ESCALATION] * len(pos)
    else:
        overdue = milestones["overdue_n"].to_numpy()
        stage = np.where(overdue > 0, overdue, milestones["stage"].to_numpy())
        pos = np.flatnonzero(stage >= 0)
        kinds = _NOTICES[(overdue[pos] > 0).astype(np.intp)].tolist()
    stages = stage[pos]
    ids = milestones["id"].to_numpy(dtype=object)[pos]
    due = _day_texts(milestones["due"].to_numpy()[pos])
    keys = milestone_keys(kinds, ids, due, _number_texts(stages))
    return Due(pos, kinds, stages, keys, ids)


def _day_texts(due: np.ndarray) -> list[str]:
    """``YYYY-MM-DD`` for each datetime, formatting each distinct day once (a missing
    day, NaT, is its own distinct value: its text is ``NaT``, as ``str`` gives it)."""
    days = due.astype("datetime64[D]")
    codes, distinct = pd.factorize(days, use_na_sentinel=False)
    texts = np.asarray([str(d) for d in distinct.astype("datetime64[D]")], dtype=object)
    return texts[codes].tolist() if len(texts) else []


def _number_texts(numbers: np.ndarray) -> list[str]:
    """Each whole number as text, writing each distinct number once (a key's stage)."""
    codes, distinct = pd.factorize(numbers)
    texts = np.asarray([str(n) for n in distinct.tolist()], dtype=object)
    return texts[codes].tolist() if len(texts) else []


def not_noted(milestones: pd.DataFrame, due: Due, ledger: Ledger) -> Due:
    """Less the stages the row's Last Notified records and the Log does not know of.

    The Log is asked first (it says who got a key, so a failed copy is retried);
    when it has no row for a key (pruned, deleted, renamed, or the ID renamed),
    the row's own record stops a resend.
    """
    if "noted" not in milestones or not len(due.pos):
        return due
    column = milestones["noted"].to_numpy(dtype=object)[due.pos]
    some = filled(column)  # an empty cell records no key
    got, keys = ledger.sent_keys, due.keys
    keep = np.ones(len(due.pos), dtype=bool)
    keep[some] = [
        key in got or not isinstance(cell, tuple) or key not in cell
        for key, cell in zip([keys[i] for i in some.tolist()], column[some].tolist(), strict=True)
    ]
    return due if keep.all() else due.take(keep)


def stage_items(planning: Planning, due: Due) -> tuple[list[Item], np.ndarray]:
    """One Item per due row, built column-wise; and each one's most-urgent-first rank."""
    milestones, context = planning.milestones, planning.context

    def taken(name: str) -> np.ndarray:  # the due rows' cells of one column, as objects
        return milestones[name].to_numpy(dtype=object)[due.pos]

    stamps = milestones["due"].to_numpy()[due.pos]
    left = milestones["days_left"].to_numpy(dtype=np.int64, na_value=0)[due.pos]
    types = taken("type")
    rows = milestones["row"].to_numpy()[due.pos].tolist()
    links = context.link_for_row
    made = items(
        {
            "key": due.keys,
            "kind": due.kinds,
            "milestone_id": due.ids.tolist(),
            "contract_id": taken("contract_id").tolist(),
            "contract": planning.names_at(due.pos),
            "title": taken("title").tolist(),
            "type": types.tolist(),
            "due": dates_of(stamps),
            "days_left": left.tolist(),
            "stage": due.stages.tolist(),
            "row": rows,
            "owners": taken("owners").tolist(),
            "rule": _rules(milestones, due, left, context.settings),
            "link": [links.get(r) for r in rows] if links else [None] * len(rows),
        }
    )
    ranks = planning.id_ranks(due.pos)
    order = np.lexsort((ranks, stamps, left)) if len(ranks) else np.zeros(0, int)
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return made, rank


def dates_of(stamps: np.ndarray) -> list[dt.date | None]:
    """Each datetime as a ``date`` (None for NaT), converting each distinct day once."""
    codes, distinct = pd.factorize(stamps.astype("datetime64[D]"))  # NaT: code -1
    dates = with_slot(object_array([pd.Timestamp(d).date() for d in distinct]), None)
    return dates[codes].tolist()


def _rules(
    milestones: pd.DataFrame, due: Due, days_left: np.ndarray, settings: Settings
) -> list[str]:
    """``describe_rule`` for each item, written once per distinct rule and numbers.

    A reminder's sentence is told by its lead and ladder (type, days, who set them), an
    overdue notice's or an escalation's by its number and days overdue: each kind's rows
    are grouped by only what its sentence says.
    """
    texts = np.empty(len(due.pos), dtype=object)
    kinds = np.asarray(due.kinds, dtype=object)
    ahead = kinds == REMINDER
    if ahead.any():
        texts[ahead] = _reminder_rules(milestones, due.pos[ahead], due.stages[ahead], settings)
    late = np.flatnonzero(~ahead)
    if len(late):
        overdue = (kinds[late] == OVERDUE_NOTICE).astype(np.int64)
        stages, left = due.stages[late], days_left[late]
        group, first = _groups([overdue, stages, left])
        words = [
            describe_rule(k, int(s), int(d), _NO_LADDER, settings)
            for k, s, d in zip(kinds[late][first], stages[first], left[first], strict=True)
        ]
        texts[late] = np.asarray(words, dtype=object)[group]
    return texts.tolist()


def _reminder_rules(
    milestones: pd.DataFrame, pos: np.ndarray, stages: np.ndarray, settings: Settings
) -> np.ndarray:
    """The reminder sentences of the rows at ``pos``, one per distinct lead and ladder."""
    codes, days = factorize_objects(milestones["lead_days"].to_numpy(dtype=object)[pos])
    words = with_slot(object_array([", ".join(str(d) for d in _ladder(v)) for v in days]), "")
    ladders = words[codes]  # code -1 (no days at all) reads the "" slot
    if "lead_from" in milestones:
        sources = milestones["lead_from"].to_numpy(dtype=object)[pos]
    else:
        sources = np.full(len(pos), "default", dtype=object)
    types = milestones["type"].to_numpy(dtype=object)[pos]
    group, first = _groups([stages, types, codes, sources])
    texts = [
        describe_rule(REMINDER, int(s), 0, Ladder(t, lad, src), settings)
        for s, t, lad, src in zip(
            stages[first],
            _blank_as_nan(types[first]),
            ladders[first],
            _blank_as_nan(sources[first]),
            strict=True,
        )
    ]
    return np.asarray(texts, dtype=object)[group]


def _blank_as_nan(values: np.ndarray) -> np.ndarray:
    """Missing cells (None or NaN) as NaN, the one way a rule's words show them."""
    out = values.copy()
    out[pd.isna(out)] = np.nan
    return out


def _groups(columns: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """A code per row for its combination of the columns' values, and each code's first row.

    Codes are numbered in order of first appearance. Each column is read as small
    numbers (a whole-number column as its distance from its least value, any other
    factorized, blanks a value like any other); they are folded into one number per
    row, renumbered whenever the next column could make it overflow.
    """
    group = np.zeros(len(columns[0]), dtype=np.int64)
    size = 1  # the folded numbers stay below this
    for column in columns:
        if column.dtype.kind in "iu" and len(column):
            low = int(column.min())
            codes, count = column.astype(np.int64) - low, int(column.max()) - low + 1
        elif column.dtype == object:
            # Mostly a few shared texts (types, where lead days came from): coded by object
            # first, not each cell hashed and checked for a blank; blanks are code 0.
            found, distinct = factorize_objects(column)
            codes, count = found + 1, len(distinct) + 1
        else:
            codes, distinct = pd.factorize(column, use_na_sentinel=False)
            count = len(distinct)
        if size * max(count, 1) >= 2**62:
            group, distinct = pd.factorize(group)
            size = len(distinct)
        group = group * max(count, 1) + codes
        size *= max(count, 1)
    group, _ = pd.factorize(group)
    return group, first_rows(group)


def _ladder(value: object) -> tuple[int, ...]:
    return tuple(int(v) for v in value) if isinstance(value, tuple | list) else ()


@dataclass(frozen=True)
class Ladder:
    """Where a row's reminder days came from: its type, the days, and who set them."""

    type: str
    days: str  # "30, 7, 2"
    source: str = "default"  # row / setting / default


_NO_LADDER = Ladder("", "")  # overdue notices and escalations: their sentence names no ladder


def describe_rule(kind: str, stage: int, days_left: int, ladder: Ladder, settings: Settings) -> str:
    """Why this item is in the email, in one sentence whose numbers all come from the sheet."""
    if kind == REMINDER:
        when = "reminder on the due date" if stage == 0 else f"{stage}-day reminder"
        return f"{when} ({_ladder_words(ladder)} days before)"
    overdue = f"{-days_left} day{'' if days_left == -1 else 's'} overdue"
    if kind == OVERDUE_NOTICE:
        every = settings.overdue_repeat
        return (
            f"{overdue}; a notice goes out every {every} days until it is marked done "
            f"(this is notice #{stage})"
        )
    after = ", ".join(str(d) for d in sorted(settings.escalate_after))
    return f"escalation level {stage}: {overdue} (escalate after {after} days)"


def _ladder_words(ladder: Ladder) -> str:
    """``your row's Remind Days: 30, 7, 2``, the Remind setting's, or the type's default."""
    if ladder.source == "row":
        return f"your row's Remind Days: {ladder.days}"
    if ladder.source == "setting":
        return f"the Remind: {ladder.type} setting: {ladder.days}"
    return f"the default for {ladder.type} milestones: {ladder.days}"
