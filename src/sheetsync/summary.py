"""The monthly summary: one email per owner of an active contract, once a month.

Sections are decided once for every milestone (column operations); a long
``(owner, row)`` table then splits them per owner, so the cost grows with the
rows listed, not with owners × rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd

from .addresses import Address
from .ledger import Ledger
from .plan import Notification, PlanContext
from .schema import DONE, OVERDUE, SUMMARY, TERM_TYPES

OPEN = ("Overdue", "Due soon", "Upcoming")
SECTIONS = ("overdue", "next_30", "terms_90", "completed", "problems")


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
    pending = {e: a for e, a in owners.items() if not ledger.was_sent(summary_key(e, today), e)}
    if not pending:
        return []
    pairs = owner_rows(milestones, contracts, set(pending))
    content = _contents(milestones, contracts, pairs, set(pending), context)
    return [
        Notification(
            SUMMARY, (owner,), (), summary=content[email], summary_key=summary_key(email, today)
        )
        for email, owner in sorted(pending.items())
    ]


def owner_rows(milestones: pd.DataFrame, contracts: pd.DataFrame, emails: set[str]) -> pd.DataFrame:
    """The long table ``(owner, pos)``: milestones assigned to an owner or on their contracts.

    Owner cells repeat, so the Python work is per distinct owner list, not per row.
    """
    parts: list[pd.DataFrame] = []
    codes, groups = pd.factorize(milestones["owners"])
    _add_pairs(parts, codes, groups, emails)
    unique = contracts.drop_duplicates("id")
    contract_codes, contract_groups = pd.factorize(unique["owners"])
    by_contract = pd.Series(contract_codes, index=unique["id"].to_numpy())
    codes = milestones["contract_id"].map(by_contract).fillna(-1).to_numpy(dtype=np.int64)
    _add_pairs(parts, codes, contract_groups, emails)
    if not parts:
        return pd.DataFrame({"owner": pd.Series(dtype=object), "pos": pd.Series(dtype=np.int64)})
    return pd.concat(parts, ignore_index=True).drop_duplicates()


def _add_pairs(
    parts: list[pd.DataFrame],
    codes: np.ndarray,
    groups: Sequence[tuple[Address, ...]],
    emails: set[str],
) -> None:
    """Append ``(owner, pos)`` frames for rows whose owner-list code maps to wanted emails."""
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(groups) + 1))
    for code, group in enumerate(groups):
        wanted = {a.email for a in group} & emails
        positions = order[bounds[code] : bounds[code + 1]]
        parts.extend(pd.DataFrame({"owner": e, "pos": positions}) for e in sorted(wanted))


def section_flags(milestones: pd.DataFrame, today: dt.date) -> pd.DataFrame:
    """For every milestone, which summary sections list it."""
    days = milestones["days_left"]
    open_ = milestones["status"].isin(OPEN)
    last_month_end = today.replace(day=1) - dt.timedelta(days=1)
    completed_last_month = milestones["completed_on"].between(
        pd.Timestamp(last_month_end.replace(day=1)), pd.Timestamp(last_month_end)
    )
    return pd.DataFrame(
        {
            "overdue": milestones["status"] == OVERDUE,
            "next_30": open_ & days.between(0, 30).fillna(False),
            "terms_90": open_
            & days.between(0, 90).fillna(False)
            & milestones["type"].isin(TERM_TYPES),
            "completed": (milestones["status"] == DONE) & completed_last_month,
            "problems": milestones["problems"] != "",
            "open": open_,
        }
    ).to_numpy(dtype=bool)


def _contents(
    milestones: pd.DataFrame,
    contracts: pd.DataFrame,
    pairs: pd.DataFrame,
    emails: set[str],
    context: PlanContext,
) -> dict[str, dict[str, object]]:
    today = context.today
    flags = section_flags(milestones, today)
    order = np.lexsort((milestones["id"].to_numpy(), milestones["due"].to_numpy()))
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    pairs = pairs.assign(rank=rank[pairs["pos"].to_numpy()]).sort_values(["owner", "rank"])
    listed = np.flatnonzero(flags[:, :5].any(axis=1))
    records = _records(milestones.iloc[listed], contracts, context)
    by_pos = dict(zip(listed.tolist(), records, strict=True))
    charts = _charts(milestones, pairs, flags[:, 5], today)
    contents: dict[str, dict[str, object]] = {}
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).strftime("%B %Y")
    owned = _contracts_owned(contracts)
    for owner in emails:
        contents[owner] = {
            "month": today.strftime("%B %Y"),
            "last_month": last_month,
            "owner": owner,
            **{name: [] for name in SECTIONS},
            "problems": _problem_rows(owned.get(owner, []), np.array([], dtype=np.int64), by_pos),
            "chart": _empty_chart(today),
            "contracts": len(owned.get(owner, [])),
        }
    for owner, group in pairs.groupby("owner", sort=False):
        positions = group["pos"].to_numpy()
        content = contents[str(owner)]
        for i, name in enumerate(SECTIONS[:4]):
            content[name] = [by_pos[p] for p in positions[flags[positions, i]]]
        content["problems"] = _problem_rows(
            owned.get(str(owner), []), positions[flags[positions, 4]], by_pos
        )
        content["chart"] = charts.get(str(owner), _empty_chart(today))
        content["contracts"] = len(owned.get(str(owner), []))
    return contents


def _records(
    frame: pd.DataFrame, contracts: pd.DataFrame, context: PlanContext
) -> list[dict[str, object]]:
    """Row dicts the summary template lists, built once per milestone."""
    names = contracts.drop_duplicates("id").set_index("id")["name"]
    due = frame["due"].dt.date.astype(object).where(frame["due"].notna(), None)
    days = frame["days_left"].astype(object).where(frame["days_left"].notna(), None)
    table = pd.DataFrame(
        {
            "milestone_id": frame["id"],
            "contract_id": frame["contract_id"],
            "contract": frame["contract_id"].map(names).fillna("").astype(str),
            "title": frame["title"],
            "type": frame["type"],
            "due": due,
            "days_left": days.map(lambda d: None if d is None else int(d)),
            "status": frame["status"],
            "row": frame["row"].astype(int),
            "link": frame["row"]
            .map(context.link_for_row)
            .astype(object)
            .where(lambda s: s.notna(), None),
            "problems": frame["problems"],
            "what": frame["id"] + " " + frame["title"],
        }
    )
    return table.to_dict("records")


def _contracts_owned(contracts: pd.DataFrame) -> dict[str, list[dict[str, object]]]:
    owned: dict[str, list[dict[str, object]]] = {}
    for c in contracts.itertuples(index=False):
        for owner in c.owners:
            owned.setdefault(owner.email, []).append(
                {
                    "tab": "Contracts",
                    "row": int(c.row),
                    "what": f"{c.id} {c.name}",
                    "problems": c.problems,
                }
            )
    return owned


def _problem_rows(
    owned: list[dict[str, object]], positions: np.ndarray, by_pos: dict[int, dict[str, object]]
) -> list[dict[str, object]]:
    rows = [c for c in owned if c["problems"]]
    rows += [
        {
            "tab": "Milestones",
            "row": by_pos[p]["row"],
            "what": by_pos[p]["what"],
            "problems": by_pos[p]["problems"],
        }
        for p in positions
    ]
    return rows


def _months(today: dt.date) -> pd.PeriodIndex:
    return pd.period_range(pd.Timestamp(today), periods=6, freq="M")


def _empty_chart(today: dt.date) -> list[dict[str, object]]:
    return [{"label": m.strftime("%b %Y"), "count": 0, "percent": 0} for m in _months(today)]


def _charts(
    milestones: pd.DataFrame, pairs: pd.DataFrame, open_: np.ndarray, today: dt.date
) -> dict[str, list[dict[str, object]]]:
    """Open milestones due per month for this month and the next five, per owner."""
    months = _months(today)
    period = milestones["due"].dt.to_period("M").to_numpy()
    mine = pairs[open_[pairs["pos"].to_numpy()]]
    table = pd.DataFrame(
        {"owner": mine["owner"].to_numpy(), "month": period[mine["pos"].to_numpy()]}
    )
    counts = table[table["month"].isin(months)].value_counts()
    charts: dict[str, list[dict[str, object]]] = {}
    for owner in pairs["owner"].unique():
        values = [int(counts.get((owner, m), 0)) for m in months]
        peak = max([*values, 1])
        charts[str(owner)] = [
            {"label": m.strftime("%b %Y"), "count": v, "percent": round(100 * v / peak)}
            for m, v in zip(months, values, strict=True)
        ]
    return charts
