"""Any mail server: slow or stalling servers, UTF-8 logins, the From address, honest counts.

Slow servers are raw sockets on loopback that speak just enough SMTP and then
trickle a reply that never ends, a byte at a time: every read gets its byte in
time, so only the transport's deadlines can end the run.
"""

from __future__ import annotations

import itertools
import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import TODAY, tracker_grids, write_workbook
from sheetsync.backends.memory import MemoryBackend
from sheetsync.backends.xlsx import XlsxBackend
from sheetsync.cli import main
from sheetsync.errors import DeliveryError
from sheetsync.pipeline import RunOptions, run
from sheetsync.testing.smtpd import ServerFaults, SmtpServer
from sheetsync.transports.smtp import SmtpPolicy, SmtpTransport

USER = "robot@example.com"
UTF8_PASSWORD = "pässwörd-€-密码"
NO_SENDER = [["Default escalation", "gc@example.com"], ["Escalation: Finance", "cfo@example.com"]]


class TricklingServer:
    """A loopback server that talks SMTP until ``stall_at``, then answers one byte at a time.

    ``stall_at`` is ``greeting`` (the 220 never ends), ``data`` (everything is
    accepted until the end of DATA, whose 250 never ends) or ``silent`` (not a byte).
    """

    def __init__(self, stall_at: str) -> None:
        self.stall_at = stall_at
        self.connections = 0
        self._stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]

    def __enter__(self) -> TricklingServer:
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._listener.close()

    def url(self) -> str:
        """The ``--smtp`` URL of this server (no TLS: loopback only)."""
        return f"smtp://127.0.0.1:{self.port}?starttls=no"

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn, conn.makefile("rb") as lines:
            try:
                if self.stall_at == "silent":
                    self._stop.wait()
                    return None
                if self.stall_at == "greeting":
                    return self._trickle(conn, b"220-still starting up\r\n")
                conn.sendall(b"220 slow.test ESMTP\r\n")
                for line in lines:
                    if line[:4].upper() == b"DATA":
                        conn.sendall(b"354 go ahead\r\n")
                        while next(lines, b".\r\n") != b".\r\n":
                            pass
                        return self._trickle(conn, b"250-still storing it\r\n")
                    conn.sendall(b"221 bye\r\n" if line[:4].upper() == b"QUIT" else b"250 ok\r\n")
            except OSError:
                return  # the client gave up and hung up

    def _trickle(self, conn: socket.socket, line: bytes) -> None:
        for byte in itertools.cycle(line):
            if self._stop.wait(0.02):
                return
            conn.sendall(bytes([byte]))


def options() -> RunOptions:
    """The run as of TODAY."""
    return RunOptions(today=TODAY)


def slow_transport(url: str, **limits: float) -> SmtpTransport:
    """A transport with short limits and no waiting between attempts."""
    return SmtpTransport(url, None, policy=SmtpPolicy(sleep=lambda _: None, **limits))


def cli(*args: str, env: dict[str, str] | None = None):
    """Run the CLI in-process; stdout and stderr apart."""
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


@pytest.fixture
def plain_server() -> Iterator[SmtpServer]:
    """A loopback SMTP server without TLS or login."""
    with SmtpServer() as server:
        yield server


@pytest.mark.parametrize("stall_at", ["greeting", "data"])
def test_a_trickling_server_fails_each_attempt_at_its_deadline(stall_at, tmp_path):
    """A server that never finishes a reply costs each attempt its deadline, then the run stops."""
    path = write_workbook(tmp_path / "t.xlsx", tracker_grids())
    before = path.read_bytes()
    with TricklingServer(stall_at) as server:
        transport = slow_transport(server.url(), timeout=5, attempt_deadline=1, retries=1)
        with pytest.raises(DeliveryError) as error:
            run(XlsxBackend(path), transport, options())
    message = str(error.value)
    assert "too slow: no complete answer within 1 s (gave up after 2 attempts)" in message
    assert "0 of 5 emails delivered" in message and "\n" not in message
    assert server.connections == 2
    assert path.read_bytes() == before  # nothing logged as sent, no status written


def test_a_trickling_server_cannot_outlast_the_run_deadline(tmp_path):
    """With generous attempts, the run's own deadline still ends the sending with one line."""
    path = write_workbook(tmp_path / "t.xlsx", tracker_grids())
    with TricklingServer("data") as server:
        transport = slow_transport(server.url(), timeout=5, attempt_deadline=60, run_deadline=1)
        with pytest.raises(DeliveryError, match=r"used up the run's 1 s for sending") as error:
            run(XlsxBackend(path), transport, options())
    assert "\n" not in str(error.value) and server.connections == 1


def test_a_silent_server_times_out_on_each_read(tmp_path):
    """A server that accepts the connection and never speaks is given up after the retries."""
    with TricklingServer("silent") as server:
        transport = slow_transport(server.url(), timeout=0.5, retries=1)
        with pytest.raises(DeliveryError, match="gave up after 2 attempts"):
            run(MemoryBackend(tracker_grids()), transport, options())


def test_a_reply_that_stalls_is_retried_with_the_same_message_id():
    """aiosmtpd keeps a message but trickles its 250: the resend carries the same Message-ID."""
    with SmtpServer(faults=ServerFaults(stall_before_reply=1)) as server:
        transport = slow_transport(server.url(), timeout=5, attempt_deadline=0.5)
        result = run(MemoryBackend(tracker_grids()), transport, options())
        ids = [str(m["Message-ID"]) for m in server.messages]
    assert result.emails == 5 and len(ids) == 6 and ids[0] == ids[1]
    assert server.connections == 2


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
def test_a_utf8_password_logs_in(mechanism):
    """A password with accents, € and CJK logs in over AUTH PLAIN and over AUTH LOGIN."""
    with SmtpServer(tls=True, auth=(USER, UTF8_PASSWORD), auth_mechanisms=[mechanism]) as server:
        transport = SmtpTransport(
            server.url(user=USER), UTF8_PASSWORD, ssl_context=server.client_ssl_context()
        )
        result = run(MemoryBackend(tracker_grids()), transport, options())
        received = server.messages
    assert result.emails == len(received) == 5
    assert {m.login for m in received} == {USER}


def test_a_utf8_user_name_logs_in():
    """A user name with an accent (percent-encoded in the URL) logs in too."""
    user = "jöhn@example.com"
    with SmtpServer(tls=True, auth=(user, UTF8_PASSWORD)) as server:
        transport = SmtpTransport(
            server.url(user=user), UTF8_PASSWORD, ssl_context=server.client_ssl_context()
        )
        result = run(MemoryBackend(tracker_grids()), transport, options())
        assert result.emails == 5 and {m.login for m in server.messages} == {user}


def test_a_wrong_utf8_password_is_refused_in_one_line():
    """The wrong UTF-8 password: the run stops naming the refused login, nothing is sent."""
    with SmtpServer(tls=True, auth=(USER, UTF8_PASSWORD)) as server:
        transport = SmtpTransport(
            server.url(user=USER), "pässwört", ssl_context=server.client_ssl_context()
        )
        with pytest.raises(DeliveryError, match=r"refused the login for 'robot@example\.com'"):
            run(MemoryBackend(tracker_grids()), transport, options())
        assert server.messages == []


def test_the_cli_sends_with_a_utf8_password_from_the_environment(tmp_path):
    """``run --smtp`` with SHEETSYNC_SMTP_PASSWORD in UTF-8 delivers every email."""
    path = write_workbook(tmp_path / "t.xlsx", tracker_grids())
    with SmtpServer(tls=True, auth=(USER, UTF8_PASSWORD)) as server:
        ca = tmp_path / "ca.pem"
        server._ca.cert_pem.write_to_path(str(ca))
        env = {"SHEETSYNC_SMTP_PASSWORD": UTF8_PASSWORD, "SSL_CERT_FILE": str(ca)}
        result = cli(
            "run", str(path), "--today", TODAY.isoformat(), "--smtp", server.url(USER), env=env
        )
        assert result.exit_code == 0, result.output
        assert len(server.messages) == 5
    assert "5 emails delivered to the mail server." in result.stdout


def test_smtp_without_a_from_address_exits_2_before_writing_or_sending(tmp_path, plain_server):
    """No Sender anywhere: ``run --smtp`` exits 2 in one line; nothing sent, the file untouched."""
    path = write_workbook(tmp_path / "t.xlsx", tracker_grids(settings=NO_SENDER))
    before = path.read_bytes()
    result = cli("run", str(path), "--today", TODAY.isoformat(), "--smtp", plain_server.url())
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "sheetsync: error: no usable From address for the mail server (sheetsync@localhost): "
        "set Sender in the Settings tab, SHEETSYNC_SENDER or --sender"
    ]
    assert plain_server.connections == 0 and path.read_bytes() == before


@pytest.mark.parametrize("how", ["--sender", "SHEETSYNC_SENDER"])
def test_a_from_address_from_the_command_line_or_environment_is_used(how, tmp_path, plain_server):
    """``--sender`` or SHEETSYNC_SENDER supplies the From address the sheet lacks."""
    path = write_workbook(tmp_path / "t.xlsx", tracker_grids(settings=NO_SENDER))
    args = ["run", str(path), "--today", TODAY.isoformat(), "--smtp", plain_server.url()]
    desk = "Contracts Desk <desk@example.com>"
    env = {"SHEETSYNC_SENDER": desk} if how == "SHEETSYNC_SENDER" else {}
    result = cli(*args, *(["--sender", desk] if how == "--sender" else []), env=env)
    assert result.exit_code == 0, result.output
    assert {m["From"] for m in plain_server.messages} == {desk}


def test_a_sender_that_is_not_an_address_exits_2(tmp_path):
    """``--sender 'the desk'`` is a bad argument: exit 2, one line."""
    path = write_workbook(tmp_path / "t.xlsx", tracker_grids())
    result = cli("run", str(path), "--outbox", str(tmp_path / "o"), "--sender", "the desk")
    assert result.exit_code == 2
    assert result.stderr == "sheetsync: error: --sender 'the desk' is not one email address\n"


def test_the_closing_line_counts_delivered_and_failed(tmp_path):
    """One refused recipient: the closing line and --json say 4 delivered, 1 failed; exit 0."""
    with SmtpServer(faults=ServerFaults(refuse_recipients={"dan@example.com"})) as server:
        args = ["--today", TODAY.isoformat(), "--smtp", server.url()]
        text = cli("run", str(write_workbook(tmp_path / "a.xlsx", tracker_grids())), *args)
        raw = cli("run", str(write_workbook(tmp_path / "b.xlsx", tracker_grids())), *args, "--json")
    assert text.exit_code == raw.exit_code == 0
    assert text.stdout.splitlines()[-1].endswith(
        "a.xlsx; 4 emails delivered to the mail server, 1 failed (see the Log's Result column)."
    )
    report = json.loads(raw.stdout)
    assert (report["emails"], report["failed"]) == (4, 1)


@pytest.mark.parametrize("as_json", [False, True])
def test_a_run_that_delivers_nothing_that_was_due_exits_1(as_json, tmp_path):
    """Every message refused for good: exit 1, and the output says none could be delivered."""
    path = write_workbook(tmp_path / "t.xlsx", tracker_grids())
    with SmtpServer(faults=ServerFaults(permanent_failures=100)) as server:
        args = ["run", str(path), "--today", TODAY.isoformat(), "--smtp", server.url()]
        result = cli(*args, *(["--json"] if as_json else []))
    assert result.exit_code == 1
    assert result.stderr == "sheetsync: error: none of the 5 emails due could be delivered\n"
    if as_json:
        assert (json.loads(result.stdout)["emails"], json.loads(result.stdout)["failed"]) == (0, 5)
    else:
        assert "no email could be delivered to the mail server, 5 failed" in result.stdout


def test_a_rerun_with_nothing_due_exits_0_and_says_so(tmp_path, plain_server):
    """The same day again: nothing was due, which is success, and the closing line says so."""
    path = write_workbook(tmp_path / "t.xlsx", tracker_grids())
    args = ["run", str(path), "--today", TODAY.isoformat(), "--smtp", plain_server.url()]
    assert cli(*args).exit_code == 0
    again = cli(*args)
    last = again.stdout.splitlines()[-1]
    assert again.exit_code == 0 and last.endswith("; no new email to send.")
    assert len(plain_server.messages) == 5


BAD_URLS = [
    "",
    "smtp://",
    "smtp:",
    "smtp://host:notaport",
    "smtp://host:",
    "smtp://host:0",
    "smtp://host:70000",
    "ftp://x",
    "http://mail.example.com",
    "smtp://[::1",
    "smtp://ho st.example.com",
    "smtp://host..example.com",
    "smtp://mail.example.com/inbox",
    "smtp://mail.example.com#top",
    "smtp://user:secret@mail.example.com",
    "smtp://mail.example.com?starttls=maybe",
    "smtp://mail.example.com?debug=1",
    "smtp://mail.example.com:25?starttls=no",
    "smtp://robot%40example.com@mail.example.com",  # a user but no password
]


@pytest.mark.parametrize("url", BAD_URLS)
def test_a_malformed_smtp_url_exits_2_in_one_line_before_reading(url, tmp_path, monkeypatch):
    """Each malformed ``--smtp`` URL: exit 2, one line, the workbook untouched, no outbox."""
    monkeypatch.chdir(tmp_path)
    path = write_workbook(tmp_path / "t.xlsx", tracker_grids())
    before = path.read_bytes()
    result = cli("run", str(path), "--smtp", url, env={"SHEETSYNC_SMTP_PASSWORD": ""})
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("sheetsync: error: ") and result.stderr.count("\n") == 1
    assert "secret" not in result.stderr and "Traceback" not in result.output
    assert path.read_bytes() == before and not Path("outbox").exists()
