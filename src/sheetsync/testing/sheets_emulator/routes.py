"""Which handler answers which request: URL patterns, call kinds and what is supported."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote

from . import append as append_api
from . import values_api
from .batch import HANDLERS
from .cell_writes import HANDLERS as CELL_WRITES
from .cell_writes import handles as writes_handled
from .masks import parse_mask

SUPPORTED_CALLS = frozenset(
    {
        "spreadsheets.get",
        "spreadsheets.create",
        "spreadsheets.batchUpdate",
        "values.get",
        "values.batchGet",
        "values.update",
        "values.batchUpdate",
        "values.append",
        "values.clear",
        "values.batchClear",
        "drive.files.create",
        "drive.files.get",
        "drive.files.delete",
        "drive.files.list",
    }
)
"""Call kinds the emulator implements; anything else is answered 501 UNIMPLEMENTED."""

WRITE_CALLS = frozenset(
    {
        "spreadsheets.batchUpdate",
        "values.update",
        "values.batchUpdate",
        "values.append",
        "values.clear",
        "values.batchClear",
    }
)
"""Sheets API calls that change a spreadsheet (the kinds whose answer can be lost)."""

ValuesHandler = Callable[..., dict[str, Any]]


@dataclass(frozen=True)
class Route:
    """A matched request: its kind, the spreadsheet or file id and the A1 range, if any."""

    kind: str
    resource_id: str | None = None
    range_text: str = ""


_ID = r"([^/:]+)"
_PATTERNS: list[tuple[str, re.Pattern[str], str]] = [
    ("POST", re.compile(r"^/v4/spreadsheets/?$"), "spreadsheets.create"),
    ("GET", re.compile(rf"^/v4/spreadsheets/{_ID}$"), "spreadsheets.get"),
    ("POST", re.compile(rf"^/v4/spreadsheets/{_ID}:batchUpdate$"), "spreadsheets.batchUpdate"),
    ("GET", re.compile(rf"^/v4/spreadsheets/{_ID}/values:batchGet$"), "values.batchGet"),
    ("POST", re.compile(rf"^/v4/spreadsheets/{_ID}/values:batchUpdate$"), "values.batchUpdate"),
    ("POST", re.compile(rf"^/v4/spreadsheets/{_ID}/values:batchClear$"), "values.batchClear"),
    ("POST", re.compile(rf"^/v4/spreadsheets/{_ID}/values/(.+):append$"), "values.append"),
    ("POST", re.compile(rf"^/v4/spreadsheets/{_ID}/values/(.+):clear$"), "values.clear"),
    ("GET", re.compile(rf"^/v4/spreadsheets/{_ID}/values/(.+)$"), "values.get"),
    ("PUT", re.compile(rf"^/v4/spreadsheets/{_ID}/values/(.+)$"), "values.update"),
    ("POST", re.compile(r"^/drive/v3/files/?$"), "drive.files.create"),
    ("GET", re.compile(r"^/drive/v3/files/?$"), "drive.files.list"),
    ("GET", re.compile(rf"^/drive/v3/files/{_ID}$"), "drive.files.get"),
    ("DELETE", re.compile(rf"^/drive/v3/files/{_ID}$"), "drive.files.delete"),
]

VALUES_HANDLERS: dict[str, ValuesHandler] = {
    "values.get": values_api.get,
    "values.batchGet": values_api.batch_get,
    "values.update": values_api.update,
    "values.batchUpdate": values_api.batch_update,
    "values.append": append_api.append,
    "values.clear": values_api.clear,
    "values.batchClear": values_api.batch_clear,
}


def route(method: str, path: str) -> Route:
    """Return the route of a request; kind ``unsupported`` when nothing matches."""
    for verb, pattern, kind in _PATTERNS:
        match = pattern.match(path)
        if verb == method and match:
            groups = match.groups()
            resource = unquote(groups[0]) if groups else None
            text = unquote(groups[1]) if len(groups) > 1 else ""
            return Route(kind, resource, text)
    return Route("unsupported")


def is_supported(method: str, path: str, query: str = "", body: Any = None) -> bool:
    """Return True when the emulator implements this request (batchUpdate: every sub-request).

    Args:
        method: HTTP method.
        path: URL path, e.g. ``/v4/spreadsheets/ID/values/A1``.
        query: the URL query string (grid-data reads are not supported).
        body: the decoded JSON body, used for batchUpdate requests.
    """
    kind = route(method.upper(), path).kind
    if kind == "spreadsheets.get":
        params = parse_qs(query)
        grid = params.get("includeGridData", ["false"])[-1].lower() == "true"
        mask = parse_mask(params.get("fields", [""])[-1])
        return not grid and "data" not in mask.get("sheets", {})
    if kind == "spreadsheets.batchUpdate":
        requests = (body or {}).get("requests", []) if isinstance(body, dict) else []
        return all(len(r) == 1 and _handled(*next(iter(r.items()))) for r in requests)
    return kind in SUPPORTED_CALLS


def _handled(kind: str, request: Any) -> bool:
    """A batchUpdate sub-request the emulator implements (cell writes: their fields too)."""
    if kind in CELL_WRITES:
        return isinstance(request, dict) and writes_handled(request)
    return kind in HANDLERS
