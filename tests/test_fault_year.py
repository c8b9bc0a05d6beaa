"""Two months of daily runs under injected faults, against the §4 oracle (issues 7 and 10).

Besides Sheets and SMTP faults and killed runs, a person edits the Log between runs
(sorts, filters, deletes rows and the tab) and second runs start while one is under way.

The full 400-day version is ``bench/fault_year.py``; both share ``faultsim``.

No seed is special: every kind of event these tests require (each Sheets and SMTP fault,
four 451s in a row, each kill point, each edit of the Milestones and of the Log, a
skipped day, a second run) is scheduled on a fixed day by ``faultsim_schedule``, apart
from the random streams, which bring more of them on top. Seed 11 is kept only so the
figures in BENCHMARKS.md can be reproduced; the tests pass on other seeds too.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import fields

import pytest

from faultsim import Figures, Plan, simulate

pytestmark = pytest.mark.slow
# Any seed will do (see above): try one with FAULT_YEAR_SEED=N; 11 is BENCHMARKS.md's column.
SEED = int(os.environ.get("FAULT_YEAR_SEED", "11"))
SHEETS_FAULTS = {"429", "500", "503", "applied-500", "applied-drop"}
SMTP_FAULTS = {"451", "451 x4 (gives up)", "dropped before reply", "stalled reply"}
KILL_POINTS = {"HTTP request", "before a send", "after a send", "HTTP write after a send"}


@pytest.fixture(scope="module")
def figures() -> Figures:
    """Sixty days on the sample tracker: Google backend on the emulator, SMTP on loopback."""
    return simulate(Plan(days=60, seed=SEED))


def test_faults_and_kills_really_happened(figures):
    """The period had Sheets faults of each kind, SMTP faults, killed runs and edits."""
    assert figures.scheduled_left == []
    assert set(figures.sheets_faults) == SHEETS_FAULTS
    assert set(figures.smtp_faults) == SMTP_FAULTS
    assert set(figures.kill_points) == KILL_POINTS
    assert figures.killed > 0 and figures.gave_up > 0 and figures.skipped_days > 0
    assert {"add", "move", "done", "sort"} <= set(figures.edits)
    assert figures.edits["sort during a run"] > 0


def test_the_schedule_alone_brings_every_event_the_tests_need():
    """With every random rate at nought, each fault, kill point and edit still happens once."""
    rates = {f.name: 0.0 for f in fields(Plan) if f.name not in ("days", "seed")}
    figures = simulate(Plan(days=30, seed=SEED, **rates))
    assert figures.scheduled_left == []
    assert figures.sheets_faults == Counter(SHEETS_FAULTS)
    assert figures.smtp_faults == Counter(SMTP_FAULTS)
    assert figures.kill_points == Counter(KILL_POINTS)
    assert figures.gave_up == 1 and figures.skipped_days == 1
    assert figures.second_runs == Counter({"refused (busy)": 1})
    assert figures.missing == [] and figures.unexpected == []


def test_the_person_edited_the_log_in_every_way(figures):
    """The Log was sorted, filtered and unfiltered, had rows deleted and lost its whole tab."""
    kinds = {"Log sorted", "Log filter set", "Log filter cleared", "Log rows deleted"}
    assert kinds <= set(figures.log_edits)
    assert figures.log_edits["Log tab deleted"] > 0


def test_a_second_run_started_during_a_run_refuses(figures):
    """Every run started while another held the sheet refused as busy and sent nothing."""
    assert figures.second_runs["refused (busy)"] > 0
    assert set(figures.second_runs) == {"refused (busy)"}


def test_no_stage_the_rules_call_for_is_missing(figures):
    """Every (milestone, stage) and monthly summary the oracle expects reached the server."""
    assert figures.expected > 100
    assert figures.missing == []


def test_nothing_the_rules_do_not_call_for_is_sent(figures):
    """No email carries a stage the oracle does not expect."""
    assert figures.unexpected == []


def test_no_duplicate_with_another_message_id(figures):
    """A stage reaches a person twice only as a resend with the same Message-ID."""
    assert figures.duplicated_other_id == []


def test_a_summary_is_not_sent_again_after_the_log_tab_went(figures):
    """The Log tab went the day after each Summary day; no summary reached anyone on two days."""
    assert figures.log_edits["Log tab deleted"] >= 2
    assert figures.summary_resent == []


def test_nothing_is_sent_for_done_or_cancelled_rows(figures):
    """No email lists a milestone that was Done or Cancelled on the day it was sent."""
    assert figures.closed_sent == []


def test_no_typed_cell_is_changed(figures):
    """No run, killed or not, changes a cell a person typed (IDs filled into blanks aside)."""
    assert figures.typed_changed == []
