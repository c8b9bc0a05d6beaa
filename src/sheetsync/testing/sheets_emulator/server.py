"""The HTTP side: a loopback ThreadingHTTPServer that answers like sheets.googleapis.com."""

from __future__ import annotations

import json
import socket
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from .control import AnswerLost
from .errors import ApiError

if TYPE_CHECKING:
    from .emulator import SheetsEmulator


@dataclass(frozen=True)
class Request:
    """One decoded HTTP request: what ``SheetsEmulator.dispatch`` answers.

    ``user`` is the Authorization header (quotas are per user); ``size`` the body's bytes.
    """

    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    user: str
    size: int


class EmulatorServer(ThreadingHTTPServer):
    """A threading HTTP server that knows the emulator it serves."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], emulator: SheetsEmulator) -> None:
        super().__init__(address, RequestHandler)
        self.emulator = emulator


class RequestHandler(BaseHTTPRequestHandler):
    """Decode a request, let the emulator answer it, encode the answer."""

    server: EmulatorServer
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        """Send small answers at once (no Nagle delay between headers and body)."""
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:
        """Answer a GET."""
        self._handle()

    def do_POST(self) -> None:
        """Answer a POST."""
        self._handle()

    def do_PUT(self) -> None:
        """Answer a PUT."""
        self._handle()

    def do_DELETE(self) -> None:
        """Answer a DELETE."""
        self._handle()

    def do_PATCH(self) -> None:
        """Answer a PATCH (always unsupported)."""
        self._handle()

    def do_OPTIONS(self) -> None:
        """Answer an OPTIONS (always unsupported)."""
        self._handle()

    def do_HEAD(self) -> None:
        """Answer a HEAD: the status and headers a GET would get, no body."""
        self._handle()

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        emulator = self.server.emulator
        try:
            body = _decode(raw)
            request = Request(
                self.command,
                url.path,
                parse_qs(url.query, keep_blank_values=True),
                body,
                self.headers.get("Authorization") or "anonymous",
                len(raw),
            )
            status, answer, headers = emulator.dispatch(request)
        except AnswerLost:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        except ApiError as error:
            status, answer, headers = error.code, error.body(), error.headers
        except Exception as error:
            failure = ApiError(500, f"Internal error in the emulator: {type(error).__name__}")
            status, answer, headers = 500, failure.body(), {}
        self._send(status, answer, headers)

    def _send(self, status: int, answer: Any, headers: dict[str, str]) -> None:
        data = b"" if status == 204 else json.dumps(answer, ensure_ascii=False).encode("utf-8")
        self.server.emulator.record_sent(len(data))
        self.send_response(status)
        content_type = "text/html" if status == 204 else "application/json; charset=UTF-8"
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if data and self.command != "HEAD":
            self.wfile.write(data)


def _decode(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ApiError.invalid("Invalid JSON payload received.") from None


def pause(seconds: float) -> None:
    """Sleep for a slow-answer fault (outside the state lock)."""
    if seconds > 0:
        time.sleep(seconds)
