"""sheetsync as a Google Cloud Function (2nd gen): two thin targets over ``run_configured``.

``run_tracker(request)``
    HTTP, for Cloud Scheduler. Cloud Run checks the scheduler's OIDC token before the
    request gets here, so the function ignores the Authorization header. The body may
    be ``{"tracker": "<URL or ID>"}``; otherwise it runs ``SHEETSYNC_TRACKER``.
    Answers 200 with the run's JSON summary, or 500 with a one-line reason.

``calendar_feed(request)``
    HTTP, public: an owner's open deadlines as a calendar (``text/calendar``) for a
    signed feed link (``?t=…``, listed in their monthly summary); 403 for a tampered,
    expired or foreign link. It only reads.

``on_pubsub(cloud_event)``
    A Pub/Sub message (``google.cloud.pubsub.topic.v1.messagePublished``) whose data is
    ``{"tracker": "..."}`` or ``{"trackers": ["...", ...]}``; any other data runs
    ``SHEETSYNC_TRACKER``. One deployment serves many sheets: each tracker runs on its
    own, and a broken one fails alone with an ERROR log line while the others go on.
    Retries: the function raises (so a trigger deployed with ``--retry`` redelivers the
    message) only when a tracker failed in a way a later attempt can fix: the Sheets
    API or the mail server was unavailable, or an unexpected error. A tracker that
    cannot be opened, a bad configuration or a malformed message is logged and not
    retried, because redelivery cannot fix it. Rerunning the trackers that succeeded
    sends nothing twice: each tracker's Log tab remembers what was sent.

``fan_out(request)``
    HTTP, for Cloud Scheduler, when one deployment runs many trackers: publishes one
    Pub/Sub message per tracker of ``SHEETSYNC_REGISTRY`` (or ``SHEETSYNC_TRACKERS``)
    to ``SHEETSYNC_TOPIC``, whose push subscription feeds ``on_pubsub``. Answers 200 with
    ``{"published": n, "off": n, "problems": [...]}``, or 500 with a one-line reason.
    With ``SHEETSYNC_WORKERS`` set, ``on_pubsub`` paces its Sheets API requests at the
    quota divided by the workers (see ``sheetsync.fleet``).
``act(request)``
    HTTP, public (``--allow-unauthenticated``: the signed token is the credential). A
    Mark-done link from an email: GET shows the milestone as the sheet holds it now with
    a Confirm button, POST (the button) writes Done and Completed On and a Log row. The
    work is ``sheetsync.act.service.answer``; it needs ``SHEETSYNC_TRACKER`` and
    ``SHEETSYNC_LINK_KEYS`` only (no mail settings, no SMTP password). For many trackers,
    ``SHEETSYNC_REGISTRY`` (or ``SHEETSYNC_TRACKERS``) instead of ``SHEETSYNC_TRACKER``:
    a link is for the listed tracker whose tag its token carries.

Configuration comes from the ``SHEETSYNC_*`` environment variables (see
``sheetsync.config``). Logs are JSON lines on stdout with ``severity`` and ``message``,
which Cloud Logging reads as structured entries. The SMTP password never reaches a log
line or a response: every line and answer is scrubbed of it.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import logging
import os
import sys
from typing import Any

import functions_framework

from sheetsync.act.page import plain_page, unlisted_page
from sheetsync.act.service import answer as mark_done
from sheetsync.backends import open_backend
from sheetsync.compose.calendar import FEED_PATH
from sheetsync.config import Config, run_configured
from sheetsync.deadlines import feed_from_environment
from sheetsync.errors import SheetsyncError, UsageError
from sheetsync.fleet import fanout
from sheetsync.fleet.links import tracker_address
from sheetsync.links import parse_keys, signature_ok
from sheetsync.pipeline import RunResult

log = logging.getLogger("sheetsync.function")
DONE, FAILED, RETRY = "done", "failed", "retry"


class JsonLines(logging.Formatter):
    """One JSON object per record, in Cloud Logging's structured-log shape."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "severity": record.levelname,
            "message": scrub(record.getMessage()),
            "logger": record.name,
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["stack_trace"] = scrub(self.formatException(record.exc_info))
        return json.dumps(entry, default=str)


def scrub(text: str) -> str:
    """``text`` with the SMTP password, if any, replaced by ``***``."""
    secret = os.environ.get("SHEETSYNC_SMTP_PASSWORD")
    return text.replace(secret, "***") if secret else text


def _install_logging() -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonLines())
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(logging.INFO)
    logging.captureWarnings(True)  # library warnings become WARNING entries, not bare stderr


_install_logging()


@functions_framework.http
def run_tracker(request: Any) -> tuple[str, int, dict[str, str]]:
    """Run one tracker for Cloud Scheduler; 200 and the JSON summary, or 500 and why."""
    try:
        body = request.get_json(force=True, silent=True)
        result = _run_one(_config(), _tracker_in_body(body))
    except Exception as exc:
        return scrub(_reason(exc)), 500, {"Content-Type": "text/plain; charset=utf-8"}
    return json.dumps(result.to_json()), 200, {"Content-Type": "application/json"}


@functions_framework.cloud_event
def on_pubsub(cloud_event: Any) -> None:
    """Run each tracker the Pub/Sub message names; raise only if a retry could help."""
    try:
        config = _config()
        trackers = trackers_in_message(cloud_event.data)
    except UsageError:
        return  # already logged; redelivering the same message cannot help
    outcomes = [_outcome(config, tracker) for tracker in trackers]
    failed = len(outcomes) - outcomes.count(DONE)
    log.info(
        "%d of %d trackers done",
        len(outcomes) - failed,
        len(outcomes),
        extra={"fields": {"trackers": len(outcomes), "failed": failed}},
    )
    retryable = outcomes.count(RETRY)
    if retryable:
        raise RuntimeError(f"{retryable} of {len(outcomes)} trackers failed; a retry may help")


@functions_framework.http
def calendar_feed(request: Any) -> tuple[bytes, int, dict[str, str]]:
    """An owner's calendar (text/calendar) for a signed feed link; 403 for any other link."""
    answer = feed_from_environment(request.method, request.args.get("t", ""), os.environ)
    return answer.body, answer.status, answer.headers


@functions_framework.http
def fan_out(request: Any) -> tuple[str, int, dict[str, str]]:
    """Publish one Pub/Sub message per tracker; 200 and the counts, or 500 and why."""
    try:
        round_ = fanout.fan_out(os.environ)
    except Exception as exc:
        log.error(
            "fan-out failed: %s",
            scrub(_reason(exc)),
            extra={"fields": {"error": type(exc).__name__}},
        )
        return scrub(_reason(exc)), 500, {"Content-Type": "text/plain; charset=utf-8"}
    log.info("published %d trackers", round_.published, extra={"fields": round_.to_json()})
    return json.dumps(round_.to_json()), 200, {"Content-Type": "application/json"}


def act(request: Any) -> tuple[str, int, dict[str, str]]:
    """A Mark-done link: the page (GET) or the confirmation (POST); never a traceback.

    ``/calendar`` is an owner's calendar feed instead (``calendar_feed``).
    """
    if request.path.rstrip("/").endswith(FEED_PATH):
        return calendar_feed(request)  # type: ignore[return-value]
    token = request.form.get("t") or request.args.get("t") or ""
    try:
        keys = parse_keys(os.environ.get("SHEETSYNC_LINK_KEYS"))
        tracker = tracker_address(token, keys, os.environ)  # a fleet's: the one the link names
        if tracker is None:
            page = unlisted_page(request.method, token, signature_ok(token, keys))
        else:
            backend = open_backend(tracker)
            page = mark_done(backend, request.method, token, keys, lambda: dt.datetime.now(dt.UTC))
    except Exception as exc:
        log.exception("act failed: %s", _reason(exc), extra={"fields": {"error": "act"}})
        page = plain_page(500, "Something went wrong", ACT_FAILED)
    if page.status >= 400:
        log.info("act answered %d: %s", page.status, page.heading)
    return page.html(), page.status, page.headers()


ACT_FAILED = "The tracker could not be read or written just now. Try the link again later."


def _config() -> Config:
    try:
        config = Config.from_env(os.environ)
        fanout.install_pacing(os.environ)  # this worker's share of the Sheets quota, if set
        return config
    except UsageError as exc:
        log.error("configuration: %s", exc, extra={"fields": {"error": "UsageError"}})
        raise


def _tracker_in_body(body: object) -> str | None:
    if not isinstance(body, dict) or body.get("tracker") in (None, ""):
        return None
    tracker = body["tracker"]
    if not isinstance(tracker, str):
        log.error("bad request: tracker is not a string", extra={"fields": {"error": "UsageError"}})
        raise UsageError('"tracker" in the request body must be a URL or ID string')
    return tracker


def trackers_in_message(data: Any) -> list[str | None]:
    """The trackers a Pub/Sub ``messagePublished`` payload names; ``[None]`` for the default.

    Raises:
        UsageError: the data is not base64 text, or names trackers in the wrong shape.
    """
    try:
        return _trackers(_decoded(data))
    except UsageError as exc:
        log.error("bad Pub/Sub message: %s", exc, extra={"fields": {"error": "UsageError"}})
        raise


def _decoded(data: Any) -> object:
    message = data.get("message") if isinstance(data, dict) else None
    raw = message.get("data") if isinstance(message, dict) else None
    try:
        text = base64.b64decode(raw or "", validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, TypeError):
        raise UsageError("the message data is not base64-encoded UTF-8 text") from None
    try:
        return json.loads(text)
    except ValueError:
        return None  # plain text such as "run": the default tracker


def _trackers(payload: object) -> list[str | None]:
    if not isinstance(payload, dict) or not ({"tracker", "trackers"} & payload.keys()):
        return [None]
    names = payload["trackers"] if "trackers" in payload else [payload["tracker"]]
    if not isinstance(names, list) or not names:
        raise UsageError('"trackers" must be a non-empty list of URLs or IDs')
    if not all(isinstance(n, str) and n.strip() for n in names):
        raise UsageError("each tracker must be a non-empty URL or ID string")
    return list(dict.fromkeys(n.strip() for n in names))


def _outcome(config: Config, tracker: str | None) -> str:
    """Run one tracker: DONE, FAILED (a retry cannot help) or RETRY."""
    try:
        _run_one(config, tracker)
    except SheetsyncError as exc:
        return FAILED if exc.exit_code == 2 else RETRY
    except Exception:
        return RETRY
    return DONE


def _run_one(config: Config, tracker: str | None) -> RunResult:
    """Run, and log one INFO line with the counts or one ERROR line with the reason."""
    name = tracker or config.tracker
    try:
        result = run_configured(config, tracker)
    except SheetsyncError as exc:
        failure = {"tracker": name, "error": type(exc).__name__}
        log.error("tracker %s failed: %s", name, exc, extra={"fields": failure})
        raise
    except Exception:
        crash = {"tracker": name, "error": "internal"}
        log.exception("tracker %s failed with an unexpected error", name, extra={"fields": crash})
        raise
    summary = result.to_json()
    fields = {**summary, "title": summary["tracker"], "tracker": name}
    verb = "would send" if result.dry_run else "sent"
    log.info(
        "%s: %d milestones, %d problems, %s %d emails",
        *(result.tracker, result.rows, len(result.problems), verb, _emails(result)),
        extra={"fields": fields},
    )
    return result


def _emails(result: RunResult) -> int:
    return len(result.planned) if result.dry_run else result.emails


def _reason(exc: Exception) -> str:
    text = str(exc) if isinstance(exc, SheetsyncError) else f"{type(exc).__name__}: {exc}"
    return " ".join(text.split()) or type(exc).__name__
