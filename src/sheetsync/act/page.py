"""The pages the ``act`` target answers with: what to show, in words, and the HTML.

Pure. Every value from the sheet reaches the HTML through jinja2's autoescape; the page
loads nothing from anywhere (inline styles only), and ``HEADERS`` forbid it to: the
Content-Security-Policy allows no script, image, font or frame, forms only to itself.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ..compose import environment, format_day
from ..links import EXPIRED, FOREIGN, TAMPERED, Link
from .decide import ALREADY_DONE, CONFIRM, MOVED, Decision, Earlier, RowNow

CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = {
    "Content-Type": "text/html; charset=utf-8",
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",  # the token is in the address: never pass it on
    "Cache-Control": "no-store",
}
NOTHING_CHANGED = "Nothing was changed."
NEWEST = "Use the Mark done link in the newest reminder email, or tick Done in the tracker."


@dataclass(frozen=True)
class Page:
    """One answer: HTTP status, a heading, sentences, the row shown, and the form if any."""

    status: int
    heading: str
    lines: tuple[str, ...]
    row: RowNow | None = None
    token: str | None = None  # set: the page carries the Confirm form
    tracker: str = ""
    extra_headers: dict[str, str] = field(default_factory=dict)

    def html(self) -> str:
        """The page as HTML, every value escaped."""
        template = environment().get_template("act_page.html.j2")
        return template.render(page=self, day=format_day)

    def headers(self) -> dict[str, str]:
        """The security headers, plus any this page adds (Retry-After)."""
        return HEADERS | self.extra_headers


def decision_page(decision: Decision, link: Link, token: str, tracker: str) -> Page:
    """The page for what ``decide`` said (before any write)."""
    row = decision.row
    if decision.verdict == CONFIRM and row is not None:
        lines = (
            f"Confirming writes Done and today's date into row {row.row} of the Milestones tab "
            f"of {tracker}, and notes in its Log that {link.recipient} did it from the email.",
        )
        return Page(200, "Mark this milestone done?", lines, row, token, tracker)
    if decision.verdict == ALREADY_DONE:
        return Page(200, "Already done", (_already(decision, link), NOTHING_CHANGED), row)
    if decision.verdict == MOVED and row is not None:
        moved = f"moved to {format_day(row.due)}" if row.due else "was cleared"
        was = f"this link was made for {format_day(link.due)}"
        text = f"The due date {moved} ({was}); use the newest email."
        return Page(409, "The due date has changed", (text, NOTHING_CHANGED), row, None, tracker)
    text = f"No row of the Milestones tab has the ID {link.subject} any more."
    return Page(404, "Milestone not found", (text, NOTHING_CHANGED), None, None, tracker)


def written_page(row: RowNow, today: dt.date, tracker: str) -> Page:
    """The page after Done and Completed On were written."""
    text = (
        f"Done and Completed On ({format_day(today)}) are now in row {row.row} of the "
        f"Milestones tab of {tracker}. The next run stops its reminders; a repeating "
        "milestone moves on to its next date."
    )
    done = RowNow(**{**row.__dict__, "done": True, "completed_on": today})
    return Page(200, "Marked done", (text,), done, None, tracker)


def held_page(row: RowNow) -> Page:
    """The page when the row changed between the read and the write: the person's edit wins."""
    text = "Someone changed this milestone's row just now, so the link did not write over it."
    return Page(409, "The row changed", (text, NOTHING_CHANGED, "Open the link again."), row)


def rejected_page(reason: str, link: Link | None) -> Page:
    """The 403 page for a tampered, expired or foreign token."""
    if reason == EXPIRED and link is not None:
        text = f"This link stopped working after {format_day(link.expires)}."
        return Page(403, "This link has expired", (text, NOTHING_CHANGED, NEWEST))
    if reason == FOREIGN:
        text = "This link was made for a different tracker than the one this page serves."
        return Page(403, "This link is for another tracker", (text, NOTHING_CHANGED, NEWEST))
    text = "This link is damaged or incomplete (mail programs sometimes cut long links)."
    return Page(403, "This link does not work", (text, NOTHING_CHANGED, NEWEST))


def request_problem(method: str, token: str) -> Page | None:
    """The page for a request no link can be checked for (a bad method, no token); else None."""
    if method not in {"GET", "HEAD", "POST"}:
        return plain_page(405, "Not allowed", "Open the link from your email.")
    if not token:
        return plain_page(400, "No link", "Open the Mark done link from your email.")
    return None


def unlisted_page(method: str, token: str, signed: bool) -> Page:
    """The page when the tracker a fleet's link names is not among those served."""
    return request_problem(method, token) or rejected_page(FOREIGN if signed else TAMPERED, None)


def busy_page() -> Page:
    """The page when a run holds the tracker: try again shortly."""
    text = "A reminder run is updating the tracker right now; try again in a minute."
    return Page(503, "The tracker is busy", (text, NOTHING_CHANGED), extra_headers=_RETRY)


def plain_page(status: int, heading: str, *lines: str) -> Page:
    """A page with only words (a bad method, a missing token, a failure)."""
    return Page(status, heading, lines)


_RETRY = {"Retry-After": "60"}


def _already(decision: Decision, link: Link) -> str:
    """``This milestone was already marked done on Thu 3 Dec 2026 by ana@example.com.``"""
    row, earlier = decision.row, decision.earlier
    if earlier is not None:
        return f"This milestone was already marked done on {_when(earlier)} by {earlier.who}."
    if decision.done_before and row is not None and row.due:
        return (
            f"The occurrence due {format_day(link.due)} was already marked done; "
            f"the next one is due {format_day(row.due)}."
        )
    if row is not None and row.completed_on:
        return f"This milestone was already marked done on {format_day(row.completed_on)}."
    return "This milestone is already marked done in the tracker."


def _when(earlier: Earlier) -> str:
    try:
        return format_day(dt.date.fromisoformat(earlier.when[:10]))
    except ValueError:
        return earlier.when
