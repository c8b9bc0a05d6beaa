"""The plan's column helpers: which cells hold anything (``plan.cells.filled``), dates
from datetimes (``stages.dates_of``), rows grouped by several columns (``stages._groups``),
pairs ordered by group then rank (``emails.by_group_then_rank``), each due date's
month in the summary chart (``summary._chart_month``) and each row's place by Milestone ID
(``Planning.id_ranks``)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from sheetsync.normalize.ledger import Ledger
from sheetsync.normalize.settings import Settings
from sheetsync.plan import PlanContext
from sheetsync.plan.cells import _filled, filled, not_blank
from sheetsync.plan.emails import by_group_then_rank
from sheetsync.plan.stages import Planning, _groups, dates_of
from sheetsync.plan.summary import _chart_month
from sheetsync.plan.texts import text_ranks


def objects(*cells: object) -> np.ndarray:
    """The cells as a 1-D object array, tuples kept whole."""
    out = np.empty(len(cells), dtype=object)
    out[:] = list(cells)
    return out


def test_filled_finds_the_cells_that_hold_something() -> None:
    """None, "", (), 0, False, NaN and NaT hold nothing; text and keys do."""
    cells = objects((), ("reminder:M-1:2027-03-08:7",), None, "sent", "", float("nan"), 0, pd.NaT)
    assert filled(cells).tolist() == [1, 3]
    assert filled(objects()).tolist() == []


def test_filled_gives_every_cell_when_one_cannot_be_tested() -> None:
    """A cell whose truth is ambiguous (pandas' NA) makes every cell a candidate."""
    assert filled(objects(pd.NA, "", "x")).tolist() == [0, 1, 2]


@pytest.mark.parametrize("one", [(), None, "", ("reminder:M-1:2027-03-08:7",), pd.NA])
def test_filled_reads_a_column_of_one_object_as_each_cell(one: object) -> None:
    """A column of one shared object gives what its cells tested one by one give; one
    other object deep in it (a key, a blank, pandas' NA) is read as itself."""
    cells = filled_cells(one, 5000)
    assert filled(cells).tolist() == _filled(cells).tolist()
    for odd in (("reminder:M-9:2027-03-08:7",), None, pd.NA):
        cells[4321] = odd
        assert filled(cells).tolist() == _filled(cells).tolist()
    assert filled(filled_cells(one, 1)).tolist() == _filled(filled_cells(one, 1)).tolist()


def test_not_blank_compares_every_cell_that_is_not_the_one_empty_string() -> None:
    """Cells are told from "" as ``!=`` tells them: the empty string object, an equal
    text that is another object (numpy's), a problem's text, None, NaN, a number and a
    tuple, deep in a column of blanks."""
    cells = filled_cells("", 5000)
    assert not not_blank(cells).any()
    odd = [np.str_(""), "Due Date: not a date", None, float("nan"), 0, ("a",)]
    for place, cell in zip(range(4000, 4006), odd, strict=True):
        cells[place] = cell
    assert not_blank(cells).tolist() == (cells != "").tolist()
    assert np.flatnonzero(not_blank(cells)).tolist() == list(range(4001, 4006))
    assert not_blank(objects()).tolist() == []


def filled_cells(one: object, count: int) -> np.ndarray:
    """``count`` cells, each the very object ``one``."""
    cells = np.empty(count, dtype=object)
    cells.fill(one)
    return cells


def test_dates_of_turns_each_datetime_into_its_day() -> None:
    """Each datetime is its date; NaT is None; equal days give equal dates."""
    stamps = np.asarray(["2027-03-08", "NaT", "2026-12-01", "2027-03-08"], dtype="datetime64[ns]")
    expected = [dt.date(2027, 3, 8), None, dt.date(2026, 12, 1), dt.date(2027, 3, 8)]
    assert dates_of(stamps) == expected
    assert dates_of(stamps[:0]) == []


def test_groups_number_combinations_in_order_of_first_appearance() -> None:
    """Rows with the same values in every column share a code; blanks are a value."""
    kinds = objects("reminder", "overdue", "reminder", None, None, "reminder")
    stages = np.asarray([7, 1, 7, 7, 7, 7])
    days = np.asarray([7, -3, 7, 7, 7, -(2**40)])
    group, first = _groups([kinds, stages, days])
    assert group.tolist() == [0, 1, 0, 2, 2, 3]
    assert first.tolist() == [0, 1, 3, 5]


def test_groups_tell_texts_by_value_whichever_objects_hold_them() -> None:
    """A long column of one shared text: a copy of it (another object) deep down shares
    its group, another text or a blank is a group of its own, None and NaN one blank."""
    shared = "payment"
    cells = np.full(5000, shared, dtype=object)
    cells[4000] = "".join(["pay", "ment"])  # equal, not the same object
    cells[4001], cells[4002], cells[4003] = "review", None, float("nan")
    group, first = _groups([np.zeros(5000, dtype=np.int64), cells])
    assert cells[4000] is not shared and group[4000] == group[0]
    assert group[4001] not in (group[0], group[4002]) and group[4002] == group[4003]
    assert first.tolist() == [0, 4001, 4002]
    assert group.tolist() == pd.factorize(cells, use_na_sentinel=False)[0].tolist()


def test_groups_stay_exact_when_the_numbers_are_huge() -> None:
    """Columns whose ranges multiply past 64 bits are renumbered first, not overflowed."""
    wide = np.asarray([0, 2**61, 0, 2**61, 5], dtype=np.int64)
    group, first = _groups([wide, wide, -wide, objects("a", "a", "a", "b", "a")])
    assert group.tolist() == [0, 1, 0, 2, 3]
    assert first.tolist() == [0, 1, 3, 4]


def test_pairs_are_ordered_by_group_then_rank_ties_in_place() -> None:
    """The same order as ``np.lexsort((rank, group))``, ties kept as they came."""
    group = np.asarray([2, 0, 2, 1, 0, 2])
    rank = np.asarray([5, 9, 1, 0, 9, 3])
    assert by_group_then_rank(group, rank).tolist() == [1, 4, 3, 2, 5, 0]
    huge = np.asarray([2**62, 1, 2**62])
    assert by_group_then_rank(np.asarray([1, 1, 0]), huge).tolist() == [2, 1, 0]
    assert by_group_then_rank(group[:0], rank[:0]).tolist() == []


def test_chart_months_count_from_this_month() -> None:
    """0 this month … 5 five months on; before this month or undated -1; later 6."""
    due = np.asarray(
        [
            *("2026-11-30", "2026-12-01", "2026-12-31T23:00", "2027-05-31", "2027-06-01", "NaT"),
            *("1960-02-29T12:00", "2200-01-01", "2027-01-31T23:59:59", "2027-02-01"),
        ],
        dtype="datetime64[ns]",
    )
    months = [-1, 0, 0, 5, 6, -1, -1, 6, 1, 2]
    assert _chart_month(due, dt.date(2026, 12, 15)).tolist() == months
    assert _chart_month(due.astype("datetime64[s]"), dt.date(2026, 12, 1)).tolist() == months


def test_id_ranks_order_rows_in_row_order_as_the_ranks_of_all_rows_do() -> None:
    """Any rows taken in row order sort by their own ranks as by the ranks of all IDs,
    with doubled IDs, blanks, numbers and a NUL among them."""
    ids = objects("M-10", "M-2", None, "M-2", 7, "M-1\x00", "M-1", "", "M-10", "m-1")
    milestones = pd.DataFrame({"id": ids})
    context = PlanContext(Settings(), dt.date(2027, 3, 1))
    planning = Planning(milestones, pd.Series(dtype=object), Ledger(pd.DataFrame()), context, set())
    for rows in ([0, 1, 3, 6, 8, 9], [2, 4, 5, 6, 7], list(range(len(ids))), [1, 3], []):
        taken = np.asarray(rows, dtype=np.intp)
        every = np.argsort(text_ranks(ids)[taken], kind="stable")
        assert np.argsort(planning.id_ranks(taken), kind="stable").tolist() == every.tolist()
