"""The readers of single cells (``sheetsync.cells``), cell by cell, without a whole run."""

from __future__ import annotations

import numpy as np
import pytest

from sheetsync.cells.addresses import Address, allowed_split, parse_addresses
from sheetsync.cells.dates import EARLIEST, EPOCH, LATEST, parse_date, parse_date_values
from sheetsync.cells.money import parse_money
from sheetsync.cells.numbers import parse_int_list, parse_yes_no, whole_count, whole_number
from sheetsync.cells.text import cell_text, plain
from sheetsync.model import Moving


@pytest.mark.parametrize(
    ("text", "group", "amount"),
    [
        ("$1,200,000", ",", 1_200_000.0),
        ("1.2M", ",", 1_200_000.0),
        ("€ 45.000,00", ".", 45_000.0),
        ("45 000 EUR", ",", 45_000.0),
        ("1.234 €", ".", 1234.0),
        ("12k", ",", 12_000.0),
    ],
)
def test_money_cells_read_as_amounts(text: str, group: str, amount: float) -> None:
    """A Value cell written the way people write money reads as the amount they meant."""
    assert parse_money(text, group) == amount


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("$1,234", 1234.0),
        ("1,234,567", 1_234_567.0),
        ("045000", 45_000.0),
        ("$0", 0.0),
        ("12,34", 12.34),  # a decimal comma, not a group of three
        ("1,2345", 1.2345),
        ("$1,234,56", 123_456.0),
        ("1,234.5", 1234.5),
    ],
)
def test_whole_amounts_and_their_near_misses_read_alike_in_every_locale(
    text: str, amount: float
) -> None:
    """A whole amount (commas only in groups of three, no dot) reads as its digits whatever
    the group separator; one a comma short of that shape reads as the longer way says."""
    for group in (",", ".", " "):
        assert parse_money(text, group) == amount


def test_text_that_is_no_amount_reads_as_none() -> None:
    """A Value cell holding words is no amount (the run then flags it)."""
    assert parse_money("about a million", ",") is None


def test_day_lists_read_largest_first_without_repeats() -> None:
    """``7, 30, 90 and 30`` reminds 90, 30 and 7 days ahead."""
    assert parse_int_list("7, 30; 90 and 30") == (90, 30, 7)
    assert parse_int_list("30 days") is None


def test_a_count_may_name_its_unit() -> None:
    """``30 days`` and ``12 months`` read as 30 and 12; a list or a number out of range does not."""
    assert whole_count("30 days", 0, 3650) == 30
    assert whole_count("12 months", 1, 120) == 12
    assert whole_count(14.0, 0, 3650) == 14
    assert whole_count("30, 60", 0, 3650) is None
    assert whole_number(400, 1, 365) is None


@pytest.mark.parametrize(
    ("cell", "done"),
    [(True, True), ("✓", True), ("Yes", True), (0, False), ("pending", False), ("maybe", None)],
)
def test_yes_no_cells(cell: object, done: bool | None) -> None:
    """Ticked boxes, ✓ and yes read as yes; pending as no; anything else as unreadable."""
    assert parse_yes_no(cell) is done


def test_cell_text_drops_a_whole_number_trailing_zero() -> None:
    """A number cell shown as text has no ``.0`` (the Problems column quotes it so)."""
    assert cell_text(30.0) == "30"
    assert cell_text(None) == ""
    assert cell_text(True) == "TRUE"
    assert type(plain(np.int64(3))) is int


def test_allowed_split_keeps_inside_addresses_and_says_which_went() -> None:
    """Outside addresses are dropped with one sentence naming them and the allowed domains."""
    good, _ = parse_addresses("ann@example.com; bob@sub.example.com; eve@gmail.com")
    inside, why = allowed_split(good, ("example.com",))
    assert [a.email for a in inside] == ["ann@example.com", "bob@sub.example.com"]
    assert why == "eve@gmail.com is outside the allowed domains (example.com)"


def test_allowed_split_without_domains_keeps_everyone() -> None:
    """With no Allowed domains set, nobody is dropped and nothing is said."""
    everyone = (Address("", "eve@gmail.com"), Address("Ann", "ann@example.com"))
    assert allowed_split(everyone, ()) == (everyone, "")


def test_allowed_split_ignores_the_case_of_a_domain() -> None:
    """An address typed in capitals into an email header is inside its domain all the same."""
    inside, why = allowed_split([Address("", "Ann@EXAMPLE.com")], ("example.com",))
    assert len(inside) == 1 and why == ""


def test_serial_numbers_read_together_as_each_reads_alone() -> None:
    """A column's distinct cells read as ``parse_date`` reads each: serial numbers (read
    together) at and either side of each limit, beside text, blanks and other cells."""
    first, last = (EARLIEST - EPOCH).days, (LATEST - EPOCH).days
    serials: list[object] = [first, first - 1, first - 0.25, last, last + 1, last + 0.99]
    serials += [1e6, -1e6, 1e6 - 0.5, 10**6, -(10**6), 10**400, -693594.5, 0.0, -0.0]
    serials += [float("nan"), float("inf"), 46000, 46000.75, np.float64(46001.5)]
    others = [None, "", True, "2027-03-31", "31/02/2027", "soon", Moving(46000.0), 46002]
    for cells in (serials + others, others + serials, serials, others[:3]):
        stamps, reasons = parse_date_values(cells, "en_US")
        alone = [parse_date(plain(c), "en_US") for c in cells]
        assert reasons == [reason for _, reason in alone]
        days = [None if d is None else np.datetime64(d, "ns") for d, _ in alone]
        assert stamps.dtype == np.dtype("datetime64[ns]")
        assert [None if np.isnat(s) else s for s in stamps] == days
