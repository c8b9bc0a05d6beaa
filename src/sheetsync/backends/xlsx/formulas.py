"""Formula cells of a workbook: what Excel last worked out, kept across a save.

openpyxl reads a formula's saved result (``data_only``) but writes every formula
back without one, so a Due Date typed as ``=DATE(2027,3,31)`` or ``=A2+30`` would
read as blank on the next run. Before the saved file replaces the workbook, each
formula cell whose formula is unchanged gets the result it had put back into the
sheet XML (Excel still recalculates on open). A formula that never had a result
(a file written by a program and never opened in a spreadsheet app) is read as
``Uncomputed``, and one worked out from TODAY() or NOW() as ``Moving``: the
readers say so instead of calling the cell blank.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from xml.etree import ElementTree

from ...model import Moving, Uncomputed
from ..a1 import cell_name, cell_position

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_VOLATILE = re.compile(r"\b(TODAY|NOW)\s*\(", re.IGNORECASE)
# A formula cell as openpyxl writes it: no result, an empty <v />.
_SAVED_CELL = re.compile(
    r'<c r="(?P<ref>[A-Z]+\d+)"(?P<attrs>[^>]*)>(?P<f><f[^>]*/>|<f[^>]*>(?P<text>[^<]*)</f>)'
    r"<v\s*/>(?=</c>)"
)


@dataclass(frozen=True)
class Formula:
    """One formula cell: its formula text, its saved result (XML text) and result type."""

    text: str
    value: str | None
    kind: str | None


def formula_cells(path: Path) -> dict[str, dict[tuple[int, int], Formula]]:
    """Formula cells of every tab, by (row, column), 1-based; tabs without any are left out."""
    found: dict[str, dict[tuple[int, int], Formula]] = {}
    with zipfile.ZipFile(path) as archive:
        for title, member in sheet_members(archive).items():
            data = archive.read(member)
            if b"<f>" in data or b"<f " in data:
                found[title] = {
                    cell_position(ref) or (0, 0): f for ref, f in _formulas(data).items()
                }
    return {title: cells for title, cells in found.items() if cells}


def mark(grid: list[list[Any]], cells: dict[tuple[int, int], Formula]) -> None:
    """Put ``Uncomputed`` or ``Moving`` into the cells of ``grid`` that need saying so."""
    for (row, column), formula in cells.items():
        if formula.value is None:
            value: object = Uncomputed(f"={formula.text}")
        elif _VOLATILE.search(formula.text) and isinstance(_at(grid, row, column), int | float):
            value = Moving(_at(grid, row, column))  # type: ignore[arg-type]
        else:
            continue
        while len(grid) < row:
            grid.append([])
        cells_row = grid[row - 1]
        cells_row.extend([None] * (column - len(cells_row)))
        cells_row[column - 1] = value


def keep_results(original: Path, saved: Path) -> None:
    """Put the results ``original`` had back into the unchanged formulas of ``saved``
    (rewritten in place: ``saved`` is the save's own temporary file)."""
    if not original.exists():
        return
    before = {t: _by_ref(cells) for t, cells in formula_cells(original).items()}
    if not before:
        return
    buffer = io.BytesIO()
    with zipfile.ZipFile(saved) as archive:
        members = {m: t for t, m in sheet_members(archive).items() if t in before}
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
            for info in archive.infolist():
                data = archive.read(info)
                if info.filename in members:
                    data = _restored(data, before[members[info.filename]])
                out.writestr(info, data)
    saved.write_bytes(buffer.getvalue())


def sheet_members(archive: zipfile.ZipFile) -> dict[str, str]:
    """Each tab's title and the zip member holding its cells."""
    book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{_PKG}Relationship")}
    members = {}
    for sheet in book.iter(f"{_MAIN}sheet"):
        target = targets.get(sheet.get(f"{_REL}id"), "")
        path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        members[sheet.get("name", "")] = str(PurePosixPath(os.path.normpath(path)))
    return members


def _formulas(data: bytes) -> dict[str, Formula]:
    found = {}
    for _, cell in ElementTree.iterparse(io.BytesIO(data)):
        if cell.tag != f"{_MAIN}c":
            continue
        formula = cell.find(f"{_MAIN}f")
        if formula is not None:
            value = cell.find(f"{_MAIN}v")
            text = value.text if value is not None and value.text else None
            found[cell.get("r", "")] = Formula(formula.text or "", text, cell.get("t"))
        cell.clear()
    return found


def _by_ref(cells: dict[tuple[int, int], Formula]) -> dict[str, Formula]:
    return {cell_name(row, column): f for (row, column), f in cells.items()}


def _restored(data: bytes, before: dict[str, Formula]) -> bytes:
    def put_back(match: re.Match[str]) -> str:
        old = before.get(match["ref"])
        text = _unescaped(match["text"] or "")
        if old is None or old.value is None or old.text != text:
            return match[0]
        attrs = match["attrs"]
        if old.kind in ("str", "b", "e") and " t=" not in attrs:
            attrs += f' t="{old.kind}"'
        value = old.value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return f'<c r="{match["ref"]}"{attrs}>{match["f"]}<v>{value}</v>'

    return _SAVED_CELL.sub(put_back, data.decode("utf-8")).encode("utf-8")


def _unescaped(text: str) -> str:
    replaced = text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
    return replaced.replace("&apos;", "'").replace("&amp;", "&")


def _at(grid: list[list[Any]], row: int, column: int) -> object:
    return grid[row - 1][column - 1] if row <= len(grid) and column <= len(grid[row - 1]) else None
