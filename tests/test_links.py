"""Signed link tokens (sheetsync.links): bound to tracker, subject, due, action, recipient."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from sheetsync.errors import UsageError
from sheetsync.links import (
    DONE,
    EXPIRED,
    FEED,
    FOREIGN,
    TAMPERED,
    Link,
    LinkRejected,
    expiry,
    link_url,
    parse_keys,
    sign,
    verify,
)

TODAY = dt.date(2027, 3, 1)
KEYS = parse_keys("first-key-0123456789abcdef, older-key-0123456789abcdef")
SHEET = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"
LINK = Link(SHEET, DONE, "M-0007", dt.date(2027, 3, 10), "ana@example.com", expiry(TODAY))


def rejection(token: str, *, keys: list[bytes] = KEYS, tracker: str = SHEET, today=TODAY) -> str:
    """The reason verify gives for refusing a token (fails the test if it is accepted)."""
    with pytest.raises(LinkRejected) as caught:
        verify(token, keys, tracker=tracker, today=today)
    return caught.value.reason


def test_a_signed_link_verifies_to_what_was_signed() -> None:
    """The token gives back the tracker, milestone, due date, action, recipient and expiry."""
    token = sign(LINK, KEYS)
    assert verify(token, KEYS, tracker=SHEET, today=TODAY) == LINK
    assert LINK.expires == dt.date(2027, 4, 15)


def test_the_token_does_not_show_the_spreadsheet_id() -> None:
    """A recipient sees no spreadsheet ID or workbook path in the link, only a tag of it."""
    token = sign(dataclasses.replace(LINK, tracker="/srv/trackers/secret.xlsx"), KEYS)
    assert SHEET not in token and "secret" not in token
    assert "/" not in token and "+" not in token and "=" not in token


def test_a_feed_link_has_no_due_date() -> None:
    """A feed link binds an owner's address and no date."""
    feed = Link(SHEET, FEED, "bo@example.com", None, "bo@example.com", expiry(TODAY, 365))
    assert verify(sign(feed, KEYS), KEYS, tracker=SHEET, today=TODAY) == feed


def test_any_changed_character_is_tampered() -> None:
    """Changing one character of the payload or the signature makes the token worthless."""
    token = sign(LINK, KEYS)
    for at in (0, len(token) // 3, token.index(".") + 2, len(token) - 1):
        flipped = "A" if token[at] != "A" else "B"
        assert rejection(token[:at] + flipped + token[at + 1 :]) == TAMPERED


def test_a_token_for_another_milestone_cannot_be_forged_from_this_one() -> None:
    """Swapping the payload of one signed token onto another's signature is tampered."""
    other = sign(dataclasses.replace(LINK, subject="M-0008"), KEYS)
    mine = sign(LINK, KEYS)
    assert rejection(other.split(".")[0] + "." + mine.split(".")[1]) == TAMPERED


@pytest.mark.parametrize("junk", ["", ".", "abc", "abc.", ".abc", "a b.c d", "é.é", "x" * 5000])
def test_garbage_is_tampered_not_an_error(junk: str) -> None:
    """Empty, truncated or non-base64 tokens are refused as tampered, never a traceback."""
    assert rejection(junk) == TAMPERED


def test_a_token_signed_with_an_unknown_key_is_tampered() -> None:
    """A token signed with a key not in the accepted list is refused."""
    stranger = parse_keys("somebody-elses-key-0123456789")
    assert rejection(sign(LINK, stranger)) == TAMPERED


def test_rotation_old_key_still_verifies_until_dropped() -> None:
    """After rotation both keys verify; once the old key is dropped its tokens are refused."""
    old_token = sign(LINK, parse_keys("older-key-0123456789abcdef"))
    rotated = parse_keys("first-key-0123456789abcdef older-key-0123456789abcdef")
    assert verify(old_token, rotated, tracker=SHEET, today=TODAY) == LINK
    assert rejection(old_token, keys=parse_keys("first-key-0123456789abcdef")) == TAMPERED
    assert sign(LINK, rotated) != old_token


def test_the_last_day_works_the_next_is_expired() -> None:
    """A link works through its expiry day and is refused the day after, saying what it was."""
    token = sign(LINK, KEYS)
    assert verify(token, KEYS, tracker=SHEET, today=LINK.expires) == LINK
    with pytest.raises(LinkRejected) as caught:
        verify(token, KEYS, tracker=SHEET, today=LINK.expires + dt.timedelta(days=1))
    assert caught.value.reason == EXPIRED
    assert caught.value.link == LINK


def test_a_token_for_another_tracker_is_foreign() -> None:
    """A genuine token made for a different spreadsheet is refused as foreign."""
    assert rejection(sign(LINK, KEYS), tracker="1SomeOtherSpreadsheetId") == FOREIGN


def test_unicode_subject_and_recipient_survive() -> None:
    """Milestone IDs and addresses with non-ASCII characters come back unchanged."""
    link = dataclasses.replace(LINK, subject="Ré:üñ/1", recipient="zoë@exämple.com")
    assert verify(sign(link, KEYS), KEYS, tracker=SHEET, today=TODAY) == link


@pytest.mark.parametrize("text", [None, "", " , ", "short"])
def test_missing_or_short_keys_are_a_usage_error(text: str | None) -> None:
    """No key, or a key too short to be safe, is refused with one line naming the variable."""
    with pytest.raises(UsageError, match="SHEETSYNC_LINK_KEYS"):
        parse_keys(text)


def test_link_url_puts_the_token_in_the_query() -> None:
    """The link is the function's URL with the token as ``t``, whatever the trailing slash."""
    assert link_url("https://fn.example/act/", "abc.def") == "https://fn.example/act?t=abc.def"
    assert link_url("https://act-x.a.run.app", "t1") == "https://act-x.a.run.app/?t=t1"
    assert link_url("https://fn.example/act", "t1", "/feed.ics") == (
        "https://fn.example/act/feed.ics?t=t1"
    )
