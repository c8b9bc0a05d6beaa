"""A first look at a whole column: which cells may hold anything, before any work per cell."""

from __future__ import annotations

import numpy as np

from ..values import addresses, object_runs


def filled(cells: np.ndarray) -> np.ndarray:
    """Positions of the cells that are not empty: not None, "", (), 0, False or NaN.

    A column such as Last Notified or the rows' noted keys is mostly empty, and telling
    its cells apart one by one is the dearest step of reading it; a truth test of every
    cell is a fraction of that. Every position is given when some cell cannot be tested
    (a cell whose truth is ambiguous, such as pandas' NA).

    A column of long runs of one object (the noted keys of a run with none: one shared
    ``()`` in every cell) is told so by its cells' addresses, without touching each
    object, and each run's object alone is tested.
    """
    runs = object_runs(cells) if cells.dtype == object else None
    if runs is None:
        return _filled(cells)
    held = np.zeros(len(runs.starts), dtype=bool)
    held[_filled(cells[runs.starts])] = True
    return np.flatnonzero(runs.spread(held))


def _filled(cells: np.ndarray) -> np.ndarray:
    """``filled``, each cell tested."""
    try:
        truthy = cells.astype(bool)
        # NaN is true but never equal to itself; every other cell is, checked only where true.
        at = np.flatnonzero(truthy)
        same = np.asarray(cells[at] == cells[at], dtype=bool)
    except (TypeError, ValueError):
        return np.arange(len(cells))
    return at[same]


_BLANK = ""  # CPython keeps one empty string: most blank cells are this very object


def not_blank(cells: np.ndarray) -> np.ndarray:
    """Per cell of an object array, whether it is not equal to "" (``cells != ""``).

    A column such as Problems is "" on almost every row, mostly the one empty string
    object: cells that are that object (told by address, without touching it) are
    blank, and only the others are compared.
    """
    held = addresses(cells)
    out = held != id(_BLANK)
    other = np.flatnonzero(out)
    out[other] = np.asarray(cells[other] != _BLANK, dtype=bool)
    return out
