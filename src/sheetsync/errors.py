"""The one exception tree of sheetsync.

Third-party errors (openpyxl, gspread, requests, smtplib) are translated once,
at the backend or transport edge, and printed once, at the CLI::

    SheetsyncError                 anything sheetsync raises on purpose
    ├── UsageError                 a bad argument or option (exit 2)
    │   └── TemplateProblem        a custom email template cannot render an email
    ├── TrackerError               the tracker cannot be opened or read (exit 2)
    │   ├── TrackerNotFound        no such file / spreadsheet, or no access
    │   └── SchemaError            a required tab or column is missing
    ├── TrackerBusy                another run, or a person's Excel/LibreOffice, has it (exit 75)
    ├── BackendError               reading or writing the tracker failed mid-run (exit 1)
    │   └── QuotaExhausted         the API kept refusing past the retry budget
    └── DeliveryError              the mail server cannot be reached or used (exit 1)
        └── MessageRejected        the server refused this one message for good

Bad rows are never exceptions: they are Problems (see ``normalize``).
"""

from __future__ import annotations


class SheetsyncError(Exception):
    """Base class of every error sheetsync raises on purpose."""

    exit_code = 1


class UsageError(SheetsyncError):
    """A command-line argument or option is not acceptable."""

    exit_code = 2


class TemplateProblem(UsageError):
    """A custom email template cannot render an email; nothing is sent."""


class TrackerError(SheetsyncError):
    """The tracker cannot be opened or read."""

    exit_code = 2


class TrackerNotFound(TrackerError):
    """The tracker file or spreadsheet does not exist or is not shared with us."""


class SchemaError(TrackerError):
    """A required tab or column is missing from the tracker."""


class TrackerBusy(SheetsyncError):
    """Another run holds the tracker, or a person has the workbook open; try again later.

    Exit status 75 (``EX_TEMPFAIL``): a scheduler may simply retry at its next slot.
    """

    exit_code = 75


class BackendError(SheetsyncError):
    """Reading or writing the tracker failed in the middle of a run."""


class QuotaExhausted(BackendError):
    """The Sheets API kept answering 429/5xx for longer than the retry budget."""


class DeliveryError(SheetsyncError):
    """The mail server could not be reached, or refused the whole session."""


class MessageRejected(DeliveryError):
    """The mail server permanently refused one message (or all its recipients)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
