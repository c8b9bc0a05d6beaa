"""A contract's Health and Next Milestone alone (``evaluate.health.contract_health``), from the
statuses of its evaluated milestones."""

from __future__ import annotations

import pandas as pd
import pytest

from sheetsync.evaluate.health import contract_health


def contracts(*ids: str, active: bool = True, problems: str = "") -> pd.DataFrame:
    """Contracts ``ids``, all active (or not) and with the same Problems text."""
    return pd.DataFrame({"id": list(ids), "active": [active] * len(ids), "problems": problems})


def milestones(*rows: tuple[str, str, str, str]) -> pd.DataFrame:
    """Evaluated milestones as (contract, status, due day, title)."""
    return pd.DataFrame(
        {
            "id": [f"M-{n}" for n in range(len(rows))],
            "contract_id": [r[0] for r in rows],
            "status": [r[1] for r in rows],
            "due": pd.to_datetime([r[2] for r in rows]),
            "title": [r[3] for r in rows],
        }
    )


@pytest.mark.parametrize(
    ("statuses", "health"),
    [
        (("Upcoming", "Done"), "On track"),
        (("Upcoming", "Due soon"), "Due soon"),
        (("Due soon", "Overdue"), "Overdue"),
        (("Overdue", "Needs attention"), "Needs attention"),
    ],
)
def test_health_is_the_worst_of_the_contracts_milestones(
    statuses: tuple[str, str], health: str
) -> None:
    """Needs attention beats Overdue, which beats Due soon, which beats On track."""
    rows = [("C-1", status, "2027-03-01", "x") for status in statuses]
    assert contract_health(contracts("C-1"), milestones(*rows))["health"].tolist() == [health]


def test_a_problem_on_the_contracts_own_row_needs_attention() -> None:
    """A contract row with a Problem needs attention whatever its milestones say."""
    found = contract_health(
        contracts("C-1", problems="Value: bad"), milestones(("C-1", "Upcoming", "2027-03-01", "x"))
    )
    assert found["health"].tolist() == ["Needs attention"]


def test_an_ended_contract_is_inactive_and_one_without_milestones_on_track() -> None:
    """A contract that is not active is Inactive; an active one with no milestones is On track."""
    inactive = contract_health(
        contracts("C-1", active=False), milestones(("C-1", "Overdue", "2027-03-01", "x"))
    )
    empty = contract_health(contracts("C-2"), milestones(("C-1", "Overdue", "2027-03-01", "x")))
    assert (inactive["health"].tolist(), empty["health"].tolist()) == (["Inactive"], ["On track"])


def test_next_milestone_is_the_earliest_open_one_with_its_date() -> None:
    """Of a done, a later and an earlier open milestone, the earlier open one is named."""
    found = contract_health(
        contracts("C-1", "C-2"),
        milestones(
            ("C-1", "Done", "2027-01-01", "Signed"),
            ("C-1", "Upcoming", "2027-05-01", "Renewal"),
            ("C-1", "Overdue", "2027-02-01", "Invoice"),
        ),
    )
    assert found["next_milestone"].tolist() == ["Invoice (2027-02-01)", ""]


def test_a_milestone_without_a_contract_id_counts_for_no_contract() -> None:
    """A blank (None) Contract ID groups no milestone with a contract; the others still count."""
    found = contract_health(
        contracts("C-1", "C-2"),
        milestones(
            (None, "Overdue", "2027-01-01", "Orphan"),  # type: ignore[arg-type]
            ("C-1", "Due soon", "2027-02-01", "Renewal"),
        ),
    )
    assert found["health"].tolist() == ["Due soon", "On track"]
    assert found["next_milestone"].tolist() == ["Renewal (2027-02-01)", ""]


def test_done_and_cancelled_milestones_leave_health_and_next_milestone_alone() -> None:
    """A contract whose milestones are all done or cancelled is On track with no Next Milestone,
    while another contract's open milestone still counts."""
    frame = contract_health(
        contracts("C-1", "C-2"),
        milestones(
            ("C-1", "Done", "2026-12-02", "Report"),
            ("C-1", "Cancelled", "2026-12-03", "Audit"),
            ("C-2", "Done", "2026-12-01", "Invoice"),
            ("C-2", "Overdue", "2026-11-20", "Notice"),
        ),
    )
    assert frame["health"].tolist() == ["On track", "Overdue"]
    assert frame["next_milestone"].tolist() == ["", "Notice (2026-11-20)"]


@pytest.mark.parametrize(
    ("ids", "named"),
    [
        (["M-9", "M-10", "M-2", "M-10", "M-10"], ["Ten", "Ten again"]),  # texts compare as texts
        ([9, 10, 2, 10, 10], ["Nine", "Two"]),  # numbers as numbers
    ],
)
def test_two_open_milestones_on_the_earliest_day_name_the_lowest_id(
    ids: list[object], named: list[str]
) -> None:
    """A tie on the earliest day goes to the lowest Milestone ID; of two rows with that ID,
    the first. Each contract's tie is broken on its own."""
    frame = milestones(
        ("C-1", "Upcoming", "2027-03-01", "Nine"),
        ("C-1", "Upcoming", "2027-03-01", "Ten"),
        ("C-2", "Upcoming", "2027-04-01", "Two"),
        ("C-2", "Upcoming", "2027-04-01", "Ten again"),
        ("C-2", "Upcoming", "2027-04-01", "Ten twice"),
    )
    frame["id"] = pd.Series(ids, dtype=object)
    found = contract_health(contracts("C-1", "C-2"), frame)["next_milestone"].tolist()
    assert found == [f"{named[0]} (2027-03-01)", f"{named[1]} (2027-04-01)"]
