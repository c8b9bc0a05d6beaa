"""What every mail transport offers the pipeline."""

from __future__ import annotations

from email.message import EmailMessage
from types import TracebackType
from typing import Protocol, Self


class Transport(Protocol):
    """Sends finished messages; used as a context manager around one run's sending.

    ``send`` returns when the message is accepted (or written). It raises
    ``MessageRejected`` when this one message is refused for good (the run goes on)
    and ``DeliveryError`` when the transport as a whole cannot go on.
    """

    name: str

    def __enter__(self) -> Transport: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def send(self, message: EmailMessage) -> None: ...


class ContextTransport:
    """``with transport:`` for a transport class: entering gives it back, leaving closes it."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Let go of what the transport holds (nothing, unless a subclass says otherwise)."""
