"""The envelope of a message: its sender and recipients, after the safety checks.

Every transport can apply these checks before anything leaves: one From address,
well-formed recipients inside the allowed domains (the rule every step applies,
``cells.addresses.allowed_split``), no header with a bare line break.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from email.errors import InvalidHeaderDefect
from email.message import EmailMessage
from email.utils import getaddresses

from email_validator import EmailNotValidError, validate_email

from ..cells.addresses import Address, allowed_split
from ..errors import MessageRejected

__all__ = ["envelope_of", "normalize_domain"]

_LINE_BREAK = re.compile(r"[\r\n](?![ \t])")


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
    found = []
    for name in names:
        for value in message.get_all(name, []):
            defects = getattr(value, "defects", ())
            if any(isinstance(d, InvalidHeaderDefect) for d in defects):
                raise MessageRejected(f"the {name} header holds an address that cannot be read")
            found += [address for _, address in getaddresses([str(value)]) if address]
    return found


def _check_address(address: str, allowed: tuple[str, ...]) -> None:
    """Raise MessageRejected unless ``address`` is well formed and in an allowed domain."""
    try:
        domain = validate_email(address, check_deliverability=False).ascii_domain.lower()
    except EmailNotValidError as exc:
        raise MessageRejected(f"not a valid email address: {address!r} ({exc})") from None
    _, outside = allowed_split([Address("", f"{address.rpartition('@')[0]}@{domain}")], allowed)
    if outside:
        raise MessageRejected(outside)


def normalize_domain(domain: str) -> str:
    """A domain as the allowed-domains check compares it: lower case, IDNA, no ``@`` or ``*.``."""
    domain = domain.strip().lower().lstrip("@").removeprefix("*.")
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError:
        return domain
