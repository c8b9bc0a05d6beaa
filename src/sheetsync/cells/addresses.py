"""Email addresses in cells: one or several, with or without display names."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from email.utils import formataddr, getaddresses
from functools import lru_cache

import idna
from email_validator import EmailNotValidError, validate_email


@dataclass(frozen=True)
class Address:
    """One mailbox: a display name (may be empty) and a lower-case ASCII address.

    An internationalized domain is kept in its ASCII (IDNA, ``xn--…``) form, so every
    header, Log row and comparison uses one spelling and no mail server needs SMTPUTF8.
    """

    name: str
    email: str

    def formatted(self) -> str:
        """The address as a header shows it: ``Jane Doe <jane@x.com>``."""
        return formataddr((self.name, self.email)) if self.name else self.email

    @property
    def domain(self) -> str:
        """The part after the @."""
        return self.email.rpartition("@")[2]


@lru_cache(maxsize=65536)
def parse_addresses(text: str) -> tuple[tuple[Address, ...], tuple[str, ...]]:
    """Split a cell into addresses.

    Accepts ``a@x.com; b@x.com``, commas, new lines and ``Jane Doe <jane@x.com>``.
    Full-width characters (``ｊａｎｅ＠ｅｘａｍｐｌｅ．ｃｏｍ``) read as their plain forms.

    Returns:
        ``(addresses, bad)``: the well-formed addresses, lower-cased and without
        duplicates, and the pieces that are not addresses, as typed.
    """
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    if any(ch in text for ch in "\r\n"):
        text = re.sub(r"[\r\n]+", ";", text)
    good: list[Address] = []
    bad: list[str] = []
    for piece in _pieces(text):
        address = _checked(piece)
        if address is None:
            bad.append(piece[:80])
        elif address.email not in {a.email for a in good}:
            good.append(address)
    return tuple(good), tuple(bad)


def _pieces(text: str) -> list[str]:
    parts = [p.strip() for p in re.split(r";", text) if p.strip()]
    pieces: list[str] = []
    for part in parts:
        if "<" in part or '"' in part:
            pieces.extend(p.strip() for p in _split_named(part) if p.strip())
            continue
        for chunk in (c.strip() for c in part.split(",") if c.strip()):
            words = chunk.split()
            # "a@x.com b@x.com" is two addresses; "jane at example" is one bad one.
            pieces.extend(words if all("@" in w for w in words) else [chunk])
    return pieces


def _split_named(part: str) -> list[str]:
    """Split ``Doe, Jane <j@x.com>, Bob <b@x.com>`` on commas outside names and brackets.

    A piece with no address in it ("Doe") is the first half of the next one's name.
    """
    pieces = [p.strip() for p in re.findall(r'(?:"[^"]*"|<[^>]*>|[^,])+', part)]
    merged: list[str] = []
    carry = ""
    for piece in pieces:
        if "@" not in piece:
            carry = f"{carry}, {piece}" if carry else piece
            continue
        if carry and "<" in piece:
            name, _, rest = piece.partition("<")
            piece = f'"{carry}, {name.strip()}" <{rest}'
        elif carry:
            merged.append(carry)
        carry = ""
        merged.append(piece)
    return merged + ([carry] if carry else [])


@lru_cache(maxsize=65536)
def _checked(piece: str) -> Address | None:
    pairs = getaddresses([piece])
    if len(pairs) != 1:
        return None
    name, email = pairs[0]
    if not email or (not (name + email).isprintable() and _has_controls(name + email)):
        return None
    if "=?" in email:  # a reader would decode it as an encoded word: another address
        return None
    try:
        checked = validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return None
    if checked.ascii_email is None:  # a non-ASCII local part needs SMTPUTF8
        return None
    return Address(name.strip(), checked.ascii_email.casefold())


def _has_controls(text: str) -> bool:
    """Control, line-separator or invisible format characters (bidi overrides, zero-width)."""
    return any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in text)


def why_not(piece: str) -> str:
    """Why ``piece`` (one of the pieces ``parse_addresses`` found bad) is not used."""
    text = unicodedata.normalize("NFKC", piece)
    local, at, domain = text.strip().strip("<>").rpartition("<")[2].rpartition("@")
    letters = not local.isascii() and not _has_controls(local)
    if at and letters and _checked(f"x@{domain.rstrip('>')}") is not None:
        return (
            "has letters outside A-Z before the @, which many mail servers cannot "
            "deliver; use a plain address"
        )
    return "is not an email address"


def ascii_domain(text: str) -> str | None:
    """A domain in its ASCII form: ``exämple.com`` → ``xn--exmple-cua.com``; None if invalid."""
    name = unicodedata.normalize("NFKC", text).strip().lstrip("@").rstrip(".").casefold()
    try:
        encoded = idna.encode(name, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        return None
    return encoded if re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)+", encoded) else None


def _in_domains(address: Address, domains: tuple[str, ...]) -> bool:
    """Whether ``address`` is inside one of ``domains`` (or a subdomain); any when empty."""
    if not domains:
        return True
    domain = address.domain.casefold()
    return any(domain == d or domain.endswith("." + d) for d in domains)


def allowed_split(
    addresses: Iterable[Address], domains: tuple[str, ...]
) -> tuple[tuple[Address, ...], str]:
    """The Allowed domains rule, the one check every step calls.

    Returns:
        ``(inside, why)``: the addresses inside ``domains`` (all of them when none are
        set), and for the rest a sentence such as ``a@y.com is outside the allowed
        domains (x.com)``, or "" when none was dropped.
    """
    given = tuple(addresses)
    inside = tuple(a for a in given if _in_domains(a, domains))
    outside = [a.email for a in given if a not in inside]
    if not outside:
        return inside, ""
    return inside, f"{', '.join(outside)} is outside the allowed domains ({', '.join(domains)})"
