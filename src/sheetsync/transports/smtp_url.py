"""Read an ``smtp://`` or ``smtps://`` URL into where and how to connect, or say why not.

Every error is a UsageError of one line that never repeats the URL: it might
hold a password by mistake.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import SplitResult, parse_qs, unquote, urlsplit

from ..errors import UsageError

DEFAULT_PORTS = {"smtp": 587, "smtps": 465}
SHAPE = "smtp://[user@]host[:port] or smtps://[user@]host[:port]"

_LABEL = r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?"
_HOST_NAME = re.compile(rf"^(?=.{{1,253}}\.?$){_LABEL}(?:\.{_LABEL})*\.?$")


@dataclass(frozen=True)
class Endpoint:
    """Where and how to connect, parsed from an ``smtp://`` or ``smtps://`` URL."""

    host: str
    port: int
    implicit_tls: bool
    starttls: bool
    user: str | None

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


def parse_url(url: str) -> Endpoint:
    """Parse an SMTP URL.

    Raises:
        UsageError: the URL is not of the form ``SHAPE`` (with ``?starttls=no``
            allowed for a loopback host), or it holds a password.
    """
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        raise UsageError(f"the mail URL is malformed; use {SHAPE}") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise UsageError(f"not an SMTP URL (scheme {scheme!r}); use smtp:// or smtps://")
    if parts.password is not None:
        raise UsageError(
            "the mail URL must not contain a password; set SHEETSYNC_SMTP_PASSWORD instead"
        )
    host = _host(parts)
    port = _port(parts, host, DEFAULT_PORTS[scheme])
    if parts.path not in ("", "/") or parts.fragment:
        raise UsageError(f"the mail URL has something after the host; use {SHAPE}")
    starttls = scheme == "smtp" and _starttls_wanted(parts.query, host)
    user = unquote(parts.username) if parts.username else None
    return Endpoint(host, port, scheme == "smtps", starttls, user)


def _host(parts: SplitResult) -> str:
    host = parts.hostname
    if not host:
        raise UsageError(f"the mail URL names no host; use {SHAPE}")
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        pass
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        ascii_host = ""
    if not _HOST_NAME.match(ascii_host):
        raise UsageError(f"the mail URL's host {host!r} is not a host name or an IP address")
    return host


def _port(parts: SplitResult, host: str, default: int) -> int:
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0 or (port is None and parts.netloc.rpartition("@")[2].endswith(":")):
        raise UsageError(f"the mail URL for {host} has an invalid port (a number from 1 to 65535)")
    return port or default


def _starttls_wanted(query: str, host: str) -> bool:
    """``starttls=no`` turns STARTTLS off, and only for a loopback host."""
    options = parse_qs(query, keep_blank_values=True)
    unknown = set(options) - {"starttls"}
    if unknown:
        raise UsageError(f"unknown mail URL option(s): {', '.join(sorted(unknown))}")
    value = options.get("starttls", ["yes"])[-1].lower()
    if value not in {"yes", "no"}:
        raise UsageError(f"starttls must be yes or no, not {value!r}")
    if value == "no" and not _is_loopback(host):
        raise UsageError(
            f"starttls=no is allowed only for a loopback host, not {host}; "
            "mail to other hosts must be encrypted"
        )
    return value == "yes"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
