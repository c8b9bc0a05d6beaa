"""transports/wire.py:message_bytes flattens a message to the bytes ``as_bytes`` gives.

The outbox writes, and the SMTP transport sends, what it returns; here every message a
first run on the sample tracker plans is flattened both ways, with the outbox's policy,
SMTP's CRLF and SMTPUTF8's 8-bit headers, and a body holding carriage returns.
"""

from __future__ import annotations

import datetime as dt
import re
from email.message import EmailMessage

import pytest

from sheetsync.backends.memory import MemoryBackend
from sheetsync.compose import POLICY
from sheetsync.init.sample import sample_tracker
from sheetsync.pipeline import RunOptions, check
from sheetsync.transports.wire import message_bytes

TODAY = dt.date(2026, 12, 1)
NOON = dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)
SMTP = POLICY.clone(linesep="\r\n")


def planned() -> list[EmailMessage]:
    """The messages a run on the sample tracker would send, Mark done links included."""
    backend = MemoryBackend(sample_tracker(TODAY), title="Sample contracts")
    options = RunOptions(
        today=TODAY,
        clock=lambda: NOON,
        action_url="https://act.example.com/run",
        link_keys=(b"k" * 32,),
    )
    return check(backend, options).planned


@pytest.mark.parametrize(
    "policy",
    [None, SMTP, SMTP.clone(utf8=True)],
    ids=["outbox", "smtp", "smtputf8"],
)
def test_every_planned_message_flattens_to_the_same_bytes(policy) -> None:
    """Digests with calendars, escalations, summaries: byte for byte what as_bytes gives."""
    messages = planned()
    assert len(messages) >= 5
    for message in messages:
        assert message_bytes(message, policy) == message.as_bytes(policy=policy)


def test_a_body_with_carriage_returns_keeps_the_stdlib_line_ends() -> None:
    """A body holding CR and CRLF breaks: each becomes the policy's line end, as before."""
    message = EmailMessage(policy=POLICY)
    message["Subject"] = "Line ends"
    message.set_payload("one\r\ntwo\rthree\nfour")
    for policy, body in ((None, b"one\ntwo\nthree\nfour"), (SMTP, b"one\r\ntwo\r\nthree\r\nfour")):
        flat = message_bytes(message, policy)
        assert flat == message.as_bytes(policy=policy)
        assert flat.endswith(body)


def _forwarded() -> EmailMessage:
    """A message carrying another as message/rfc822, with a preamble and an epilogue."""
    inner = EmailMessage(policy=POLICY)
    inner["Subject"] = "Inner"
    inner.set_content("the forwarded text\n")
    outer = EmailMessage(policy=POLICY)
    outer["Subject"] = "Forward"
    outer.set_content("see below\n")
    outer.add_attachment(inner)
    outer.preamble = "A MIME message.\n"
    outer.epilogue = "the end\n"
    return outer


def _unbounded() -> EmailMessage:
    """A multipart message with no boundary yet: the generator makes one from the parts."""
    message = EmailMessage(policy=POLICY)
    message["Subject"] = "No boundary"
    message.set_raw("Content-Type", "multipart/mixed")
    first, second = EmailMessage(policy=POLICY), EmailMessage(policy=POLICY)
    first.set_content("one\n")
    second.set_content("two\n" * 3)
    message.set_payload([first, second])
    return message


def test_a_forwarded_message_flattens_to_the_same_bytes() -> None:
    """A message/rfc822 part, a preamble and an epilogue: the same bytes as as_bytes (the
    parts the generator reads back go the stdlib's way)."""
    message = _forwarded()
    for policy in (None, SMTP):
        assert message_bytes(message, policy) == message.as_bytes(policy=policy)


def test_a_multipart_without_its_boundary_flattens_as_the_stdlib_does() -> None:
    """The generator makes a boundary none of the parts holds, as as_bytes does (a random
    one each time: compared with it masked)."""
    unmasked = re.compile(rb"===============\d{19}==")
    for policy in (None, SMTP):
        ours, theirs = message_bytes(_unbounded(), policy), _unbounded().as_bytes(policy=policy)
        assert unmasked.sub(b"B", ours) == unmasked.sub(b"B", theirs)
        assert len(unmasked.findall(ours)) == 4  # its header, two parts, the end


def test_nested_parts_written_once_each() -> None:
    """A digest's layout (mixed: alternative of text and HTML, then a calendar): every
    part's bytes appear once, in order, each between its boundaries."""
    message = planned()[0]
    flat = message_bytes(message)
    assert flat == message.as_bytes()
    for part in message.walk():
        if not part.is_multipart():
            body = part.get_payload().encode()
            assert flat.count(body) == 1
