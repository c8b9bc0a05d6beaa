"""Write the monthly summary's mark into the Last Notified cells of the rows it covered.

See ``record.summarised``: a row is marked when every owner it is listed for has
this month's summary (sent by this run, recorded in the Log, or already marked
on one of their rows), so deleting the Log never makes a summary go twice.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from ..model import Cell
from ..plan.summary import active_owners, owner_rows
from ..schema import LOG_COLUMNS
from .summarised import covered_rows, marked, sent_in_log, with_mark


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
    if not emails or evaluated.empty:
        return texts
    old, new = logs
    fresh = pd.DataFrame([[str(c) for c in row] for row in new], columns=list(LOG_COLUMNS))
    done = sent_in_log(old, month) | sent_in_log(fresh, month)
    owner, pos = owner_rows(evaluated, contracts, emails)
    if "last_notified" in evaluated:
        hit = marked(evaluated["last_notified"], month)
        done |= {emails[i] for i in set(owner[hit[pos]].tolist())}
    if not done:
        return texts
    rows = evaluated["row"].astype(int).to_numpy()
    out = dict(texts)
    for at in rows[covered_rows(owner, pos, emails, done, len(evaluated))].tolist():
        out[at] = with_mark(out.get(at, ""), month)
    return out
