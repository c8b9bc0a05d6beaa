"""A realistic sample tracker, dated relative to an anchor day, for ``init --sample`` and examples.

The sample is deterministic: the same anchor always gives the same cells. It holds
healthy rows in every state (overdue, due soon, upcoming, done, cancelled) and a
handful of deliberately broken rows, so a first ``sheetsync check`` shows what the
Problems column looks like.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from typing import Any

from ..schema import CONTRACT_COLUMNS, LOG_COLUMNS, MILESTONE_COLUMNS

Grid = list[list[object]]

CONTRACT_HEADERS = [c.name for c in CONTRACT_COLUMNS] + ["Internal Ref"]
MILESTONE_HEADERS = [c.name for c in MILESTONE_COLUMNS]

# _row keyword → Milestones header.
_EXTRA = {
    "id": "Milestone ID",
    "owner": "Owner",
    "escalate": "Escalate To",
    "remind": "Remind Days",
    "repeat": "Repeat",
    "done": "Done",
    "completed": "Completed On",
    "notes": "Notes",
}

JANE = "Jane Doe <jane.doe@example.com>"
RAJ = "Raj Patel <raj.patel@example.com>"
MARIA = "Maria Garcia <maria.garcia@example.com>"
TOM = "Tom Becker <tom.becker@example.com>"
AIKO = "Aiko Tanaka <aiko.tanaka@example.com>"
LIAM = "Liam O'Brien <liam.obrien@example.com>"
GC = "General Counsel <gc@example.com>"
CFO = "Finance Director <cfo@example.com>"

# fmt: off
# id, name, counterparty, type, owner, department, value, start (days from anchor),
# end (days from anchor), auto-renew, renewal months, notice days, risk, review, status
_CONTRACTS: list[tuple[Any, ...]] = [
    ("C-001", "Master Services Agreement", "Northwind Logistics", "MSA", JANE, "Legal",
     "$1,200,000", -700, 395, "yes", 12, 90, "High", "Quarterly", "Active"),
    ("C-002", "CRM subscription", "Cloudberry Software", "SaaS subscription", RAJ, "IT",
     "1.2M", -330, 35, "yes", 12, 60, "Medium", "", "Active"),
    ("C-003", "Mutual NDA", "Fabrikam Robotics", "NDA", JANE, "Legal",
     "", -420, 310, "no", "", 30, "Low", "", "Active"),
    ("C-004", "Head office lease", "Harbour Point Properties", "Lease", MARIA, "Finance",
     "€ 45.000,00", -1100, 725, "no", "", 180, "High", "Annual", "Active"),
    ("C-005", "SOW 7 - data migration", "Contoso Consulting", "SOW", TOM, "IT",
     "$240,000", -60, 150, "no", "", 0, "Medium", "Monthly", "Active"),
    ("C-006", "Packaging supply agreement", "Tailspin Packaging", "Supply agreement",
     f"{MARIA}; {TOM}", "Procurement", "850k", -500, 230, "yes", 24, 120, "High", "", "Active"),
    ("C-007", "Font licence", "Litware Type Foundry", "Licence", AIKO, "Sales",
     "£12,500", -200, 165, "no", "", 30, "Low", "", "Active"),
    ("C-008", "Reseller agreement", "Adventure Works Cycles", "Distribution", AIKO, "Sales",
     "2,400,000", -800, 290, "yes", 12, 90, "Medium", "Semiannual", "Active"),
    ("C-009", "Payroll platform", "Wide World Payroll", "SaaS subscription", RAJ, "Finance",
     "USD 96,000", -250, 115, "yes", 12, 45, "Medium", "", "Active"),
    ("C-010", "Warehouse lease - Dock 4", "Coho Industrial REIT", "Lease", MARIA, "Procurement",
     "$38,500", -900, 95, "no", "", 90, "High", "", "Active"),
    ("C-011", "Legal research licence", "Proseware Legal Data", "Licence", JANE, "Legal",
     "€ 18.750,00", -150, 215, "yes", 12, 60, "Low", "", "Active"),
    ("C-012", "Freight services MSA", "Blue Yonder Freight", "MSA", TOM, "Procurement",
     "3.5M", -1000, 450, "yes", 36, 180, "High", "Quarterly", "Active"),
    ("C-013", "SOW 2 - brand refresh", "Fourth Coffee Creative", "SOW", AIKO, "Sales",
     "$75,000", -90, 60, "no", "", "", "Low", "", "Active"),
    ("C-014", "Endpoint security", "Trey Research Security", "SaaS subscription", RAJ, "IT",
     "$54,000", -280, 85, "yes", 12, 30, "High", "", "Active"),
    ("C-015", "Supplier NDA", "Margie's Travel", "NDA", LIAM, "Legal",
     "", -50, 680, "no", "", "", "Low", "", "Active"),
    ("C-016", "Office cleaning", "Alpine Ski House Facilities", "Services", LIAM, "Finance",
     "42 000 EUR", -400, 330, "yes", 12, 60, "Low", "", "Active"),
    ("C-017", "Cloud hosting agreement", "Lucerne Cloud Services", "MSA", f"{RAJ}; {TOM}", "IT",
     "$2.1M", -600, 495, "yes", 12, 90, "High", "Quarterly", "Active"),
    ("C-018", "Raw materials supply", "Woodgrove Metals", "Supply agreement", TOM, "Procurement",
     "1,750,000", -365, 365, "no", "", 90, "Medium", "", "Active"),
    ("C-019", "Audit engagement letter", "Graphic Design Institute LLP", "Engagement letter",
     MARIA, "Finance", "$310,000", -120, 245, "no", "", "", "Medium", "", "Active"),
    ("C-020", "Channel partner licence", "VanArsdel Ltd", "Licence", AIKO, "Sales",
     "€ 120.000,00", -480, 250, "yes", 12, 90, "Medium", "", "Active"),
    ("C-021", "Courier services (ended)", "Relecloud Couriers", "Services", TOM, "Procurement",
     "$18,000", -700, 30, "no", "", 30, "Low", "", "Terminated"),
    ("C-022", "E-signature platform (draft)", "Northwind Traders", "SaaS subscription", RAJ, "IT",
     "$22,000", 30, 395, "yes", 12, 30, "Low", "", "Draft"),
    ("C-023", "Consulting MSA", "Wingtip Advisory", "MSA", JANE, "Legal",
     "600k", -260, 470, "yes", 12, 60, "Medium", "", "Active"),
    ("C-024", "SOW 3 - ERP rollout", "Contoso Consulting", "SOW", f"{TOM}, {RAJ}", "IT",
     "$1,050,000", -30, 270, "no", "", "", "High", "Monthly", "Active"),
    ("C-025", "Fleet vehicle lease", "Fabrikam Fleet Leasing", "Lease", MARIA, "Procurement",
     "$430,000", -720, 375, "no", "", 120, "Medium", "", "Active"),
    ("C-026", "Translation services", "Tailwind Language Co", "Services", LIAM, "Sales",
     "9.5k", -100, 265, "yes", 12, 30, "Low", "", "Active"),
    ("C-027", "Data platform licence (in review)", "Fabrikam Data", "Licence", RAJ, "IT",
     "$1,400,000", 14, 1109, "no", "", 90, "High", "", "In review"),
    ("C-028", "Mutual NDA - pilot (draft)", "Litware Research", "NDA", LIAM, "Legal",
     "", 7, 737, "no", "", "", "Low", "", "Draft"),
]
# fmt: on

# Healthy milestones with a fixed story: contract, title, type as typed, due (days from
# anchor), and optional extras: owner, escalate to, remind days, repeat, done, notes.
# fmt: off
_STORY: list[tuple[Any, ...]] = [
    ("C-002", "Give notice of non-renewal if we switch CRM", "termination notice", -1, {}),
    ("C-014", "Pay annual licence invoice", "invoice", -4, {"escalate": CFO}),
    ("C-005", "Approve migration test plan", "approval", -12, {"owner": TOM}),
    ("C-010", "Deliver dilapidations report to landlord", "report", -40,
     {"escalate": GC, "notes": "Landlord chased twice"}),
    ("C-024", "Sign off design phase", "Sign-off", -4, {"escalate": RAJ}),
    ("C-009", "Quarterly payroll compliance report", "compliance report", -12, {}),
    ("C-001", "QBR with Northwind", "QBR", -25, {"done": "yes", "completed": 12}),
    ("C-004", "Quarterly rent", "payment", -18,
     {"done": "✓", "completed": 5, "repeat": "quarterly"}),
    ("C-012", "Carrier performance review", "review", -10, {"done": "x", "completed": 9}),
    ("C-007", "Renew font licence seats", "renewal", -30, {"completed": 20}),
    ("C-017", "Approve capacity upgrade", "approval", -6, {"done": "done", "completed": 14}),
    ("C-002", "Renewal window opens", "renewal window", 3, {}),
    ("C-013", "Deliver final brand guidelines", "deliverable", 5, {"owner": AIKO}),
    ("C-014", "Renewal decision", "renewal", 6, {"remind": "30, 7, 2"}),
    ("C-009", "Monthly payroll fee", "payment", 2, {"repeat": "monthly"}),
    ("C-005", "Deliver cut-over runbook", "delivery", 9, {"escalate": "it-leads@example.com"}),
    ("C-021", "Return courier tracking devices", "delivery", 20, {"notes": "Contract ended"}),
    ("C-021", "Final invoice reconciliation", "invoice", 35, {}),
    ("C-022", "Approve e-signature rollout", "approval", 45, {}),
]
# fmt: on

# Reviews that slipped, added after every other row so the rows above keep their numbers:
# the Dashboard's "Reviews overdue, by counterparty" lists Contoso (two) and Woodgrove.
# fmt: off
_LATE_REVIEWS: list[tuple[Any, ...]] = [
    ("C-005", "Consultant performance review", "review", -6,
     {"escalate": "procurement-leads@example.com"}),
    ("C-024", "ERP steering committee review", "review", -2, {}),
    ("C-018", "Supplier quality review", "performance review", -9,
     {"escalate": "procurement-leads@example.com"}),
]
# fmt: on

# Routine work: title, type as typed, Repeat (blank: one-off). Each pattern lands on a few
# active contracts, with its next due date somewhere in the next six months.
_ROUTINE: list[tuple[str, str, str]] = [
    ("Monthly service report", "reporting", "monthly"),
    ("Pay invoice", "payment due", "monthly"),
    ("Quarterly business review", "business review", "quarterly"),
    ("Security and compliance audit", "audit", ""),
    ("Budget owner approval", "approve", ""),
    ("Shipment of materials", "shipment", ""),
    ("Check spend against budget", "misc", "every 2 months"),
    ("Data protection review", "performance review", "semiannual"),
]


def sample_tracker(anchor: dt.date) -> dict[str, list[list[object]]]:
    """The four tabs of a sample tracker, dated relative to ``anchor``.

    Returns:
        ``{"Contracts": grid, "Milestones": grid, "Settings": grid, "Log": grid}``,
        each grid a list of rows with the header first. Dates are ``datetime.date``.
    """
    return {
        "Contracts": contracts_grid(anchor),
        "Milestones": milestones_grid(anchor),
        "Settings": settings_grid(),
        "Log": [list(LOG_COLUMNS)],
    }


def contracts_grid(anchor: dt.date) -> Grid:
    """The Contracts tab: header, then one row per agreement."""
    rows: Grid = [list(CONTRACT_HEADERS)]
    for number, spec in enumerate(_CONTRACTS, start=1):
        start, end = _day(anchor, spec[7]), _day(anchor, spec[8])
        link = f"https://docs.example.com/contracts/{spec[0].lower()}"
        ref = f"LGL-{2019 + number % 7}-{number:03d}"
        rows.append([*spec[:7], start, end, *spec[9:15], link, ref])
    return rows


def milestones_grid(anchor: dt.date) -> Grid:
    """The Milestones tab: header, story rows, routine rows, text dates and broken rows."""
    rows = [*_story_rows(anchor), *_routine_rows(anchor), *_term_rows(anchor)]
    rows += (
        _text_date_rows(anchor) + _broken_rows(anchor) + list(_story_rows(anchor, _LATE_REVIEWS))
    )
    grid: Grid = [list(MILESTONE_HEADERS)]
    blank_ids = {7, 41, 77}  # left blank so the first run assigns the next IDs
    for number, row in enumerate(rows, start=1):
        row[0] = "" if number in blank_ids else row[0] or f"M-{number:04d}"
        grid.append(row)
    return grid


def settings_grid() -> Grid:
    """The Settings tab: a header, then one key / value row per setting."""
    return [
        ["Setting", "Value"],
        ["Tracker name", "Acme contracts"],
        ["Time zone", "America/New_York"],
        ["Locale", "en_US"],
        ["Sender", "Contracts Desk <contracts@example.com>"],
        ["Reply-To", "Legal Operations <legal-ops@example.com>"],
        ["Allowed domains", "example.com"],
        ["Default escalation", GC],
        ["Escalation: Legal", GC],
        ["Escalation: Finance", CFO],
        ["Escalate after (days overdue)", "3, 10"],
        ["Overdue repeat (days)", 7],
        ["Remind: payment", "10, 3"],
        ["Summary day", 1],
        ["Digest", "yes"],
        ["Approval route: Type = NDA", GC],
        [
            "Approval route: Value >= 1,000,000",
            f"{GC}; {CFO}; procurement-leads@example.com; ceo@example.com",
        ],
        ["Approval route: default", f"{GC}; it-leads@example.com"],
        ["Approval days", 5],
    ]


def _row(
    contract: object, title: object, kind: object, due: object, **extra: object
) -> list[object]:
    """One Milestones row in MILESTONE_HEADERS order; the ID is filled in later."""
    cells = {"Contract ID": contract, "Milestone": title, "Type": kind, "Due Date": due}
    cells |= {_EXTRA[name]: value for name, value in extra.items()}
    return [cells.get(header, "") for header in MILESTONE_HEADERS]


def _story_rows(anchor: dt.date, story: list[tuple[Any, ...]] = _STORY) -> Iterator[list[object]]:
    for contract, title, kind, offset, extra in story:
        if "completed" in extra:
            extra = {**extra, "completed": _last_month(anchor, extra["completed"])}
        yield _row(contract, title, kind, _day(anchor, offset), **extra)


def _routine_rows(anchor: dt.date) -> Iterator[list[object]]:
    """Routine work on active contracts, due over the next six months (seeded, so stable)."""
    rng = random.Random(anchor.toordinal())
    active = [c for c in _CONTRACTS if c[14] == "Active"]
    for title, kind, repeat in _ROUTINE:
        for contract in sorted(rng.sample(active, 7)):
            extra = {"repeat": repeat, **_routine_extra(rng)}
            due = _day(anchor, rng.randint(8, 182))
            yield _row(contract[0], f"{title} - {contract[2]}", kind, due, **extra)


def _routine_extra(rng: random.Random) -> dict[str, object]:
    """Occasional custom Remind Days, Escalate To and notes, as people really type them."""
    roll = rng.random()
    if roll < 0.12:
        return {"remind": rng.choice(["21, 7", "45, 14, 3", "10", "60, 30, 7, 1"])}
    if roll < 0.2:
        return {"escalate": rng.choice([GC, CFO, "procurement-leads@example.com"])}
    if roll < 0.26:
        return {"notes": rng.choice(["See shared drive", "Call before sending", "PO required"])}
    return {}


def _term_rows(anchor: dt.date) -> Iterator[list[object]]:
    """Renewal decisions typed in from the first contracts' terms.

    Notice deadlines and expirations are not typed: sheetsync derives them from each
    contract's End Date and Notice Period (rows ``C-001/notice``, ``C-001/expiry``).
    """
    for spec in _CONTRACTS[:12]:
        cid, end, auto = spec[0], spec[8], spec[9]
        dues = [("Decide whether to renew", "Renewal", end - 150)] if auto == "yes" else []
        for title, kind, offset in dues:
            if offset >= 14:  # earlier ones would be stale, not a story
                yield _row(cid, title, kind, _day(anchor, offset))


def _text_date_rows(anchor: dt.date) -> list[list[object]]:
    """Due dates typed as text, the way people paste them in."""
    a, b, c = (_day(anchor, n) for n in (120, 95, 160))
    return [
        _row("C-018", "Annual supplier audit", "Audit", f"{a.day} {a:%b %Y}"),
        _row("C-019", "Fieldwork complete", "other", f"{b:%m/%d/%Y}"),
        _row("C-023", "Rate card review", "review", f"{c:%B} {c.day}, {c:%Y}"),
        _row("C-025", "End of term vehicle inspection", "end of term", c.isoformat()),
    ]


def _broken_rows(anchor: dt.date) -> list[list[object]]:
    """Deliberate mistakes, one per row, so the sample shows Problems in action."""
    year, soon = anchor.year + 1, _day(anchor, 50)
    # fmt: off
    return [
        _row("C-012", "Fuel surcharge review", "review", f"31/02/{year}",
             notes="Broken on purpose: no 31 February"),
        _row("C-016", "Approve new cleaning schedule", "approval", soon, owner="jane at example",
             notes="Broken on purpose: not an email address"),
        _row("C-999", "Pay deposit", "payment", soon, notes="Broken on purpose: unknown contract"),
        _row("C-020", "Partner training report", "report", "",
             notes="Broken on purpose: no due date"),
        _row("C-008", "Reseller price list delivery", "delivery", soon, id="M-0003",
             notes="Broken on purpose: ID M-0003 used twice"),
        _row("C-026", "Glossary sign-off", "approval", soon, owner="someone@gmail.com",
             notes="Broken on purpose: outside the allowed domains"),
    ]
    # fmt: on


def _day(anchor: dt.date, offset: int) -> dt.date:
    return anchor + dt.timedelta(days=offset)


def _last_month(anchor: dt.date, day: int) -> dt.date:
    """``day`` of the month before ``anchor``'s (clamped to 28)."""
    previous = anchor.replace(day=1) - dt.timedelta(days=1)
    return previous.replace(day=min(day, 28))
