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
from ..values import same_objects

CONTRACT_AT = "contract_at"  # the milestones frame's column: a position in the contracts frame


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
    if texts is None or not _same_rows(texts.values, texts.codes, named):
        return _first_rows(ids, named)
    own, distinct = len(texts.codes), len(texts.values)
    found = _first_rows(ids, np.concatenate([texts.values, named[own:]]))
    return np.concatenate([found[:distinct][texts.codes], found[distinct:]])


def _first_rows(ids: np.ndarray, named: np.ndarray) -> np.ndarray:
    """Per cell of ``named``, the position of the first of ``ids`` equal to it (-1: none).

    Both are hashed together once: the IDs' codes come first, so a code below their
    count is a contract's. A blank cell (None, NaN) is found nowhere.
    """
    codes, distinct = pd.factorize(np.concatenate([ids, named]))
    held = codes[: len(ids)]
    first = np.full(len(distinct) + 1, -1, dtype=np.int64)  # the last slot: what -1 reads
    rows = np.flatnonzero(held >= 0)[::-1]
    first[held[rows]] = rows  # from the last row up: the first row's position stays
    return first[codes[len(ids) :]]


def _same_rows(values: np.ndarray, codes: np.ndarray, named: np.ndarray) -> bool:
    """Whether each of the frame's first rows names the text normalize coded for the tab's
    row at its place (as derivation leaves them), every row checked: told by object when
    the frame holds normalize's very texts, compared by value otherwise."""
    if len(codes) > len(named):
        return False
    coded, head = values.take(codes), named[: len(codes)]
    return same_objects(coded, head) or bool(np.asarray(coded == head, dtype=np.bool_).all())
