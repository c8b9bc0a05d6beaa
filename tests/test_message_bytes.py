"""transports/wire.py:message_bytes flattens a message to the bytes ``as_bytes`` gives.

The outbox writes, and the SMTP transport sends, what it returns; here every message a
first run on the sample tracker plans is flattened both ways, with the outbox's policy,
SMTP's CRLF and SMTPUTF8's 8-bit headers, and a body holding carriage returns.
"""

from __future__ import annotations

import datetime as dt
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
