"""The foundation's behaviour tests, run against the workbook and the Google backend alike."""

from __future__ import annotations

import datetime as dt
import email
import json
from collections import Counter
from email import policy
from email.utils import getaddresses
from pathlib import Path

import pytest

from conftest import write_workbook
from gsheets_fixtures import backend as google_backend
from sheetsync.backends.base import Backend
from sheetsync.backends.xlsx import XlsxBackend
from sheetsync.init.sample import sample_tracker
from sheetsync.model import Grid
from sheetsync.pipeline import run
from sheetsync.problems import problems_by_row
from sheetsync.schema import CONTRACT_SYSTEM, MILESTONE_SYSTEM
from sheetsync.testing.emulator import SheetsEmulator
from sheetsync.transports.outbox import OutboxTransport
from simulation import expected_keys, milestones_of
from test_pipeline import ANCHOR, options, without_terms

DATA = Path(__file__).parent / "data"


class Store:
    """A tracker behind one backend kind: a fresh backend per run, and its tabs as read."""

    def __init__(self, kind: str, grids: dict[str, Grid], tmp_path: Path, emulator: SheetsEmulator):
        self.kind = kind
        if kind == "xlsx":
            self.path = write_workbook(tmp_path / "tracker.xlsx", grids)
        else:
            self.emulator = emulator
            self.sheet = emulator.create_spreadsheet("Tracker", grids)  # type: ignore[arg-type]

    def backend(self) -> Backend:
        """A new backend object, as each scheduled run would make."""
        if self.kind == "xlsx":
            return XlsxBackend(self.path)
        return google_backend(self.emulator, self.sheet)

    def tabs(self) -> dict[str, Grid]:
        """Every tab's cells as the backend reads them."""
        return self.backend().read().tabs


def run_on(store: Store, day: dt.date, tmp_path: Path, hour: int = 12):
    """One run as of ``day``."""
    opts = options(day)
    if hour != 12:
        stamp = dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.UTC)
        opts.clock = lambda: stamp
    return run(store.backend(), OutboxTransport(tmp_path / "outbox"), opts)


def without(tabs: dict[str, Grid], headers: set[str]) -> dict[str, Grid]:
    """The tabs with the named columns left out."""
    kept = {}
    for name, grid in tabs.items():
        drop = {i for i, h in enumerate(grid[0]) if h in headers} if grid else set()
        kept[name] = [[v for i, v in enumerate(r) if i not in drop] for r in grid]
    return kept


def test_second_run_same_day_sends_nothing_and_changes_only_checked(kind, tmp_path, emulator):
    """Two runs with the same today: the second sends nothing and changes no cell but Checked."""
    store = Store(kind, sample_tracker(ANCHOR), tmp_path, emulator)
    first = run_on(store, ANCHOR, tmp_path)
    before = store.tabs()
    second = run_on(store, ANCHOR, tmp_path, hour=18)
    after = store.tabs()
    assert first.emails > 5 and second.emails == 0
    assert without(before, {"Checked"}) == without(after, {"Checked"})


def test_typed_cells_unchanged(kind, tmp_path, emulator):
    """Outside system columns, new IDs and auto rows, every typed cell is as it was."""
    grids = without_terms(sample_tracker(ANCHOR))
    store = Store(kind, grids, tmp_path, emulator)
    before = store.tabs()
    run_on(store, ANCHOR, tmp_path)
    after = store.tabs()
    system = set(MILESTONE_SYSTEM) | set(CONTRACT_SYSTEM)
    for tab in ("Contracts", "Milestones", "Settings"):
        header = before[tab][0]
        for r, row in enumerate(before[tab][1:], start=1):
            for c, value in enumerate(row):
                if header[c] in system or (header[c] == "Milestone ID" and value in (None, "")):
                    continue
                now = after[tab][r][c] if c < len(after[tab][r]) else None
                assert (now in (None, "") and value in (None, "")) or now == value, (
                    tab,
                    r + 1,
                    header[c],
                )


@pytest.mark.slow
def test_sixty_days_send_exactly_the_oracles_keys(kind, tmp_path, emulator):
    """Sixty daily runs (a third skipped) send exactly what the rules call for, once each."""
    grids = without_terms(sample_tracker(ANCHOR))
    store = Store(kind, grids, tmp_path, emulator)
    days = [ANCHOR + dt.timedelta(days=i) for i in range(60) if i % 3 != 1]
    for day in days:
        run_on(store, day, tmp_path)
    header, *rows = store.tabs()["Log"]
    log = [dict(zip(header, r, strict=False)) for r in rows]
    sent = [r for r in log if r["Result"] == "sent" and r["Kind"] != "summary"]
    assert {r["Key"] for r in sent} == expected_keys(milestones_of(grids), days)
    assert max(Counter((r["Key"], r["Recipients"]) for r in sent).values()) == 1


def _formula(entry: dict) -> bool:
    """A cell typed as a formula: the spreadsheet computes it, so its value is not the text."""
    return any(str(v).startswith("=") for v in entry["row"].values())


def test_bad_rows_become_problems_in_their_own_rows(kind, tmp_path, emulator):
    """Each broken row of the corpus gets its Problem written into its own row; the run goes on."""
    corpus = [
        e
        for e in json.loads((DATA / "bad_rows.json").read_text())
        if e["tab"] == "Milestones" and e["expect"] and "copies" not in e and not _formula(e)
    ]
    grids = without_terms(sample_tracker(ANCHOR))
    header = grids["Milestones"][0]
    first = len(grids["Milestones"]) + 1
    for n, entry in enumerate(corpus):
        row = {
            "Milestone ID": f"B-{n:03d}",
            "Contract ID": "C-001",
            "Milestone": f"Bad {n}",
            "Type": "other",
            "Due Date": (ANCHOR + dt.timedelta(days=10)).isoformat(),
        }
        row.update(entry["row"])
        grids["Milestones"].append([row.get(h) for h in header])
    store = Store(kind, grids, tmp_path, emulator)
    result = run_on(store, ANCHOR, tmp_path)
    tab = store.tabs()["Milestones"]
    problems = tab[0].index("Problems")
    for n, entry in enumerate(corpus):
        written = tab[first - 1 + n][problems] if problems < len(tab[first - 1 + n]) else None
        assert entry["expect"] in str(written), (entry, written)
    by_row = problems_by_row(result.problems, "Milestones")
    assert all(first + n in by_row for n in range(len(corpus)))
    for path in (tmp_path / "outbox").glob("*.eml"):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        people = getaddresses(message.get_all("To", []) + message.get_all("Cc", []))
        assert people and all(address.endswith("@example.com") for _, address in people)
