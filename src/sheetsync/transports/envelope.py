"""The envelope of a message: its sender and recipients, after the safety checks.

Every transport can apply these checks before anything leaves: one From address,
well-formed recipients inside the allowed domains (the rule every step applies,
``cells.addresses.allowed_split``), no header with a bare line break.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from email.errors import InvalidHeaderDefect
from email.headerregistry import HeaderRegistry
from email.message import EmailMessage
from email.utils import getaddresses
from functools import lru_cache

from email_validator import EmailNotValidError, validate_email

from ..cells.addresses import Address, allowed_split
from ..errors import MessageRejected

__all__ = ["envelope_of", "normalize_domain"]

_LINE_BREAK = re.compile(r"[\r\n](?![ \t])")
_FOLD = re.compile(r"\n|\r")  # what EmailPolicy.header_fetch_parse joins over
_REGISTRY = HeaderRegistry()  # the default policy's header factory


def envelope_of(
    message: EmailMessage, allowed_domains: Sequence[str] = ()
) -> tuple[str, list[str]]:
    """The envelope sender and recipients of ``message``, after the safety checks.

    Recipients are the To, Cc and Bcc addresses, each once (compared in lower
    case). The outbox transport can apply the same checks through this function.

    Raises:
        MessageRejected: a header holds a bare line break, the From address is
            missing or malformed, there is no recipient, or a recipient is
            malformed or outside ``allowed_domains``.
    """
    for name, value in message.raw_items():
        if _LINE_BREAK.search(str(value).replace("\r\n", "\n")):
            raise MessageRejected(f"the {name} header contains a line break")
    senders = _addresses(message, "From")
    if len(senders) != 1:
        raise MessageRejected("the message needs exactly one From address")
    _check_address(senders[0], ())
    unique: dict[str, str] = {}
    for address in _addresses(message, "To", "Cc", "Bcc"):
        unique.setdefault(address.lower(), address)
    recipients = list(unique.values())
    if not recipients:
        raise MessageRejected("the message has no recipients (To, Cc or Bcc)")
    allowed = tuple(normalize_domain(d) for d in allowed_domains)
    for address in recipients:
        _check_address(address, allowed)
    return senders[0], recipients


def _addresses(message: EmailMessage, *names: str) -> list[str]:
    """The addresses in the named headers; a header the parser could not read is refused.

    EmailMessage drops what it cannot parse (``a@x.com b@y.com`` reads as
    ``a@x.com``), so a defect would otherwise lose a recipient without a word.
    """
    wanted = {name.lower(): name for name in names}
    found: dict[str, list[str]] = {name: [] for name in names}
    for key, raw in message.raw_items():
        name = wanted.get(key.lower())
        if name is None:
            continue
        readable, addresses = _read(key, raw) if hasattr(raw, "name") else _read_text(key, raw)
        if not readable:
            raise MessageRejected(f"the {name} header holds an address that cannot be read")
        found[name] += addresses
    return [address for name in names for address in found[name]]


def _read(name: str, value: object) -> tuple[bool, tuple[str, ...]]:
    """Whether a parsed header reads without a defect, and its addresses."""
    defects = getattr(value, "defects", ())
    if any(isinstance(d, InvalidHeaderDefect) for d in defects):
        return False, ()
    return True, tuple(address for _, address in getaddresses([str(value)]) if address)


@lru_cache(maxsize=4096)
def _read_text(name: str, raw: str) -> tuple[bool, tuple[str, ...]]:
    """``_read`` of a header stored as text, parsed as the message would parse it.

    A run's messages share their From and many of their recipients: each header text
    is parsed once.
    """
    return _read(name, _REGISTRY(name, "".join(_FOLD.split(raw))))


def _check_address(address: str, allowed: tuple[str, ...]) -> None:
    """Raise MessageRejected unless ``address`` is well formed and in an allowed domain."""
    outside = _outside(address, allowed)
    if outside:
        raise MessageRejected(outside)


@lru_cache(maxsize=4096)
def _outside(address: str, allowed: tuple[str, ...]) -> str:
    """Why ``address`` is refused ("" when it is fine); each address checked once a run."""
    try:
        domain = validate_email(address, check_deliverability=False).ascii_domain.lower()
    except EmailNotValidError as exc:
        return f"not a valid email address: {address!r} ({exc})"
    _, outside = allowed_split([Address("", f"{address.rpartition('@')[0]}@{domain}")], allowed)
    return outside


def normalize_domain(domain: str) -> str:
    """A domain as the allowed-domains check compares it: lower case, IDNA, no ``@`` or ``*.``."""
    domain = domain.strip().lower().lstrip("@").removeprefix("*.")
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError:
        return domain
