"""Synthetic trackers of any size, shaped like real ones, for the benchmarks."""

from __future__ import annotations

import datetime as dt
import random

from sheetsync.cells.dates import to_serial
from sheetsync.schema import LOG_COLUMNS
from sheetsync.schema import TYPES as SCHEMA_TYPES

TYPES = [*SCHEMA_TYPES, "QBR", "invoice", "termination notice"]  # synonyms as people type
TITLES = [
    "Send renewal notice",
    "Pay invoice",
    "Quarterly report",
    "Business review",
    "Approve SOW",
    "Deliver milestone",
    "Contract expires",
    "Audit",
    "Security review",
]
DEPARTMENTS = ["Legal", "Finance", "Procurement", "Sales", "IT"]


def synthetic_tracker(
    milestones: int, today: dt.date, seed: int = 1
) -> dict[str, list[list[object]]]:
    """A tracker with ``milestones`` rows, a contract per four milestones, 1% bad rows."""
    rng = random.Random(seed)
    owners = [f"Owner {i} <owner{i}@example.com>" for i in range(max(20, milestones // 500))]
    n_contracts = max(1, milestones // 4)
    contracts = [
        ["Contract ID", "Contract", "Owner", "Department", "Value", "End Date", "Contract Status"]
    ]
    for c in range(n_contracts):
        status = "Terminated" if c % 97 == 0 else "Active"
        end = to_serial(today + dt.timedelta(days=rng.randint(-30, 900)))
        contracts.append(
            [
                f"C-{c:06d}",
                f"Agreement {c}",
                rng.choice(owners),
                rng.choice(DEPARTMENTS),
                f"${rng.randint(1, 900) * 1000:,}",
                end,
                status,
            ]
        )
    rows = [
        [
            "Milestone ID",
            "Contract ID",
            "Milestone",
            "Type",
            "Due Date",
            "Owner",
            "Remind Days",
            "Done",
            "Notes",
        ]
    ]
    base = to_serial(today)
    for m in range(milestones):
        rows.append(_milestone(rng, m, n_contracts, owners, base))
    settings = [["Setting", "Value"], ["Default escalation", "gc@example.com"], ["Locale", "en_US"]]
    return {
        "Contracts": contracts,
        "Milestones": rows,
        "Settings": settings,
        "Log": [list(LOG_COLUMNS)],
    }


def _milestone(
    rng: random.Random, m: int, n_contracts: int, owners: list[str], base: float
) -> list[object]:
    offset = rng.randint(-60, 400)
    due: object = base + offset
    if m % 50 == 0:  # typed as text, the way people do
        due = (dt.date(1899, 12, 30) + dt.timedelta(days=int(base + offset))).strftime("%m/%d/%Y")
    if m % 100 == 1:  # broken
        due = "31/02/2027"
    owner = rng.choice(owners) if m % 3 == 0 else None
    remind = "60, 14, 2" if m % 20 == 0 else None
    done = "yes" if rng.random() < 0.15 else None
    contract = f"C-{rng.randrange(n_contracts):06d}" if m % 200 != 7 else "C-999999999"
    return [
        f"M-{m + 1:07d}",
        contract,
        rng.choice(TITLES),
        rng.choice(TYPES),
        due,
        owner,
        remind,
        done,
        None,
    ]
