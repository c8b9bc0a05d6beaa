"""The one-payment tracker the ladder tests use (test_ladder.py, test_ladder_runs.py): a
milestone of C-002 with a Last Notified column, and the grids around it."""

from __future__ import annotations

from typing import Any

import builders
from conftest import MILESTONE_HEADER, TODAY, tracker_grids

DUE = TODAY
HEADER = [*MILESTONE_HEADER, "Last Notified"]


def row(
    ident: str = "M-0001",
    remind: str | None = None,
    owner: str = "dan@example.com",
    notified: str | None = None,
    due: object = DUE,
) -> list[object]:
    """One payment milestone of C-002 (leads 14, 7, 1 unless ``remind``)."""
    return builders.row(
        HEADER,
        milestone_id=ident,
        contract_id="C-002",
        milestone="Pay invoice",
        type="payment",
        due_date=due,
        owner=owner,
        escalate_to="lead@example.com",
        remind_days=remind,
        last_notified=notified,
    )


def grids(rows: list[list[object]], settings: list[list[object]] = ()) -> dict[str, Any]:
    """The small tracker with these milestone rows and extra settings."""
    tabs = tracker_grids(
        milestones=rows,
        settings=[
            ["Sender", "desk@example.com"],
            ["Default escalation", "gc@example.com"],
            *settings,
        ],
    )
    tabs["Milestones"][0] = list(HEADER)
    return tabs
