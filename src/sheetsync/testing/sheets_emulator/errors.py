"""Errors the emulator answers with, in Google's JSON shape."""

from __future__ import annotations

from typing import Any

_STATUS = {
    400: "INVALID_ARGUMENT",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    501: "UNIMPLEMENTED",
    503: "UNAVAILABLE",
}


class ApiError(Exception):
    """An error answer: HTTP code, message and Google's status name."""

    def __init__(self, code: int, message: str, status: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status or _STATUS.get(code, "UNKNOWN")
        self.headers: dict[str, str] = {}
        self.details: list[dict[str, Any]] = []

    def body(self) -> dict[str, Any]:
        """Return the JSON body Google sends for this error."""
        error = {"code": self.code, "message": self.message, "status": self.status}
        if self.details:
            error["details"] = self.details
        return {"error": error}

    @classmethod
    def bad_field(cls, field: str, message: str) -> ApiError:
        """A 400 naming the request field at fault, with Google's BadRequest details."""
        error = cls(400, message)
        violation = {"field": field, "description": message}
        error.details.append(
            {"@type": "type.googleapis.com/google.rpc.BadRequest", "fieldViolations": [violation]}
        )
        return error

    @classmethod
    def bad_range(cls, text: str) -> ApiError:
        """The range cannot be parsed or names no sheet."""
        return cls(400, f"Unable to parse range: {text}")

    @classmethod
    def invalid(cls, message: str) -> ApiError:
        """A 400 INVALID_ARGUMENT with a message."""
        return cls(400, message)

    @classmethod
    def not_found(cls) -> ApiError:
        """The spreadsheet or file does not exist."""
        return cls(404, "Requested entity was not found.")

    @classmethod
    def denied(cls) -> ApiError:
        """The caller may not see the spreadsheet."""
        return cls(403, "The caller does not have permission")

    @classmethod
    def unimplemented(cls, what: str) -> ApiError:
        """The emulator does not implement this request."""
        return cls(501, f"The Sheets API emulator does not implement {what}")
