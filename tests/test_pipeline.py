"""The whole job on a tracker, run by run (DESIGN.md §2, §4, §5, §6)."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

import pytest

from conftest import TODAY, tracker_grids, write_workbook
from sheetsync.backends.memory import MemoryBackend
from sheetsync.backends.xlsx import XlsxBackend
from sheetsync.init.sample import sample_tracker
from sheetsync.pipeline import RunOptions, check, run
from sheetsync.schema import CONTRACT_SYSTEM, LOG_COLUMNS, MILESTONE_SYSTEM
from sheetsync.transports.outbox import OutboxTransport
from simulation import expected_keys, milestones_of

ANCHOR = dt.date(2026, 12, 1)


def options(day: dt.date) -> RunOptions:
    """Run as of ``day`` at noon UTC."""
    return RunOptions(
        today=day, clock=lambda: dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.UTC)
    )


def log_rows(backend: MemoryBackend) -> list[dict[str, object]]:
    """Every Log row a run appended, pruned or not."""
    return backend.history


TERM_COLUMNS = {
    "End Date",
    "Auto-Renew",
    "Renewal Term (months)",
    "Notice Period (days)",
    "Risk",
    "Review Every",
    "Repeat",
}


def without_terms(grids: dict) -> dict:
    """The sample with contract terms, repeats and approval routes blanked: only the rules
    of DESIGN.md §4 that do not derive milestones (those have their own tests)."""
    cleared = {}
    for tab, grid in grids.items():
        drop = [i for i, h in enumerate(grid[0]) if h in TERM_COLUMNS] if grid else []
        cleared[tab] = [grid[0]] + [
            [None if i in drop else v for i, v in enumerate(r)]
            for r in grid[1:]
            if not str(r[0]).startswith("Approval route")
        ]
    return cleared


def simulate(days: list[dt.date], tmp_path) -> tuple[MemoryBackend, dict]:
    """Run the sample tracker (without contract terms) once on each of ``days``."""
    backend = MemoryBackend(without_terms(sample_tracker(ANCHOR)))
    initial = {k: [list(r) for r in v] for k, v in backend.tabs.items()}
    outbox = OutboxTransport(tmp_path / "outbox")
    for day in days:
        run(backend, outbox, options(day))
    return backend, initial


@pytest.fixture(scope="module")
def two_years(tmp_path_factory):
    """Daily runs over two years on the sample tracker."""
    days = [ANCHOR + dt.timedelta(days=i) for i in range(730)]
    backend, initial = simulate(days, tmp_path_factory.mktemp("two-years"))
    return days, backend, initial


@pytest.mark.slow
def test_daily_runs_send_exactly_the_oracles_keys(two_years):
    """Over two years of daily runs, the Log holds exactly the keys the rules call for."""
    days, backend, initial = two_years
    sent = {r["Key"] for r in log_rows(backend) if r["Result"] == "sent" and r["Kind"] != "summary"}
    assert sent == expected_keys(milestones_of(initial), days)


@pytest.mark.slow
def test_no_key_is_sent_twice_to_the_same_people(two_years):
    """Every (key, recipients) pair appears in the Log once."""
    _, backend, _ = two_years
    pairs = Counter((r["Key"], r["Recipients"]) for r in log_rows(backend) if r["Result"] == "sent")
    assert pairs and max(pairs.values()) == 1


@pytest.mark.slow
def test_nothing_is_sent_for_done_or_cancelled(two_years):
    """Done, Cancelled and blocked milestones never appear in the Log."""
    _, backend, initial = two_years
    closed = {m.id for m in milestones_of(initial) if not m.open}
    assert closed
    assert not {r["Milestone ID"] for r in log_rows(backend)} & closed


@pytest.mark.slow
def test_escalations_start_exactly_at_the_thresholds(two_years):
    """Level 1 goes out 3 days overdue and level 2 at 10, to the day."""
    days, backend, _ = two_years
    escalations = [r for r in log_rows(backend) if r["Kind"] == "escalation"]
    assert escalations
    for row in escalations:
        _, _, due, level = str(row["Key"]).split(":")
        threshold = dt.date.fromisoformat(due) + dt.timedelta(days=(3, 10)[int(level) - 1])
        if threshold >= days[0]:
            assert str(row["Sent At"])[:10] == threshold.isoformat(), row["Key"]


@pytest.mark.slow
def test_one_summary_per_owner_per_month(two_years):
    """Each active owner gets exactly one summary in each of the 24 months, on the 1st."""
    days, backend, _ = two_years
    summaries = [r for r in log_rows(backend) if r["Kind"] == "summary"]
    per = Counter((str(r["Key"]).split(":")[1], str(r["Key"]).split(":")[2]) for r in summaries)
    owners = {owner for owner, _ in per}
    months = {f"{d:%Y-%m}" for d in days}
    assert len(months) == 24 and len(owners) > 5
    assert per == Counter({(o, m): 1 for o in owners for m in months})
    assert all(str(r["Sent At"])[8:10] == "01" for r in summaries)


@pytest.mark.slow
def test_log_stays_bounded_by_retention(two_years):
    """Rows older than Log retention (400 days) are pruned unless they guard an open milestone."""
    days, backend, _ = two_years
    _, *rows = backend.tabs["Log"]
    sent_at = [str(r[0])[:10] for r in rows]
    cutoff = (days[-1] - dt.timedelta(days=400)).isoformat()
    assert len(rows) < len(backend.history)
    assert not [s for s, r in zip(sent_at, rows, strict=True) if s < cutoff and r[1] == "summary"]


@pytest.mark.slow
def test_one_reminder_email_per_recipient_per_run(two_years):
    """A run sends each person at most one reminder digest."""
    _, backend, _ = two_years
    digests = {
        (str(r["Sent At"])[:10], r["Recipients"], r["Message-ID"])
        for r in log_rows(backend)
        if r["Kind"] in ("reminder", "overdue")
    }
    per_day = Counter((day, who) for day, who, _ in digests)
    assert max(per_day.values()) == 1


@pytest.mark.slow
def test_skipped_days_are_caught_up_with_one_email(tmp_path):
    """With a third of the days skipped, each missed stage is sent once on the next run."""
    rng = random.Random(7)
    days = [ANCHOR + dt.timedelta(days=i) for i in range(240) if i == 0 or rng.random() > 0.33]
    backend, initial = simulate(days, tmp_path)
    rows = [r for r in log_rows(backend) if r["Result"] == "sent" and r["Kind"] != "summary"]
    assert {r["Key"] for r in rows} == expected_keys(milestones_of(initial), days)
    per_run = Counter(
        (str(r["Sent At"])[:10], r["Milestone ID"], r["Recipients"], r["Kind"]) for r in rows
    )
    assert max(per_run.values()) == 1


def test_second_run_same_day_sends_nothing_and_changes_no_cell(tmp_path):
    """Two runs as of the same day, hours apart: the second sends nothing and changes no cell."""
    path = write_workbook(tmp_path / "t.xlsx", sample_tracker(ANCHOR))
    backend = XlsxBackend(path)
    first = run(backend, OutboxTransport(tmp_path / "out"), options(ANCHOR))
    before = XlsxBackend(path).read().tabs
    later = RunOptions(today=ANCHOR, clock=lambda: dt.datetime(2026, 12, 1, 18, tzinfo=dt.UTC))
    second = run(backend, OutboxTransport(tmp_path / "out"), later)
    after = XlsxBackend(path).read().tabs
    assert first.emails > 5 and second.emails == 0 and second.due == 0
    assert before == after
    checked = after["Milestones"][0].index("Checked")
    assert {row[checked] for row in after["Milestones"][1:]} == {ANCHOR.isoformat()}


def test_person_typed_cells_are_unchanged(tmp_path):
    """Every typed cell is identical after a run, except what §5 allows the program to write:
    system columns, new IDs, and a done recurring occurrence rolled forward."""
    path = write_workbook(tmp_path / "t.xlsx", sample_tracker(ANCHOR))
    before = XlsxBackend(path).read().tabs
    run(XlsxBackend(path), OutboxTransport(tmp_path / "out"), options(ANCHOR))
    after = XlsxBackend(path).read().tabs
    system = set(MILESTONE_SYSTEM) | set(CONTRACT_SYSTEM)
    changed = []
    for tab in ("Contracts", "Milestones", "Settings"):
        header = before[tab][0]
        for r, row in enumerate(before[tab]):
            rolled = (
                tab == "Milestones"
                and r > 0
                and _rolls_forward(dict(zip(header, row, strict=False)))
            )
            for c, value in enumerate(row):
                allowed = header[c] in system or (
                    header[c] == "Milestone ID" and value in (None, "")
                )
                allowed |= rolled and header[c] in ("Due Date", "Done", "Completed On")
                if not allowed and after[tab][r][c] != value:
                    changed.append((tab, r + 1, header[c]))
    assert changed == []
    assert len(after["Milestones"]) > len(before["Milestones"])  # auto rows appended below


def _rolls_forward(row: dict) -> bool:
    """A done occurrence of a repeating milestone: the run moves it to the next one."""
    done = row.get("Done") not in (None, "", False) or row.get("Completed On") not in (None, "")
    return bool(row.get("Repeat")) and done


def test_check_writes_and_sends_nothing(tmp_path):
    """``check`` reports what would be sent without touching the workbook."""
    path = write_workbook(tmp_path / "t.xlsx", tracker_grids())
    data = path.read_bytes()
    result = check(XlsxBackend(path), options(TODAY))
    assert result.planned and result.due == len(result.planned) and result.emails == 0
    assert path.read_bytes() == data


def test_dry_run_writes_and_sends_nothing(tmp_path):
    """``run --dry-run`` plans the same emails and leaves workbook and outbox alone."""
    path = write_workbook(tmp_path / "t.xlsx", tracker_grids())
    data = path.read_bytes()
    opts = options(TODAY)
    opts.dry_run = True
    result = run(XlsxBackend(path), OutboxTransport(tmp_path / "out"), opts)
    assert result.planned and result.due == len(result.planned) and result.emails == 0
    assert path.read_bytes() == data and not (tmp_path / "out").exists()


def test_log_rows_follow_the_log_columns(tmp_path):
    """Each sent key becomes one Log row with every column filled in."""
    backend = MemoryBackend(tracker_grids())
    run(backend, OutboxTransport(tmp_path / "out"), options(TODAY))
    header, *rows = backend.tabs["Log"]
    assert header == list(LOG_COLUMNS)
    overdue = next(dict(zip(header, r, strict=True)) for r in rows if r[1] == "overdue")
    assert overdue["Key"] == "overdue:M-0002:2026-11-24:1"
    assert overdue["Recipients"] == "dan@example.com"
    assert overdue["Result"] == "sent" and str(overdue["Message-ID"]).startswith("<digest.")


def test_log_recipients_cell_keeps_to_whole_and_caps_copies():
    """A copied list past five addresses is summarised; the To part stays whole for matching."""
    from sheetsync.normalize.ledger import recipients_cell, recipients_to

    copies = [f"owner{i}@example.com" for i in range(40)]
    cell = recipients_cell(["gc@example.com", "cfo@example.com"], copies)
    assert cell.endswith("owner4@example.com (+35 more)") and "owner5@" not in cell
    assert recipients_to(cell) == "cfo@example.com; gc@example.com"
