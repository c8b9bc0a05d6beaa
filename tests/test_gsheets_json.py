"""Bodies sent to the Sheets API: compact UTF-8 JSON; what JSON cannot hold is refused."""

from __future__ import annotations

import json

import pytest

from sheetsync.backends.gsheets.api import compact_json, json_bytes
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
