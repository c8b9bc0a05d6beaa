"""Write the monthly summary's mark into the Last Notified cell of a row it listed.

See ``record.summarised``: each owner who has this month's summary (sent by this
run or recorded in the Log) and whose code no cell holds yet gets it on their
first row the write will find (one with its own Milestone ID when they have one:
a row whose ID another row shares, or that had none, may not be found again if
the rows move during the run); rows that hold a mark keep it (a Last Notified rebuilt
for a new stage gets it back), so deleting the Log never makes a summary go twice.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from ..plan.summary import active_owners, owner_rows
from .summarised import first_rows, mark_rank, month_marks, owner_code, sent_in_log, with_mark


def mark_summaries(
    evaluated: pd.DataFrame,
    contracts: pd.DataFrame,
    logs: tuple[pd.DataFrame, pd.DataFrame],
    today: dt.date,
    texts: dict[int, str],
) -> dict[int, str]:
    """``texts`` (Last Notified by sheet row) with this month's summary marks.

    ``logs`` is the Log as read and the rows this run appended (``logtab.log_frame``).
    """
    month = f"{today:%Y-%m}"
    cells = evaluated.get("last_notified")
    held = month_marks(cells, month) if cells is not None else {}
    known = set().union(*held.values())
    done = sent_in_log(logs[0], month) | sent_in_log(logs[1], month)
    emails = sorted(active_owners(contracts))
    wanted = {e for e in emails if e in done and owner_code(e) not in known}
    picks = {}
    if wanted:
        rank = mark_rank(evaluated["id"], evaluated.get("new_id"))
        picks = first_rows(owner_rows(evaluated, contracts, emails), emails, wanted, rank)
    rows = evaluated["row"].astype(int).to_numpy()
    out = dict(texts)
    for at in sorted(set(held) | set(picks)):
        codes = held.get(at, frozenset()) | {owner_code(e) for e in picks.get(at, ())}
        row = int(rows[at])
        out[row] = with_mark(out.get(row, ""), month, codes)
    return out
