"""Columns as distinct values and codes: the helpers the pure steps share."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sheetsync.values import lookup


def test_lookup_finds_each_value_and_a_blank_nowhere() -> None:
    """Each value's place in the index; a blank (None, NaN) is not found, even beside a NaN."""
    index = pd.Index(["C-1", np.nan, "C-2"], dtype=object)
    values = np.asarray(["C-2", None, np.nan, "C-9", "C-1", "C-2"], dtype=object)
    assert lookup(index, values).tolist() == [2, -1, -1, -1, 0, 2]
    assert lookup(index, np.asarray([], dtype=object)).tolist() == []
