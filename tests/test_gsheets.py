"""The Google backend against the Sheets API emulator, over HTTP with the real gspread client."""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest
from click.testing import CliRunner

from conftest import TODAY, days, tracker_grids
from gsheets_fixtures import (
    Sleeps,
    backend,
    big_grids,
    emails,
    message_ids,
    quick_retry,
    rows_by_id,
    run_job,
    running_emulator,
    seed,
    typed,
    without_message_ids,
)
from sheetsync.backends.gsheets import GoogleSheetsBackend
from sheetsync.backends.gsheets.retry import RetryingHTTPClient
from sheetsync.cli import main
from sheetsync.errors import BackendError, QuotaExhausted, TrackerError, TrackerNotFound
from sheetsync.model import RowWrite, TabWrite, WriteReport
from sheetsync.record.prune import LogPrune
from sheetsync.schema import LOG_COLUMNS, MILESTONE_SYSTEM
from sheetsync.testing.emulator import gspread_client

SERIAL_DAY_0 = TODAY.toordinal() - 693594  # TODAY as a spreadsheet serial number
LOG_ROW = ["t", "reminder", "k1", "C-001", "M-0001", "a@x.com", "S", "<m>", "sent"]


@pytest.fixture
def emulator():
    """A fresh Sheets API emulator on loopback."""
    yield from running_emulator()


# -- read -------------------------------------------------------------------------------


def test_read_gives_dates_as_serial_numbers(emulator):
    """A real date cell arrives as its serial number, never as locale-formatted text."""
    snapshot = backend(emulator, seed(emulator, locale="en_GB")).read()
    assert snapshot.tabs["Milestones"][1][4] == SERIAL_DAY_0 + 30
    assert snapshot.tabs["Milestones"][1][0] == "M-0001"


def test_read_takes_properties_from_the_spreadsheet(emulator):
    """Locale, time zone, URL and gids come from the spreadsheet's properties."""
    sheet_id = seed(emulator, locale="en_GB", time_zone="Europe/London")
    snapshot = backend(emulator, sheet_id).read()
    assert (snapshot.locale, snapshot.time_zone) == ("en_GB", "Europe/London")
    assert snapshot.url == f"https://docs.google.com/spreadsheets/d/{sheet_id}/edit"
    assert set(snapshot.sheet_ids) == {"Contracts", "Milestones", "Settings", "Log"}


def test_read_costs_two_calls(emulator):
    """One spreadsheet GET and one values:batchGet, whatever the number of tabs."""
    backend(emulator, seed(emulator)).read()
    assert dict(emulator.calls) == {"spreadsheets.get": 1, "values.batchGet": 1}


def test_unknown_spreadsheet_is_tracker_not_found(emulator):
    """A wrong ID says the spreadsheet does not exist or is not shared."""
    with pytest.raises(TrackerNotFound, match="does not exist or is not shared with"):
        backend(emulator, "1NoSuchSpreadsheet0000000000").read()


def test_unshared_spreadsheet_is_tracker_not_found(emulator):
    """A 403 names the account the sheet must be shared with."""
    session = gspread_client(emulator.host).http_client.session
    http = RetryingHTTPClient(None, session, quick_retry(), "bot@proj.iam.gserviceaccount.com")
    gs = GoogleSheetsBackend(http, seed(emulator, private=True))
    with pytest.raises(TrackerNotFound, match=r"bot@proj\.iam\.gserviceaccount\.com"):
        gs.read()


# -- the whole job ------------------------------------------------------------------------


def test_run_writes_statuses_by_id_and_leaves_typed_cells(emulator, tmp_path):
    """Statuses land on each milestone's row; every cell a person typed is unchanged."""
    grids = tracker_grids()
    sheet_id = seed(emulator, grids)
    before = rows_by_id(emulator.values(sheet_id, "Milestones"))
    run_job(backend(emulator, sheet_id), tmp_path)
    after = rows_by_id(emulator.values(sheet_id, "Milestones"))
    statuses = {key: row["Status"] for key, row in after.items()}
    assert statuses == {
        "M-0001": "Due soon",
        "M-0002": "Overdue",
        "M-0003": "Upcoming",
        "M-0004": "Done",
        "M-0005": "Cancelled",
    }
    assert {key: typed(row) for key, row in after.items()} == before


def test_run_appends_log_rows_and_a_rerun_sends_nothing(emulator, tmp_path):
    """The Log gains one row per key sent; a second run the same day sends and logs nothing."""
    sheet_id = seed(emulator)
    first = run_job(backend(emulator, sheet_id), tmp_path)
    log = emulator.values(sheet_id, "Log")
    assert log[0] == list(LOG_COLUMNS)
    assert len(log) - 1 == sum(first.items.values()) + first.sent["summary"] > 0
    again = run_job(backend(emulator, sheet_id), tmp_path)
    assert again.emails == 0
    assert emulator.values(sheet_id, "Log") == log


@pytest.mark.slow
def test_call_count_does_not_grow_with_rows(emulator, tmp_path):
    """Runs on 10, 1,000 and 50,000 milestones make the same number of calls, at most 8.

    Two of them are the run's lease (take and release: two spreadsheets:batchUpdate).

    The daily run is counted (the first run fills every status cell: on 50,000 rows that
    write is about 2.5 MB, past the 2 MB split, so the first run makes one call more; it
    also adds the Dashboard tab these trackers lack, one spreadsheets:batchUpdate).
    """
    first, daily = {}, {}
    for size in (10, 1_000, 50_000):
        sheet_id = seed(emulator, big_grids(size))
        result = run_job(backend(emulator, sheet_id), tmp_path / f"{size}-first")
        first[size] = dict(emulator.calls)
        assert result.api_calls == sum(emulator.calls.values())
        emulator.reset_counts()
        result = run_job(backend(emulator, sheet_id), tmp_path / str(size), days(6))
        assert result.emails > 0  # the day's escalation: a Log append is part of the count
        daily[size] = dict(emulator.calls)
        assert result.api_calls == sum(emulator.calls.values())
        emulator.reset_counts()
    assert daily[10] == daily[1_000] == daily[50_000]
    assert sum(daily[10].values()) <= 8
    assert first[10] == first[1_000] and sum(first[50_000].values()) <= 9
    assert first[50_000]["values.batchUpdate"] == first[10]["values.batchUpdate"] + 1


def test_person_editing_between_read_and_write(emulator, tmp_path):
    """Insert above, sort and delete just before the write: each status lands on its own row."""
    grids = tracker_grids()
    sheet_id, reference = seed(emulator, grids), seed(emulator, grids)
    run_job(backend(emulator, reference), tmp_path / "reference")
    edit = emulator.edit(sheet_id, "Milestones")

    def person_edits() -> None:
        edit.insert_rows(2, [["M-0100", "C-001", "Typed by a person", "payment", days(3)]])
        edit.sort("Due Date", descending=True)
        rows = [r[0] for r in emulator.values(sheet_id, "Milestones")]
        edit.delete_rows(rows.index("M-0003") + 1)

    emulator.reset_counts()
    emulator.on_call("values.batchGet", 2, person_edits)  # the write's re-read
    run_job(backend(emulator, sheet_id), tmp_path / "edited")
    expected = rows_by_id(emulator.values(reference, "Milestones"))
    got = rows_by_id(emulator.values(sheet_id, "Milestones"))
    assert set(got) == {"M-0001", "M-0002", "M-0004", "M-0005", "M-0100"}
    for key in ("M-0001", "M-0002", "M-0004", "M-0005"):
        assert got[key] == expected[key]
    assert got["M-0100"]["Status"] == ""  # a row the run never read gets nothing


def test_faults_do_not_change_the_outcome(emulator, tmp_path):
    """With 20% of calls answered 429 or 500, the sheet and emails match a run without faults."""
    clean = seed(emulator)
    run_job(backend(emulator, clean), tmp_path / "clean")
    retries = 0
    for fault_seed in range(8):  # eight different fault patterns, all seeded
        faulty = seed(emulator)
        emulator.reset_counts()
        emulator.fail_randomly(0.2, statuses=(429, 500), seed=fault_seed)
        gs = backend(emulator, faulty)
        run_job(gs, tmp_path / str(fault_seed))
        retries += gs.retries
        for tab in ("Contracts", "Milestones", "Settings"):
            assert emulator.values(faulty, tab) == emulator.values(clean, tab)
        log = emulator.values(faulty, "Log")
        assert without_message_ids(log) == without_message_ids(emulator.values(clean, "Log"))
        assert emails(tmp_path / str(fault_seed)) == emails(tmp_path / "clean")
    assert retries >= 8


# -- retries ------------------------------------------------------------------------------


def test_retry_gives_up_after_the_budget(emulator):
    """When every call fails, the run stops within the budget with a one-line error."""
    emulator.fail_randomly(1.0, statuses=(503,))
    sleeps = Sleeps()
    gs = backend(emulator, seed(emulator), retry=quick_retry(sleeps, budget=30))
    with pytest.raises(QuotaExhausted, match="kept answering 503 server errors") as caught:
        gs.read()
    assert "\n" not in str(caught.value)
    assert len(sleeps) > 3 and sum(sleeps) <= 30
    assert gs.api_calls == 1 and gs.retries == len(sleeps)


def test_retry_honours_retry_after(emulator):
    """A 429 with Retry-After: 1 waits at least one second before the retry."""
    emulator.fail_calls({1: 429})
    sleeps = Sleeps()
    gs = backend(emulator, seed(emulator), retry=quick_retry(sleeps))
    gs.read()
    assert sleeps == [1.0]
    assert (gs.api_calls, gs.retries) == (2, 1)


def test_quota_429_is_waited_out(emulator):
    """Past the per-minute quota the backend waits as long as the API asks, then goes on."""
    sheet_id = seed(emulator)
    emulator.set_quota(reads=1, writes=60, window=0.2)
    sleeps = Sleeps()

    def wait(seconds: float) -> None:  # record the wait, but let the 0.2 s window pass
        sleeps(seconds)
        time.sleep(0.25)

    gs = backend(emulator, sheet_id, retry=quick_retry(wait))  # type: ignore[arg-type]
    gs.read()
    assert gs.retries >= 1 and min(sleeps) >= 1.0


def test_unreachable_api_is_a_backend_error(emulator):
    """No answer at all ends in BackendError, not a hang."""
    sheet_id = seed(emulator)
    gs = backend(emulator, sheet_id, retry=quick_retry(budget=5))
    emulator.stop()
    with pytest.raises(BackendError, match="could not reach the Google Sheets API"):
        gs.read()


# -- writing ------------------------------------------------------------------------------


def _write(
    gs: GoogleSheetsBackend, rows: list[RowWrite], tab: str = "Milestones", prune=None
) -> WriteReport:
    gs.read()
    return gs.write_status([TabWrite(tab, "Milestone ID", MILESTONE_SYSTEM, rows)], prune)


def _old_log(grids: dict) -> dict:
    """Five Log rows sent in January 2020, about milestones M-1 … M-5 due 2027-01-01."""
    grids["Log"] += [
        [f"2020-01-0{n}T00:00:00Z", "reminder", f"reminder:M-{n}:2027-01-01:30", "", f"k{n}"]
        for n in range(1, 6)
    ]
    return grids


def _keeping(*numbers: int) -> LogPrune:
    """Everything sent before 2020-01-06 may go except rows about M-n's current due date."""
    current = frozenset((f"M-{n}", "2027-01-01") for n in numbers)
    return LogPrune(dt.date(2020, 1, 6), "2020-01", current)


def test_formula_looking_text_stays_text(emulator):
    """Text starting with =, +, - or @ is written RAW and never becomes a formula."""
    sheet_id = seed(emulator)
    link = '=HYPERLINK("https://evil.example","click")'
    gs = backend(emulator, sheet_id)
    _write(gs, [RowWrite("M-0001", 2, {"Problems": link, "Status": "=2+2", "Escalation": "@x"})])
    gs.append_log(LOG_COLUMNS, [[*LOG_ROW[:6], "+1+1", *LOG_ROW[7:]]])
    row = rows_by_id(emulator.values(sheet_id, "Milestones", render="FORMULA"))["M-0001"]
    assert (row["Problems"], row["Status"], row["Escalation"]) == (link, "=2+2", "@x")
    assert emulator.values(sheet_id, "Log")[1][6] == "+1+1"


def test_dates_are_written_as_iso_text_and_none_clears(emulator):
    """A date goes out as YYYY-MM-DD text; None empties the cell."""
    sheet_id = seed(emulator)
    gs = backend(emulator, sheet_id)
    _write(gs, [RowWrite("M-0001", 2, {"Next Reminder": days(3), "Problems": "bad"})])
    _write(gs, [RowWrite("M-0001", 2, {"Problems": None})])
    row = rows_by_id(emulator.values(sheet_id, "Milestones"))["M-0001"]
    assert (row["Next Reminder"], row["Problems"]) == (days(3).isoformat(), "")


def test_rolled_forward_due_date_stays_a_real_date(emulator):
    """A person's date column written by the program gets a serial number, not text."""
    sheet_id = seed(emulator)
    gs = backend(emulator, sheet_id)
    _write(gs, [RowWrite("M-0001", 2, {"Due Date": days(60)}, expect={"Due Date": days(30)})])
    row = rows_by_id(emulator.values(sheet_id, "Milestones"))["M-0001"]
    assert row["Due Date"] == SERIAL_DAY_0 + 60


def test_append_rows_keeps_text_as_text_and_dates_as_dates(emulator):
    """Generated rows land below the last row; text stays text, dates become real dates."""
    sheet_id = seed(emulator)
    gs = backend(emulator, sheet_id)
    gs.read()
    emulator.reset_counts()
    row = {
        "Milestone ID": "1-2",
        "Contract ID": "C-001",
        "Milestone": '=HYPERLINK("x")',
        "Due Date": days(40),
        "Source": "auto",
    }
    gs.append_rows("Milestones", [row])
    # the Source header, then room for the row (insertDimension) and its cells (updateCells)
    assert dict(emulator.calls) == {"values.batchUpdate": 1, "spreadsheets.batchUpdate": 1}
    got = rows_by_id(emulator.values(sheet_id, "Milestones", render="FORMULA"))
    assert list(got)[-1] == "1-2"
    new = got["1-2"]
    assert (new["Milestone"], new["Due Date"], new["Source"]) == (
        row["Milestone"],
        SERIAL_DAY_0 + 40,
        "auto",
    )
    assert emulator.values(sheet_id, "Milestones", render="FORMATTED_VALUE")[-1][4] == "2027-01-07"


def test_one_range_per_column_run(emulator):
    """Writing one column on 1,000 rows sends one range, not one per cell."""
    sheet_id = seed(emulator, big_grids(1_000))
    gs = backend(emulator, sheet_id)
    gs.read()
    rows = [RowWrite(f"M-{n:06d}", n + 1, {"Status": "Upcoming"}) for n in range(6, 1_001)]
    emulator.reset_counts()
    before = emulator.bytes_received
    gs.write_status([TabWrite("Milestones", "Milestone ID", MILESTONE_SYSTEM, rows)])
    assert emulator.calls["values.batchUpdate"] == 1
    assert emulator.bytes_received - before < 30 * 1_000  # about 11 bytes a cell, plus one range


def test_large_writes_are_split_past_the_limit(emulator):
    """A write bigger than max_request_bytes goes out in several requests, all applied."""
    sheet_id = seed(emulator, big_grids(300))
    gs = backend(emulator, sheet_id, max_request_bytes=2_000)
    gs.read()
    rows = [RowWrite(f"M-{n:06d}", n + 1, {"Problems": f"problem {n}"}) for n in range(6, 301)]
    gs.write_status([TabWrite("Milestones", "Milestone ID", MILESTONE_SYSTEM, rows)])
    assert emulator.calls["values.batchUpdate"] > 1
    got = rows_by_id(emulator.values(sheet_id, "Milestones"))
    assert all(got[f"M-{n:06d}"]["Problems"] == f"problem {n}" for n in range(6, 301))


def test_unchanged_cells_are_not_sent(emulator):
    """A second identical write sends no values at all."""
    sheet_id = seed(emulator)
    gs = backend(emulator, sheet_id)
    _write(gs, [RowWrite("M-0001", 2, {"Status": "Due soon"})])
    emulator.reset_counts()
    _write(gs, [RowWrite("M-0001", 2, {"Status": "Due soon"})])
    assert "values.batchUpdate" not in emulator.calls


def test_new_columns_widen_a_narrow_grid_in_one_batch_update(emulator):
    """System headers past the grid's last column are added with one appendDimension."""
    sheet_id = seed(emulator)
    gspread_client(emulator.host).open_by_key(sheet_id).worksheet("Milestones").resize(cols=11)
    emulator.reset_counts()
    _write(backend(emulator, sheet_id), [RowWrite("M-0001", 2, {"Checked": "now"})])
    assert emulator.calls["spreadsheets.batchUpdate"] == 1
    assert emulator.sheet_properties(sheet_id, "Milestones")["gridProperties"][
        "columnCount"
    ] == 11 + len(MILESTONE_SYSTEM)
    header = emulator.values(sheet_id, "Milestones")[0]
    assert header[11:] == list(MILESTONE_SYSTEM)


def test_log_pruning_is_one_batch_update(emulator):
    """Old Log rows go in one spreadsheets:batchUpdate; the others stay in order."""
    sheet_id = seed(emulator, _old_log(tracker_grids()))
    _write(backend(emulator, sheet_id), [], prune=_keeping(3, 5))
    assert emulator.calls["spreadsheets.batchUpdate"] == 1
    assert [r[4] for r in emulator.values(sheet_id, "Log")[1:]] == ["k3", "k5"]


def test_log_appends_after_pruning_land_right_under_the_last_row(emulator):
    """An append after a prune goes straight below the remaining rows, with no gap."""
    sheet_id = seed(emulator, _old_log(tracker_grids()))
    gs = backend(emulator, sheet_id)
    _write(gs, [], prune=_keeping(4, 5))
    gs.append_log(LOG_COLUMNS, [LOG_ROW])
    assert [r[2] for r in emulator.values(sheet_id, "Log")[1:]] == [
        "reminder:M-4:2027-01-01:30",
        "reminder:M-5:2027-01-01:30",
        "k1",
    ]


def test_large_log_appends_are_split_in_order(emulator):
    """Log rows past max_request_bytes go in several appends, in their order."""
    sheet_id = seed(emulator)
    gs = backend(emulator, sheet_id, max_request_bytes=1_000)
    gs.read()
    rows = [[*LOG_ROW[:2], f"key-{n:03d}", *LOG_ROW[3:]] for n in range(40)]
    gs.append_log(LOG_COLUMNS, rows)
    assert emulator.calls["values.append"] > 1
    assert [r[2] for r in emulator.values(sheet_id, "Log")[1:]] == [r[2] for r in rows]


def test_missing_log_tab_is_created_with_its_header(emulator):
    """append_log adds the Log tab with its header and rows: one batchUpdate."""
    grids = tracker_grids()
    del grids["Log"]
    sheet_id = seed(emulator, grids)
    gs = backend(emulator, sheet_id)
    gs.read()
    emulator.reset_counts()
    gs.append_log(LOG_COLUMNS, [LOG_ROW])
    assert dict(emulator.calls) == {"spreadsheets.batchUpdate": 1}
    assert emulator.values(sheet_id, "Log") == [list(LOG_COLUMNS), LOG_ROW]


def test_missing_log_tab_with_many_rows_gets_them_all_in_order(emulator):
    """Past the body limit, the rows the new tab's batchUpdate cannot carry are appended."""
    grids = tracker_grids()
    del grids["Log"]
    sheet_id = seed(emulator, grids)
    gs = backend(emulator, sheet_id, max_request_bytes=1_000)
    gs.read()
    emulator.reset_counts()
    rows = [[*LOG_ROW[:2], f"key-{n:03d}", *LOG_ROW[3:]] for n in range(40)]
    gs.append_log(LOG_COLUMNS, rows)
    assert emulator.calls["spreadsheets.batchUpdate"] == 1 and emulator.calls["values.append"]
    log = emulator.values(sheet_id, "Log")
    assert log[0] == list(LOG_COLUMNS) and [r[2] for r in log[1:]] == [r[2] for r in rows]


# -- connecting ---------------------------------------------------------------------------


def test_cli_runs_against_the_emulator_host(emulator, tmp_path):
    """SHEETS_EMULATOR_HOST points `sheetsync run <URL>` at the emulator, no credentials."""
    sheet_id = seed(emulator)
    url = f"https://docs.google.com/spreadsheets/d/{sheet_id}/edit#gid=0"
    args = ["run", url, "--today", TODAY.isoformat(), "--outbox", str(tmp_path), "--json"]
    result = CliRunner().invoke(main, args, env={"SHEETS_EMULATOR_HOST": emulator.host})
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["statuses"]["Overdue"] == 1 and report["emails"] == len(message_ids(tmp_path))
    assert report["api_calls"] == sum(emulator.calls.values())
    assert rows_by_id(emulator.values(sheet_id, "Milestones"))["M-0002"]["Status"] == "Overdue"


def test_missing_credentials_say_how_to_set_them(monkeypatch, tmp_path):
    """Without the emulator or credentials, connect fails with one line naming the fix."""
    monkeypatch.delenv("SHEETS_EMULATOR_HOST", raising=False)
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "missing.json"))
    with pytest.raises(TrackerError, match="set GOOGLE_APPLICATION_CREDENTIALS"):
        GoogleSheetsBackend.connect("1AbCdEfGhIjKlMnOpQrStUvWxYz")


def test_refused_credentials_are_one_line(emulator, monkeypatch, tmp_path):
    """A key the token endpoint refuses ends in a TrackerError naming the account."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    info = {
        "type": "service_account",
        "project_id": "p",
        "private_key_id": "1",
        "private_key": pem.decode(),
        "client_email": "bot@p.iam.gserviceaccount.com",
        "client_id": "1",
        "token_uri": f"http://{emulator.host}/token",  # answers 501
    }
    (tmp_path / "key.json").write_text(json.dumps(info))
    monkeypatch.delenv("SHEETS_EMULATOR_HOST", raising=False)
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "key.json"))
    gs = GoogleSheetsBackend.connect("1AbCdEfGhIjKlMnOpQrStUvWxYz", retry=quick_retry(budget=5))
    with pytest.raises(TrackerError, match=r"refused the credentials \(bot@p\."):
        gs.read()
