"""A real gspread ``Client`` whose requests go to an emulator instead of Google.

``EmulatorSession`` is the Google backend's own ``HostSession`` (``backends.gsheets.connect``),
the session ``SHEETS_EMULATOR_HOST`` switches production code to.
"""

from __future__ import annotations

import gspread
from google.auth.credentials import AnonymousCredentials
from gspread.http_client import HTTPClient

from sheetsync.backends.gsheets.connect import HostSession as EmulatorSession

__all__ = ["EmulatorSession", "gspread_client"]


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
