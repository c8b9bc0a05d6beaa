"""One SMTP connection that cannot hang, and a login that works with any password.

smtplib waits ``timeout`` seconds for each read, so a server that sends a byte
every few seconds keeps it waiting forever. Here every read and write also stops
at the deadlines the transport sets (one per attempt, one per run), whatever the
server trickles. ``login`` sends a user name or password that is not ASCII as
UTF-8 (AUTH PLAIN, else AUTH LOGIN), which smtplib cannot.
"""

from __future__ import annotations

import base64
import smtplib
import socket
import time
from typing import Any


class Deadline:
    """A moment by which something must be done, on the monotonic clock."""

    def __init__(self, seconds: float, what: str) -> None:
        self.seconds = seconds
        self.what = what
        self._end = time.monotonic() + seconds

    def remaining(self) -> float:
        """Seconds left, 0 once passed."""
        return max(0.0, self._end - time.monotonic())

    def passed(self) -> bool:
        """Whether the moment has come."""
        return self.remaining() <= 0


class TooSlow(TimeoutError):
    """A deadline passed while waiting for the server."""


class _Timed:
    """Mixin for smtplib.SMTP: each read and write waits at most until the nearest deadline."""

    sock: socket.socket | None
    file: Any
    timeout: float
    deadlines: tuple[Deadline, ...] = ()

    def arm(self) -> None:
        """Set the socket's timeout to what is left; raise TooSlow when nothing is."""
        left = min((d.remaining() for d in self.deadlines), default=self.timeout)
        if left <= 0:
            raise TooSlow("timed out")
        if self.sock is not None:
            self.sock.settimeout(min(self.timeout, left))

    def getreply(self) -> tuple[int, bytes]:
        if self.file is None and self.sock is not None:
            self.file = _LineReader(self.sock, self.arm)
        return super().getreply()  # type: ignore[misc]

    def send(self, s: Any) -> None:
        self.arm()
        super().send(s)  # type: ignore[misc]


class _LineReader:
    """What smtplib reads replies from: lines off the socket, re-armed before each read."""

    def __init__(self, sock: socket.socket, arm: Any) -> None:
        self._sock = sock
        self._arm = arm
        self._buffer = b""

    def readline(self, limit: int = -1) -> bytes:
        while b"\n" not in self._buffer and (limit < 0 or len(self._buffer) < limit):
            self._arm()
            chunk = self._sock.recv(4096)
            if not chunk:
                break
            self._buffer += chunk
        end = self._buffer.find(b"\n") + 1 or len(self._buffer)
        if limit >= 0:
            end = min(end, limit)
        line, self._buffer = self._buffer[:end], self._buffer[end:]
        return line

    def close(self) -> None:
        self._buffer = b""


class TimedSMTP(_Timed, smtplib.SMTP):
    """smtplib.SMTP bounded by ``deadlines`` (set before connecting, changed per attempt)."""

    def __init__(self, host: str, port: int, *, timeout: float, deadlines: tuple[Deadline, ...]):
        self.deadlines = deadlines
        left = min(d.remaining() for d in deadlines)
        super().__init__(host, port, timeout=min(timeout, left) or 0.001)
        self.timeout = timeout


class TimedSMTPS(_Timed, smtplib.SMTP_SSL):
    """smtplib.SMTP_SSL bounded by ``deadlines``, like TimedSMTP."""

    def __init__(
        self, host: str, port: int, *, timeout: float, deadlines: tuple[Deadline, ...], **ssl: Any
    ):
        self.deadlines = deadlines
        left = min(d.remaining() for d in deadlines)
        super().__init__(host, port, timeout=min(timeout, left) or 0.001, **ssl)
        self.timeout = timeout


def login(smtp: smtplib.SMTP, user: str, password: str) -> None:
    """Log in; a user name or password that is not ASCII goes as UTF-8.

    Raises:
        smtplib.SMTPAuthenticationError: the server refused the login.
        smtplib.SMTPException: the server offers no mechanism that carries UTF-8.
    """
    if (user + password).isascii():
        smtp.login(user, password)
        return
    offered = smtp.esmtp_features.get("auth", "").upper().split()
    if "PLAIN" in offered:
        code, reply = smtp.docmd("AUTH", "PLAIN " + _b64(f"\0{user}\0{password}"))
    elif "LOGIN" in offered:
        code, reply = smtp.docmd("AUTH", "LOGIN")
        if code == 334:
            code, reply = smtp.docmd(_b64(user))
        if code == 334:
            code, reply = smtp.docmd(_b64(password))
    else:
        raise smtplib.SMTPException(
            "the server offers no login (AUTH PLAIN or LOGIN) that carries a non-ASCII password"
        )
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, reply)


def _b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")
