"""What the ``sheetsync`` command says is true: would vs did, why nothing went, helpful errors.

Commands run as real subprocesses on copies of the bundled example tracker.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from sheetsync.backends.gsheets.connect import CREDENTIALS_HELP
from sheetsync.cli import SendProgress, main
from sheetsync.testing.smtpd import SmtpServer

ROOT = Path(__file__).resolve().parents[1]
TODAY = ("--today", "2026-12-01")
GCLOUD = (
    "gcloud auth application-default login --scopes="
    "https://www.googleapis.com/auth/spreadsheets,https://www.googleapis.com/auth/cloud-platform"
)


def sheetsync(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the CLI as a subprocess in ``cwd``."""
    return subprocess.run(
        [sys.executable, "-m", "sheetsync", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """A copy of the bundled example tracker, in its own folder."""
    return Path(shutil.copy(ROOT / "examples" / "tracker.xlsx", tmp_path / "tracker.xlsx"))


@pytest.mark.parametrize("args", [("check",), ("run", "--dry-run")])
def test_check_and_dry_run_say_would_and_change_nothing(example: Path, args: tuple[str, ...]):
    """``check`` and ``run --dry-run`` say what would be written and sent, and change nothing."""
    before = example.read_bytes()
    result = sheetsync(example.parent, args[0], example.name, *args[1:], *TODAY)
    assert result.returncode == 0, result.stderr
    assert "(a run would write them into each row's Problems column)" in result.stdout
    assert "Would send 16 emails:" in result.stdout
    assert "written into" not in result.stdout and " sent:" not in result.stdout
    assert result.stdout.rstrip().endswith("Nothing written or sent (" + args[-1] + ").")
    assert example.read_bytes() == before and not (example.parent / "outbox").exists()


def test_same_day_rerun_and_preview_say_why_nothing_went(example: Path):
    """After a run, a rerun and a preview the same day both say how many emails already went."""
    first = sheetsync(example.parent, "run", example.name, *TODAY, "--json")
    sent = json.loads(first.stdout)["emails"]
    assert sent == len(list((example.parent / "outbox").glob("*.eml"))) > 0
    line = f"nothing new: {sent} emails already sent today, see the Log tab"
    again = sheetsync(example.parent, "run", example.name, *TODAY)
    assert f"No emails: {line}\n" in again.stdout
    assert again.stdout.endswith("Status columns written to tracker.xlsx; no new email to send.\n")
    shown = sheetsync(example.parent, "preview", example.name, *TODAY)
    assert shown.stdout == f"0 emails rendered ({line}); open preview/index.html\n"


def test_nothing_due_says_so(example: Path):
    """A day with nothing due and nothing sent says nothing is due, as of that day."""
    book = openpyxl.load_workbook(example)
    settings = book["Settings"]
    row = next(r for r in settings.iter_rows() if r[0].value == "Summary day")
    row[1].value = 28
    for route in settings.iter_rows():
        if str(route[0].value).startswith("Approval route"):  # new steps would be due soon
            route[1].value = None
    book.save(example)
    result = sheetsync(example.parent, "check", example.name, "--today", "2020-01-02")
    assert "No emails: nothing is due as of 2020-01-02\n" in result.stdout


def test_preview_without_out_writes_to_preview_folder(example: Path):
    """``preview`` with no ``--out`` writes its pages into ./preview."""
    result = sheetsync(example.parent, "preview", example.name, *TODAY)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "16 emails rendered; open preview/index.html\n"
    assert len(list((example.parent / "preview").glob("*.html"))) == 17  # with index.html


@pytest.mark.parametrize("where", ["before", "after"])
def test_verbose_before_or_after_the_command_times_each_step(example: Path, where: str):
    """``-v`` works on either side of the command and shows each step with its time on stderr."""
    args = ["-v", "check", example.name] if where == "before" else ["check", example.name, "-v"]
    result = sheetsync(example.parent, *args, *TODAY)
    assert result.returncode == 0, result.stderr
    steps = re.findall(r"^sheetsync: (.+): \d+\.\d\d s$", result.stderr, flags=re.M)
    assert steps == [
        "read the tracker",
        "check every row",
        "work out statuses",
        "plan the emails",
        "render 16 emails",
    ]


def test_without_verbose_stderr_is_quiet(example: Path):
    """Without ``-v`` a check prints nothing on stderr."""
    assert sheetsync(example.parent, "check", example.name, *TODAY).stderr == ""


def test_sending_to_a_server_reports_progress_off_a_terminal(example: Path):
    """Sending 16 emails through SMTP off a terminal: no progress line (one per 100), no bar."""
    with SmtpServer() as server:
        result = sheetsync(example.parent, "run", example.name, *TODAY, "--smtp", server.url())
        received = len(server.messages)
    assert result.returncode == 0, result.stderr
    assert received == 16
    assert result.stderr == ""
    assert result.stdout.endswith("emails delivered to the mail server.\n")


def test_progress_lines_come_every_hundred_messages(capsys: pytest.CaptureFixture[str]):
    """Off a terminal, progress is one line per 100 messages."""
    progress = SendProgress(terminal=False)
    for done in range(1, 251):
        progress(done, 250)
    progress.close()
    lines = capsys.readouterr().err.splitlines()
    assert lines == [f"sheetsync: {n} of 250 emails done" for n in (100, 200)]


def test_progress_bar_on_a_terminal_reaches_the_total(monkeypatch: pytest.MonkeyPatch):
    """On a terminal, click's progress bar is drawn and ends at every message handled."""
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    progress = SendProgress(terminal=True)
    for done in range(1, 31):
        progress(done, 30)
    assert progress.bar is not None and progress.bar.pos == 30
    progress.close()
    assert progress.bar is None and "Sending" in stream.getvalue()


@pytest.mark.parametrize(
    ("tracker", "words"),
    [
        (
            "contracts.csv",
            "contracts.csv is a CSV file: save it as .xlsx (File › Save As) "
            "or import it into a Google Sheet",
        ),
        (
            "https://example.com/files/contracts.xlsx",
            "https://example.com/files/contracts.xlsx is not a Google Sheets URL",
        ),
        (
            "https://docs.google.com/document/d/1AbCdEfGhIjKlMnOpQrStUvWxYz/edit",
            "https://docs.google.com/document/d/1AbCdEfGhIjKlMnOpQrStUvWxYz/edit is not a "
            "Google Sheets URL",
        ),
    ],
)
def test_unusable_trackers_get_advice_in_one_line(tmp_path: Path, tracker: str, words: str):
    """A CSV gets told how to convert it; a web address that is not a Google Sheet says so."""
    result = sheetsync(tmp_path, "check", tracker)
    assert result.returncode == 2
    assert result.stderr.startswith(f"sheetsync: error: {words}")
    assert len(result.stderr.splitlines()) == 1 and result.stdout == ""


def test_credentials_hint_is_a_command_gcloud_accepts():
    """The missing-credentials hint asks for both scopes gcloud needs, as the README does."""
    assert f"`{GCLOUD}`" in CREDENTIALS_HELP
    assert f"`{GCLOUD}`" in (ROOT / "docs" / "google-sheets.md").read_text()


def test_cli_in_process_accepts_verbose_after_the_command(example: Path):
    """In process too, ``check TRACKER -v`` is accepted and reports on stdout."""
    result = CliRunner().invoke(main, ["check", str(example), *TODAY, "-v"])
    assert result.exit_code == 0 and "Would send 16 emails:" in result.stdout
