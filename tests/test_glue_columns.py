"""The pipeline's glue worked column by column reads what a person left in cells as before."""

from __future__ import annotations

import pandas as pd

from sheetsync.logtab import log_frame
from sheetsync.normalize.ledger import read_ledger
from sheetsync.record.resolved import resolved_texts
from sheetsync.schema import LOG_COLUMNS


def _log_row(at: str, key: str, result: str = "sent") -> list[object]:
    return [at, "reminder", key, "C-1", "M-1", "a@example.com", "Subject", "<m@x>", result]


def test_resolved_mark_in_any_case_is_kept() -> None:
    """A resolved mark a person retyped in capitals stays in the row's Last Notified."""
    evaluated = pd.DataFrame(
        {
            "row": [2, 3, 4],
            "id": ["M-1", "M-2", "M-3"],
            "last_notified": ["due 2027-01-05 · RESOLVED 2027-01-05", None, "reminder 7d"],
        }
    )
    texts = resolved_texts(
        evaluated, log_frame([]), {2: "2027-01-06: reminder 3d · due 2027-02-01"}
    )
    assert texts[2] == "2027-01-06: reminder 3d · due 2027-02-01 · resolved 2027-01-05"
    assert 3 not in texts and 4 not in texts


def test_ledger_rows_in_sent_order_unreadable_last() -> None:
    """The Log a person sorted is read back in Sent At order, rows without a date last."""
    grid: list[list[object]] = [list(LOG_COLUMNS)]
    grid += [
        _log_row("someday", "reminder:M-1:2027-01-05:1"),
        _log_row("2026-12-02T12:00:00Z", "reminder:M-1:2027-01-05:3"),
        _log_row("2026-12-01T12:00:00Z", "reminder:M-1:2027-01-05:7"),
        _log_row("2026-12-02T12:00:00Z", "reminder:M-2:2027-01-05:3", "Failed: refused"),
    ]
    ledger = read_ledger(grid)
    assert ledger.frame["Key"].str.rsplit(":", n=1).str[1].tolist() == ["7", "3", "3", "1"]
    assert ledger.frame["row"].tolist() == [4, 3, 5, 2]
    assert ("reminder:M-2:2027-01-05:3", "a@example.com") in ledger.failed
    assert len(ledger.sent) == 3


def test_log_frame_reads_numbers_as_text() -> None:
    """This run's Log rows read as text, numbers included, one column per Log field."""
    frame = log_frame([_log_row("2026-12-01T12:00:00Z", "k"), [1, 2.5, *[""] * 7]])
    assert list(frame.columns) == list(LOG_COLUMNS)
    assert frame["Sent At"].tolist() == ["2026-12-01T12:00:00Z", "1"]
    assert frame["Kind"].tolist() == ["reminder", "2.5"]


def test_log_cells_read_as_text_whatever_a_person_left_in_them() -> None:
    """Spaces trimmed, numbers, dates and blanks as cell text, short rows blank past their end."""
    grid: list[list[object]] = [
        list(LOG_COLUMNS),
        _log_row("  2026-12-01T12:00:00Z ", " reminder:M-1:2026-12-08:7\t"),
        _log_row("2026-12-01T12:00:00Z", "reminder:M-2:2026-12-08:7", result=" Sent"),
        ["2026-12-01T12:00:00Z", "reminder", "reminder:M-3:2026-12-08:7", None, 7, "a@example.com"],
        [
            "2026-12-02",
            "overdue",
            "overdue:M-4:2026-11-01:1",
            2.0,
            "",
            "b@example.com",
            "",
            "",
            "sent",
        ],
    ]
    frame = read_ledger(grid).frame
    assert frame["Sent At"].tolist()[:3] == ["2026-12-01T12:00:00Z"] * 3
    assert frame["Key"].tolist()[0] == "reminder:M-1:2026-12-08:7"
    assert frame["Contract ID"].tolist() == ["C-1", "C-1", "", "2"]
    assert frame["Milestone ID"].tolist() == ["M-1", "M-1", "7", ""]
    assert frame["Result"].tolist() == ["sent", " Sent".strip(), "", "sent"]
    assert frame["Subject"].tolist() == ["Subject", "Subject", "", ""]
