"""Bodies sent to the Sheets API: compact UTF-8 JSON; what JSON cannot hold is refused."""

from __future__ import annotations

import json

import pytest

from sheetsync.backends.gsheets.api import compact_json, json_answer, json_bytes
from sheetsync.errors import BackendError

BODY = {
    "valueInputOption": "RAW",
    "data": [
        {"range": "'Milestones'!J2:J4", "values": [["Überfällig ✓"], [46000.5], [True]]},
        {"range": "'Log'!A1", "values": [['line\u2028separator "quoted" \\ back'], [None]]},
    ],
}


def test_a_body_is_compact_utf8_json_that_reads_back_the_same() -> None:
    sent = json_bytes(BODY)
    assert json.loads(sent.decode("utf-8")) == BODY
    assert b", " not in sent and b": " not in sent  # compact
    assert "Überfällig ✓".encode() in sent  # text as UTF-8, not \\u escapes


def test_a_bodys_size_is_counted_in_characters_of_the_same_text() -> None:
    assert compact_json(BODY) == json_bytes(BODY).decode("utf-8")


def test_a_value_json_cannot_hold_is_refused_in_words() -> None:
    with pytest.raises(BackendError, match="could not be sent to the Google Sheets API"):
        json_bytes({"values": [[2**70]]})


def test_nan_and_infinity_go_as_null() -> None:
    assert json_bytes([float("nan"), float("inf")]) == b"[null,null]"


def test_an_answer_reads_as_the_standard_library_reads_it() -> None:
    """Answers are read with orjson; what it refuses (NaN, a lone surrogate) the standard
    library reads, and what neither reads is a ValueError."""
    answers = [
        json_bytes(BODY),
        rb'{"values": [["\u00dcberf\u00e4llig", "\u00dc", 46000.5, 1e+21, -0.0, 0.1]]}',
        b'{"values": [[NaN, Infinity, -Infinity]]}',
        rb'{"values": [["\\ud800 is text", "\ud800"]]}',  # the second: a lone surrogate
        b"[]",
    ]
    for content in answers:
        read, expected = json_answer(content), json.loads(content)
        assert json.dumps(read) == json.dumps(expected)  # NaN as NaN, -0.0 as -0.0
    for bad in (b"", b"<html>502</html>", b'{"values": '):
        with pytest.raises(ValueError):
            json_answer(bad)


def test_a_number_beyond_64_bits_reads_as_the_double_the_sheet_holds() -> None:
    """A sheet's numbers are doubles; Google may write a big one without an exponent
    (2**70 as 1180591620717411303424): it reads as that double, which a write can send."""
    read = json_answer(b'{"values": [[1180591620717411303424, 18446744073709551615]]}')
    assert read["values"][0] == [float(2**70), 2**64 - 1]
    assert type(read["values"][0][0]) is float
    assert json_bytes(read) == b'{"values":[[1.1805916207174113e+21,18446744073709551615]]}'
