"""Render a sample digest, escalation and summary and screenshot them in headless Chromium.

Usage: ``python docs/make_screenshots.py [--out docs] [--chromium /usr/bin/chromium]``.
Writes ``email-digest.png``, ``email-escalation.png`` and ``email-summary.png``;
the HTML they were taken from stays in a temporary folder, whose path is printed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import tempfile
from pathlib import Path

from sheetsync.addresses import Address
from sheetsync.compose import Envelope, build_message, environment
from sheetsync.plan import DIGEST, Item, Notification, describe_rule
from sheetsync.schema import ESCALATION, OVERDUE_NOTICE, REMINDER, SUMMARY
from sheetsync.settings import Settings

TODAY = dt.date(2026, 12, 1)
NOW = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)
SHEET = "https://docs.google.com/spreadsheets/d/1AbCdEf/edit#gid=2&range=A"
JANE = Address("Jane Doe", "jane@acme.example")
LEGAL = Address("Legal Ops", "legal-ops@acme.example")
ENVELOPE = Envelope(
    sender=Address("Contract tracker", "tracker@acme.example"),
    tracker_title="Acme contracts 2027",
    tracker_url="https://docs.google.com/spreadsheets/d/1AbCdEf/edit",
)
# Browser window height per email, so each screenshot shows the whole message.
HEIGHTS = {DIGEST: 1390, ESCALATION: 860, SUMMARY: 1640}
CONTRACTS = {
    "C-001": "Globex <Supply> & Co MSA",  # markup in a name must show as text
    "C-002": "Initech hosting",
    "C-003": "Umbrella Labs SOW 4",
    "C-004": "Hooli office lease, floor 3",
}
# (sheet row, contract, title, type): the sample Milestones tab.
MILESTONES = {
    14: ("C-001", "Q3 usage report to customer", "report"),
    22: ("C-002", "Pay invoice INV-2291", "payment"),
    31: ("C-003", "Approve SOW #4 change order", "approval"),
    9: ("C-002", "Send non-renewal notice", "notice"),
    40: ("C-004", "Renewal decision: office lease", "renewal"),
    17: ("C-001", "Quarterly business review", "review"),
    52: ("C-003", "Expiry: Umbrella Labs SOW 4", "expiration"),
    12: ("C-002", "Annual security audit", "review"),
}


def item(kind: str, row: int, days_left: int, stage: int) -> Item:
    """The sample milestone on ``row`` as it appears in an email, with the real rule sentence."""
    contract_id, title, type_ = MILESTONES[row]
    due = TODAY + dt.timedelta(days=days_left)
    return Item(
        key=f"{kind}:M-{row:04d}:{due}:{stage}",
        kind=kind,
        milestone_id=f"M-{row:04d}",
        contract_id=contract_id,
        contract=CONTRACTS[contract_id],
        title=title,
        type=type_,
        due=due,
        days_left=days_left,
        stage=stage,
        row=row,
        owners=(JANE,),
        rule=describe_rule(kind, stage, days_left, type_, Settings()),
        link=f"{SHEET}{row}",
    )


def sample_digest() -> Notification:
    """Two overdue milestones and three coming up, for one owner."""
    items = [
        item(OVERDUE_NOTICE, 14, -9, 1),
        item(OVERDUE_NOTICE, 22, -3, 0),
        item(REMINDER, 31, 2, 2),
        item(REMINDER, 9, 14, 14),
        item(REMINDER, 40, 60, 60),
    ]
    return Notification(DIGEST, (JANE,), (), items)


def sample_escalation() -> Notification:
    """Two milestones escalated to the department contact, owner copied."""
    items = [item(ESCALATION, 14, -12, 2), item(ESCALATION, 22, -4, 1)]
    return Notification(ESCALATION, (LEGAL,), (JANE,), items)


def row(number: int, days_left: int, status: str) -> dict[str, object]:
    """The sample milestone on sheet row ``number`` as a line of the monthly summary."""
    contract_id, title, type_ = MILESTONES[number]
    return {
        "milestone_id": f"M-{number:04d}",
        "contract_id": contract_id,
        "contract": CONTRACTS[contract_id],
        "title": title,
        "type": type_,
        "due": TODAY + dt.timedelta(days=days_left),
        "days_left": days_left,
        "status": status,
        "row": number,
        "link": f"{SHEET}{number}",
    }


def sample_summary() -> Notification:
    """A month with something in every section."""
    counts = {
        "Dec 2026": 4,
        "Jan 2027": 2,
        "Feb 2027": 0,
        "Mar 2027": 6,
        "Apr 2027": 1,
        "May 2027": 3,
    }
    summary = {
        "month": "December 2026",
        "owner": JANE.email,
        "overdue": [row(14, -12, "Overdue"), row(22, -4, "Overdue")],
        "next_30": [row(31, 2, "Due soon"), row(9, 14, "Due soon"), row(17, 27, "Due soon")],
        "terms_90": [row(9, 14, "Due soon"), row(40, 60, "Due soon"), row(52, 88, "Upcoming")],
        "completed": [row(12, -20, "Done")],
        "problems": [
            {
                "tab": "Milestones",
                "row": 27,
                "what": "M-0027 Pay deposit",
                "problems": 'Due Date: "31/02/2027" is not a real date',
            },
            {
                "tab": "Contracts",
                "row": 6,
                "what": "C-006 Vandelay import deal",
                "problems": 'Owner: "art.vandelay" is not an email address',
            },
        ],
        "chart": [
            {"label": label, "count": n, "percent": round(100 * n / 6)}
            for label, n in counts.items()
        ],
        "contracts": 5,
    }
    key = f"summary:{JANE.email}:2026-12"
    return Notification(SUMMARY, (JANE,), (), summary=summary, summary_key=key)


def render_html(note: Notification, folder: Path) -> Path:
    """Build the real message and write its HTML part to ``folder``."""
    message = build_message(note, ENVELOPE, TODAY, NOW, environment())
    body = message.get_body(("html",))
    if body is None:
        raise SystemExit(f"the {note.kind} message has no HTML part")
    path = folder / f"{note.kind}.html"
    path.write_text(body.get_content(), encoding="utf-8")
    return path


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
    """Render the three samples and screenshot them into ``--out``."""
    parser = argparse.ArgumentParser(description="Screenshot sample sheetsync emails.")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="sheetsync-emails-"))
    for note in (sample_digest(), sample_escalation(), sample_summary()):
        page = render_html(note, folder)
        png = args.out / f"email-{note.kind}.png"
        screenshot(args.chromium, page, png, HEIGHTS[note.kind])
        print(f"{page} -> {png} ({png.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
