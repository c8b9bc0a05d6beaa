"""What was already sent for each milestone occurrence (milestone + due date).

Two records say it: the Log (one row per key sent) and the row's own Last
Notified cell, which travels with the row whatever happens to the Log or to the
row's ID. Both are read into the same shape (the last stage of each kind sent)
and merged, so the ladder only moves forward: reminders only at shorter leads,
the next overdue notice a full *Overdue repeat* after the last one sent,
escalation levels only up. Pure: the run's day is an argument.

A Last Notified cell reads
``2027-04-12: reminder 7d · overdue #2 (2027-04-09) · escalation L1 · due 2027-04-01``:
the day of the latest email, the last stage of each kind (an overdue notice with
the day it went), and the due date they were sent for. A repeating row's cell also
ends with ``series from 2027-02-15`` once it has moved past its first occurrence: the
series anchor its Repeat rule counts from (COUNT, monthly on the 31st), so an ended
series stays ended when the Log is emptied.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np
import pandas as pd

from ..keys import NOTICE_KEY, milestone_key, milestone_keys
from ..logtab import log_frame, sent_mask
from ..model import Cell
from ..normalize.ledger import Ledger
from ..schema import ESCALATION, OVERDUE_NOTICE, REMINDER
from ..values import iso_days, lookup, object_array, object_runs
from .resolved import resolved_texts

_DAY = r"(\d{4}-\d{2}-\d{2})"
_CELL = {
    "last": re.compile(rf"^\s*{_DAY}"),
    "due": re.compile(rf"(?<![a-z])due:?\s*{_DAY}", re.IGNORECASE),
    "lead": re.compile(r"reminder\s*(\d{1,4})\s*d", re.IGNORECASE),
    "overdue": re.compile(rf"overdue\s*#\s*(\d{{1,4}})(?:\s*\(\s*{_DAY}\s*\))?", re.IGNORECASE),
    "level": re.compile(r"escalation\s*L\s*(\d)", re.IGNORECASE),
}
_SERIES = re.compile(rf"\s*·?\s*series from:?\s*{_DAY}", re.IGNORECASE)
SENT_COLUMNS = ("sent_lead", "sent_overdue", "sent_overdue_on", "sent_level", "sent_last")


@dataclass(frozen=True)
class Sent:
    """The last stage of each kind sent for one occurrence; ``None``/0 when none was."""

    due: dt.date
    last_on: dt.date | None = None
    lead: int | None = None  # the shortest reminder lead sent
    overdue: int = 0  # the highest overdue notice number sent
    overdue_on: dt.date | None = None  # the day that notice went
    level: int = 0  # the highest escalation level sent

    def merge(self, other: Sent) -> Sent:
        """Both records together: the furthest stage of each kind either holds."""
        leads = [x for x in (self.lead, other.lead) if x is not None]
        overdue, overdue_on = max(
            (self.overdue, _ordinal(self.overdue_on)), (other.overdue, _ordinal(other.overdue_on))
        )
        return Sent(
            self.due,
            max((d for d in (self.last_on, other.last_on) if d), default=None),
            min(leads) if leads else None,
            overdue,
            dt.date.fromordinal(overdue_on) if overdue_on > 0 else None,
            max(self.level, other.level),
        )

    def keys(self, milestone: str) -> tuple[str, ...]:
        """The Log keys this record stands for (under ``milestone``, whatever ID sent them)."""
        due = self.due.isoformat()
        return tuple(milestone_key(kind, milestone, due, stage) for kind, stage in self.stages())

    def stages(self) -> list[tuple[str, int]]:
        """The kinds this record holds a stage of, each with its stage, in ``keys`` order."""
        held = [(REMINDER, self.lead)] if self.lead is not None else []
        if self.overdue:
            held.append((OVERDUE_NOTICE, self.overdue))
        if self.level:
            held.append((ESCALATION, self.level))
        return held

    def text(self) -> str:
        """The Last Notified cell: readable, and enough to rebuild this record."""
        return sent_text(
            self.due.isoformat(),
            self.last_on.isoformat() if self.last_on else None,
            self.lead,
            (self.overdue, self.overdue_on.isoformat() if self.overdue_on else None),
            self.level,
        )


def sent_text(
    due: str, last_on: str | None, lead: int | None, overdue: tuple[int, str | None], level: int
) -> str:
    """A Last Notified cell from its parts, days as ISO text (``Sent.text``); "" for none.

    ``overdue`` is the highest notice number sent and the day it went.
    """
    parts = [f"reminder {lead}d"] if lead is not None else []
    if overdue[0]:
        when = f" ({overdue[1]})" if overdue[1] else ""
        parts.append(f"overdue #{overdue[0]}{when}")
    if level:
        parts.append(f"escalation L{level}")
    if not parts:
        return ""
    head = f"{last_on}: " if last_on else ""
    return f"{head}{' · '.join(parts)} · due {due}"


def _ordinal(day: dt.date | None) -> int:
    """Order overdue records by number, then the later day.

    The Log's Sent At is the real clock while the row's cell is dated by the run's
    day (``--today``); taking the later of the two never makes a notice due early.
    """
    return 0 if day is None else day.toordinal()


def parse_last_notified(cell: object) -> Sent | None:
    """Read a Last Notified cell; None for anything that does not name a due date and a stage.

    A person may have edited the cell: unreadable parts are ignored, never an error.
    """
    if not isinstance(cell, str) or len(cell) > 500:
        return None
    found = {name: pattern.search(cell) for name, pattern in _CELL.items()}
    due = _date(found["due"])
    if due is None:
        return None
    last_on = _date(found["last"])
    lead = int(found["lead"].group(1)) if found["lead"] else None
    overdue, overdue_on = 0, None
    if found["overdue"]:
        overdue_on = _date(found["overdue"], 2) or last_on
        overdue = int(found["overdue"].group(1)) if overdue_on else 0
    level = int(found["level"].group(1)) if found["level"] else 0
    if lead is None and not overdue and not level:
        return None
    return Sent(due, last_on, lead, overdue, overdue_on if overdue else None, level)


def series_start(cell: object) -> dt.date | None:
    """The series anchor a Last Notified cell names (``series from 2027-02-15``), else None."""
    if not isinstance(cell, str) or len(cell) > 500:
        return None
    return _date(_SERIES.search(cell))


def with_series(text: str, start: dt.date, due: dt.date) -> str:
    """``text`` naming ``start`` as the series anchor; nothing when the series starts at ``due``."""
    bare = _SERIES.sub("", text).strip()
    if start == due:
        return bare
    part = f"series from {start.isoformat()}"
    return f"{bare} · {part}" if bare else part


def _date(match: re.Match[str] | None, group: int = 1) -> dt.date | None:
    text = match.group(group) if match else None
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def log_history(frame: pd.DataFrame, today: dt.date, fresh: bool = False) -> pd.DataFrame:
    """Per (milestone, due) in the Log, the furthest stage of each kind sent (``SENT_COLUMNS``).

    A row's day is its Sent At date, but never later than ``today`` (a run with
    ``--today`` in the past); ``fresh`` rows are this run's and count as ``today``.
    """
    sent = np.flatnonzero(sent_mask(frame["Result"]))
    parts = _key_parts(pd.Series(frame["Key"].to_numpy(dtype=object)[sent], dtype=object))
    if parts.empty:
        return _empty_history()
    parts["stage"] = parts["stage"].astype(np.int64)
    day = pd.Timestamp(today)
    if fresh:
        parts["day"] = day
    else:
        stamps = frame["Sent At"].to_numpy(dtype=object)[sent[parts.index.to_numpy()]]
        parts["day"] = _sent_days(stamps, day)
    return _fold(parts)


def _sent_days(stamps: np.ndarray, today: pd.Timestamp) -> np.ndarray:
    """Each Sent At cell's day, never later than ``today`` (``today`` where unreadable).

    Read once per distinct cell: a run's rows share a few Sent At values.
    """
    codes, distinct = pd.factorize(stamps, use_na_sentinel=False)
    texts = pd.Series(distinct, dtype=object).astype(str).str[:10]
    days = pd.to_datetime(texts, format="%Y-%m-%d", errors="coerce").fillna(today)
    return days.clip(upper=today).to_numpy()[codes]


def ledger_history(ledger: Ledger, today: dt.date) -> pd.DataFrame:
    """``log_history`` of the Log as the run read it, worked out once per day asked.

    Derivation (``attach_history``) and the Resolved notes both read it; the Log
    only grows, so taking every row's key apart twice was the run's dearest repeat.
    """
    if today not in ledger.histories:
        ledger.histories[today] = log_history(ledger.frame, today)
    return ledger.histories[today]


def _key_parts(keys: pd.Series) -> pd.DataFrame:
    """The notice keys among ``keys`` taken apart (kind, milestone, due, stage), by label."""
    matches = [NOTICE_KEY.search(key) for key in keys.astype(str).tolist()]
    at = [n for n, match in enumerate(matches) if match]
    return pd.DataFrame(
        [match.groups() for match in matches if match],
        index=keys.index[at],
        columns=["kind", "milestone", "due", "stage"],
    )


def _fold(parts: pd.DataFrame) -> pd.DataFrame:
    """The per-key rows folded into one record per occurrence, in (milestone, due) order.

    The rows are grouped once, by number; each figure is then gathered per group.
    """
    group = ["milestone", "due"]
    first, firsts = pd.factorize(parts["milestone"], sort=True)
    second, seconds = pd.factorize(parts["due"], sort=True)
    pairs, inverse = np.unique(first * len(seconds) + second, return_inverse=True)
    codes = inverse.reshape(-1)
    index = pd.MultiIndex(
        levels=[firsts, seconds],
        codes=[pairs // len(seconds), pairs % len(seconds)],
        names=group,
        verify_integrity=False,
    )
    kind = parts["kind"].to_numpy(dtype=object)
    stage = parts["stage"].to_numpy(dtype=np.int64)
    days = parts["day"].to_numpy()
    ticks = days.view(np.int64)
    out = pd.DataFrame({"sent_last": _per_group(np.maximum, codes, ticks, len(index))}, index=index)
    out["sent_last"] = out["sent_last"].to_numpy().view(days.dtype)
    reminder = kind == REMINDER
    lead = _per_group(np.minimum, codes[reminder], stage[reminder], len(index))
    has_lead = _present(codes[reminder], len(index))
    out["sent_lead"] = lead if has_lead.all() else np.where(has_lead, lead, np.nan)
    notice = kind == OVERDUE_NOTICE
    top = _per_group(np.maximum, codes[notice], stage[notice], len(index), 0)
    at_top = notice & (stage == top[codes])  # the highest notice's rows: the earliest day
    on = _per_group(np.minimum, codes[at_top], ticks[at_top], len(index))
    none = np.iinfo(np.int64).min  # NaT
    out["sent_overdue"] = top
    out["sent_overdue_on"] = np.where(_present(codes[notice], len(index)), on, none).view(
        days.dtype
    )
    escalation = kind == ESCALATION
    out["sent_level"] = _per_group(np.maximum, codes[escalation], stage[escalation], len(index), 0)
    return out[list(SENT_COLUMNS)]


def _per_group(
    fold: np.ufunc, codes: np.ndarray, values: np.ndarray, groups: int, empty: int | None = None
) -> np.ndarray:
    """``fold`` (``np.maximum`` or ``np.minimum``) of ``values`` within each group numbered
    by ``codes``; ``empty`` for a group without any (else the fold's own start)."""
    if empty is None:
        bound = np.iinfo(np.int64)
        empty = bound.min if fold is np.maximum else bound.max
    out = np.full(groups, empty, dtype=np.int64)
    fold.at(out, codes, values)
    return out


def _present(codes: np.ndarray, groups: int) -> np.ndarray:
    """Which of ``groups`` groups ``codes`` names at least once."""
    out = np.zeros(groups, dtype=bool)
    out[codes] = True
    return out


def _empty_history() -> pd.DataFrame:
    """A Log history of no occurrence: made of empty arrays, nothing aligned or factorized."""
    index = pd.MultiIndex(levels=[[], []], codes=[[], []], names=["milestone", "due"])
    return pd.DataFrame({name: np.empty(0, dtype) for name, dtype in SENT_DTYPES.items()}, index)


def attach_history(milestones: pd.DataFrame, ledger: Ledger, today: dt.date) -> pd.DataFrame:
    """Add ``SENT_COLUMNS`` (Log and Last Notified merged) and ``noted`` to each row (a new frame).

    The Log's side is ``ledger_history`` (kept on ``ledger`` for the plan). ``noted``
    holds the keys the row's own Last Notified records for its current due date, under
    its current ID: a renamed ID keeps its history that way. Only the rows the Log names
    or whose cell holds a record are merged; every other row reads as never sent.
    """
    frame = milestones.copy(deep=False)
    history = ledger_history(ledger, today)
    own = _cell_records(frame, frame["due"])
    ids = frame["id"].astype(str) if len(own.rows) or not history.empty else frame["id"]
    at = _log_rows(history, ids, frame["due"])
    pos = np.union1d(np.flatnonzero(at >= 0), own.rows)
    for name, values in _merged(history, at, own, pos).items():
        column = np.full(len(frame), _NEVER[name], dtype=values.dtype)
        column[pos] = values
        frame[name] = pd.Series(column, index=frame.index, copy=False)  # not copied again
    noted = own.noted(ids.to_numpy(dtype=object), len(frame))
    frame["noted"] = pd.Series(noted, index=frame.index, dtype=object, copy=False)
    return frame


def _merged(
    history: pd.DataFrame, at: np.ndarray, own: CellRecords, pos: np.ndarray
) -> dict[str, np.ndarray]:
    """The Log's (``at``) and the cells' records of the rows at ``pos``, merged: a column each."""
    if not len(pos):  # nothing sent and no cell records (a first run): no frames to combine
        return {name: np.empty(0, dtype=dtype) for name, dtype in SENT_DTYPES.items()}
    part = pd.RangeIndex(len(pos))
    from_log = history.reset_index(drop=True).reindex(at[pos])
    from_log.index = part
    mine = own.columns(np.searchsorted(pos, own.rows), part)
    return {name: values.to_numpy() for name, values in combine(from_log, mine).items()}


# What a row with nothing sent reads in each of ``SENT_COLUMNS``.
_NEVER: dict[str, object] = {
    "sent_lead": np.nan,
    "sent_overdue": 0,
    "sent_overdue_on": np.datetime64("NaT"),
    "sent_level": 0,
    "sent_last": np.datetime64("NaT"),
}
# Each of ``SENT_COLUMNS``' types, as ``combine`` gives them.
SENT_DTYPES: dict[str, np.dtype] = {
    "sent_lead": np.dtype("float64"),
    "sent_overdue": np.dtype("int64"),
    "sent_overdue_on": np.dtype("datetime64[ns]"),
    "sent_level": np.dtype("int64"),
    "sent_last": np.dtype("datetime64[ns]"),
}


def _log_rows(history: pd.DataFrame, ids: pd.Series, dues: pd.Series) -> np.ndarray:
    """Each row's position in the Log history by (ID, due date); -1 where the Log has none.

    The history's index holds each ID and each due date once (its levels) and a pair
    of numbers per occurrence: a row's ID and due date are found among the levels and
    its pair of numbers among the occurrences', so no (ID, date) pair is built per row.
    Only rows whose ID the Log names have their due dates made text.
    """
    at = np.full(len(ids), -1, dtype=np.int64)
    if history.empty:
        return at
    index = cast(pd.MultiIndex, history.index)
    milestones, days = index.levels
    first = lookup(milestones.astype(object), ids.to_numpy(dtype=object))
    known = np.flatnonzero(first >= 0)
    if not len(known):
        return at
    second = days.get_indexer(iso_days(dues.iloc[known]).to_numpy(dtype=object))
    dated = second >= 0
    width = len(days)
    pairs = pd.Index(index.codes[0].astype(np.int64) * width + index.codes[1])
    wanted = first[known[dated]].astype(np.int64) * width + second[dated]
    at[known[dated]] = pairs.get_indexer(wanted)
    return at


def _aligned(history: pd.DataFrame, ids: pd.Series, dues: pd.Series) -> pd.DataFrame:
    """The Log history of each row's (ID, due date), in row order.

    Only rows whose ID the Log names are looked up; the others read as never sent.
    """
    found = history.reset_index(drop=True).reindex(_log_rows(history, ids, dues))
    found.index = ids.index
    return found


@dataclass(frozen=True)
class CellRecords:
    """The rows whose own Last Notified records their current due date, and each record.

    ``rows`` are positions in the frame (ascending); ``codes`` say which of the
    distinct ``records`` each holds: a cell text is read once however many rows hold it.
    """

    rows: np.ndarray
    codes: np.ndarray
    records: list[Sent]

    def columns(self, at: np.ndarray, index: pd.Index) -> pd.DataFrame:
        """The records as history columns: the rows at ``at`` of ``index``; never sent elsewhere."""

        def column(values: Sequence[object], default: object, dtype: str) -> np.ndarray:
            out = np.full(len(index), default, dtype=dtype)
            out[at] = np.asarray(values, dtype=dtype)[self.codes]
            return out

        def days(values: list[dt.date | None]) -> np.ndarray:
            stamps = pd.to_datetime(values).to_numpy(dtype="datetime64[ns]")
            return column(stamps, np.datetime64("NaT"), "datetime64[ns]")

        found = self.records
        return pd.DataFrame(
            {
                "sent_lead": column(
                    [np.nan if r.lead is None else r.lead for r in found], np.nan, "float64"
                ),
                "sent_overdue": column([r.overdue for r in found], 0, "int64"),
                "sent_overdue_on": days([r.overdue_on for r in found]),
                "sent_level": column([r.level for r in found], 0, "int64"),
                "sent_last": days([r.last_on for r in found]),
            },
            index=index,
        )

    def noted(self, names: np.ndarray, size: int) -> np.ndarray:
        """Each of ``size`` rows' recorded keys under its ID in ``names`` (``Sent.keys``).

        The rows holding one record are keyed together, a column of keys per stage it holds.
        """
        order = np.argsort(self.codes, kind="stable")
        rows: list[np.ndarray] = []
        keyed: list[tuple[str, ...]] = []
        for group in np.split(order, np.flatnonzero(np.diff(self.codes[order])) + 1):
            if not len(group):
                continue
            record, at = self.records[int(self.codes[group[0]])], self.rows[group]
            n, due, ids = len(at), record.due.isoformat(), names[at].tolist()
            columns = [
                milestone_keys([kind] * n, ids, [due] * n, [stage] * n)
                for kind, stage in record.stages()
            ]
            if columns:
                rows.append(at)
                keyed += zip(*columns, strict=True)
        noted = np.empty(size, dtype=object)
        noted.fill(())  # one empty tuple for every row without a record
        if rows:
            noted[np.concatenate(rows)] = object_array(keyed)
        return noted


def _cell_records(frame: pd.DataFrame, dues: pd.Series) -> CellRecords:
    """Each row's Last Notified, read once per distinct text, kept when it is for this due date.

    Rows with no such record are left out. Only rows whose cell names a due date at
    all have theirs made text to compare.
    """
    none = CellRecords(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.intp), [])
    if "last_notified" not in frame:
        return none
    cells = frame["last_notified"].to_numpy(dtype=object)
    filled = np.flatnonzero(filled_cells(cells))  # a blank cell names no due date
    codes, distinct = pd.factorize(cells[filled])
    parsed = [parse_last_notified(text) for text in distinct]
    days = np.array([r.due.isoformat() if r else None for r in parsed] + [None], dtype=object)
    hit = np.asarray([r is not None for r in parsed] + [False])[codes]
    named, named_codes = filled[hit], codes[hit]
    if not len(named):
        return none
    due = iso_days(dues.iloc[named]).to_numpy(dtype=object)
    same = np.asarray(days[named_codes] == due, dtype=bool)
    used, kept = np.unique(named_codes[same], return_inverse=True)
    records = [cast(Sent, parsed[code]) for code in used.tolist()]
    return CellRecords(named[same].astype(np.int64), kept.reshape(-1), records)


def filled_cells(cells: np.ndarray) -> np.ndarray:
    """Per cell of an object column, whether it holds anything ("" and None do not).

    Each cell's own truth, as ``if cell`` reads it: a column step instead of a loop.
    Every cell counts as filled when some cell has no truth of its own (a value
    that refuses ``bool``), so a caller then looks at all of them as before.
    """
    cells = np.asarray(cells, dtype=object)
    runs = object_runs(cells)  # long runs of one object: each tested once
    try:
        if runs is not None:
            return runs.spread(cells[runs.starts].astype(bool))
        return cells.astype(bool)
    except (TypeError, ValueError):
        return np.ones(len(cells), dtype=bool)


def combine(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    """Two aligned history frames merged row by row, as ``Sent.merge`` does."""
    a_n = a["sent_overdue"].fillna(0).astype(np.int64)
    b_n = b["sent_overdue"].fillna(0).astype(np.int64)
    a_on, b_on = a["sent_overdue_on"], b["sent_overdue_on"]
    later = b_on.where(a_on.isna() | (b_on > a_on), a_on)
    on = a_on.where(a_n > b_n, b_on.where(b_n > a_n, later))
    return pd.DataFrame(
        {
            "sent_lead": np.fmin(
                a["sent_lead"].astype("float64"), b["sent_lead"].astype("float64")
            ),
            "sent_overdue": np.maximum(a_n, b_n),
            "sent_overdue_on": on.where(np.maximum(a_n, b_n) > 0),
            "sent_level": np.maximum(
                a["sent_level"].fillna(0).astype(np.int64),
                b["sent_level"].fillna(0).astype(np.int64),
            ),
            "sent_last": np.fmax(a["sent_last"], b["sent_last"]),
        },
        index=a.index,
    )


def last_notified(
    evaluated: pd.DataFrame, new_log: list[list[Cell]], today: dt.date
) -> dict[int, str]:
    """Last Notified per sheet row: its history plus this run's Log rows, dated by the run's day.

    Sent At keeps the real clock; Last Notified says the day the run was "as of", so a
    run with ``--today`` reads the same in every cell and email it makes.
    """
    return last_notified_texts(evaluated, log_frame(new_log), today)


def last_notified_texts(
    evaluated: pd.DataFrame, fresh_log: pd.DataFrame, today: dt.date
) -> dict[int, str]:
    """Each row's Last Notified, by sheet row: its history plus what this run sent.

    A row with nothing recorded for its current due date keeps its cell as it
    was (it names the due date it is about), so a row briefly without a readable
    date, or moved and moved back, loses nothing.
    """
    due = iso_days(evaluated["due"])
    ids = evaluated["id"].astype(str)
    before = evaluated.reindex(columns=list(SENT_COLUMNS))
    fresh = log_history(fresh_log, today, fresh=True)
    after = combine(before, _aligned(fresh, ids, evaluated["due"]))
    known = after["sent_lead"].notna() | (after["sent_overdue"] > 0) | (after["sent_level"] > 0)
    texts = _kept_cells(evaluated)
    pos = np.flatnonzero(known.to_numpy(dtype=bool))
    if len(pos):
        texts.update(_sent_texts(evaluated, after, due, pos))
    return resolved_texts(evaluated, fresh_log, _series_texts(evaluated, texts))


def _sent_texts(
    evaluated: pd.DataFrame, after: pd.DataFrame, due: pd.Series, pos: np.ndarray
) -> dict[int, str]:
    """The cells of the rows at ``pos``, rebuilt from their merged history, column by column."""
    picked = after.iloc[pos]
    leads = [None if lead != lead else int(lead) for lead in picked["sent_lead"].tolist()]
    records = zip(
        due.iloc[pos].tolist(),
        _iso(picked["sent_last"]),
        leads,
        zip(picked["sent_overdue"].tolist(), _iso(picked["sent_overdue_on"]), strict=True),
        picked["sent_level"].tolist(),
        strict=True,
    )
    rows = evaluated["row"].iloc[pos].astype(int).tolist()
    return {at: sent_text(*record) for at, record in zip(rows, records, strict=True)}


def _iso(values: pd.Series) -> list[str | None]:
    """Each day as ``YYYY-MM-DD`` (None where there is none), formatted as one column."""
    days = pd.to_datetime(values).dt.strftime("%Y-%m-%d")
    return [None if text != text else text for text in days.tolist()]


def _series_texts(evaluated: pd.DataFrame, texts: dict[int, str]) -> dict[int, str]:
    """Each repeating row's cell naming its series anchor (``series_from``, set by derivation)."""
    if "series_from" not in evaluated:
        return texts
    named = evaluated["series_from"].notna() & evaluated["due"].notna()
    rows = evaluated.loc[named, ["row", "series_from", "due"]]
    for at, start, due in zip(
        rows["row"].astype(int).tolist(),
        _days(rows["series_from"]),
        _days(rows["due"]),
        strict=True,
    ):
        if start is not None and due is not None:
            texts[at] = with_series(texts.get(at, ""), start, due)
    return {at: text for at, text in texts.items() if text}


def _days(values: pd.Series) -> list[dt.date | None]:
    return [None if pd.isna(v) else v.date() for v in values.tolist()]


def _kept_cells(evaluated: pd.DataFrame) -> dict[int, str]:
    if "last_notified" not in evaluated:
        return {}
    codes, distinct = pd.factorize(evaluated["last_notified"].astype(object).astype(str))
    filled = np.array([text.strip() != "" for text in distinct] + [False], dtype=bool)[codes]
    rows = evaluated["row"][filled].astype(int).tolist()
    texts = np.asarray(distinct, dtype=object)[codes[filled]]
    return dict(zip(rows, texts.tolist(), strict=True))
