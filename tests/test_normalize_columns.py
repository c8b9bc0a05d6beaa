"""One tab's columns (``normalize.columns``) alone: the Table a grid becomes, and the readers
every tab shares (dates, owners, duplicate IDs), each turning a bad cell into a Problem on
its own sheet row."""

from __future__ import annotations

import datetime as dt

import numpy as np

import builders
from sheetsync.model import Grid
from sheetsync.normalize.columns import (
    Flagger,
    Table,
    column_texts,
    duplicates,
    id_texts,
    read_dates,
    read_owners,
    text_series,
)
from sheetsync.normalize.headers import locate_columns
from sheetsync.schema import CONTRACT_COLUMNS, CONTRACTS

HEADER = ["Contract ID", "Contract", "Owner", "End Date", "Notes of mine"]


def contract(ident: object, **cells: object) -> list[object]:
    """A Contracts row of HEADER: ``ident`` and the named cells, blanks elsewhere."""
    return builders.row(HEADER, contract_id=ident, **cells)


def table(*rows: list[object]) -> Table:
    """The Contracts Table of HEADER and ``rows``."""
    grid: Grid = [HEADER, *rows]
    return Table.build(CONTRACTS, grid, CONTRACT_COLUMNS, locate_columns)


def messages(flags: Flagger) -> list[tuple[int, str, str]]:
    """Each Problem as (sheet row, column, sentence)."""
    return [(p.row, p.column, p.message) for p in flags.problems]


def test_blank_rows_are_dropped_and_rows_keep_their_sheet_numbers() -> None:
    """Rows of blanks, empty text or an unticked box go; the others keep their sheet row."""
    found = table(
        contract("C-1"),
        [None, "", None, None, None],
        [False, None, "", None],
        contract("C-2"),
    )
    assert found.rows == [2, 5]
    assert found.get("Contract ID").tolist() == ["C-1", "C-2"]


def test_a_short_row_reads_blank_past_its_end() -> None:
    """A row shorter than the header (a sheet trims trailing blanks) reads None there."""
    found = table(["C-1", "Lease"])
    assert found.get("Owner").tolist() == [None]
    assert found.get("Contract").tolist() == ["Lease"]


def test_rows_of_every_length_read_each_cell_as_typed() -> None:
    """Short rows read None past their end, long ones keep their known cells, and every
    cell is the very object the grid held: ints stay ints, floats floats, text text."""
    when = dt.datetime(2027, 1, 15, 9, 30)
    rows = [
        ["C-1", "Lease", "a@example.com", 46000, "mine", "past the header"],
        ["C-2", "NDA"],
        [3, 4.5, None, when, "mine"],
        [True, "Deal", "b@example.com", "2027-01-15", None],
        [],
        ["C-6", "Last", "c@example.com", 46001.5, "mine"],
    ]
    found = table(*rows)
    assert found.rows == [2, 3, 4, 5, 7]
    kept = [r for r in rows if r]
    for name, at in (("Contract ID", 0), ("Contract", 1), ("Owner", 2), ("End Date", 3)):
        cells = found.get(name).tolist()
        typed = [r[at] if at < len(r) else None for r in kept]
        assert cells == typed
        assert [type(c) for c in cells] == [type(c) for c in typed]
        assert all(c is t for c, t in zip(cells, typed, strict=True) if c is not None)


def test_one_short_or_one_long_row_among_thousands_reads_as_on_its_own() -> None:
    """Thousands of rows of one length and, deep among them, one short row (it reads None
    past its end) or one long row (it keeps its known cells, the rest stay in place)."""
    rows = [["C-1", "Lease", "a@example.com", 46000, "mine"] for _ in range(3000)]
    short = table(*rows[:2222], ["C-2", "NDA"], *rows[2223:])
    assert short.get("Owner").tolist()[2221:2224] == ["a@example.com", None, "a@example.com"]
    long = ["C-3", "Deal", "b@example.com", 46001, "mine", "past the header"]
    found = table(*rows[:2777], long, *rows[2778:])
    assert found.get("End Date").tolist()[2776:2779] == [46000, 46001, 46000]
    assert found.get("Contract").tolist()[2776:2779] == ["Lease", "Deal", "Lease"]


def test_a_column_the_tab_lacks_reads_blank_on_every_row() -> None:
    """Risk is not in the header: every row reads None, no error."""
    found = table(contract("C-1"), contract("C-2"))
    assert found.get("Risk").tolist() == [None, None]
    assert "Risk" not in found.index


def test_a_column_the_tab_lacks_is_one_blank_cell_on_every_row() -> None:
    """Risk is not in the header: its distinct cells are one blank, which every row holds."""
    found = table(contract("C-1"), contract("C-2"))
    risk = found.distinct("Risk")
    assert (risk.values.tolist(), risk.codes.tolist()) == ([None], [0, 0])
    assert column_texts(found, "Risk").series().tolist() == ["", ""]


def test_ids_are_known_distinct_only_when_no_two_texts_can_be_equal() -> None:
    """Untrimmed text, a number or a blank beside "" may share a text: then not known distinct."""
    assert id_texts(table(contract("C-1"), contract("C-2")), "Contract ID")[1]
    assert id_texts(table(contract("C-1"), contract(None, contract="x")), "Contract ID")[1]
    for other in (" C-1", 1.0):
        texts, distinct = id_texts(table(contract("C-1"), contract(other)), "Contract ID")
        assert not distinct and len(texts.values) == 2
    blank_and_empty = table(contract("", contract="y"), contract(None, contract="x"))
    assert not id_texts(blank_and_empty, "Contract ID")[1]
    assert id_texts(table(contract(" C-1"), contract("C-2")), "Contract ID")[1] is False


def test_a_persons_own_column_stays_in_the_header_and_is_not_read() -> None:
    """Notes of mine (column 5) is kept in the header for writing back, and no column reads it."""
    found = table(contract("C-1", notes_of_mine="call Bob"))
    assert found.header[4] == "Notes of mine"
    assert 4 not in found.index.values()
    assert "call Bob" not in [v for column in found.raw.values() for v in column]


def test_texts_are_trimmed_and_numbers_read_as_typed() -> None:
    """Cell text is trimmed; a whole number reads without ``.0``."""
    found = table(contract("  C-1 "), contract(17.0))
    assert column_texts(found, "Contract ID").series().tolist() == ["C-1", "17"]


def test_a_duplicate_id_is_flagged_on_every_row_that_has_it() -> None:
    """C-1 on rows 2 and 4: both rows get the sentence naming both; a blank ID is no duplicate."""
    found = table(contract("C-1"), contract(None, contract="x"), contract("C-1"), contract(None))
    flags = Flagger(found)
    dup = duplicates(column_texts(found, "Contract ID"), flags, "Contract ID", "give each its own")
    assert dup.tolist() == [True, False, True]
    sentence = "Contract ID C-1 is used on rows 2, 4; give each its own"
    assert messages(flags) == [(2, "Contract ID", sentence), (4, "Contract ID", sentence)]


def test_unreadable_dates_are_flagged_and_read_as_no_date() -> None:
    """A real date and ISO text read; "31/02/2027" is NaT with a Problem quoting the cell."""
    found = table(
        contract("C-1", end_date=dt.date(2027, 3, 31)),
        contract("C-2", end_date="2027-04-30"),
        contract("C-3", end_date="31/02/2027"),
    )
    flags = Flagger(found)
    dates = read_dates(found, "End Date", "en_US", flags)
    assert [str(d)[:10] for d in dates] == ["2027-03-31", "2027-04-30", "NaT"]
    assert [(row, column) for row, column, _ in messages(flags)] == [(4, "End Date")]
    assert messages(flags)[0][2].startswith('End Date: "31/02/2027"')


def test_owners_outside_the_allowed_domains_are_kept_out_and_said() -> None:
    """Of two owners one is outside example.com: the other is kept, the row says who was not."""
    found = table(
        contract("C-1", owner="Jane Doe <jane@example.com>; sam@gmail.com"),
        contract("C-2", owner=None),
    )
    flags = Flagger(found)
    owners, blank, _ = read_owners(found, "Owner", ("example.com",), flags)
    assert [[a.email for a in row] for row in owners.array()] == [["jane@example.com"], []]
    assert blank.tolist() == [False, True]
    assert messages(flags) == [
        (
            2,
            "Owner",
            "Owner: sam@gmail.com is outside the allowed domains (example.com); not emailed",
        )
    ]


def test_an_owner_that_is_not_an_address_says_why_in_words() -> None:
    """ "jane at example" is no address: the row's Problem quotes it and says what is wrong."""
    found = table(contract("C-1", owner="jane at example"))
    flags = Flagger(found)
    owners, _, _ = read_owners(found, "Owner", (), flags)
    assert owners.array()[0] == ()
    ((row, column, sentence),) = messages(flags)
    assert (row, column) == (2, "Owner")
    assert sentence.startswith('Owner: "jane at example" ') and "email address" in sentence


def test_a_flag_writes_one_sentence_per_flagged_row_only() -> None:
    """A mask over three rows flags the first and last, each on its own sheet row."""
    found = table(contract("C-1"), contract("C-2"), contract("C-3"))
    flags = Flagger(found)
    flags.flag(np.asarray([True, False, True]), "Contract", "Contract (the name) is blank")
    assert [(row, column) for row, column, _ in messages(flags)] == [
        (2, "Contract"),
        (4, "Contract"),
    ]


def test_a_text_column_is_the_raw_column_only_when_every_cell_is_its_own_text() -> None:
    """Untrimmed text, a number or a blank: the texts written out; otherwise the raw cells."""
    plain = table(contract("C-1"), contract("C-2"), contract("C-1"))
    texts = column_texts(plain, "Contract ID")
    assert text_series(plain, "Contract ID", texts) is plain.raw["Contract ID"]
    for other, text in ((" C-2", "C-2"), (2.0, "2"), (None, "")):
        found = table(contract("C-1"), contract(other, contract="x"))
        column = text_series(found, "Contract ID", column_texts(found, "Contract ID"))
        assert column is not found.raw["Contract ID"]
        assert column.tolist() == ["C-1", text]


def test_a_wide_tab_reads_its_few_known_columns_as_a_narrow_one() -> None:
    """Twenty columns of a person's own beside the known ones: each known column reads
    the same cells, the very objects, as on a tab without them."""
    extra = [f"Mine {i}" for i in range(20)]
    rows = [["C-1", "Lease", "a@example.com", 46000.0, "x"], ["C-2", "NDA"], ["C-3"]]
    narrow = table(*rows)
    wide = Table.build(
        CONTRACTS,
        [[*HEADER, *extra], *[[*r, *([None] * (25 - len(r)))] for r in rows]],
        CONTRACT_COLUMNS,
        locate_columns,
    )
    for name in ("Contract ID", "Contract", "Owner", "End Date"):
        cells = wide.get(name).tolist()
        assert cells == narrow.get(name).tolist()
        assert all(a is b for a, b in zip(cells, narrow.get(name), strict=True))
    assert wide.rows == narrow.rows == [2, 3, 4]
