"""A real SMTP server on loopback, for tests of sheetsync and of your own setup.

``SmtpServer`` wraps aiosmtpd's ``Controller``: it listens on 127.0.0.1 on a free
port in a background thread, keeps every accepted message in ``messages`` and can
misbehave on purpose (``ServerFaults``: refuse recipients, drop the connection, answer 451)::

    from sheetsync.testing.smtpd import SmtpServer
    from sheetsync.transports.smtp import SmtpTransport

    with SmtpServer(tls=True, auth=("robot@example.com", "s3cret")) as server:
        transport = SmtpTransport(
            server.url(user="robot@example.com"), "s3cret",
            ssl_context=server.client_ssl_context(),
        )
        with transport:
            transport.send(message)
        assert server.messages[0]["Subject"] == message["Subject"]

The TLS certificate is issued by a throwaway trustme CA; ``client_ssl_context()``
is a client context that trusts it (and nothing else).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import ssl
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from types import TracebackType
from typing import Any, AnyStr
from urllib.parse import quote

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session, TLSSetupException

__all__ = ["ReceivedMessage", "ServerFaults", "SmtpServer"]

HOST = "127.0.0.1"
_AIOSMTPD_LOG = logging.getLogger("mail.log")


class ReceivedMessage(EmailMessage):
    """A message the server accepted, with the SMTP envelope it came with.

    Attributes:
        envelope_from: the address given in MAIL FROM.
        envelope_to: the addresses accepted in RCPT TO, in order (Bcc included).
        login: the user name the client logged in as, or None.
        tls: whether the message travelled over TLS (STARTTLS or implicit).
    """

    envelope_from: str
    envelope_to: list[str]
    login: str | None
    tls: bool


@dataclass
class ServerFaults:
    """How an ``SmtpServer`` misbehaves on purpose; it may be changed while the server runs.

    The counts go down as the server uses them up.

    Args:
        refuse_recipients: addresses answered ``550 5.1.1`` at RCPT TO.
        drop_after: close the connection right after the k-th accepted message,
            once; later connections are served normally.
        transient_failures: answer ``451`` to the next n DATA commands.
        permanent_failures: answer ``554`` to the next n DATA commands.
        hang_up_before_reply: keep the next n messages but hang up instead of
            answering 250, so the client cannot know they arrived (the one case
            where a retrying client delivers twice).
        stall_before_reply: keep the next n messages but, instead of 250, send a
            reply that never ends, one byte every 20 ms, until the client hangs up
            (a server that trickles: only a client's deadline ends the wait).
    """

    refuse_recipients: set[str] = field(default_factory=set)
    drop_after: int | None = None
    transient_failures: int = 0
    permanent_failures: int = 0
    hang_up_before_reply: int = 0
    stall_before_reply: int = 0


class SmtpServer:
    """An in-process SMTP server on 127.0.0.1, used as a context manager.

    Args:
        tls: offer STARTTLS with a trustme certificate for 127.0.0.1/localhost.
        implicit_tls: speak TLS from the first byte (smtps).
        auth: ``(user, password)`` that must log in (AUTH PLAIN/LOGIN, only over
            TLS) before MAIL FROM is accepted; None accepts anyone.
        auth_mechanisms: the AUTH mechanisms offered, of PLAIN and LOGIN (both
            by default).
        faults: how it misbehaves (``ServerFaults``; by default it does not).

    Attributes:
        host, port: where it listens (port is chosen by the OS on ``__enter__``).
        messages: a snapshot list of the accepted ``ReceivedMessage`` objects.
        connections: how many client connections it has served so far.
        faults: may be changed while it runs.
    """

    def __init__(
        self,
        *,
        tls: bool = False,
        implicit_tls: bool = False,
        auth: tuple[str, str] | None = None,
        auth_mechanisms: Iterable[str] = ("PLAIN", "LOGIN"),
        faults: ServerFaults | None = None,
    ) -> None:
        if tls and implicit_tls:
            raise ValueError("choose tls (STARTTLS) or implicit_tls, not both")
        self.tls = tls
        self.implicit_tls = implicit_tls
        self.auth = auth
        self.faults = faults or ServerFaults()
        self.auth_mechanisms = {m.upper() for m in auth_mechanisms}
        self.host = HOST
        self.port = 0
        self._ca = trustme.CA()
        self._lock = threading.Lock()
        self._messages: list[ReceivedMessage] = []
        self._connections = 0
        self._dropped = False
        self._controller: _Controller | None = None

    def __repr__(self) -> str:
        return f"<SmtpServer {self.url()} messages={len(self._messages)}>"

    def __enter__(self) -> SmtpServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        """Start listening; ``port`` is set when this returns."""
        controller = _Controller(self, self._server_context())
        controller.start()
        _AIOSMTPD_LOG.addFilter(_quiet_login_data_warning)
        self._controller = controller
        self.port = controller.port
        with self._lock:
            self._connections = 0  # forget the controller's own start-up probe

    def stop(self) -> None:
        """Stop listening and close every connection."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
        _AIOSMTPD_LOG.removeFilter(_quiet_login_data_warning)

    @property
    def messages(self) -> list[ReceivedMessage]:
        """The accepted messages so far, oldest first (a copy)."""
        with self._lock:
            return list(self._messages)

    @property
    def connections(self) -> int:
        """How many connections clients have opened so far."""
        with self._lock:
            return self._connections

    def url(self, user: str | None = None) -> str:
        """The URL ``SmtpTransport`` needs to reach this server.

        A server without TLS gets ``?starttls=no`` (allowed on loopback only).
        """
        scheme = "smtps" if self.implicit_tls else "smtp"
        userinfo = f"{quote(user, safe='')}@" if user else ""
        query = "" if self.tls or self.implicit_tls else "?starttls=no"
        return f"{scheme}://{userinfo}{self.host}:{self.port}{query}"

    def client_ssl_context(self) -> ssl.SSLContext:
        """A client context that trusts this server's certificate authority."""
        context = ssl.create_default_context()
        self._ca.configure_trust(context)
        return context

    def _server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._ca.issue_cert(HOST, "localhost").configure_cert(context)
        return context

    # Called from the server thread.

    def _connected(self) -> None:
        with self._lock:
            self._connections += 1

    def _refuses(self, address: str) -> bool:
        with self._lock:
            return address.lower() in {a.lower() for a in self.faults.refuse_recipients}

    def _data_failure(self) -> str | None:
        """The reply for a DATA command that should fail, or None."""
        with self._lock:
            if self.faults.transient_failures > 0:
                self.faults.transient_failures -= 1
                return "451 4.3.0 Temporary failure, try again later"
            if self.faults.permanent_failures > 0:
                self.faults.permanent_failures -= 1
                return "554 5.6.0 Message content rejected"
            return None

    def _accept(self, message: ReceivedMessage) -> str | None:
        """Keep the message; say whether to hang up "before" or "after" the reply, or "stall"."""
        with self._lock:
            self._messages.append(message)
            if self.faults.hang_up_before_reply > 0:
                self.faults.hang_up_before_reply -= 1
                return "before"
            if self.faults.stall_before_reply > 0:
                self.faults.stall_before_reply -= 1
                return "stall"
            if not self._dropped and len(self._messages) == self.faults.drop_after:
                self._dropped = True
                return "after"
            return None


class _Protocol(SMTP):
    """aiosmtpd's SMTP session, able to hang up or stall just before or after a DATA reply."""

    hang_up: str | None = None

    async def push(self, status: AnyStr) -> None:
        if self.hang_up == "before":
            self._hang_up()
        elif self.hang_up == "stall":
            await self._trickle(b"250-still storing the message\r\n")
        else:
            await super().push(status)

    async def _trickle(self, line: bytes) -> None:
        """Send ``line`` over and over, a byte at a time, until the client hangs up."""
        for byte in itertools.cycle(line):
            transport = self.transport
            if not isinstance(transport, asyncio.WriteTransport) or transport.is_closing():
                break
            transport.write(bytes([byte]))
            await asyncio.sleep(0.02)
        self._hang_up()

    async def smtp_DATA(self, arg: str) -> None:
        await super().smtp_DATA(arg)
        if self.hang_up == "after":
            self._hang_up()

    def _hang_up(self) -> None:
        """Close like QUIT does, minus the 221: the client learns on its next read."""
        if self.transport is not None:
            assert self._handler_coroutine is not None
            self._handler_coroutine.cancel()
            self.transport.close()


class _Controller(Controller):
    """A Controller on a free port that counts connections."""

    def __init__(self, owner: SmtpServer, tls_context: ssl.SSLContext) -> None:
        kwargs: dict[str, Any] = {
            "authenticator": _Authenticator(owner.auth),
            "auth_require_tls": not owner.implicit_tls,
            "auth_exclude_mechanism": {"PLAIN", "LOGIN"} - owner.auth_mechanisms,
        }
        if owner.tls:
            kwargs["tls_context"] = tls_context
        super().__init__(
            _Handler(owner),
            hostname=HOST,
            port=0,
            ssl_context=tls_context if owner.implicit_tls else None,
            server_hostname="sheetsync.test",
            **kwargs,
        )
        self._owner = owner

    def factory(self) -> SMTP:
        self._owner._connected()
        return _Protocol(self.handler, loop=self.loop, **self.SMTP_kwargs)

    def _trigger_server(self) -> None:
        assert isinstance(self.server, asyncio.Server)
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class _Authenticator:
    """Accepts exactly one user name and password (nobody when none is set)."""

    def __init__(self, credentials: tuple[str, str] | None) -> None:
        self._credentials = credentials

    def __call__(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        if not isinstance(data, LoginPassword) or self._credentials is None:
            return AuthResult(success=False, handled=False)
        user, password = self._credentials
        given = (data.login.decode("utf-8", "replace"), data.password.decode("utf-8", "replace"))
        return AuthResult(success=given == (user, password), handled=False, auth_data=data.login)


class _Handler:
    """The aiosmtpd hooks: login check, refusals, faults, the mailbox."""

    def __init__(self, owner: SmtpServer) -> None:
        self._owner = owner

    async def handle_exception(self, error: Exception) -> str:
        # A client that gives up the TLS handshake (say, over an untrusted
        # certificate) is expected in tests; anything else is logged as aiosmtpd would.
        if not isinstance(error, TLSSetupException):
            _AIOSMTPD_LOG.exception("SMTP session exception")
        return f"500 Error: ({type(error).__name__}) {error}"

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self._owner.auth is not None and not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self._owner._refuses(address):
            return f"550 5.1.1 <{address}>: mailbox unavailable"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        failure = self._owner._data_failure()
        if failure is not None:
            return failure
        message = _parse(server, session, envelope)
        hang_up = self._owner._accept(message)
        if isinstance(server, _Protocol):
            server.hang_up = hang_up
        return "250 OK"


def _quiet_login_data_warning(record: logging.LogRecord) -> bool:
    """Drop aiosmtpd's own complaint about its own deprecated attribute."""
    return "login_data is deprecated" not in record.getMessage()


def _parse(server: SMTP, session: Session, envelope: Envelope) -> ReceivedMessage:
    """The envelope's content as a ReceivedMessage."""
    parser = BytesParser(_class=ReceivedMessage, policy=policy.default)
    message = parser.parsebytes(envelope.original_content or b"")
    assert isinstance(message, ReceivedMessage)
    message.envelope_from = envelope.mail_from or ""
    message.envelope_to = list(envelope.rcpt_tos)
    login = session.auth_data
    message.login = login.decode("utf-8", "replace") if isinstance(login, bytes) else None
    transport = server.transport
    message.tls = transport is not None and transport.get_extra_info("ssl_object") is not None
    return message
