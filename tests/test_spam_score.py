"""Every email of the example run passes SpamAssassin's standard rules with nothing to its name."""

from __future__ import annotations

import mailbox
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
KINDS = ("digest", "escalation", "summary")
RULE_LINE = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s+([A-Z][A-Z0-9_]+)\s")


def spamassassin() -> str:
    """The spamassassin binary; CI must have it (``.ci/run`` installs it), elsewhere skip."""
    found = shutil.which("spamassassin")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("spamassassin is not installed, and CI must score the emails")
        pytest.skip("spamassassin is not installed (apt-get install spamassassin)")
    return found


# A deployed run's emails carry a signed Mark-done link per item (issue 14).
LINKS = {
    "SHEETSYNC_ACTION_URL": "https://europe-west1-acme.cloudfunctions.net/act",
    "SHEETSYNC_LINK_KEYS": "spam-test-link-key-0123456789abcdef",
}


def example_outbox(tmp_path: Path, env: dict[str, str] | None = None) -> list[Path]:
    """The .eml files of the README's example run, made by the real CLI in a subprocess."""
    tracker = tmp_path / "demo.xlsx"
    shutil.copy(ROOT / "examples" / "tracker.xlsx", tracker)
    command = [sys.executable, "-m", "sheetsync", "run", str(tracker), "--today", "2026-12-01"]
    subprocess.run(
        [*command, "--outbox", str(tmp_path / "outbox")],
        check=True,
        capture_output=True,
        cwd=tmp_path,
        env={**os.environ, **(env or {})},
    )
    return sorted((tmp_path / "outbox").glob("*.eml"))


def fired_rules(binary: str, emails: list[Path], home: Path) -> list[list[tuple[str, float]]]:
    """The rules SpamAssassin's local tests fire on each email, with their points, in order."""
    box = mailbox.mbox(home / "all.mbox")
    for path in emails:
        box.add(mailbox.mboxMessage(path.read_bytes()))
    box.close()
    prefs = home / "user_prefs"
    prefs.touch()
    with (home / "all.mbox").open("rb") as stream:
        report = subprocess.run(
            [binary, "-t", "-L", "--mbox", "-p", str(prefs)],
            stdin=stream,
            capture_output=True,
            check=True,
            env={**os.environ, "HOME": str(home)},
        ).stdout.decode("utf-8", "replace")
    return [_rules(block) for block in report.split("Content analysis details:")[1:]]


def _rules(block: str) -> list[tuple[str, float]]:
    """``(rule, points)`` pairs from one message's report table."""
    rules = []
    for line in block.splitlines()[1:]:
        if match := RULE_LINE.match(line):
            rules.append((match.group(2), float(match.group(1))))
        elif rules and not line.startswith(" "):
            break  # the table ends at the first line that is neither a rule nor its wrap
    return rules


@pytest.mark.parametrize("env", [None, LINKS], ids=["plain", "with-mark-done-links"])
def test_every_email_of_the_example_run_scores_zero(tmp_path: Path, env) -> None:
    """Digests, escalations and summaries (with or without links) score no SpamAssassin points."""
    binary = spamassassin()
    emails = example_outbox(tmp_path, env)
    linked = {path.name for path in emails if b"Mark done" in path.read_bytes()}
    items = {path.name for path in emails if not path.name.startswith("summary.")}
    assert linked == (set() if env is None else items)  # summaries list no item to act on
    assert {path.name.split(".")[0] for path in emails} == set(KINDS)
    scored = fired_rules(binary, emails, tmp_path)
    assert len(scored) == len(emails), "SpamAssassin reported on every email"
    assert any(rule == "HTML_MESSAGE" for rule, _ in scored[0]), "the report table was read"
    scoring = {
        path.name: [f"{rule} ({points:+.1f})" for rule, points in rules if points > 0]
        for path, rules in zip(emails, scored, strict=True)
    }
    failing = [f"{name}: {', '.join(fired)}" for name, fired in scoring.items() if fired]
    assert not failing, "rules that scored points:\n" + "\n".join(failing)
