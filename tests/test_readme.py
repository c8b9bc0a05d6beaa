"""The README and docs/ are real: their commands, replayed word for word, do what they say."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from sheetsync.compose.preview import message_kind

ROOT = Path(__file__).resolve().parents[1]


def session_blocks() -> list[list[tuple[str, str]]]:
    """Each ``console`` block of the README as (command, expected output) pairs."""
    text = (ROOT / "README.md").read_text()
    blocks = []
    for body in re.findall(r"```console\n(.*?)```", text, flags=re.S):
        steps: list[tuple[str, str]] = []
        for line in body.splitlines():
            if line.startswith("$ "):
                steps.append((line[2:], ""))
            elif steps:
                command, output = steps[-1]
                steps[-1] = (command, output + line + "\n")
        blocks.append(steps)
    return blocks


def shell(
    command: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a README command, ``sheetsync`` being this interpreter's module."""
    command = re.sub(r"^sheetsync\b", f"{sys.executable} -m sheetsync", command)
    return subprocess.run(
        command, shell=True, cwd=cwd, capture_output=True, text=True, check=False, env=env
    )


def test_readme_session_prints_what_it_shows(tmp_path):
    """Every command of the main session prints exactly the README's lines."""
    (tmp_path / "examples").mkdir()
    shutil.copy(ROOT / "examples" / "tracker.xlsx", tmp_path / "examples")
    steps = session_blocks()[0]
    assert len(steps) >= 4
    for command, expected in steps:
        result = shell(command, tmp_path)
        assert result.returncode == 0, (command, result.stderr)
        assert result.stdout == expected, command


def test_readme_error_example_is_real(tmp_path):
    """The one-line error shown in the README is what a missing workbook prints."""
    command, expected = next(b[0] for b in session_blocks() if "error:" in b[0][1])
    result = shell(command, tmp_path)
    assert result.returncode == 2
    assert result.stderr == expected


def test_readme_json_example_is_real(tmp_path):
    """The ``--json`` example prints exactly its object: messages by kind, items beside them."""
    (tmp_path / "examples").mkdir()
    shutil.copy(ROOT / "examples" / "tracker.xlsx", tmp_path / "examples")
    steps = next(b for b in session_blocks() if "--json" in b[-1][0])
    for command, _ in steps:
        result = shell(command, tmp_path)
        assert result.returncode == 0, result.stderr
    report = json.loads(steps[-1][1])
    assert json.loads(result.stdout) == report
    assert report["emails"] == sum(report["sent"].values())
    assert report["emails"] == len(list((tmp_path / "outbox-json").glob("*.eml")))


def emulator_block() -> list[str]:
    """The commands of docs/google-sheets.md's "Try it without Google" block."""
    text = (ROOT / "docs" / "google-sheets.md").read_text()
    body = next(
        b for b in re.findall(r"```bash\n(.*?)```", text, flags=re.S) if "testing.emulator" in b
    )
    return [line.split("  #")[0].strip() for line in body.splitlines() if line.strip()]


def bash_blocks(page: str) -> list[str]:
    """The ``bash`` blocks of a page of the docs, in order."""
    return re.findall(r"```bash\n(.*?)```", (ROOT / page).read_text(), flags=re.S)


def outside_any_venv() -> dict[str, str]:
    """This environment without the virtual environment the tests run in."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONHOME")}
    venv_bin = str(Path(sys.prefix) / "bin")
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if p != venv_bin)
    return env


@pytest.mark.slow
def test_readme_first_command_leaves_a_fresh_clone_clean(tmp_path):
    """The README's first command, word for word in a fresh clone, runs and changes no file."""
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    first = bash_blocks("README.md")[0].strip()
    assert first.startswith("python3 -m venv .venv") and "\n" not in first
    result = subprocess.run(
        ["bash", "-c", first], cwd=clone, env=outside_any_venv(), capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "emails delivered to outbox/" in result.stdout
    assert len(list((clone / "outbox").glob("*.eml"))) > 5
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=clone, capture_output=True, text=True, check=True
    )
    assert status.stdout == "", "the README's first command changed or left files in the clone"


def test_ci_runs_the_readme_test_command_then_the_slow_tests():
    """.ci/run runs the README's test command word for word, then the slow tests it leaves out."""
    readme = (ROOT / "README.md").read_text()
    command = bash_blocks("README.md")[1].strip()
    checks = command.split("pip install -e '.[dev]' && ")[1]
    assert checks.endswith('pytest -n auto -m "not slow"')
    slow = checks.rpartition(" && ")[2].replace('-m "not slow"', "-m slow")
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert checks in ci and slow in ci and ci.index(slow) > ci.index(checks)
    assert f"`{slow}`" in readme, "the README says how to run the slow tests"
    assert bash_blocks("docs/development.md")[0].strip() == command


def test_readme_links_every_docs_page():
    """Each page under docs/ is linked from the README, and each link leads to a file."""
    readme = (ROOT / "README.md").read_text()
    pages = sorted(p.name for p in (ROOT / "docs").glob("*.md"))
    assert pages, "docs/ has no pages"
    for page in pages:
        assert f"](docs/{page})" in readme, f"README does not link docs/{page}"
    for target in re.findall(r"\]\(((?:docs/)?[\w./-]+\.(?:md|png))(?:#[\w-]+)?\)", readme):
        assert (ROOT / target).is_file(), f"README links {target}, which does not exist"
    assert len(readme.splitlines()) <= 200


def test_readme_emulator_walkthrough_works(tmp_path):
    """The emulator walkthrough runs as written: start, init a sample sheet, run it."""
    start, export, init, run = emulator_block()
    port = str(free_port())
    assert start.endswith("&") and export.startswith("export SHEETS_EMULATOR_HOST=")
    server = subprocess.Popen(
        [sys.executable, "-m", "sheetsync.testing.emulator", "--port", port],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None and port in server.stdout.readline()
        env = {**os.environ, "SHEETS_EMULATOR_HOST": f"127.0.0.1:{port}"}
        made = shell(init, tmp_path, env)
        assert made.returncode == 0, made.stderr
        sheet = re.search(r"\(ID ([\w-]+)\)", made.stdout).group(1)  # type: ignore[union-attr]
        done = shell(run.replace("<ID>", sheet), tmp_path, env)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["emails"] > 5
    finally:
        server.terminate()
        server.wait(timeout=10)
        server.stdout.close()  # type: ignore[union-attr]


def free_port() -> int:
    """A TCP port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_screenshots_show_emails_the_example_run_sends(tmp_path):
    """docs/make_screenshots.py picks a digest, an escalation and a summary the example sends."""
    sys.path.insert(0, str(ROOT / "docs"))
    try:
        import make_screenshots as shots
    finally:
        sys.path.remove(str(ROOT / "docs"))
    messages = shots.example_messages(tmp_path)
    chosen = [shots.typical(messages, kind) for kind in shots.KINDS]
    assert [message_kind(m) for m in chosen] == ["digest", "escalation", "summary"]
    for message, kind in zip(chosen, shots.KINDS, strict=True):
        assert message in messages
        assert "Milestones tab, row" in shots.html_part(message), kind
        assert shots.height(message, kind) > 600
