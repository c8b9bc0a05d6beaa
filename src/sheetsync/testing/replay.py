"""Replay recorded Google traffic against the emulator and report where answers differ.

    python -m sheetsync.testing.replay tests/cassettes/*.json

Each cassette (vcrpy JSON) is replayed in order against a fresh emulator over HTTP. The ids
Google handed out (spreadsheets, sheets, protected and named ranges) are mapped to the
emulator's as answers arrive, so later requests can be rewritten to use them. Answers are
compared structurally: status code, JSON keys and values, with random ids, URLs and
timestamps compared by presence only. The last line is ``agree: X/Y (in scope: A/B)``.

An interaction is *in scope* when the emulator implements its kind (see
``sheetsync.testing.emulator.is_supported``) and its spreadsheet has not been changed
before by a request the emulator does not implement (after that, the two sides hold
different spreadsheets and comparing them says nothing about the emulator).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from sheetsync.testing.emulator import SheetsEmulator, is_supported

ID_KEYS = frozenset({"spreadsheetId", "id", "sheetId", "protectedRangeId", "namedRangeId"})
"""Keys whose values are random ids: mapped between recording and emulator, not compared."""

LOOSE_KEYS = ID_KEYS | {"spreadsheetUrl", "createdTime", "modifiedTime", "users", "nextPageToken"}
"""Keys compared by presence and type only (ids, URLs, timestamps, the account's e-mail)."""


@dataclass
class Outcome:
    """One replayed interaction: where it came from, whether it is in scope, what differed."""

    where: str
    request: str
    in_scope: bool
    problems: list[str]

    @property
    def agrees(self) -> bool:
        """True when the emulator answered like Google."""
        return not self.problems


@dataclass
class Report:
    """All outcomes of a replay."""

    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def agree_line(self) -> str:
        """``agree: X/Y (in scope: A/B)``."""
        scoped = [o for o in self.outcomes if o.in_scope]
        agree = sum(o.agrees for o in self.outcomes)
        scoped_agree = sum(o.agrees for o in scoped)
        return f"agree: {agree}/{len(self.outcomes)} (in scope: {scoped_agree}/{len(scoped)})"

    @property
    def in_scope_disagreements(self) -> list[Outcome]:
        """In-scope interactions the emulator answered differently."""
        return [o for o in self.outcomes if o.in_scope and not o.agrees]


class IdMap:
    """Recorded ids -> emulator ids, learned from paired answers."""

    def __init__(self) -> None:
        self.spreadsheets: dict[str, str] = {}
        self.numbers: dict[tuple[str, str], Any] = {}

    def learn(self, recorded: Any, actual: Any, key: str | None = None) -> None:
        """Walk two answers in parallel and remember the ids found at the same places."""
        if isinstance(recorded, dict) and isinstance(actual, dict):
            for name, value in recorded.items():
                if name in actual:
                    self.learn(value, actual[name], name)
        elif isinstance(recorded, list) and isinstance(actual, list):
            for left, right in zip(recorded, actual, strict=False):
                self.learn(left, right, key)
        elif key in ID_KEYS and recorded != actual and actual is not None:
            if key in ("spreadsheetId", "id") and isinstance(recorded, str):
                self.spreadsheets[recorded] = str(actual)
            else:
                self.numbers[(key, str(recorded))] = actual

    def text(self, value: str) -> str:
        """Replace recorded spreadsheet ids in a string."""
        for old, new in self.spreadsheets.items():
            value = value.replace(old, new)
        return value

    def body(self, value: Any, key: str | None = None) -> Any:
        """Rewrite a request body: numeric ids and spreadsheet ids to the emulator's."""
        if isinstance(value, dict):
            return {name: self.body(item, name) for name, item in value.items()}
        if isinstance(value, list):
            return [self.body(item, key) for item in value]
        if key in ID_KEYS and (key, str(value)) in self.numbers:
            return self.numbers[(key, str(value))]
        return self.text(value) if isinstance(value, str) else value


def compare(recorded: Any, actual: Any, path: str = "$", key: str | None = None) -> list[str]:
    """Return the structural differences between Google's answer and the emulator's."""
    if key in LOOSE_KEYS:
        same_kind = type(recorded) is type(actual) or {type(recorded), type(actual)} <= {int, str}
        return [] if same_kind else [f"{path}: {_kind(recorded)} != {_kind(actual)}"]
    if isinstance(recorded, dict) and isinstance(actual, dict):
        return _compare_dicts(recorded, actual, path)
    if isinstance(recorded, list) and isinstance(actual, list):
        if len(recorded) != len(actual):
            return [f"{path}: {len(recorded)} items != {len(actual)}"]
        return [
            p
            for i, pair in enumerate(zip(recorded, actual, strict=True))
            for p in compare(*pair, f"{path}[{i}]", key)
        ]
    if _equal_scalars(recorded, actual):
        return []
    return [f"{path}: {_short(recorded)} != {_short(actual)}"]


def _compare_dicts(recorded: dict[str, Any], actual: dict[str, Any], path: str) -> list[str]:
    missing = sorted(set(recorded) - set(actual))
    extra = sorted(set(actual) - set(recorded))
    problems = [f"{path}: missing keys {missing}"] if missing else []
    problems += [f"{path}: extra keys {extra}"] if extra else []
    for name in recorded.keys() & actual.keys():
        problems += compare(recorded[name], actual[name], f"{path}.{name}", name)
    return problems


def _equal_scalars(recorded: Any, actual: Any) -> bool:
    numbers = (int, float)
    if isinstance(recorded, numbers) and isinstance(actual, numbers):
        if isinstance(recorded, bool) or isinstance(actual, bool):
            return recorded is actual
        return abs(recorded - actual) <= 1e-9 * max(1.0, abs(recorded))
    return type(recorded) is type(actual) and recorded == actual


def _kind(value: Any) -> str:
    return type(value).__name__


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "..."


_RESOURCE_ID = ("/spreadsheets/", "/files/")


def referenced_id(path: str) -> str | None:
    """Return the spreadsheet or Drive file id a request path names, if any."""
    for marker in _RESOURCE_ID:
        if marker in path:
            rest = path.split(marker, 1)[1]
            ident = rest.split("/", 1)[0].split(":", 1)[0]
            return ident or None
    return None


def _lists_whole_drive(method: str, path: str, query: str) -> bool:
    if method != "GET" or not path.rstrip("/").endswith("/drive/v3/files"):
        return False
    q = " ".join(parse_qs(query).get("q", []))
    return "name" not in q


def _json(text: str | None) -> Any:
    if not text:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


class CassetteReplay:
    """Replays one cassette against one fresh emulator."""

    def __init__(self, path: Path, emulator: SheetsEmulator) -> None:
        self.path = path
        self.emulator = emulator
        self.ids = IdMap()
        self.tainted: set[str] = set()
        self.session = requests.Session()

    def run(self) -> list[Outcome]:
        """Replay every interaction in order and return the outcomes."""
        data = json.loads(self.path.read_text(encoding="utf-8"))
        return [
            self._one(index, interaction)
            for index, interaction in enumerate(data.get("interactions", []))
        ]

    def _one(self, index: int, interaction: dict[str, Any]) -> Outcome:
        request, recorded = interaction["request"], interaction["response"]
        method = request["method"].upper()
        url = urlsplit(request["uri"])
        body = _json(request.get("body"))
        status = int(recorded["status"]["code"])
        in_scope = self._in_scope(method, url.path, url.query, body, status)
        answer = self._send(method, url.path, url.query, body)
        expected = self.ids.body(_json(recorded["body"].get("string")))
        actual = _json(answer.text)
        if status == answer.status_code:
            self.ids.learn(_json(recorded["body"].get("string")), actual)
        problems = (
            [f"status {status} != {answer.status_code}"] if status != answer.status_code else []
        )
        problems += compare(expected, actual) if not problems else []
        where = f"{self.path.name}#{index}"
        return Outcome(where, f"{method} {url.path}", in_scope, problems)

    def _in_scope(self, method: str, path: str, query: str, body: Any, status: int) -> bool:
        supported = is_supported(method, path, query, body)
        ident = referenced_id(path)
        if ident is None or ident in self.ids.spreadsheets:
            pass
        elif status == 403:
            self.emulator.store.placeholder(ident)
            self.ids.spreadsheets[ident] = ident
        elif status < 400:
            supported = False  # a spreadsheet the replay could not create (a copy, say)
        if _lists_whole_drive(method, path, query):
            supported = False  # the answer depends on every file of the recorded account
        if ident is not None and not supported and method != "GET":
            self.tainted.add(ident)
        return supported and ident not in self.tainted

    def _send(self, method: str, path: str, query: str, body: Any) -> requests.Response:
        url = self.emulator.base_url + self.ids.text(path)
        if query:
            url += "?" + self.ids.text(query)
        data = None if body is None else json.dumps(self.ids.body(body)).encode("utf-8")
        headers = {"Content-Type": "application/json"} if data is not None else {}
        return self.session.request(method, url, data=data, headers=headers, timeout=30)


def replay(paths: Iterable[Path]) -> Report:
    """Replay cassettes, each against a fresh emulator with quotas off, and report.

    Args:
        paths: vcrpy JSON cassettes of Sheets API v4 / Drive v3 traffic.

    Returns:
        The outcome of every interaction, in order.
    """
    report = Report()
    for path in sorted(paths):
        with SheetsEmulator() as emulator:
            emulator.disable_quotas()
            report.outcomes += CassetteReplay(path, emulator).run()
    return report


def main(argv: Sequence[str] | None = None) -> int:
    """Replay cassettes, print one line per disagreement, then the ``agree:`` line.

    Returns:
        0 when every in-scope interaction agrees, 1 otherwise.
    """
    parser = argparse.ArgumentParser(description="Compare the Sheets emulator with recordings.")
    parser.add_argument("files", nargs="+", type=Path, help="vcrpy JSON cassettes")
    args = parser.parse_args(argv)
    report = replay(path for path in args.files if path.suffix == ".json")
    for outcome in report.outcomes:
        if not outcome.agrees:
            scope = "in scope" if outcome.in_scope else "out of scope"
            print(f"{outcome.where} {outcome.request} ({scope}): {'; '.join(outcome.problems)}")
    print(report.agree_line)
    return 0 if not report.in_scope_disagreements else 1


if __name__ == "__main__":
    sys.exit(main())
