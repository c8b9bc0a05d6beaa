"""A first look at a whole column: which cells may hold anything, before any work per cell."""

from __future__ import annotations

import numpy as np

from ..values import addresses


def filled(cells: np.ndarray) -> np.ndarray:
    """Positions of the cells that are not empty: not None, "", (), 0, False or NaN.

    A column such as Last Notified or the rows' noted keys is mostly empty, and telling
    its cells apart one by one is the dearest step of reading it; a truth test of every
    cell is a fraction of that. Every position is given when some cell cannot be tested
    (a cell whose truth is ambiguous, such as pandas' NA).

    A column holding one object in every cell (the noted keys of a run with none: one
    shared ``()``) is told so by its cells' addresses, without touching each object,
    and that object alone is tested.
    """
    if len(cells) > 1 and cells.dtype == object:
        at = addresses(cells)
        if bool((at == at[0]).all()):
            one = _filled(cells[:1])
            return np.arange(len(cells)) if len(one) else one
    return _filled(cells)


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
