"""A multipart/alternative message (text, then HTML) put together from ready header text.

``EmailMessage.set_content`` and ``add_alternative`` parse every header they write
through the email package's header registry, and the generator parses them again to
fold them when the message is flattened: about 1.9 ms a message, six times the
rendering. Here each header is stored as the text it is sent as (``set_raw``), which
the generator writes out as it is, and the parts are laid out as ``set_content`` /
``add_alternative`` lay them out (the same headers, order, encodings and bytes), except
that the boundary is derived from the content, so the same message flattens to the
same bytes every time.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import EmailPolicy
from functools import lru_cache
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from .encoding import text_body

BOUNDARY_DIGITS = 19  # as the email package's own boundaries: ===============<19 digits>==
HASH_SLICE = 1 << 18  # characters of a body encoded and hashed at a time
_LINE_BREAK = re.compile(r"\n|\r")  # what EmailPolicy.header_fetch_parse joins over

if TYPE_CHECKING:
    _Base = EmailPolicy[EmailMessage]
else:
    _Base = EmailPolicy  # not subscriptable at run time


class CachingPolicy(_Base):
    """EmailPolicy that parses a stored MIME header once for all messages.

    Flattening a message asks for each part's Content-Type several times (its type, its
    boundary, its charset), and a header stored as text is parsed again at every ask;
    these values repeat from message to message. Parsed headers are immutable, so one
    object serves every message; other headers are parsed as before.
    """

    def header_fetch_parse(self, name: str, value: str) -> str:
        if hasattr(value, "name") or not name.lower().startswith(("content-", "mime-")):
            return super().header_fetch_parse(name, value)
        return _parsed(self.header_factory, name, "".join(_LINE_BREAK.split(value)))


@lru_cache(maxsize=1024)
def _parsed(factory: Any, name: str, value: str) -> Any:
    return factory(name, value)


@dataclass(frozen=True)
class Attachment:
    """A text attachment: its body, subtype, file name and Content-Type parameters."""

    body: str
    subtype: str
    filename: str
    params: tuple[tuple[str, str], ...] = ()


def alternative(
    policy: EmailPolicy[EmailMessage],
    headers: Sequence[tuple[str, str]],
    text: str,
    html: str,
    attachment: Attachment | None = None,
) -> EmailMessage:
    """A message with ``headers`` (already header-safe text) and two bodies.

    With ``attachment``, laid out as ``add_attachment`` would: multipart/mixed holding
    the alternative, then the attachment.
    """
    message = EmailMessage(policy=policy)
    for name, value in headers:
        message.set_raw(name, value)
    message.set_raw("MIME-Version", "1.0")
    bodies = EmailMessage(policy=policy) if attachment else message
    bodies.set_raw("Content-Type", f'multipart/alternative; boundary="{_boundary((text,), html)}"')
    html_part = _text_part(policy, html, "html")
    html_part.set_raw("MIME-Version", "1.0")  # as add_alternative's part has it
    bodies.set_payload([_text_part(policy, text, "plain"), html_part])
    if attachment:
        mixed = _boundary((text, html), attachment.body)
        message.set_raw("Content-Type", f'multipart/mixed; boundary="{mixed}"')
        message.set_payload([bodies, _attachment_part(policy, attachment)])
    return message


def _attachment_part(policy: EmailPolicy[EmailMessage], attachment: Attachment) -> EmailMessage:
    """The attachment's part, its headers as ``add_attachment`` writes them."""
    part = _text_part(policy, attachment.body, attachment.subtype, attachment)
    if "MIME-Version" not in part:
        part.set_raw("MIME-Version", "1.0")
    return part


def _text_part(
    policy: EmailPolicy[EmailMessage], body: str, subtype: str, attached: Attachment | None = None
) -> EmailMessage:
    """One text part, utf-8, encoded as ``set_content`` encodes it (``compose/encoding.py``)."""
    part = EmailMessage(policy=policy)
    encoded = _encoded(policy, body)
    if encoded is None or (attached and encoded[0] == "quoted-printable"):
        return _package_part(part, body, subtype, attached)  # the package's own (rare)
    cte, payload = encoded
    content_type = f'text/{subtype}; charset="utf-8"'
    if not attached:
        part.set_raw("Content-Type", content_type)
    part.set_raw("Content-Transfer-Encoding", cte)
    if attached:  # set_param moves Content-Type after the disposition, as here
        part.set_raw("Content-Disposition", f'attachment; filename="{attached.filename}"')
        params = "".join(f'; {key}="{value}"' for key, value in attached.params)
        part.set_raw("Content-Type", content_type + params)
    part.set_payload(payload)
    return part


def _encoded(policy: EmailPolicy[EmailMessage], body: str) -> tuple[str, str] | None:
    """``text_body`` under ``policy``; None where only the package's own encoder applies."""
    if policy.linesep != "\n" or policy.cte_type != "8bit":
        return None
    return text_body(body, policy.max_line_length)


def _package_part(
    part: EmailMessage, body: str, subtype: str, attached: Attachment | None
) -> EmailMessage:
    """The part as ``set_content`` lays it out (``add_attachment`` with ``attached``)."""
    if attached:
        named = dict(attached.params)
        part.set_content(body, subtype=subtype, filename=attached.filename, params=named)
        return part
    part.set_content(body, subtype=subtype)
    del part["MIME-Version"]
    return part


def _boundary(first: Sequence[str], second: str) -> str:
    """A boundary neither ``"".join(first)`` nor ``second`` holds, from a hash of both.

    The bodies are hashed and searched where they are, never copied into one string, and
    a long body is hashed a slice at a time (the same digest: UTF-8 is encoded character
    by character), without making the bytes of the whole body at once.
    """
    digest = hashlib.sha256()
    for piece in (*first, "\0", second):
        for start in range(0, len(piece), HASH_SLICE):
            digest.update(piece[start : start + HASH_SLICE].encode("utf-8"))
    number = int.from_bytes(digest.digest(), "big")
    while True:
        boundary = "=" * 15 + f"{number % 10**BOUNDARY_DIGITS:0{BOUNDARY_DIGITS}d}" + "=="
        if not _holds(tuple(first), boundary) and boundary not in second:
            return boundary
        number //= 7


def _holds(pieces: tuple[str, ...], boundary: str) -> bool:
    """Whether ``"".join(pieces)`` holds ``boundary``, also across where two pieces meet."""
    if any(boundary in piece for piece in pieces):
        return True
    edge = len(boundary) - 1
    return any(boundary in a[-edge:] + b[:edge] for a, b in pairwise(pieces))
