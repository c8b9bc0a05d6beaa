"""``spreadsheets.get`` and ``spreadsheets.create``."""

from __future__ import annotations

from typing import Any

from .errors import ApiError
from .masks import apply_mask, parse_mask
from .model import Spreadsheet

Query = dict[str, list[str]]


def get(book: Spreadsheet, query: Query) -> dict[str, Any]:
    """Return the Spreadsheet resource, cut down to the ``fields`` mask when there is one.

    Raises:
        ApiError: 501 when grid data is asked for (the emulator serves values only).
    """
    grid = (query.get("includeGridData") or ["false"])[-1].lower() == "true"
    fields = (query.get("fields") or [""])[-1]
    mask = parse_mask(fields) if fields else {}
    if grid or "data" in mask.get("sheets", {}):
        raise ApiError.unimplemented("grid data (includeGridData, sheets.data)")
    resource = book.to_json()
    return apply_mask(resource, mask) if mask else resource


def creation_args(body: dict[str, Any]) -> dict[str, Any]:
    """Return keyword arguments for ``Store.create`` from a ``spreadsheets.create`` body."""
    props = body.get("properties", {})
    titles = [
        sheet.get("properties", {}).get("title") or f"Sheet{index + 1}"
        for index, sheet in enumerate(body.get("sheets", []))
    ]
    args: dict[str, Any] = {"title": props.get("title") or "Untitled spreadsheet"}
    if props.get("locale"):
        args["locale"] = props["locale"]
    if props.get("timeZone"):
        args["time_zone"] = props["timeZone"]
    if titles:
        args["tabs"] = {title: [] for title in titles}
    return args
