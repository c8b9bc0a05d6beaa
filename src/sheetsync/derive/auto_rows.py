"""Contract terms → auto milestones: each contract's notice, expiry and review rows.

Pure. A row the terms call for is added, unless that occurrence is recorded done
(a person may delete a finished row); moved when the terms move it; cancelled, with
a Log row saying why, when the terms no longer call for it. A change of review
cadence re-plans the review row once: its Repeat follows the new cadence, a done
occurrence stays done, and an occurrence already overdue stays where it is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..cells.recurrence import Rule, parse_rule
from ..keys import cancelled_key, milestone_key, moved_key
from ..normalize.settings import Settings
from ..problems import Problem
from ..schema import AUTO, CANCELLED, CANCELLED_KIND, COMPLETED, CONTRACTS, MOVED
from .changes import (
    Change,
    DeriveContext,
    Derived,
    History,
    RowSource,
    occurrence_cells,
    status_shown,
)

RISK_CADENCE = {"High": "quarterly", "Medium": "semiannual", "Low": "annual"}
# Why a contract's terms no longer call for an auto row, by the row's ID suffix.
WHY_GONE = {
    "notice": "the contract no longer has both an End Date and a Notice Period",
    "expiry": "the contract no longer has an End Date",
    "review": "the contract no longer has a Review Every or a Risk",
}


@dataclass(frozen=True)
class AutoRow:
    """A milestone a contract's terms call for: its notice, expiry or review row."""

    contract: Any  # the contract's row (a namedtuple of the contracts frame)
    suffix: str
    type: str
    title: str
    due: dt.date
    repeat: str = ""
    replanned: bool = False  # the review cadence changed: Repeat (and title) follow it

    @property
    def id(self) -> str:
        """The auto milestone's ID."""
        return f"{self.contract.id}/{self.suffix}"


def review_rule(contract: Any) -> tuple[str, Rule | None]:
    """The contract's review cadence text and rule: Review Every, else by Risk."""
    text = str(contract.review_every or RISK_CADENCE.get(contract.risk, ""))
    rule = parse_rule(text) if text else None
    return text, rule if isinstance(rule, Rule) else None


def reconcile_auto(derived: Derived, settings: Settings, context: DeriveContext) -> None:
    """Add, move, re-plan and cancel auto rows so they follow each contract's terms."""
    source, history = context.source, context.history
    frame = derived.milestones
    auto = (frame["source"] == AUTO).to_numpy(dtype=bool)
    existing = {frame["id"].iat[i]: int(i) for i in np.flatnonzero(auto)}
    _record_done(derived, auto, history)
    wanted = _desired(derived, existing, context)
    fresh: list[AutoRow] = []
    for want in wanted:
        at = existing.get(want.id)
        if at is not None:
            _follow(derived, source, want, at)
        elif (want.id, want.due) not in history.completed:
            fresh.append(want)
    _cancel_gone(derived, auto, {w.id for w in wanted}, history)
    if fresh:
        derived.milestones = pd.concat(
            [derived.milestones, _new_frame(fresh, source, settings)], ignore_index=True
        )
        derived.new_rows = [_sheet_row(w, source) for w in fresh]


def _record_done(derived: Derived, auto: np.ndarray, history: History) -> None:
    """A done auto row's occurrence goes in the Log once, so deleting the row cannot reopen it."""
    frame = derived.milestones
    done = auto & (frame["done"] & ~frame["cancelled"] & frame["due"].notna()).to_numpy(bool)
    for at in np.flatnonzero(done):
        mid = frame["id"].iat[at]
        day = frame["due"].iat[at].date().isoformat()
        key = milestone_key(COMPLETED, mid, day, day)
        if key not in history.recorded:
            m = frame.iloc[at]
            subject = f"{m['title']}: the occurrence due {day} is done"
            derived.changes.append(
                Change(mid, m["contract_id"], int(m["row"]), {}, {}, COMPLETED, key, subject)
            )


def _desired(derived: Derived, existing: dict[str, int], context: DeriveContext) -> list[AutoRow]:
    """The auto milestones each active contract's terms call for, with their due dates.

    A Review Every that is no cadence is a Problem added to ``derived``.
    """
    contracts, frame, problems = derived.contracts, derived.milestones, derived.problems
    wanted: list[AutoRow] = []
    for c in _terms(contracts).itertuples(index=False):
        if c.notice_deadline is not None:
            renews = " so it does not renew" if c.auto_renew else ""
            title = f"Last day to give notice on {c.name}{renews}"
            wanted.append(AutoRow(c, "notice", "notice", title, c.notice_deadline))
        if c.term_end is not None:
            title = f"{c.name}: term ends"
            wanted.append(AutoRow(c, "expiry", "expiration", title, c.term_end))
        text, rule = review_rule(c)
        if rule is not None:
            wanted.append(_review(c, (text, rule), existing.get(f"{c.id}/review"), frame, context))
        elif text and c.review_every:
            shown = text[:60]
            reason = "is not a cadence (try Quarterly, Annual or every 6 months); no review row"
            problems.append(
                Problem(CONTRACTS, int(c.row), "Review Every", f'Review Every: "{shown}" {reason}')
            )
    return wanted


def _usable(contracts: pd.DataFrame) -> pd.Series:
    return contracts["active"] & (contracts["id"] != "") & ~contracts["duplicate"]


_TERMS = ("id", "name", "owners", "department", "row", "auto_renew", "review_every", "risk")
_DAYS = ("notice_deadline", "term_end", "start")


def _terms(contracts: pd.DataFrame) -> pd.DataFrame:
    """The usable contracts' columns auto rows read; dates as plain days, None when blank."""
    usable = contracts[_usable(contracts)]
    columns = {name: usable[name] for name in _TERMS}
    for name in _DAYS:
        days = usable[name].dt.date.to_numpy(dtype=object, copy=True)
        days[usable[name].isna().to_numpy(dtype=bool)] = None
        columns[name] = pd.Series(days, index=usable.index, dtype=object)
    return pd.DataFrame(columns)


def _review(
    c: Any, cadence: tuple[str, Rule], at: int | None, frame: pd.DataFrame, context: DeriveContext
) -> AutoRow:
    """The review row's occurrence: kept while the cadence holds, else planned once anew.

    ``cadence`` is the Review Every text and its rule; ``at`` the review row's place in
    ``frame``, if it has one.

    A new or re-planned review (or one back after it was cancelled) starts at the first
    occurrence on or after today later than any already done; when only the cadence
    changed, an overdue one stays overdue.
    """
    (text, rule), today, history = cadence, context.today, context.history
    title = f"Review {c.name} ({text})"
    current = frame["due"].iat[at] if at is not None else pd.NaT
    if at is not None and pd.notna(current):
        changed = frame["repeat"].iat[at] != text
        overdue = current.date() < today and not frame["done"].iat[at]
        key = cancelled_key(f"{c.id}/review", current.date().isoformat())
        cancelled = key in history.recorded or status_shown(frame, at, CANCELLED)
        if not cancelled and (not changed or overdue):
            return AutoRow(c, "review", "review", title, current.date(), text, changed)
    day = today
    done = history.last_done.get(f"{c.id}/review")
    if done is not None and done >= day:
        day = done + dt.timedelta(days=1)
    start = c.start if c.start is not None else today
    due = rule.on_or_after(start, day) or day
    replanned = at is not None and frame["repeat"].iat[at] != text
    return AutoRow(c, "review", "review", title, due, text, replanned)


def _follow(derived: Derived, source: RowSource, want: AutoRow, at: int) -> None:
    """Move an existing auto row to the date its terms call for; re-plan its cadence."""
    frame = derived.milestones
    old = frame["due"].iat[at]
    moved = pd.isna(old) or old.date() != want.due
    # Without a Repeat column the new cadence cannot be written: no re-plan to log each run.
    replanned = want.replanned and "Repeat" in source.headers
    if not (moved or replanned):
        return
    m = frame.iloc[at]
    before = old.date().isoformat() if pd.notna(old) else "none"
    after = want.due.isoformat()
    cells: dict[str, object] = {}
    expect: dict[str, object] = {}
    if moved:
        cells, expect = occurrence_cells(source, at, want.due)
        frame.iloc[at, frame.columns.get_loc("due")] = pd.Timestamp(want.due)
        frame.iloc[at, frame.columns.get_loc("done")] = False
        frame.iloc[at, frame.columns.get_loc("completed_on")] = pd.NaT
    subject = f"{m['title']}: due date moved from {before} to {after}"
    if replanned:
        replan, replan_expect = _replan_cells(m, want, source, at)
        cells, expect = {**cells, **replan}, {**expect, **replan_expect}
        frame.iloc[at, frame.columns.get_loc("repeat")] = want.repeat
        stays = f"due date moved from {before} to {after}" if moved else f"still due {after}"
        subject = f"{m['title']}: review cadence is now {want.repeat}; {stays}"
    key = moved_key(m["id"], before, after)
    derived.changes.append(
        Change(m["id"], m["contract_id"], int(m["row"]), cells, expect, MOVED, key, subject)
    )


def _replan_cells(
    m: pd.Series, want: AutoRow, source: RowSource, at: int
) -> tuple[dict[str, object], dict[str, object]]:
    """Repeat follows the new cadence; the title too, while it is still the program's.

    Returns the cells to write and what each must still hold.
    """
    cells: dict[str, object] = {}
    expect: dict[str, object] = {}
    header = source.headers.get("Repeat")
    if header is not None and source.raw_repeat is not None:
        cells[header] = want.repeat
        expect[header] = source.raw_repeat.iat[at]
    old_title = f"Review {want.contract.name} ({m['repeat']})"
    title_header = source.headers.get("Milestone")
    if title_header is not None and m["title"] == old_title:
        cells[title_header] = want.title
        expect[title_header] = old_title
    return cells, expect


def _cancel_gone(derived: Derived, auto: np.ndarray, wanted: set[str], history: History) -> None:
    """Cancel open auto rows an active contract's terms no longer call for, logged once."""
    frame = derived.milestones
    live = derived.contracts.loc[_usable(derived.contracts), "id"]
    gone = (~frame["id"].isin(wanted) & frame["contract_id"].isin(live) & ~frame["done"]).to_numpy(
        bool
    )
    for at in np.flatnonzero(auto & gone):
        mid, contract_id = frame["id"].iat[at], frame["contract_id"].iat[at]
        suffix = mid[len(contract_id) + 1 :]
        if mid != f"{contract_id}/{suffix}" or suffix not in WHY_GONE:
            continue
        frame.iloc[at, frame.columns.get_loc("cancelled")] = True
        due = frame["due"].iat[at]
        day = due.date().isoformat() if pd.notna(due) else "none"
        key = cancelled_key(mid, day)
        if key not in history.recorded and not status_shown(frame, int(at), CANCELLED):
            subject = f"{frame['title'].iat[at]}: cancelled, {WHY_GONE[suffix]}"
            row = int(frame["row"].iat[at])
            derived.changes.append(
                Change(mid, contract_id, row, {}, {}, CANCELLED_KIND, key, subject)
            )


def _new_frame(fresh: list[AutoRow], source: RowSource, settings: Settings) -> pd.DataFrame:
    """The new auto rows as milestones, so this run evaluates them too (built column by column)."""
    n = len(fresh)
    types = [want.type for want in fresh]
    owners = [want.contract.owners for want in fresh]
    columns: dict[str, object] = {
        "row": range(source.next_row, source.next_row + n),
        "id": [want.id for want in fresh],
        "new_id": [False] * n,
        "contract_id": [want.contract.id for want in fresh],
        "title": [want.title for want in fresh],
        "type": types,
        "due": np.array([want.due for want in fresh], dtype="datetime64[D]"),
        "owners": owners,
        "escalate_to": [()] * n,
        "lead_days": [settings.lead_days[t] for t in types],
        "lead_from": ["setting" if t in settings.remind_set else "default" for t in types],
        "repeat": [want.repeat for want in fresh],
        "done": [False] * n,
        "completed_on": [pd.NaT] * n,
        "notes": [""] * n,
        "source": [AUTO] * n,
        "blocked": [not o for o in owners],
        "cancelled": [False] * n,
        "department": [want.contract.department for want in fresh],
    }
    return pd.DataFrame(columns)


def _sheet_row(want: AutoRow, source: RowSource) -> dict[str, object]:
    """The person-visible cells of a new auto row, by the sheet's own headers."""
    values: dict[str, object] = {
        "Milestone ID": want.id,
        "Contract ID": want.contract.id,
        "Milestone": want.title,
        "Type": want.type,
        "Due Date": want.due,
    }
    if want.repeat:
        values["Repeat"] = want.repeat
    return {source.headers.get(k, k): v for k, v in values.items()}
