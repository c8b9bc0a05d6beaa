"""Who gets escalation level n, and the Escalation column that says so."""

from __future__ import annotations

import numpy as np
import pandas as pd

from conftest import TODAY, days, milestone, tracker_grids
from sheetsync.cells.addresses import Address
from sheetsync.evaluate import evaluate_milestones
from sheetsync.model import Snapshot
from sheetsync.normalize import normalize
from sheetsync.normalize.settings import Settings
from sheetsync.plan import PlanContext
from sheetsync.plan.escalation import (
    Routes,
    escalation_label,
    escalation_labels,
    escalation_recipients,
    plan_escalations,
    route_table,
)
from sheetsync.plan.stages import Planning, contract_names

LEGAL = Address("Legal", "legal@example.com")
BOSS = Address("Boss", "boss@example.com")
SALES = Address("Sales lead", "sales-lead@example.com")
OUTSIDE = Address("", "someone@elsewhere.org")
SETTINGS = Settings(
    default_escalation=(BOSS,),
    department_escalation={"sales": (SALES,)},
    allowed_domains=("example.com",),
)


def rows(*specs: tuple[int, tuple[Address, ...], object]) -> pd.DataFrame:
    """Milestone rows as (level, Escalate To, Department)."""
    return pd.DataFrame(
        {
            "level": np.asarray([s[0] for s in specs], dtype=np.int64),
            "escalate_to": pd.Series([s[1] for s in specs], dtype=object),
            "department": pd.Series([s[2] for s in specs], dtype=object),
        }
    )


def each_row(frame: pd.DataFrame, settings: Settings) -> list[tuple[Address, ...]]:
    """Every row's escalation recipients, as ``route_table`` gives them."""
    return route_table(frame, settings).of(np.arange(len(frame)))


def test_level_one_goes_to_escalate_to_then_department_then_default() -> None:
    """Level 1: the row's Escalate To, else its department's contact, else the default."""
    assert escalation_recipients(1, (LEGAL,), "Sales", SETTINGS) == (LEGAL,)
    assert escalation_recipients(1, (), "Sales", SETTINGS) == (SALES,)
    assert escalation_recipients(1, (), "Facilities", SETTINGS) == (BOSS,)


def test_level_two_goes_to_the_default_or_stays_with_level_one() -> None:
    """Level 2 goes to Default escalation; without one, to level 1's contacts."""
    assert escalation_recipients(2, (LEGAL,), "Sales", SETTINGS) == (BOSS,)
    assert escalation_recipients(2, (LEGAL,), "Sales", Settings()) == (LEGAL,)


def test_addresses_outside_allowed_domains_are_dropped() -> None:
    """An Escalate To outside Allowed domains gets nothing."""
    assert escalation_recipients(1, (OUTSIDE, LEGAL), None, SETTINGS) == (LEGAL,)


def test_routes_match_the_rule_row_by_row() -> None:
    """The once-per-routing table gives each row what the rule gives it alone."""
    frame = rows((0, (LEGAL,), "Sales"), (1, (), "Sales"), (2, (), "Sales"), (1, (LEGAL,), None))
    assert each_row(frame, SETTINGS) == [(), (SALES,), (BOSS,), (LEGAL,)]


def test_the_column_names_the_level_and_who_or_says_nobody() -> None:
    """The Escalation column: blank below level 1, the recipients, or a hint to set someone."""
    frame = rows((0, (), None), (1, (LEGAL,), None), (2, (), None))
    labels = escalation_labels(frame, route_table(frame, Settings())).tolist()
    assert labels == [
        "",
        "Level 1 → legal@example.com",
        "Level 2: nobody to escalate to (set Escalate To or Default escalation)",
    ]
    assert escalation_label(3, (BOSS, LEGAL)) == "Level 3 → boss@example.com, legal@example.com"


def test_rows_sharing_a_route_are_labelled_by_their_own_level() -> None:
    """One route at two levels gives two labels; an equal route made apart reads the same."""
    frame = rows((1, (), None), (2, (), None), (1, (), None), (0, (), None), (3, (), None))
    shared, twin = (LEGAL, BOSS), (LEGAL, BOSS)
    routes = Routes(np.asarray([0, 0, 1, -1, 2]), [shared, twin, ()])
    labels = escalation_labels(frame, routes).tolist()
    assert labels == [
        "Level 1 → legal@example.com, boss@example.com",
        "Level 2 → legal@example.com, boss@example.com",
        "Level 1 → legal@example.com, boss@example.com",
        "",
        "Level 3: nobody to escalate to (set Escalate To or Default escalation)",
    ]


def test_route_codes_give_each_row_its_routes_and_labels() -> None:
    """Rows sharing a routing share a code; the codes read as the rule row by row, and so do
    the labels made from them."""
    frame = rows(
        (1, (), "Sales"), (0, (LEGAL,), "Sales"), (2, (), "Sales"), (1, (), "Sales"), (3, (), None)
    )
    table = route_table(frame, SETTINGS)
    assert table.codes.tolist() == [0, -1, 1, 0, 2]  # the last routing differs, not its people
    assert table.of(np.asarray([3, 1, 2])) == [(SALES,), (), (BOSS,)]
    assert each_row(frame, SETTINGS) == [(SALES,), (), (BOSS,), (SALES,), (BOSS,)]
    assert escalation_labels(frame, table).tolist() == [
        "Level 1 → sales-lead@example.com",
        "",
        "Level 2 → boss@example.com",
        "Level 1 → sales-lead@example.com",
        "Level 3 → boss@example.com",
    ]


def test_a_row_with_no_escalate_to_cell_at_all_escalates_to_no_one() -> None:
    """An Escalate To cell that is not even an empty list routes nowhere, its neighbours as ever."""
    frame = rows((1, None, None), (1, (LEGAL,), None), (2, None, "Sales"))  # type: ignore[arg-type]
    assert each_row(frame, SETTINGS) == [(), (LEGAL,), ()]


def test_an_escalation_email_lists_only_the_rows_someone_is_to_get() -> None:
    """Without Default escalation a row with no Escalate To reaches no one; the rows with
    one go to it in one email, their owners copied."""
    grids = tracker_grids(
        milestones=[
            milestone("M-1", "C-001", "Pay", "payment", days(-40), escalate_to=LEGAL.email),
            milestone("M-2", "C-001", "Report", "report", days(-40)),
            milestone("M-3", "C-002", "Renew", "payment", days(-30), escalate_to=LEGAL.email),
        ],
        settings=[["Sender", "Contracts Desk <contracts@example.com>"]],
    )
    tracker = normalize(Snapshot("Tracker", grids))
    evaluated = evaluate_milestones(tracker.milestones, tracker.settings, TODAY)
    context = PlanContext(tracker.settings, TODAY)
    names = contract_names(tracker.contracts)
    planning = Planning(evaluated.assign(problems=""), names, tracker.ledger, context, set())
    routes = route_table(planning.milestones, tracker.settings)
    (note,) = plan_escalations(planning, routes)
    assert [a.email for a in note.to] == [LEGAL.email]
    assert [i.milestone_id for i in note.items] == ["M-1", "M-3"]
    assert sorted(a.email for a in note.cc) == ["bob@example.com", "jane@example.com"]
