"""Where the Google backend's requests go: Google with credentials, or another host.

This is the one seam between production code and the Sheets API emulator, and the
emulator is never imported here. ``SHEETS_EMULATOR_HOST=host:port`` is read in one
place, :func:`emulator_host`; when it is set, :func:`connect_http` sends the very same
Sheets API URLs to that host (``HostSession``) with no credentials. Otherwise it uses
Application Default Credentials, spreadsheets scope only. Tests that hold a gspread
client pass it to ``GoogleSheetsBackend`` directly and need no variable at all.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import requests

from ...errors import TrackerError
from .retry import RetryingHTTPClient, RetryPolicy

EMULATOR_ENV = "SHEETS_EMULATOR_HOST"
GOOGLE_HOSTS = ("https://sheets.googleapis.com", "https://www.googleapis.com")
SCOPES = ("https://www.googleapis.com/auth/spreadsheets",)
CREDENTIALS_HELP = (
    "no Google credentials: set GOOGLE_APPLICATION_CREDENTIALS to a service-account key file "
    "(or run `gcloud auth application-default login --scopes="
    "https://www.googleapis.com/auth/spreadsheets,https://www.googleapis.com/auth/cloud-platform`)"
)


class HostSession(requests.Session):
    """A requests Session that sends Google API URLs to ``http://host`` instead.

    gspread builds absolute ``https://sheets.googleapis.com/...`` and
    ``https://www.googleapis.com/drive/...`` URLs from module constants at import time, so
    rewriting at the session is the one place that catches every call.
    """

    def __init__(self, host: str) -> None:
        super().__init__()
        self.base_url = host.rstrip("/") if "://" in host else f"http://{host}"

    def request(self, method: Any, url: Any, *args: Any, **kwargs: Any) -> Any:
        """Send the request, with a Google host replaced by this session's."""
        text = url.decode() if isinstance(url, bytes) else str(url)
        for google in GOOGLE_HOSTS:
            if text.startswith(google):
                text = self.base_url + text[len(google) :]
                break
        return super().request(method, text, *args, **kwargs)


def emulator_host(environ: Mapping[str, str] = os.environ) -> str | None:
    """The host ``SHEETS_EMULATOR_HOST`` names, or None: the only reader of the switch."""
    return environ.get(EMULATOR_ENV) or None


def connect_http(policy: RetryPolicy | None = None) -> RetryingHTTPClient:
    """An HTTP client for the Sheets API, knowing the account it acts as (``account``).

    Raises:
        TrackerError: no credentials could be found.
    """
    host = emulator_host()
    if host:
        return RetryingHTTPClient(None, HostSession(host), policy, f"the emulator at {host}")
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
    return RetryingHTTPClient(None, AuthorizedSession(credentials), policy, account)
