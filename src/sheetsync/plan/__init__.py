"""The plan step: evaluated milestones and the Log → the emails due now, with their keys.

One run sends at most one reminder digest per recipient (upcoming and overdue items
together, ``reminders``), one escalation email per escalation recipient list
(``escalation``), one Resolved note per escalation recipient list when an escalated
milestone is done (``resolved``), and one monthly summary per owner (``summary``); only keys not
already in the Log for that recipient are included. Pure: no I/O, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..normalize.ledger import Ledger
from .emails import noted_keys
from .escalation import escalation_labels, plan_escalations, route_table
from .notification import Item, Notification, PlanContext
from .reminders import plan_reminders
from .resolved import plan_resolved
from .stages import Planning, contract_names, first_contract_rows, places
from .summary import plan_summaries

__all__ = ["Item", "Notification", "Plan", "PlanContext", "plan_notifications"]


@dataclass
class Plan:
    """The emails to send, and the Escalation column's text of each milestone row."""

    notifications: list[Notification]
    escalation: pd.Series  # aligned with the milestones; "" below level 1


def plan_notifications(
    milestones: pd.DataFrame, contracts: pd.DataFrame, ledger: Ledger, context: PlanContext
) -> Plan:
    """Every email this run should send, most urgent items first within each.

    Who each escalation goes to is worked out once, here, for the emails and the column,
    and so is each Contract ID's first row.
    """
    routes = route_table(milestones, context.settings)
    first = first_contract_rows(contracts)
    names = contract_names(contracts, first)
    known = places(milestones, contracts, first)
    noted = noted_keys(milestones)
    planning = Planning(milestones, names, ledger, context, noted, known, first)
    notes = plan_reminders(planning) + plan_escalations(planning, routes)
    notes += plan_resolved(planning)
    notes += plan_summaries(milestones, contracts, ledger, context, planning)
    return Plan(notes, escalation_labels(milestones, routes))
