"""A text body's Content-Transfer-Encoding and payload, as ``EmailMessage.set_content`` makes them.

``set_content`` turns a body into bytes, splits it into lines and measures each to choose
7bit or 8bit; a body with a line longer than the policy allows (the escalation email's
list of copied owners, at a big tracker) becomes quoted-printable, which the email package
writes character by character through a translation table: about half a second for an
escalation email of 16 MB. Here the same choice is made on the whole body at once and
the quoting is done with ``str.replace`` and one regular expression; only the rare line
that must be cut (too long, or ending in a space) goes through the package's own encoder.
An ASCII body (a calendar's, its lines ending in CRLF) is measured as the text it is,
without a bytes copy and a list of its lines.
The result is the same text byte for byte (``tests/test_mime.py`` holds them side by side).
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Iterator
from email import quoprimime

PIECE = 1 << 20  # characters of a long body split into lines at a time
SNIFF_LINES = 10  # set_content compares the encodings on the body's first ten lines
_UNSAFE = re.compile(r"[^\t\n\r -~]")  # what quoted-printable quotes, "=" aside
_PLAIN = bytes(range(0x20, 0x7F)) + b"\t\n\r"  # what it leaves, and "="
_BLANK_END = re.compile(r"\n(?<=[ \t]\n)")  # a line break after a space or a tab (found fast)


def text_body(body: str, max_line: int | None) -> tuple[str, str] | None:
    """``(cte, payload)`` of a utf-8 ``body`` under a policy with ``\\n`` line ends and
    8-bit transfer (``max_line`` None: no limit); None when ``set_content`` would choose
    base64 (its own encoder does it).
    """
    if body.isascii():  # the usual case: no bytes to make
        text = _line_ends(body) if "\r" in body else body  # a calendar's CRLF
        text = text if text.endswith("\n") else text + "\n"
        if _fits(text, max_line):
            return "7bit", text
        return _long_lines(text, max_line or 0)
    data = body.encode("utf-8")
    if "\r" in body:
        data = b"\n".join(data.splitlines()) + b"\n"
    elif not data.endswith(b"\n"):
        data += b"\n"
    octets = data.decode("latin-1")  # one character per octet, as quoprimime reads them
    if _fits(octets, max_line):
        return ("7bit" if data.isascii() else "8bit"), data.decode("ascii", "surrogateescape")
    return _long_lines(octets, max_line or 0)


def _line_ends(text: str) -> str:
    """``text`` with each CRLF and each lone CR as ``\\n``: in ASCII text, the lines
    ``bytes.splitlines`` finds, joined by ``\\n`` (a last break kept as one)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _fits(lines: str, max_line: int | None) -> bool:
    """Whether no line of ``lines`` (each ending in a line break) is over ``max_line``."""
    if not max_line or len(lines) <= max_line:
        return True
    return not has_long_line(lines, max_line)


def has_long_line(text: str, limit: int) -> bool:
    """Whether a line of ``text`` (its end the last line's end) is over ``limit`` characters.

    Found without cutting ``text`` into lines: it is read in blocks of about half the
    limit, back to back. A line over the limit holds a whole block, so every block
    that holds a line break is passed over; only a block without one has its line
    measured.
    """
    block = limit // 2 + 1  # a run of limit + 1 characters holds a whole block
    start, end = 0, len(text)
    while start < end:
        if text.find("\n", start, start + block) >= 0:
            start += block
            continue
        line_end = text.find("\n", start)
        line_end = end if line_end < 0 else line_end
        if line_end - (text.rfind("\n", 0, start) + 1) > limit:
            return True
        start = line_end + 1
    return False


def pieces(text: str) -> Iterator[str]:
    """``text`` cut at line breaks into pieces of about PIECE characters, the breaks
    between them left out, so that ``"\\n".join`` of the pieces is ``text``.

    A long body is split into lines a piece at a time: its list of lines (a string
    object each) would take several times the body's memory at once.
    """
    start = 0
    while len(text) - start > PIECE:
        end = text.find("\n", start + PIECE)
        if end < 0:
            break
        yield text[start:end]
        start = end + 1
    yield text[start:]


def _long_lines(octets: str, max_line: int) -> tuple[str, str] | None:
    """``set_content``'s choice for a body (its octets as latin-1 text) with a line over
    ``max_line`` octets."""
    count = octets.count("\n")  # the body's lines, each ending in one
    end = -1
    for _ in range(min(count, SNIFF_LINES)):
        end = octets.index("\n", end + 1)
    sniff = octets[: end + 1]
    sniff_qp = quoprimime.body_encode(sniff, max_line)
    if len(sniff_qp) > len(binascii.b2a_base64(sniff.encode("latin-1"))):
        return None
    if count <= SNIFF_LINES:
        return "quoted-printable", sniff_qp
    return "quoted-printable", quoted_printable(octets, max_line)


def quoted_printable(text: str, max_line: int) -> str:
    """``quoprimime.body_encode(text, max_line)`` for ``text`` whose lines end in ``\\n``.

    Each line is quoted on its own, so a line short enough and not ending in a space or
    a tab is its quoted text; any other line is the package's encoding of that line.
    A long text is quoted a piece of lines at a time.
    """
    return "\n".join([_quoted_lines(piece, max_line) for piece in pieces(text)])


def _quoted_lines(text: str, max_line: int) -> str:
    """``quoted_printable`` of ``text``: lines joined by ``\\n``."""
    escaped = text.replace("=", "=3D")
    if text.encode("latin-1").translate(None, _PLAIN):  # anything but plain ASCII
        escaped = _UNSAFE.sub(_quote, escaped)
    if not _needs_cutting(escaped, max_line):
        return escaped  # the usual piece: every line is its quoted text
    raw = text.split("\n")
    quoted = escaped.split("\n")
    for number, line in enumerate(quoted):
        if len(line) > max_line or line.endswith((" ", "\t")):
            quoted[number] = quoprimime.body_encode(raw[number], max_line)
    return "\n".join(quoted)


def _needs_cutting(quoted: str, max_line: int) -> bool:
    """Whether a line of ``quoted`` (lines joined by ``\\n``) is too long or ends in a
    space or a tab, which quoted-printable must encode differently."""
    if quoted.endswith((" ", "\t")) or _BLANK_END.search(quoted):
        return True
    return has_long_line(quoted, max_line)


def _quote(match: re.Match[str]) -> str:
    return f"={ord(match.group()):02X}"
