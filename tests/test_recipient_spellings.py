"""One address typed two ways never makes the Log speak for the wrong person (issue 10).

The fault-injected year's last duplicate: ``raj@example.com`` in one row and ``Raj Patel
<raj@example.com>`` in another are two recipient lists but one address. Planning looked up
each later recipient's Log rows under the next person's address, so after a run the mail
server stopped halfway (the Log written, Last Notified not yet), the rerun sent one owner
the same stage again and never sent it to the other. Both real backends, the real
``SmtpTransport`` against aiosmtpd on loopback.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from conftest import TODAY, days, milestone, tracker_grids, write_workbook
from gsheets_fixtures import backend as google_backend
from gsheets_fixtures import options, running_emulator
from sheetsync.backends.xlsx import XlsxBackend
from sheetsync.errors import DeliveryError
from sheetsync.pipeline import run
from sheetsync.testing.emulator import SheetsEmulator
from sheetsync.testing.smtpd import SmtpServer
from sheetsync.transports.smtp import SmtpPolicy, SmtpTransport

SHARED = "Shared delivery"


def _row(number: int, title: str, kind: str, due: dt.date, owner: str) -> list[object]:
    """Milestone M-<number> of C-001 owned by ``owner``."""
    return milestone(f"M-{number:04d}", "C-001", title, kind, due, owner=owner)


GRIDS = tracker_grids(
    [
        _row(1, "Raj's notice", "notice", days(7), "raj@example.com"),
        _row(2, "Raj's report", "report", days(3), "Raj Patel <raj@example.com>"),
        _row(3, SHARED, "delivery", days(7), "maria@example.com; tom@example.com"),
    ]
)


class StopsAfter:
    """``SmtpTransport``; after ``first`` messages the server answers 451 to every other."""

    name = "smtp"

    def __init__(self, server: SmtpServer, first: int | None) -> None:
        self.inner = SmtpTransport(
            server.url(), None, policy=SmtpPolicy(sleep=lambda s: None, retries=2)
        )
        self.server, self.first = server, first

    def __enter__(self) -> StopsAfter:
        self.inner.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.inner.__exit__(*exc)

    def send(self, message: EmailMessage) -> None:
        """Send; once ``first`` went, the server turns to refusing (the run gives up)."""
        self.inner.send(message)
        if self.first is not None:
            self.first -= 1
            if self.first == 0:
                self.server.faults.transient_failures = 1000


@pytest.fixture(scope="module")
def emulator() -> Iterator[SheetsEmulator]:
    """One Sheets API emulator for the module."""
    yield from running_emulator()


@pytest.fixture(params=["xlsx", "google"])
def make_backend(request, tmp_path: Path, emulator: SheetsEmulator):
    """A fresh backend per run on one tracker, a workbook or a Google Sheet."""
    if request.param == "xlsx":
        path = write_workbook(tmp_path / "tracker.xlsx", GRIDS)
        return lambda: XlsxBackend(path)
    sheet = emulator.create_spreadsheet("Tracker", GRIDS)
    return lambda: google_backend(emulator, sheet)


def received(server: SmtpServer) -> Counter[tuple[str, str]]:
    """How many times each (recipient, milestone title) reached the server."""
    seen: Counter[tuple[str, str]] = Counter()
    for message in server.messages:
        body = message.get_body(("plain",))
        text = body.get_content() if body is not None else ""
        for to in message.envelope_to:
            for title in ("Raj's notice", "Raj's report", SHARED):
                seen[(to, title)] += f"* {title} (" in text
    return seen


def test_a_rerun_after_the_server_stopped_sends_each_owner_each_stage_once(make_backend):
    """After a run the server cut short, the rerun resends nothing and forgets no co-owner."""
    with SmtpServer() as server:
        with pytest.raises(DeliveryError):
            run(make_backend(), StopsAfter(server, first=1), options(TODAY))
        assert [m.envelope_to for m in server.messages] == [["maria@example.com"]]
        server.faults.transient_failures = 0
        run(make_backend(), StopsAfter(server, first=None), options(TODAY))
        seen = received(server)
    assert seen[("maria@example.com", SHARED)] == 1
    assert seen[("tom@example.com", SHARED)] == 1
    assert seen[("raj@example.com", "Raj's notice")] == 1
    assert seen[("raj@example.com", "Raj's report")] == 1
    per_person = Counter(to for m in server.messages for to in m.envelope_to)
    assert set(per_person.values()) == {1}  # one digest or summary each, none twice
