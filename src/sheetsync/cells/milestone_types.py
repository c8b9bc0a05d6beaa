"""Milestone types and their synonyms."""

from __future__ import annotations

from functools import lru_cache

from ..schema import TYPE_SYNONYMS, TYPES, header_key

_BY_KEY = {header_key(t): t for t in TYPES} | {header_key(k): v for k, v in TYPE_SYNONYMS.items()}


@lru_cache(maxsize=4096)
def canonical_type(text: str) -> str | None:
    """Map a typed type (``"Renewal window"``, ``"QBR"``, ``"Invoices"``) to a known type."""
    key = header_key(text)
    if not key:
        return "other"
    if key in _BY_KEY:
        return _BY_KEY[key]
    if key.endswith("s") and key[:-1] in _BY_KEY:
        return _BY_KEY[key[:-1]]
    return None
