"""Which milestone rows could be approval steps (``approvals.records.step_rows``), and what the
readers of step rows find when only those rows are looked at."""

from __future__ import annotations

import pandas as pd

from sheetsync.approvals.records import cancelled_steps, opened_days, step_rows


def frame() -> pd.DataFrame:
    """A manual row named like a step, auto steps, an auto notice row and an auto row with no ID."""
    return pd.DataFrame(
        {
            "id": ["C-1/approval-1", "C-1/approval-1", "C-2/approval-2", "C-2/notice", None],
            "source": ["manual", "auto", "auto", "auto", "auto"],
            "last_notified": [
                "opened 2026-11-02",
                "opened 2026-11-03",
                "",
                "opened 2026-11-04",
                None,
            ],
            "status_before": ["", "", "Cancelled", "cancelled", "Cancelled"],
        }
    )


def test_only_auto_rows_with_a_step_id_part_could_be_steps() -> None:
    """A manual row, a notice row and a row without an ID are not steps."""
    assert step_rows(frame()).tolist() == [False, True, True, False, False]
    assert step_rows(frame().assign(source="manual")).tolist() == [False] * 5


def test_opened_and_cancelled_marks_are_read_from_step_rows_alone() -> None:
    """The notice row's "opened" mark and its Cancelled status name no step."""
    rows = frame()
    assert opened_days(frozenset(), rows) == {"C-1/approval-1": pd.Timestamp("2026-11-03").date()}
    assert cancelled_steps(frozenset(), rows) == {"C-2/approval-2"}
    assert cancelled_steps(frozenset(), rows, step_rows(rows)) == {"C-2/approval-2"}
