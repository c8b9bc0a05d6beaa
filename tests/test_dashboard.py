"""The Dashboard tab on both backends: its figures equal counts taken straight from the tabs.

The expected figures are worked out here from the Milestones and Contracts tabs as a run
leaves them (Status, Days Left, Owner, Type, Health …), never through ``sheetsync.dashboard``.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from conftest import MILESTONE_HEADER, milestone
from gsheets_fixtures import backend as google_backend
from sheetsync.cells.dates import from_serial
from sheetsync.init.sample import sample_tracker
from sheetsync.model import Grid
from sheetsync.pipeline import run
from sheetsync.schema import LOG_COLUMNS, TYPE_SYNONYMS
from sheetsync.testing.emulator import SheetsEmulator
from sheetsync.transports.outbox import OutboxTransport
from test_both_backends import Store as BackendStore
from test_pipeline import ANCHOR, options

OPEN = ("Overdue", "Due soon", "Upcoming", "Needs attention")
ALL = (*OPEN, "Done", "Cancelled")
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]+")


class Store(BackendStore):
    """A tracker behind one backend kind: a fresh backend per run, its tabs as stored."""

    def __init__(self, kind: str, grids: dict[str, Grid], tmp_path: Path, emulator: SheetsEmulator):
        super().__init__(kind, grids, tmp_path, emulator)
        self.tmp_path = tmp_path
        self._read_at: tuple[int, int] | None = None
        self._tabs: dict[str, Grid] = {}

    def run(self, day: dt.date = ANCHOR):
        """One run as of ``day``."""
        return run(self.backend(), OutboxTransport(self.tmp_path / "outbox"), options(day))

    def tab(self, name: str) -> Grid:
        """A tab's cells as stored; the Dashboard's dates (serials or date cells) as ISO text."""
        if self.kind == "google":
            grid = self.emulator.values(self.sheet, name)
            return _google_dates(grid) if name == "Dashboard" else grid
        stat = self.path.stat()
        if self._read_at != (stat.st_mtime_ns, stat.st_size):
            book = openpyxl.load_workbook(self.path, read_only=True)
            self._tabs = {ws.title: _trimmed(ws) for ws in book.worksheets}
            book.close()
            self._read_at = (stat.st_mtime_ns, stat.st_size)
        return self._tabs[name]

    def type(self, tab: str, cell: str, value: object) -> None:
        """A person types ``value`` into ``cell`` of ``tab``."""
        if self.kind == "google":
            self.emulator.edit(self.sheet, tab).type(cell, value)
            return
        book = openpyxl.load_workbook(self.path)
        book[tab][cell] = value
        book.save(self.path)

    def charts(self) -> list[Any]:
        """The charts on the Dashboard tab."""
        if self.kind == "google":
            return self.emulator.charts(self.sheet, "Dashboard")
        return list(openpyxl.load_workbook(self.path)["Dashboard"]._charts)


def _google_dates(grid: Grid) -> Grid:
    """A Google Dashboard's date serials (column A, and the as-of cell C2) as ISO text."""

    def day(value: object) -> object:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return from_serial(value).isoformat()
        return value

    out = [[day(row[0]), *row[1:]] if row else row for row in grid]
    if len(out) > 1 and len(out[1]) > 2:
        out[1][2] = day(out[1][2])
    return out


def _trimmed(sheet: Any) -> Grid:
    """A worksheet's values, workbook dates as ISO text, trailing blank rows dropped."""
    grid = [[_plain(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    while grid and all(v is None for v in grid[-1]):
        grid.pop()
    return grid


def _plain(value: object) -> object:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return value


@pytest.fixture(scope="module")
def emulator() -> Iterator[SheetsEmulator]:
    """One emulator for the module, without quotas (API calls are counted per spreadsheet)."""
    with SheetsEmulator() as emu:
        emu.disable_quotas()
        yield emu


@pytest.fixture(params=["xlsx", "google"])
def kind(request) -> str:
    """Each backend in turn."""
    return request.param


# -- the expected figures, straight from the tabs -------------------------------------------


def records(grid: Grid) -> list[dict[str, Any]]:
    """A tab's rows as {header: value}, blank rows left out."""
    header = [str(h) for h in grid[0]]
    return [
        dict(zip(header, row, strict=False))
        for row in grid[1:]
        if any(v not in (None, "") for v in row)
    ]


def emails(cell: object) -> list[str]:
    """The addresses typed in a cell."""
    return [e.lower() for e in EMAIL.findall(str(cell or ""))]


def expected(store: Store, today: dt.date) -> dict[str, Any]:
    """Every figure the Dashboard should show, counted from Milestones and Contracts."""
    contracts: dict[str, dict[str, Any]] = {}
    for c in records(store.tab("Contracts")):
        contracts.setdefault(str(c["Contract ID"]).strip(), c)
    rows = records(store.tab("Milestones"))
    for m in rows:
        contract = contracts.get(str(m["Contract ID"]).strip(), {})
        m["owners"] = _owners(m, contract)
        m["department"] = str(contract.get("Department") or "") or "(no department)"
        m["due"] = _due(m, today)
        m["kind"] = TYPE_SYNONYMS.get(str(m["Type"]).strip().lower(), str(m["Type"]).lower())
        m["contract"] = contract
    return {
        "status": Counter(m["Status"] for m in rows if m["Status"] in OPEN),
        "owner": _people(rows, lambda m: m["owners"] or ["(no owner)"]),
        "department": _people(rows, lambda m: [m["department"]]),
        "terms": _terms(rows, today),
        "overdue": _overdue(rows),
        "reviews": Counter(
            str(m["contract"].get("Counterparty") or "(no counterparty)")
            for m in rows
            if m["kind"] == "review" and m["Status"] == "Overdue"
        ),
        "troubled": {i for i, c in contracts.items() if c.get("Problems")}
        | {str(m["Contract ID"]) for m in rows if m["Status"] == "Needs attention"}
        & set(contracts),
        "months": _months(rows, today),
    }


def _owners(m: dict[str, Any], contract: dict[str, Any]) -> list[str]:
    """The Owner cell's addresses in allowed domains (example.com), else the contract's."""
    cell = m.get("Owner")
    if cell in (None, ""):
        cell = contract.get("Owner")
    return [e for e in emails(cell) if e.endswith("@example.com")]


def _due(m: dict[str, Any], today: dt.date) -> dt.date | None:
    """Today plus Days Left; for rows without one, a Due Date typed as a date."""
    left, due = m.get("Days Left"), m.get("Due Date")
    if isinstance(left, int | float) and not isinstance(left, bool):
        return today + dt.timedelta(days=int(left))
    if isinstance(due, int | float) and not isinstance(due, bool):
        return from_serial(due)
    if isinstance(due, str) and re.fullmatch(r"\d{4}-\d\d-\d\d", due):
        return dt.date.fromisoformat(due)
    return None


def _people(rows: list[dict[str, Any]], keys) -> dict[str, tuple[int, int, int, int]]:
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for m in rows:
        if m["Status"] in OPEN:
            for key in keys(m):
                counts[key][m["Status"]] += 1
    return {
        k: (sum(c.values()), c["Due soon"], c["Overdue"], c["Needs attention"])
        for k, c in counts.items()
    }


def _terms(rows: list[dict[str, Any]], today: dt.date) -> tuple[list[tuple[str, str]], float]:
    ahead = [
        m
        for m in rows
        if m["kind"] in ("renewal", "notice", "expiration")
        and m["Status"] not in ("Done", "Cancelled")
        and m["due"] is not None
        and 0 <= (m["due"] - today).days <= 90
    ]
    ahead.sort(key=lambda m: (m["due"], str(m["Milestone ID"])))
    values = {str(m["Contract ID"]): _money(m["contract"].get("Value")) for m in ahead}
    return [(m["due"].isoformat(), str(m["Contract ID"])) for m in ahead], sum(values.values())


def _money(cell: object) -> float:
    """A Value cell as typed: 1200000, "$1,050,000", "9.5k", "€ 18.750,00"."""
    if isinstance(cell, int | float):
        return float(cell)
    text = re.sub(r"[^0-9.,km]", "", str(cell or "").lower())
    if re.search(r"\.\d{3},\d{2}$", text):
        text = text.replace(".", "").replace(",", ".")
    text = text.replace(",", "")
    scale = {"k": 1e3, "m": 1e6}.get(text[-1:], 1.0)
    return float(text.rstrip("km") or 0) * scale


def _overdue(rows: list[dict[str, Any]]) -> list[tuple[int, str]]:
    late = [m for m in rows if m["Status"] == "Overdue"]
    shown = [(-int(m["Days Left"]), str(m["Milestone ID"])) for m in late]
    return sorted(shown, key=lambda pair: (-pair[0], pair[1]))


def _months(rows: list[dict[str, Any]], today: dt.date) -> list[list[int]]:
    counts: Counter[tuple[int, int, str]] = Counter(
        (m["due"].year, m["due"].month, m["Status"]) for m in rows if m["due"] is not None
    )
    table = []
    year, month = today.year, today.month
    for _ in range(12):
        table.append([counts[(year, month, status)] for status in ALL])
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return table


# -- the Dashboard as written --------------------------------------------------------------


def sections(grid: Grid) -> dict[str, list[list[Any]]]:
    """The Dashboard's sections by title: a title row, a header row, the rows up to a blank."""
    found: dict[str, list[list[Any]]] = {}
    row = 3  # row 4: the first section's title
    while row < len(grid):
        title, body, row = str(grid[row][0]), [], row + 2
        while row < len(grid) and any(v not in (None, "") for v in grid[row]):
            body.append(list(grid[row]))
            row += 1
        found[title] = [] if [r[0] for r in body] == ["None"] else body
        row += 1
    return found


def shown(store: Store) -> dict[str, Any]:
    """The figures the Dashboard tab shows, in the shape ``expected`` gives."""
    grid = store.tab("Dashboard")
    parts = sections(grid)
    terms = parts["Renewals, notice deadlines and expirations, next 90 days"]
    listed = [r for r in terms if r[0] != "Value at stake (each contract once)"]
    total = [r[6] for r in terms if r[0] == "Value at stake (each contract once)"]
    overdue = parts["Overdue milestones, most overdue first"]
    return {
        "status": Counter(
            {str(r[0]): int(r[1]) for r in parts["Open milestones by status"][:4] if int(r[1])}
        ),
        "owner": {
            str(r[0]): tuple(int(v) for v in r[1:5]) for r in parts["Open milestones by owner"]
        },
        "department": {
            str(r[0]): tuple(int(v) for v in r[1:5]) for r in parts["Open milestones by department"]
        },
        "terms": ([(str(r[0]), str(r[2])) for r in listed], float(total[0]) if total else 0.0),
        "overdue": [(int(r[1]), str(r[2])) for r in overdue if not str(r[0]).startswith("…")],
        "reviews": Counter(
            {str(r[1]): int(r[2]) for r in parts["Reviews overdue, by counterparty"]}
        ),
        "troubled": {str(r[0]) for r in parts["Contracts with problems"]},
        "months": [
            [int(v) for v in r[1:7]] for r in parts["Milestones due per month, next 12 months"]
        ],
    }


def assert_matches(store: Store, today: dt.date) -> dict[str, Any]:
    """The Dashboard's figures equal the ones counted from the tabs; returns them."""
    want, got = expected(store, today), shown(store)
    grid = store.tab("Dashboard")
    assert str(grid[1][2]) == today.isoformat()
    assert "rewritten" in str(grid[0][0]) or "every run" in str(grid[0][0])
    for key in ("status", "owner", "department", "reviews", "troubled", "months"):
        assert got[key] == want[key], key
    assert got["terms"][0] == want["terms"][0]
    assert got["terms"][1] == pytest.approx(want["terms"][1])
    overdue = want["overdue"]
    assert got["overdue"] == overdue[:50]
    if len(overdue) > 50:
        more = sections(grid)["Overdue milestones, most overdue first"][-1][0]
        assert f"{len(overdue) - 50} more" in str(more)
    return want


# -- a generated tracker of 10,000 milestones ------------------------------------------------

CONTRACT_COLUMNS = ["Contract ID", "Contract", "Counterparty", "Owner", "Department", "Value"]
CONTRACT_COLUMNS += ["Contract Status"]
TYPES = ["renewal", "notice", "expiration", "review", "QBR", "payment", "report", "approval"]
STATES = ["Active"] * 8 + ["Terminated", "Draft"]


def generated(milestones: int = 10_000, seed: int = 15) -> dict[str, Grid]:
    """A large tracker: 300 contracts, ``milestones`` rows of every status, some broken."""
    rng = random.Random(seed)
    people = [f"owner{n}@example.com" for n in range(14)]
    departments = ["Legal", "Finance", "IT", "Sales", "Procurement", ""]
    contracts: Grid = [CONTRACT_COLUMNS]
    for n in range(1, 301):
        value: object = rng.choice([rng.randint(1, 900) * 1000, "", f"${rng.randint(1, 99)},500"])
        party = f"Party {rng.randint(1, 60)}"
        owner, department = rng.choice(people), rng.choice(departments)
        contracts.append(
            [f"C-{n:04d}", f"Contract {n}", party, owner, department, value, rng.choice(STATES)]
        )
    rows: Grid = [MILESTONE_HEADER]
    for n in range(1, milestones + 1):
        contract = f"C-{rng.randint(1, 300):04d}" if rng.random() > 0.01 else "C-9999"
        due: object = ANCHOR + dt.timedelta(days=rng.randint(-80, 420))
        due = "31/02/2027" if rng.random() < 0.01 else due
        owner = "; ".join(rng.sample(people, rng.choice([1, 1, 2]))) if rng.random() < 0.5 else None
        done = "yes" if rng.random() < 0.06 else None
        kind = rng.choice(TYPES)
        rows.append(
            milestone(f"M-{n:05d}", contract, f"Task {n}", kind, due, owner=owner, done=done)
        )
    settings = [["Setting", "Value"], ["Allowed domains", "example.com"], ["Digest", "yes"]]
    return {
        "Contracts": contracts,
        "Milestones": rows,
        "Settings": settings,
        "Log": [list(LOG_COLUMNS)],
    }


# -- the tests ------------------------------------------------------------------------------


def test_sample_dashboard_equals_counts_from_the_tabs(kind, tmp_path, emulator):
    """On the sample tracker, every Dashboard figure equals the counts taken from the tabs."""
    store = Store(kind, sample_tracker(ANCHOR), tmp_path, emulator)
    store.run()
    want = assert_matches(store, ANCHOR)
    assert sum(want["status"].values()) > 100 and want["overdue"] and want["terms"][0]
    assert len(store.charts()) == 1


def test_generated_dashboard_of_10000_milestones_equals_counts(kind, tmp_path, emulator):
    """On a generated tracker of 10,000 milestones the figures equal the tabs' counts too."""
    store = Store(kind, generated(), tmp_path, emulator)
    store.run()
    want = assert_matches(store, ANCHOR)
    assert len(want["overdue"]) > 50  # the list is cut, the rest counted
    assert len(want["reviews"]) > 10 and len(want["troubled"]) > 5
    assert all(sum(month) > 0 for month in want["months"])


def test_second_run_rewrites_without_growing(kind, tmp_path, emulator):
    """A rerun leaves the Dashboard as it was; when lists shrink, no old row is left below."""
    store = Store(kind, sample_tracker(ANCHOR), tmp_path, emulator)
    store.run()
    first = store.tab("Dashboard")
    store.run()
    assert store.tab("Dashboard") == first
    milestones = store.tab("Milestones")
    done = milestones[0].index("Done")
    status = milestones[0].index("Status")
    late = [n for n, row in enumerate(milestones[1:], start=2) if row[status] == "Overdue"]
    for number in late:
        store.type("Milestones", f"{chr(ord('A') + done)}{number}", "yes")
    store.run()
    after = store.tab("Dashboard")
    parts = sections(first)
    lists = ("Overdue milestones, most overdue first", "Reviews overdue, by counterparty")
    emptied = [parts[title] for title in lists if parts[title]]
    # each emptied list's rows gone, a "None" row in their place
    assert len(after) == len(first) - sum(map(len, emptied)) + len(emptied)
    assert shown(store)["overdue"] == []
    assert_matches(store, ANCHOR)


def test_chart_exists_once_after_ten_runs(kind, tmp_path, emulator):
    """Ten daily runs leave one chart on the Dashboard, the one the first run made."""
    store = Store(kind, sample_tracker(ANCHOR), tmp_path, emulator)
    store.run()
    first = store.charts()
    for day in range(1, 10):
        store.run(ANCHOR + dt.timedelta(days=day))
    charts = store.charts()
    assert len(charts) == 1
    if kind == "google":
        assert charts[0]["chartId"] == first[0]["chartId"]
        assert charts[0]["spec"]["basicChart"]["stackedType"] == "STACKED"
    assert str(store.tab("Dashboard")[1][2]) == (ANCHOR + dt.timedelta(days=9)).isoformat()


def test_persons_edit_in_dashboard_is_overwritten_and_nothing_else(kind, tmp_path, emulator):
    """A person's typing in the Dashboard is gone after the next run; other tabs keep theirs."""
    store = Store(kind, sample_tracker(ANCHOR), tmp_path, emulator)
    store.run()
    board = store.tab("Dashboard")
    store.type("Dashboard", "B6", 999)
    store.type("Dashboard", "D140", "my own note")
    store.type("Milestones", "L2", "a person's note")
    others = {name: store.tab(name) for name in ("Contracts", "Settings")}
    store.run()
    assert store.tab("Dashboard") == board
    assert store.tab("Milestones")[1][11] == "a person's note"
    assert {name: store.tab(name) for name in ("Contracts", "Settings")} == others


def test_a_persons_own_tab_called_dashboard_is_left_alone(kind, tmp_path, emulator):
    """A tracker that already has a person's own "Dashboard" tab keeps it cell for cell (the
    program writes its figures only into an empty tab or one with its note), and the run
    still writes the status columns."""
    grids = sample_tracker(ANCHOR)
    grids["Dashboard"] = [["Q4 pipeline (mine)", "Value"], ["Acme renewal", 120000]]
    store = Store(kind, grids, tmp_path, emulator)
    before = store.tab("Dashboard")
    store.run()
    assert store.tab("Dashboard") == before
    assert store.charts() == []
    status = store.tab("Milestones")[0].index("Status")
    assert any(row[status] for row in store.tab("Milestones")[1:] if len(row) > status)


def test_daily_run_makes_no_more_api_calls(tmp_path, emulator):
    """A daily run on Google makes 6 calls, as before the Dashboard: its cells ride along."""
    store = Store("google", sample_tracker(ANCHOR), tmp_path, emulator)
    store.run()
    before = Counter(emulator.calls)
    result = store.run(ANCHOR + dt.timedelta(days=1))
    calls = Counter(emulator.calls)
    calls.subtract(before)
    assert result.api_calls == 6 == sum(calls.values())
    assert calls["spreadsheets.batchUpdate"] == 2  # the run's lease: taken, released
    assert calls["values.batchUpdate"] == 1
    assert str(store.tab("Dashboard")[1][2]) == (ANCHOR + dt.timedelta(days=1)).isoformat()


def test_chart_a_person_deleted_copied_or_changed_is_mended(tmp_path, emulator):
    """A deleted chart comes back once; a second chart goes; a changed one is set back."""
    store = Store("google", sample_tracker(ANCHOR), tmp_path, emulator)
    store.run()
    api = google_backend(emulator, store.sheet).api
    (chart,) = store.charts()
    api.batch_update([{"deleteEmbeddedObject": {"objectId": chart["chartId"]}}])
    store.run()
    (again,) = store.charts()
    position = again["position"]
    copy = {"spec": again["spec"], "position": position}
    api.batch_update([{"addChart": {"chart": copy}}])
    changed = {**again["spec"], "basicChart": {**again["spec"]["basicChart"], "chartType": "LINE"}}
    api.batch_update([{"updateChartSpec": {"chartId": again["chartId"], "spec": changed}}])
    store.run()
    (kept,) = store.charts()
    assert kept["chartId"] == again["chartId"]
    assert kept["spec"]["basicChart"]["chartType"] == "COLUMN"


def test_init_makes_the_dashboard(tmp_path, emulator, monkeypatch):
    """``init`` makes the Dashboard tab with its note and chart, in a workbook and a Sheet."""
    from sheetsync.init import init_tracker
    from sheetsync.init.google import create_google_tracker

    init_tracker(str(tmp_path / "new.xlsx"), sample=False, today=ANCHOR)
    book = openpyxl.load_workbook(tmp_path / "new.xlsx")
    assert book.sheetnames[-1] == "Dashboard" and len(book["Dashboard"]._charts) == 1
    assert "every run" in book["Dashboard"]["A1"].value
    monkeypatch.setenv("SHEETS_EMULATOR_HOST", emulator.host)
    line = create_google_tracker("Acme", today=ANCHOR)
    sheet_id = line.rsplit("(ID ", 1)[1].split(")")[0]
    assert len(emulator.charts(sheet_id, "Dashboard")) == 1
    assert "every run" in emulator.values(sheet_id, "Dashboard")[0][0]
