"""compose/mime.py lays a message out exactly as EmailMessage.set_content/add_alternative do,
and its caching policy flattens it to the same bytes as the email package's own."""

from __future__ import annotations

import random
import re
from email import quoprimime
from email.message import EmailMessage
from email.policy import EmailPolicy

import pytest

from sheetsync.compose import POLICY
from sheetsync.compose.encoding import PIECE, has_long_line, pieces, quoted_printable, text_body
from sheetsync.compose.mime import Attachment, alternative
from sheetsync.transports.wire import flatten

PLAIN = EmailPolicy(max_line_length=998)  # what compose.POLICY is, without the parse cache
HEADERS = [("Subject", "Renewal due"), ("From", "t@example.com"), ("To", "a@example.com")]
BODIES = {
    "ascii": ("Give notice by 2027-03-31.\n", "<p>Give notice by <b>2027-03-31</b>.</p>\n"),
    "non-ascii": ("Frist für Müller — €45.000\n", "<p>Frist für <b>Müller</b> – €45.000</p>"),
    "long line": ("x" * 1200 + "\n", "<p>" + "ü" * 700 + "</p>"),
    "empty": ("", ""),
    "long ascii lines among many": (
        "\n".join(["a=b, c " * 200, *(f"line {i}\x07 " for i in range(12))]),
        "\n".join(['<td style="x">' + "row, " * 300 + "</td>", *("<br>" for _ in range(12))]),
    ),
    "long lines among many": (
        "\n".join(
            [
                "Copied: " + ", ".join(f"Owner {i} <owner{i}@example.com>" for i in range(60)),
                *(f"line {i}: a=b, trailing space " for i in range(12)),
                "a tab\t",
                "Müller=€ " * 150,
                "=" * 997,
                "",
            ]
        ),
        "\r\n".join(['<p style="margin:0">' + "Jörg <j@example.com>, " * 80 + "</p>"] * 14),
    ),
    "longer than a piece": (  # quoted a piece of lines at a time (compose/encoding.py)
        ("Copied: Müller=€ <m@example.com>, trailing " * 30 + "\n") * 900,
        ("<td>" + "Owner <o@example.com>, " * 50 + "</td> \n<br>\n") * 1000,
    ),
}


def stdlib(text: str, html: str):
    """The same message built the email package's way, under its own default policy."""
    from email.message import EmailMessage

    message = EmailMessage(policy=PLAIN)
    for name, value in HEADERS:
        message.set_raw(name, value)
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def wire(message) -> bytes:
    """Flattened for SMTP, the boundary replaced by a placeholder."""
    data = message.as_bytes(policy=message.policy.clone(linesep="\r\n"))
    return re.sub(rb"===============\d{19}==", b"BOUNDARY", data)


@pytest.mark.parametrize("kind", list(BODIES))
def test_same_bytes_as_the_email_package(kind):
    """Headers, their order, encodings and bodies match set_content + add_alternative."""
    text, html = BODIES[kind]
    ours = alternative(POLICY, HEADERS, text, html)
    assert wire(ours) == wire(stdlib(text, html))
    assert (
        ours.get_body(("plain",)).get_content()
        == stdlib(text, html).get_body(("plain",)).get_content()
    )


def test_the_boundary_depends_on_the_content_only():
    """The same bodies give the same boundary (same bytes every time); other bodies another."""
    first = alternative(POLICY, HEADERS, *BODIES["ascii"])
    again = alternative(POLICY, HEADERS, *BODIES["ascii"])
    other = alternative(POLICY, HEADERS, *BODIES["non-ascii"])
    assert first.get_boundary() == again.get_boundary() != other.get_boundary()
    assert first.as_bytes() == again.as_bytes()


def test_flattened_once_leaves_bcc_out_and_asks_smtputf8_for_utf8_addresses():
    """The DATA bytes have CRLF line ends and no Bcc; a UTF-8 address needs SMTPUTF8."""
    message = alternative(POLICY, [*HEADERS, ("Bcc", "hidden@example.com")], *BODIES["ascii"])
    plain = flatten(message, ["t@example.com", "a@example.com"])
    assert b"hidden@example.com" not in plain.data and b"\r\nTo: a@example.com\r\n" in plain.data
    assert plain.options == ()
    assert "Bcc" in message  # the message itself keeps it
    utf8 = flatten(message, ["t@example.com", "jörg@example.com"])
    assert utf8.options == ("SMTPUTF8", "BODY=8BITMIME")


@pytest.mark.parametrize("kind", list(BODIES))
def test_with_an_attachment_same_bytes_as_add_attachment(kind):
    """multipart/mixed with the calendar attachment, as add_attachment lays it out."""
    text, html = BODIES[kind]
    ics = "BEGIN:VCALENDAR\r\nSUMMARY:Due: Müller renewal\r\nEND:VCALENDAR\r\n"
    attachment = Attachment(ics, "calendar", "deadlines.ics", (("method", "PUBLISH"),))
    ours = alternative(POLICY, HEADERS, text, html, attachment)
    theirs = stdlib(text, html)
    theirs.add_attachment(
        ics, subtype="calendar", filename="deadlines.ics", params={"method": "PUBLISH"}
    )
    assert wire(ours) == wire(theirs)
    (part,) = ours.iter_attachments()
    assert part.get_filename() == "deadlines.ics" and part.get_content() == ics.replace("\r", "")


@pytest.mark.parametrize("cut", [0, 1, 7, PIECE - 1, PIECE, PIECE + 1])
def test_a_long_body_is_cut_into_pieces_that_join_to_it(cut):
    """Pieces of lines, joined by line breaks, are the body again, wherever its breaks are."""
    body = "a" * cut + "\n" + "b" * PIECE + "\n\n" + "c" * 3 + "\n"
    parts = list(pieces(body))
    assert "\n".join(parts) == body
    assert len(parts) == (3 if cut >= PIECE else 2)  # cut at the first break past PIECE


@pytest.mark.parametrize("limit", [1, 2, 9, 10, 997, 998])
def test_a_long_line_is_found_wherever_it_is(limit):
    """has_long_line says what measuring every line says, for lines around the limit."""
    lengths = [0, 1, limit // 2, limit - 1, limit, limit + 1, 2 * limit, 3 * limit + 2]
    for shift in range(0, 7):
        for length in lengths:
            for tail in ("", "\n", "\nabc", "\n" + "z" * (limit + 1)):
                text = "s" * shift + "\n" + "x" * length + tail
                longest = max(map(len, text.split("\n")))
                assert has_long_line(text, limit) == (longest > limit), (shift, length, tail)


def test_quoted_printable_cuts_only_the_lines_that_need_it():
    """Lines that are too long or end in blank space are the package's encoding; the others,
    around them and in other pieces, are quoted as they are, byte for byte."""
    lines = ["plain", "a=b ", "tab\t", "x" * 1200, "Müller", "", "end "]
    text = "\n".join(lines * 900) + "\n"  # over a PIECE: quoted in two pieces
    assert quoted_printable(text, 998) == quoprimime.body_encode(text, 998)


def test_ascii_bodies_with_carriage_returns_encode_as_set_content_does():
    """CRLF, lone CR, CR before LF and other control characters in an ASCII body: the
    encoding and payload set_content gives (a calendar's lines end in CRLF)."""
    chunks = ["a", "b c", "\r", "\n", "\r\n", "\n\r", "\x0b", "\x0c", "\x1c", " ", "=", "x" * 40]
    rng = random.Random(16)
    bodies = ["", "\r", "\r\r", "\r\n", "a\rb", "a\r\nb\r\n", "a\n\r\n", "x" * 999 + "\r\n"]
    bodies += ["".join(rng.choice(chunks) for _ in range(rng.randrange(0, 60))) for _ in range(400)]
    for body in bodies:
        part = EmailMessage(policy=PLAIN)
        part.set_content(body)
        assert text_body(body, 998) == (part["Content-Transfer-Encoding"], part.get_payload()), body


def test_a_boundary_is_the_hash_of_the_whole_bodies_however_long():
    """Bodies longer than a hashed slice, with multibyte characters across its edges: the
    boundary made from the hash of the bodies' whole UTF-8 bytes."""
    import hashlib

    from sheetsync.compose.mime import BOUNDARY_DIGITS, HASH_SLICE, _boundary

    text = "é" * (HASH_SLICE - 1) + "😀" * 3 + "plain\n" * 50_000
    html = "<p>" + "€" * (2 * HASH_SLICE + 1) + "</p>"
    for first, second in (((text,), html), ((text, html), "BEGIN:VCALENDAR\r\n"), (("",), "")):
        whole = hashlib.sha256("".join((*first, "\0", second)).encode("utf-8")).digest()
        number = int.from_bytes(whole, "big") % 10**BOUNDARY_DIGITS
        assert _boundary(first, second) == "=" * 15 + f"{number:0{BOUNDARY_DIGITS}d}" + "=="
