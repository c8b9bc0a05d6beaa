"""A message as SMTP DATA carries it, flattened once before the first attempt.

``smtplib.SMTP.send_message`` copies and flattens the message on every attempt; a
transport that flattens it once and hands the bytes to ``sendmail`` sends the same
bytes: CRLF line ends, Bcc and Resent-Bcc left out, and, when an address is not ASCII,
8-bit UTF-8 headers with the SMTPUTF8 and BODY=8BITMIME options.

``message_bytes`` (the outbox's and SMTP's flattening) writes a long body in one piece and
joins a message's parts once at the end, where the stdlib copies each part into the part
around it.
"""

from __future__ import annotations

import copy
import smtplib
from collections.abc import Sequence
from dataclasses import dataclass
from email.generator import BytesGenerator
from email.message import EmailMessage
from email.policy import EmailPolicy, Policy
from io import BytesIO


@dataclass(frozen=True)
class Wire:
    """The bytes to send and the MAIL FROM options they need."""

    data: bytes
    options: tuple[str, ...] = ()

    def check(self, smtp: smtplib.SMTP) -> None:
        """Refuse, as ``send_message`` does, UTF-8 addresses to a server without SMTPUTF8.

        Raises:
            smtplib.SMTPNotSupportedError: the server does not announce SMTPUTF8.
        """
        if "SMTPUTF8" in self.options:
            smtp.ehlo_or_helo_if_needed()
            if not smtp.has_extn("smtputf8"):
                raise smtplib.SMTPNotSupportedError(
                    "One or more source or delivery addresses require internationalized "
                    "email support, but the server does not advertise the required SMTPUTF8 "
                    "capability"
                )


def flatten(message: EmailMessage, addresses: Sequence[str]) -> Wire:
    """``message`` flattened for DATA, given the envelope's addresses."""
    international = not "".join(addresses).isascii()
    if "Bcc" in message or "Resent-Bcc" in message:
        message = copy.copy(message)
        del message["Bcc"]
        del message["Resent-Bcc"]
    policy = message.policy.clone(linesep="\r\n")
    if international and isinstance(policy, EmailPolicy):
        policy = policy.clone(utf8=True)
    data = message_bytes(message, policy)
    return Wire(data, ("SMTPUTF8", "BODY=8BITMIME") if international else ())


class _WholeBodies(BytesGenerator):
    """``BytesGenerator`` writing a body without a line break's ``\\r`` in one piece.

    The stdlib writes a body line by line to turn its line breaks into the policy's; a
    body of thousands of lines (a digest, a calendar) spent most of its flattening there.
    A body whose only breaks are ``\\n`` becomes the same bytes with one replace.
    """

    def _write_lines(self, lines: str) -> None:
        linesep = self.policy.linesep if self.policy else "\n"  # flatten sets the policy
        if "\r" in lines:
            super()._write_lines(lines)  # type: ignore[misc]
            return
        self.write(lines if linesep == "\n" else lines.replace("\n", linesep))


class _Piecewise(_WholeBodies):
    """``_WholeBodies`` writing each part into ``_Pieces``, not a ``BytesIO`` of its own."""

    def _new_buffer(self) -> _Pieces:
        return _Pieces()


class _Pieces:
    """Where a part is written while the message is flattened: the bytes written, kept as
    pieces, never copied until the whole message is joined.

    The generator writes each part to a buffer of its own, then copies the buffer into
    its parent's: a digest's body was copied about ten times on its way into the message
    (three levels of parts, each copying twice). Here a buffer's value is the buffer
    itself, and writing it into another moves its pieces.
    """

    def __init__(self) -> None:
        self.pieces: list[bytes] = []

    def write(self, data: bytes | _Pieces) -> None:
        if isinstance(data, _Pieces):
            self.pieces += data.pieces
        else:
            self.pieces.append(data)

    def getvalue(self) -> _Pieces:
        return self


def _plain_parts(message: EmailMessage) -> bool:
    """Whether the generator only ever writes what it flattens of ``message``'s parts
    (``_Pieces`` holds no bytes to read): no message/* part (a forwarded message, a
    delivery status), no multipart without its boundary (one is sought in the parts'
    bytes), no multipart whose type is not multipart/*."""
    for part in message.walk():
        if part.is_multipart():
            if not part.get_boundary() or part.get_content_maintype() != "multipart":
                return False
        elif part.get_content_maintype() == "message":
            return False
    return True


def message_bytes(message: EmailMessage, policy: Policy[EmailMessage] | None = None) -> bytes:
    """``message.as_bytes(policy=policy)``, byte for byte, in less time for long bodies."""
    policy = policy or message.policy
    if not _plain_parts(message):
        out = BytesIO()
        _WholeBodies(out, mangle_from_=False, policy=policy).flatten(message)
        return out.getvalue()
    pieces = _Pieces()
    _Piecewise(pieces, mangle_from_=False, policy=policy).flatten(message)
    return b"".join(pieces.pieces)
