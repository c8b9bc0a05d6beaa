"""Emails an organization can brand: its own templates folder, checked before anything is sent."""

from __future__ import annotations

import email
import os
import shutil
import subprocess
import sys
import zipfile
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TODAY = "2026-12-01"
BRAND = "Acme Legal Operations"


def sheetsync(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The real CLI in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "sheetsync", *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A folder holding a copy of the example tracker as demo.xlsx."""
    shutil.copy(ROOT / "examples" / "tracker.xlsx", tmp_path / "demo.xlsx")
    return tmp_path


def brand_folder(where: Path) -> Path:
    """A templates folder holding only a layout whose header names the organization."""
    folder = where / "brand"
    folder.mkdir()
    layout = (ROOT / "templates" / "layout.html.j2").read_text()
    assert "Contract tracker</p>" in layout
    (folder / "layout.html.j2").write_text(layout.replace("Contract tracker</p>", f"{BRAND}</p>"))
    return folder


def outbox(folder: Path) -> list[EmailMessage]:
    """The messages a run left in ``folder``."""
    return [
        email.message_from_bytes(p.read_bytes(), policy=default_policy)  # type: ignore[misc]
        for p in sorted(folder.glob("*.eml"))
    ]


def part(message: EmailMessage, kind: str) -> str:
    """The ``html`` or ``plain`` body of ``message``."""
    body = message.get_body((kind,))
    assert body is not None
    return str(body.get_content())


def test_a_custom_layout_brands_every_email_and_the_rest_stays_default(workdir: Path) -> None:
    """--templates with only layout.html.j2 re-heads every HTML email; bodies stay the defaults."""
    folder = brand_folder(workdir)
    done = sheetsync("run", "demo.xlsx", "--today", TODAY, "--templates", str(folder), cwd=workdir)
    assert done.returncode == 0, done.stderr
    messages = outbox(workdir / "outbox")
    assert len(messages) == 16
    for message in messages:
        html = part(message, "html")
        assert BRAND in html and "Contract tracker</p>" not in html
        assert BRAND not in part(message, "plain")  # layout.txt.j2 is still the default
    assert any("Coming up" in part(m, "html") for m in messages)  # digest.html.j2 default


def test_sheetsync_templates_variable_does_the_same_for_preview(workdir: Path) -> None:
    """SHEETSYNC_TEMPLATES points preview at the folder, as --templates would."""
    folder = brand_folder(workdir)
    env = {"SHEETSYNC_TEMPLATES": str(folder)}
    done = sheetsync("preview", "demo.xlsx", "--today", TODAY, "--out", "pv", cwd=workdir, env=env)
    assert done.returncode == 0, done.stderr
    pages = [p for p in (workdir / "pv").glob("*.html") if p.name != "index.html"]
    assert len(pages) == 16
    assert all(BRAND in p.read_text() for p in pages)


def test_a_missing_variable_fails_check_with_the_template_and_line(workdir: Path) -> None:
    """A summary template naming an unknown value stops check with its name and line."""
    folder = workdir / "mine"
    folder.mkdir()
    summary = (ROOT / "templates" / "summary.txt.j2").read_text().splitlines()
    line = summary.index("{% block content %}") + 2
    summary.insert(line - 1, "Account manager: {{ account_manager }}")
    (folder / "summary.txt.j2").write_text("\n".join(summary) + "\n")
    done = sheetsync("check", "demo.xlsx", "--templates", str(folder), cwd=workdir)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert f"summary.txt.j2, line {line}:" in done.stderr
    assert "'account_manager' is undefined" in done.stderr


def test_a_broken_template_sends_nothing_and_writes_nothing(workdir: Path) -> None:
    """run with an unreadable custom template exits 2 before any email or cell is written."""
    folder = workdir / "mine"
    folder.mkdir()
    (folder / "escalation.html.j2").write_text("<p>Hello\n{% if recipient.name %}\n")
    before = (workdir / "demo.xlsx").read_bytes()
    done = sheetsync("run", "demo.xlsx", "--today", TODAY, "--templates", str(folder), cwd=workdir)
    assert done.returncode == 2
    assert "escalation.html.j2, line" in done.stderr and "cannot be read" in done.stderr
    assert not (workdir / "outbox").exists()
    assert (workdir / "demo.xlsx").read_bytes() == before


def test_a_templates_folder_that_does_not_exist_is_one_line(workdir: Path) -> None:
    """A mistyped --templates folder is exit 2 with a line naming it."""
    done = sheetsync("check", "demo.xlsx", "--templates", "brnad", cwd=workdir)
    assert done.returncode == 2
    assert done.stderr == "sheetsync: error: --templates brnad: there is no such folder\n"


def test_the_wheel_ships_the_templates_and_renders_with_them(tmp_path: Path) -> None:
    """A wheel built from the checkout holds templates/ and renders an email from it."""
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "-w", str(tmp_path), "--no-deps", "-q"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = tmp_path.glob("sheetsync-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {p.name for p in (ROOT / "templates").glob("*.j2")}
    assert {f"sheetsync/templates/{n}" for n in shipped} <= names
    target = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(target)
    script = (
        "from sheetsync.compose import default_templates, environment, render;"
        "from sheetsync.pipeline import sample_notes;"
        "notes, ready = sample_notes();"
        "text, html = render(notes[0], ready.envelope, ready.today, environment());"
        "print(default_templates()); print('Coming up' in html, notes[0].items[0].title in text)"
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    shown = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines() == [str(target / "sheetsync" / "templates"), "True True"]


def test_the_docs_error_example_is_what_check_prints(workdir: Path) -> None:
    """docs/templates.md's example error is word for word what check prints for that template."""
    page = (ROOT / "docs" / "templates.md").read_text()
    command, printed = page.split("```console\n$ ")[1].split("```")[0].split("\n", 1)
    assert command == "sheetsync check contracts.xlsx --templates brand"
    shutil.copy(workdir / "demo.xlsx", workdir / "contracts.xlsx")
    (workdir / "brand").mkdir()
    lines = (ROOT / "templates" / "summary.txt.j2").read_text().splitlines()
    lines.insert(15, "Account manager: {{ account_manager }}")
    (workdir / "brand" / "summary.txt.j2").write_text("\n".join(lines) + "\n")
    done = sheetsync(*command.split()[1:], cwd=workdir)
    assert (done.returncode, done.stderr) == (2, printed)
