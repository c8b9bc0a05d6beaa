"""One spreadsheet's Sheets API endpoints, with Google's error answers translated once.

403/404 become ``TrackerNotFound`` (naming the account to share the sheet with), a
credentials refusal ``TrackerError``, anything else ``BackendError``. Requests go through
the counting, retrying client (``retry``). Bodies are encoded and answers read with orjson:
a first run at 100,000 milestones sends 23 MB, which the standard library encodes ten
times slower, and the next day's run reads 52 MB.

A write can also be sent ``later``: on a background thread, returning at once, so the run
goes on with its own work (planning the new rows, building the last batchUpdate) while
Google takes a 2 MB body. Requests still go one at a time and in order: any other call
first waits for it (``settle``), and its error is raised there.

A longer write can go ``aside``: a big tracker's status columns, on a thread of their own
while the emails are sent. Requests made ``ahead`` (a delivery batch's Log rows) neither
wait for it nor behind its next body: they take the wire as soon as the request on it
is answered (``Wire``). Every other call waits for the aside write first, and its error
is raised there.
"""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode

import orjson
from google.auth.exceptions import RefreshError
from gspread import urls
from gspread.exceptions import APIError

from ...errors import BackendError, TrackerError, TrackerNotFound
from ...overlap import InFlight
from .retry import Recheck, RetryingHTTPClient

READ_OPTIONS = {"valueRenderOption": "UNFORMATTED_VALUE", "dateTimeRenderOption": "SERIAL_NUMBER"}


class SheetsApi:
    """One spreadsheet's Sheets API endpoints, with Google's error answers translated.

    Args:
        http: the counting, retrying HTTP client.
        spreadsheet_id: the spreadsheet (None before one is created).
        account: who the spreadsheet must be shared with, for error messages.
    """

    def __init__(self, http: RetryingHTTPClient, spreadsheet_id: str | None, account: str) -> None:
        self.http = http
        self.spreadsheet_id = spreadsheet_id
        self.account = account
        self._later = InFlight()  # a write sent in the background (``later``)
        self._aside = InFlight()  # a long write on a thread of its own (``aside``)
        self._wire = Wire()  # one request at a time across those threads
        self._here = threading.local()  # .behind: this thread carries out such a write

    def later(self, call: Callable[[], object]) -> None:
        """Carry out ``call`` (a write through this API) in the background; return at once.

        The write sent ``later`` before it is waited for first (its error raised here).
        """
        self._later.send(functools.partial(self._behind, call))

    def aside(self, call: Callable[[], object]) -> None:
        """Carry out ``call`` (writes through this API) on a thread of its own; return at once.

        Calls made ``ahead`` go between its requests; any other call waits for all of it.
        """
        self.settle()
        self._aside.send(functools.partial(self._behind, call))

    def aside_failed(self) -> Exception | None:
        """Wait for the write sent ``aside``, if any: its error, given rather than raised."""
        try:
            self._aside.wait()
        except Exception as exc:
            return exc
        return None

    @contextmanager
    def ahead(self) -> Iterator[None]:
        """Requests made in this block go before the ``aside`` write's next one, without
        waiting for the rest of it (a write ``later`` is still waited for)."""
        self._here.ahead = True
        try:
            yield
        finally:
            self._here.ahead = False

    def settle(self) -> None:
        """Wait for the writes sent ``aside`` and ``later``, if any; an error is raised here.

        Made ``ahead`` (a Log append renewing the lease), it waits for the ``later`` one
        alone: the aside write's error is the status write's to raise, never a reason to
        leave sent emails unlogged.
        """
        try:
            if not getattr(self._here, "ahead", False):
                self._aside.wait()
        finally:
            self._later.wait()

    def close(self) -> None:
        """Settle, then let the background threads go (the next write starts another)."""
        try:
            self._aside.close()
        finally:
            self._later.close()

    def _behind(self, call: Callable[[], object]) -> object:
        self._here.behind = True  # its own requests (and rechecks) must not wait for it
        try:
            return call()
        finally:
            self._here.behind = False

    def batch_get(self, ranges: list[str], major: str) -> list[dict[str, Any]]:
        """``values:batchGet`` of ``ranges``, unformatted, dates as serial numbers."""
        params = {**READ_OPTIONS, "majorDimension": major, "ranges": ranges}
        answer = self.get(urls.SPREADSHEET_VALUES_BATCH_URL % self.spreadsheet_id, params)
        return list(answer.get("valueRanges", []))

    def batch_update(
        self, requests: list[dict[str, Any]], recheck: Recheck | None = None, fields: str = ""
    ) -> dict[str, Any]:
        """``spreadsheets:batchUpdate`` with ``requests``, applied together or not at all.

        With ``fields`` (a mask of the Spreadsheet resource), the answer's
        ``updatedSpreadsheet`` holds the spreadsheet as the batch left it.
        """
        url = urls.SPREADSHEET_BATCH_UPDATE_URL % self.spreadsheet_id
        body: dict[str, Any] = {"requests": requests}
        if fields:
            body["includeSpreadsheetInResponse"] = True
            url += "?" + urlencode({"fields": f"updatedSpreadsheet({fields})"})
        return self.post(url, body, recheck)

    def values_update(self, data: list[dict[str, Any]], option: str = "RAW") -> dict[str, Any]:
        """``values:batchUpdate`` of value ranges, RAW unless ``option`` says otherwise."""
        url = urls.SPREADSHEET_VALUES_BATCH_UPDATE_URL % self.spreadsheet_id
        return self.post(url, {"valueInputOption": option, "data": data})

    def get(self, url: str, params: dict[str, Any]) -> dict[str, Any]:
        """GET ``url``; the answer's JSON."""
        return self._send(lambda: self.http.request("get", url, params=params))

    def post(
        self, url: str, body: dict[str, Any], recheck: Recheck | None = None
    ) -> dict[str, Any]:
        """POST ``body`` as compact JSON; the answer's JSON.

        ``recheck`` decides, after a lost answer, whether the write already took effect.
        """
        data = json_bytes(body)
        headers = {"Content-Type": "application/json; charset=UTF-8"}
        return self._send(
            lambda: self.http.request("post", url, data=data, headers=headers, recheck=recheck)
        )

    def _send(self, call: Callable[[], Any]) -> dict[str, Any]:
        ahead = getattr(self._here, "ahead", False)
        if not getattr(self._here, "behind", False):
            self.settle()  # one request at a time, in order (ahead: of an aside write's)
        try:
            with self._wire.hold(ahead):
                answer = json_answer(call().content)
        except APIError as exc:
            raise self._translate(exc) from exc
        except RefreshError as exc:
            raise TrackerError(f"Google refused the credentials ({self.account}): {exc}") from exc
        except ValueError as exc:
            raise BackendError(f"the Google Sheets API sent an unreadable answer: {exc}") from exc
        return answer if isinstance(answer, dict) else {}

    def _translate(self, exc: APIError) -> Exception:
        message = exc.error.get("message", "")
        if exc.code in (403, 404) and self.spreadsheet_id:
            return TrackerNotFound(
                f"the spreadsheet {self.spreadsheet_id} does not exist or is not shared with "
                f"{self.account} ({exc.code} {message})"
            )
        return BackendError(f"the Google Sheets API refused a request: {exc.code} {message}")


class Wire:
    """One request on the wire at a time, whichever thread makes it; a thread holding it
    may make more (a recheck inside a retry). One marked ``ahead`` goes before those
    waiting without the mark, however long they have waited."""

    def __init__(self) -> None:
        self._turn = threading.Condition()
        self._holder: int | None = None
        self._depth = 0
        self._ahead = 0  # threads waiting with the mark

    @contextmanager
    def hold(self, ahead: bool = False) -> Iterator[None]:
        """Hold the wire for the block, waiting for it first."""
        me = threading.get_ident()
        with self._turn:
            if self._holder != me:
                self._ahead += ahead
                try:
                    while self._holder is not None or (self._ahead and not ahead):
                        self._turn.wait()
                finally:
                    self._ahead -= ahead
                self._holder = me
            self._depth += 1
        try:
            yield
        finally:
            with self._turn:
                self._depth -= 1
                if not self._depth:
                    self._holder = None
                    self._turn.notify_all()


def json_bytes(value: Any) -> bytes:
    """``value`` as compact UTF-8 JSON (NaN and infinity, which JSON lacks, as null).

    Raises:
        BackendError: a value JSON cannot hold (an integer beyond 64 bits, a lone surrogate).
    """
    try:
        return orjson.dumps(value)
    except orjson.JSONEncodeError as exc:
        raise BackendError(f"a value could not be sent to the Google Sheets API: {exc}") from exc


def json_answer(content: bytes) -> Any:
    """An answer's JSON, read by orjson; what orjson refuses and the standard library
    reads (NaN, an integer beyond 64 bits, a lone surrogate) is read as it reads it.

    Raises:
        ValueError: the answer is not JSON.
    """
    try:
        return orjson.loads(content)
    except orjson.JSONDecodeError:
        return json.loads(content)


def compact_json(value: Any) -> str:
    """``value`` as compact JSON text: its length is what a body's size is counted in."""
    return json_bytes(value).decode("utf-8")
