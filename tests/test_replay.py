"""The emulator answers recorded Google traffic the way Google did."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sheetsync.testing.replay import IdMap, Report, compare, main, replay

CASSETTES = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures" / "gspread-cassettes"


@pytest.fixture(scope="module")
def report() -> Report:
    """One replay of every recorded cassette."""
    paths = sorted(CASSETTES.glob("*.json"))
    if not paths:
        pytest.fail(f"no cassettes found in {CASSETTES}")
    return replay(paths)


def test_every_in_scope_interaction_agrees(report: Report) -> None:
    """Each interaction the emulator claims to support is answered like Google answered."""
    assert [f"{o.where}: {o.problems}" for o in report.in_scope_disagreements] == []


def test_in_scope_is_a_large_majority(report: Report) -> None:
    """At least 70 interactions, and most of all recorded ones, are in scope."""
    in_scope = sum(o.in_scope for o in report.outcomes)
    assert in_scope >= 70
    assert in_scope >= 0.7 * len(report.outcomes)


def test_out_of_scope_interactions_are_reported_not_hidden(report: Report) -> None:
    """Interactions outside the emulator's scope still count in the total."""
    assert len(report.outcomes) == sum(
        len(json.loads(path.read_text())["interactions"]) for path in CASSETTES.glob("*.json")
    )
    assert report.agree_line.startswith("agree: ")


def test_compare_ignores_random_ids_but_not_values() -> None:
    """Ids differ freely; a value that differs is reported with its path."""
    recorded = {"spreadsheetId": "abc", "values": [["1", "2"]]}
    assert compare(recorded, {"spreadsheetId": "xyz", "values": [["1", "2"]]}) == []
    assert compare(recorded, {"spreadsheetId": "xyz", "values": [["1", "3"]]}) == [
        '$.values[0][1]: "2" != "3"'
    ]


def test_compare_reports_missing_and_extra_keys() -> None:
    """A key Google sent and the emulator did not (or the reverse) is a disagreement."""
    problems = compare({"range": "A1", "values": []}, {"range": "A1", "majorDimension": "ROWS"})
    assert problems == ["$: missing keys ['values']", "$: extra keys ['majorDimension']"]


def test_id_map_rewrites_request_ids_learned_from_answers() -> None:
    """Ids learned from a pair of answers are substituted in later requests."""
    ids = IdMap()
    ids.learn({"spreadsheetId": "rec", "sheetId": 5}, {"spreadsheetId": "emu", "sheetId": 9})
    assert ids.text("/v4/spreadsheets/rec:batchUpdate") == "/v4/spreadsheets/emu:batchUpdate"
    assert ids.body({"deleteSheet": {"sheetId": 5}}) == {"deleteSheet": {"sheetId": 9}}


def test_command_line_prints_agree_line_and_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    """``python -m sheetsync.testing.replay`` ends with the agree line and exits 0."""
    status = main([str(CASSETTES / "WorksheetTest.test_append_row.json")])
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert (status, last) == (0, "agree: 15/15 (in scope: 15/15)")


def test_command_line_exits_one_on_a_disagreement(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A recording the emulator cannot match prints one line for it and exits 1."""
    data = json.loads((CASSETTES / "WorksheetTest.test_append_row.json").read_text())
    answer = data["interactions"][6]["response"]["body"]
    answer["string"] = answer["string"].replace("test_append_row 10", "tampered")
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(data))
    status = main([str(tampered)])
    lines = capsys.readouterr().out.strip().splitlines()
    assert status == 1
    assert lines[0].startswith("tampered.json#6 GET ")
    assert lines[-1] == "agree: 14/15 (in scope: 14/15)"
