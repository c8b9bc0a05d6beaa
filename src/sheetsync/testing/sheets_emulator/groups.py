"""Row and column groups (``addDimensionGroup`` / ``deleteDimensionGroup``)."""

from __future__ import annotations

import copy
from typing import Any

from .errors import ApiError
from .model import Sheet


def _key(dimension: str) -> str:
    return "rowGroups" if dimension == "ROWS" else "columnGroups"


def _overlaps(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return a["startIndex"] < b["endIndex"] and b["startIndex"] < a["endIndex"]


def add_group(sheet: Sheet, dim_range: dict[str, Any]) -> list[dict[str, Any]]:
    """Group a span of rows or columns, one level deeper than groups it overlaps.

    Returns:
        Every group of that dimension, as Google's reply lists them.
    """
    dimension = dim_range.get("dimension", "ROWS")
    span = {"dimension": dimension, "startIndex": dim_range["startIndex"]}
    span["endIndex"] = dim_range["endIndex"]
    groups = sheet.groups.setdefault(_key(dimension), [])
    depth = 1 + max((g["depth"] for g in groups if _overlaps(g["range"], span)), default=0)
    groups.append({"range": span, "depth": depth})
    groups.sort(key=lambda g: (g["depth"], g["range"]["startIndex"]))
    control = "rowGroupControlAfter" if dimension == "ROWS" else "columnGroupControlAfter"
    sheet.props["gridProperties"][control] = True
    return copy.deepcopy(groups)


def delete_group(sheet: Sheet, dim_range: dict[str, Any]) -> list[dict[str, Any]]:
    """Remove the deepest group spanning exactly this range; return the groups left."""
    groups = sheet.groups.get(_key(dim_range.get("dimension", "ROWS")), [])
    matching = [
        g
        for g in groups
        if (g["range"]["startIndex"], g["range"]["endIndex"])
        == (dim_range.get("startIndex"), dim_range.get("endIndex"))
    ]
    if not matching:
        raise ApiError.invalid("No dimension group found for that range.")
    groups.remove(max(matching, key=lambda g: g["depth"]))
    return copy.deepcopy(groups)
