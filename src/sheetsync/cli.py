"""The ``sheetsync`` command: parse arguments, call the library, report. No business logic."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from . import pipeline
from .backends import open_backend
from .config import link_settings, one_sender
from .errors import DeliveryError, SheetsyncError, UsageError
from .pipeline import RunOptions, RunResult
from .schema import RESOLVED, STATUSES
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

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        logging.getLogger("sheetsync").handlers.clear()  # -v, if given, adds its handler
        return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SheetsyncError as exc:
            _fail(exc)


def _log_to_stderr(ctx: click.Context, param: click.Parameter, verbose: bool) -> None:
    """``-v`` (before or after the command): each step with its time, retries, on stderr."""
    logger = logging.getLogger("sheetsync")
    if verbose and not any(isinstance(h, _Stderr) for h in logger.handlers):
        logger.handlers.clear()
        handler = _Stderr()
        handler.setFormatter(logging.Formatter("sheetsync: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    elif not logger.handlers:  # errors are reported once, as one line, by _Group
        logger.addHandler(logging.NullHandler())


class _Stderr(logging.StreamHandler):  # type: ignore[type-arg,unused-ignore]
    """The ``-v`` handler: writes to the stderr of the moment (click's, under tests)."""

    def __init__(self) -> None:
        super().__init__()

    def emit(self, record: logging.LogRecord) -> None:
        self.setStream(sys.stderr)
        super().emit(record)


def verbose_option(function: Any) -> Any:
    """The ``-v`` option, accepted by the group and by every command."""
    return click.option(
        "-v",
        "--verbose",
        is_flag=True,
        expose_value=False,
        is_eager=True,
        callback=_log_to_stderr,
        help="Show each step with its time, retries and progress on stderr.",
    )(function)


@click.group(cls=_Group)
@click.version_option(package_name="sheetsync")
@verbose_option
def main() -> None:
    """Keep a contract-milestone tracker (Google Sheet or .xlsx) up to date and emailed."""


@main.command()
@click.argument("tracker", required=False)
@click.option("--sample", is_flag=True, help="Fill the new tracker with realistic sample data.")
@click.option(
    "--google",
    "google_title",
    metavar="TITLE",
    help="Create a Google Sheet with this title (or lay out the sheet TRACKER names).",
)
@verbose_option
def init(tracker: str | None, sample: bool, google_title: str | None) -> None:
    """Create a new tracker: tabs, headers, dropdowns, checkboxes, conditional colours.

    TRACKER is a new .xlsx file name; with --google, an optional existing sheet to fill.
    """
    from .init import init_tracker

    if tracker is None and google_title is None:
        raise UsageError("give a new .xlsx file name, or --google TITLE for a Google Sheet")
    click.echo(init_tracker(tracker or "", sample=sample, google_title=google_title))


@main.command()
@click.argument("tracker")
@click.option("--today", help=TODAY_HELP)
@TEMPLATES_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a report.")
@verbose_option
def check(tracker: str, today: str | None, templates: str | None, as_json: bool) -> None:
    """Validate the tracker (and custom templates) and show statuses; writes and sends nothing."""
    options = RunOptions(today=_today(today), templates=templates, **link_settings(os.environ))
    result = pipeline.check(open_backend(tracker), options)
    _report(result, as_json, acting=False)
    if not as_json:
        click.echo("Nothing written or sent (check).")


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
@verbose_option
def run(tracker: str, **flags: Any) -> None:
    """Evaluate, write the status columns, and send the reminders that are due.

    Exits 1 when emails were due and none could be delivered.
    """
    _run(tracker, RunFlags(**flags))  # click passes one keyword per option


@dataclass(frozen=True)
class RunFlags:
    """The ``run`` command's options, as click parsed them."""

    today: str | None
    dry_run: bool
    outbox: str | None
    smtp_url: str | None
    sender: str | None
    templates: str | None
    as_json: bool


def _run(tracker: str, flags: RunFlags) -> None:
    """The ``run`` command: check the flags, run the pipeline, report."""
    if flags.outbox and flags.smtp_url is not None:
        raise UsageError("give --outbox or --smtp, not both")
    progress = SendProgress(sys.stderr.isatty()) if flags.smtp_url is not None else None
    options = RunOptions(
        today=_today(flags.today),
        dry_run=flags.dry_run,
        sender=one_sender(flags.sender, "--sender"),
        require_sender=flags.smtp_url is not None,
        templates=flags.templates,
        **link_settings(os.environ),
    )
    if progress:
        options.progress = progress
    transport = _transport(flags.outbox, flags.smtp_url)
    try:
        result = pipeline.run(open_backend(tracker), transport, options)
    finally:
        if progress:
            progress.close()
    _report(result, flags.as_json, acting=not flags.dry_run)
    if flags.dry_run:
        if not flags.as_json:
            click.echo("Nothing written or sent (--dry-run).")
        return
    if not flags.as_json:
        where = "the mail server" if flags.smtp_url is not None else f"{flags.outbox or 'outbox'}/"
        click.echo(f"Status columns written to {tracker}; {_delivered(result, where)}.")
    if result.due and not result.emails:
        raise DeliveryError(f"none of the {result.due} emails due could be delivered")


@main.command()
@click.argument("tracker")
@click.option("--today", help=TODAY_HELP)
@click.option(
    "--out",
    "out_dir",
    default="preview",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Folder for the HTML pages.",
)
@TEMPLATES_OPTION
@verbose_option
def preview(tracker: str, today: str | None, out_dir: str, templates: str | None) -> None:
    """Render what a run would send as HTML pages plus an index.html; sends nothing."""
    from .compose.preview import write_preview

    options = RunOptions(today=_today(today), templates=templates, **link_settings(os.environ))
    result = pipeline.check(open_backend(tracker), options)
    index = write_preview(result.planned, Path(out_dir))
    why = "" if result.planned else f" ({nothing_to_send(result)})"
    click.echo(f"{len(result.planned)} emails rendered{why}; open {index}")


@main.command()
@click.argument("tracker")
@click.option("--owner", metavar="EMAIL", help="Only the milestones this person owns.")
@click.option(
    "--out",
    "out_file",
    required=True,
    type=click.Path(dir_okay=False),
    help="The iCalendar (.ics) file to write.",
)
@click.option("--today", help=TODAY_HELP)
@verbose_option
def calendar(tracker: str, owner: str | None, out_file: str, today: str | None) -> None:
    """Write the tracker's open deadlines as an iCalendar file; writes nothing to the tracker."""
    from .deadlines import owner_address, tracker_deadlines

    who = owner_address(owner) if owner is not None else None
    found = tracker_deadlines(open_backend(tracker), _today(today), who)
    try:
        Path(out_file).write_bytes(found.ics)
    except OSError as exc:
        raise UsageError(f"cannot write {out_file}: {exc.strerror or exc}") from None
    plural = "s" if found.count != 1 else ""
    click.echo(f"{found.count} open deadline{plural} of {found.title} written to {out_file}")


def _delivered(result: RunResult, where: str) -> str:
    """``12 emails delivered to …, 2 failed (see the Log)``, or why none were."""
    failed = f", {len(result.failed)} failed (see the Log's Result column)" if result.failed else ""
    if not result.due:
        return "no new email to send"
    if not result.emails:
        return f"no email could be delivered to {where}{failed}"
    plural = "s" if result.emails != 1 else ""
    resolved = result.sent.get(RESOLVED, 0)
    among = f" ({resolved} resolved)" if resolved else ""
    return f"{result.emails} email{plural}{among} delivered to {where}{failed}"


def _transport(outbox: str | None, smtp_url: str | None) -> Any:
    if smtp_url is not None:
        from .transports.smtp import SmtpTransport

        return SmtpTransport(smtp_url, os.environ.get("SHEETSYNC_SMTP_PASSWORD"))
    return OutboxTransport(outbox or "outbox")


def _report(result: RunResult, as_json: bool, acting: bool) -> None:
    """The run's report on stdout: what it found, what it wrote or would, what it sent or would."""
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
        where = "written into" if acting else "a run would write them into"
        click.echo(f"{len(result.problems)} problems ({where} each row's Problems column):")
        for problem in sorted(result.problems, key=lambda p: (p.tab, p.row))[:10]:
            click.echo(f"  {problem}")
        if len(result.problems) > 10:
            click.echo(f"  … and {len(result.problems) - 10} more")
    if not result.due:
        click.echo(f"No emails: {nothing_to_send(result)}")
        return
    count = f"{result.emails} emails sent" if acting else f"Would send {result.due} emails"
    click.echo(count + _breakdown(result))
    for failure in result.failed:
        click.echo(f"  not sent: {failure}")


def nothing_to_send(result: RunResult) -> str:
    """Why a run has no email to send: already sent earlier today, or nothing is due."""
    if result.already_sent:
        n = result.already_sent
        return f"nothing new: {n} email{'s' if n != 1 else ''} already sent today, see the Log tab"
    return f"nothing is due as of {result.today}"


def _breakdown(result: RunResult) -> str:
    shown = len(result.subjects)
    more = "" if result.due <= shown else f"\n  … and {result.due - shown} more"
    return ":\n" + "\n".join(f"  {s}" for s in result.subjects) + more


class SendProgress:
    """Sending progress on stderr: click's progress bar on a terminal, else a line per 100 sent."""

    def __init__(self, terminal: bool) -> None:
        self.terminal = terminal
        self.bar: Any = None
        self.shown = 0

    def __call__(self, done: int, total: int) -> None:
        if not self.terminal:
            if done % 100 == 0:
                click.echo(f"sheetsync: {done} of {total} emails done", err=True)
            return
        if self.bar is None:
            self.bar = click.progressbar(length=total, label="Sending", file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.shown)
        self.shown = done

    def close(self) -> None:
        """End the bar's line, if a bar was drawn."""
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None
