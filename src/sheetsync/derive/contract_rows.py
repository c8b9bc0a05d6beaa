"""Each milestone's contract as a row of the contracts frame, found once for the later steps.

Health (and anything else that groups milestones by contract) used to hash every
milestone's Contract ID text again. Normalize already read the Milestones tab's
Contract IDs as distinct texts and a code per row (``column_texts``), so only those
distinct texts are looked up here, and each row takes its text's answer; the rows
derivation added after the tab's own (auto rows, approval steps) have their own
texts looked up: they are fewer, and hold the contracts' own ID texts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..normalize.columns import Table, column_texts
from ..values import lookup

CONTRACT_AT = "contract_at"  # the milestones frame's column: a position in the contracts frame
_CHECKED = 64  # rows compared with normalize's codes before they are trusted


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
    codes, distinct = pd.factorize(contracts["id"].to_numpy(dtype=object))
    first = np.full(len(distinct) + 1, -1, dtype=np.int64)  # the last slot: what -1 reads
    held = np.flatnonzero(codes >= 0)[::-1]
    first[codes[held]] = held  # from the last row up: the first row's position stays
    keys = pd.Index(distinct, dtype=object)
    named = milestones["contract_id"].to_numpy(dtype=object)
    texts = column_texts(table, "Contract ID") if "Contract ID" in table.raw else None
    if texts is None or not _same_rows(texts.values, texts.codes, named):
        return first[lookup(keys, named)]
    own = len(texts.codes)
    at = np.empty(len(named), dtype=np.int64)
    at[:own] = first[lookup(keys, texts.values)][texts.codes]
    at[own:] = first[lookup(keys, named[own:])]
    return at


def _same_rows(values: np.ndarray, codes: np.ndarray, named: np.ndarray) -> bool:
    """Whether the frame's first rows are the tab's rows, judged by a few spread among them."""
    if len(codes) > len(named):
        return False
    sample = np.linspace(0, len(codes) - 1, num=min(len(codes), _CHECKED), dtype=np.int64)
    return bool(np.asarray(values[codes[sample]] == named[sample], dtype=np.bool_).all())
