"""Which tab holds the Dashboard: a person's own tab of that name is theirs, and the run says so.

Both backends through the real pipeline; the command line as a real subprocess on a workbook
and through click on the emulator (``SHEETS_EMULATOR_HOST``), with ``--json``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from conftest import write_workbook
from sheetsync.cli import main
from sheetsync.init.sample import sample_tracker
from sheetsync.model import Grid
from sheetsync.testing.emulator import SheetsEmulator
from test_dashboard import Store
from test_pipeline import ANCHOR

MINE: Grid = [["Q4 pipeline (mine)", "Value"], ["Acme renewal", 120000]]
SAID = "Dashboard tab: this tab was made by a person, not sheetsync"
HOW = 'rename it, or add a Settings row "Dashboard tab" naming another tab'


@pytest.fixture(scope="module")
def emulator() -> Iterator[SheetsEmulator]:
    """One emulator for the module, without quotas."""
    with SheetsEmulator() as emu:
        emu.disable_quotas()
        yield emu


@pytest.fixture(params=["xlsx", "google"])
def kind(request) -> str:
    """Each backend in turn."""
    return request.param


def with_own_dashboard(settings: list[list[object]] | None = None) -> dict[str, Grid]:
    """The sample tracker with a person's own tab called Dashboard (and extra Settings rows)."""
    grids = sample_tracker(ANCHOR)
    grids["Dashboard"] = [list(row) for row in MINE]
    grids["Settings"] = [*grids["Settings"], *(settings or [])]
    return grids


def test_a_persons_dashboard_tab_is_a_problem_in_the_report(kind, tmp_path, emulator):
    """The run's report names the person's tab and what to do; the tab keeps every cell."""
    store = Store(kind, with_own_dashboard(), tmp_path, emulator)
    result = store.run()
    said = [str(p) for p in result.problems if p.row <= 0]
    assert len(said) == 1 and said[0].startswith(SAID) and HOW in said[0]
    assert result.to_json()["tab_problems"] == said
    assert store.tab("Dashboard") == MINE


def test_a_dashboard_tab_setting_names_the_programs_tab(kind, tmp_path, emulator):
    """With *Dashboard tab* set to Portfolio the figures go there; the person's tab is theirs."""
    store = Store(kind, with_own_dashboard([["Dashboard tab", "Portfolio"]]), tmp_path, emulator)
    result = store.run()
    assert not [p for p in result.problems if p.row <= 0]
    portfolio = store.tab("Portfolio")
    assert portfolio[0][0].startswith("Written by sheetsync on every run")
    assert portfolio[1][0] == "Acme contracts"
    assert store.tab("Dashboard") == MINE
    store.run()
    assert store.tab("Portfolio") == portfolio


def test_a_dashboard_tab_setting_naming_another_tab_is_refused(kind, tmp_path, emulator):
    """*Dashboard tab* may not name the Log or Milestones: a Problem on that Settings row."""
    grids = sample_tracker(ANCHOR)
    grids["Settings"] = [*grids["Settings"], ["Dashboard tab", "log"]]
    store = Store(kind, grids, tmp_path, emulator)
    result = store.run()
    row = len(grids["Settings"])
    said = [p.message for p in result.problems if p.tab == "Settings" and p.row == row]
    assert said == [
        'Dashboard tab: "log" is not a tab name of at most 31 characters without [ ] : * ? / \\, '
        "other than Contracts, Milestones, Settings and Log; using the default (Dashboard)"
    ]
    assert store.tab("Dashboard")[0][0].startswith("Written by sheetsync")
    assert store.tab("Log")[0][0] == "Sent At"


def test_the_command_says_it_in_its_report_and_its_json(tmp_path):
    """``sheetsync run`` prints the sentence among the problems, and ``--json`` lists it."""
    path = write_workbook(tmp_path / "tracker.xlsx", with_own_dashboard())
    base = [sys.executable, "-m", "sheetsync", "run", path.name, "--today", ANCHOR.isoformat()]
    shown = subprocess.run(base, cwd=tmp_path, capture_output=True, text=True, check=False)
    assert shown.returncode == 0, shown.stderr
    lines = [line.strip() for line in shown.stdout.splitlines()]
    assert any(line.startswith(SAID) and HOW in line for line in lines)
    as_json = subprocess.run(
        [*base, "--json"], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    report = json.loads(as_json.stdout)
    assert len(report["tab_problems"]) == 1 and report["tab_problems"][0].startswith(SAID)


def test_the_command_on_a_google_sheet_says_it_too(emulator, tmp_path):
    """On a Google Sheet (the emulator) ``--json`` carries the same sentence."""
    sheet = emulator.create_spreadsheet("Tracker", with_own_dashboard())  # type: ignore[arg-type]
    args = ["run", sheet, "--today", ANCHOR.isoformat(), "--outbox", str(tmp_path), "--json"]
    result = CliRunner().invoke(main, args, env={"SHEETS_EMULATOR_HOST": emulator.host})
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["tab_problems"][0].startswith(SAID)
    assert emulator.values(sheet, "Dashboard") == MINE
