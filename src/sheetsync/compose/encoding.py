"""A text body's Content-Transfer-Encoding and payload, as ``EmailMessage.set_content`` makes them.

``set_content`` turns a body into bytes, splits it into lines and measures each to choose
7bit or 8bit; a body with a line longer than the policy allows (the escalation email's
list of copied owners, at a big tracker) becomes quoted-printable, which the email package
writes character by character through a translation table: about half a second for an
escalation email of 16 MB. Here the same choice is made on the whole body at once and
the quoting is done with ``str.replace`` and one regular expression; only the rare line
that must be cut (too long, or ending in a space) goes through the package's own encoder.
The result is the same text byte for byte (``tests/test_mime.py`` holds them side by side).
"""

from __future__ import annotations

import binascii
import re
from email import quoprimime

SNIFF_LINES = 10  # set_content compares the encodings on the body's first ten lines
_UNSAFE = re.compile(r"[^\t\n\r -~]")  # what quoted-printable quotes, "=" aside
_PLAIN = bytes(range(0x20, 0x7F)) + b"\t\n\r"  # what it leaves, and "="


def text_body(body: str, max_line: int | None) -> tuple[str, str] | None:
    """``(cte, payload)`` of a utf-8 ``body`` under a policy with ``\\n`` line ends and
    8-bit transfer (``max_line`` None: no limit); None when ``set_content`` would choose
    base64 (its own encoder does it).
    """
    if body.isascii() and "\r" not in body:  # the usual case: no bytes to make
        text = body if body.endswith("\n") else body + "\n"
        if _fits(text, max_line):
            return "7bit", text
        return _long_lines(text.encode("ascii"), max_line or 0)
    data = body.encode("utf-8")
    if "\r" in body:
        data = b"\n".join(data.splitlines()) + b"\n"
    elif not data.endswith(b"\n"):
        data += b"\n"
    if _fits(data, max_line):
        return ("7bit" if data.isascii() else "8bit"), data.decode("ascii", "surrogateescape")
    return _long_lines(data, max_line or 0)


def _fits(lines: str | bytes, max_line: int | None) -> bool:
    """Whether no line of ``lines`` (each ending in a line break) is over ``max_line``."""
    if not max_line or len(lines) <= max_line:
        return True
    split = lines.split("\n") if isinstance(lines, str) else lines.split(b"\n")
    return max(map(len, split)) <= max_line


def _long_lines(data: bytes, max_line: int) -> tuple[str, str] | None:
    """``set_content``'s choice for a body with a line over ``max_line`` octets."""
    count = data.count(b"\n")  # the body's lines, each ending in one
    sniff = b"\n".join(data.split(b"\n", SNIFF_LINES)[: min(count, SNIFF_LINES)]) + b"\n"
    sniff_qp = quoprimime.body_encode(sniff.decode("latin-1"), max_line)
    if len(sniff_qp) > len(binascii.b2a_base64(sniff)):
        return None
    if count <= SNIFF_LINES:
        return "quoted-printable", sniff_qp
    return "quoted-printable", quoted_printable(data.decode("latin-1"), max_line)


def quoted_printable(text: str, max_line: int) -> str:
    """``quoprimime.body_encode(text, max_line)`` for ``text`` whose lines end in ``\\n``.

    Each line is quoted on its own, so a line short enough and not ending in a space or
    a tab is its quoted text; any other line is the package's encoding of that line.
    """
    raw = text.split("\n")
    escaped = text.replace("=", "=3D")
    if text.encode("latin-1").translate(None, _PLAIN):  # anything but plain ASCII
        escaped = _UNSAFE.sub(_quote, escaped)
    quoted = escaped.split("\n")
    for number, line in enumerate(quoted):
        if len(line) > max_line or line.endswith((" ", "\t")):
            quoted[number] = quoprimime.body_encode(raw[number], max_line)
    return "\n".join(quoted)


def _quote(match: re.Match[str]) -> str:
    return f"={ord(match.group()):02X}"
