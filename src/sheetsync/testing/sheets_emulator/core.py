"""``SheetsEmulator``: start the server, seed and inspect sheets, steer quotas and faults."""

from __future__ import annotations

import copy
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from . import batch, drive_api, spreadsheets_api
from .a1 import Box
from .control import Fault, FaultPlan, Hooks, Quota
from .editing import SheetEditor
from .errors import ApiError
from .masks import apply_mask, parse_mask
from .render import renderer
from .routes import SUPPORTED_CALLS, VALUES_HANDLERS, WRITE_CALLS, Route, route
from .server import EmulatorServer, Request, pause
from .store import Store
from .wire import google_json, without_defaults

Answer = tuple[int, Any, dict[str, str]]


class SheetsEmulator:
    """An in-memory Sheets API v4 (and Drive v3 slice) served over HTTP on loopback.

    Example::

        with SheetsEmulator() as emu:
            book = emu.create_spreadsheet("Tracker", tabs={"Milestones": [["ID"], ["M-1"]]})
            gc = gspread_client(emu.host)           # the real gspread, over HTTP
            emu.fail_calls({1: 503}, kind="values.batchUpdate")
            emu.lose_answers([1], kind="values.append")  # carried out, then a 500
            emu.on_call("values.get", 2, lambda: emu.edit(book, "Milestones").delete_rows(2))
            ...
            assert emu.values(book, "Milestones") == [["ID"]]
            assert emu.calls["values.batchGet"] == 1

    Args:
        port: TCP port to listen on (0 picks a free one).
        quota: per-minute read/write limits; ``None`` disables quotas.
        seed: seeds the ids the emulator hands out and random faults.
    """

    def __init__(self, port: int = 0, quota: Quota | None = None, seed: int = 0) -> None:
        self.store = Store(seed)
        self.quota = quota if quota is not None else Quota()
        self.quotas_enabled = True
        self.faults = FaultPlan()
        self.hooks = Hooks()
        self.calls: Counter[str] = Counter()
        self.bytes_received = 0
        self.bytes_sent = 0
        self._port = port
        self._server: EmulatorServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> SheetsEmulator:
        """Start serving in a background thread; return self."""
        self._server = EmulatorServer(("127.0.0.1", self._port), self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> SheetsEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def host(self) -> str:
        """``127.0.0.1:PORT``, the value for ``SHEETS_EMULATOR_HOST``."""
        if self._server is None:
            raise RuntimeError("the emulator is not running")
        return f"127.0.0.1:{self._server.server_address[1]}"

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://{self.host}"

    # -- seeding and inspecting ------------------------------------------------------------

    def create_spreadsheet(
        self,
        title: str = "Untitled spreadsheet",
        tabs: Mapping[str, Sequence[Sequence[Any]]] | None = None,
        locale: str = "en_US",
        time_zone: str = "Etc/GMT",
        private: bool = False,
    ) -> str:
        """Create a spreadsheet in-process and return its id.

        Args:
            title: the spreadsheet's name.
            tabs: tab title -> rows of values (str, int, float, bool, date, datetime, None).
            locale: e.g. ``en_GB``; decides how typed dates are read and shown.
            time_zone: e.g. ``Europe/London``.
            private: answer 403 PERMISSION_DENIED to every request for it.
        """
        return self.store.create(title, tabs, locale, time_zone, private).spreadsheet_id

    def values(
        self, spreadsheet_id: str, tab: str, render: str = "UNFORMATTED_VALUE"
    ) -> list[list[Any]]:
        """Return a tab's stored cells as rows (trailing empties trimmed, like the API).

        Args:
            render: FORMATTED_VALUE, UNFORMATTED_VALUE (default: numbers, booleans, text)
                or FORMULA.
        """
        with self.store.lock:
            sheet = self._sheet(spreadsheet_id, tab)
            rows, cols = sheet.grid.extent()
            return sheet.grid.read(Box(0, 0, rows, cols), renderer(render, None))

    def developer_metadata(self, spreadsheet_id: str) -> list[dict[str, Any]]:
        """Return every DeveloperMetadata of a spreadsheet, wherever it is located."""
        with self.store.lock:
            return copy.deepcopy(self.store.books[spreadsheet_id].developer_metadata)

    def sheet_properties(self, spreadsheet_id: str, tab: str) -> dict[str, Any]:
        """Return a tab's properties as the API shows them (title, gridProperties...)."""
        with self.store.lock:
            return self._sheet(spreadsheet_id, tab).to_json()["properties"]

    def charts(self, spreadsheet_id: str, tab: str) -> list[dict[str, Any]]:
        """Return the charts on a tab (EmbeddedChart resources, as ``spreadsheets.get`` lists)."""
        with self.store.lock:
            return copy.deepcopy(self._sheet(spreadsheet_id, tab).charts)

    def stored_rules(self, spreadsheet_id: str, tab: str) -> dict[str, list[dict[str, Any]]]:
        """Return the formats, validations, conditional formats and protections of a tab."""
        with self.store.lock:
            sheet = self._sheet(spreadsheet_id, tab)
            return {
                "formats": list(sheet.formats),
                "validations": list(sheet.validations),
                "conditionalFormats": list(sheet.conditional_formats),
                "protectedRanges": list(sheet.protected_ranges),
            }

    def edit(self, spreadsheet_id: str, tab: str) -> SheetEditor:
        """Return an editor that changes a tab as a person would (insert, delete, sort, type)."""
        book = self.store.books[spreadsheet_id]
        return SheetEditor(book, self._sheet(spreadsheet_id, tab), self.store.lock)

    def _sheet(self, spreadsheet_id: str, tab: str) -> Any:
        book = self.store.books[spreadsheet_id]
        sheet = book.find_sheet(tab)
        if sheet is None:
            raise KeyError(f"no tab {tab!r} in {spreadsheet_id}")
        return sheet

    # -- steering --------------------------------------------------------------------------

    def set_quota(self, reads: int = 60, writes: int = 60, window: float = 60.0) -> None:
        """Set per-user limits per ``window`` seconds and re-enable quotas."""
        self.quota = Quota(reads, writes, window)
        self.quotas_enabled = True

    def disable_quotas(self) -> None:
        """Never answer 429 for quota reasons."""
        self.quotas_enabled = False

    def fail_calls(self, calls: Mapping[int, Fault | int], kind: str | None = None) -> None:
        """Answer the n-th call from now (of ``kind`` when given) with a fault.

        Args:
            calls: call number (1-based) -> HTTP status (429, 500, 503) or a ``Fault``.
            kind: count only calls of this kind, e.g. ``"values.batchUpdate"``.
        """
        self.faults.set_schedule(calls, kind)

    def fail_randomly(
        self,
        rate: float,
        statuses: Sequence[int] = (429, 500, 503),
        delay: float = 0.0,
        seed: int = 0,
        lost: bool = False,
    ) -> None:
        """Answer a seeded random share ``rate`` of calls with one of ``statuses``.

        Args:
            delay: when > 0, slow answers of ``delay`` seconds are among the faults too.
            lost: answers lost after the call was carried out (a 500, a dropped
                connection) are among the faults too.
        """
        faults = tuple(Fault(status) for status in statuses)
        if delay > 0:
            faults += (Fault(None, delay),)
        if lost:
            faults += (Fault(500, applied=True), Fault(applied=True, drop=True))
        self.faults.set_rate(rate, faults, seed)

    def lose_answers(
        self, calls: Iterable[int], kind: str | None = None, drop: bool = False
    ) -> None:
        """Carry out the n-th call from now (of ``kind`` when given), then lose its answer.

        The request takes effect, then the client gets a 500 (or, with ``drop``, a closed
        connection), so a retrying client repeats a request that was already applied.
        """
        fault = Fault(None if drop else 500, applied=True, drop=drop)
        self.faults.set_schedule(dict.fromkeys(calls, fault), kind)

    def lose_answers_randomly(
        self, rate: float, kinds: Iterable[str] = WRITE_CALLS, seed: int = 0
    ) -> None:
        """Carry out a seeded random share ``rate`` of calls of ``kinds``, then lose the answer.

        Half the lost answers are a 500, half a dropped connection.
        """
        faults = (Fault(500, applied=True), Fault(applied=True, drop=True))
        self.faults.set_rate(rate, faults, seed, frozenset(kinds))

    @property
    def faults_injected(self) -> Counter[str]:
        """Injected faults so far by name ("429", "500", "503", "slow", "applied-500" …)."""
        return self.faults.injected

    def before_request(self, hook: Callable[[str], None]) -> None:
        """Run ``hook(kind)`` just before every call is answered."""
        self.hooks.before.append(hook)

    def on_call(self, kind: str, n: int, hook: Callable[[], None]) -> None:
        """Run ``hook()`` just before the n-th call of ``kind`` (counted like ``calls``)."""
        self.hooks.on_nth.setdefault((kind, n), []).append(hook)

    def reset_counts(self) -> None:
        """Zero call counts, byte counts, fault counts and quota windows."""
        with self.store.lock:
            self.calls.clear()
            self.faults.injected.clear()
            self.bytes_received = self.bytes_sent = 0
            self.quota.reset()

    # -- answering -------------------------------------------------------------------------

    def record_sent(self, size: int) -> None:
        """Count bytes sent in an answer."""
        with self.store.lock:
            self.bytes_sent += size

    def dispatch(self, request: Request) -> Answer:
        """Answer one request: count it, run hooks, inject faults, charge quotas, handle it."""
        found = route(request.method, request.path)
        with self.store.lock:
            self.bytes_received += request.size
            self.calls[found.kind] += 1
            count = self.calls[found.kind]
        self.hooks.run(found.kind, count)
        fault = self.faults.pick(found.kind)
        if fault is not None and not fault.applied:
            pause(fault.delay)
            fault.fail()
        with self.store.lock:
            if self.quotas_enabled:
                self.quota.charge(found.kind, request.user)
            try:
                answer = self._handle(found, request.method, request.query, request.body)
            except (TypeError, ValueError, AttributeError, KeyError, IndexError) as error:
                raise ApiError.invalid(f"Invalid JSON payload received: {error}") from None
        if fault is not None:  # applied, then the answer is lost
            pause(fault.delay)
            fault.fail()
        return answer

    def _handle(self, found: Route, method: str, query: dict[str, list[str]], body: Any) -> Answer:
        if found.kind not in SUPPORTED_CALLS:
            raise ApiError.unimplemented(f"{method} on this URL")
        if found.kind.startswith("drive."):
            return self._drive(found, query, body)
        if found.kind == "spreadsheets.create":
            book = self.store.create(**spreadsheets_api.creation_args(body or {}))
            return 200, google_json(book.to_json()), {}
        book = self.store.open(found.resource_id or "")
        if found.kind == "spreadsheets.get":
            return 200, google_json(spreadsheets_api.get(book, query)), {}
        if found.kind == "spreadsheets.batchUpdate":
            answer = batch.batch_update(book, body or {}, self.store.ids)
            fields = _param(query, "fields")
            masked = apply_mask(answer, parse_mask(fields)) if fields else answer
            return 200, google_json(masked), {}
        answer = VALUES_HANDLERS[found.kind](book, found.range_text, query, body)
        return 200, without_defaults(answer), {}

    def _drive(self, found: Route, query: dict[str, list[str]], body: Any) -> Answer:
        fields = _param(query, "fields")
        if found.kind == "drive.files.create":
            book = self.store.create(drive_api.check_creatable(body or {}))
            return 200, drive_api.created(book), {}
        if found.kind == "drive.files.list":
            q = _param(query, "q")
            return 200, drive_api.list_files(self.store.visible(), q, fields), {}
        if found.kind == "drive.files.delete":
            self.store.delete(found.resource_id or "")
            return 204, None, {}
        return 200, drive_api.get_file(self.store.open(found.resource_id or ""), fields), {}


def _param(query: dict[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[-1] if values else None
