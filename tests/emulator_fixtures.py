"""Fixtures for the emulator's own tests: a running emulator, a seeded tracker, two clients.

A test module names this module in ``pytest_plugins`` for the fixtures (emu, book, gc,
http) and imports the rest (``values_url``, the seeded rows) by name. PYTEST_DONT_REWRITE:
it holds no assert, and its importers load it before pytest registers it as a plugin.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import gspread
import pytest
import requests

from sheetsync.testing.emulator import SheetsEmulator, gspread_client

CONTRACTS = [
    ["Contract ID", "Contract", "Value", "End Date", "Auto-Renew"],
    ["C-001", "Acme MSA", 120000, dt.date(2027, 3, 31), True],
    ["C-002", "Globex lease", 45000.5, dt.date(2026, 12, 31), False],
]
MILESTONES = [
    ["Milestone ID", "Contract ID", "Milestone", "Due Date"],
    ["M-0003", "C-002", "Pay rent", dt.date(2027, 1, 5)],
    ["M-0001", "C-001", "Renewal notice", dt.date(2026, 12, 1)],
    ["M-0002", "C-001", "QBR", dt.date(2027, 2, 10)],
]


@pytest.fixture
def emu() -> Iterator[SheetsEmulator]:
    """A running emulator with Google's default quotas."""
    with SheetsEmulator() as emulator:
        yield emulator


@pytest.fixture
def book(emu: SheetsEmulator) -> str:
    """The id of a seeded two-tab tracker."""
    return emu.create_spreadsheet(
        "Tracker", tabs={"Contracts": CONTRACTS, "Milestones": MILESTONES}
    )


@pytest.fixture
def gc(emu: SheetsEmulator) -> Iterator[gspread.Client]:
    """A real gspread client pointed at the emulator."""
    client = gspread_client(emu.host)
    yield client
    client.http_client.session.close()


@pytest.fixture
def http(emu: SheetsEmulator) -> Iterator[Any]:
    """Raw HTTP to the emulator: ``http("GET", "/v4/...", params=..., json=...)``."""
    session = requests.Session()

    def call(method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 10)
        return session.request(method, emu.base_url + path, **kwargs)

    yield call
    session.close()


def values_url(book: str, a1: str) -> str:
    """The path of ``values/{range}``."""
    return f"/v4/spreadsheets/{book}/values/{requests.utils.quote(a1, safe='')}"
