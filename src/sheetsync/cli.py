"""The ``sheetsync`` command: parse arguments, call the library, report. No business logic."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

import click

from . import pipeline
from .addresses import Address, parse_addresses
from .backends import open_backend
from .errors import DeliveryError, SheetsyncError, UsageError
from .pipeline import RunOptions, RunResult
from .schema import STATUSES
from .transports.outbox import OutboxTransport

TEMPLATES_HELP = (
    "A folder of your own email templates; each replaces the default of the same name "
    "(env SHEETSYNC_TEMPLATES)."
)
TEMPLATES_OPTION = click.option(
    "--templates", type=click.Path(), envvar="SHEETSYNC_TEMPLATES", help=TEMPLATES_HELP
)
TODAY_HELP = "Evaluate as of this day (YYYY-MM-DD) instead of today in the tracker's time zone."


def _today(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--today {value!r} is not a date like 2027-03-31") from None


def _fail(exc: SheetsyncError) -> None:
    click.echo(f"sheetsync: error: {exc}", err=True)
    sys.exit(exc.exit_code)


class _Group(click.Group):
    """Turns every SheetsyncError into one line on stderr and its exit status."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SheetsyncError as exc:
            _fail(exc)


@click.group(cls=_Group)
@click.version_option(package_name="sheetsync")
@click.option("-v", "--verbose", is_flag=True, help="Show retries and other progress on stderr.")
def main(verbose: bool) -> None:
    """Keep a contract-milestone tracker (Google Sheet or .xlsx) up to date and emailed."""
    logger = logging.getLogger("sheetsync")
    logger.handlers.clear()
    if verbose:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("sheetsync: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    else:  # errors are reported once, as one line, by _Group
        logger.addHandler(logging.NullHandler())


@main.command()
@click.argument("tracker", required=False)
@click.option("--sample", is_flag=True, help="Fill the new tracker with realistic sample data.")
@click.option(
    "--google",
    "google_title",
    metavar="TITLE",
    help="Create a Google Sheet with this title (or lay out the sheet TRACKER names).",
)
def init(tracker: str | None, sample: bool, google_title: str | None) -> None:
    """Create a new tracker: tabs, headers, dropdowns, checkboxes, conditional colours.

    TRACKER is a new .xlsx file name; with --google, an optional existing sheet to fill.
    """
    from .initialize import init_tracker

    if tracker is None and google_title is None:
        raise UsageError("give a new .xlsx file name, or --google TITLE for a Google Sheet")
    click.echo(init_tracker(tracker or "", sample=sample, google_title=google_title))


@main.command()
@click.argument("tracker")
@click.option("--today", help=TODAY_HELP)
@TEMPLATES_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a report.")
def check(tracker: str, today: str | None, templates: str | None, as_json: bool) -> None:
    """Validate the tracker (and custom templates) and show statuses; writes and sends nothing."""
    options = RunOptions(today=_today(today), templates=templates)
    result = pipeline.check(open_backend(tracker), options)
    _report(result, as_json, verb="would be sent")


@main.command()
@click.argument("tracker")
@click.option("--today", help=TODAY_HELP)
@click.option(
    "--dry-run", is_flag=True, help="Evaluate and show what would be sent; write nothing."
)
@click.option(
    "--outbox",
    type=click.Path(file_okay=False),
    help="Write emails as .eml files here (default: ./outbox).",
)
@click.option(
    "--smtp",
    "smtp_url",
    metavar="URL",
    help="Send through smtp://user@host:587 or smtps://host:465.",
)
@click.option(
    "--sender",
    metavar="ADDRESS",
    envvar="SHEETSYNC_SENDER",
    help="The From address (default: the Settings tab's Sender; env SHEETSYNC_SENDER).",
)
@TEMPLATES_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a report.")
def run(
    tracker: str,
    today: str | None,
    dry_run: bool,
    outbox: str | None,
    smtp_url: str | None,
    sender: str | None,
    templates: str | None,
    as_json: bool,
) -> None:
    """Evaluate, write the status columns, and send the reminders that are due.

    Exits 1 when emails were due and none could be delivered.
    """
    if outbox and smtp_url is not None:
        raise UsageError("give --outbox or --smtp, not both")
    options = RunOptions(
        today=_today(today),
        dry_run=dry_run,
        sender=_sender(sender),
        require_sender=smtp_url is not None,
        templates=templates,
    )
    transport = _transport(outbox, smtp_url)
    result = pipeline.run(open_backend(tracker), transport, options)
    _report(result, as_json, verb="would be sent" if dry_run else "sent")
    if dry_run:
        return
    if not as_json:
        where = "the mail server" if smtp_url is not None else f"{outbox or 'outbox'}/"
        click.echo(f"Status columns written to {tracker}; {_delivered(result, where)}.")
    if result.planned and not result.emails:
        raise DeliveryError(f"none of the {len(result.planned)} emails due could be delivered")


@main.command()
@click.argument("tracker")
@click.option("--today", help=TODAY_HELP)
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False),
    help="Folder for the HTML pages.",
)
@TEMPLATES_OPTION
def preview(tracker: str, today: str | None, out_dir: str, templates: str | None) -> None:
    """Render what a run would send as HTML pages plus an index.html; sends nothing."""
    from .preview import write_preview

    options = RunOptions(today=_today(today), templates=templates)
    result = pipeline.check(open_backend(tracker), options)
    index = write_preview(result.planned, Path(out_dir))
    click.echo(f"{len(result.planned)} emails rendered; open {index}")


def _sender(value: str | None) -> Address | None:
    if value is None:
        return None
    good, bad = parse_addresses(value)
    if len(good) != 1 or bad:
        raise UsageError(f"--sender {value!r} is not one email address")
    return good[0]


def _delivered(result: RunResult, where: str) -> str:
    """``12 emails delivered to …, 2 failed (see the Log)``, or why none were."""
    failed = f", {len(result.failed)} failed (see the Log's Result column)" if result.failed else ""
    if not result.planned:
        return "no email was due"
    if not result.emails:
        return f"no email could be delivered to {where}{failed}"
    plural = "s" if result.emails != 1 else ""
    return f"{result.emails} email{plural} delivered to {where}{failed}"


def _transport(outbox: str | None, smtp_url: str | None) -> Any:
    if smtp_url is not None:
        from .transports.smtp import transport_from_url

        return transport_from_url(smtp_url, os.environ.get("SHEETSYNC_SMTP_PASSWORD"))
    return OutboxTransport(outbox or "outbox")


def _report(result: RunResult, as_json: bool, verb: str) -> None:
    if as_json:
        click.echo(json.dumps(result.to_json(), sort_keys=True))
        return
    click.echo(
        f"{result.tracker}: {result.rows} milestones in {result.contracts} contracts, "
        f"as of {result.today}"
    )
    click.echo(
        "  " + " · ".join(f"{s} {result.statuses[s]}" for s in STATUSES if result.statuses.get(s))
    )
    if result.problems:
        click.echo(f"{len(result.problems)} problems (written into each row's Problems column):")
        for problem in sorted(result.problems, key=lambda p: (p.tab, p.row))[:10]:
            click.echo(f"  {problem}")
        if len(result.problems) > 10:
            click.echo(f"  … and {len(result.problems) - 10} more")
    count = result.emails if verb == "sent" else len(result.planned)
    click.echo(f"{count} emails {verb}" + _breakdown(result))
    for failure in result.failed:
        click.echo(f"  not sent: {failure}")


def _breakdown(result: RunResult) -> str:
    if not result.planned:
        return ""
    subjects = [str(m["Subject"]) for m in result.planned[:5]]
    more = "" if len(result.planned) <= 5 else f"\n  … and {len(result.planned) - 5} more"
    return ":\n" + "\n".join(f"  {s}" for s in subjects) + more
