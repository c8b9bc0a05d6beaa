"""Contract terms → auto milestones: each contract's notice, expiry and review rows.

Pure. A row the terms call for is added, unless that occurrence is recorded done
(a person may delete a finished row); moved when the terms move it; cancelled, with
a Log row saying why, when the terms no longer call for it. A change of review
cadence re-plans the review row once: its Repeat follows the new cadence, a done
occurrence stays done, and an occurrence already overdue stays where it is.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..approvals.records import auto_mask
from ..keys import cancelled_key, milestone_key, moved_key
from ..normalize.settings import Settings
from ..schema import AUTO, CANCELLED, CANCELLED_KIND, COMPLETED, MOVED
from ..values import filled
from .appending import appended
from .auto_wanted import TYPES, AutoRow, Wanted, desired, review_rule, usable
from .changes import (
    Change,
    DeriveContext,
    Derived,
    History,
    NewRows,
    RowSource,
    occurrence_cells,
    status_shown,
)
from .contract_rows import CONTRACT_AT

# Why a contract's terms no longer call for an auto row, by the row's ID suffix.
WHY_GONE = {
    "notice": "the contract no longer has both an End Date and a Notice Period",
    "expiry": "the contract no longer has an End Date",
    "review": "the contract no longer has a Review Every or a Risk",
}
__all__ = ["AutoRow", "reconcile_auto", "review_rule"]


def reconcile_auto(derived: Derived, settings: Settings, context: DeriveContext) -> None:
    """Add, move, re-plan and cancel auto rows so they follow each contract's terms."""
    source, history = context.source, context.history
    frame = derived.milestones
    auto = auto_mask(frame["source"])
    ids = frame["id"].to_numpy(dtype=object)
    existing = {ids[i]: int(i) for i in np.flatnonzero(auto)}
    _record_done(derived, auto, history)
    wanted = desired(derived, existing, context)
    wanted_ids = wanted.ids
    at = np.full(len(wanted_ids), -1, dtype=np.int64)
    if existing:  # a tab without auto rows: every wanted row is new, nothing to look up
        at[:] = [existing.get(i, -1) for i in wanted_ids]
    for i in _to_follow(frame, wanted, at, source):
        _follow(derived, source, wanted.row(int(i)), int(at[i]))
    fresh = _fresh(wanted, wanted_ids, at, history)
    _cancel_gone(derived, auto, wanted_ids, history)
    if len(fresh):
        every = len(fresh) == len(wanted_ids)  # a first run: every wanted row is new, in order
        fresh_ids = wanted_ids if every else wanted_ids[fresh]
        new = _new_columns(wanted, (fresh, fresh_ids), source, settings)
        if CONTRACT_AT in frame:  # each new row's contract is known: its position
            new[CONTRACT_AT] = wanted.at[fresh]
        derived.milestones = appended(frame, new)
        derived.new_rows = _sheet_rows(wanted, (fresh, fresh_ids), source)


def _to_follow(
    frame: pd.DataFrame, wanted: Wanted, at: np.ndarray, source: RowSource
) -> np.ndarray:
    """The wanted rows already in the sheet whose date moved or whose cadence is re-planned."""
    here = np.flatnonzero(at >= 0)
    old = frame["due"].to_numpy(dtype="datetime64[D]")[at[here]]
    moved = np.isnat(old) | (old != wanted.due[here])
    replanned = wanted.replanned[here] & ("Repeat" in source.headers)
    return here[moved | replanned]


def _fresh(wanted: Wanted, ids: np.ndarray, at: np.ndarray, history: History) -> np.ndarray:
    """The wanted rows not in the sheet, unless that occurrence is recorded done."""
    new = np.flatnonzero(at < 0)
    if not history.completed:
        return new
    days = wanted.due[new].astype(object)
    kept = [(ids[i], day) not in history.completed for i, day in zip(new, days, strict=True)]
    return new[np.array(kept, dtype=bool)]


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


def _cancel_gone(
    derived: Derived, auto: np.ndarray, wanted_ids: np.ndarray, history: History
) -> None:
    """Cancel open auto rows an active contract's terms no longer call for, logged once."""
    frame = derived.milestones
    rows = np.flatnonzero(auto)
    if not len(rows):
        return
    wanted = set(wanted_ids)
    live = derived.contracts.loc[usable(derived.contracts), "id"]
    part = frame[["id", "contract_id", "done"]].iloc[rows]  # only what is read, not every column
    gone = (~part["id"].isin(wanted) & part["contract_id"].isin(live) & ~part["done"]).to_numpy(
        bool
    )
    for at in rows[gone]:
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


def _new_columns(
    wanted: Wanted, new: tuple[np.ndarray, np.ndarray], source: RowSource, settings: Settings
) -> dict[str, object]:
    """The new auto rows as milestones' columns, so this run evaluates them too.

    ``new`` is the rows' positions in ``wanted`` and their Milestone IDs.
    """
    fresh, ids = new
    n = len(fresh)
    kinds = wanted.kind[fresh]
    owners = wanted.column("owners")[fresh]
    contract_ids = wanted.column("id")[fresh]
    lead_days = np.empty(len(TYPES), dtype=object)
    lead_from = np.empty(len(TYPES), dtype=object)
    for at in np.flatnonzero(np.bincount(kinds, minlength=len(TYPES))).tolist():  # kinds made
        kind = TYPES[at]  # each read from Settings once; one by one: a ladder is a tuple
        lead_days[at] = settings.lead_days[kind]
        lead_from[at] = "setting" if kind in settings.remind_set else "default"
    none = filled(n, ())
    return {
        "row": np.arange(source.next_row, source.next_row + n, dtype=np.int64),
        "id": ids,
        "new_id": np.zeros(n, dtype=bool),
        "contract_id": contract_ids,
        "title": wanted.title[fresh],
        "type": TYPES.take(kinds),
        "due": wanted.due[fresh],
        "owners": owners,
        "escalate_to": none,
        "lead_days": lead_days.take(kinds),
        "lead_from": lead_from.take(kinds),
        "repeat": wanted.repeat[fresh],
        "done": np.zeros(n, dtype=bool),
        "completed_on": np.full(n, np.datetime64("NaT"), dtype="datetime64[s]"),
        "notes": filled(n, ""),
        "source": filled(n, AUTO),
        "blocked": ~owners.astype(bool),  # no owner: an empty tuple
        "cancelled": np.zeros(n, dtype=bool),
        "department": wanted.column("department")[fresh],
    }


def _sheet_rows(wanted: Wanted, new: tuple[np.ndarray, np.ndarray], source: RowSource) -> NewRows:
    """The person-visible cells of each new auto row, by the sheet's own headers.

    ``new`` is the rows' positions in ``wanted`` and their Milestone IDs. A review row
    has its cadence as Repeat too; other rows have no Repeat cell.
    """
    fresh, ids = new
    names = ("Milestone ID", "Contract ID", "Milestone", "Type", "Due Date")
    id_at, contract_at, title_at, type_at, due_at = (source.headers.get(k, k) for k in names)
    repeat_at = source.headers.get("Repeat", "Repeat")
    columns = {
        id_at: ids,
        contract_at: wanted.column("id")[fresh],
        title_at: wanted.title[fresh],
        type_at: TYPES.take(wanted.kind[fresh]),
        due_at: wanted.due[fresh],
        repeat_at: wanted.repeat[fresh],
    }
    return NewRows(columns, sparse=repeat_at)
