"""Python values a test seeds a sheet with, turned into stored cells."""

from __future__ import annotations

import datetime as dt
from typing import Any

from .cells import DATE_PATTERNS, Cell, Formatted, serial_of, store_raw


def seed_cell(value: Any) -> Cell:
    """Store a Python value: ``date`` -> a date cell, ``datetime`` -> serial with time, else RAW."""
    if isinstance(value, dt.datetime):
        midnight = dt.datetime.combine(value.date(), dt.time(), value.tzinfo)
        fraction = (value - midnight).total_seconds() / 86400
        return Formatted(serial_of(value.date()) + fraction, DATE_PATTERNS["iso"], True)
    if isinstance(value, dt.date):
        return Formatted(serial_of(value), DATE_PATTERNS["iso"], True)
    return store_raw(value)
