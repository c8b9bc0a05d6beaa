"""Deliver mail over SMTP: ``smtp://`` with STARTTLS, or ``smtps://`` (implicit TLS).

The guarantee: at-least-once, no avoidable duplicate, nothing lost silently.

- ``send`` returns only after the server answered 250 to the end of DATA for at
  least one recipient. Otherwise it raises: ``MessageRejected`` when the server
  refused this one message for good (5xx), ``DeliveryError`` when it could not be
  delivered at all. Nothing is dropped without an exception the pipeline records.
- A message is sent again only when the server did not accept it: a 4xx reply, a
  lost connection, a timeout. The transport reconnects and retries with capped
  exponential backoff; a message the server accepted is never sent twice.
- Nothing waits forever: each read waits ``timeout`` seconds at most, each
  attempt (connecting and logging in, then one message) ``attempt_deadline``, and
  the whole run's sending ``run_deadline``, however slowly the server trickles its
  answers (``smtp_session``). Past the run's deadline the transport stops. The one
  window no SMTP client can close is a connection lost after the end of DATA and
  before the reply: then the message is resent (at-least-once) with the same
  deterministic ``Message-ID``, so mail systems can fold the copy.
- Recipients are checked before the server is contacted: every To/Cc/Bcc address
  must be well formed and, when ``allowed_domains`` is set, inside one of those
  domains or a subdomain of one. The envelope is exactly those addresses; Bcc is
  never transmitted in the headers.
- When the server refuses some but not all recipients, the message was delivered
  to the others: ``send`` returns and ``last_refused`` maps each refused address
  to the server's one-line reason. (All refused is ``MessageRejected``.)
- Mail goes only over TLS (certificate checked) unless the URL says
  ``?starttls=no`` for a loopback host. The password is never in a log line, an
  exception message or a repr.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage

from sheetsync.errors import DeliveryError, MessageRejected, UsageError

from .base import ContextTransport
from .envelope import envelope_of, normalize_domain
from .smtp_session import Deadline, TimedSMTP, TimedSMTPS, login
from .smtp_url import Endpoint, parse_url
from .wire import Wire, flatten

__all__ = ["SmtpPolicy", "SmtpTransport"]

log = logging.getLogger(__name__)

MAX_BACKOFF = 30.0
"""The longest wait between two attempts, in seconds."""


@dataclass(frozen=True)
class SmtpPolicy:
    """How long to wait and how often to try again.

    Args:
        timeout: seconds for the connection and each read.
        attempt_deadline: seconds for connecting and logging in, and for each message.
        run_deadline: seconds for all the sending of a run, from the first message.
        retries: further attempts after a transient failure.
        backoff: seconds before the first retry, doubling up to ``MAX_BACKOFF``.
        sleep: how to wait between attempts (tests record instead of sleeping).
    """

    timeout: float = 30
    attempt_deadline: float = 120
    run_deadline: float = 1800
    retries: int = 3
    backoff: float = 1.0
    sleep: Callable[[float], None] = time.sleep

    def __post_init__(self) -> None:
        if self.retries < 0:
            raise ValueError("retries must be 0 or more")


class _Secret:
    """A password that shows up as *** in reprs and is scrubbed from messages."""

    __slots__ = ("_value",)

    def __init__(self, value: str | None) -> None:
        self._value = value or None

    def __repr__(self) -> str:
        return "***" if self._value else "None"

    def reveal(self) -> str:
        assert self._value is not None
        return self._value

    def scrub(self, text: str) -> str:
        """``text`` on one line, with the password (if any) replaced by ***."""
        text = " ".join(text.split())
        return text.replace(self._value, "***") if self._value else text


class _Transient(Exception):
    """A failure worth another attempt (4xx, lost connection, timeout)."""


class SmtpTransport(ContextTransport):
    """Sends messages through one SMTP connection per run; see the module docstring.

    Use it as a context manager: the connection opens on the first ``send`` and
    closes with QUIT on exit.

    Args:
        url: ``smtp://[user@]host[:587][?starttls=no]`` or ``smtps://…[:465]``; a user
            name may be percent-encoded (``user%40example.com@smtp.example.com``). No
            password in it.
        password: the login password (from ``SHEETSYNC_SMTP_PASSWORD``); ignored when
            the URL names no user (no login then). UTF-8 is fine.
        allowed_domains: recipients must be in one of these domains or their subdomains.
        policy: timeouts, deadlines and retries (``SmtpPolicy``; its defaults when None).
        ssl_context: default: the system's trusted CAs.

    Raises:
        UsageError: the URL is not a usable SMTP URL, or it names a user but no
            password was given.

    Attributes:
        last_refused: for the last message sent, each refused recipient → the
            server's reason (empty when all were accepted).
    """

    name = "smtp"

    def __init__(
        self,
        url: str,
        password: str | None,
        *,
        allowed_domains: Sequence[str] = (),
        policy: SmtpPolicy | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        policy = policy or SmtpPolicy()
        self._endpoint = _endpoint(url, password)
        self._secret = _Secret(password)
        self._allowed = tuple(normalize_domain(d) for d in allowed_domains if d.strip())
        self._timeout = policy.timeout
        self._limits = (policy.attempt_deadline, policy.run_deadline)
        self._run: Deadline | None = None
        self._attempt_deadline = Deadline(policy.attempt_deadline, "attempt")
        self._retries = policy.retries
        self._backoff = policy.backoff
        self._ssl_context = ssl_context or ssl.create_default_context()
        self._sleep = policy.sleep
        self._smtp: TimedSMTP | TimedSMTPS | None = None
        self.last_refused: dict[str, str] = {}

    def __repr__(self) -> str:
        scheme = "smtps" if self._endpoint.implicit_tls else "smtp"
        user = f"{self._endpoint.user}@" if self._endpoint.user else ""
        return f"<SmtpTransport {scheme}://{user}{self._endpoint}>"

    def close(self) -> None:
        """Say QUIT and close the connection, if one is open."""
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        smtp.deadlines = (Deadline(self._timeout, "quit"),)
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()

    def send(self, message: EmailMessage) -> None:
        """Deliver ``message`` to its To/Cc/Bcc addresses.

        Recipients the server refused while accepting the others are in
        ``last_refused`` afterwards (the message counts as sent).

        Raises:
            MessageRejected: a recipient is malformed or outside the allowed
                domains (the server is not contacted), or the server refused the
                message or all its recipients for good. The transport stays usable.
            DeliveryError: the server cannot be reached or used, after the retries.
        """
        sender, recipients = envelope_of(message, self._allowed)
        self.last_refused = {}
        wire = flatten(message, [sender, *recipients])  # once, whatever the attempts
        refused = self._deliver(message, sender, recipients, wire)
        self.last_refused = refused
        if refused:
            log.warning(
                "sent %s, but %s refused %s",
                message["Message-ID"],
                self._endpoint,
                "; ".join(refused.values()),
            )

    def _deliver(
        self, message: EmailMessage, sender: str, recipients: list[str], wire: Wire
    ) -> dict[str, str]:
        """Send with retries; returns the refused recipients."""
        if self._run is None:
            self._run = Deadline(self._limits[1], "run")
        attempts = self._retries + 1
        reason = ""
        for attempt in range(attempts):
            try:
                return self._attempt(message, sender, recipients, wire)
            except _Transient as exc:
                reason = str(exc)
            if attempt + 1 < attempts:
                self._pause(attempt, reason, message)
        raise DeliveryError(f"{reason} (gave up after {attempts} attempts)")

    def _pause(self, attempt: int, reason: str, message: EmailMessage) -> None:
        """Wait before the next attempt: backoff, doubling, at most MAX_BACKOFF."""
        delay = min(self._backoff * 2**attempt, MAX_BACKOFF)
        if self._run is not None and delay >= self._run.remaining():
            raise self._out_of_time(reason)
        log.warning(
            "%s; retrying %s in %.1f s (attempt %d of %d)",
            *(reason, message["Message-ID"], delay, attempt + 2, self._retries + 1),
        )
        self._sleep(delay)

    def _attempt(
        self, message: EmailMessage, sender: str, recipients: list[str], wire: Wire
    ) -> dict[str, str]:
        """One try at sending over the current (or a new) connection, within the deadlines."""
        self._attempt_deadline = Deadline(self._limits[0], "attempt")
        smtp = self._connection()
        smtp.deadlines = self._deadlines()
        try:
            wire.check(smtp)
            refused = smtp.sendmail(sender, recipients, wire.data, wire.options)
        except (smtplib.SMTPException, OSError) as exc:
            error = self._too_slow(str(exc)) or self._classify(exc)
            if not _still_connected(smtp, exc):
                self._drop()
            raise error from exc
        log.info("sent %s via %s", message["Message-ID"], self._endpoint)
        return {address: self._reply(code, text) for address, (code, text) in refused.items()}

    def _deadlines(self) -> tuple[Deadline, ...]:
        return (self._run, self._attempt_deadline) if self._run else (self._attempt_deadline,)

    def _too_slow(self, why: str) -> Exception | None:
        """The error for a deadline that has passed, or None."""
        if self._run is not None and self._run.passed():
            return self._out_of_time(why)
        if self._attempt_deadline.passed():
            return _Transient(
                f"the mail server at {self._endpoint} is too slow: no complete answer "
                f"within {self._attempt_deadline.seconds:g} s"
            )
        return None

    def _out_of_time(self, why: str) -> DeliveryError:
        return DeliveryError(
            self._secret.scrub(
                f"stopped sending: the mail server at {self._endpoint} used up the run's "
                f"{self._limits[1]:g} s for sending ({why})"
            )
        )

    def _connection(self) -> TimedSMTP | TimedSMTPS:
        """The open connection, or a new one."""
        if self._smtp is not None and self._smtp.sock is not None:
            return self._smtp
        self._drop()
        try:
            self._smtp = self._connect()
        except (smtplib.SMTPException, OSError) as exc:
            raise (self._too_slow(str(exc)) or self._classify_connect(exc)) from exc
        return self._smtp

    def _connect(self) -> TimedSMTP | TimedSMTPS:
        """Connect, say EHLO, secure the channel and log in."""
        where = self._endpoint
        smtp: TimedSMTP | TimedSMTPS
        timeout, deadlines = self._timeout, self._deadlines()
        if where.implicit_tls:
            smtp = TimedSMTPS(
                where.host,
                where.port,
                timeout=timeout,
                deadlines=deadlines,
                context=self._ssl_context,
            )
        else:
            smtp = TimedSMTP(where.host, where.port, timeout=timeout, deadlines=deadlines)
        try:
            self._secure_and_login(smtp)
        except BaseException:
            smtp.close()
            raise
        log.info("connected to the mail server at %s", where)
        return smtp

    def _secure_and_login(self, smtp: smtplib.SMTP) -> None:
        where = self._endpoint
        smtp.ehlo()
        if where.starttls:
            if not smtp.has_extn("starttls"):
                raise DeliveryError(
                    f"the server at {where} does not offer STARTTLS; refusing to send in clear text"
                )
            smtp.starttls(context=self._ssl_context)
            smtp.ehlo()
        if where.user:
            self._login(smtp, where.user)

    def _login(self, smtp: smtplib.SMTP, user: str) -> None:
        if not smtp.has_extn("auth"):
            raise DeliveryError(f"the server at {self._endpoint} does not offer AUTH (login)")
        try:
            login(smtp, user, self._secret.reveal())
        except smtplib.SMTPAuthenticationError as exc:
            reply = self._reply(exc.smtp_code, exc.smtp_error)
            if exc.smtp_code >= 500:
                raise DeliveryError(
                    f"the server at {self._endpoint} refused the login for {user!r}: {reply}"
                ) from None
            raise _Transient(f"the server at {self._endpoint} answered {reply}") from None

    def _classify_connect(self, exc: Exception) -> Exception:
        """Translate a failure while connecting."""
        if isinstance(exc, ssl.SSLCertVerificationError):
            return DeliveryError(
                f"cannot verify the TLS certificate of {self._endpoint}: {exc.verify_message}"
            )
        if isinstance(exc, ssl.SSLError):
            why = exc.reason or str(exc)
            return DeliveryError(f"TLS with the mail server at {self._endpoint} failed: {why}")
        if isinstance(exc, smtplib.SMTPException) or not isinstance(exc, OSError):
            return self._classify(exc)
        why = exc.strerror or str(exc) or type(exc).__name__
        return _Transient(
            self._secret.scrub(f"cannot reach the mail server at {self._endpoint}: {why}")
        )

    def _classify(self, exc: Exception) -> Exception:
        """Translate an smtplib or socket error: MessageRejected, DeliveryError or _Transient."""
        if isinstance(exc, smtplib.SMTPRecipientsRefused):
            replies = [self._reply(code, text) for code, text in exc.recipients.values()]
            permanent = all(code >= 500 for code, _ in exc.recipients.values())
            return (MessageRejected if permanent else _Transient)("; ".join(replies))
        if isinstance(exc, smtplib.SMTPResponseException):
            return self._classify_reply(exc)
        if isinstance(exc, smtplib.SMTPNotSupportedError):
            return MessageRejected(self._secret.scrub(str(exc)))
        # SMTPException subclasses OSError: a bare OSError is a socket failure.
        if isinstance(exc, smtplib.SMTPServerDisconnected) or (
            isinstance(exc, OSError) and not isinstance(exc, smtplib.SMTPException)
        ):
            why = str(exc) or type(exc).__name__
            return _Transient(
                self._secret.scrub(
                    f"lost the connection to the mail server at {self._endpoint}: {why}"
                )
            )
        return DeliveryError(self._secret.scrub(f"{self._endpoint}: {exc}"))

    def _classify_reply(self, exc: smtplib.SMTPResponseException) -> Exception:
        reply = self._reply(exc.smtp_code, exc.smtp_error)
        if 400 <= exc.smtp_code < 500:
            return _Transient(f"the server at {self._endpoint} answered {reply}")
        if exc.smtp_code == 530:
            return DeliveryError(f"the server at {self._endpoint} requires a login: {reply}")
        if isinstance(exc, smtplib.SMTPSenderRefused):
            return MessageRejected(f"sender {exc.sender} refused: {reply}")
        if isinstance(exc, smtplib.SMTPDataError):
            return MessageRejected(reply)
        return DeliveryError(f"the server at {self._endpoint} answered {reply}")

    def _reply(self, code: int, text: bytes | str) -> str:
        """A server reply as one line, e.g. ``550 5.1.1 <bob@x.com>: mailbox unavailable``."""
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        return self._secret.scrub(f"{code} {text}")

    def _drop(self) -> None:
        """Forget the connection without QUIT (it is broken)."""
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            smtp.close()


def _endpoint(url: str, password: str | None) -> Endpoint:
    """Where and how to connect, from the URL; a URL naming a user needs a password."""
    endpoint = parse_url(url)
    if endpoint.user and not password:
        raise UsageError(
            f"the mail URL names user {endpoint.user!r} but no password was given "
            "(set SHEETSYNC_SMTP_PASSWORD)"
        )
    return endpoint


def _still_connected(smtp: smtplib.SMTP, exc: Exception) -> bool:
    """Whether ``smtp`` can carry the next message (a refusal, not a broken link)."""
    replied = (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused)
    return isinstance(exc, replied) and smtp.sock is not None
