"""Approval steps: one auto row per approver, in order, for a contract in Draft or In review.

Pure. Rows are ``{contract}/approval-1 … -n`` (Source auto, Type approval). Only the
first step not done is open: it is due *Approval days* business days after the day
it opened (recorded in the Log as an ``opened`` row and in the step's Last Notified
cell, so every run reads the same day: ``records``). Later steps wait for the one
before them, with no due date until they open. A re-route keeps the steps done,
keeps open steps that still come in the new order, cancels the others and adds the
missing approvers after them. Steps stop (cancelled) when the contract leaves Draft
or In review for any status but Terminated, Expired or Superseded, which cancel them
as they cancel every milestone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..cells.addresses import Address, allowed_split
from ..derive.auto_wanted import has_id
from ..derive.changes import Change, DeriveContext, Derived, RowSource, occurrence_cells
from ..derive.contract_rows import CONTRACT_AT
from ..keys import added_key, moved_key, opened_key, step_cancelled_key
from ..normalize.settings import Settings
from ..problems import Problem
from ..schema import (
    ADDED,
    CANCELLED_KIND,
    CONTRACTS,
    MILESTONES,
    MOVED,
    OPENED,
    UNDER_APPROVAL,
)
from ..values import filled
from .found import Step, existing_steps
from .records import cancelled_steps, opened_days, step_rows
from .routes import SHOWN, Route, route_for

APPROVAL = "approval"
APPROVED, IN_APPROVAL = "approved", "in approval"


def add_business_days(day: dt.date, count: int) -> dt.date:
    """The day ``count`` business days (Monday to Friday) after ``day``."""
    while count > 0:
        day += dt.timedelta(days=1)
        count -= day.weekday() < 5
    return day


def step_title(contract_name: str, approver: Address) -> str:
    """A step's Milestone text; the approver at its end is how later runs know the step."""
    return f"Approval of {contract_name} by {approver.email}"


@dataclass
class _Run:
    """One reconciliation: what it reads, and the rows, waits and Log rows it makes."""

    derived: Derived
    source: RowSource
    settings: Settings
    today: dt.date
    opened: dict[str, dt.date]
    recorded: frozenset[str]
    fresh: list[tuple[Any, Step]] = field(default_factory=list)
    waits: dict[str, int] = field(default_factory=dict)
    state: dict[str, str] = field(default_factory=dict)
    opened_on: dict[str, dt.date] = field(default_factory=dict)  # each open step's day

    def add_by(self, day: dt.date) -> dt.date:
        return add_business_days(day, self.settings.approval_days)


def reconcile_approvals(derived: Derived, settings: Settings, context: DeriveContext) -> None:
    """Add, open, re-route and stop each contract's approval steps (see the module's doc)."""
    source, today, history = context.source, context.today, context.history
    frame = derived.milestones
    candidates = step_rows(frame)  # the rows that could be steps, found once for all three
    opened = opened_days(history.recorded, frame, candidates)
    run = _Run(derived, source, settings, today, opened, history.recorded)
    gone = cancelled_steps(history.recorded, frame, candidates)
    by_contract = existing_steps(frame, gone, source, candidates)
    contracts = derived.contracts
    # A contract with no steps that is not under approval has nothing to reconcile. The
    # statuses are compared as plain objects (a couple of texts): quicker than the column's isin.
    reconciled = np.isin(contracts["status"].to_numpy(dtype=object), UNDER_APPROVAL)
    if by_contract:
        reconciled |= contracts["id"].isin(list(by_contract)).to_numpy(dtype=bool)
    reconciled &= has_id(contracts).to_numpy() & ~contracts["duplicate"].to_numpy(dtype=bool)
    # Most trackers have no contract under approval and no steps: no rows taken then.
    chosen = contracts[reconciled].itertuples(index=False) if reconciled.any() else iter(())
    for c in chosen:
        steps = by_contract.get(c.id, ([], 0))
        if c.status in UNDER_APPROVAL:
            _route(run, c, *steps)
        elif not c.ended:
            _stop(run, c, steps[0])
    _not_counted_early(derived)
    _append_fresh(run)
    frame = derived.milestones
    if run.waits:
        frame["waits_for"] = _by_id(frame, run.waits).fillna(0).astype("int64")
    else:  # no step waits: 0 on every row, nothing looked up
        frame["waits_for"] = pd.Series(
            np.zeros(len(frame), dtype=np.int64), frame.index, copy=False
        )
    frame["opened_on"] = _by_id(frame, run.opened_on).astype(object)
    states = filled(len(derived.contracts), "")
    if run.state:  # only contracts with steps have a state
        ids = derived.contracts["id"].tolist()
        states[:] = [run.state.get(i, "") for i in ids]
    derived.contracts["approval"] = pd.Series(
        states, index=derived.contracts.index, dtype=object, copy=False
    )


def _by_id(frame: pd.DataFrame, values: dict[str, Any]) -> pd.Series:
    """Each milestone's value by its ID (NaN where none): no lookups when there is none."""
    if not values:  # NaN as one object: the same cells a float column would give as objects
        cells = filled(len(frame), np.nan)
        return pd.Series(cells, index=frame.index, dtype=object, copy=False)
    return frame["id"].map(values)


def _route(run: _Run, c: Any, steps: list[Step], top: int) -> None:
    """Keep the contract's steps in line with its route: done ones stay, the rest follow it."""
    route = route_for(run.settings.approval_routes, c)
    if route is None and run.settings.approval_routes:
        run.derived.problems.append(
            Problem(
                CONTRACTS,
                int(c.row),
                "Contract Status",
                "no Approval route applies to this contract and there is no "
                "Approval route: default, so it has no approval steps",
            )
        )
    wanted = route.approvers if route is not None else ()
    done = 0
    while done < len(steps) and steps[done].done:
        done += 1
    satisfied = {s.approver for s in steps[:done]}
    missing = [a for a in wanted if a.email not in satisfied]
    kept = done
    for step in steps[done:]:
        if kept - done < len(missing) and step.approver == missing[kept - done].email:
            steps[kept] = step
            kept += 1
        else:
            _cancel(run, step, "route", _why_rerouted(route, c))
    new = [_new_step(c, top + n + 1, a) for n, a in enumerate(missing[kept - done :])]
    chain = steps[:kept] + new
    _schedule(run, c, chain, rerouted=bool(steps) and bool(new), route=route)
    if chain:
        run.state[c.id] = APPROVED if all(s.done for s in chain) else IN_APPROVAL


def _new_step(c: Any, number: int, approver: Address) -> Step:
    title = step_title(c.name, approver)
    return Step(number, f"{c.id}/approval-{number}", approver.email, title, address=approver)


def _why_rerouted(route: Route | None, c: Any) -> str:
    if route is None:
        return "no longer required: no Approval route applies to the contract now"
    order = " → ".join(a.email for a in route.approvers)
    why = f"Approval route: {route.condition} applies now{_facts(route, c)}"
    return f"no longer required: {why} ({order})"


def _facts(route: Route, c: Any) -> str:
    """``, as Value is now 1,500,000``: what about the contract selects the route."""
    columns = [clause.column for clause in route.clauses] or list(SHOWN)
    shown = []
    for column in dict.fromkeys(columns):
        cell = getattr(c, column, "")
        blank = cell is None or cell == "" or (isinstance(cell, float) and cell != cell)
        text = "blank" if blank else f"{cell:,.0f}" if isinstance(cell, float) else str(cell)
        shown.append(f"{SHOWN[column]} is now {text}")
    if route.is_default:
        return f", as no other route's condition holds ({', '.join(shown)})"
    return f", as {' and '.join(shown)}"


def _schedule(run: _Run, c: Any, chain: list[Step], rerouted: bool, route: Route | None) -> None:
    """Open the first step not done; the later ones wait; a later one ticked early is a Problem."""
    before: Step | None = None
    opened: Step | None = None
    for step in chain:
        if opened is None and step.done:
            before = step
            continue
        if opened is None:
            step.due = _open(run, step, before)
            opened = step
        else:
            if step.done:
                _early(run, step, opened)
            assert before is not None
            run.waits[step.id] = before.number
            _undated(run, step, before)
        if step.at is None:
            run.fresh.append((c, step))
            if rerouted and step is not opened and route is not None:
                _log_added(run, c, step, route)
        before = step


def _undated(run: _Run, step: Step, before: Step) -> None:
    """A waiting step has no due date until it opens; one a run gave it before is cleared."""
    if step.at is None or step.due is None:
        step.due = None
        return
    frame = run.derived.milestones
    header = run.source.headers.get("Due Date", "Due Date")
    cells: dict[str, object] = {header: None}
    expect: dict[str, object] = {header: run.source.raw_due.iat[step.at]}
    frame.at[step.at, "due"] = pd.NaT
    key = moved_key(step.id, step.due.isoformat(), "none")
    subject = f"{step.title}: waits for step {before.number}, so its due date is set when it opens"
    contract, row = step.id.rsplit("/", 1)[0], int(frame.at[step.at, "row"])
    run.derived.changes.append(Change(step.id, contract, row, cells, expect, MOVED, key, subject))
    step.due = None


def _open(run: _Run, step: Step, before: Step | None) -> dt.date:
    """The open step's due date: Approval days after the day it opened, recorded once."""
    frame = run.derived.milestones
    day = run.opened.get(step.id)
    if day is None:
        run.opened_on[step.id] = day = _opening_day(run, before)
        due = run.add_by(day)
        done = f" (step {before.number} done)" if before is not None else ""
        subject = f"{step.title}: opens {day}{done}, due {due}"
        key = opened_key(step.id, due, day)
        kind = OPENED
    else:
        run.opened_on[step.id] = day
        due = run.add_by(day)
        if step.due == due:
            return due
        subject = f"{step.title}: due date moved from {step.due or 'none'} to {due}"
        key, kind = moved_key(step.id, str(step.due or "none"), due.isoformat()), MOVED
    cells: dict[str, object] = {}
    expect: dict[str, object] = {}
    if step.at is not None and step.due != due:
        cells, expect = occurrence_cells(run.source, step.at, due)
        frame.at[step.at, "due"] = pd.Timestamp(due)
    contract = step.id.rsplit("/", 1)[0]
    row = int(frame.at[step.at, "row"]) if step.at is not None else 0
    run.derived.changes.append(Change(step.id, contract, row, cells, expect, kind, key, subject))
    return due


def _opening_day(run: _Run, before: Step | None) -> dt.date:
    """The day a step opens: the step before it's Completed On, else the run's day."""
    done_on = before.completed_on if before is not None else None
    return done_on if done_on is not None and done_on <= run.today else run.today


def _early(run: _Run, step: Step, opened: Step) -> None:
    """A later step ticked Done before the open one: a Problem, and it does not count yet."""
    assert step.at is not None
    frame = run.derived.milestones
    frame.at[step.at, "done"] = False
    frame.at[step.at, "blocked"] = True
    step.done = False
    message = (
        f"Done is ticked on approval step {step.number} before step {opened.number} "
        f"({opened.approver or 'its approver'}) is done; approvals go in order, so this one "
        f"does not count yet: untick it, or have step {opened.number} done first"
    )
    run.derived.problems.append(Problem(MILESTONES, int(frame.at[step.at, "row"]), "Done", message))


def _log_added(run: _Run, c: Any, step: Step, route: Route) -> None:
    order = " → ".join(a.email for a in route.approvers)
    why = f"Approval route: {route.condition} applies now{_facts(route, c)} ({order})"
    subject = f"{step.title}: added as step {step.number}, {why}"
    key = added_key(step.id, step.due)
    run.derived.changes.append(Change(step.id, c.id, 0, {}, {}, ADDED, key, subject))


def _cancel(run: _Run, step: Step, suffix: str, reason: str) -> None:
    """Cancel a step, with a Log row saying why (once)."""
    if step.at is None:
        return
    frame = run.derived.milestones
    frame.at[step.at, "cancelled"] = True
    key = step_cancelled_key(step.id, step.due, suffix)
    if key in run.recorded:
        return
    contract = str(frame.at[step.at, "contract_id"])
    row = int(frame.at[step.at, "row"])
    subject = f"{step.title}: cancelled, {reason}"
    run.derived.changes.append(Change(step.id, contract, row, {}, {}, CANCELLED_KIND, key, subject))


def _stop(run: _Run, c: Any, steps: list[Step]) -> None:
    """The contract left Draft and In review: its open steps stop."""
    status = "Active" if c.status in ("", "active") else str(c.status).capitalize()
    for step in steps:
        if not step.done:
            reason = f"the contract is {status} now, so its approval steps stop"
            _cancel(run, step, "stopped", reason)


def _not_counted_early(derived: Derived) -> None:
    """No ``completed`` Log row for a step ticked Done out of order (it does not count yet)."""
    early = {p.row for p in derived.problems if p.tab == MILESTONES and p.column == "Done"}
    if not early:
        return
    derived.changes = [
        c for c in derived.changes if not (c.kind == "completed" and c.read_row in early)
    ]


def _append_fresh(run: _Run) -> None:
    """The new steps as milestones (evaluated this run) and as rows to append."""
    if not run.fresh:
        return
    derived, source, settings = run.derived, run.source, run.settings
    start = source.next_row + len(derived.new_rows)
    rows = [_frame_row(c, step, start + n, settings) for n, (c, step) in enumerate(run.fresh)]
    if CONTRACT_AT in derived.milestones:  # the rows' contracts by position, as derive keeps them
        at = _first_rows(derived.contracts["id"], {c.id for c, _ in run.fresh})
        for row, (c, _) in zip(rows, run.fresh, strict=True):
            row[CONTRACT_AT] = at[c.id]
    derived.milestones = pd.concat([derived.milestones, pd.DataFrame(rows)], ignore_index=True)
    derived.new_rows = [*derived.new_rows, *(_sheet_row(c, s, source) for c, s in run.fresh)]


def _first_rows(ids: pd.Series, wanted: set[str]) -> dict[str, int]:
    """The position of the first row holding each of the ``wanted`` IDs."""
    first: dict[str, int] = {}
    for at, found in enumerate(ids.tolist()):
        if found in wanted and found not in first:
            first[found] = at
    return first


def _frame_row(c: Any, step: Step, row: int, settings: Settings) -> dict[str, object]:
    assert step.address is not None
    owners, _ = allowed_split((step.address,), settings.allowed_domains)
    return {
        "row": row,
        "id": step.id,
        "new_id": False,
        "contract_id": c.id,
        "title": step.title,
        "type": APPROVAL,
        "due": pd.Timestamp(step.due),
        "owners": owners,
        "escalate_to": (),
        "lead_days": settings.lead_days[APPROVAL],
        "lead_from": "setting" if APPROVAL in settings.remind_set else "default",
        "repeat": "",
        "done": False,
        "completed_on": pd.NaT,
        "notes": "",
        "source": "auto",
        "blocked": not owners,
        "cancelled": False,
        "department": c.department,
    }


def _sheet_row(c: Any, step: Step, source: RowSource) -> dict[str, object]:
    """The person-visible cells of a new step, by the sheet's own headers."""
    values: dict[str, object] = {
        "Milestone ID": step.id,
        "Contract ID": c.id,
        "Milestone": step.title,
        "Type": APPROVAL,
        "Due Date": step.due,
    }
    if "Owner" in source.headers:
        values["Owner"] = step.address.formatted() if step.address else step.approver
    return {source.headers.get(k, k): v for k, v in values.items()}
