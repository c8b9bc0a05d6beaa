"""Screenshot the emails a run of the bundled example sends, in headless Chromium.

Usage: ``python docs/make_screenshots.py [--out docs] [--chromium /usr/bin/chromium]``.

It does what the README's "Try it" does, on a copy of ``examples/tracker.xlsx`` named
``demo.xlsx`` as of 2026-12-01, without writing or sending anything (the emails ``preview``
would render), and screenshots a reminder digest, an escalation and a monthly summary of that
run (of each kind, the median one by length): ``email-digest.png``,
``email-escalation.png`` and ``email-summary.png``.
The HTML they were taken from stays in a temporary folder, whose path is printed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import subprocess
import tempfile
from email.message import EmailMessage
from pathlib import Path

from sheetsync import pipeline
from sheetsync.backends import open_backend
from sheetsync.compose.preview import message_kind
from sheetsync.pipeline import RunOptions

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "tracker.xlsx"
TODAY = dt.date(2026, 12, 1)
KINDS = ("digest", "escalation", "summary")
# Window height per email, so each screenshot shows the whole message: (base, per sheet row).
HEIGHTS = {"digest": (560, 176), "escalation": (420, 196), "summary": (1060, 55)}


def example_messages(folder: Path) -> list[EmailMessage]:
    """The emails a run of a copy of the example would send as of ``TODAY``."""
    demo = folder / "demo.xlsx"
    shutil.copy(EXAMPLE, demo)
    return pipeline.check(open_backend(str(demo)), RunOptions(today=TODAY)).planned


def html_part(message: EmailMessage) -> str:
    """The message's HTML part, as a mail client shows it."""
    body = message.get_body(("html",))
    if body is None:
        raise SystemExit(f"{message['Subject']} has no HTML part")
    return str(body.get_content())


def typical(messages: list[EmailMessage], kind: str) -> EmailMessage:
    """The median message of ``kind`` by length: neither the emptiest nor the longest."""
    candidates = [m for m in messages if message_kind(m) == kind]
    if not candidates:
        raise SystemExit(f"the example run sends no {kind}")
    return sorted(candidates, key=lambda m: len(html_part(m)))[len(candidates) // 2]


def height(message: EmailMessage, kind: str) -> int:
    """The window height that shows the whole of ``message``, from how many rows it lists."""
    base, per_row = HEIGHTS[kind]
    return base + per_row * html_part(message).count("Milestones tab, row")


def screenshot(chromium: str, page: Path, png: Path, height: int) -> None:
    """Take one screenshot of ``page`` in headless Chromium, 800 pixels wide."""
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
    ]
    with tempfile.TemporaryDirectory() as profile:
        command = [chromium, *flags, f"--user-data-dir={profile}", f"--screenshot={png}"]
        command += [f"--window-size=800,{height}", page.as_uri()]
        subprocess.run(command, check=True, capture_output=True, timeout=120)


def main() -> None:
    """Run the example, pick one email of each kind and screenshot it into ``--out``."""
    parser = argparse.ArgumentParser(description="Screenshot the example run's emails.")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="sheetsync-emails-"))
    messages = example_messages(folder)
    for kind in KINDS:
        message = typical(messages, kind)
        page = folder / f"{kind}.html"
        page.write_text(html_part(message), encoding="utf-8")
        png = args.out / f"email-{kind}.png"
        screenshot(args.chromium, page, png, height(message, kind))
        print(f"{message['Subject']}: {page} -> {png} ({png.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
