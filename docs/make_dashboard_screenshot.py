"""Screenshot the Dashboard tab of the example, as LibreOffice draws it.

Usage: ``python docs/make_dashboard_screenshot.py [--out docs]`` (needs LibreOffice's
``soffice`` and poppler's ``pdftoppm``; on Debian ``apt-get install libreoffice-calc
poppler-utils``).

It does what the README's "Try it" does (a run of a copy of ``examples/tracker.xlsx`` as of
2026-12-01, emails into a temporary outbox), keeps only the Dashboard tab in a copy of the
workbook, converts it to PDF with LibreOffice headless and the first page to
``dashboard.png``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import subprocess
import tempfile
from pathlib import Path

import openpyxl

from sheetsync import pipeline
from sheetsync.backends.xlsx import XlsxBackend
from sheetsync.pipeline import RunOptions
from sheetsync.transports.outbox import OutboxTransport

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "tracker.xlsx"
TODAY = dt.date(2026, 12, 1)
DPI = 150


def dashboard_only(folder: Path) -> Path:
    """A workbook holding only the Dashboard a run of the example as of TODAY writes."""
    demo = folder / "demo.xlsx"
    shutil.copy(EXAMPLE, demo)
    pipeline.run(XlsxBackend(demo), OutboxTransport(folder / "outbox"), RunOptions(today=TODAY))
    book = openpyxl.load_workbook(demo)
    for sheet in list(book.worksheets):
        if sheet.title != "Dashboard":
            book.remove(sheet)
    target = folder / "dashboard.xlsx"
    book.save(target)
    return target


def main() -> None:
    """Write ``dashboard.png`` into ``--out``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    out = parser.parse_args().out
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        workbook = dashboard_only(folder)
        soffice = ["soffice", "--headless", "--convert-to", "pdf", "--outdir", tmp]
        subprocess.run([*soffice, str(workbook)], check=True, capture_output=True, timeout=300)
        pdf, page = folder / "dashboard.pdf", ["pdftoppm", "-r", str(DPI), "-singlefile"]
        subprocess.run([*page, str(pdf), str(folder / "page")], check=True)
        x, y, width, height = content_box(folder / "page.ppm")
        crop = ["-x", str(x), "-y", str(y), "-W", str(width), "-H", str(height)]
        subprocess.run([*page, "-png", *crop, str(pdf), str(out / "dashboard")], check=True)
    print(out / "dashboard.png")


def content_box(ppm: Path, margin: int = 24) -> tuple[int, int, int, int]:
    """The box (x, y, width, height) around everything not white on a PPM page, plus a margin."""
    data = ppm.read_bytes()
    _, size, _, pixels = data.split(b"\n", 3)  # P6, "width height", 255, the pixels
    columns, rows = (int(n) for n in size.split())
    ink = bytes(1 if value < 235 else 0 for value in range(256))
    left, right, top, bottom = columns, 0, rows, 0
    for row in range(rows):
        line = pixels[row * columns * 3 : (row + 1) * columns * 3].translate(ink)
        first = line.find(1)
        if first >= 0:
            left, right = min(left, first // 3), max(right, line.rfind(1) // 3)
            top, bottom = min(top, row), row
    x, y = max(left - margin, 0), max(top - margin, 0)
    return x, y, min(right + margin, columns) - x, min(bottom + margin, rows) - y


if __name__ == "__main__":
    main()
