"""The ``sheetsync`` command: exit statuses, one-line errors, JSON, init, preview (DESIGN.md §7)."""

from __future__ import annotations

import email
import json
from email import policy

import openpyxl
from click.testing import CliRunner

from conftest import tracker_grids, write_workbook
from sheetsync.cli import main


def invoke(*args: str):
    """Run the CLI in-process and return click's result."""
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_run_json_reports_counts_and_writes_outbox(workbook, tmp_path):
    """``run --json`` prints one object with rows, statuses and messages sent by kind."""
    out = tmp_path / "out"
    result = invoke("run", str(workbook), "--today", "2026-11-28", "--outbox", str(out), "--json")
    assert result.exit_code == 0
    report = json.loads(result.output)
    assert report["rows"] == 5 and report["contracts"] == 3
    assert report["statuses"] == {
        "Upcoming": 1,
        "Due soon": 1,
        "Overdue": 1,
        "Done": 1,
        "Cancelled": 1,
    }
    assert report["items"]["overdue"] == 1 and report["items"]["escalation"] == 1
    assert report["sent"]["escalation"] == 1
    assert report["emails"] == sum(report["sent"].values()) == len(list(out.glob("*.eml")))


def test_second_run_reports_zero_sent(workbook, tmp_path):
    """The same day twice: the second ``--json`` says nothing was sent."""
    args = (
        "run",
        str(workbook),
        "--today",
        "2026-11-28",
        "--outbox",
        str(tmp_path / "o"),
        "--json",
    )
    invoke(*args)
    report = json.loads(invoke(*args).output)
    assert report["emails"] == 0 and sum(report["sent"].values()) == 0


def test_eml_files_are_multipart_with_stable_message_id(workbook, tmp_path):
    """Each .eml has text and HTML alternatives (a digest, its calendar too), named by its ID."""
    out = tmp_path / "out"
    invoke("run", str(workbook), "--today", "2026-11-28", "--outbox", str(out))
    for path in out.glob("*.eml"):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        digest = path.name.startswith("digest.")
        assert message.get_content_type() == (
            "multipart/mixed" if digest else "multipart/alternative"
        )
        assert message.get_body(("html",)) and message.get_body(("plain",))
        assert path.stem in message["Message-ID"]


def test_missing_workbook_exits_2_with_one_line(tmp_path):
    """A bad path exits 2 with one line saying what is wrong."""
    result = CliRunner().invoke(main, ["check", str(tmp_path / "nope.xlsx")])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        f"sheetsync: error: no workbook at {tmp_path / 'nope.xlsx'}"
    ]


def test_workbook_without_tabs_exits_2(tmp_path):
    """A workbook lacking the Milestones tab exits 2 and names the missing tab."""
    path = tmp_path / "t.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "Contracts"
    book.active.append(["Contract ID", "Contract", "Owner"])
    book.save(path)
    result = CliRunner().invoke(main, ["run", str(path)])
    assert result.exit_code == 2
    assert "no Milestones tab" in result.output and len(result.output.strip().splitlines()) == 1


def test_bad_today_exits_2(workbook):
    """``--today`` that is not a date is a usage error."""
    result = CliRunner().invoke(main, ["check", str(workbook), "--today", "31/12/2026"])
    assert result.exit_code == 2 and "--today" in result.output


def test_neither_path_nor_sheet_exits_2():
    """A tracker that is neither a .xlsx path nor a Google Sheet is refused."""
    result = CliRunner().invoke(main, ["check", "contracts"])
    assert result.exit_code == 2 and "not a .xlsx workbook path" in result.output


def test_outbox_and_smtp_together_exit_2(workbook, tmp_path):
    """Two transports at once is a usage error."""
    result = CliRunner().invoke(
        main, ["run", str(workbook), "--outbox", str(tmp_path), "--smtp", "smtp://127.0.0.1:1"]
    )
    assert result.exit_code == 2


def test_check_lists_problems_in_words(tmp_path):
    """``check`` shows each Problem with its tab and row."""
    grids = tracker_grids()
    grids["Milestones"][1][4] = "31/02/2027"
    path = write_workbook(tmp_path / "t.xlsx", grids)
    result = invoke("check", str(path), "--today", "2026-11-28")
    assert 'Milestones row 2: Due Date: "31/02/2027" is not a real date' in result.output


def test_init_sample_creates_a_runnable_tracker(tmp_path):
    """``init --sample`` makes a workbook that ``check`` reads with sample rows."""
    path = tmp_path / "new.xlsx"
    assert invoke("init", str(path), "--sample").exit_code == 0
    report = json.loads(invoke("check", str(path), "--json").output)
    assert report["rows"] >= 80 and report["contracts"] >= 20


def test_init_refuses_to_overwrite(workbook):
    """``init`` on an existing file exits 2 and leaves it alone."""
    data = workbook.read_bytes()
    result = CliRunner().invoke(main, ["init", str(workbook)])
    assert result.exit_code == 2 and workbook.read_bytes() == data


def test_preview_writes_pages_and_index(workbook, tmp_path):
    """``preview`` renders each planned email as a page plus an index."""
    out = tmp_path / "preview"
    result = invoke("preview", str(workbook), "--today", "2026-11-28", "--out", str(out))
    assert result.exit_code == 0
    assert (out / "index.html").exists() and len(list(out.glob("*.html"))) >= 3
