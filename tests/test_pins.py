"""The Cloud Function's requirements.txt pins releases pip installs without a warning.

Each pin must be at or above pyproject.toml's lower bound (checked offline) and must not be
a yanked release (checked against the package index pip uses, through its JSON API, PEP 691).
Offline, the yanked check is skipped with the reason shown (``-ra``), because whether a
release is yanked is only known to the index; ``.ci/run`` sets SHEETSYNC_NEED_INDEX=1, so
in CI an unreachable index fails the test instead of skipping it.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest
import requests
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name, parse_sdist_filename, parse_wheel_filename
from packaging.version import Version

from sheetsync.build_function import requirements

ROOT = Path(__file__).resolve().parents[1]
INDEX = os.environ.get("PIP_INDEX_URL", "https://pypi.org/simple").rstrip("/")
# (version, yanked reason or None) for each file of a project on the index.
Files = list[tuple[Version, str | None]]


def pins() -> dict[str, str]:
    """``{name: version}`` of the built requirements.txt."""
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    lines = requirements(dependencies).splitlines()[1:]
    return {canonicalize_name(n): v for n, v in (line.split(";")[0].split("==") for line in lines)}


def lower_bounds() -> dict[str, str]:
    """``{name: lower bound}`` from pyproject.toml's dependencies."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    bounds = {}
    for dependency in project["dependencies"]:
        name, _, bound = dependency.split(";")[0].partition(">=")
        bounds[canonicalize_name(name.split("[")[0])] = bound.split(",")[0].strip()
    return bounds


def below_bounds(pinned: dict[str, str], bounds: dict[str, str]) -> list[str]:
    """The pins below their lower bound, or with no bound to compare to."""
    return [
        f"{name}=={version} is below pyproject's >={bounds.get(name)}"
        for name, version in pinned.items()
        if name not in bounds or Version(version) < Version(bounds[name])
    ]


def yanked_pins(pinned: dict[str, str], files: Callable[[str], Files]) -> list[str]:
    """The pins whose every matching release file is yanked (or that match no release)."""
    found = []
    for name, version in pinned.items():
        matching = [(v, y) for v, y in files(name) if v in SpecifierSet(f"=={version}")]
        if not matching:
            found.append(f"{name}=={version}: no such release on the index")
        elif all(yanked is not None for _, yanked in matching):
            found.append(f"{name}=={version} is yanked: {matching[0][1] or 'no reason given'}")
    return found


def index_files(name: str) -> Files:
    """The index's files of ``name`` with their yanked status (PEP 691 JSON)."""
    answer = requests.get(
        f"{INDEX}/{name}/",
        headers={"Accept": "application/vnd.pypi.simple.v1+json"},
        timeout=30,
    )
    answer.raise_for_status()
    return list(_versions(answer.json()["files"]))


def _versions(files: Iterable[dict[str, object]]) -> Iterable[tuple[Version, str | None]]:
    for entry in files:
        filename, raw = str(entry["filename"]), entry.get("yanked", False)
        yanked = None if raw in (False, None) else "" if raw is True else str(raw)
        try:
            if filename.endswith(".whl"):
                version = parse_wheel_filename(filename)[1]
            else:
                version = parse_sdist_filename(filename)[1]
        except ValueError:  # eggs, .exe installers and other old formats
            continue
        yield version, yanked


def test_every_pin_is_at_its_pyproject_lower_bound() -> None:
    """requirements.txt pins each dependency at pyproject.toml's lower bound, never below."""
    pinned, bounds = pins(), lower_bounds()
    assert set(pinned) == set(bounds)
    assert below_bounds(pinned, bounds) == []
    assert all(Version(pinned[n]) == Version(bounds[n]) for n in pinned)


def test_the_bound_check_catches_a_pin_below_the_bound() -> None:
    """A pin below its lower bound, or of an undeclared dependency, is reported."""
    found = below_bounds({"jinja2": "3.0", "extra": "1"}, {"jinja2": "3.1"})
    assert found == [
        "jinja2==3.0 is below pyproject's >=3.1",
        "extra==1 is below pyproject's >=None",
    ]


def test_the_yanked_check_catches_a_yanked_pin() -> None:
    """A pin whose only release is yanked (email-validator 2.1.0 was) is reported with why."""
    files = {
        "email-validator": [
            (Version("2.1.0"), "Forgot to drop Python 3.7"),
            (Version("2.1.1"), None),
        ],
        "click": [(Version("8.1.0"), None)],
    }
    pinned = {"email-validator": "2.1", "click": "8.1", "x": "1"}
    found = yanked_pins(pinned, lambda name: files.get(name, []))
    assert found == [
        "email-validator==2.1 is yanked: Forgot to drop Python 3.7",
        "x==1: no such release on the index",
    ]


def test_no_pin_is_a_yanked_release() -> None:
    """No pin of the built requirements.txt is yanked on the package index pip uses."""
    pinned = pins()
    try:
        files = {name: index_files(name) for name in pinned}
    except requests.RequestException as exc:
        if os.environ.get("SHEETSYNC_NEED_INDEX") == "1":
            raise
        pytest.skip(f"the package index {INDEX} cannot be reached ({type(exc).__name__})")
    assert yanked_pins(pinned, files.__getitem__) == []
