"""Developer metadata: create, update and delete through batchUpdate, found by lookups.

Shapes follow the Sheets API v4 reference (``DeveloperMetadata``, ``DataFilter`` with a
``developerMetadataLookup``). Locations supported: the spreadsheet and whole sheets.
A ``metadataId`` is unique in the spreadsheet: creating one that exists fails, and
since a batchUpdate is all or nothing, the whole batch fails with it.
"""

from __future__ import annotations

import copy
from typing import Any

from .errors import ApiError
from .model import IdMaker, Spreadsheet

VISIBILITIES = ("DOCUMENT", "PROJECT")
_LOOKUP_FIELDS = ("metadataId", "metadataKey", "metadataValue", "visibility", "locationType")
_UPDATABLE = ("metadataKey", "metadataValue", "visibility", "location")


def create(book: Spreadsheet, request: dict[str, Any], ids: IdMaker) -> dict[str, Any]:
    """Add one DeveloperMetadata; the reply carries it with its id and resolved location."""
    wanted = request.get("developerMetadata") or {}
    if not wanted.get("metadataKey"):
        raise ApiError.invalid("developerMetadata.metadataKey is required")
    if wanted.get("visibility") not in VISIBILITIES:
        raise ApiError.invalid("developerMetadata.visibility must be DOCUMENT or PROJECT")
    metadata_id = int(wanted.get("metadataId") or ids.number())
    if metadata_id <= 0:
        raise ApiError.invalid("developerMetadata.metadataId must be positive")
    if any(m["metadataId"] == metadata_id for m in book.developer_metadata):
        raise ApiError.invalid(f"Developer metadata with ID {metadata_id} already exists")
    entry: dict[str, Any] = {
        "metadataId": metadata_id,
        "metadataKey": str(wanted["metadataKey"]),
        "location": _location(book, wanted.get("location") or {}),
        "visibility": wanted["visibility"],
    }
    if wanted.get("metadataValue"):
        entry["metadataValue"] = str(wanted["metadataValue"])
    book.developer_metadata.append(entry)
    return {"createDeveloperMetadata": {"developerMetadata": copy.deepcopy(entry)}}


def update(book: Spreadsheet, request: dict[str, Any], ids: IdMaker) -> dict[str, Any]:
    """Change the ``fields`` of every metadata any of ``dataFilters`` matches."""
    fields = str(request.get("fields") or "")
    names = _UPDATABLE if fields == "*" else tuple(f for f in fields.split(",") if f)
    if not names or any(name not in _UPDATABLE for name in names):
        raise ApiError.invalid(f"fields must name some of {', '.join(_UPDATABLE)} (or be *)")
    wanted = request.get("developerMetadata") or {}
    matched = _matching(book, request.get("dataFilters") or [])
    for entry in matched:
        for name in names:
            if name == "location":
                entry[name] = _location(book, wanted.get("location") or {})
            elif wanted.get(name):
                entry[name] = wanted[name]
            else:
                entry.pop(name, None)
    return {"updateDeveloperMetadata": _listed("developerMetadata", matched)}


def delete(book: Spreadsheet, request: dict[str, Any], ids: IdMaker) -> dict[str, Any]:
    """Remove every metadata the ``dataFilter`` matches (none matched is not an error)."""
    matched = _matching(book, [request.get("dataFilter") or {}])
    book.developer_metadata = [m for m in book.developer_metadata if m not in matched]
    return {"deleteDeveloperMetadata": _listed("deletedDeveloperMetadata", matched)}


HANDLERS = {
    "createDeveloperMetadata": create,
    "updateDeveloperMetadata": update,
    "deleteDeveloperMetadata": delete,
}


def _listed(name: str, entries: list[dict[str, Any]]) -> dict[str, Any]:
    return {name: copy.deepcopy(entries)} if entries else {}


def _location(book: Spreadsheet, location: dict[str, Any]) -> dict[str, Any]:
    if location.get("spreadsheet"):
        return {"locationType": "SPREADSHEET", "spreadsheet": True}
    if "sheetId" in location:
        sheet = book.sheet_by_id(int(location["sheetId"]))
        return {"locationType": "SHEET", "sheetId": sheet.sheet_id}
    if "dimensionRange" in location:
        raise ApiError.unimplemented("developer metadata on rows or columns")
    raise ApiError.invalid("developerMetadata.location must name a spreadsheet or a sheet")


def _matching(book: Spreadsheet, filters: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Entries matched by any filter; a lookup matches when every field it gives agrees."""
    lookups = []
    for data_filter in filters:
        if set(data_filter) != {"developerMetadataLookup"}:
            raise ApiError.unimplemented("data filters other than developerMetadataLookup")
        lookups.append(data_filter["developerMetadataLookup"] or {})
    return [m for m in book.developer_metadata if any(_matches(m, look) for look in lookups)]


def _matches(entry: dict[str, Any], lookup: dict[str, Any]) -> bool:
    if not any(name in lookup for name in (*_LOOKUP_FIELDS, "metadataLocation")):
        raise ApiError.invalid("developerMetadataLookup must give at least one field")
    flat = {**entry, "locationType": entry["location"]["locationType"]}
    for name in _LOOKUP_FIELDS:
        if name in lookup and str(flat.get(name, "")) != str(lookup[name]):
            return False
    where = lookup.get("metadataLocation")
    return not where or all(entry["location"].get(k) == v for k, v in where.items())
