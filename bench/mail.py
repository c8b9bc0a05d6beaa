"""Email throughput: render and send 10,000 digests over one SMTP connection, beside raw smtplib.

    python bench/mail.py [--messages 10000]

(Not ``bench/email.py``: run as a script, that name would shadow the standard
library's ``email`` package for every script in ``bench/``.)

The digests are what ``prepare`` plans for a synthetic tracker (``bench/synthetic.py``)
whose contracts each have their own owner, so each digest carries the one to few items
a person gets on a normal day. Planning happens before the clock starts.

Two paths, each timed in wall and CPU seconds of this process:

- sheetsync: ``compose.build_message`` then ``SmtpTransport.send``, one connection
  (``smtp://127.0.0.1:PORT?starttls=no``), as a run delivers;
- the floor: ``smtplib.SMTP.sendmail`` of the same messages, already rendered to bytes.

The server is ``sheetsync.testing.smtpd.SmtpServer`` (aiosmtpd) on loopback, in a
child process so its parsing does not share this process's CPU. The last line is a
JSON object.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import smtplib
import sys
import time
from email.message import EmailMessage
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

TODAY = dt.date(2026, 12, 1)
NOON = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
MILESTONES_PER_DIGEST = 7  # about 1 digest per 6.5 milestones with one owner per contract


def planned_digests(count: int) -> tuple[list[Any], Any]:
    """``count`` digest notifications and the envelope, planned from a synthetic tracker."""
    from synthetic import synthetic_tracker

    from sheetsync.backends.memory import MemoryBackend
    from sheetsync.cells.addresses import Address
    from sheetsync.pipeline import RunOptions, prepare
    from sheetsync.schema import DIGEST

    grids = synthetic_tracker(count * MILESTONES_PER_DIGEST, TODAY)
    for number, contract in enumerate(grids["Contracts"][1:]):
        contract[2] = f"Owner {number} <owner{number}@example.com>"
    for milestone in grids["Milestones"][1:]:
        milestone[5] = None  # reminders go to the contract's owner
    sender = Address("Contract tracker", "tracker@example.com")
    options = RunOptions(today=TODAY, clock=lambda: NOON, sender=sender)
    prepared = prepare(MemoryBackend(grids), options)
    digests = [note for note in prepared.notifications if note.kind == DIGEST][:count]
    if len(digests) < count:
        raise SystemExit(f"only {len(digests)} digests planned; raise MILESTONES_PER_DIGEST")
    return digests, prepared.envelope


class ServerProcess:
    """``SmtpServer`` (plain, loopback) in a child process; ``stop`` returns its message count."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("fork")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child,), daemon=True)
        self._process.start()
        child.close()  # so a child that dies before answering ends recv with EOFError
        try:
            self.url: str = self._conn.recv()
        except EOFError:
            raise SystemExit("the SMTP server process ended before it served (see above)") from None

    def stop(self) -> int:
        """Stop the server; the number of messages it accepted."""
        self._conn.send("stop")
        received: int = self._conn.recv()
        self._process.join()
        return received


def _serve(conn: Any) -> None:
    from sheetsync.testing.smtpd import SmtpServer

    with SmtpServer() as server:
        conn.send(server.url())
        conn.recv()
        conn.send(len(server.messages))


def sheetsync_path(url: str, digests: list[Any], envelope: Any) -> tuple[dict, list[EmailMessage]]:
    """Render each digest and send it with SmtpTransport; the timings and the messages."""
    from sheetsync.compose import build_message, environment
    from sheetsync.transports.smtp import SmtpTransport

    messages: list[EmailMessage] = []
    render = render_cpu = 0.0
    start = time.perf_counter(), time.process_time()
    with SmtpTransport(url, None) as transport:
        for note in digests:
            before = time.perf_counter(), time.process_time()
            message = build_message(note, envelope, TODAY, NOON, environment())
            render += time.perf_counter() - before[0]
            render_cpu += time.process_time() - before[1]
            transport.send(message)
            messages.append(message)
    wall, cpu = time.perf_counter() - start[0], time.process_time() - start[1]
    rendered = {"render_s": round(render, 3), "render_cpu_s": round(render_cpu, 3)}
    return _rates("sheetsync", len(digests), wall, cpu) | rendered, messages


def smtplib_floor(url: str, messages: list[EmailMessage]) -> dict:
    """Send the same messages, pre-rendered to bytes, with plain ``smtplib``."""
    from sheetsync.transports.smtp import envelope_of

    ready = [(*envelope_of(m, ()), _wire_bytes(m)) for m in messages]
    host, port = url.removeprefix("smtp://").split("?")[0].split(":")
    start = time.perf_counter(), time.process_time()
    with smtplib.SMTP(host, int(port)) as smtp:
        for sender, recipients, data in ready:
            smtp.sendmail(sender, recipients, data)
    wall, cpu = time.perf_counter() - start[0], time.process_time() - start[1]
    return _rates("smtplib", len(ready), wall, cpu)


def _wire_bytes(message: EmailMessage) -> bytes:
    """The message as SMTP DATA carries it: CRLF line ends, as ``send_message`` flattens it."""
    return message.as_bytes(policy=message.policy.clone(linesep="\r\n"))


def _rates(name: str, count: int, wall: float, cpu: float) -> dict:
    return {
        f"{name}_s": round(wall, 3),
        f"{name}_cpu_s": round(cpu, 3),
        f"{name}_per_s": round(count / wall),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000, help="digests to send")
    args = parser.parse_args()
    server = ServerProcess()  # forked before anything heavy is imported
    digests, envelope = planned_digests(args.messages)
    ours, messages = sheetsync_path(server.url, digests, envelope)
    floor = smtplib_floor(server.url, messages)
    result = {
        "messages": len(messages),
        "mean_message_bytes": round(sum(len(_wire_bytes(m)) for m in messages) / len(messages)),
        **ours,
        **floor,
        "ratio": round(ours["sheetsync_per_s"] / floor["smtplib_per_s"], 2),
        "server_received": server.stop(),
    }
    print(
        f"{result['messages']:,} digests (mean {result['mean_message_bytes']:,} bytes): "
        f"sheetsync {result['sheetsync_per_s']:,}/s "
        f"(render {result['render_s']} s of {result['sheetsync_s']} s, "
        f"render CPU {result['render_cpu_s']} s, "
        f"CPU {result['sheetsync_cpu_s']} s), "
        f"raw smtplib {result['smtplib_per_s']:,}/s (CPU {result['smtplib_cpu_s']} s), "
        f"ratio {result['ratio']}"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
