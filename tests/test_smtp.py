"""The SMTP transport against a real aiosmtpd server on loopback."""

from __future__ import annotations

import logging
import socket
import time
import traceback
from collections.abc import Iterator
from email.message import EmailMessage

import pytest

from sheetsync.errors import DeliveryError, MessageRejected, UsageError
from sheetsync.testing.smtpd import ServerFaults, SmtpServer
from sheetsync.transports.smtp import SmtpPolicy, SmtpTransport

USER = "robot@example.com"
PASSWORD = "correct-horse-battery-staple"


def reminder(
    n: int = 1,
    to: str = "Alice Example <alice@example.com>",
    cc: str | None = None,
    bcc: str | None = None,
    subject: str | None = None,
) -> EmailMessage:
    """A reminder like the pipeline sends: text and HTML, a deterministic Message-ID."""
    message = EmailMessage()
    message["From"] = "Contract Tracker <tracker@example.com>"
    message["To"] = to
    if cc:
        message["Cc"] = cc
    if bcc:
        message["Bcc"] = bcc
    message["Subject"] = subject or f"Reminder {n}: notice deadline for C-001 in 30 days"
    message["Message-ID"] = f"<reminder.abc{n:03d}@example.com>"
    message.set_content(f"Reminder {n}: give notice by 2027-03-31.")
    message.add_alternative(
        f"<p>Reminder {n}: give notice by <b>2027-03-31</b>.</p>", subtype="html"
    )
    return message


@pytest.fixture
def sleeps() -> list[float]:
    """The waits the transport asked for, instead of sleeping."""
    return []


@pytest.fixture
def server() -> Iterator[SmtpServer]:
    """A STARTTLS server that requires a login."""
    with SmtpServer(tls=True, auth=(USER, PASSWORD)) as running:
        yield running


@pytest.fixture
def plain_server() -> Iterator[SmtpServer]:
    """A server without TLS or login, like a local relay."""
    with SmtpServer() as running:
        yield running


def connect(server: SmtpServer, password: str | None = PASSWORD, **kwargs: object) -> SmtpTransport:
    """A transport for ``server`` that trusts its CA."""
    user = USER if server.auth else None
    kwargs.setdefault("ssl_context", server.client_ssl_context())
    return SmtpTransport(server.url(user=user), password, **kwargs)  # type: ignore[arg-type]


def free_port() -> int:
    """A loopback port nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_starttls_and_login_deliver_a_multipart_message(server: SmtpServer) -> None:
    """STARTTLS + AUTH delivers text and HTML with the headers the message had."""
    sent = reminder(cc="Carol <carol@example.com>")
    with connect(server) as transport:
        transport.send(sent)
    [got] = server.messages
    assert (got.tls, got.login) == (True, USER)
    for header in ("From", "To", "Cc", "Subject", "Message-ID"):
        assert got[header] == sent[header]
    assert got.envelope_from == "tracker@example.com"
    assert got.envelope_to == ["alice@example.com", "carol@example.com"]
    assert got.get_body(("plain",)).get_content().strip() == (  # type: ignore[union-attr]
        "Reminder 1: give notice by 2027-03-31."
    )
    assert "<b>2027-03-31</b>" in got.get_body(("html",)).get_content()  # type: ignore[union-attr]


def test_implicit_tls_delivers() -> None:
    """smtps:// speaks TLS from the first byte and logs in."""
    with SmtpServer(implicit_tls=True, auth=(USER, PASSWORD)) as server:
        assert server.url(user=USER).startswith("smtps://")
        with connect(server) as transport:
            transport.send(reminder())
        assert [(m.tls, m.login) for m in server.messages] == [(True, USER)]


def test_percent_encoded_user_name_logs_in(server: SmtpServer) -> None:
    """A user name like robot%40example.com is decoded before the login."""
    url = f"smtp://robot%40example.com@127.0.0.1:{server.port}"
    with SmtpTransport(url, PASSWORD, ssl_context=server.client_ssl_context()) as tr:
        tr.send(reminder())
    assert server.messages[0].login == USER


def test_server_without_starttls_is_refused(plain_server: SmtpServer) -> None:
    """Without STARTTLS on offer nothing is sent in clear text."""
    url = f"smtp://127.0.0.1:{plain_server.port}"
    with SmtpTransport(url, None) as transport, pytest.raises(DeliveryError) as caught:
        transport.send(reminder())
    assert str(caught.value) == (
        f"the server at 127.0.0.1:{plain_server.port} does not offer STARTTLS; "
        "refusing to send in clear text"
    )
    assert plain_server.messages == []


def test_starttls_no_sends_in_clear_on_loopback(plain_server: SmtpServer) -> None:
    """?starttls=no delivers to a loopback relay without TLS."""
    assert plain_server.url().endswith("?starttls=no")
    with SmtpTransport(plain_server.url(), None) as transport:
        transport.send(reminder())
    assert [m.tls for m in plain_server.messages] == [False]


def test_password_without_user_sends_without_login(plain_server: SmtpServer) -> None:
    """A password in the environment does not matter when the URL names no user."""
    with SmtpTransport(plain_server.url(), PASSWORD) as transport:
        transport.send(reminder())
    assert [m.login for m in plain_server.messages] == [None]


def test_user_without_password_is_a_usage_error(server: SmtpServer) -> None:
    """A URL with a user name but no password is refused before connecting."""
    with pytest.raises(UsageError, match="SHEETSYNC_SMTP_PASSWORD"):
        SmtpTransport(server.url(user=USER), None)
    assert server.connections == 0


def test_starttls_no_is_refused_for_a_remote_host() -> None:
    """?starttls=no for a non-loopback host is a usage error, before any connection."""
    with pytest.raises(UsageError, match="only for a loopback host"):
        SmtpTransport("smtp://relay.example.com:25?starttls=no", None)


def test_wrong_password_is_in_no_error_and_no_log(
    server: SmtpServer, caplog: pytest.LogCaptureFixture, sleeps: list[float]
) -> None:
    """A refused login names the user and the reply, never the password."""
    secret = "hunter2-wrong-secret"
    caplog.set_level(logging.DEBUG)
    transport = connect(server, password=secret, policy=SmtpPolicy(sleep=sleeps.append))
    with transport, pytest.raises(DeliveryError, match="refused the login") as caught:
        transport.send(reminder())
    text = "".join(traceback.format_exception(caught.value))
    assert "535" in text
    assert secret not in text
    assert secret not in caplog.text
    assert sleeps == []


def test_password_is_not_in_the_repr(server: SmtpServer) -> None:
    """repr() of a transport shows where it sends, not the password."""
    transport = connect(server)
    assert repr(transport) == f"<SmtpTransport smtp://{USER}@127.0.0.1:{server.port}>"
    assert PASSWORD not in repr(vars(transport))


def test_password_in_the_url_is_refused() -> None:
    """A password inside the URL is a usage error that does not repeat it."""
    with pytest.raises(UsageError, match="SHEETSYNC_SMTP_PASSWORD") as caught:
        SmtpTransport("smtp://robot:s3cr3t-pw@smtp.example.com", None)
    assert "s3cr3t-pw" not in str(caught.value)


def test_login_required_but_no_user(server: SmtpServer, sleeps: list[float]) -> None:
    """A server that wants a login and gets none is a DeliveryError, not a retry."""
    url = f"smtp://127.0.0.1:{server.port}"
    transport = SmtpTransport(
        url, None, ssl_context=server.client_ssl_context(), policy=SmtpPolicy(sleep=sleeps.append)
    )
    with transport, pytest.raises(DeliveryError, match="requires a login: 530"):
        transport.send(reminder())
    assert sleeps == []


def test_untrusted_certificate_is_refused(server: SmtpServer, sleeps: list[float]) -> None:
    """A certificate the context does not trust stops the run without retries."""
    policy = SmtpPolicy(sleep=sleeps.append)
    transport = SmtpTransport(server.url(user=USER), PASSWORD, policy=policy)
    with transport, pytest.raises(DeliveryError, match="cannot verify the TLS certificate"):
        transport.send(reminder())
    assert (server.messages, sleeps) == ([], [])


def test_refused_recipient_rejects_the_message_and_the_next_one_goes(server: SmtpServer) -> None:
    """A 550 for the only recipient is MessageRejected; the same connection sends on."""
    server.faults.refuse_recipients = {"bob@example.com"}
    with connect(server) as transport:
        with pytest.raises(MessageRejected) as caught:
            transport.send(reminder(1, to="Bob <bob@example.com>"))
        transport.send(reminder(2))
    assert caught.value.reason == "550 5.1.1 <bob@example.com>: mailbox unavailable"
    assert [m["Message-ID"] for m in server.messages] == ["<reminder.abc002@example.com>"]
    assert server.connections == 1


def test_refused_message_rejects_it_and_the_next_one_goes(server: SmtpServer) -> None:
    """A 554 after DATA is MessageRejected; the same connection sends the next message."""
    server.faults.permanent_failures = 1
    with connect(server) as transport:
        with pytest.raises(MessageRejected, match=r"^554 5\.6\.0 Message content rejected$"):
            transport.send(reminder(1))
        transport.send(reminder(2))
    assert [m["Message-ID"] for m in server.messages] == ["<reminder.abc002@example.com>"]
    assert server.connections == 1


def test_duplicate_recipients_get_one_copy(server: SmtpServer) -> None:
    """An address in both To and Cc (in any case) is in the envelope once."""
    with connect(server) as transport:
        transport.send(reminder(cc="ALICE@example.com"))
    assert [m.envelope_to for m in server.messages] == [["alice@example.com"]]


def test_partly_refused_recipients_are_recorded(server: SmtpServer) -> None:
    """When some recipients are refused the rest get it and last_refused names the others."""
    server.faults.refuse_recipients = {"bob@example.com"}
    with connect(server) as transport:
        transport.send(reminder(to="alice@example.com, bob@example.com"))
        assert transport.last_refused == {
            "bob@example.com": "550 5.1.1 <bob@example.com>: mailbox unavailable"
        }
        transport.send(reminder(2))
        assert transport.last_refused == {}
    assert [m.envelope_to for m in server.messages] == [["alice@example.com"]] * 2


def test_one_connection_per_run(server: SmtpServer) -> None:
    """Every message of a run goes over the same connection."""
    with connect(server) as transport:
        for n in range(4):
            transport.send(reminder(n))
    assert (len(server.messages), server.connections) == (4, 1)


def test_no_connection_when_nothing_is_sent(server: SmtpServer) -> None:
    """A run with nothing to send never connects."""
    with connect(server):
        pass
    assert server.connections == 0


def test_dropped_connection_reconnects_and_delivers_the_rest(sleeps: list[float]) -> None:
    """After the server hangs up the transport reconnects; each message arrives once."""
    with SmtpServer(tls=True, auth=(USER, PASSWORD), faults=ServerFaults(drop_after=2)) as server:
        with connect(server, policy=SmtpPolicy(sleep=sleeps.append)) as transport:
            for n in range(5):
                transport.send(reminder(n))
        ids = [m["Message-ID"] for m in server.messages]
        assert ids == [f"<reminder.abc{n:03d}@example.com>" for n in range(5)]
        assert server.connections == 2
    assert sleeps == [1.0]


def test_lost_reply_after_data_resends_with_the_same_message_id(sleeps: list[float]) -> None:
    """A reply lost after DATA is the one case of a resend; the copy has the same Message-ID."""
    with SmtpServer(
        tls=True, auth=(USER, PASSWORD), faults=ServerFaults(hang_up_before_reply=1)
    ) as server:
        with connect(server, policy=SmtpPolicy(sleep=sleeps.append)) as transport:
            transport.send(reminder())
        ids = [m["Message-ID"] for m in server.messages]
    assert ids == ["<reminder.abc001@example.com>"] * 2
    assert sleeps == [1.0]


def test_transient_failure_is_retried_and_delivered_once(
    server: SmtpServer, sleeps: list[float]
) -> None:
    """Two 451 replies are retried with backoff; the message arrives once."""
    server.faults.transient_failures = 2
    with connect(server, policy=SmtpPolicy(sleep=sleeps.append)) as transport:
        transport.send(reminder())
    assert len(server.messages) == 1
    assert sleeps == [1.0, 2.0]
    assert server.connections == 1


def test_retries_exhausted_is_a_delivery_error(server: SmtpServer, sleeps: list[float]) -> None:
    """A server that keeps answering 451 ends in DeliveryError after the retries."""
    server.faults.transient_failures = 100
    transport = connect(server, policy=SmtpPolicy(retries=2, sleep=sleeps.append))
    with transport, pytest.raises(DeliveryError, match=r"451 4\.3\.0 .* after 3 attempts"):
        transport.send(reminder())
    assert (server.messages, sleeps) == ([], [1.0, 2.0])


def test_unreachable_server_is_a_delivery_error(
    sleeps: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A closed port gives up with a one-line reason, backoff capped, never sleeping for real."""
    real_sleeps: list[float] = []
    monkeypatch.setattr(time, "sleep", real_sleeps.append)
    port = free_port()
    transport = SmtpTransport(
        f"smtp://127.0.0.1:{port}", None, policy=SmtpPolicy(backoff=20, sleep=sleeps.append)
    )
    with transport, pytest.raises(DeliveryError) as caught:
        transport.send(reminder())
    assert str(caught.value) == (
        f"cannot reach the mail server at 127.0.0.1:{port}: Connection refused "
        "(gave up after 4 attempts)"
    )
    assert sleeps == [20.0, 30.0, 30.0]
    assert real_sleeps == [], "the transport waited other than through its sleep"


def test_silent_server_times_out(sleeps: list[float]) -> None:
    """A server that never greets runs into the timeout, then DeliveryError."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        port = listener.getsockname()[1]
        transport = SmtpTransport(
            f"smtp://127.0.0.1:{port}",
            None,
            policy=SmtpPolicy(timeout=0.2, retries=1, sleep=sleeps.append),
        )
        with transport, pytest.raises(DeliveryError, match="timed out"):
            transport.send(reminder())
    assert sleeps == [1.0]


def test_disallowed_domain_never_reaches_the_server(server: SmtpServer) -> None:
    """A recipient outside the allowed domains is rejected without connecting."""
    transport = connect(server, allowed_domains=["example.com"])
    with transport, pytest.raises(MessageRejected, match="outside the allowed domains"):
        transport.send(reminder(cc="eve@example.com.evil.org"))
    assert server.connections == 0


def test_subdomains_of_an_allowed_domain_are_allowed(server: SmtpServer) -> None:
    """eu.example.com is inside example.com; notexample.com is not."""
    with connect(server, allowed_domains=["Example.com"]) as transport:
        transport.send(reminder(to="ops@eu.example.com"))
        with pytest.raises(MessageRejected):
            transport.send(reminder(to="ops@notexample.com"))
    assert [m.envelope_to for m in server.messages] == [["ops@eu.example.com"]]


def test_invalid_address_never_reaches_the_server(server: SmtpServer) -> None:
    """A malformed recipient is rejected without connecting."""
    with connect(server) as transport, pytest.raises(MessageRejected, match="not a valid email"):
        transport.send(reminder(to="alice@example"))
    assert server.connections == 0


def test_unreadable_address_list_is_rejected(server: SmtpServer) -> None:
    """'a@x.com b@y.com' (no comma) is refused rather than silently losing b@y.com."""
    with connect(server) as transport, pytest.raises(MessageRejected, match="cannot be read"):
        transport.send(reminder(to="alice@example.com bob@example.com"))
    assert server.connections == 0


def test_bcc_gets_the_message_but_is_not_shown(server: SmtpServer) -> None:
    """A Bcc address is in the envelope and not in the delivered headers."""
    with connect(server) as transport:
        transport.send(reminder(bcc="audit@example.com"))
    [got] = server.messages
    assert got.envelope_to == ["alice@example.com", "audit@example.com"]
    assert got["Bcc"] is None


def test_email_message_refuses_a_line_break_in_the_subject() -> None:
    """EmailMessage itself refuses a Subject carrying CR/LF and a Bcc line."""
    message = EmailMessage()
    with pytest.raises(ValueError, match="linefeed or carriage return"):
        message["Subject"] = "Renewal\r\nBcc: evil@x.com"


def test_header_text_does_not_add_a_recipient(server: SmtpServer) -> None:
    """'Bcc: evil@x.com' inside a Subject stays text; only To is in the envelope."""
    with connect(server) as transport:
        transport.send(reminder(subject="Renewal Bcc: evil@x.com"))
    assert [m.envelope_to for m in server.messages] == [["alice@example.com"]]


def test_smuggled_line_break_is_rejected(server: SmtpServer) -> None:
    """A raw header with a bare line break (bypassing EmailMessage) is never sent."""
    message = reminder()
    del message["Subject"]
    message.set_raw("Subject", "Renewal\r\nBcc: evil@x.com")
    with connect(server) as transport, pytest.raises(MessageRejected, match="line break"):
        transport.send(message)
    assert server.connections == 0


def test_a_url_of_another_scheme_is_refused() -> None:
    """SmtpTransport refuses a URL that is not smtp:// or smtps://, naming the scheme."""
    with pytest.raises(UsageError, match="not an SMTP URL \\(scheme 'outbox'\\)"):
        SmtpTransport("outbox:///tmp/mail", None)
