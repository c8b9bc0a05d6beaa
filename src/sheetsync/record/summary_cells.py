"""Write the monthly summary's mark into the Last Notified cells of the rows it covered.

See ``record.summarised``: each owner who has this month's summary (sent by this
run, recorded in the Log, or marked on one of their rows) gets a row saying so,
one whose every owner has theirs, so deleting the Log never makes a summary go
twice.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ..model import Cell
from ..plan.summary import active_owners, owner_rows
from ..schema import LOG_COLUMNS
from .summarised import (
    any_marked,
    held_marks,
    row_codes,
    rows_to_mark,
    sent_in_log,
    with_mark,
)


def mark_summaries(
    evaluated: pd.DataFrame,
    contracts: pd.DataFrame,
    logs: tuple[pd.DataFrame, list[list[Cell]]],
    today: dt.date,
    texts: dict[int, str],
) -> dict[int, str]:
    """``texts`` (Last Notified by sheet row) with this month's summary mark where it belongs.

    ``logs`` is the Log as read and the rows this run appended.
    """
    month = f"{today:%Y-%m}"
    emails = sorted(active_owners(contracts))
    cells = evaluated.get("last_notified")
    done = sent_in_log(logs[0], month) | sent_in_log(_frame(logs[1]), month)
    if not emails or (not done and (cells is None or not any_marked(cells, month))):
        return texts
    pairs = owner_rows(evaluated, contracts, emails)
    held = np.zeros(len(evaluated), dtype=bool)
    if cells is not None:
        held = held_marks(cells, month, pairs, emails)
        done |= {emails[i] for i in set(pairs[0][held[pairs[1]]].tolist())}
    chosen = rows_to_mark(pairs, emails, done, held)
    wanted = np.zeros(len(evaluated), dtype=bool)
    wanted[chosen] = True
    codes = row_codes(pairs, emails, wanted)
    rows = evaluated["row"].astype(int).to_numpy()[chosen].tolist()
    out = dict(texts)
    for at, code in zip(rows, codes[chosen].tolist(), strict=True):
        out[at] = with_mark(out.get(at, ""), month, code)
    return out


def _frame(rows: list[list[Cell]]) -> pd.DataFrame:
    """Log rows this run appended, as the Log frame reads them."""
    return pd.DataFrame([[str(c) for c in row] for row in rows], columns=list(LOG_COLUMNS))
