"""Approval routes (issue 15): who signs off a contract in Draft or In review, in what order.

Each case runs the real pipeline on both backends (a workbook and the emulator-backed
Google sheet, edited between runs as a person would) and sends its email to a real
SMTP server on loopback, so what reaches each approver, and what does not, is checked.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest

import editable
from editable import Tracker, as_date
from sheetsync.approvals.routes import route_for
from sheetsync.approvals.steps import add_business_days
from sheetsync.normalize.settings import parse_settings
from sheetsync.schema import LOG_COLUMNS
from sheetsync.testing.emulator import SheetsEmulator
from sheetsync.testing.smtpd import ReceivedMessage, SmtpServer

MONDAY = dt.date(2026, 11, 30)
CONTRACT_HEADER = [
    "Contract ID",
    "Contract",
    "Contract Type",
    "Owner",
    "Department",
    "Value",
    "Risk",
    "Contract Status",
]
MILESTONE_HEADER = ["Milestone ID", "Contract ID", "Milestone", "Type", "Due Date", "Owner", "Done"]
LEGAL, FINANCE, PROCUREMENT, CFO = (
    "legal@example.com",
    "finance@example.com",
    "procurement@example.com",
    "cfo@example.com",
)
ROUTES = [
    ["Approval route: Type = NDA", LEGAL],
    ["Approval route: Value >= 1,000,000", f"{LEGAL}; {FINANCE}; {PROCUREMENT}; {CFO}"],
    ["Approval route: default", f"{LEGAL}; {FINANCE}"],
]
APPROVERS = {LEGAL, FINANCE, PROCUREMENT, CFO}


@pytest.fixture(scope="module")
def server() -> Iterator[SmtpServer]:
    """One loopback SMTP server for the module; each desk reads only its own new messages."""
    with SmtpServer() as smtp:
        yield smtp


class Desk(editable.Desk):
    """A tracker on one backend whose runs email the loopback server."""

    def step(self, ident: str) -> dict[str, object]:
        """The Milestones row ``ident``."""
        return self.tracker.rows("Milestones")[ident]

    def health(self, contract: str = "C-1") -> object:
        """The contract's Health cell."""
        return self.tracker.rows("Contracts")[contract]["Health"]

    def tick(self, ident: str, value: object = "yes") -> None:
        """A person ticks (or, with None, unticks) Done on ``ident``."""
        self.tracker.type("Milestones", ident, "Done", value)

    def logged(self, kind: str) -> list[dict[str, object]]:
        """The Log rows of ``kind`` the program recorded (not emails)."""
        return [r for r in self.tracker.log() if r["Kind"] == kind]


@pytest.fixture
def new_desk(kind, tmp_path, emulator, server) -> Callable[..., Desk]:
    """Makes a Desk on this test's backend (``make``), its runs emailing the module's server."""
    return functools.partial(make, Place(kind, tmp_path, emulator, server))


@dataclass(frozen=True)
class Place:
    """Where a Desk lives: the backend kind, a folder, the emulator and the mail server."""

    kind: str
    folder: Path
    emulator: SheetsEmulator
    server: SmtpServer


def make(place: Place, contract: list[object], settings: list[list[object]] | None = None) -> Desk:
    """A tracker with one contract, C-1, and the three routes of ROUTES."""
    grids = {
        "Contracts": [CONTRACT_HEADER, contract],
        "Milestones": [MILESTONE_HEADER],
        "Settings": [
            ["Setting", "Value"],
            ["Sender", "Contracts Desk <contracts@example.com>"],
            ["Default escalation", "gc@example.com"],
            *(settings if settings is not None else ROUTES),
        ],
        "Log": [list(LOG_COLUMNS)],
    }
    return Desk(Tracker(place.kind, grids, place.folder, place.emulator), place.server)


def vendor(value: object = "$2,500,000", status: str = "In review") -> list[object]:
    """C-1, a vendor agreement owned by ann@."""
    return [
        "C-1",
        "Globex supply",
        "Vendor agreement",
        "ann@example.com",
        "IT",
        value,
        "High",
        status,
    ]


def to(messages: list[ReceivedMessage]) -> set[str]:
    """Every address the messages went to (To and Cc)."""
    return {a.lower() for m in messages for a in m.envelope_to}


def steps(desk: Desk) -> dict[str, dict[str, object]]:
    """The contract's approval rows, by ID."""
    rows = desk.tracker.rows("Milestones")
    return {k: v for k, v in rows.items() if "/approval-" in k}


def test_an_nda_is_routed_to_one_legal_review(new_desk):
    """An NDA gets one step, to legal only; once it is done the contract's Health is Approved."""
    nda = ["C-1", "Acme NDA", "NDA", "ann@example.com", "Legal", "", "Low", "Draft"]
    desk = new_desk(nda)
    sent = desk.run(MONDAY)
    assert list(steps(desk)) == ["C-1/approval-1"]
    step = desk.step("C-1/approval-1")
    assert step["Milestone"] == "Approval of Acme NDA by legal@example.com"
    assert (step["Owner"], step["Type"], step["Source"]) == (LEGAL, "approval", "auto")
    assert as_date(step["Due Date"]) == dt.date(2026, 12, 7)  # 5 business days
    assert to(sent) == {LEGAL}
    assert "Approval of Acme NDA" in str(sent[0]["Subject"])
    desk.tick("C-1/approval-1")
    assert to(desk.run(MONDAY + dt.timedelta(days=1))) == set()
    assert desk.health() == "Approved"
    assert desk.step("C-1/approval-1")["Status"] == "Done"


def test_a_high_value_vendor_agreement_takes_four_steps_in_order(new_desk):
    """Legal, finance, procurement, CFO in turn: each is emailed only once its step opens."""
    desk = new_desk(vendor())
    sent = desk.run(MONDAY)
    rows = steps(desk)
    assert [r["Owner"] for r in rows.values()] == [LEGAL, FINANCE, PROCUREMENT, CFO]
    assert [r["Status"] for r in rows.values()] == ["Due soon", "Upcoming", "Upcoming", "Upcoming"]
    assert [r["Next Reminder"] for r in list(rows.values())[1:]] == [
        "waits for step 1",
        "waits for step 2",
        "waits for step 3",
    ]
    assert to(sent) == {LEGAL}
    order = [LEGAL, FINANCE, PROCUREMENT, CFO]
    day = MONDAY
    for n, approver in enumerate(order[:-1], start=1):
        desk.tick(f"C-1/approval-{n}")
        day += dt.timedelta(days=1)
        sent = desk.run(day)
        opened = desk.step(f"C-1/approval-{n + 1}")
        assert as_date(opened["Due Date"]) == day + dt.timedelta(days=7)  # 5 business days
        assert to(sent) & APPROVERS == {order[n]}, approver
        assert desk.health() != "Approved"
    desk.tick("C-1/approval-4")
    assert to(desk.run(day + dt.timedelta(days=1))) & APPROVERS == set()
    assert desk.health() == "Approved"
    opened = [r["Key"] for r in desk.logged("opened")]
    assert [str(k).split(":")[1] for k in opened] == [f"C-1/approval-{n}" for n in range(1, 5)]


def test_an_open_step_is_reminded_noticed_and_escalated_like_any_milestone(
    new_desk,
):
    """An approver who does not act gets the 2-day reminder and an overdue notice; gc@ is
    escalated to; the approvers waiting behind get nothing."""
    desk = new_desk(vendor())
    desk.run(MONDAY)
    reminder = desk.run(dt.date(2026, 12, 5))  # 2 days before the 7th
    assert to(reminder) == {LEGAL}
    overdue = desk.run(dt.date(2026, 12, 8))
    assert to(overdue) == {LEGAL}
    assert "overdue" in str(overdue[0]["Subject"])
    escalated = desk.run(dt.date(2026, 12, 10))  # 3 days overdue: level 1
    assert {"gc@example.com", LEGAL} <= to(escalated)
    assert to(escalated) & {FINANCE, PROCUREMENT, CFO} == set()
    assert desk.step("C-1/approval-2")["Status"] == "Upcoming"
    assert desk.step("C-1/approval-2")["Days Left"] in (None, "")


def test_a_value_change_mid_route_adds_and_cancels_steps_with_a_reason(
    new_desk,
):
    """500k → 2M adds procurement and CFO after finance; back to 500k cancels them; the Log
    says why each time, and neither is ever emailed while waiting."""
    desk = new_desk(vendor("$500,000"))
    desk.run(MONDAY)
    assert [r["Owner"] for r in steps(desk).values()] == [LEGAL, FINANCE]
    desk.tick("C-1/approval-1")
    desk.tracker.type("Contracts", "C-1", "Value", "$2,000,000")
    sent = desk.run(MONDAY + dt.timedelta(days=1))
    rows = steps(desk)
    assert [r["Owner"] for r in rows.values()] == [LEGAL, FINANCE, PROCUREMENT, CFO]
    assert [r["Status"] for r in rows.values()] == ["Done", "Due soon", "Upcoming", "Upcoming"]
    added = [str(r["Subject"]) for r in desk.logged("added")]
    assert len(added) == 2
    assert all("Approval route: Value >= 1,000,000 applies now" in s for s in added)
    assert all("Value is now 2,000,000" in s for s in added)
    assert to(sent) & APPROVERS == {FINANCE}
    desk.tracker.type("Contracts", "C-1", "Value", "$500,000")
    sent = desk.run(MONDAY + dt.timedelta(days=2))
    rows = steps(desk)
    assert [r["Status"] for r in rows.values()] == ["Done", "Due soon", "Cancelled", "Cancelled"]
    cancelled = [str(r["Subject"]) for r in desk.logged("cancelled")]
    assert len(cancelled) == 2
    assert all("no longer required: Approval route: default applies now" in s for s in cancelled)
    assert to(sent) & {PROCUREMENT, CFO} == set()
    desk.tick("C-1/approval-2")
    desk.run(MONDAY + dt.timedelta(days=3))
    assert desk.health() == "Approved"


def test_a_later_step_ticked_first_is_a_problem_not_a_skipped_approval(
    new_desk,
):
    """Step 3 ticked before step 1: a Problem on step 3, step 2 does not open, legal is
    still reminded and procurement is not emailed."""
    desk = new_desk(vendor())
    desk.run(MONDAY)
    desk.tick("C-1/approval-3")
    sent = desk.run(dt.date(2026, 12, 5))
    early = desk.step("C-1/approval-3")
    assert early["Status"] == "Needs attention"
    assert "before step 1" in str(early["Problems"])
    assert desk.step("C-1/approval-1")["Status"] == "Due soon"
    assert desk.step("C-1/approval-2")["Next Reminder"] == "waits for step 1"
    assert to(sent) == {LEGAL}
    assert desk.logged("completed") == []
    assert desk.health() == "Needs attention"
    desk.tick("C-1/approval-3", None)
    desk.run(dt.date(2026, 12, 6))
    assert desk.step("C-1/approval-3")["Problems"] in (None, "")


def test_an_approver_outside_allowed_domains_is_a_problem_on_the_settings_row(
    new_desk,
):
    """A gmail approver: the route's Settings row says so, their step needs attention and is
    never emailed; legal's step before it goes on as usual."""
    routes = [
        ["Allowed domains", "example.com"],
        ["Approval route: default", f"{LEGAL}; boss@gmail.com"],
    ]
    desk = new_desk(vendor(), routes)
    sent = desk.run(MONDAY)
    settings = desk.tracker.rows("Settings")
    problem = str(settings["Approval route: default"]["Problems"])
    assert "boss@gmail.com is outside the allowed domains (example.com)" in problem
    assert to(sent) == {LEGAL}
    desk.tick("C-1/approval-1")
    sent = desk.run(MONDAY + dt.timedelta(days=1))
    assert desk.step("C-1/approval-2")["Status"] == "Needs attention"
    assert "boss@gmail.com" not in to(sent)
    sent = desk.run(dt.date(2026, 12, 12))
    assert "boss@gmail.com" not in to(sent)
    assert desk.health() == "Needs attention"


def test_a_contract_made_active_mid_route_stops_its_approval_steps(
    new_desk,
):
    """Active after legal signed: the open and waiting steps are cancelled with a Log row,
    the done one stays Done, and finance gets no reminder, notice or escalation."""
    desk = new_desk(vendor())
    desk.run(MONDAY)
    desk.tick("C-1/approval-1")
    assert to(desk.run(MONDAY + dt.timedelta(days=1))) & APPROVERS == {FINANCE}
    desk.tracker.type("Contracts", "C-1", "Contract Status", "Active")
    sent = desk.run(MONDAY + dt.timedelta(days=2))
    statuses = [r["Status"] for r in steps(desk).values()]
    assert statuses == ["Done", "Cancelled", "Cancelled", "Cancelled"]
    stopped = [str(r["Subject"]) for r in desk.logged("cancelled")]
    assert len(stopped) == 3
    assert all("the contract is Active now, so its approval steps stop" in s for s in stopped)
    later = desk.run(dt.date(2026, 12, 14))  # finance's step would be 4 days overdue
    assert to(sent + later) & APPROVERS == set()
    assert len(desk.logged("cancelled")) == 3  # logged once


def test_a_bad_condition_or_approver_is_a_problem_on_its_settings_row():
    """Unreadable routes are not used, and their rows say why in plain words."""
    rows = [
        (2, "Approval route: Value >= lots", LEGAL),
        (3, "Approval route: Colour = red", LEGAL),
        (4, "Approval route: Risk = Extreme", LEGAL),
        (5, "Approval route: Department > IT", LEGAL),
        (6, "Approval route: default", "legal at example"),
        (7, "Approval route:", LEGAL),
        (8, "Approval days", "soon"),
        (9, "Approval route: Type = NDA and Value < 50k", LEGAL),
    ]
    settings, problems = parse_settings(rows)
    said = {p.row: p.message for p in problems}
    assert '"lots" is not an amount; this route is not used' in said[2]
    assert '"Colour" is not Type, Value, Department or Risk' in said[3]
    assert '"Extreme" is not High, Medium or Low' in said[4]
    assert "Department can only be compared with =, not >" in said[5]
    assert '"legal at example" is not an email address' in said[6]
    assert "needs a condition" in said[7]
    assert 'Approval days: "soon" is not a number of business days' in said[8]
    assert set(said) == {2, 3, 4, 5, 6, 7, 8}
    assert [r.condition for r in settings.approval_routes] == ["Type = NDA and Value < 50k"]
    assert settings.approval_days == 5


def test_the_first_matching_route_wins_and_blank_cells_match_nothing():
    """Routes are tried in order; a blank Value (or no Value column) matches no Value clause."""
    settings, problems = parse_settings(
        [
            (2, "Approval route: Department = it and Risk = high", CFO),
            (3, "Approval route: Value > 100,000", FINANCE),
            (4, "Approval route: default", LEGAL),
        ]
    )
    assert problems == []

    def route(value: float, department: str = "IT", risk: str = "High") -> str:
        contract = SimpleNamespace(
            contract_type="SaaS", value=value, department=department, risk=risk
        )
        found = route_for(settings.approval_routes, contract)
        return found.approvers[0].email if found else ""

    assert route(math.nan) == CFO
    assert route(200_000.0, "Sales") == FINANCE
    assert route(math.nan, "Sales") == LEGAL
    assert route(100_000.0, "Sales", "") == LEGAL
    assert route_for([], SimpleNamespace(value=1.0)) is None


def test_approval_days_are_business_days():
    """Five business days from a Friday is the next Friday; from a Saturday too."""
    friday = dt.date(2026, 12, 4)
    assert add_business_days(friday, 5) == dt.date(2026, 12, 11)
    assert add_business_days(friday + dt.timedelta(days=1), 5) == dt.date(2026, 12, 11)
    assert add_business_days(friday, 1) == dt.date(2026, 12, 7)


def test_a_draft_no_route_applies_to_says_so_and_gets_no_steps(new_desk):
    """With routes but no default, a contract none matches is told so on its row; no email."""
    settings = [["Approval route: Type = NDA", LEGAL], ["Approval days", 3]]
    desk = new_desk(vendor(), settings)
    sent = desk.run(MONDAY)
    assert steps(desk) == {}
    assert "no Approval route applies" in str(desk.tracker.rows("Contracts")["C-1"]["Problems"])
    assert to(sent) & APPROVERS == set()
