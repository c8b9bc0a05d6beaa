"""Delivery end to end: the pipeline over SMTP to a real aiosmtpd server (DESIGN.md §6).

Faults come from the server (refusals, dropped connections) or from the operating
system (a run killed with SIGKILL); the guarantee under test is at-least-once with
no duplicate except one carrying the same Message-ID, and nothing lost.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
from collections import defaultdict
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from email.utils import getaddresses
from pathlib import Path

import pytest

from conftest import TODAY, tracker_grids, write_workbook
from sheetsync.backends.memory import MemoryBackend
from sheetsync.backends.xlsx import XlsxBackend
from sheetsync.deliver import Sending, deliver
from sheetsync.errors import DeliveryError
from sheetsync.pipeline import RunOptions, check, compose_all, prepare, run
from sheetsync.plan import Notification
from sheetsync.testing.smtpd import ReceivedMessage, ServerFaults, SmtpServer
from sheetsync.transports.smtp import SmtpPolicy, SmtpTransport

USER = "robot@example.com"
PASSWORD = "correct-horse-battery-staple"
EXPECTED = 5
"""Messages the default tracker sends on TODAY: two digests, an escalation, two summaries."""


def options() -> RunOptions:
    """Run as of TODAY at noon UTC."""
    noon = dt.datetime(TODAY.year, TODAY.month, TODAY.day, 12, tzinfo=dt.UTC)
    return RunOptions(today=TODAY, clock=lambda: noon)


def transport(server: SmtpServer, retries: int = 3) -> SmtpTransport:
    """A transport for ``server`` that trusts its CA and retries without waiting."""
    user = USER if server.auth else None
    return SmtpTransport(
        server.url(user),
        PASSWORD if user else None,
        ssl_context=server.client_ssl_context(),
        policy=SmtpPolicy(retries=retries, sleep=lambda _: None),
    )


def with_settings(*extra: list[object]) -> dict:
    """The default tracker with extra Settings rows."""
    grids = tracker_grids()
    grids["Settings"].extend(extra)
    return grids


def planned(grids: dict) -> list[EmailMessage]:
    """What a run of ``grids`` would send on TODAY."""
    return check(MemoryBackend(grids), options()).planned


def planned_keys(grids: dict) -> set[str]:
    """The Log keys a run of ``grids`` would record on TODAY."""
    notes = prepare(MemoryBackend(grids), options()).notifications
    return {key for note in notes for _, key in note.keys}


def log_of(backend: MemoryBackend) -> list[dict[str, object]]:
    """The Log tab as dicts."""
    header, *rows = backend.tabs["Log"]
    return [dict(zip(header, row, strict=False)) for row in rows]


def workbook_log(path: Path) -> list[dict[str, object]]:
    """The Log tab of a workbook on disk as dicts."""
    header, *rows = XlsxBackend(path).read().tabs["Log"]
    return [dict(zip(header, row, strict=False)) for row in rows if any(row)]


def assert_each_once_or_same_id(mailbox: list[ReceivedMessage], expected: list[EmailMessage]):
    """Every expected message arrived; copies of one message all carry its Message-ID."""
    assert {m["Message-ID"] for m in mailbox} == {m["Message-ID"] for m in expected}
    ids_per_message: dict[tuple[str, ...], set[str]] = defaultdict(set)
    for got in mailbox:
        ids_per_message[(got["To"], got["Cc"] or "", got["Subject"])].add(got["Message-ID"])
    assert all(len(ids) == 1 for ids in ids_per_message.values())


@pytest.fixture
def secure_server() -> Iterator[SmtpServer]:
    """A STARTTLS server that requires a login."""
    with SmtpServer(tls=True, auth=(USER, PASSWORD)) as server:
        yield server


@pytest.fixture
def sent_over_tls(
    secure_server: SmtpServer,
) -> tuple[MemoryBackend, list[EmailMessage], SmtpServer]:
    """One run of the default tracker through the STARTTLS + AUTH server, and what it planned."""
    grids = with_settings(["Reply-To", "Legal Ops <legal@example.com>"])
    expected = planned(grids)
    backend = MemoryBackend(grids)
    result = run(backend, transport(secure_server), options())
    assert result.due == result.emails == len(expected)
    return backend, expected, secure_server


def test_run_over_tls_and_auth_delivers_every_planned_message(sent_over_tls) -> None:
    """Each planned message arrives once, over TLS, logged in, with its headers intact."""
    _, expected, server = sent_over_tls
    mailbox = {m["Message-ID"]: m for m in server.messages}
    assert len(server.messages) == len(expected) == EXPECTED
    for sent in expected:
        got = mailbox[sent["Message-ID"]]
        assert (got.tls, got.login) == (True, USER)
        for header in ("From", "To", "Cc", "Subject", "Message-ID", "Reply-To", "Date"):
            assert got[header] == sent[header], header
        assert got["Reply-To"] == "Legal Ops <legal@example.com>"
        assert got.envelope_to == [
            a for _, a in getaddresses(sent.get_all("To") + sent.get_all("Cc", []))
        ]


def test_delivered_messages_are_multipart_text_and_html(sent_over_tls) -> None:
    """Every message arrives with a plain-text and an HTML alternative (a digest, its calendar)."""
    _, _, server = sent_over_tls
    for got in server.messages:
        body = next(got.iter_parts()) if got.get_content_type() == "multipart/mixed" else got
        assert body.get_content_type() == "multipart/alternative"
        assert [p.get_content_type() for p in body.iter_parts()] == ["text/plain", "text/html"]
        attached = [p.get_content_type() for p in got.iter_attachments()]
        assert attached == (["text/calendar"] if body is not got else [])
        assert got["Auto-Submitted"] == "auto-generated"


def test_log_rows_say_sent_with_the_delivered_message_ids(sent_over_tls) -> None:
    """After the run each Log row is ``sent`` and names a Message-ID the server holds."""
    backend, _, server = sent_over_tls
    rows = log_of(backend)
    assert rows and {r["Result"] for r in rows} == {"sent"}
    assert {r["Message-ID"] for r in rows} == {m["Message-ID"] for m in server.messages}


def cli_run(path: Path, url: str) -> list[str]:
    """``sheetsync run`` on ``path`` as of TODAY through ``url``, as a command line."""
    cli = ["-c", "from sheetsync.cli import main; main()"]
    return [*cli, "run", str(path), "--today", TODAY.isoformat(), "--smtp", url]


def free_port() -> int:
    """A loopback port nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_unreachable_server_exits_1_with_one_line_and_logs_nothing(workbook: Path) -> None:
    """No server there: exit 1 after the retries, a one-line reason, no Log row, no password."""
    url = f"smtp://robot%40example.com@127.0.0.1:{free_port()}?starttls=no"
    env = {**os.environ, "SHEETSYNC_SMTP_PASSWORD": PASSWORD}
    done = subprocess.run(
        [sys.executable, *cli_run(workbook, url)], env=env, capture_output=True, text=True
    )
    (reason,) = done.stderr.splitlines()
    assert done.returncode == 1 and done.stdout == ""
    assert reason.startswith("sheetsync: error: cannot reach the mail server at 127.0.0.1:")
    assert PASSWORD not in done.stderr
    assert workbook_log(workbook) == []


BOB_REFUSED = "failed: 550 5.1.1 <bob@example.com>: mailbox unavailable"


def test_refused_recipient_is_failed_and_the_others_sent() -> None:
    """The server refuses bob: his summary is ``failed: <reply>``, every other row ``sent``."""
    backend = MemoryBackend(tracker_grids())
    with SmtpServer(faults=ServerFaults(refuse_recipients={"bob@example.com"})) as server:
        result = run(backend, transport(server), options())
    results = {r["Key"]: r["Result"] for r in log_of(backend)}
    assert results.pop("summary:bob@example.com:2026-11") == BOB_REFUSED
    assert set(results.values()) == {"sent"} and len(server.messages) == EXPECTED - 1
    assert result.failed == [f"bob@example.com: {BOB_REFUSED}"]


def test_next_run_retries_only_the_refused_message() -> None:
    """Once the server takes bob again, the next run sends his summary and nothing else."""
    backend = MemoryBackend(tracker_grids())
    with SmtpServer(faults=ServerFaults(refuse_recipients={"bob@example.com"})) as server:
        run(backend, transport(server), options())
        server.faults.refuse_recipients = set()
        second = run(backend, transport(server), options())
        [resent] = server.messages[EXPECTED - 1 :]
    assert second.emails == 1 and resent.envelope_to == ["bob@example.com"]
    sent = [r["Key"] for r in log_of(backend) if r["Result"] == "sent"]
    assert sorted(sent) == sorted(set(sent)) and "summary:bob@example.com:2026-11" in sent


def test_refused_copy_recipient_still_counts_as_sent() -> None:
    """dan refused as the escalation's Cc: the CFO got it, so it is ``sent`` and not resent."""
    backend = MemoryBackend(tracker_grids())
    with SmtpServer(faults=ServerFaults(refuse_recipients={"dan@example.com"})) as server:
        run(backend, transport(server), options())
        run(backend, transport(server), options())
        escalations = [m for m in server.messages if m["Message-ID"].startswith("<escalation.")]
    assert [m.envelope_to for m in escalations] == [["cfo@example.com"]]
    assert {r["Result"] for r in log_of(backend) if r["Kind"] == "escalation"} == {"sent"}


@pytest.mark.parametrize("k", range(1, EXPECTED))
def test_dropped_connection_then_rerun_delivers_the_rest(k: int) -> None:
    """The server hangs up after k messages; with the rerun, each message arrives once."""
    grids = tracker_grids()
    backend = MemoryBackend(grids)
    with SmtpServer(faults=ServerFaults(drop_after=k)) as server:
        run(backend, transport(server), options())
        run(backend, transport(server), options())
        assert_each_once_or_same_id(server.messages, planned(grids))
        assert server.connections == 2


@pytest.mark.parametrize("k", range(1, EXPECTED))
def test_run_that_gives_up_mid_batch_records_what_was_accepted(k: int) -> None:
    """No retries, a hang-up after k: the run raises, the k accepted are logged ``sent``."""
    backend = MemoryBackend(tracker_grids())
    with SmtpServer(faults=ServerFaults(drop_after=k)) as server:
        with pytest.raises(DeliveryError):
            run(backend, transport(server, retries=0), options())
        logged = {r["Message-ID"] for r in log_of(backend) if r["Result"] == "sent"}
        assert logged == {m["Message-ID"] for m in server.messages} and len(logged) == k


@pytest.mark.parametrize("k", range(1, EXPECTED))
def test_rerun_after_giving_up_sends_no_duplicate(k: int) -> None:
    """After a run that gave up at a hang-up, the rerun sends exactly the messages not yet sent."""
    grids = tracker_grids()
    backend = MemoryBackend(grids)
    with SmtpServer(faults=ServerFaults(drop_after=k)) as server:
        with pytest.raises(DeliveryError):
            run(backend, transport(server, retries=0), options())
        run(backend, transport(server, retries=0), options())
        ids = [m["Message-ID"] for m in server.messages]
    assert sorted(ids) == sorted(m["Message-ID"] for m in planned(grids))


class HookedServer(SmtpServer):
    """An SmtpServer that calls ``on_message`` with each message it keeps, before its 250."""

    def __init__(self, on_message: Callable[[int], None], **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.on_message = on_message

    def _accept(self, message: ReceivedMessage) -> str | None:
        hang_up = super()._accept(message)
        self.on_message(len(self.messages))
        return hang_up


def script_run(path: Path, url: str) -> list[str]:
    """tests/killed_run.py: the same run, logging after every message (batches of one)."""
    return [str(Path(__file__).with_name("killed_run.py")), str(path), TODAY.isoformat(), url]


def killed_then_rerun(k: int, path: Path, command: Callable[[Path, str], list[str]]) -> list:
    """Run ``command`` as a child, SIGKILL it when message k arrives, rerun in-process.

    The kill comes before the server answers 250, so the child never learns that
    message k arrived. Returns the server's mailbox after the rerun.
    """
    child: subprocess.Popen[bytes] | None = None

    def kill(count: int) -> None:
        if count == k and child is not None:
            os.kill(child.pid, signal.SIGKILL)
            child.wait()

    with HookedServer(kill) as server:
        child = subprocess.Popen([sys.executable, *command(path, server.url())])
        child.wait(timeout=60)
        assert child.returncode == -signal.SIGKILL
        assert len(server.messages) == k
        run(XlsxBackend(path), transport(server), options())
        return server.messages


@pytest.mark.parametrize("k", range(1, EXPECTED + 1))
def test_cli_killed_at_message_k_then_rerun_delivers_all(k: int, tmp_path: Path) -> None:
    """``sheetsync run`` SIGKILLed at message k: after a rerun all arrived, copies share IDs."""
    path = write_workbook(tmp_path / "t.xlsx", tracker_grids())
    expected = check(XlsxBackend(path), options()).planned
    mailbox = killed_then_rerun(k, path, cli_run)
    assert_each_once_or_same_id(mailbox, expected)


@pytest.mark.parametrize("k", range(1, EXPECTED + 1))
def test_killed_with_batches_of_one_resends_only_message_k(k: int, tmp_path: Path) -> None:
    """Logging after every message, a run killed at message k resends only message k."""
    path = write_workbook(tmp_path / "t.xlsx", tracker_grids())
    expected = check(XlsxBackend(path), options()).planned
    mailbox = killed_then_rerun(k, path, script_run)
    assert_each_once_or_same_id(mailbox, expected)
    assert len(mailbox) == EXPECTED + 1 and mailbox[k - 1]["Message-ID"] == mailbox[k]["Message-ID"]


def test_rerun_after_a_kill_logs_each_key_sent_once(tmp_path: Path) -> None:
    """After a killed run and its rerun, the Log holds every key exactly once, as sent."""
    grids = tracker_grids()
    path = write_workbook(tmp_path / "t.xlsx", grids)
    killed_then_rerun(3, path, script_run)
    keys = [r["Key"] for r in workbook_log(path) if r["Result"] == "sent"]
    assert len(keys) == len(set(keys)) and set(keys) == planned_keys(grids)


def test_owner_outside_allowed_domains_never_reaches_the_server() -> None:
    """dan@elsewhere.org with Allowed domains example.com: nothing is sent to him."""
    grids = with_settings(["Allowed domains", "example.com"])
    grids["Milestones"][2][5] = "dan@elsewhere.org"
    with SmtpServer() as server:
        result = run(MemoryBackend(grids), transport(server), options())
    recipients = {a for m in server.messages for a in m.envelope_to}
    assert server.messages and all(a.endswith("@example.com") for a in recipients)
    assert any("elsewhere.org" in str(p) for p in result.problems)


def readdressed(
    backend: MemoryBackend, to: str, allowed: tuple[str, ...] = ()
) -> tuple[SmtpServer, list[tuple[Notification, EmailMessage]], EmailMessage]:
    """Deliver the run's emails with the first one's To changed to ``to``; the server,
    the emails and that one."""
    prepared = prepare(backend, options())
    messages = compose_all(prepared)
    message = messages[0][1]
    message.replace_header("To", to)
    notes = [note for note, _ in messages]
    with SmtpServer() as server:
        sending = Sending(prepared.now, allowed=allowed)
        deliver(backend, transport(server), notes, lambda batch: messages, sending)
    return server, messages, message


def test_send_edge_refuses_a_recipient_outside_allowed_domains() -> None:
    """A message addressed outside Allowed domains is logged failed and never transmitted."""
    backend = MemoryBackend(with_settings(["Allowed domains", "example.com"]))
    server, messages, message = readdressed(backend, "eve@elsewhere.org", ("example.com",))
    assert len(server.messages) == len(messages) - 1
    assert "eve@elsewhere.org" not in {a for m in server.messages for a in m.envelope_to}
    failed = [r["Result"] for r in log_of(backend) if r["Message-ID"] == message["Message-ID"]]
    assert failed == ["failed: eve@elsewhere.org is outside the allowed domains (example.com)"]


def test_without_allowed_domains_every_recipient_is_sent_to() -> None:
    """No Allowed domains: a message to any domain goes out and is logged sent."""
    backend = MemoryBackend(tracker_grids())
    to = "Eve <eve@elsewhere.org>, bob@other.example"
    server, messages, message = readdressed(backend, to)
    assert len(server.messages) == len(messages)
    assert {"eve@elsewhere.org", "bob@other.example"} <= {
        a for m in server.messages for a in m.envelope_to
    }
    sent = [r["Result"] for r in log_of(backend) if r["Message-ID"] == message["Message-ID"]]
    assert sent and set(sent) == {"sent"}


INJECTED = "\r\nBcc: eve@elsewhere.org\r\nX-Injected: yes"


def test_line_breaks_in_sheet_values_add_no_header_or_recipient() -> None:
    """CR/LF in contract or milestone names or in the Sender setting adds no header or recipient."""
    grids = with_settings(["Sender", f"Desk{INJECTED} <contracts@example.com>"])
    grids["Contracts"][1][1] = f"Acme MSA{INJECTED}"
    grids["Contracts"][2][1] = "Globex lease\nCc: eve@elsewhere.org"
    grids["Milestones"][1][2] = f"Renewal notice{INJECTED}"
    with SmtpServer() as server:
        run(MemoryBackend(grids), transport(server), options())
    assert len(server.messages) == EXPECTED
    for got in server.messages:
        assert "eve@elsewhere.org" not in got.envelope_to
        assert got["Bcc"] is None and got["X-Injected"] is None
        assert all("\n" not in value and "\r" not in value for _, value in got.items())
        assert "elsewhere" not in str(got["To"]) + str(got["Cc"] or "")


def test_html_in_a_contract_name_arrives_as_text() -> None:
    """A contract named <script>alert(1)</script> is escaped in the received HTML."""
    grids = tracker_grids()
    grids["Contracts"][1][1] = "<script>alert(1)</script>"
    with SmtpServer() as server:
        run(MemoryBackend(grids), transport(server), options())
    html = [m.get_body(("html",)).get_content() for m in server.messages]  # type: ignore[union-attr]
    assert not any("<script>" in page for page in html)
    assert sum("&lt;script&gt;alert(1)&lt;/script&gt;" in page for page in html) >= 2
