"""The outbox transport: one ``.eml`` file per message in a folder (the local default)."""

from __future__ import annotations

import os
import re
from email.message import EmailMessage
from pathlib import Path

from ..errors import DeliveryError
from .base import ContextTransport
from .wire import message_bytes


class OutboxTransport(ContextTransport):
    """Writes each message to ``DIR/<message-id>.eml``; a resend overwrites the same file."""

    name = "outbox"

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)
        self.sent: list[Path] = []

    def __enter__(self) -> OutboxTransport:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DeliveryError(f"cannot create the outbox folder {self.folder}: {exc}") from exc
        return self

    def send(self, message: EmailMessage) -> None:
        """Write ``message`` as an .eml file named after its Message-ID."""
        path = self.folder / f"{file_name(message)}.eml"
        temp = path.with_suffix(".eml.part")
        try:
            temp.write_bytes(message_bytes(message))
            os.replace(temp, path)
        except OSError as exc:
            raise DeliveryError(f"cannot write {path}: {exc}") from exc
        self.sent.append(path)


def file_name(message: EmailMessage) -> str:
    """A file name from the Message-ID: ``digest.3f2a…`` (safe on every file system)."""
    local = str(message["Message-ID"] or "message").strip("<>").partition("@")[0]
    return re.sub(r"[^A-Za-z0-9._-]", "_", local)[:120]
