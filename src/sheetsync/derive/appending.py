"""New rows after a frame's own rows, one column at a time (the auto rows and approval steps).

``pd.concat`` of the milestones frame and a frame of the new rows copied every column
twice over: once into the new rows' frame, then all of them again into blocks of the
joined frame. Here each column is joined once into the array the result holds, and the
result is made of those arrays as they are (no block merged). The result is the one
``pd.concat([frame, new], ignore_index=True)`` gives, ``new`` being the new rows as a
frame with object columns where ``frame`` has them: anything the quick path does not
know (a column only the new rows have, an empty frame) is joined by ``pd.concat``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..values import filled


def appended(frame: pd.DataFrame, columns: dict[str, Any]) -> pd.DataFrame:
    """``frame`` with the new rows (``columns``, one sequence each, equally long) after its own.

    A column the frame holds as plain objects takes the new cells as objects too, so
    no text column is made for them only to be turned back into objects; a column the
    new rows lack is blank (NaN, NaT) in them, as ``pd.concat`` leaves it.
    """
    if not len(frame) or not columns or any(name not in frame for name in columns):
        return _concatenated(frame, columns)
    count = len(frame) + len(next(iter(columns.values())))
    index = pd.RangeIndex(count)
    joined = {name: _joined(frame[name], columns.get(name), index) for name in frame.columns}
    return pd.DataFrame(joined, index=index, copy=False)


def _joined(old: pd.Series, new: Any, index: pd.RangeIndex) -> pd.Series:
    """One column: ``old``'s cells, then ``new``'s (None: blank, as ``pd.concat`` fills)."""
    if new is None:
        if old.dtype == object:  # the cells pd.concat gives: NaN objects
            cells = filled(len(index), np.nan)
            cells[: len(old)] = old.to_numpy(dtype=object)
            return pd.Series(cells, index=index, dtype=object, copy=False)
        if isinstance(old.dtype, np.dtype) and old.dtype.kind == "M":  # dates: NaT, same unit
            cells = np.full(len(index), np.datetime64("NaT"), dtype=old.dtype)
            cells[: len(old)] = old.to_numpy()
            return pd.Series(cells, index=index, copy=False)
        return old.reset_index(drop=True).reindex(index)  # a column widened for NaN
    if old.dtype == object:
        cells = np.concatenate([old.to_numpy(dtype=object), _objects(new)])
        return pd.Series(cells, index=index, dtype=object, copy=False)
    if isinstance(old.dtype, np.dtype) and old.dtype.kind in "bi" and _same_numbers(old, new):
        cells = np.concatenate([old.to_numpy(), new])
        return pd.Series(cells, index=index, copy=False)
    joined = pd.concat([old, pd.Series(new)], ignore_index=True)  # dates, text: pandas' own rules
    return joined.set_axis(index)


def _same_numbers(old: pd.Series, new: Any) -> bool:
    """Whether ``new`` is an array of the very dtype ``old`` holds (bool, int64)."""
    return isinstance(new, np.ndarray) and new.ndim == 1 and new.dtype == old.dtype


def _objects(values: Sequence[Any] | np.ndarray) -> np.ndarray:
    """``values`` as a 1-D object array, even when they are tuples."""
    if isinstance(values, np.ndarray) and values.ndim == 1:
        return values.astype(object, copy=False)
    return pd.Series(list(values), dtype=object).to_numpy()


def _concatenated(frame: pd.DataFrame, columns: dict[str, Any]) -> pd.DataFrame:
    """The same rows by ``pd.concat``, for the frames the quick path does not handle."""
    held = {name for name in columns if name in frame and frame[name].dtype == object}
    new = pd.DataFrame(
        {
            name: pd.Series(values, dtype=object) if name in held else values
            for name, values in columns.items()
        }
    )
    return pd.concat([frame, new], ignore_index=True)
