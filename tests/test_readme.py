"""The README's session is real: each command, run on a copy of the example, prints it."""

from __future__ import annotations

import re
import shutil
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


def shell(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run a README command, ``sheetsync`` being this interpreter's module."""
    command = re.sub(r"^sheetsync\b", f"{sys.executable} -m sheetsync", command)
    return subprocess.run(command, shell=True, cwd=cwd, capture_output=True, text=True, check=False)


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
