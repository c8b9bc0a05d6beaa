"""Problems: what is wrong with a row, in words a non-programmer understands."""

from __future__ import annotations

from typing import NamedTuple

from .cells.text import printable


class Problem(NamedTuple):
    """One thing wrong with one cell or row: tab, sheet row (1-based), column, sentence."""

    tab: str
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        if self.row <= 0:  # about the whole tab
            return printable(f"{self.tab} tab: {self.message}")
        return printable(f"{self.tab} row {self.row}: {self.message}")


def problems_by_row(problems: list[Problem], tab: str) -> dict[int, str]:
    """Join each row's Problems of ``tab`` into the sentence the Problems column shows
    (control characters from a quoted cell shown as visible symbols)."""
    joined: dict[int, list[str]] = {}
    for problem in problems:
        message = printable(problem.message)
        if problem.tab == tab and message not in joined.get(problem.row, []):
            joined.setdefault(problem.row, []).append(message)
    return {row: "; ".join(messages) for row, messages in joined.items()}
