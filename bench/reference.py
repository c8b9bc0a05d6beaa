"""The bare reference pass ``bench/core.py`` measures the pure core against.

What a short pandas/numpy script over the same grid does and no more: read the
Milestones columns, parse the due dates (date serials, and text the way the synthetic
grid types it), compare them with today, and count each owner's overdue and due-soon
rows (a blank Owner falls back to the contract's). No validation, no wording.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

EPOCH = np.datetime64("1899-12-30", "D")


def reference_pass(tabs: dict[str, list[list[object]]], today: dt.date) -> int:
    """Read, parse, compare, group: the number of owners with something due."""
    grid, contracts = tabs["Milestones"], tabs["Contracts"]
    frame = pd.DataFrame(grid[1:], columns=grid[0])
    owners = pd.DataFrame(contracts[1:], columns=contracts[0]).set_index("Contract ID")["Owner"]
    due = _due_dates(frame["Due Date"])
    days = (due - np.datetime64(today, "D")).to_numpy().astype("timedelta64[D]").astype(float)
    owner = frame["Owner"].fillna(frame["Contract ID"].map(owners))
    open_ = frame["Done"].isna()
    counts = (
        pd.DataFrame(
            {
                "owner": owner,
                "overdue": open_ & (days < 0),
                "soon": open_ & (days >= 0) & (days <= 14),
            }
        )
        .groupby("owner")[["overdue", "soon"]]
        .sum()
    )
    return int(((counts["overdue"] + counts["soon"]) > 0).sum())


def _due_dates(cells: pd.Series) -> pd.Series:
    """Date serials and ``MM/DD/YYYY`` text as dates; anything else NaT."""
    serial = pd.to_numeric(cells, errors="coerce")
    dates = pd.Series(EPOCH + serial.to_numpy().astype("timedelta64[D]"), index=cells.index)
    text = cells[serial.isna() & cells.notna()].astype(str)
    dates[text.index] = pd.to_datetime(text, format="%m/%d/%Y", errors="coerce")
    return dates
