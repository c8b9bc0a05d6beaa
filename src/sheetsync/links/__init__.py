"""Signed links: a token that lets whoever holds it do one thing to one tracker, for a while.

A link in an email is the recipient's whole credential (the ``act`` function is public),
so its token is signed with HMAC-SHA256 and bound to everything it may be used for::

    tracker    which tracker (a tag of ``Snapshot.identity``: the spreadsheet ID is not shown)
    action     what it does: ``done`` (mark a milestone done), ``feed`` (a calendar feed)
    subject    what it is about: a Milestone ID, or the feed owner's address
    due        the milestone occurrence's due date (None for a feed)
    recipient  whom it was made for: the Log records this person as the one who acted
    expires    the last day it works

A token reads ``payload.signature``, both base64url without padding. Keys rotate: the
first of the accepted keys signs, any of them verifies (compared with
``hmac.compare_digest``), so an old key keeps working until it is dropped from the list.
Pure: ``today`` is a parameter and the keys come in as text (the edge reads them from
``SHEETSYNC_LINK_KEYS``; see ``parse_keys``).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import SheetsyncError, UsageError

DONE = "done"
FEED = "feed"
ACTIONS = frozenset({DONE, FEED})
DEFAULT_EXPIRY_DAYS = 45
# Shorter keys are guessable; deploy.sh makes 32 random bytes (44 base64 characters).
MIN_KEY_LENGTH = 16
_VERSION = 1
_DOMAIN = b"sheetsync-link:"
_SEPARATORS = re.compile(r"[\s,]+")
# An Action URL: https anywhere, plain http only on this machine (tests, local trials).
_ACTION_URL = re.compile(
    r"^(https://[^\s/?#]+|http://(localhost|127\.0\.0\.1)(:\d+)?)(/[^\s?#]*)?$"
)

# The furthest time zone behind UTC (Etc/GMT+12): no tracker's today is earlier than this.
_WESTMOST = dt.timedelta(hours=12)

TAMPERED = "tampered"
EXPIRED = "expired"
FOREIGN = "foreign"


class LinkRejected(SheetsyncError):
    """A link's token is not one we made (``tampered``), is too old, or is for elsewhere."""

    def __init__(self, reason: str, link: Link | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        #: What an expired or foreign token said (its signature held); None when tampered.
        self.link = link


@dataclass(frozen=True)
class Link:
    """What one token allows: ``action`` on ``subject`` of ``tracker``, until ``expires``."""

    tracker: str
    action: str
    subject: str
    due: dt.date | None
    recipient: str
    expires: dt.date


def tracker_tag(identity: str) -> str:
    """A short tag that tells one tracker from another without showing its ID or path."""
    return hashlib.sha256(identity.encode()).hexdigest()[:16]


def parse_keys(text: str | None) -> list[bytes]:
    """The accepted keys from ``SHEETSYNC_LINK_KEYS`` (comma or space separated; first signs).

    Raises:
        UsageError: no key, or a key shorter than ``MIN_KEY_LENGTH`` characters.
    """
    keys = [k for k in _SEPARATORS.split(text or "") if k]
    if not keys:
        raise UsageError("SHEETSYNC_LINK_KEYS is not set: links cannot be signed or checked")
    if any(len(k) < MIN_KEY_LENGTH for k in keys):
        raise UsageError(f"SHEETSYNC_LINK_KEYS: each key needs {MIN_KEY_LENGTH}+ characters")
    return [k.encode() for k in keys]


def expiry(today: dt.date, days: int = DEFAULT_EXPIRY_DAYS) -> dt.date:
    """The last day a link made ``today`` works."""
    return today + dt.timedelta(days=days)


def sign(link: Link, keys: Sequence[bytes]) -> str:
    """The token for ``link``, signed with the first key (``link.tracker`` is an identity)."""
    fields = [
        _VERSION,
        tracker_tag(link.tracker),
        link.action,
        link.subject,
        link.due.isoformat() if link.due else "",
        link.recipient,
        link.expires.isoformat(),
    ]
    payload = _encode(json.dumps(fields, separators=(",", ":"), ensure_ascii=False).encode())
    return f"{payload}.{_encode(_mac(keys[0], payload))}"


def signature_ok(token: str, keys: Sequence[bytes]) -> bool:
    """Whether one of ``keys`` signed ``token`` (checked before reading any tracker)."""
    payload, _, signature = token.strip().partition(".")
    given = _decode(signature)
    return given is not None and any(hmac.compare_digest(_mac(k, payload), given) for k in keys)


def signed_tag(token: str, keys: Sequence[bytes]) -> str | None:
    """The tracker tag a token signed by one of ``keys`` carries; None for any other token."""
    if not signature_ok(token, keys):
        return None
    fields = _fields(token.strip().partition(".")[0])
    return None if fields is None else fields[0]


def verify(token: str, keys: Sequence[bytes], *, tracker: str, today: dt.date) -> Link:
    """The ``Link`` a token stands for, if it was signed by one of ``keys`` for ``tracker``.

    Raises:
        LinkRejected: ``tampered`` (not signed by an accepted key, or malformed),
            ``foreign`` (made for another tracker) or ``expired`` (after its last day).
    """
    if not signature_ok(token, keys):
        raise LinkRejected(TAMPERED)
    fields = _fields(token.strip().partition(".")[0])
    if fields is None:
        raise LinkRejected(TAMPERED)
    tag, link = fields
    link = Link(tracker, link.action, link.subject, link.due, link.recipient, link.expires)
    if not hmac.compare_digest(tag, tracker_tag(tracker)):
        raise LinkRejected(FOREIGN, link)
    if today > link.expires:
        raise LinkRejected(EXPIRED, link)
    return link


def verify_unread(token: str, keys: Sequence[bytes], *, tracker: str, now: dt.datetime) -> Link:
    """What ``verify`` can tell before the tracker is read, so a bad token costs no read.

    The signature and the tracker are checked as ``verify`` does; the expiry against the
    earliest day it is anywhere at ``now``, since the tracker's time zone is in the sheet.
    ``verify`` with the tracker's own today follows the read.

    Raises:
        LinkRejected: tampered, foreign, or expired in every time zone.
    """
    earliest = (now.astimezone(dt.UTC) - _WESTMOST).date()
    return verify(token, keys, tracker=tracker, today=earliest)


def _fields(payload: str) -> tuple[str, Link] | None:
    """The tracker tag and the link a signed payload holds; None when it is not ours."""
    raw = _decode(payload)
    try:
        version, tag, action, subject, due, recipient, expires = json.loads(raw or b"")
        if version != _VERSION or action not in ACTIONS:
            return None
        day = dt.date.fromisoformat(due) if due else None
        link = Link("", action, subject, day, recipient, dt.date.fromisoformat(expires))
    except (ValueError, TypeError):
        return None
    return str(tag), link


def _mac(key: bytes, payload: str) -> bytes:
    """HMAC-SHA256 of the payload, its purpose prefixed so no other signature matches."""
    return hmac.new(key, _DOMAIN + payload.encode(), hashlib.sha256).digest()


def _encode(data: bytes) -> str:
    """base64url without padding: safe in a URL path or query as it is."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _decode(text: str) -> bytes | None:
    """The bytes of base64url text as ``_encode`` writes it; None for anything else."""
    if not text or not re.fullmatch(r"[A-Za-z0-9_-]+", text):
        return None
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None
    return data if _encode(data) == text else None  # one spelling per token: no spare bits


def link_url(base: str, token: str, path: str = "") -> str:
    """Where a link points: the act function's URL, an optional path, the token as ``t``.

    The token's characters are all URL-safe, so it needs no quoting.
    """
    base = base.rstrip("/")
    bare = "/" not in base.partition("://")[2]  # https://host: the path is /
    return f"{base}{path or ('/' if bare else '')}?t={token}"


def action_url(value: object) -> str | None:
    """An Action URL as written (https, or http on localhost); None when it is not one."""
    text = str(value or "").strip()
    return text if _ACTION_URL.match(text) else None


@dataclass(frozen=True)
class LinkMaker:
    """Makes the Mark-done links of one run: one tracker, one key list, one expiry day."""

    base_url: str
    keys: tuple[bytes, ...]
    tracker: str
    expires: dt.date

    def done(self, milestone: str, due: dt.date, recipient: str) -> str:
        """The Mark-done link of one milestone occurrence, made for ``recipient``."""
        link = Link(self.tracker, DONE, milestone, due, recipient.casefold(), self.expires)
        return link_url(self.base_url, sign(link, self.keys))
