"""Which tracker a signed link is for, when one ``act`` function serves a fleet of trackers.

A link's token names its tracker only by a tag (``links.tracker_tag``: the spreadsheet ID
is not shown). One tracker's ``act`` function serves ``SHEETSYNC_TRACKER``; a fleet's
serves the trackers of ``SHEETSYNC_REGISTRY`` or ``SHEETSYNC_TRACKERS`` (as the fan-out
reads them), and a link is for the listed tracker whose tag it carries. The signature is
checked first, so a forged link costs no read of the registry sheet.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..errors import UsageError
from ..links import signed_tag, tracker_tag
from .fanout import roster_from

FLEET_VARIABLES = ("SHEETSYNC_REGISTRY", "SHEETSYNC_TRACKERS")


def tracker_address(token: str, keys: Sequence[bytes], environ: Mapping[str, str]) -> str | None:
    """``SHEETSYNC_TRACKER``; in a fleet, the listed tracker the signed token is for.

    None when the token is not signed by one of ``keys`` or no listed tracker (switched on
    in the registry) has its tag: the caller answers 403.

    Raises:
        UsageError: neither ``SHEETSYNC_TRACKER`` nor a fleet's list is set.
        SheetsyncError: the registry sheet could not be read.
    """
    single = environ.get("SHEETSYNC_TRACKER", "").strip()
    if single:
        return single
    if not any(environ.get(name, "").strip() for name in FLEET_VARIABLES):
        raise UsageError("SHEETSYNC_TRACKER is not set (or SHEETSYNC_REGISTRY for many trackers)")
    tag = signed_tag(token, keys)
    if tag is None:
        return None
    found = (t.key for t in roster_from(environ).trackers if tracker_tag(t.key) == tag)
    return next(found, None)
