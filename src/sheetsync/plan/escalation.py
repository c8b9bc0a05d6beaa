"""Who gets escalation level n: the rule, worked out once per row for the plan and the column.

Level 1 goes to the row's Escalate To, else the ``Escalation: <Department>`` setting,
else Default escalation. Level 2 and above go to Default escalation (level 1's
contacts when there is none). Addresses outside Allowed domains are dropped. The
owners are copied on every escalation email.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..cells.addresses import Address, allowed_split
from ..normalize.settings import Settings
from ..schema import ESCALATION
from ..values import factorize_objects, first_rows, object_array, with_slot
from .emails import Found, group_emails
from .notification import Notification
from .stages import Due, Planning, due_now, not_noted, stage_items

Route = tuple[Address, ...]


def escalation_recipients(
    level: int, escalate_to: Sequence[Address], department: object, settings: Settings
) -> Route:
    """Who gets ``level`` of a row with this Escalate To and Department (the rule above)."""
    first = (
        tuple(escalate_to)
        or settings.department_escalation.get(str(department).casefold(), ())
        or settings.default_escalation
    )
    chosen = (settings.default_escalation or first) if level >= 2 else first
    return allowed_split(chosen, settings.allowed_domains)[0]


@dataclass(frozen=True)
class Routes:
    """Each row's escalation recipients: a code per row into ``lists`` (-1: none).

    Rows sharing a routing (level 1 or above, Escalate To, Department) share a code
    and its Route object, worked out once; the plan and the column read them by code.
    """

    codes: np.ndarray
    lists: list[Route]

    def of(self, pos: np.ndarray) -> list[Route]:
        """The recipients of the rows at ``pos`` (``()`` below level 1)."""
        return with_slot(object_array(self.lists), ())[self.codes[pos]].tolist()


def route_table(milestones: pd.DataFrame, settings: Settings) -> Routes:
    """Each row's escalation recipients (none below level 1), once per distinct routing."""
    rising = np.flatnonzero(milestones["level"].to_numpy() > 0)
    codes = np.full(len(milestones), -1, dtype=np.intp)
    if not len(rising):
        return Routes(codes, [])
    if len(rising) < len(milestones):
        milestones = milestones[["level", "escalate_to", "department"]].iloc[rising]
    codes[rising], lists = _routes(milestones, settings)
    return Routes(codes, lists)


def _routes(milestones: pd.DataFrame, settings: Settings) -> tuple[np.ndarray, list[Route]]:
    """A code per row (all at level 1 or above) and each code's recipients."""
    level = milestones["level"].to_numpy()
    escalate, routes = factorize_objects(milestones["escalate_to"].to_numpy(dtype=object))
    department, names = pd.factorize(milestones["department"].to_numpy(dtype=object))
    high = (level >= 2).astype(np.int64)
    combined = (escalate * (len(names) + 1) + department + 1) * 2 + high
    codes, distinct = pd.factorize(combined)
    answers: list[Route] = []
    for value in distinct.tolist():
        if value < 0:  # a blank Escalate To cell (not even an empty list): no one
            answers.append(())
            continue
        rest, two = divmod(value, 2)
        route, dept = divmod(rest, len(names) + 1)
        department_name = names[dept - 1] if dept else np.nan
        answers.append(
            escalation_recipients(2 if two else 1, routes[route], department_name, settings)
        )
    return codes, answers


def escalation_label(level: int, to: Route) -> str:
    """The Escalation column: ``Level 1 → legal@x.com``, or nothing below level 1."""
    if level <= 0:
        return ""
    if not to:
        return f"Level {level}: nobody to escalate to (set Escalate To or Default escalation)"
    return f"Level {level} → {', '.join(a.email for a in to)}"


def escalation_labels(milestones: pd.DataFrame, routes: Routes) -> pd.Series:
    """``escalation_label`` of every row, aligned with ``milestones``.

    Rows sharing a code (``route_table``) share a label per level, so each label is
    written once per level and route.
    """
    levels = milestones["level"].to_numpy(dtype=np.int64)
    texts = np.full(len(levels), "", dtype=object)  # below level 1: nothing
    rising = np.flatnonzero(levels > 0)
    if not len(rising):
        return pd.Series(texts, index=milestones.index, dtype=object)
    route_codes, chosen = routes.codes[rising], routes.lists
    level_codes, distinct_levels = pd.factorize(levels[rising])
    codes, _ = pd.factorize(route_codes * len(distinct_levels) + level_codes)
    first = first_rows(codes).tolist()
    labels = [escalation_label(int(levels[rising[j]]), chosen[route_codes[j]]) for j in first]
    texts[rising] = np.asarray(labels, dtype=object)[codes]
    return pd.Series(texts, index=milestones.index, dtype=object)


def plan_escalations(planning: Planning, routes: Routes) -> list[Notification]:
    """One email per escalation recipient list (or per item), the owners copied."""
    milestones, ledger = planning.milestones, planning.ledger
    due = not_noted(milestones, due_now(milestones, ESCALATION), ledger)
    found = _escalation_items(planning, due, routes)
    return group_emails(found, ESCALATION, ledger, planning.context.settings.digest, planning.noted)


def _escalation_items(planning: Planning, due: Due, routes: Routes) -> Found:
    items, rank = stage_items(planning, due)
    codes = routes.codes[due.pos]
    anyone = np.asarray([len(r) > 0 for r in routes.lists] + [False], dtype=bool)  # -1: no one
    item = np.flatnonzero(anyone[codes])  # the items someone is to get
    owners = planning.milestones["owners"].to_numpy(dtype=object)[due.pos[item]]
    return Found(
        items,
        rank,
        item,
        routes.of(due.pos[item]),
        [tuple(cell) for cell in owners.tolist()],
        (codes[item], routes.lists),
    )
