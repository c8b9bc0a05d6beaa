"""Publishing one Pub/Sub message per tracker, over Pub/Sub's REST API.

Each message's data is ``{"tracker": "<URL or ID>"}`` (what ``on_pubsub`` reads) and its
ordering key the spreadsheet ID: with message ordering on, Pub/Sub pushes the next
message of a key only once the one before it was acknowledged, so one tracker is never
handed to two workers at once, even when two rounds overlap. ``PUBSUB_EMULATOR_HOST``
sends the same requests to Google's Pub/Sub emulator, without credentials.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Mapping, Sequence
from typing import Any

import requests

from ..errors import BackendError
from .registry import Tracker

PUBSUB = "https://pubsub.googleapis.com"
SCOPES = ("https://www.googleapis.com/auth/pubsub",)
BATCH = 1000  # Pub/Sub takes at most 1,000 messages in one publish request


def message(tracker: Tracker) -> dict[str, Any]:
    """The Pub/Sub message that asks a worker to run ``tracker``."""
    data = json.dumps({"tracker": tracker.address}).encode("utf-8")
    return {
        "data": base64.b64encode(data).decode("ascii"),
        "orderingKey": tracker.key,
        "attributes": {"tracker": tracker.key},
    }


def publish(
    topic: str, trackers: Sequence[Tracker], environ: Mapping[str, str] = os.environ
) -> int:
    """Publish one message per tracker to ``topic`` (``projects/P/topics/T``); the count.

    Raises:
        BackendError: Pub/Sub refused or could not be reached.
    """
    session, base = _session(environ)
    sent = 0
    for start in range(0, len(trackers), BATCH):
        batch = [message(t) for t in trackers[start : start + BATCH]]
        url = f"{base}/v1/{topic}:publish"
        try:
            answer = session.post(url, json={"messages": batch}, timeout=60)
        except requests.RequestException as exc:
            raise BackendError(f"could not reach Pub/Sub to publish to {topic}: {exc}") from None
        if not answer.ok:
            reason = " ".join(answer.text.split())[:300]
            raise BackendError(
                f"Pub/Sub refused to publish to {topic}: {answer.status_code} {reason}"
            )
        sent += len(answer.json().get("messageIds", []))
    return sent


def _session(environ: Mapping[str, str]) -> tuple[requests.Session, str]:
    host = environ.get("PUBSUB_EMULATOR_HOST")
    if host:
        session = requests.Session()
        session.trust_env = False
        return session, f"http://{host}"
    import google.auth
    from google.auth.transport.requests import AuthorizedSession

    credentials, _ = google.auth.default(scopes=list(SCOPES))
    return AuthorizedSession(credentials), PUBSUB
