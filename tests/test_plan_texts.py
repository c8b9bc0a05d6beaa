"""Contract IDs found among the contracts' by their hashes (``plan.texts.TextIndex``) and
Milestone IDs ordered as numpy orders their texts (``plan.texts.text_ranks``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sheetsync.plan.texts import TextIndex, text_ranks


def objects(*cells: object) -> np.ndarray:
    """The cells as a 1-D object array."""
    out = np.empty(len(cells), dtype=object)
    out[:] = list(cells)
    return out


def test_text_index_finds_what_the_index_finds() -> None:
    """Known IDs are found at their key, unknown, blank and non-text cells nowhere."""
    keys = pd.Index(["C-001", "C-002", "C-003"], dtype=object)
    values = objects("C-003", "C-404", None, float("nan"), "C-001", 3, "", "C-001")
    assert TextIndex(keys).find(values).tolist() == [2, -1, -1, -1, 0, -1, -1, 0]
    assert TextIndex(keys).find(values).tolist() == keys.get_indexer(values).tolist()


def test_text_index_with_a_blank_key_finds_no_blank_value() -> None:
    """A Contracts row without an ID is no row's contract; other IDs are still found."""
    keys = pd.Index(["C-001", None], dtype=object)
    assert TextIndex(keys).find(objects(None, "C-001", float("nan"))).tolist() == [-1, 0, -1]


def test_text_index_checks_the_text_behind_a_hash() -> None:
    """A value whose hash is a key's but whose text is another is found nowhere."""

    class Twin(str):
        def __hash__(self) -> int:
            return hash("C-001")

    keys = pd.Index(["C-001", "C-002"], dtype=object)
    assert TextIndex(keys).find(objects(Twin("C-999"), Twin("C-001"))).tolist() == [-1, 0]


def test_text_ranks_sort_as_numpy_sorts_the_texts() -> None:
    """IDs in and out of row order rank as a stable sort of their texts; equal IDs in row order."""
    ids = objects("M-2", "M-10", "M-1", "C-5/renewal", "M-2", "M-1")
    expected = np.argsort(ids.astype(str), kind="stable")
    assert np.argsort(text_ranks(ids)).tolist() == expected.tolist()
    assert text_ranks(ids).tolist() == [4, 3, 1, 0, 5, 2]


def test_text_ranks_of_cells_that_are_not_plain_text() -> None:
    """Blank, numeric and NUL-holding cells rank as their numpy texts do (NUL-ended equals)."""
    for ids in (
        objects("M-2", None, "M-1", 7, float("nan")),
        objects("M-1\x00", "M-1", "M-0\x00x", "M-0"),
    ):
        expected = np.argsort(ids.astype(str), kind="stable")
        assert np.argsort(text_ranks(ids)).tolist() == expected.tolist()
    assert text_ranks(objects()).tolist() == []
