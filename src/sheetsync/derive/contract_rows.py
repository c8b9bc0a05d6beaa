"""Each milestone's contract as a row of the contracts frame, found once for the later steps.

Health (and anything else that groups milestones by contract) used to hash every
milestone's Contract ID text again. Normalize already read the Milestones tab's
Contract IDs as distinct texts and a code per row (``column_texts``), so only those
distinct texts are hashed here, with the contracts' IDs, and each row takes its
text's answer.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..normalize.columns import Table, column_texts
from ..values import Coded, addresses, all_different_texts, lookup

CONTRACT_AT = "contract_at"  # the milestones frame's column: a position in the contracts frame
_FEW = 16  # at most this many cells not found by address are compared with each ID


def contract_positions(
    contracts: pd.DataFrame, milestones: pd.DataFrame, table: Table
) -> np.ndarray:
    """Per milestone, the position in ``contracts`` of the first contract whose ID it names.

    -1 where it names none (an ID no contract has). A Contract ID on several Contracts
    rows names the first of them: they share the ID, and so what is grouped by it. A
    blank Contract ID ("") names a contract whose ID is blank, as Health always grouped
    them (both are flagged as Problems). ``table`` is the Milestones tab as normalize
    read it: when its rows are the first rows of ``milestones``, in order (as after
    derivation), their texts are looked up once each; otherwise every row is.
    """
    ids = contracts["id"].to_numpy(dtype=object)
    named = milestones["contract_id"].to_numpy(dtype=object)
    texts = column_texts(table, "Contract ID") if "Contract ID" in table.raw else None
    if texts is None or not _same_rows(table, texts, named):
        return _first_rows(ids, named)
    own, distinct = len(texts.codes), len(texts.values)
    found = _first_rows(ids, np.concatenate([texts.values, named[own:]]))
    return np.concatenate([found[:distinct][texts.codes], found[distinct:]])


def _first_rows(ids: np.ndarray, named: np.ndarray) -> np.ndarray:
    """Per cell of ``named``, the position of the first of ``ids`` equal to it (-1: none).

    Both are hashed together once: the IDs' codes come first, so a code below their
    count is a contract's. A blank cell (None, NaN) is found nowhere.
    """
    if all_different_texts(ids):  # each ID on one row: each is its own first row
        return _among_different(ids, named)
    codes, distinct = pd.factorize(np.concatenate([ids, named]))
    held = codes[: len(ids)]
    first = np.full(len(distinct) + 1, -1, dtype=np.int64)  # the last slot: what -1 reads
    rows = np.flatnonzero(held >= 0)[::-1]
    first[held[rows]] = rows  # from the last row up: the first row's position stays
    return first[codes[len(ids) :]]


def _among_different(ids: np.ndarray, named: np.ndarray) -> np.ndarray:
    """``_first_rows`` for IDs that are all different texts.

    A cell holding one of the IDs' very objects is found by address (plain integers,
    no text hashed: normalize codes a Contract ID that is a contract's as that contract's
    own text); the other cells by value.
    """
    found = pd.Index(addresses(ids)).get_indexer(addresses(named))
    rest = np.flatnonzero(found < 0)
    if len(rest) > _FEW:
        found[rest] = lookup(pd.Index(ids, dtype=object), named[rest])
    else:  # a few: each compared with the IDs, no table of them made
        for at in rest.tolist():
            cell = np.empty(1, dtype=object)
            cell[0] = named[at]  # as one cell, even a tuple
            equal = np.flatnonzero(np.asarray(ids == cell, dtype=np.bool_))
            found[at] = equal[0] if len(equal) else -1
    return found


def _same_rows(table: Table, texts: Coded, named: np.ndarray) -> bool:
    """Whether each of the frame's first rows names the text normalize coded for the tab's
    row at its place (as derivation leaves them), every row checked.

    Told by object when the frame holds normalize's very texts, or the tab's very cells
    whose texts are themselves; compared by value otherwise.
    """
    codes, values = texts.codes, texts.values
    if len(codes) > len(named):
        return False
    head = named[: len(codes)]
    # By address first: a take of integers, not of objects (no reference counted per row).
    if np.array_equal(addresses(values).take(codes), addresses(head)):
        return True
    if _raw_cells(table, texts, head):
        return True
    return bool(np.asarray(values.take(codes) == head, dtype=np.bool_).all())


def _raw_cells(table: Table, texts: Coded, head: np.ndarray) -> bool:
    """Whether each row of ``head`` is the tab's own cell (the very object) and each distinct
    cell equals its text (it needed no trimming): then each row names its coded text.

    A row's cell equals its distinct cell (the coding says so), so this compares the
    distinct cells, not every row.
    """
    raw = table.distinct("Contract ID")
    cells = table.raw["Contract ID"].to_numpy(dtype=object)
    if raw.codes is not texts.codes or len(raw.values) != len(texts.values):
        return False  # codes folded (a NaN cell) or not the tab's: not comparable
    if len(cells) != len(head) or not np.array_equal(addresses(cells), addresses(head)):
        return False
    return bool(np.asarray(raw.values == texts.values, dtype=np.bool_).all())
