"""docs/ARCHITECTURE.md names only paths and functions that exist."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "ARCHITECTURE.md"
PACKAGE = ROOT / "src" / "sheetsync"
TOP_LEVEL = ("src/", "tests/", "templates/", "bench/", "docs/")
# `path` or `path:Name` / `path:Class.method`, where path ends in a file or a folder
REFERENCE = re.compile(r"`([\w./-]+?(?:\.py|\.j2|\.md|/))(?::([\w.]+))?`")


def references(text: str) -> list[tuple[str, str | None]]:
    """Every `path` and `path:name` the text names in backticks."""
    return [(m.group(1), m.group(2)) for m in REFERENCE.finditer(text)]


def resolve(path: str) -> Path:
    """A named path: top-level folders from the repository, the rest from the package."""
    return ROOT / path if path.startswith(TOP_LEVEL) else PACKAGE / path


@cache
def names_in(path: Path) -> frozenset[str]:
    """Top-level functions, classes and assignments of a module, and Class.method names."""
    found: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            found.add(node.name)
        if isinstance(node, ast.ClassDef):
            found.update(
                f"{node.name}.{item.name}"
                for item in node.body
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
            )
        targets = node.targets if isinstance(node, ast.Assign) else []
        if isinstance(node, ast.AnnAssign):
            targets = [node.target]
        found.update(t.id for t in targets if isinstance(t, ast.Name))
    return frozenset(found)


def test_references_parse_paths_and_names() -> None:
    """The reference pattern finds a bare path, a function and a method, and skips code."""
    text = "`plan/`, `keys.py:split_key`, `model.py:Snapshot.row_link`, `flags[:, 5]`"
    assert references(text) == [
        ("plan/", None),
        ("keys.py", "split_key"),
        ("model.py", "Snapshot.row_link"),
    ]


def test_names_in_finds_a_missing_name_missing() -> None:
    """A name a module does not define is not reported as defined (the check can fail)."""
    names = names_in(PACKAGE / "keys.py")
    assert "split_key" in names
    assert "no_such_function" not in names


DOC_REFERENCES = references(DOC.read_text(encoding="utf-8"))


def test_the_document_names_the_run() -> None:
    """The document names the entry of every step of a run (the parse found them)."""
    named = {f"{p}:{n}" for p, n in DOC_REFERENCES if n}
    for entry in (
        "normalize/__init__.py:normalize",
        "derive/__init__.py:derive",
        "evaluate/__init__.py:evaluate_milestones",
        "plan/__init__.py:plan_notifications",
        "compose/__init__.py:build_message",
        "deliver.py:deliver",
        "writeback.py:milestone_writes",
    ):
        assert entry in named
    assert len(DOC_REFERENCES) > 100


@pytest.mark.parametrize("path", sorted({p for p, _ in DOC_REFERENCES}))
def test_every_named_path_exists(path: str) -> None:
    """Each path docs/ARCHITECTURE.md names is a file or folder of the repository."""
    target = resolve(path)
    assert target.is_dir() if path.endswith("/") else target.is_file(), target


@pytest.mark.parametrize(
    "reference", sorted({f"{p}:{n}" for p, n in DOC_REFERENCES if n and p.endswith(".py")})
)
def test_every_named_function_exists(reference: str) -> None:
    """Each `path:name` docs/ARCHITECTURE.md names is defined in that module."""
    path, name = reference.split(":")
    assert name in names_in(resolve(path)), reference
