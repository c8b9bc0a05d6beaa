"""Contract terms drive the calendar: notice deadlines, auto-renewals, amendments, repeats."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from itertools import pairwise

import pytest

from builders import row
from sheetsync.backends.memory import MemoryBackend
from sheetsync.cells.dates import from_serial, to_serial
from sheetsync.model import TabWrite
from sheetsync.pipeline import RunOptions, run
from sheetsync.schema import LOG_COLUMNS
from sheetsync.transports.outbox import OutboxTransport

CONTRACT_HEADER = [
    "Contract ID",
    "Contract",
    "Owner",
    "End Date",
    "Auto-Renew",
    "Renewal Term (months)",
    "Notice Period (days)",
    "Contract Status",
]
MILESTONE_HEADER = [
    "Milestone ID",
    "Contract ID",
    "Milestone",
    "Type",
    "Due Date",
    "Repeat",
    "Done",
    "Completed On",
    "Notes",
]
NOTICE_LEADS = (120, 90, 60, 30, 14, 7)


def contract(
    title: str,
    end: dt.date | None = None,
    auto_renew: str = "no",
    term: int | None = None,
    notice: int | None = None,
) -> list[object]:
    """Contract C-1 of ann@example.com, with its terms."""
    return row(
        CONTRACT_HEADER,
        contract_id="C-1",
        contract=title,
        owner="ann@example.com",
        end_date=end,
        auto_renew=auto_renew,
        renewal_term_months=term,
        notice_period_days=notice,
        contract_status="",
    )


def milestone(key: str, title: str, kind: str, due: dt.date, **cells: object) -> list[object]:
    """A milestone of contract C-1, its Due Date a spreadsheet serial; ``cells``: Repeat, Done."""
    return row(
        MILESTONE_HEADER,
        milestone_id=key,
        contract_id="C-1",
        milestone=title,
        type=kind,
        due_date=to_serial(due),
        **cells,
    )


def tracker(
    contracts: list[list[object]],
    milestones: list[list[object]] | None = None,
    settings: list[list[object]] | None = None,
) -> MemoryBackend:
    """A memory-backed tracker with the given rows."""
    return MemoryBackend(
        {
            "Contracts": [CONTRACT_HEADER, *contracts],
            "Milestones": [MILESTONE_HEADER, *(milestones or [])],
            "Settings": [
                ["Setting", "Value"],
                *(settings or [["Default escalation", "gc@example.com"]]),
            ],
            "Log": [list(LOG_COLUMNS)],
        }
    )


def run_on(backend: MemoryBackend, day: dt.date, tmp_path):
    """One run as of ``day`` at noon UTC."""
    clock = dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.UTC)
    return run(
        backend, OutboxTransport(tmp_path / "out"), RunOptions(today=day, clock=lambda: clock)
    )


def log(backend: MemoryBackend) -> list[dict[str, object]]:
    """Every Log row the runs appended."""
    return backend.history


def cell(backend: MemoryBackend, tab: str, key: str, column: str) -> object:
    """The value in ``column`` of the row whose first cell is ``key``."""
    header, *rows = backend.tabs[tab]
    row = next(r for r in rows if r[0] == key)
    index = header.index(column)
    return row[index] if index < len(row) else None


def set_cell(backend: MemoryBackend, tab: str, key: str, column: str, value: object) -> None:
    """Type ``value`` into ``column`` of the row whose first cell is ``key``, as a person would."""
    header, *rows = backend.tabs[tab]
    row = next(r for r in rows if r[0] == key)
    row.extend([None] * (len(header) - len(row)))
    row[header.index(column)] = value


def days_between(start: dt.date, end: dt.date) -> list[dt.date]:
    """Every day from start to end inclusive."""
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


@pytest.mark.slow
def test_three_years_of_an_auto_renewing_contract(tmp_path):
    """Each year every notice stage goes out once, before that year's deadline; terms roll on."""
    backend = tracker(
        [contract("Hosting", end=dt.date(2027, 1, 31), auto_renew="yes", term=12, notice=60)]
    )
    start, end = dt.date(2026, 12, 1), dt.date(2029, 11, 30)
    for day in days_between(start, end):
        run_on(backend, day, tmp_path)
    sent = [
        r
        for r in log(backend)
        if r["Result"] == "sent" and str(r["Key"]).startswith("reminder:C-1/notice")
    ]
    assert Counter(r["Key"] for r in sent).most_common(1)[0][1] == 1
    deadlines = [dt.date(y, 1, 31) - dt.timedelta(days=60) for y in (2027, 2028, 2029, 2030)]
    expected = {
        f"reminder:C-1/notice:{n}:{lead}"
        for n in deadlines
        for lead in NOTICE_LEADS
        if start <= n - dt.timedelta(days=lead) <= end
    }
    expected.add(f"reminder:C-1/notice:{deadlines[0]}:7")  # first run: one catch-up at stage 7
    assert {r["Key"] for r in sent} == expected
    for sent_row in sent:
        _, _, due, lead = str(sent_row["Key"]).split(":")
        assert (
            str(sent_row["Sent At"])[:10]
            == max(start, dt.date.fromisoformat(due) - dt.timedelta(days=int(lead))).isoformat()
        )
    assert from_serial(cell(backend, "Contracts", "C-1", "Term End")) == dt.date(2030, 1, 31)
    assert from_serial(cell(backend, "Contracts", "C-1", "Notice Deadline")) == deadlines[3]
    moves = [
        r["Subject"]
        for r in log(backend)
        if r["Kind"] == "moved" and r["Milestone ID"] == "C-1/notice"
    ]
    assert moves == [
        f"Last day to give notice on Hosting so it does not renew: due date moved from {a} to {b}"
        for a, b in pairwise(deadlines)
    ]


def test_amendment_restarts_the_ladder_from_its_current_stage(tmp_path):
    """Moving the End Date mid-ladder moves the notice row; only the new current stage is sent."""
    backend = tracker([contract("Lease", end=dt.date(2027, 6, 30), notice=60)])
    run_on(backend, dt.date(2027, 2, 1), tmp_path)  # notice due 2027-05-01: stage 90
    set_cell(backend, "Contracts", "C-1", "End Date", to_serial(dt.date(2027, 4, 20)))
    run_on(backend, dt.date(2027, 2, 2), tmp_path)  # notice now due 2027-02-19: stage 30 only
    keys = [
        r["Key"] for r in log(backend) if r["Result"] == "sent" and "C-1/notice" in str(r["Key"])
    ]
    assert keys == ["reminder:C-1/notice:2027-05-01:90", "reminder:C-1/notice:2027-02-19:30"]
    moved = [r["Subject"] for r in log(backend) if r["Kind"] == "moved"]
    assert any("due date moved from 2027-05-01 to 2027-02-19" in str(s) for s in moved)
    assert from_serial(cell(backend, "Milestones", "C-1/notice", "Due Date")) == dt.date(
        2027, 2, 19
    )


def test_termination_silences_the_contract(tmp_path):
    """A Terminated contract's milestones become Cancelled and nothing more is sent."""
    backend = tracker(
        [contract("Lease", end=dt.date(2027, 3, 1), notice=30)],
        [milestone("M-1", "Pay rent", "payment", dt.date(2027, 1, 10))],
    )
    run_on(backend, dt.date(2027, 1, 5), tmp_path)
    set_cell(backend, "Contracts", "C-1", "Contract Status", "Terminated")
    before = len(log(backend))
    for day in days_between(dt.date(2027, 1, 6), dt.date(2027, 3, 31)):
        result = run_on(backend, day, tmp_path)
        assert result.emails == 0
    assert len(log(backend)) == before
    assert {
        cell(backend, "Milestones", m, "Status") for m in ("M-1", "C-1/notice", "C-1/expiry")
    } == {"Cancelled"}
    assert cell(backend, "Contracts", "C-1", "Health") == "Inactive"


def test_auto_rows_are_appended_once_and_keep_a_persons_owner(tmp_path):
    """Auto rows appear once; a person's Owner and Notes on them survive later runs."""
    backend = tracker([contract("Lease", end=dt.date(2027, 6, 30), notice=30)])
    run_on(backend, dt.date(2027, 1, 1), tmp_path)
    set_cell(backend, "Milestones", "C-1/notice", "Notes", "ask Bob first")
    run_on(backend, dt.date(2027, 1, 2), tmp_path)
    ids = [r[0] for r in backend.tabs["Milestones"][1:]]
    assert ids == ["C-1/notice", "C-1/expiry"]
    assert cell(backend, "Milestones", "C-1/notice", "Notes") == "ask Bob first"
    assert cell(backend, "Milestones", "C-1/notice", "Source") == "auto"


def test_done_monthly_occurrence_rolls_forward_anchored(tmp_path):
    """Monthly from 31 Jan: done → 28 Feb (Done cleared, Log records it); done again → 31 Mar."""
    backend = tracker(
        [contract("Payroll")],
        [
            milestone(
                "M-1", "Pay fee", "payment", dt.date(2027, 1, 31), repeat="monthly", done="yes"
            )
        ],
    )
    run_on(backend, dt.date(2027, 2, 1), tmp_path)
    assert from_serial(cell(backend, "Milestones", "M-1", "Due Date")) == dt.date(2027, 2, 28)
    assert cell(backend, "Milestones", "M-1", "Done") in (None, "")
    set_cell(backend, "Milestones", "M-1", "Done", "yes")
    run_on(backend, dt.date(2027, 3, 1), tmp_path)
    assert from_serial(cell(backend, "Milestones", "M-1", "Due Date")) == dt.date(2027, 3, 31)
    completed = [r["Key"] for r in log(backend) if r["Kind"] == "completed"]
    assert completed == [
        "completed:M-1:2027-01-31:2027-01-31",
        "completed:M-1:2027-02-28:2027-01-31",
    ]


def test_yearly_from_29_february_and_rrule(tmp_path):
    """Yearly from 29 Feb 2028 moves to 28 Feb 2029; an RRULE row follows its rule."""
    backend = tracker(
        [contract("Licence")],
        [
            milestone(
                "M-1", "Renew licence", "renewal", dt.date(2028, 2, 29), repeat="annual", done="yes"
            ),
            milestone(
                "M-2",
                "Board report",
                "report",
                dt.date(2028, 1, 28),
                repeat="FREQ=MONTHLY;BYDAY=-1FR",
                done="x",
            ),
        ],
    )
    run_on(backend, dt.date(2028, 3, 1), tmp_path)
    assert from_serial(cell(backend, "Milestones", "M-1", "Due Date")) == dt.date(2029, 2, 28)
    assert from_serial(cell(backend, "Milestones", "M-2", "Due Date")) == dt.date(2028, 2, 25)


class EditingBackend(MemoryBackend):
    """A person types into the sheet between the run's read and its write."""

    edit: tuple[str, str, str, object] | None = None

    def write_status(self, writes: list[TabWrite], log_prune, board=None):
        if self.edit:
            set_cell(self, *self.edit)
            self.edit = None
        return super().write_status(writes, log_prune, board)


def test_persons_edit_between_read_and_write_wins(tmp_path):
    """A completed occurrence whose Due Date a person changes mid-run waits for the next run."""
    backend = EditingBackend(
        tracker(
            [contract("Payroll")],
            [
                milestone(
                    "M-1", "Pay fee", "payment", dt.date(2027, 1, 31), repeat="monthly", done="yes"
                ),
            ],
        ).tabs
    )
    backend.edit = ("Milestones", "M-1", "Due Date", to_serial(dt.date(2027, 1, 30)))
    run_on(backend, dt.date(2027, 2, 1), tmp_path)
    assert from_serial(cell(backend, "Milestones", "M-1", "Due Date")) == dt.date(2027, 1, 30)
    assert cell(backend, "Milestones", "M-1", "Done") == "yes"
    run_on(backend, dt.date(2027, 2, 2), tmp_path)
    assert from_serial(cell(backend, "Milestones", "M-1", "Due Date")) == dt.date(2027, 2, 28)


def test_missed_occurrence_stays_overdue_and_escalates(tmp_path):
    """A repeating milestone never done is not skipped: it stays overdue and escalates."""
    backend = tracker(
        [contract("Payroll")],
        [milestone("M-1", "Pay fee", "payment", dt.date(2027, 1, 31), repeat="monthly")],
    )
    run_on(backend, dt.date(2027, 3, 15), tmp_path)
    assert cell(backend, "Milestones", "M-1", "Status") == "Overdue"
    assert from_serial(cell(backend, "Milestones", "M-1", "Due Date")) == dt.date(2027, 1, 31)
    assert any(r["Kind"] == "escalation" for r in log(backend))


def test_weekend_deadline_counts_as_the_friday_before(tmp_path):
    """With "previous business day", a Saturday deadline is due on Friday."""
    saturday = dt.date(2027, 3, 6)
    settings = [["Weekend deadlines", "previous business day"]]
    backend = tracker(
        [contract("Lease")],
        [milestone("M-1", "Sign", "approval", saturday)],
        settings,
    )
    run_on(backend, dt.date(2027, 3, 5), tmp_path)
    assert cell(backend, "Milestones", "M-1", "Days Left") == 0
    assert [r["Key"] for r in log(backend) if r["Kind"] != "summary"] == [
        "reminder:M-1:2027-03-05:2"
    ]


def test_unreadable_repeat_is_a_problem(tmp_path):
    """A Repeat cell that is not a rule is a Problem on its row; the milestone still counts."""
    backend = tracker(
        [contract("Lease")],
        [milestone("M-1", "Sign", "approval", dt.date(2027, 3, 20), repeat="sometimes")],
    )
    run_on(backend, dt.date(2027, 3, 1), tmp_path)
    assert 'Repeat: "sometimes" is not a repeat rule' in str(
        cell(backend, "Milestones", "M-1", "Problems")
    )
