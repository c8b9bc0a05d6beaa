"""The README's session is real: each command, run on a copy of the example, prints it."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

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
    command, expected = session_blocks()[1][0]
    result = shell(command, tmp_path)
    assert result.returncode == 2
    assert result.stderr == expected


def emulator_block() -> list[str]:
    """The commands of the README's "Try it without Google" block."""
    text = (ROOT / "README.md").read_text()
    body = next(
        b for b in re.findall(r"```bash\n(.*?)```", text, flags=re.S) if "testing.emulator" in b
    )
    return [line.split("  #")[0].strip() for line in body.splitlines() if line.strip()]


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
