"""Configuration from environment variables, and the one entry point deployed runs call.

The Cloud Function (both of its targets) builds a ``Config`` with
``Config.from_env(os.environ)`` and calls ``run_configured``; every variable is
checked up front, so a bad deployment fails with one line naming the variable::

    SHEETSYNC_TRACKER          a Google Sheets URL or ID, or a .xlsx path
    SHEETSYNC_SMTP_URL         smtp://user@host:587 or smtps://host:465
    SHEETSYNC_SMTP_PASSWORD    the SMTP password (from Secret Manager; never shown)
    SHEETSYNC_SENDER           the From address, e.g. Contracts Desk <contracts@example.com>
    SHEETSYNC_ALLOWED_DOMAINS  e.g. "example.com, example.org": never email anyone else
    SHEETSYNC_DRY_RUN          1/true/yes: evaluate and report, write and send nothing
    SHEETSYNC_OUTBOX           a folder for .eml files instead of SMTP (local use)
    SHEETSYNC_TEMPLATES        a folder of the organization's own email templates
    SHEETSYNC_ACTION_URL       the act function's URL: emails carry Mark-done links
    SHEETSYNC_LINK_KEYS        the keys that sign links (from Secret Manager; first signs)

Many trackers from one deployment (``sheetsync.fleet.fanout`` lists these):
SHEETSYNC_TRACKERS, SHEETSYNC_REGISTRY, SHEETSYNC_TOPIC, SHEETSYNC_WORKERS and
SHEETSYNC_SHEETS_QUOTA.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from . import pipeline
from .backends import open_backend
from .cells.addresses import Address, parse_addresses
from .errors import MessageRejected, UsageError
from .links import action_url, parse_keys
from .pipeline import RunOptions, RunResult
from .transports.base import ContextTransport, Transport
from .transports.outbox import OutboxTransport

PREFIX = "SHEETSYNC_"
VARIABLES = (
    "SHEETSYNC_TRACKER",
    "SHEETSYNC_SMTP_URL",
    "SHEETSYNC_SMTP_PASSWORD",
    "SHEETSYNC_SENDER",
    "SHEETSYNC_ALLOWED_DOMAINS",
    "SHEETSYNC_DRY_RUN",
    "SHEETSYNC_OUTBOX",
    "SHEETSYNC_TEMPLATES",
    # many trackers (sheetsync.fleet): the fan-out's list and topic, the workers' pacing
    "SHEETSYNC_TRACKERS",
    "SHEETSYNC_REGISTRY",
    "SHEETSYNC_TOPIC",
    "SHEETSYNC_WORKERS",
    "SHEETSYNC_SHEETS_QUOTA",
    "SHEETSYNC_ACTION_URL",
    "SHEETSYNC_LINK_KEYS",
)
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"", "0", "false", "no", "off"})
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


@dataclass(frozen=True)
class Config:
    """Everything a deployed run needs besides the tracker's own Settings tab.

    Attributes:
        tracker: the default tracker (a message may name others); None when unset.
        smtp_url: where to send mail; None when ``outbox`` is used instead.
        smtp_password: the SMTP password; never part of the repr.
        sender: the From address; None leaves it to the tracker's Settings.
        allowed_domains: recipients must be in these domains; None allows any.
        dry_run: evaluate and report only.
        outbox: a folder for .eml files, for local runs without SMTP.
        templates: a folder of custom email templates (defaults fill the gaps).
    """

    tracker: str | None = None
    smtp_url: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    sender: Address | None = None
    allowed_domains: tuple[str, ...] | None = None
    dry_run: bool = False
    outbox: str | None = None
    templates: str | None = None
    action_url: str | None = None
    link_keys: tuple[bytes, ...] = field(default=(), repr=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Config:
        """Read and check the ``SHEETSYNC_*`` variables of ``environ``.

        Raises:
            UsageError: a variable is unknown (a typo), malformed, or missing.
        """
        _reject_unknown(environ)
        config = cls(
            tracker=_text(environ, "SHEETSYNC_TRACKER"),
            smtp_url=_text(environ, "SHEETSYNC_SMTP_URL"),
            smtp_password=environ.get("SHEETSYNC_SMTP_PASSWORD") or None,
            sender=one_sender(_text(environ, "SHEETSYNC_SENDER"), "SHEETSYNC_SENDER:"),
            allowed_domains=_domains(_text(environ, "SHEETSYNC_ALLOWED_DOMAINS")),
            dry_run=_flag("SHEETSYNC_DRY_RUN", environ.get("SHEETSYNC_DRY_RUN", "")),
            outbox=_text(environ, "SHEETSYNC_OUTBOX"),
            templates=_text(environ, "SHEETSYNC_TEMPLATES"),
            **link_settings(environ),
        )
        config.transport()  # checks the mail settings now, without connecting
        return config

    def transport(self) -> Transport:
        """The mail transport: SMTP, the outbox folder, or none at all for a dry run.

        Raises:
            UsageError: both or neither of SMTP and outbox are set (outside a dry
                run), or the SMTP URL is unusable.
        """
        if self.smtp_url and self.outbox:
            raise UsageError("set SHEETSYNC_SMTP_URL or SHEETSYNC_OUTBOX, not both")
        if self.smtp_url:
            from .transports.smtp import SmtpTransport

            try:
                return SmtpTransport(
                    self.smtp_url, self.smtp_password, allowed_domains=self.allowed_domains or ()
                )
            except UsageError as exc:
                raise UsageError(f"SHEETSYNC_SMTP_URL: {exc}") from None
        if self.outbox:
            return OutboxTransport(self.outbox)
        if self.dry_run:
            return _NoTransport()
        raise UsageError("no mail transport: set SHEETSYNC_SMTP_URL (or SHEETSYNC_OUTBOX)")

    def options(self) -> RunOptions:
        """The pipeline's run options for this configuration (today: the tracker's today)."""
        return RunOptions(
            dry_run=self.dry_run,
            sender=self.sender,
            allowed_domains=self.allowed_domains,
            require_sender=self.smtp_url is not None,
            templates=self.templates,
            action_url=self.action_url,
            link_keys=self.link_keys,
        )


def run_configured(config: Config, tracker: str | None = None) -> RunResult:
    """Run the whole job on ``tracker`` (default: ``config.tracker``) as configured.

    Raises:
        UsageError: no tracker was named, or it is not a tracker address.
        SheetsyncError: whatever the run raises (see ``sheetsync.errors``).
    """
    name = tracker or config.tracker
    if not name:
        raise UsageError("no tracker: set SHEETSYNC_TRACKER or name one in the request")
    return pipeline.run(open_backend(name), config.transport(), config.options())


def link_settings(environ: Mapping[str, str]) -> dict[str, Any]:
    """``action_url`` and ``link_keys`` from ``SHEETSYNC_ACTION_URL`` / ``SHEETSYNC_LINK_KEYS``.

    Raises:
        UsageError: the URL is not https (or http on localhost), or it is set without a
            key, or a key is too short.
    """
    url = _text(environ, "SHEETSYNC_ACTION_URL")
    keys = _text(environ, "SHEETSYNC_LINK_KEYS")
    if url and not action_url(url):
        raise UsageError(f"SHEETSYNC_ACTION_URL: {url!r} is not an https:// address")
    if url and not keys:
        raise UsageError("SHEETSYNC_ACTION_URL is set but SHEETSYNC_LINK_KEYS is not")
    return {"action_url": url, "link_keys": tuple(parse_keys(keys)) if keys else ()}


def _text(environ: Mapping[str, str], name: str) -> str | None:
    return environ.get(name, "").strip() or None


def _reject_unknown(environ: Mapping[str, str]) -> None:
    unknown = sorted(k for k in environ if k.startswith(PREFIX) and k not in VARIABLES)
    if unknown:
        raise UsageError(f"unknown variable {unknown[0]} (known: {', '.join(VARIABLES)})")


def one_sender(value: str | None, source: str) -> Address | None:
    """The From address given by ``source`` (an option or variable), if any.

    Raises:
        UsageError: ``value`` is not exactly one email address.
    """
    if value is None:
        return None
    good, bad = parse_addresses(value)
    if len(good) != 1 or bad:
        raise UsageError(f"{source} {value!r} is not one email address")
    return good[0]


def _domains(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    domains = tuple(d.lower().lstrip("@") for d in re.split(r"[\s,;]+", value) if d)
    for domain in domains:
        if not _DOMAIN.match(domain):
            raise UsageError(f"SHEETSYNC_ALLOWED_DOMAINS: {domain!r} is not a domain name")
    return domains


def _flag(name: str, value: str) -> bool:
    word = value.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise UsageError(f"{name}: {value!r} is not yes or no (use 1 or 0)")


class _NoTransport(ContextTransport):
    """The transport of a dry run with no mail settings: it refuses to send."""

    name = "none"

    def send(self, message: EmailMessage) -> None:
        """Refuse: a dry run sends nothing."""
        raise MessageRejected("no mail transport is configured (dry run)")
