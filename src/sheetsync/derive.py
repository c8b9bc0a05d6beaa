"""Contract terms → auto milestones; recurring milestones → their current occurrence.

Pure: takes the typed frames and ``today``, returns new frames plus the cells to
write and the Log rows that record what moved. Term End rolls an auto-renewing
contract forward by its Renewal Term (12 months when blank) as many times as
needed; Notice Deadline = Term End − Notice Period.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .problems import Problem
from .recurrence import Rule, parse_rule
from .schema import CONTRACTS, MILESTONES
from .settings import WEEKEND_PREVIOUS, Settings

RISK_CADENCE = {"High": "quarterly", "Medium": "semiannual", "Low": "annual"}
MOVED, COMPLETED = "moved", "completed"


@dataclass
class Change:
    """Person-visible cells the run rewrites on one milestone row, and why (a Log row)."""

    milestone_id: str
    contract_id: str
    read_row: int
    cells: dict[str, object]
    expect: dict[str, object]
    kind: str
    key: str
    subject: str


@dataclass
class Derived:
    """What derivation produced: the frames to evaluate and the writes it needs."""

    contracts: pd.DataFrame
    milestones: pd.DataFrame
    changes: list[Change] = field(default_factory=list)
    new_rows: list[dict[str, object]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def add_months_array(dates: np.ndarray, months: np.ndarray) -> np.ndarray:
    """Vectorized calendar-month addition on ``datetime64[D]``, days clamped to month ends."""
    month_start = dates.astype("datetime64[M]")
    day = (dates - month_start.astype("datetime64[D]")).astype(np.int64)
    target = month_start + months.astype(np.int64)
    length = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(
        np.int64
    )
    return target.astype("datetime64[D]") + np.minimum(day, length - 1)


def term_dates(contracts: pd.DataFrame, today: dt.date) -> pd.DataFrame:
    """Add ``term_end`` and ``notice_deadline`` to active contracts (NaT elsewhere)."""
    frame = contracts.copy()
    end = frame["end"].to_numpy(dtype="datetime64[D]")
    term = frame["renewal_term"].fillna(12).to_numpy(dtype=np.int64)
    today64 = np.datetime64(today, "D")
    rolling = frame["auto_renew"].to_numpy(dtype=bool) & ~np.isnat(end) & (end < today64)
    months = (today64.astype("datetime64[M]") - end.astype("datetime64[M]")).astype(np.int64)
    k = np.where(rolling, np.maximum(months // np.maximum(term, 1), 0), 0)
    for _ in range(3):  # at most a step or two past the estimate
        rolled = add_months_array(end, k * term)
        k = np.where(rolling & (rolled < today64), k + 1, k)
    term_end = np.where(rolling, add_months_array(end, k * term), end)
    active = frame["active"].to_numpy(dtype=bool)
    frame["term_end"] = pd.Series(
        np.where(active, term_end, np.datetime64("NaT")), index=frame.index
    )
    notice = frame["notice_days"].to_numpy(dtype="float64", na_value=np.nan)
    deadline = frame["term_end"] - pd.to_timedelta(notice, unit="D")
    frame["notice_deadline"] = deadline.where(~np.isnan(notice))
    return frame


def review_rule(contract: Any) -> tuple[str, Rule | None]:
    """The contract's review cadence text and rule: Review Every, else by Risk."""
    text = str(contract.review_every or RISK_CADENCE.get(contract.risk, ""))
    rule = parse_rule(text) if text else None
    return text, rule if isinstance(rule, Rule) else None


def effective_due(due: pd.Series, settings: Settings) -> pd.Series:
    """A weekend deadline counts as due on the Friday before, when Settings say so."""
    if settings.weekend != WEEKEND_PREVIOUS:
        return due
    weekday = due.dt.day_of_week
    shift = np.where(weekday == 5, 1, np.where(weekday == 6, 2, 0))
    return due - pd.to_timedelta(shift, unit="D")


@dataclass(frozen=True)
class RowSource:
    """What derivation needs of the Milestones tab as read: raw cells and real headers."""

    raw_due: pd.Series
    raw_done: pd.Series
    raw_completed: pd.Series
    headers: dict[str, str]  # canonical column name → header text in the sheet
    next_row: int  # the sheet row a new row would be appended at


def derive(
    contracts: pd.DataFrame,
    milestones: pd.DataFrame,
    settings: Settings,
    today: dt.date,
    source: RowSource,
    anchors: dict[str, dt.date],
) -> Derived:
    """Roll recurring milestones, keep auto milestones in step with contract terms."""
    contracts = term_dates(contracts, today)
    derived = Derived(contracts, milestones.copy())
    _roll_recurring(derived, source, anchors)
    _reconcile_auto(derived, source, settings, today)
    derived.milestones["due"] = effective_due(derived.milestones["due"], settings)
    return derived


def _roll_recurring(derived: Derived, source: RowSource, anchors: dict[str, dt.date]) -> None:
    frame = derived.milestones
    rules = frame["repeat"].map(lambda t: parse_rule(str(t)) if t else None)
    for i in np.flatnonzero(rules.map(lambda r: isinstance(r, str)).to_numpy(dtype=bool)):
        shown = str(frame["repeat"].iat[i])[:60]
        derived.problems.append(
            Problem(
                MILESTONES, int(frame["row"].iat[i]), "Repeat", f'Repeat: "{shown}" {rules.iat[i]}'
            )
        )
    rolling = (
        rules.map(lambda r: isinstance(r, Rule))
        & frame["done"]
        & ~frame["cancelled"]
        & frame["due"].notna()
    )
    for i in np.flatnonzero(rolling.to_numpy(dtype=bool)):
        rule = rules.iat[i]
        due = frame["due"].iat[i].date()
        anchor = anchors.get(frame["id"].iat[i], due)
        following = rule.after(anchor, due)
        derived.changes.append(_completed(frame.iloc[i], due, anchor, following, source, int(i)))
        frame.iloc[i, frame.columns.get_loc("due")] = pd.Timestamp(following)
        frame.iloc[i, frame.columns.get_loc("done")] = False
        frame.iloc[i, frame.columns.get_loc("completed_on")] = pd.NaT


def _occurrence_cells(
    source: RowSource, i: int, due: dt.date
) -> tuple[dict[str, object], dict[str, object]]:
    """Due Date moved, Done and Completed On cleared; each only if still as read."""
    read: dict[str, object] = {
        "Due Date": source.raw_due.iat[i],
        "Done": source.raw_done.iat[i],
        "Completed On": source.raw_completed.iat[i],
    }
    cleared: dict[str, object] = {
        "Due Date": due,
        "Done": False if isinstance(read["Done"], bool) else None,
        "Completed On": None,
    }
    cells = {source.headers[k]: v for k, v in cleared.items() if k in source.headers}
    expect = {source.headers[k]: v for k, v in read.items() if k in source.headers}
    return cells, expect


def _completed(
    m: pd.Series, due: dt.date, anchor: dt.date, following: dt.date, source: RowSource, i: int
) -> Change:
    cells, expect = _occurrence_cells(source, i, following)
    return Change(
        m["id"],
        m["contract_id"],
        int(m["row"]),
        cells,
        expect,
        COMPLETED,
        f"{COMPLETED}:{m['id']}:{due.isoformat()}:{anchor.isoformat()}",
        f"{m['title']}: the occurrence due {due} is done; next due {following}",
    )


@dataclass(frozen=True)
class AutoRow:
    """A milestone a contract's terms call for: its notice, expiry or review row."""

    contract: Any  # the contract's row (a namedtuple of the contracts frame)
    suffix: str
    type: str
    title: str
    due: dt.date
    repeat: str = ""

    @property
    def id(self) -> str:
        """The auto milestone's ID."""
        return f"{self.contract.id}/{self.suffix}"


def _desired(
    contracts: pd.DataFrame,
    existing: dict[str, int],
    frame: pd.DataFrame,
    today: dt.date,
    problems: list[Problem],
) -> list[AutoRow]:
    """The auto milestones each active contract's terms call for, with their due dates."""
    wanted: list[AutoRow] = []
    usable = contracts["active"] & (contracts["id"] != "") & ~contracts["duplicate"]
    for c in contracts[usable].itertuples(index=False):
        if pd.notna(c.notice_deadline):
            renews = " so it does not renew" if c.auto_renew else ""
            title = f"Last day to give notice on {c.name}{renews}"
            wanted.append(AutoRow(c, "notice", "notice", title, c.notice_deadline.date()))
        if pd.notna(c.term_end):
            title = f"{c.name}: term ends"
            wanted.append(AutoRow(c, "expiry", "expiration", title, c.term_end.date()))
        text, rule = review_rule(c)
        if rule is not None:
            wanted.append(_review(c, text, rule, existing, frame, today))
        elif text and c.review_every:
            shown = text[:60]
            reason = "is not a cadence (try Quarterly, Annual or every 6 months); no review row"
            problems.append(
                Problem(CONTRACTS, int(c.row), "Review Every", f'Review Every: "{shown}" {reason}')
            )
    return wanted


def _review(
    c: Any, text: str, rule: Rule, existing: dict[str, int], frame: pd.DataFrame, today: dt.date
) -> AutoRow:
    """Keep the review row's current occurrence unless the cadence changed or it has none."""
    start = c.start.date() if pd.notna(c.start) else today
    at = existing.get(f"{c.id}/review")
    if at is not None and frame["repeat"].iat[at] == text and pd.notna(frame["due"].iat[at]):
        due = frame["due"].iat[at].date()
    else:
        due = rule.on_or_after(start, today)
    return AutoRow(c, "review", "review", f"Review {c.name} ({text})", due, text)


def _reconcile_auto(
    derived: Derived, source: RowSource, settings: Settings, today: dt.date
) -> None:
    frame = derived.milestones
    auto = frame["source"] == "auto"
    existing = {mid: i for i, mid in enumerate(frame["id"]) if auto.iat[i]}
    fresh: list[AutoRow] = []
    for want in _desired(derived.contracts, existing, frame, today, derived.problems):
        at = existing.get(want.id)
        if at is None:
            fresh.append(want)
            continue
        old = frame["due"].iat[at]
        if pd.isna(old) or old.date() != want.due:
            derived.changes.append(_moved(frame.iloc[at], old, want, source, at))
            frame.iloc[at, frame.columns.get_loc("due")] = pd.Timestamp(want.due)
            frame.iloc[at, frame.columns.get_loc("done")] = False
            frame.iloc[at, frame.columns.get_loc("completed_on")] = pd.NaT
    if fresh:
        derived.milestones = pd.concat(
            [frame, _new_frame(fresh, source, settings)], ignore_index=True
        )
        derived.new_rows = [_sheet_row(w, source) for w in fresh]


def _moved(m: pd.Series, old: Any, want: AutoRow, source: RowSource, i: int) -> Change:
    cells, expect = _occurrence_cells(source, i, want.due)
    before = old.date().isoformat() if pd.notna(old) else "none"
    after = want.due.isoformat()
    return Change(
        m["id"],
        m["contract_id"],
        int(m["row"]),
        cells,
        expect,
        MOVED,
        f"{MOVED}:{m['id']}:{before}:{after}",
        f"{m['title']}: due date moved from {before} to {after}",
    )


def _new_frame(fresh: list[AutoRow], source: RowSource, settings: Settings) -> pd.DataFrame:
    """The new auto rows as milestones, so this run evaluates them too."""
    rows = [
        {
            "row": source.next_row + n,
            "id": want.id,
            "new_id": False,
            "contract_id": want.contract.id,
            "title": want.title,
            "type": want.type,
            "due": pd.Timestamp(want.due),
            "owners": want.contract.owners,
            "escalate_to": (),
            "lead_days": settings.lead_days[want.type],
            "repeat": want.repeat,
            "done": False,
            "completed_on": pd.NaT,
            "notes": "",
            "source": "auto",
            "blocked": not want.contract.owners,
            "cancelled": False,
            "department": want.contract.department,
        }
        for n, want in enumerate(fresh)
    ]
    return pd.DataFrame(rows)


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
