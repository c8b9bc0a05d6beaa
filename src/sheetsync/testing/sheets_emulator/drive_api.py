"""The slice of Drive API v3 gspread uses to create, find and delete spreadsheets."""

from __future__ import annotations

import re
from typing import Any

from .errors import ApiError
from .masks import apply_mask, parse_mask
from .model import Spreadsheet

SPREADSHEET_MIME = "application/vnd.google-apps.spreadsheet"
_CLAUSE = re.compile(r"""(\w+)\s*(=|contains)\s*(['"])(.*?)\3""")


def file_resource(book: Spreadsheet) -> dict[str, Any]:
    """Return the Drive file resource of a spreadsheet."""
    return {
        "kind": "drive#file",
        "id": book.spreadsheet_id,
        "name": book.title,
        "mimeType": SPREADSHEET_MIME,
        "createdTime": book.created_time,
        "modifiedTime": book.modified_time,
    }


def created(book: Spreadsheet) -> dict[str, Any]:
    """Return what ``files.create`` answers (no times, like Drive's default fields)."""
    return apply_mask(file_resource(book), parse_mask("kind,id,name,mimeType"))


def check_creatable(body: dict[str, Any]) -> str:
    """Return the new file's name; only spreadsheets can be created."""
    if body.get("mimeType") != SPREADSHEET_MIME:
        raise ApiError.unimplemented(f"Drive files of type {body.get('mimeType')!r}")
    return str(body.get("name") or "Untitled spreadsheet")


def get_file(book: Spreadsheet, fields: str | None) -> dict[str, Any]:
    """Return ``files.get``, masked by ``fields``."""
    mask = parse_mask(fields) if fields else parse_mask("kind,id,name,mimeType")
    return apply_mask(file_resource(book), mask)


def list_files(books: list[Spreadsheet], q: str | None, fields: str | None) -> dict[str, Any]:
    """Return ``files.list`` for a query of ``name = '...'`` / ``mimeType = '...'`` clauses."""
    wanted = [(m[1], m[2], m[4]) for m in _CLAUSE.finditer(q or "")]
    found = [file_resource(book) for book in books if _matches(file_resource(book), wanted)]
    found.sort(key=lambda item: item["modifiedTime"], reverse=True)
    answer = {"kind": "drive#fileList", "incompleteSearch": False, "files": found}
    default = "kind,incompleteSearch,files(kind,id,name,mimeType)"
    mask = parse_mask(fields or default)
    return apply_mask(answer, mask)


def _matches(item: dict[str, Any], clauses: list[tuple[str, str, str]]) -> bool:
    for field, op, value in clauses:
        actual = str(item.get(field, ""))
        if (op == "=" and actual != value) or (op == "contains" and value not in actual):
            return False
    return True
