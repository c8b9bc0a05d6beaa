"""Google's own Pub/Sub emulator for tests, and a stand-in for Cloud Run's front door.

``PubSubEmulator`` starts the emulator Google ships with the gcloud CLI (the
``google-cloud-cli-pubsub-emulator`` package, a Java program) on loopback and sets up
the fleet's topic, dead-letter topic and push subscription through its REST API, the
way ``deploy.sh`` does on Google. ``Front`` plays Cloud Run in front of a worker
service deployed with ``--concurrency=1``: it hands each pushed request to an idle
worker process and answers 429 when none is idle for a while, as Cloud Run does when
every instance is busy; Pub/Sub then retries the message later.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import requests

EMULATOR = Path("/usr/lib/google-cloud-sdk/platform/pubsub-emulator/bin/cloud-pubsub-emulator")


def emulator_command() -> list[str] | None:
    """The command that starts Google's Pub/Sub emulator, or None when it is not installed."""
    return [str(EMULATOR)] if EMULATOR.is_file() and shutil.which("java") else None


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PubSubEmulator:
    """Google's Pub/Sub emulator as a subprocess on loopback, and its REST API."""

    def __init__(self, project: str = "acme-contracts", log: Path | None = None) -> None:
        self.project = project
        self.port = free_port()
        self.host = f"127.0.0.1:{self.port}"
        self._log = log
        self._process: subprocess.Popen[bytes] | None = None
        self.session = requests.Session()
        self.session.trust_env = False

    def __enter__(self) -> PubSubEmulator:
        command = emulator_command()
        if command is None:
            raise RuntimeError("Google's Pub/Sub emulator is not installed")
        command = [*command, "--host=127.0.0.1", f"--port={self.port}"]
        log = self._log or Path("/dev/null")
        with log.open("wb") as out:
            self._process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        _wait_for_port(self.port, self._process)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()

    def url(self, path: str) -> str:
        """The REST URL of ``path`` under this project (``topics/T``)."""
        return f"http://{self.host}/v1/projects/{self.project}/{path}"

    def topic(self, name: str) -> str:
        """Create topic ``name``; its full name."""
        self._put(f"topics/{name}", {})
        return f"projects/{self.project}/topics/{name}"

    def push_subscription(self, name: str, topic: str, endpoint: str, **policy: Any) -> None:
        """A push subscription with ordering; ``policy`` adds dead-letter and retry settings."""
        body = {"topic": topic, "pushConfig": {"pushEndpoint": endpoint}}
        self._put(f"subscriptions/{name}", body | {"enableMessageOrdering": True} | policy)

    def pull_subscription(self, name: str, topic: str) -> None:
        """A pull subscription, to read what reached ``topic`` (the dead letters)."""
        self._put(f"subscriptions/{name}", {"topic": topic})

    def pull(self, name: str, most: int = 100) -> list[dict[str, Any]]:
        """The messages waiting in pull subscription ``name`` (acknowledged as read)."""
        asked = {"maxMessages": most, "returnImmediately": True}
        answer = self.session.post(self.url(f"subscriptions/{name}:pull"), json=asked)
        answer.raise_for_status()
        received = answer.json().get("receivedMessages", [])
        if received:
            ids = [m["ackId"] for m in received]
            self.session.post(self.url(f"subscriptions/{name}:acknowledge"), json={"ackIds": ids})
        return [m["message"] for m in received]

    def _put(self, path: str, body: dict[str, Any]) -> None:
        answer = self.session.put(self.url(path), json=body, timeout=30)
        if answer.status_code != 409:  # exists already: fine
            answer.raise_for_status()


def _wait_for_port(port: int, process: subprocess.Popen[bytes], within: float = 60) -> None:
    name = Path(str(process.args[0] if isinstance(process.args, list) else process.args)).name
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with status {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{name} did not start within a minute")


def serve_function(
    source: Path, target: str, env: dict[str, str], log: Path, events: bool = False
) -> tuple[subprocess.Popen[bytes], str]:
    """``functions-framework`` serving ``target`` of ``source`` on loopback; (process, URL).

    The process gets only PATH, HOME and ``env``; it is up once its port answers.
    """
    port = free_port()
    command = [str(Path(sys.executable).parent / "functions-framework"), "--source", str(source)]
    command += ["--target", target, "--host", "127.0.0.1", "--port", str(port)]
    command += ["--signature-type", "cloudevent"] if events else []
    keep = {k: os.environ[k] for k in ("PATH", "HOME") if k in os.environ}
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, env=keep | env | {"PYTHONUNBUFFERED": "1"}, stdout=out, stderr=out
        )
    _wait_for_port(port, process)
    return process, f"http://127.0.0.1:{port}/"


def stop_all(processes: Sequence[subprocess.Popen[bytes]]) -> None:
    """Stop the processes together, then wait for each."""
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Front:
    """Cloud Run's front door for a service of ``--concurrency=1`` instances: one request each.

    Args:
        workers: the base URLs of the worker processes (each serves one request at a time).
        patience: seconds a request waits for an idle worker before a 429.
    """

    def __init__(self, workers: Sequence[str], patience: float = 10.0) -> None:
        self.idle: queue.Queue[str] = queue.Queue()
        for url in workers:
            self.idle.put(url)
        self.patience = patience
        self.answers: Counter[int] = Counter()
        self.bodies: list[dict[str, Any]] = []
        self.busy = self.peak = 0  # requests being served now, and the most at once
        # each request: its JSON body, "status", and "began"/"ended" (monotonic seconds)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _FrontHandler)
        self._server.daemon_threads = True
        self._server.front = self  # type: ignore[attr-defined]
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/"

    def __enter__(self) -> Front:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def forward(self, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        """Hand one request to an idle worker and return its answer (429 when none frees up)."""
        try:
            worker = self.idle.get(timeout=self.patience)
        except queue.Empty:
            return self._count(429, body), b"no idle instance"
        with self._lock:
            self.busy += 1
            self.peak = max(self.peak, self.busy)
        began = time.monotonic()
        try:
            with requests.Session() as session:
                session.trust_env = False
                answer = session.post(worker, data=body, headers=headers, timeout=900)
            return self._count(answer.status_code, body, began), answer.content
        except requests.RequestException:
            return self._count(503, body, began), b"worker unreachable"
        finally:
            with self._lock:
                self.busy -= 1
            self.idle.put(worker)

    def _count(self, status: int, body: bytes, began: float | None = None) -> int:
        """Count an answer; keep the request with its status and when it was served."""
        served = {"status": status, "began": began, "ended": time.monotonic()}
        with self._lock:
            self.answers[status] += 1
            self.bodies.append(served | json.loads(body or b"{}"))
        return status


class _FrontHandler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        keep = {k: v for k, v in self.headers.items() if k.lower() in ("content-type",)}
        status, answer = self.server.front.forward(body, keep)  # type: ignore[attr-defined]
        self.send_response(status)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""
