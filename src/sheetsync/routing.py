"""Who gets an escalation: Escalate To, the department's contact, or the default."""

from __future__ import annotations

from .cells.addresses import Address, allowed_split
from .normalize.settings import Settings


def escalation_recipients(milestone: object, settings: Settings) -> tuple[Address, ...]:
    """Level 1 → Escalate To, else ``Escalation: <Department>``, else Default escalation.

    Level 2 and above → Default escalation (level 1's contacts when there is none).
    Addresses outside Allowed domains are dropped.
    """
    level = int(milestone.level)  # type: ignore[attr-defined]
    first = (
        tuple(milestone.escalate_to)  # type: ignore[attr-defined]
        or settings.department_escalation.get(str(milestone.department).casefold(), ())  # type: ignore[attr-defined]
        or settings.default_escalation
    )
    chosen = (settings.default_escalation or first) if level >= 2 else first
    return allowed_split(chosen, settings.allowed_domains)[0]


def escalation_label(milestone: object, settings: Settings) -> str:
    """The Escalation column: ``Level 1 → legal@x.com``, or nothing below level 1."""
    level = int(milestone.level)  # type: ignore[attr-defined]
    if level <= 0:
        return ""
    to = escalation_recipients(milestone, settings)
    if not to:
        return f"Level {level}: nobody to escalate to (set Escalate To or Default escalation)"
    return f"Level {level} → {', '.join(a.email for a in to)}"
