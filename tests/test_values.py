"""Columns as distinct values and codes: the helpers the pure steps share."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sheetsync.values import (
    Coded,
    addresses,
    all_different_texts,
    coded_among,
    factorize_objects,
    filled,
    first_rows,
    lookup,
    object_array,
    same_objects,
    text_positions,
)


def test_filled_holds_the_one_object_on_every_row() -> None:
    """The very object in every cell; a tuple is one cell, not a row of cells."""
    for value in ("", None, np.nan, ()):
        cells = filled(5, value)
        assert cells.dtype == object and cells.shape == (5,)
        assert all(cell is value for cell in cells)
    assert filled(0, "").shape == (0,)


def test_lookup_finds_each_value_and_a_blank_nowhere() -> None:
    """Each value's place in the index; a blank (None, NaN) is not found, even beside a NaN."""
    index = pd.Index(["C-1", np.nan, "C-2"], dtype=object)
    values = np.asarray(["C-2", None, np.nan, "C-9", "C-1", "C-2"], dtype=object)
    assert lookup(index, values).tolist() == [2, -1, -1, -1, 0, 2]
    assert lookup(index, np.asarray([], dtype=object)).tolist() == []


class _SharedHash(str):
    """A text whose hash every other such text shares."""

    def __hash__(self) -> int:
        return 7


def test_texts_sharing_a_hash_are_still_told_apart() -> None:
    """Two different texts with one hash: ``Coded.of`` keeps them apart."""
    cells = np.asarray([_SharedHash(f"C-{i}") for i in range(3000)], dtype=object)
    coded = Coded.of(cells)
    assert coded.codes.tolist() == list(range(3000))


def test_texts_trim_text_and_write_other_cells_as_typed() -> None:
    """Text only: each trimmed; beside numbers, booleans and blanks: each as ``cell_text``."""
    only_text = Coded.of(np.asarray([" a ", "b", "\tc", "b"], dtype=object)).texts()
    assert only_text.array().tolist() == ["a", "b", "c", "b"]
    mixed = np.asarray([" a ", 17.0, True, None, np.nan, "b "], dtype=object)
    assert Coded.of(mixed).texts().array().tolist() == ["a", "17", "TRUE", "", "", "b"]


def test_texts_of_a_column_coded_among_trimmed_texts_read_only_the_others() -> None:
    """Coded with trimmed keys first, its texts told the keys are trimmed are the texts
    read in full: the padded, numeric and blank cells after the keys each as ``cell_text``."""
    keys = np.asarray(["C-1", "C-2"], dtype=object)
    cells = np.asarray(["C-2", " C-1 ", 7.0, None, np.nan, "C-1", " x"] * 500, dtype=object)
    coded = coded_among(cells, keys)
    assert coded is not None
    told = coded.texts(trimmed=len(keys))
    assert told.array().tolist() == coded.texts().array().tolist()
    assert told.array().tolist()[:7] == ["C-2", "C-1", "7", "", "", "C-1", "x"]


def test_text_positions_find_texts_as_the_index_does() -> None:
    """Each text's place among the keys, -1 where absent; equal texts as separate objects."""
    keys = np.asarray([f"C-{i}" for i in range(50)], dtype=object)
    values = np.asarray([f"C-{i}" for i in (3, 70, 0, 49, 3)] + ["", "c-3"], dtype=object)
    want = pd.Index(keys).get_indexer(values)
    found = text_positions(keys, values)
    assert found is not None and found.tolist() == want.tolist() == [3, -1, 0, 49, 3, -1, -1]


def test_text_positions_leave_blanks_and_shared_hashes_to_the_index() -> None:
    """A blank or a number among the values, or keys sharing a hash: None; a text with a key's
    hash but not its text is found nowhere."""
    keys = np.asarray(["C-1", "C-2"], dtype=object)
    for odd in (None, np.nan, 1.0):
        assert text_positions(keys, np.asarray(["C-1", odd], dtype=object)) is None
    shared = np.asarray([_SharedHash("C-1"), _SharedHash("C-2")], dtype=object)
    assert text_positions(shared, np.asarray(["C-1"], dtype=object)) is None
    one = np.asarray(["C-1", _SharedHash("C-2")], dtype=object)
    values = np.asarray([_SharedHash("C-3"), _SharedHash("C-2"), "C-1"], dtype=object)
    found = text_positions(one, values)
    assert found is not None and found.tolist() == [-1, 1, 0]


def test_lookup_by_hash_agrees_with_the_index() -> None:
    """Enough text values to be found by hash: the same places as the index gives."""
    index = pd.Index([f"C-{i}" for i in range(500)], dtype=object)
    values = np.asarray([f"C-{(i * 7) % 900}" for i in range(3000)], dtype=object)
    assert lookup(index, values).tolist() == index.get_indexer(values).tolist()
    long_index = pd.Index([f"C-{i}" for i in range(3000)], dtype=object)
    few = np.asarray(["C-2999", "C-1", "C-3000", "", None], dtype=object)  # a few of a long index
    assert lookup(long_index, few).tolist() == [2999, 1, -1, -1, -1]


def test_first_rows_of_codes_in_order_of_first_appearance() -> None:
    """Each code's first row, as ``pd.factorize`` numbers codes; none for no rows."""
    codes, _ = pd.factorize(np.array(["b", "a", "b", "c", "a", "c", "d"], dtype=object))
    assert first_rows(codes).tolist() == [0, 1, 3, 6]
    assert first_rows(np.zeros(0, dtype=np.intp)).tolist() == []


def test_first_rows_of_a_count_of_codes_read_as_far_as_the_last_first() -> None:
    """Told how many codes, the same first rows, however late the last code first appears."""
    for late in (5, 1500, 9000, 19999):
        codes = np.arange(20000) % 3
        codes[late] = 3  # code 3 first appears on row ``late``
        assert first_rows(codes, 4).tolist() == first_rows(codes).tolist() == [0, 1, 2, late]


def test_a_column_of_different_texts_is_its_own_distinct_values() -> None:
    """IDs that never repeat: every row its own code, the cells themselves the values."""
    cells = np.asarray([f"M-{i:05d}" for i in range(3000)], dtype=object)
    assert all_different_texts(cells)
    coded = Coded.of(cells)
    assert coded.codes.tolist() == list(range(3000)) and coded.values is cells
    assert coded.texts().array().tolist() == cells.tolist()


def test_a_repeat_a_blank_or_a_number_is_not_all_different_texts() -> None:
    """One repeated ID (a separate string object), a blank or a number: factorized as before."""
    for odd in ("M-00007", None, 7.0):
        cells = np.asarray([f"M-{i:05d}" for i in range(3000)], dtype=object)
        cells[2990] = odd if odd is None or isinstance(odd, float) else "".join(["M-", "00007"])
        assert not all_different_texts(cells)
        coded = Coded.of(cells)
        assert coded.array().tolist() == cells.tolist()
        assert len(coded.values) == (2999 if odd == "M-00007" else 3000)
    shared = np.asarray([_SharedHash(f"C-{i}") for i in range(3000)], dtype=object)
    assert not all_different_texts(shared)


def test_texts_are_known_text_and_raw_cells_only_when_told_so() -> None:
    """Different texts are known text when read; any column's texts are; factorized raw
    cells are not known to be (a blank may be among them)."""
    ids = np.asarray([f"M-{i:05d}" for i in range(3000)], dtype=object)
    assert Coded.of(ids).text and Coded.of(ids).texts().text
    mixed = Coded.of(np.asarray([" a ", 17.0, None, "a"], dtype=object))
    assert not mixed.text
    texts = mixed.texts()
    assert texts.text and texts.array().tolist() == ["a", "17", "", "a"]


def test_addresses_tell_objects_apart_not_values() -> None:
    """One object on two rows reads one integer; an equal text that is another object another."""
    shared, other = "Pay invoice", "".join(["Pay ", "invoice"])
    cells = np.asarray([shared, None, shared, other, None], dtype=object)
    where = addresses(cells)
    assert where[0] == where[2] and where[1] == where[4]
    assert len({where[0], where[1], where[3]}) == 3
    block = np.asarray([[shared, 1], [other, 2], [shared, 3]], dtype=object)
    column = addresses(block[:, 0])  # a column of a block of rows: every other cell
    assert column[0] == column[2] != column[1]


def test_a_column_of_a_few_shared_objects_codes_as_one_of_separate_objects() -> None:
    """Cells repeating a few objects (blanks, NaN, numbers, equal texts as two objects) get
    the codes and values of the same cells each its own object."""
    nan, pool = float("nan"), ["Audit", None, "".join(["Au", "dit"]), 1, 1.0, True, " Audit"]
    pool += [float("nan"), nan, "", 7.5]
    cells = np.asarray([pool[(i * 7) % len(pool)] for i in range(5000)], dtype=object)
    cells[4000:4003] = [nan, "late", None]
    separate = np.asarray(
        [
            c if c is None else "".join(["", c]) if isinstance(c, str) else type(c)(str(c))
            for c in cells
        ],
        dtype=object,
    )
    assert len({id(c) for c in cells[:1024]}) < 20
    assert len({id(c) for c in separate[:1024]}) > 600  # mostly separate: factorized by value
    shared, alone = Coded.of(cells), Coded.of(separate)
    assert shared.codes.tolist() == alone.codes.tolist()
    assert shared.values.tolist()[:-1] == alone.values.tolist()[:-1]  # NaN slot: None
    assert shared.nan == alone.nan >= 0
    assert shared.array().tolist()[4000:4003] == [None, "late", None]


def test_rising_ids_are_all_different_and_a_repeat_beside_its_twin_is_not() -> None:
    """IDs in order are known different; one written twice in a row is not; IDs a person
    sorted the other way are still known different (by hash)."""
    ids = [f"M-{i:05d}" for i in range(3000)]
    assert all_different_texts(np.asarray(ids, dtype=object))
    twice = np.asarray([*ids[:8], "".join(["M-", "00007"]), *ids[8:]], dtype=object)
    assert not all_different_texts(twice)
    assert len(Coded.of(twice).values) == 3000
    assert all_different_texts(np.asarray(ids[::-1], dtype=object))


def test_rising_texts_are_blank_only_where_a_text_is_blank() -> None:
    """Rising IDs whose first is "" (the least text): that row alone equals "", as compared
    row by row; a first ID of spaces is "" only once trimmed (no longer its cell): the same.
    A last ID of an ideographic space (sorting after every ID) is "" once trimmed."""
    ids = np.asarray(["", *(f"M-{i:05d}" for i in range(3000))], dtype=object)
    coded = Coded.of(ids)
    assert coded.rising and coded.texts().rising
    expected = [True] + [False] * 3000
    assert coded.equals("").tolist() == coded.texts().equals("").tolist() == expected
    assert Coded.of(ids[1:]).texts().equals("").tolist() == [False] * 3000
    spaces = ids.copy()
    spaces[0] = "  "
    texts = Coded.of(spaces).texts()
    assert Coded.of(spaces).rising and not texts.rising
    assert texts.equals("").tolist() == expected
    assert coded.equals("M-02999").tolist() == [False] * 3000 + [True]
    last = ids.copy()
    last[0], last[-1] = "M", "\u3000"
    assert Coded.of(last).rising
    assert Coded.of(last).texts().equals("").tolist() == [False] * 3000 + [True]


def _same_groups(a: Coded, b: Coded) -> bool:
    """Whether two codings put the same rows together (codes may be numbered otherwise)."""
    pairs = set(zip(a.codes.tolist(), b.codes.tolist(), strict=True))
    return len(pairs) == len(set(a.codes.tolist())) == len(set(b.codes.tolist()))


def test_cells_among_keys_take_their_keys_place_and_the_rest_come_after() -> None:
    """A cell equal to a key (another object) codes as that key; padded text, a number, a
    blank, NaN and unknown IDs are coded after the keys; rows group as ``Coded.of`` does."""
    keys = np.asarray([f"C-{i}" for i in range(300)], dtype=object)
    odd = [" C-1", 1.0, None, float("nan"), "", "C-999", "c-1"]
    cells = np.asarray(
        ["".join(["C-", str(i % 300)]) if i % 9 else odd[i % 7] for i in range(4000)],
        dtype=object,
    )
    coded = coded_among(cells, keys)
    assert coded is not None
    among = coded.codes < len(keys)
    assert among.tolist() == [isinstance(c, str) and c in set(keys) for c in cells]
    assert (keys[coded.codes[among]] == cells[among]).all()
    assert coded.array().tolist()[:20] == [None if c != c else c for c in cells[:20]]
    assert coded.nan >= len(keys) and coded.values[coded.nan] is None
    assert _same_groups(coded, Coded.of(cells))


def test_keys_sharing_a_hash_a_cell_without_one_or_a_short_column_are_not_coded_among() -> None:
    """Keys told apart only by text, an unhashable cell or a short column: None (coded as ever)."""
    cells = np.asarray([f"C-{i % 50}" for i in range(3000)], dtype=object)
    shared = np.asarray([_SharedHash(f"C-{i}") for i in range(50)], dtype=object)
    assert coded_among(cells, shared) is None
    keys = np.asarray([f"C-{i}" for i in range(50)], dtype=object)
    unhashable = cells.copy()
    unhashable[7] = ["C-7"]
    assert coded_among(unhashable, keys) is None
    assert coded_among(cells[:100], keys) is None
    assert coded_among(cells, keys) is not None


def test_same_objects_is_the_very_objects_not_equal_values() -> None:
    """The same objects place by place: True; an equal text that is another object, or
    another length: False."""
    texts = np.asarray([f"M-{i}" for i in range(5)], dtype=object)
    assert same_objects(texts, texts.copy())
    other = texts.copy()
    other[3] = "".join(["M-", "3"])
    assert other[3] == texts[3] and not same_objects(texts, other)
    assert not same_objects(texts, texts[:4])


def test_rising_numbers_or_dates_are_not_all_different_texts() -> None:
    """Cells that only go up but are numbers, or texts until a number: not known text."""
    assert not all_different_texts(np.arange(3000, dtype=float).astype(object))
    ids = np.asarray([*(f"M-{i:05d}" for i in range(2999)), 99999.0], dtype=object)
    assert not all_different_texts(ids)
    assert Coded.of(ids).array().tolist() == ids.tolist()


def test_factorize_objects_codes_equal_tuples_alike_whether_shared_or_not() -> None:
    """Owner tuples: one object on many rows, an equal tuple that is another object, an empty
    tuple and a blank; one code per value, numbered by first row, blanks -1, past 1024 rows."""
    jane, bob = ("jane@example.com",), ("bob@example.com", "ann@example.com")
    cells = [jane, bob, (), None, tuple(["jane@example.com"])] * 600
    cells[2900] = ("late@example.com",)
    codes, distinct = factorize_objects(object_array(cells))
    assert distinct == [jane, bob, (), ("late@example.com",)]
    want = {jane: 0, bob: 1, (): 2, ("late@example.com",): 3}
    assert codes.tolist() == [-1 if c is None else want[c] for c in cells]
    block = np.zeros((len(cells), 2), dtype=object)
    block[:, 0] = object_array(cells)
    assert factorize_objects(block[:, 0])[0].tolist() == codes.tolist()  # a column of a block
    empty, none = factorize_objects(np.asarray([], dtype=object))
    assert (empty.tolist(), none) == ([], [])


def test_an_object_array_holds_each_item_whole() -> None:
    """Tuples, lists, arrays and blanks each become one cell, in order, none looked into."""
    items = [(1, 2), (), [3], np.asarray([4, 5]), None, "x"]
    cells = object_array(items)
    assert cells.shape == (6,) and cells.dtype == object
    assert all(cell is item for cell, item in zip(cells.tolist(), items, strict=True))
    assert object_array([]).shape == (0,)


def test_a_column_of_one_value_is_that_very_value_on_every_row() -> None:
    """One distinct value (a text, an owners tuple, a blank) is that object on every row;
    a column with one other row reads that row's own value there."""
    owners = (("Jane", "jane@example.com"),)
    for value in ("manual", owners, None, ""):
        column = Coded(np.zeros(5000, dtype=np.intp), object_array([value])).array()
        assert len(column) == 5000 and all(cell is value for cell in column.tolist())
    codes = np.zeros(5000, dtype=np.intp)
    codes[4321] = 1
    column = Coded(codes, object_array(["manual", owners])).array()
    assert column[4321] is owners and column[4320] == column[4322] == "manual"
    assert Coded(np.zeros(0, dtype=np.intp), object_array(["x"])).array().tolist() == []


def test_a_column_of_two_shared_objects_codes_every_row_even_an_odd_one_deep_down() -> None:
    """A column left blank, or blank and ticked with one shared text, is coded by comparing
    its few objects; a row deep below the first holding another object (an equal text
    that is another object, another text, a number, NaN) still reads its own value."""
    ticked = "yes"
    blank = filled(5000, None)
    coded = Coded.of(blank)
    assert coded.codes.tolist() == [0] * 5000 and coded.values.tolist() == [None]
    for odd in ("".join(["y", "es"]), "no", 7, float("nan")):
        cells = filled(5000, None)
        cells[3::7] = ticked
        cells[4321] = odd
        coded = Coded.of(cells)
        expected = [None if c != c else c for c in cells.tolist()]  # NaN reads None
        assert coded.array().tolist() == expected
        separate = object_array([c if c is None else copy_of(c) for c in cells.tolist()])
        alone = Coded.of(separate)  # each cell its own object: factorized by value
        assert coded.codes.tolist() == alone.codes.tolist() and coded.nan == alone.nan
        assert len(coded.values) == len(alone.values)


def copy_of(cell: object) -> object:
    """An equal cell that is another object (NaN: another NaN)."""
    return "".join(["", cell]) if isinstance(cell, str) else type(cell)(str(cell))
