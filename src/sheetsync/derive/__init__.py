"""Contract terms → auto milestones; recurring milestones → their current occurrence.

Pure: takes the typed frames and ``today``, returns new frames plus the cells to
write and the Log rows that record what moved. Term End rolls an auto-renewing
contract forward by its Renewal Term (12 months when blank) as many times as
needed; Notice Deadline = Term End − Notice Period.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ..approvals.steps import reconcile_approvals
from ..cells.recurrence import Rule, parse_rule
from ..keys import completed_key
from ..normalize import Tracker
from ..normalize.settings import WEEKEND_PREVIOUS, Settings
from ..problems import Problem
from ..record.notified import filled_cells, series_start
from ..schema import COMPLETED, DONE, MILESTONES
from .auto_rows import reconcile_auto
from .changes import (
    Change,
    DeriveContext,
    Derived,
    History,
    RowSource,
    occurrence_cells,
    status_shown,
)
from .contract_rows import CONTRACT_AT, contract_positions

__all__ = ["Change", "DeriveContext", "Derived", "History", "RowSource", "derive", "term_dates"]


def add_months_array(dates: np.ndarray, months: np.ndarray) -> np.ndarray:
    """Vectorized calendar-month addition on ``datetime64[D]``, days clamped to month ends."""
    month_start = dates.astype("datetime64[M]")
    day = (dates - month_start.astype("datetime64[D]")).astype(np.int64)
    target = month_start + months.astype(np.int64)
    length = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(
        np.int64
    )
    return target.astype("datetime64[D]") + np.minimum(day, length - 1)


def term_dates(
    contracts: pd.DataFrame, today: dt.date, written: dict[str, dt.date] | None = None
) -> pd.DataFrame:
    """Add ``term_end`` and ``notice_deadline`` to active contracts (NaT elsewhere).

    ``written`` is the Term End the program last wrote, by Contract ID: a term it
    already rolled forward stands when Auto-Renew is switched off later.
    """
    frame = contracts.copy(deep=False)  # copy-on-write: the caller's frame is never changed
    end = frame["end"].to_numpy(dtype="datetime64[D]")
    term = np.maximum(frame["renewal_term"].fillna(12).to_numpy(dtype=np.int64), 1)
    today64 = np.datetime64(today, "D")
    renews = frame["auto_renew"].to_numpy(dtype=bool)
    rolling = np.flatnonzero(renews & ~np.isnat(end) & (end < today64))
    term_end = end.copy()
    if len(rolling):  # only the terms that ended before today roll
        start, step = end[rolling], term[rolling]
        months = (today64.astype("datetime64[M]") - start.astype("datetime64[M]")).astype(np.int64)
        k = np.maximum(months // step, 0)
        for _ in range(3):  # at most a step or two past the estimate
            k = np.where(add_months_array(start, k * step) < today64, k + 1, k)
        term_end[rolling] = add_months_array(start, k * step)
    held = _written_roll(frame, end, term, written or {})
    term_end = np.where(~renews & ~np.isnat(held), held, term_end)
    active = frame["active"].to_numpy(dtype=bool)
    frame["term_end"] = pd.Series(
        np.where(active, term_end, np.datetime64("NaT")), index=frame.index
    )
    notice = frame["notice_days"].to_numpy(dtype="float64", na_value=np.nan)
    deadline = frame["term_end"] - pd.to_timedelta(notice, unit="D")
    frame["notice_deadline"] = deadline.where(~np.isnan(notice))
    return frame


def _written_roll(
    frame: pd.DataFrame, end: np.ndarray, term: np.ndarray, written: dict[str, dt.date]
) -> np.ndarray:
    """The written Term End where it is End Date rolled forward by whole terms; NaT elsewhere.

    A Term End that is not such a roll (the End Date was amended since) does not count.
    """
    if not written:  # nothing written before: no roll to hold
        return np.full(len(end), np.datetime64("NaT"), dtype="datetime64[D]")
    held = pd.to_datetime(frame["id"].map(written)).to_numpy(dtype="datetime64[D]")
    valid = ~np.isnat(held) & ~np.isnat(end) & (held > end)
    months = np.where(
        valid, (held.astype("datetime64[M]") - end.astype("datetime64[M]")).astype(np.int64), 0
    )
    k = np.where(valid & (months % term == 0), months // term, 0)
    rolled = add_months_array(np.where(valid, end, held), k * term)
    return np.where(valid & (k >= 1) & (rolled == held), held, np.datetime64("NaT"))


def effective_due(due: pd.Series, settings: Settings) -> pd.Series:
    """A weekend deadline counts as due on the Friday before, when Settings say so."""
    if settings.weekend != WEEKEND_PREVIOUS:
        return due
    weekday = due.dt.day_of_week
    shift = np.where(weekday == 5, 1, np.where(weekday == 6, 2, 0))
    return due - pd.to_timedelta(shift, unit="D")


def effective_day(day: dt.date, settings: Settings) -> dt.date:
    """One deadline as ``effective_due`` counts it (a weekend day: the Friday before)."""
    if settings.weekend != WEEKEND_PREVIOUS or day.weekday() < 5:
        return day
    return day - dt.timedelta(days=day.weekday() - 4)


def derive(tracker: Tracker, context: DeriveContext) -> Derived:
    """Roll recurring milestones, keep auto milestones in step with contract terms.

    ``context.history`` is what earlier runs recorded (series anchors, occurrences
    done, the Term End written); a tracker with no Log starts from nothing. The
    tracker is not changed: the new frames are in the ``Derived``.
    """
    history, settings = context.history, tracker.settings
    contracts = term_dates(tracker.contracts, context.today, history.term_ends)
    # Copy-on-write: a column changed here is copied then, the rest is shared, not duplicated.
    derived = Derived(contracts, tracker.milestones.copy(deep=False))
    table = tracker.tables.get(MILESTONES)
    if table is not None:  # each row's contract, found once for health and the plan
        at = contract_positions(contracts, derived.milestones, table)
        derived.milestones[CONTRACT_AT] = pd.Series(at, index=derived.milestones.index, copy=False)
    _roll_recurring(derived, context.source, history)
    reconcile_auto(derived, settings, context.including(derived.changes))
    reconcile_approvals(derived, settings, context)
    derived.milestones["due"] = effective_due(derived.milestones["due"], settings)
    return derived


def _roll_recurring(derived: Derived, source: RowSource, history: History) -> None:
    """Move each done repeating milestone to its next occurrence; an ended series stays done."""
    frame = derived.milestones
    rules, kinds = _rules(frame["repeat"])
    for i in np.flatnonzero(kinds == 2):
        shown = str(frame["repeat"].iat[i])[:60]
        derived.problems.append(
            Problem(
                MILESTONES, int(frame["row"].iat[i]), "Repeat", f'Repeat: "{shown}" {rules.iat[i]}'
            )
        )
    repeating = pd.Series(kinds == 1, index=frame.index) & frame["due"].notna()
    anchors = _anchors(frame, rules, repeating, history)
    frame["series_from"] = pd.Series(_days_at(anchors, repeating), index=frame.index, copy=False)
    rolling = repeating & frame["done"] & ~frame["cancelled"]
    for i in np.flatnonzero(rolling.to_numpy(dtype=bool)):
        rule = rules.iat[i]
        due = frame["due"].iat[i].date()
        anchor = anchors[i] or due
        following = rule.after(anchor, due)
        change = _completed(frame, int(i), (anchor, following), source)
        if following is None:  # the series has ended: the last occurrence stays done
            if change.key not in history.recorded and not status_shown(frame, int(i), DONE):
                derived.changes.append(change)
            continue
        derived.changes.append(change)
        frame.iloc[i, frame.columns.get_loc("due")] = pd.Timestamp(following)
        frame.iloc[i, frame.columns.get_loc("done")] = False
        frame.iloc[i, frame.columns.get_loc("completed_on")] = pd.NaT


def _rules(repeat: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Each Repeat cell read once per distinct text: the rules, and 1 for a Rule, 2 for a reason.

    The rules are a Rule, None (no repeat) or the sentence saying why the text is unreadable.
    """
    cells = repeat.to_numpy(dtype=object)
    rules = np.empty(len(cells), dtype=object)  # None: no repeat
    kinds = np.zeros(len(cells), dtype=np.int64)
    filled = np.flatnonzero(filled_cells(cells))  # only these are read
    codes, texts = pd.factorize(cells[filled], use_na_sentinel=False)
    read = [parse_rule(str(t)) if t else None for t in texts]
    kind = np.array([1 if isinstance(r, Rule) else 2 if isinstance(r, str) else 0 for r in read])
    parsed = np.empty(len(read), dtype=object)
    parsed[:] = read
    rules[filled] = parsed[codes]
    kinds[filled] = kind[codes] if len(kind) else 0
    return pd.Series(rules, index=repeat.index, dtype=object, copy=False), kinds


def _days_at(days: list[dt.date | None], rows: pd.Series) -> np.ndarray:
    """``days`` as one date column, made from the ``rows`` that can hold one (NaT elsewhere)."""
    at = np.flatnonzero(rows.to_numpy(dtype=bool))
    stamps = pd.to_datetime([days[i] for i in at.tolist()])
    out = np.full(len(days), np.datetime64("NaT"), dtype=stamps.dtype)
    out[at] = stamps.to_numpy()
    return out


def _anchors(
    frame: pd.DataFrame, rules: pd.Series, repeating: pd.Series, history: History
) -> list[dt.date | None]:
    """Each repeating row's series anchor (None elsewhere): the Log's, else the row's own."""
    cells = frame.get("last_notified")
    anchors: list[dt.date | None] = [None] * len(frame)
    for i in np.flatnonzero(repeating.to_numpy(dtype=bool)):
        on_row = series_start(cells.iat[i]) if cells is not None else None
        due = frame["due"].iat[i].date()
        anchors[i] = history.anchor(frame["id"].iat[i], rules.iat[i], due, on_row)
    return anchors


def _completed(
    frame: pd.DataFrame,
    i: int,
    series: tuple[dt.date, dt.date | None],
    source: RowSource,
) -> Change:
    """The Log row of a done occurrence and, unless the series ended, the cells that roll it.

    ``series`` is the series' anchor and the next occurrence (None when it has ended).
    """
    m, (anchor, following) = frame.iloc[i], series
    due = m["due"].date()
    key = completed_key(m["id"], due, anchor)
    if following is None:
        subject = f"{m['title']}: the occurrence due {due} is done; the series has ended"
        return Change(m["id"], m["contract_id"], int(m["row"]), {}, {}, COMPLETED, key, subject)
    cells, expect = occurrence_cells(source, i, following)
    subject = f"{m['title']}: the occurrence due {due} is done; next due {following}"
    return Change(m["id"], m["contract_id"], int(m["row"]), cells, expect, COMPLETED, key, subject)
