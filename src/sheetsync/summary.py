"""The monthly summary: one email per owner of an active contract, once a month."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from .addresses import Address
from .ledger import Ledger
from .plan import Notification, PlanContext
from .schema import DONE, OVERDUE, SUMMARY, TERM_TYPES

OPEN = ("Overdue", "Due soon", "Upcoming")


def summary_key(owner: str, today: dt.date) -> str:
    """``summary:{owner}:{YYYY-MM}``, owner as a bare lower-case address."""
    return f"{SUMMARY}:{owner.casefold()}:{today:%Y-%m}"


def plan_summaries(
    milestones: pd.DataFrame, contracts: pd.DataFrame, ledger: Ledger, context: PlanContext
) -> list[Notification]:
    """A summary for each active contract's owner, on the first run on or after Summary day."""
    today = context.today
    if today.day < context.settings.summary_day:
        return []
    owners: dict[str, Address] = {}
    for group in contracts.loc[contracts["active"], "owners"]:
        for owner in group:
            owners.setdefault(owner.email, owner)
    notes = []
    for email, owner in sorted(owners.items()):
        key = summary_key(email, today)
        if ledger.was_sent(key, email):
            continue
        content = summarize_owner(email, milestones, contracts, context)
        notes.append(Notification(SUMMARY, (owner,), (), summary=content, summary_key=key))
    return notes


def summarize_owner(
    email: str, milestones: pd.DataFrame, contracts: pd.DataFrame, context: PlanContext
) -> dict[str, object]:
    """What one owner's summary lists: overdue, next 30 days, terms in 90, done last month."""
    today = context.today
    owned = set(
        contracts.loc[contracts["owners"].map(lambda o: any(a.email == email for a in o)), "id"]
    )
    mine = milestones[
        milestones["contract_id"].isin(owned)
        | milestones["owners"].map(lambda o: any(a.email == email for a in o))
    ]
    names = contracts.drop_duplicates("id").set_index("id")["name"]
    days = mine["days_left"]
    open_ = mine["status"].isin(OPEN)
    first = today.replace(day=1)
    last_month_start = (first - dt.timedelta(days=1)).replace(day=1)
    completed = mine["completed_on"].between(
        pd.Timestamp(last_month_start), pd.Timestamp(first - dt.timedelta(days=1))
    )
    return {
        "month": today.strftime("%B %Y"),
        "owner": email,
        "overdue": _rows(mine[mine["status"] == OVERDUE], names, context),
        "next_30": _rows(mine[open_ & days.between(0, 30)], names, context),
        "terms_90": _rows(
            mine[open_ & days.between(0, 90) & mine["type"].isin(TERM_TYPES)], names, context
        ),
        "completed": _rows(mine[(mine["status"] == DONE) & completed], names, context),
        "problems": _problem_rows(mine, contracts, owned, context),
        "chart": _chart(mine[open_], today),
        "contracts": len(owned),
    }


def _rows(frame: pd.DataFrame, names: pd.Series, context: PlanContext) -> list[dict[str, object]]:
    frame = frame.sort_values(["due", "id"])
    return [
        {
            "milestone_id": m.id,
            "contract_id": m.contract_id,
            "contract": str(names.get(m.contract_id, "")),
            "title": m.title,
            "type": m.type,
            "due": pd.Timestamp(m.due).date() if pd.notna(m.due) else None,
            "days_left": None if pd.isna(m.days_left) else int(m.days_left),
            "status": m.status,
            "row": int(m.row),
            "link": context.link_for_row.get(int(m.row)),
        }
        for m in frame.itertuples(index=False)
    ]


def _problem_rows(
    mine: pd.DataFrame, contracts: pd.DataFrame, owned: set[str], context: PlanContext
) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for c in contracts[contracts["id"].isin(owned) & (contracts["problems"] != "")].itertuples(
        index=False
    ):
        rows.append(
            {
                "tab": "Contracts",
                "row": int(c.row),
                "what": f"{c.id} {c.name}",
                "problems": c.problems,
            }
        )
    for m in mine[mine["problems"] != ""].itertuples(index=False):
        rows.append(
            {
                "tab": "Milestones",
                "row": int(m.row),
                "what": f"{m.id} {m.title}",
                "problems": m.problems,
            }
        )
    return rows


def _chart(frame: pd.DataFrame, today: dt.date) -> list[dict[str, object]]:
    """Milestones due per month for this month and the next five."""
    months = pd.period_range(pd.Timestamp(today), periods=6, freq="M")
    counts = frame["due"].dt.to_period("M").value_counts()
    peak = max([int(counts.get(m, 0)) for m in months] + [1])
    return [
        {
            "label": m.strftime("%b %Y"),
            "count": int(counts.get(m, 0)),
            "percent": round(100 * int(counts.get(m, 0)) / peak),
        }
        for m in months
    ]
