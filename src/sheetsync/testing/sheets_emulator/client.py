"""A real gspread ``Client`` whose requests go to an emulator instead of Google."""

from __future__ import annotations

from typing import Any

import gspread
import requests
from google.auth.credentials import AnonymousCredentials
from gspread.http_client import HTTPClient

GOOGLE_HOSTS = ("https://sheets.googleapis.com", "https://www.googleapis.com")


class EmulatorSession(requests.Session):
    """A requests Session that sends Google API URLs to ``http://host`` instead.

    gspread builds absolute ``https://sheets.googleapis.com/...`` and
    ``https://www.googleapis.com/drive/...`` URLs from module constants at import time, so
    rewriting at the session is the one place that catches every call.
    """

    def __init__(self, host: str) -> None:
        super().__init__()
        self.base_url = host.rstrip("/") if "://" in host else f"http://{host}"

    def request(self, method: Any, url: Any, *args: Any, **kwargs: Any) -> Any:
        """Send the request, with a Google host replaced by the emulator's."""
        text = url.decode() if isinstance(url, bytes) else str(url)
        for google in GOOGLE_HOSTS:
            if text.startswith(google):
                text = self.base_url + text[len(google) :]
                break
        return super().request(method, text, *args, **kwargs)


def gspread_client(host: str, http_client: type[HTTPClient] = HTTPClient) -> gspread.Client:
    """Return a gspread Client that talks to the Sheets API emulator at ``host``.

    Args:
        host: ``127.0.0.1:PORT``, e.g. ``SheetsEmulator.host`` or ``$SHEETS_EMULATOR_HOST``
            (a full ``http://host:port`` base URL is accepted too).
        http_client: gspread's HTTP client class (``gspread.BackOffHTTPClient`` to retry).

    Returns:
        A client with anonymous credentials; no token is ever fetched.
    """
    return gspread.Client(
        auth=AnonymousCredentials(),
        session=EmulatorSession(host),
        http_client=http_client,
    )
