"""``Approval route: <condition>`` settings: read, checked, and matched against a contract.

Pure. A condition is ``default`` or clauses joined by ``and``, each a column, an
operator and a value: ``Type = NDA``, ``Value >= 1,000,000``, ``Department = IT``,
``Risk = High``. Type, Department and Risk take ``=``; Value also ``>=``, ``<=``,
``>`` and ``<``. A blank cell (or a contract tab without that column) never
satisfies a clause, so such a contract takes a later route or the default.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..cells.addresses import Address, allowed_split, parse_addresses
from ..cells.money import parse_money
from ..cells.text import printable
from ..problems import Problem
from ..schema import SETTINGS, header_key

DEFAULT = "default"
# Column a clause may name (as people write it) → the contracts frame's column.
FIELDS = {
    "type": "contract_type",
    "contracttype": "contract_type",
    "category": "contract_type",
    "value": "value",
    "contractvalue": "value",
    "amount": "value",
    "tcv": "value",
    "department": "department",
    "team": "department",
    "risk": "risk",
    "risklevel": "risk",
}
SHOWN = {"contract_type": "Type", "value": "Value", "department": "Department", "risk": "Risk"}
OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    "=": operator.eq,
    ">": operator.gt,
    "<": operator.lt,
}
_SYMBOLS = {"≥": ">=", "≤": "<=", "==": "="}
_CLAUSE = re.compile(r"^\s*(?P<field>[^<>=≥≤]+?)\s*(?P<op>>=|<=|==|=|>|<|≥|≤)\s*(?P<value>.+?)\s*$")
_RISKS = ("high", "medium", "low")


@dataclass(frozen=True)
class Clause:
    """One test on a contract's column: ``value >= 1000000.0``, ``risk = high``."""

    column: str
    op: str
    value: str | float

    def holds(self, contract: Any) -> bool:
        """Whether the contract's cell satisfies it; a blank cell never does."""
        cell = getattr(contract, self.column, None)
        if self.column == "value":
            if not isinstance(cell, int | float) or math.isnan(cell):
                return False
            return OPERATORS[self.op](float(cell), self.value)
        text = " ".join(str(cell or "").split()).casefold()
        return text != "" and text == self.value


@dataclass(frozen=True)
class Route:
    """One ``Approval route`` row: its condition, its approvers in order, its sheet row."""

    row: int
    condition: str  # as written, for Log rows and emails
    clauses: tuple[Clause, ...]  # empty: the default route
    approvers: tuple[Address, ...]

    @property
    def is_default(self) -> bool:
        """Whether this is ``Approval route: default``."""
        return not self.clauses

    def matches(self, contract: Any) -> bool:
        """Whether every clause holds for the contract (the default matches any)."""
        return all(clause.holds(contract) for clause in self.clauses)


def read_route(row: int, condition: str, value: object) -> Route | str:
    """A Route from a Settings row, or why it cannot be one (a sentence for its Problems)."""
    shown = " ".join(condition.split())
    clauses = parse_condition(shown)
    if isinstance(clauses, str):
        return f"Approval route: {shown}: {clauses}; this route is not used"
    good, bad = parse_addresses(str(value or ""))
    if bad or not good:
        what = f'"{bad[0]}" is not an email address' if bad else "names no approver"
        return (
            f"Approval route: {shown}: {what}; list the approvers in order, "
            "separated by ; (legal@example.com; cfo@example.com); this route is not used"
        )
    unique = tuple(dict.fromkeys(good))
    return Route(row, shown, clauses, unique)


def parse_condition(text: str) -> tuple[Clause, ...] | str:
    """The clauses of a condition (none for ``default``), or what is wrong with it."""
    if text.casefold() == DEFAULT:
        return ()
    parts = re.split(r"\s+and\s+", text, flags=re.IGNORECASE)
    clauses = []
    for part in parts:
        clause = _clause(part)
        if isinstance(clause, str):
            return clause
        clauses.append(clause)
    return tuple(clauses)


def _clause(text: str) -> Clause | str:
    found = _CLAUSE.match(text)
    if found is None:
        return (
            f'"{text}" is not a condition such as Type = NDA, Value >= 1,000,000, '
            "Department = IT or Risk = High (or default)"
        )
    column = FIELDS.get(header_key(found["field"]))
    op = _SYMBOLS.get(found["op"], found["op"])
    value = found["value"].strip()
    if column is None:
        return f'"{found["field"]}" is not Type, Value, Department or Risk'
    if column == "value":
        amount = parse_money(value)
        return Clause(column, op, amount) if amount is not None else f'"{value}" is not an amount'
    if op != "=":
        return f"{SHOWN[column]} can only be compared with =, not {op}"
    word = " ".join(value.split()).casefold()
    if column == "risk" and word not in _RISKS:
        return f'"{value}" is not High, Medium or Low'
    return Clause(column, op, word)


def route_for(routes: list[Route], contract: Any) -> Route | None:
    """The first route whose condition holds for the contract; else the default; else None."""
    for route in routes:
        if not route.is_default and route.matches(contract):
            return route
    return next((r for r in routes if r.is_default), None)


def outside_domains(route: Route, domains: tuple[str, ...]) -> str | None:
    """What a Settings row says when some approvers are outside Allowed domains."""
    _, why = allowed_split(route.approvers, domains)
    if not why:
        return None
    return (
        f"Approval route: {route.condition}: {why}, so that approval step is never emailed "
        "and the contract's approval stops there; name an approver inside them"
    )


def route_problems(routes: list[Route], domains: tuple[str, ...]) -> list[Problem]:
    """A Problem on each route's Settings row that names an approver outside Allowed domains."""
    found = []
    for route in routes:
        message = outside_domains(route, domains) if domains else None
        if message:
            found.append(Problem(SETTINGS, route.row, "Value", printable(message)))
    return found
