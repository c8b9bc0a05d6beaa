"""Text columns the plan looks up and sorts by: Contract IDs found, Milestone IDs ordered.

Both are read for a few hundred thousand rows of a large tracker; each text is a
string object of its own, so what costs is touching each one, and these touch each
as few times as they can while giving the answers pandas and numpy would.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..values import lookup


class TextIndex:
    """Distinct keys (Contract IDs) to find values among, asked many times.

    Python keeps each string's hash, so a value is found by its hash among the keys'
    (a table of plain integers, made once here) and then checked against the key found:
    the answer of ``keys.get_indexer(values)`` at about half its cost per value. Keys
    that are not all text, or two keys sharing a hash, are asked the index's way.
    """

    def __init__(self, keys: pd.Index) -> None:
        self._index = keys
        self._keys = keys.to_numpy()
        self._hashes: pd.Index | None = None
        texts = keys.dtype == object and pd.api.types.infer_dtype(self._keys, skipna=False)
        if texts == "string":
            count = len(self._keys)
            hashes = pd.Index(np.fromiter(map(hash, self._keys), dtype=np.int64, count=count))
            self._hashes = hashes if hashes.is_unique else None

    def find(self, values: np.ndarray) -> np.ndarray:
        """Where each of ``values`` is among the keys (-1: nowhere; a blank value: nowhere)."""
        if self._hashes is None:
            # A blank ID is found nowhere; only an index holding a blank could find it.
            ask = lookup if self._index.hasnans else pd.Index.get_indexer
            return np.asarray(ask(self._index, values), dtype=np.intp)
        hashes = np.fromiter(map(hash, values), dtype=np.int64, count=len(values))
        at = np.asarray(self._hashes.get_indexer(hashes), dtype=np.intp)
        found = np.flatnonzero(at >= 0)
        same = np.asarray(self._keys[at[found]] == values[found], dtype=np.bool_)
        at[found[~same]] = -1  # a key's hash, another value: equal texts have equal hashes
        return at


def text_ranks(cells: np.ndarray) -> np.ndarray:
    """Each cell's place when the cells are sorted as ``cells.astype(str)`` sorts them,
    equal cells in the order they come (a stable sort).

    Text cells without a NUL character sort the same as Python strings as numpy's
    fixed-width texts do, so they are sorted as they are: a stable sort of objects is
    quick over runs already in order (IDs mostly follow the rows), and no slower than
    converting every cell first otherwise. Other cells are converted.
    """
    try:
        plain = "\x00" not in "".join(cells.tolist())
    except TypeError:  # a cell that is not text
        plain = False
    order = np.argsort(cells if plain else cells.astype(str), kind="stable")
    rank = np.empty(len(cells), dtype=np.int64)
    rank[order] = np.arange(len(cells))
    return rank
