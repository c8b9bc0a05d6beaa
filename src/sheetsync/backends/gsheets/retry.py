"""The Sheets API's HTTP edge: counted requests, bounded retries, errors.

gspread's ``BackOffHTTPClient`` retries forever; this client retries 429, 5xx and
connection failures with capped exponential backoff and full jitter, waits at least
as long as a ``Retry-After`` header asks, and gives up once the retry budget (total
time, default 120 s) would be exceeded, with one clear line:

    QuotaExhausted   the API kept answering 429 or 5xx
    BackendError     the API could not be reached at all

Any other error answer is translated once, by ``api.SheetsApi``: 403/404 become
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
import random
import time
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any

import requests
from google.auth.credentials import Credentials
from google.auth.exceptions import TransportError
from gspread.exceptions import APIError
from gspread.http_client import FileType, HTTPClient, ParamsType
from typing_extensions import override

from ...errors import BackendError, QuotaExhausted
from .pacing import pace

RETRYABLE = frozenset({429, 500, 502, 503, 504})
Recheck = Callable[[], "dict[str, Any] | None"]
"""Re-reads the sheet after a lost answer: the write's answer if it took effect, else None."""
TRANSIENT = (requests.ConnectionError, requests.Timeout, TransportError)


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

    ``calls`` counts requests as first sent, ``retries`` the extra attempts; ``account``
    names whom the credentials act for, in error messages (who to share a sheet with).
    """

    def __init__(
        self,
        auth: Credentials | None,
        session: requests.Session | None = None,
        policy: RetryPolicy | None = None,
        account: str = "the account sheetsync runs as",
    ) -> None:
        super().__init__(auth, session)  # type: ignore[arg-type]
        self.policy = policy or RetryPolicy()
        self.account = account
        self.timeout = self.policy.timeout
        self.calls = 0
        self.retries = 0

    @override  # gspread's signature, one parameter per request part, plus ``recheck``
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
            with pace(method, endpoint):  # this worker's share of the quota, when installed
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
