"""The Sheets API's HTTP edge: credentials, counted requests, bounded retries, errors.

gspread's ``BackOffHTTPClient`` retries forever; this client retries 429, 5xx and
connection failures with capped exponential backoff and full jitter, waits at least
as long as a ``Retry-After`` header asks, and gives up once the retry budget (total
time, default 120 s) would be exceeded, with one clear line:

    QuotaExhausted   the API kept answering 429 or 5xx
    BackendError     the API could not be reached at all

Any other error answer is translated once, by :class:`SheetsApi`: 403/404 become
``TrackerNotFound`` (naming the account to share the sheet with), others ``BackendError``.

Google sometimes carries a request out and then loses the answer (a 5xx, a dropped
connection). Resending is harmless for a write to an exact range, but not for one that
adds or removes rows. Such a write passes a ``recheck``: before resending after a lost
answer, it re-reads the sheet and either reports the write as already done (its answer)
or None to send it again.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import os
import random
import time
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any

import requests
from google.auth.credentials import Credentials
from google.auth.exceptions import RefreshError, TransportError
from gspread import urls
from gspread.exceptions import APIError
from gspread.http_client import FileType, HTTPClient, ParamsType

from ...errors import BackendError, QuotaExhausted, TrackerError, TrackerNotFound

RETRYABLE = frozenset({429, 500, 502, 503, 504})
Recheck = Callable[[], "dict[str, Any] | None"]
"""Re-reads the sheet after a lost answer: the write's answer if it took effect, else None."""
TRANSIENT = (requests.ConnectionError, requests.Timeout, TransportError)
SCOPES = ("https://www.googleapis.com/auth/spreadsheets",)
EMULATOR_ENV = "SHEETS_EMULATOR_HOST"
READ_OPTIONS = {"valueRenderOption": "UNFORMATTED_VALUE", "dateTimeRenderOption": "SERIAL_NUMBER"}
CREDENTIALS_HELP = (
    "no Google credentials: set GOOGLE_APPLICATION_CREDENTIALS to a service-account key file "
    "(or run `gcloud auth application-default login --scopes="
    "https://www.googleapis.com/auth/spreadsheets,https://www.googleapis.com/auth/cloud-platform`)"
)


@dataclass
class RetryPolicy:
    """How long and how often to retry.

    Args:
        budget: seconds a call may spend failing and waiting before giving up.
        base: the first backoff ceiling; it doubles on each retry, up to ``cap``.
        cap: the largest backoff ceiling (a wait is uniform in ``[0, ceiling]``).
        timeout: seconds to wait for one answer.
        sleep: waits; tests inject one that records instead of sleeping.
        clock: a monotonic clock.
        rng: the jitter's random source.
    """

    budget: float = 120.0
    base: float = 0.5
    cap: float = 32.0
    timeout: float = 60.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    rng: random.Random = field(default_factory=random.Random)

    def backoff(self, attempt: int, retry_after: float | None) -> float:
        """The wait before retry number ``attempt + 1``: full jitter, at least Retry-After."""
        ceiling = min(self.cap, self.base * 2**attempt)
        return max(self.rng.uniform(0, ceiling), retry_after or 0.0)


class RetryingHTTPClient(HTTPClient):
    """gspread's HTTP client with counted requests and bounded retries.

    ``calls`` counts requests as first sent, ``retries`` the extra attempts.
    """

    def __init__(
        self,
        auth: Credentials | None,
        session: requests.Session | None = None,
        policy: RetryPolicy | None = None,
    ) -> None:
        super().__init__(auth, session)  # type: ignore[arg-type]
        self.policy = policy or RetryPolicy()
        self.timeout = self.policy.timeout
        self.calls = 0
        self.retries = 0

    def request(
        self,
        method: str,
        endpoint: str,
        params: ParamsType | None = None,
        data: bytes | None = None,
        json: Mapping[str, Any] | None = None,
        files: FileType = None,
        headers: MutableMapping[str, str] | None = None,
        *,
        recheck: Recheck | None = None,
    ) -> requests.Response:
        """Send one API request, retrying transient failures within the budget.

        With ``recheck``, a 5xx or a connection failure (the request may have been
        carried out) is followed by ``recheck()`` before any resend: an answer means the
        write already took effect and is returned as if Google had sent it.

        Raises:
            APIError: a non-retryable error answer (400, 403, 404 …).
            QuotaExhausted: 429/5xx answers for longer than the budget.
            BackendError: no connection for longer than the budget.
        """
        kwargs = {"params": params, "data": data, "json": json, "files": files, "headers": headers}
        start, waited, attempt = self.policy.clock(), 0.0, 0
        while True:
            self._count(attempt)
            outcome = self._attempt(method, endpoint, kwargs)
            if isinstance(outcome, requests.Response) and outcome.ok:
                return outcome
            delay = self.policy.backoff(attempt, _retry_after(outcome))
            spent = max(self.policy.clock() - start, waited)
            if spent + delay > self.policy.budget:
                raise _give_up(outcome, spent, attempt)
            self.policy.sleep(delay)
            waited += delay
            attempt += 1
            if recheck is not None and _maybe_applied(outcome):
                answer = recheck()
                if answer is not None:
                    return _answered(answer)

    def _count(self, attempt: int) -> None:
        if attempt:
            self.retries += 1
        else:
            self.calls += 1

    def _attempt(
        self, method: str, endpoint: str, kwargs: dict[str, Any]
    ) -> requests.Response | Exception:
        """One HTTP exchange: the answer if OK or retryable, else raise."""
        try:
            response = self.session.request(method, endpoint, timeout=self.timeout, **kwargs)
        except TRANSIENT as exc:
            return exc
        if not response.ok and response.status_code not in RETRYABLE:
            raise APIError(response)
        return response


def _maybe_applied(outcome: requests.Response | Exception) -> bool:
    """Whether a failed attempt may have been carried out (a 429 never is)."""
    return isinstance(outcome, Exception) or outcome.status_code != 429


def _answered(answer: dict[str, Any]) -> requests.Response:
    """A 200 response carrying ``answer``, for a write a recheck found already done."""
    response = requests.Response()
    response.status_code = 200
    response._content = json.dumps(answer).encode("utf-8")
    response.headers["Content-Type"] = "application/json; charset=UTF-8"
    return response


def _retry_after(outcome: requests.Response | Exception) -> float | None:
    """Seconds from a ``Retry-After`` header (a number or an HTTP date), if any."""
    if not isinstance(outcome, requests.Response):
        return None
    value = outcome.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


def _give_up(outcome: requests.Response | Exception, spent: float, attempt: int) -> Exception:
    tries = f"{attempt + 1} attempt{'s' if attempt else ''} in {spent:.0f} s"
    if isinstance(outcome, Exception):
        return BackendError(f"could not reach the Google Sheets API ({tries}): {outcome}")
    status = outcome.status_code
    what = "429 Too Many Requests (quota)" if status == 429 else f"{status} server errors"
    return QuotaExhausted(
        f"the Google Sheets API kept answering {what} ({tries}); try again in a few minutes"
    )


def connect_http(policy: RetryPolicy | None = None) -> tuple[RetryingHTTPClient, str]:
    """An HTTP client for the Sheets API and the account it acts as.

    ``SHEETS_EMULATOR_HOST=host:port`` points it at the emulator with no credentials;
    otherwise Application Default Credentials, spreadsheets scope only.

    Raises:
        TrackerError: no credentials could be found.
    """
    host = os.environ.get(EMULATOR_ENV)
    if host:
        from ...testing.sheets_emulator import EmulatorSession

        return RetryingHTTPClient(None, EmulatorSession(host), policy), f"the emulator at {host}"
    import google.auth
    from google.auth.exceptions import DefaultCredentialsError
    from google.auth.transport.requests import AuthorizedSession

    try:
        credentials, _ = google.auth.default(scopes=list(SCOPES))
    except DefaultCredentialsError as exc:
        raise TrackerError(CREDENTIALS_HELP) from exc
    account = (
        getattr(credentials, "service_account_email", None) or "the account in your credentials"
    )
    return RetryingHTTPClient(None, AuthorizedSession(credentials), policy), account


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

    def batch_get(self, ranges: list[str], major: str) -> list[dict[str, Any]]:
        """``values:batchGet`` of ``ranges``, unformatted, dates as serial numbers."""
        params = {**READ_OPTIONS, "majorDimension": major, "ranges": ranges}
        answer = self.get(urls.SPREADSHEET_VALUES_BATCH_URL % self.spreadsheet_id, params)
        return list(answer.get("valueRanges", []))

    def batch_update(
        self, requests: list[dict[str, Any]], recheck: Recheck | None = None
    ) -> dict[str, Any]:
        """``spreadsheets:batchUpdate`` with ``requests``, applied together or not at all."""
        url = urls.SPREADSHEET_BATCH_UPDATE_URL % self.spreadsheet_id
        return self.post(url, {"requests": requests}, recheck)

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
        data = compact_json(body).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=UTF-8"}
        return self._send(
            lambda: self.http.request("post", url, data=data, headers=headers, recheck=recheck)
        )

    def _send(self, call: Callable[[], Any]) -> dict[str, Any]:
        try:
            answer = call().json()
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


def compact_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
