"""One round: read the list of trackers, publish one message per tracker, say what happened.

Settings (environment variables of the ``fan_out`` target)::

    SHEETSYNC_REGISTRY   the registry sheet's URL or ID (one row per tracker, On yes/no)
    SHEETSYNC_TRACKERS   or: tracker URLs or IDs separated by spaces or commas
    SHEETSYNC_TOPIC      projects/PROJECT/topics/TOPIC, where the messages go

Workers (the ``on_pubsub`` target) read two more, to pace themselves::

    SHEETSYNC_WORKERS       how many run at once (the worker's --max-instances)
    SHEETSYNC_SHEETS_QUOTA  the service account's Sheets quota, default 60 (a minute);
                            60/6s means 60 per 6 seconds (the emulator's scaled quota)
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..backends import spreadsheet_id
from ..backends.gsheets import pacing
from ..backends.gsheets.api import SheetsApi
from ..backends.gsheets.connect import connect_http
from ..config import PREFIX, VARIABLES
from ..errors import UsageError
from .publish import publish
from .registry import Roster, from_list, from_rows

log = logging.getLogger("sheetsync.fleet")
_TOPIC = re.compile(r"^projects/[a-z][a-z0-9-]{4,28}[a-z0-9]/topics/[A-Za-z][\w.~+%-]{2,254}$")


@dataclass(frozen=True)
class Round:
    """What one fan-out did: the trackers published, those switched off, the problems."""

    published: int
    off: int
    problems: list[str]

    def to_json(self) -> dict[str, Any]:
        """The round as the HTTP answer's JSON."""
        return {"published": self.published, "off": self.off, "problems": self.problems}


def fan_out(environ: Mapping[str, str]) -> Round:
    """Publish one message per tracker switched on; each problem is logged as a WARNING.

    Raises:
        UsageError: a setting is missing or malformed (one line naming it).
        SheetsyncError: the registry sheet or Pub/Sub could not be reached.
    """
    _reject_unknown(environ)
    topic = _topic(environ)
    roster = roster_from(environ)
    for problem in roster.problems:
        log.warning("%s", problem, extra={"fields": {"problem": problem}})
    published = publish(topic, roster.trackers, environ)
    return Round(published, roster.off, roster.problems)


def roster_from(environ: Mapping[str, str]) -> Roster:
    """The trackers of this round: the registry sheet, else ``SHEETSYNC_TRACKERS``."""
    registry = environ.get("SHEETSYNC_REGISTRY", "").strip()
    if registry:
        return from_rows(read_registry(registry))
    listed = environ.get("SHEETSYNC_TRACKERS", "").strip()
    if not listed:
        raise UsageError(
            "no trackers: set SHEETSYNC_REGISTRY (a registry sheet) or SHEETSYNC_TRACKERS"
        )
    return from_list(listed)


def read_registry(address: str) -> list[list[object]]:
    """The registry sheet's first tab, as rows of cells (one Sheets API read)."""
    key = spreadsheet_id(address)
    if key is None:
        raise UsageError(f"SHEETSYNC_REGISTRY: {address!r} is not a Google Sheets URL or ID")
    http = connect_http()
    ranges = SheetsApi(http, key, http.account).batch_get(["A1:Z"], "ROWS")
    return [list(row) for row in (ranges[0].get("values", []) if ranges else [])]


def install_pacing(environ: Mapping[str, str]) -> pacing.Pacer | None:
    """Pace this worker at its share of the quota when ``SHEETSYNC_WORKERS`` is set.

    Called before each run; a process keeps its pacer from one run to the next.

    Raises:
        UsageError: ``SHEETSYNC_WORKERS`` or ``SHEETSYNC_SHEETS_QUOTA`` is malformed.
    """
    workers = environ.get("SHEETSYNC_WORKERS", "").strip()
    if not workers:
        pacing.install(None)
        return None
    if not workers.isdigit():
        raise UsageError(f"SHEETSYNC_WORKERS: {workers!r} is not a whole number of workers")
    pacer = pacing.share(environ.get("SHEETSYNC_SHEETS_QUOTA", "60"), int(workers))
    kept = pacing.installed()
    if kept is not None and (kept.reads, kept.writes, kept.window) == (
        pacer.reads,
        pacer.writes,
        pacer.window,
    ):
        return kept  # the same share: keep the requests it has counted in this window
    pacing.install(pacer)
    return pacer


def _topic(environ: Mapping[str, str]) -> str:
    topic = environ.get("SHEETSYNC_TOPIC", "").strip()
    if not _TOPIC.match(topic):
        shown = repr(topic) if topic else "unset"
        raise UsageError(
            f"SHEETSYNC_TOPIC: {shown}; it must look like projects/my-project/topics/sheetsync"
        )
    return topic


def _reject_unknown(environ: Mapping[str, str]) -> None:
    unknown = sorted(k for k in environ if k.startswith(PREFIX) and k not in VARIABLES)
    if unknown:
        raise UsageError(f"unknown variable {unknown[0]} (known: {', '.join(VARIABLES)})")
