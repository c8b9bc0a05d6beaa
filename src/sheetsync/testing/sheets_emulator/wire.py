"""Google's JSON rules for answers: fields at their default left out, single-precision floats.

Plain proto3 fields at their default (0, false, "", an empty list) are left out of an
answer. The values API has only such fields, so :func:`without_defaults` applies there
wholesale; the Spreadsheet resource also has wrapped fields Google prints even at their
default (the recorded traffic shows ``"sheetId": 0``, ``"index": 0`` in SheetProperties,
``"bold": false`` in TextFormat, ``"startRowIndex": 0`` in a GridRange), so there the
emulator leaves them out field by field where it stores them.

The Sheets API's only float fields the emulator keeps are a Color's ``red``, ``green``,
``blue`` and ``alpha`` (``pixelSize``, ``fontSize``, padding and every ``GridProperties``
field are integers). Google stores them as 32-bit floats and prints the shortest decimal
that reads back as the same float (``1/3`` comes back as ``0.33333334``, ``0.1`` as
``0.1``). ``red``, ``green`` and ``blue`` are plain proto3 fields, left out at 0 (black
is ``{}``); ``alpha`` is a wrapper, shown whenever it was set.
"""

from __future__ import annotations

import struct
from typing import Any

COLOR_PARTS = frozenset({"red", "green", "blue", "alpha"})


def google_json(value: Any) -> Any:
    """``value`` with every Color object written the way Google answers it."""
    if isinstance(value, dict):
        if value and set(value) <= COLOR_PARTS and all(_is_number(v) for v in value.values()):
            return _color(value)
        return {key: google_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [google_json(item) for item in value]
    return value


def without_defaults(value: Any) -> Any:
    """``value`` without the object fields at a proto3 default: 0, false, "", [], {}.

    List items are kept as they are (a cell's ``""`` or ``0`` inside ``values`` stays).
    """
    if isinstance(value, dict):
        kept = {key: without_defaults(item) for key, item in value.items()}
        return {key: item for key, item in kept.items() if not _default(item)}
    if isinstance(value, list):
        return [item if not isinstance(item, dict) else without_defaults(item) for item in value]
    return value


def _default(value: Any) -> bool:
    if isinstance(value, bool):
        return value is False
    if _is_number(value):
        return value == 0
    return value in ("", [], {}) if isinstance(value, str | list | dict) else value is None


def single(number: float) -> float | int:
    """``number`` at single precision, as the shortest decimal that reads back the same."""
    stored = _float32(number)
    for digits in range(1, 10):
        text = f"{stored:.{digits}g}"
        if _float32(float(text)) == stored:
            shortest = float(text)
            return int(shortest) if shortest.is_integer() else shortest
    return stored  # pragma: no cover - nine significant digits always round-trip


def _color(color: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for part, number in color.items():
        value = single(float(number))
        if value or part == "alpha":
            out[part] = value
    return out


def _float32(number: float) -> float:
    return float(struct.unpack("<f", struct.pack("<f", number))[0])


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
