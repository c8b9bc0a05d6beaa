"""What every tracker backend offers the pipeline: one snapshot in, batched writes out."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, Protocol

from ..model import Cell, Snapshot, TabWrite, WriteReport

if TYPE_CHECKING:
    from ..dashboard import Dashboard
    from ..record.prune import LogPrune


class Backend(Protocol):
    """A tracker store: the local workbook or a Google Sheet."""

    api_calls: int

    @property
    def identity(self) -> str:
        """Which tracker this is (``Snapshot.identity``), known without reading it."""
        ...

    def lock(self) -> AbstractContextManager[None]:
        """Hold the tracker for one run: a second run waits briefly, then refuses.

        Raises:
            TrackerBusy: another run holds it (or a person has the workbook open).
        """
        ...

    def read(self) -> Snapshot:
        """Read every tab and the spreadsheet's properties."""
        ...

    def ensure_writable(self) -> None:
        """Raise TrackerError if the run could not save its writes (checked before sending)."""
        ...

    def write_status(
        self,
        writes: Sequence[TabWrite],
        log_prune: LogPrune | None = None,
        dashboard: Dashboard | None = None,
    ) -> WriteReport:
        """Write system columns (adding missing headers at the right end), by ID.

        ``log_prune`` says which Log rows may go; the backend re-reads the Log just
        before deleting and chooses them by what they hold, never by a row number read
        earlier. A missing Log tab is made again, with its header. ``dashboard`` is the
        Dashboard tab to write over the old one (made when missing), in the same writes.
        """
        ...

    def write_early(self, writes: Callable[[], Sequence[TabWrite]], unwritten: int) -> bool:
        """Start writing status columns known before the emails go, while they go.

        ``writes`` builds them, when the store wants them; ``unwritten`` is how many rows
        had no Status when read (a first run: every row). ``write_status`` still follows
        with every write; this only lets a store that takes seconds over a big write start
        it sooner. Returns whether it started.
        """
        ...

    def append_log(self, header: Sequence[str], rows: Sequence[Sequence[Cell]]) -> None:
        """Append ledger rows to the Log tab, creating the tab or header if missing."""
        ...

    def append_rows(
        self, tab: str, rows: Sequence[dict[str, Any]], id_header: str | None = None
    ) -> None:
        """Append rows below the last row of ``tab``, each given as {header: value}.

        Headers are matched like every other header; missing ones are added at the
        right end. Used for the milestones the program generates from contract terms.
        With ``id_header``, the tab's IDs are re-read just before inserting and a row
        whose ID is already there is not inserted again.
        """
        ...
