"""sheetsync: a shared spreadsheet as a contract-milestone tracker that follows up by email.

The library entry points are ``run`` and ``check`` (see ``sheetsync.pipeline``);
the CLI and the Cloud Function are thin layers over them.
"""

from __future__ import annotations

from .errors import SheetsyncError
from .pipeline import RunOptions, RunResult, check, run

__all__ = ["RunOptions", "RunResult", "SheetsyncError", "check", "run"]
__version__ = "0.1.0"
