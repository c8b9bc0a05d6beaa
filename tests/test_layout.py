"""The import graph of src/sheetsync, read with ``ast`` (nothing is imported or run).

The core (the steps that turn a tracker's cells into emails and status cells) imports no
backend, no transport, nothing of ``sheetsync.testing`` and no library that reaches a
network, a mail server, a workbook file, the file system, a process or the clock, and calls
no ``open()``, no ``.now()``/``.today()``: the same cells and the same ``--today`` give the
same run. No module anywhere in src imports itself back, imports inside functions and
``TYPE_CHECKING`` blocks included.
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Mapping
from functools import cache
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "sheetsync"

# The core, by name under ``sheetsync`` (a module or a package; the longest listed name wins).
CORE = frozenset(
    {
        "act",
        "approvals",
        "cells",
        "compose",
        "dashboard",
        "derive",
        "errors",
        "evaluate",
        "keys",
        "links",
        "logtab",
        "model",
        "normalize",
        "plan",
        "problems",
        "record",
        "schema",
        "values",
        "writeback",
    }
)
# The edge: reading and writing trackers, sending, the wiring, the command line, test helpers.
EDGE = frozenset(
    {
        "__init__",
        "__main__",
        "act.service",  # reads and writes the tracker for the act function target
        "backends",
        "build_function",
        "cli",
        "compose.preview",  # writes the preview files a person opens
        "config",
        "deadlines",  # reads a tracker for `sheetsync calendar` and the calendar feed
        "deliver",
        "fleet",  # many trackers: the registry, Pub/Sub publishing, the workers' pacing
        "init",
        "overlap",  # a thread carrying the run's network calls while it works
        "pipeline",
        "result",  # what a run reports (the CLI's text and --json)
        "steps",
        "testing",
        "transports",
    }
)
# What the core never imports: the package's own I/O, and libraries that reach outside.
# gspread/google/requests/urllib3/http/urllib.request/socket/ssl: the network and Google;
# smtplib/aiosmtpd/imaplib: mail servers; openpyxl/zipfile: workbook files;
# os/shutil/tempfile/fcntl/io: the file system and the environment; subprocess/threading/
# asyncio/signal/multiprocessing: processes; time: the clock and sleeping; sys: streams and
# exit; gc: the interpreter's collector, switched by the wiring only; logging: output.
# (pathlib stays allowed for naming the shipped templates folder; opening files is caught by
# FILE_CALLS below. email.* builds messages in memory and stays allowed.)
FORBIDDEN_FOR_CORE = (
    "sheetsync.backends",
    "sheetsync.transports",
    "sheetsync.testing",
    "sheetsync.pipeline",
    "sheetsync.cli",
    "sheetsync.config",
    "gspread",
    "google",
    "requests",
    "urllib3",
    "http",
    "urllib.request",
    "socket",
    "ssl",
    "smtplib",
    "aiosmtpd",
    "imaplib",
    "openpyxl",
    "zipfile",
    "os",
    "shutil",
    "tempfile",
    "fcntl",
    "io",
    "subprocess",
    "threading",
    "asyncio",
    "signal",
    "multiprocessing",
    "time",
    "sys",
    "gc",
    "logging",
)
# Calls that read files, the clock or the terminal, by the called name.
FILE_CALLS = frozenset(
    {"open", "read_text", "read_bytes", "write_text", "write_bytes", "unlink", "mkdir", "input"}
)
CLOCK_CALLS = frozenset({"now", "today", "utcnow"})


def module_name(path: Path) -> str:
    """``sheetsync.a.b`` for src/sheetsync/a/b.py, the package's name for its __init__.py."""
    parts = ["sheetsync", *path.relative_to(SRC).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    """Every module under src/sheetsync by its dotted name."""
    return {module_name(path): path for path in sorted(SRC.rglob("*.py"))}


@cache
def tree(name: str) -> ast.Module:
    """The parsed source of one module of src."""
    return ast.parse(modules()[name].read_text(), filename=str(modules()[name]))


def absolute(package: str, node: ast.ImportFrom) -> str:
    """The absolute module a ``from … import`` names, relative ones read from ``package``."""
    if not node.level:
        return node.module or ""
    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
    return ".".join([*anchor, node.module] if node.module else anchor)


def imports_in(source: ast.Module, package: str, known: Collection[str]) -> frozenset[str]:
    """Every module a source imports, anywhere in it; ``from p import m`` gives p.m if known."""
    found: set[str] = set()
    for node in ast.walk(source):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = absolute(package, node)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                found.add(submodule if submodule in known else base)
    return frozenset(found - {"__future__"})


@cache
def imports(name: str) -> frozenset[str]:
    """Every module one module of src imports."""
    package = name if modules()[name].name == "__init__.py" else name.rpartition(".")[0]
    return imports_in(tree(name), package, modules().keys())


def cycles_in(graph: Mapping[str, Collection[str]]) -> list[list[str]]:
    """Each group of modules that import one another, round and round, sorted."""
    reach: dict[str, set[str]] = {}
    for start in graph:
        seen: set[str] = set()
        todo = list(graph[start])
        while todo:
            name = todo.pop()
            if name in graph and name not in seen:
                seen.add(name)
                todo.extend(graph[name])
        reach[start] = seen
    groups = {frozenset(m for m in reach[n] if n in reach[m]) for n in graph if n in reach[n]}
    return sorted(sorted(group) for group in groups)


def part(name: str) -> str | None:
    """The name under ``sheetsync`` that classes a module: the longest in CORE or EDGE."""
    relative = name.removeprefix("sheetsync").removeprefix(".") or "__init__"
    listed = [p for p in CORE | EDGE if relative == p or relative.startswith(p + ".")]
    return max(listed, key=len, default=None)


def within(name: str, prefix: str) -> bool:
    """Whether module ``name`` is ``prefix`` or inside it."""
    return name == prefix or name.startswith(prefix + ".")


def core_modules() -> list[str]:
    """The modules of src that belong to the core."""
    return [name for name in modules() if part(name) in CORE]


def called_names(source: ast.AST) -> set[str]:
    """The names a source calls: ``open`` for open(…), ``today`` for dt.date.today()."""
    found = set()
    for node in ast.walk(source):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            found.add(node.func.id)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            found.add(node.func.attr)
    return found


def test_every_module_is_core_or_edge() -> None:
    """Each module of src is classed as core or edge, and each name listed still exists."""
    unclassed = sorted(name for name in modules() if part(name) is None)
    stale = sorted(
        n for n in CORE | EDGE if f"sheetsync.{n}".removesuffix(".__init__") not in modules()
    )
    assert not CORE & EDGE
    assert not unclassed, f"new modules: add them to CORE or EDGE here: {unclassed}"
    assert not stale, f"moved or removed: drop them from CORE or EDGE here: {stale}"


def test_the_core_imports_no_io() -> None:
    """No core module imports a backend, a transport, the test helpers or an I/O library."""
    wrong = sorted(
        f"{name} imports {target}"
        for name in core_modules()
        for target in imports(name)
        if any(within(target, bad) for bad in FORBIDDEN_FOR_CORE)
    )
    assert len(core_modules()) >= 10
    assert not wrong, "\n".join(wrong)


def test_the_core_opens_no_file_and_reads_no_clock() -> None:
    """No core module calls open()/read_text()/input() or asks for now() or today()."""
    wrong = sorted(
        f"{name} calls {called}()"
        for name in core_modules()
        for called in called_names(tree(name)) & (FILE_CALLS | CLOCK_CALLS)
    )
    assert not wrong, "\n".join(wrong)


def test_no_import_cycle_in_src() -> None:
    """No module of src imports one that imports it back, directly or round a longer loop."""
    graph = {name: imports(name) & modules().keys() for name in modules()}
    assert sum(map(len, graph.values())) > 100
    assert not cycles_in(graph), "\n".join(" <-> ".join(c) for c in cycles_in(graph))


def test_the_reader_sees_deferred_and_relative_imports() -> None:
    """An import inside a function and a relative one count: a hidden cycle is caught."""
    source = ast.parse(
        "from . import b\nfrom .c import thing\n"
        "def later():\n    from sheetsync.core import d\n    import json\n"
    )
    known = {"pkg.core.a", "pkg.core.b", "pkg.core.c", "sheetsync.core.d"}
    found = imports_in(source, "pkg.core", known)
    assert found == {"pkg.core.b", "pkg.core.c", "sheetsync.core.d", "json"}
    assert cycles_in({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles_in({"a": {"b"}, "b": {"json"}}) == []
    assert {"today", "open"} <= called_names(ast.parse("dt.date.today()\nopen('f')"))
