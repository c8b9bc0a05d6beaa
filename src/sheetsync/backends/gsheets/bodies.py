"""Request bodies kept under Google's recommended size (about 2 MB), split in order.

A values:batchUpdate whose body would pass ``limit`` bytes is sent as several; a single
column range too long for one body is cut into row pieces first. The bodies go one
after another, each built while the one before is in flight, the last still in flight
when ``send_all`` returns (``SheetsApi.later``).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

from gspread.utils import absolute_range_name

from ..a1 import column_letters, split_cell
from .api import SheetsApi, compact_json

MAX_REQUEST_BYTES = 2_000_000
T = TypeVar("T")


def batches(data: Iterable[dict[str, Any]], limit: int) -> Iterator[list[dict[str, Any]]]:
    """Value ranges grouped so each values:batchUpdate body stays under about ``limit`` bytes."""
    return packed((piece for vr in data for piece in _split_range(vr, limit // 2)), limit)


def send_all(api: SheetsApi, data: Iterable[dict[str, Any]], limit: int) -> None:
    """values:batchUpdates of ``data`` in bodies of about ``limit`` bytes, in order.

    The next body is built while one is in flight; a failed one stops the rest (its
    error is raised once it is known, the next body unsent). The last is still in flight
    on return: the API's next call, or ``api.settle()``, waits for it and raises its error.
    """
    for part in batches(data, limit):
        api.later(functools.partial(api.values_update, part))


def send_in_turn(api: SheetsApi, data: Iterable[dict[str, Any]], limit: int) -> None:
    """values:batchUpdates of ``data`` in bodies of about ``limit`` bytes, each sent once
    the one before is answered (on the thread of a write sent ``aside``)."""
    for part in batches(data, limit):
        api.values_update(part)


def packed(items: Iterable[T], limit: int) -> Iterator[list[T]]:
    """Items grouped in order, greedily, so each group's JSON stays under about ``limit``."""
    group: list[T] = []
    size = 64  # the rest of the request body
    for item in items:
        item_size = len(compact_json(item)) + 1
        if group and size + item_size > limit:
            yield group
            group, size = [], 64
        group.append(item)
        size += item_size
    if group:
        yield group


def _split_range(value_range: dict[str, Any], limit: int) -> list[dict[str, Any]]:
    """Cut one column range into row pieces of at most about ``limit`` bytes.

    The pieces are sized from the whole column's JSON length and halved while one is
    still too long, so a column is encoded a few times, not value by value.
    """
    values = value_range["values"][0]
    size = len(compact_json(values))
    if size <= limit:
        return [value_range]
    tab, cells = value_range["range"].rsplit("!", 1)
    letter, first = split_cell(cells.split(":")[0])
    pieces: list[dict[str, Any]] = []
    start, step = 0, max(1, len(values) * limit // size)
    while start < len(values):
        chunk = values[start : start + step]
        if len(chunk) > 1 and len(compact_json(chunk)) > limit:
            step = max(1, step // 2)
            continue
        rows = f"{letter}{first + start}:{letter}{first + start + len(chunk) - 1}"
        pieces.append({"range": f"{tab}!{rows}", "majorDimension": "COLUMNS", "values": [chunk]})
        start += len(chunk)
    return pieces


def row_ranges(
    tab: str, first_row: int, width: int, rows: list[list[Any]], limit: int
) -> list[dict[str, Any]]:
    """Whole rows from ``first_row`` down as value ranges of columns A to ``width``.

    Each range holds as many rows as fit in about ``limit`` bytes.
    """
    data, start = [], first_row
    for chunk in packed(rows, limit):
        cells = f"A{start}:{column_letters(width)}{start + len(chunk) - 1}"
        data.append({"range": absolute_range_name(tab, cells), "values": chunk})
        start += len(chunk)
    return data
