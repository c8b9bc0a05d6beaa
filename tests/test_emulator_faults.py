"""The Sheets API emulator's quotas, injected faults, call counts, a person's edits between
calls, a 50,000-row tab and its command line, over HTTP with the real gspread client.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import gspread
import pytest
import requests

from emulator_fixtures import values_url
from sheetsync.testing.emulator import Fault, Quota, SheetsEmulator

pytest_plugins = ["emulator_fixtures"]  # emu, book, gc, http

# -- quotas, faults and counts ------------------------------------------------------------


def test_61st_read_in_a_minute_is_429_with_retry_after(http: Any, book: str) -> None:
    """Past 60 reads a minute, Google's quota answers 429 RESOURCE_EXHAUSTED + Retry-After."""
    statuses = [http("GET", values_url(book, "A1")).status_code for _ in range(60)]
    refused = http("GET", values_url(book, "A1"))
    assert set(statuses) == {200}
    assert refused.status_code == 429
    assert refused.json()["error"]["status"] == "RESOURCE_EXHAUSTED"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60


def test_quota_is_per_user(emu: SheetsEmulator, http: Any, book: str) -> None:
    """Each Authorization header has its own quota."""
    emu.set_quota(reads=1)
    assert http("GET", values_url(book, "A1"), headers={"Authorization": "Bearer a"}).ok
    assert http("GET", values_url(book, "A1"), headers={"Authorization": "Bearer b"}).ok
    refused = http("GET", values_url(book, "A1"), headers={"Authorization": "Bearer a"})
    assert refused.status_code == 429


def test_writes_have_their_own_quota(emu: SheetsEmulator, http: Any, book: str) -> None:
    """Read quota used up, a write still goes through."""
    emu.set_quota(reads=2, writes=60)
    for _ in range(3):
        http("GET", values_url(book, "A1"))
    answer = http("POST", values_url(book, "Milestones!A9") + ":clear")
    assert answer.status_code == 200


def test_quota_window_slides(emu: SheetsEmulator, http: Any, book: str) -> None:
    """Once the window has passed, calls are accepted again."""
    now = [0.0]
    emu.quota = Quota(reads=1, writes=1, window=60.0, clock=lambda: now[0])
    assert http("GET", values_url(book, "A1")).status_code == 200
    assert http("GET", values_url(book, "A1")).status_code == 429
    now[0] = 61.0
    assert http("GET", values_url(book, "A1")).status_code == 200


def test_disabled_quotas_never_answer_429(emu: SheetsEmulator, http: Any, book: str) -> None:
    """With quotas disabled, the 61st read is served."""
    emu.disable_quotas()
    statuses = {http("GET", values_url(book, "A1")).status_code for _ in range(61)}
    assert statuses == {200}


def test_fault_schedule_answers_on_the_given_calls(
    emu: SheetsEmulator, http: Any, book: str
) -> None:
    """An explicit schedule makes the 3rd call answer 500 and the 5th 503, and counts them."""
    emu.fail_calls({3: 500, 5: 503})
    statuses = [http("GET", values_url(book, "A1")).status_code for _ in range(6)]
    assert statuses == [200, 200, 500, 200, 503, 200]
    assert emu.faults_injected == {"500": 1, "503": 1}


def test_fault_schedule_by_kind(emu: SheetsEmulator, book: str, gc: Any) -> None:
    """A schedule for one kind faults only that kind: the first values.batchUpdate gets 429."""
    ws = gc.open_by_key(book).worksheet("Milestones")
    emu.fail_calls({1: 429}, kind="values.batchUpdate")
    ws.get("A1")
    with pytest.raises(gspread.exceptions.APIError) as caught:
        ws.batch_update([{"range": "E1", "values": [["Status"]]}])
    assert caught.value.code == 429
    assert caught.value.response.headers["Retry-After"] == "1"
    ws.batch_update([{"range": "E1", "values": [["Status"]]}])


def test_random_faults_are_seeded(book: str) -> None:
    """The same seed and rate fault the same calls in two emulators."""

    def statuses() -> list[int]:
        with SheetsEmulator() as emulator, requests.Session() as session:
            spreadsheet = emulator.create_spreadsheet("R")
            emulator.fail_randomly(0.3, seed=7)
            url = emulator.base_url + values_url(spreadsheet, "A1")
            return [session.get(url, timeout=10).status_code for _ in range(30)]

    first = statuses()
    assert first == statuses()
    assert {429, 500, 503} & set(first)


def test_slow_fault_delays_the_answer(emu: SheetsEmulator, http: Any, book: str) -> None:
    """A slow fault holds the answer back: a client that waits less gives up; the next is served."""
    emu.fail_calls({1: Fault(delay=1.0)})
    with pytest.raises(requests.ReadTimeout):
        http("GET", values_url(book, "A1"), timeout=(10, 0.2))
    assert http("GET", values_url(book, "A1")).status_code == 200
    assert emu.faults_injected == {"slow": 1}
    assert emu.calls["values.get"] == 2


def test_lost_answer_after_the_write_was_applied(emu: SheetsEmulator, http: Any, book: str) -> None:
    """An applied-then-lost fault answers 500 yet the row is there; a naive retry adds it twice."""
    emu.lose_answers([1], kind="values.append")
    url = values_url(book, "Milestones!A1") + ":append"
    body = {"values": [["M-0009", "C-001", "Added"]]}
    assert http("POST", url, params={"valueInputOption": "RAW"}, json=body).status_code == 500
    assert emu.values(book, "Milestones")[-1] == ["M-0009", "C-001", "Added"]
    assert http("POST", url, params={"valueInputOption": "RAW"}, json=body).status_code == 200
    assert [row[0] for row in emu.values(book, "Milestones")].count("M-0009") == 2
    assert emu.faults_injected == {"applied-500": 1}


def test_lost_answer_can_drop_the_connection(emu: SheetsEmulator, http: Any, book: str) -> None:
    """With drop, the write is applied and the client sees the connection closed, no answer."""
    emu.lose_answers([1], kind="values.update", drop=True)
    with pytest.raises(requests.ConnectionError):
        http(
            "PUT",
            values_url(book, "Milestones!E1"),
            params={"valueInputOption": "RAW"},
            json={"values": [["Status"]]},
        )
    assert emu.values(book, "Milestones")[0][4] == "Status"
    assert emu.faults_injected == {"applied-drop": 1}


def test_random_lost_answers_hit_only_the_given_kinds(
    emu: SheetsEmulator, http: Any, book: str
) -> None:
    """lose_answers_randomly on writes never touches a read; every write loses its answer."""
    emu.lose_answers_randomly(1.0, kinds=["values.batchClear"], seed=1)
    assert {http("GET", values_url(book, "A1")).status_code for _ in range(5)} == {200}
    path = f"/v4/spreadsheets/{book}/values:batchClear"
    outcomes = []
    for _ in range(6):
        try:
            outcomes.append(http("POST", path, json={"ranges": ["Contracts!A3:E3"]}).status_code)
        except requests.ConnectionError:
            outcomes.append("dropped")
    assert set(outcomes) == {500, "dropped"}
    assert len(emu.values(book, "Contracts")) == 2  # the clear was carried out
    assert emu.faults_injected == {
        "applied-500": outcomes.count(500),
        "applied-drop": outcomes.count("dropped"),
    }


def test_calls_and_bytes_are_counted_and_reset(emu: SheetsEmulator, book: str, gc: Any) -> None:
    """Each call is counted by kind with its bytes; reset_counts starts over."""
    ws = gc.open_by_key(book).worksheet("Milestones")
    emu.reset_counts()
    ws.update([["x"]], "E1")
    ws.get("A1")
    assert emu.calls == {"values.update": 1, "values.get": 1}
    assert emu.bytes_received > 0 and emu.bytes_sent > emu.bytes_received
    emu.reset_counts()
    assert (sum(emu.calls.values()), emu.bytes_received, emu.bytes_sent) == (0, 0, 0)


# -- a person editing between calls -------------------------------------------------------


def test_edit_before_the_nth_call_of_a_kind(emu: SheetsEmulator, book: str, gc: Any) -> None:
    """A row inserted just before the first values.batchUpdate shifts what it overwrites."""
    ws = gc.open_by_key(book).worksheet("Milestones")
    ids = ws.col_values(1)
    emu.on_call(
        "values.batchUpdate",
        1,
        lambda: emu.edit(book, "Milestones").insert_rows(2, [["M-0099", "C-001", "New"]]),
    )
    ws.batch_update([{"range": f"E{ids.index('M-0003') + 1}", "values": [["Done"]]}])
    rows = emu.values(book, "Milestones")
    assert rows[1][0] == "M-0099" and rows[1][4:] == ["Done"]
    assert rows[2][0] == "M-0003" and len(rows[2]) == 4


def test_edit_sort_keeps_the_header(emu: SheetsEmulator, book: str) -> None:
    """Sorting by a header name reorders the rows below the header only."""
    emu.edit(book, "Milestones").sort("Milestone ID")
    assert [row[0] for row in emu.values(book, "Milestones")] == [
        "Milestone ID",
        "M-0001",
        "M-0002",
        "M-0003",
    ]


def test_edit_sort_descending_by_date_column(emu: SheetsEmulator, book: str) -> None:
    """Sorting by a column letter, descending, orders dates latest first."""
    emu.edit(book, "Milestones").sort("D", descending=True)
    assert [row[0] for row in emu.values(book, "Milestones")[1:]] == ["M-0002", "M-0003", "M-0001"]


def test_edit_delete_rows(emu: SheetsEmulator, book: str) -> None:
    """Deleting a row moves the rows below up and shrinks the grid."""
    emu.edit(book, "Milestones").delete_rows(2)
    assert [row[0] for row in emu.values(book, "Milestones")] == [
        "Milestone ID",
        "M-0001",
        "M-0002",
    ]
    assert emu.sheet_properties(book, "Milestones")["gridProperties"]["rowCount"] == 999


def test_edit_type_parses_like_a_person_typing(emu: SheetsEmulator, book: str) -> None:
    """Typing "TRUE" in a cell stores a boolean, and "31/12/2027" stays text in en_US."""
    editor = emu.edit(book, "Milestones")
    editor.type("E2", "TRUE")
    editor.type("F2", "31/12/2027")
    assert emu.values(book, "Milestones")[1][4:] == [True, "31/12/2027"]


def test_before_request_hook_sees_every_call(emu: SheetsEmulator, book: str, gc: Any) -> None:
    """before_request hooks run once per call, with its kind."""
    ws = gc.open_by_key(book).worksheet("Contracts")
    seen: list[str] = []
    emu.before_request(seen.append)
    ws.get_all_values()
    ws.update([["x"]], "F1")
    assert seen == ["values.get", "values.update"]


# -- scale and the command line -----------------------------------------------------------


def test_50000_row_tab_is_read_in_one_batch_get(emu: SheetsEmulator, gc: Any) -> None:
    """A 50,000-row tab is seeded fast and read back in a single values.batchGet."""
    rows = [["Milestone ID", "Contract ID", "Due Date", "Done"]]
    rows += [
        [f"M-{i:05d}", f"C-{i % 700:03d}", dt.date(2027, 1, 1), i % 2 == 0] for i in range(50000)
    ]
    book = emu.create_spreadsheet("Big", tabs={"Milestones": rows})
    answer = gc.open_by_key(book).values_batch_get(
        ["Milestones"], params={"valueRenderOption": "UNFORMATTED_VALUE"}
    )
    values = answer["valueRanges"][0]["values"]
    assert len(values) == 50001
    assert values[-1] == ["M-49999", "C-299", 46388, False]
    assert emu.calls["values.batchGet"] == 1


@contextmanager
def served(*flags: str) -> Iterator[str]:
    """``python -m sheetsync.testing.emulator --port 0 FLAGS`` running: the line it prints."""
    process = subprocess.Popen(
        [sys.executable, "-m", "sheetsync.testing.emulator", "--port", "0", *flags],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        yield process.stdout.readline().strip()
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


def test_module_entry_point_serves_until_terminated() -> None:
    """``python -m sheetsync.testing.emulator --port 0`` prints its host and answers."""
    with served() as line:
        assert line.startswith("SHEETS_EMULATOR_HOST=127.0.0.1:")
        host = line.split("=", 1)[1]
        answer = requests.get(f"http://{host}/v4/spreadsheets/nope", timeout=10)
        assert answer.status_code == 404


def test_module_entry_point_can_lose_answers() -> None:
    """``--lose-answers 1``: every write is carried out, then its answer is a 500 or lost."""
    with served("--lose-answers", "1") as line, requests.Session() as session:
        base = "http://" + line.split("=", 1)[1]
        book = session.post(f"{base}/v4/spreadsheets", json={}, timeout=10).json()
        url = f"{base}{values_url(book['spreadsheetId'], 'Sheet1!A1')}"
        try:
            status = session.put(
                url, params={"valueInputOption": "RAW"}, json={"values": [["x"]]}, timeout=10
            ).status_code
        except requests.ConnectionError:
            status = 0  # the connection was dropped
        assert status in (0, 500)
        assert session.get(url, timeout=10).json()["values"] == [["x"]]


def test_module_entry_point_refuses_a_rate_past_one() -> None:
    """``--lose-answers 2`` exits 2 with one line."""
    done = subprocess.run(
        [sys.executable, "-m", "sheetsync.testing.emulator", "--lose-answers", "2"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1].endswith("--lose-answers must be between 0 and 1")
