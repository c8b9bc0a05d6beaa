"""The Cloud Function end to end: build the folder, install it, serve it, call it as Google does.

The folder is built with ``sheetsync.build_function``, its ``requirements.txt`` installed
into a fresh virtual environment (from PyPI, once per module), and served by the real
``functions-framework`` on loopback. The tracker lives in the Sheets API emulator, the
mail goes to an aiosmtpd server that wants TLS and a login. Only Google's front door is
missing: Cloud Run checks the scheduler's OIDC token, so the tests send one the function
must ignore. Config and build helpers are tested in-process at the end.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from conftest import TODAY, tracker_grids
from sheetsync.build_function import BuildError, build, pinned, requirements
from sheetsync.config import Config, run_configured
from sheetsync.errors import UsageError
from sheetsync.testing.emulator import SheetsEmulator
from sheetsync.testing.smtpd import SmtpServer

SMTP_USER = "robot@example.com"
PASSWORD = "correct-horse-battery-staple"
MISSING_SHEET = "1NoSuchSpreadsheet0000000000000000000000000"
SCHEDULER_HEADERS = {
    "User-Agent": "Google-Cloud-Scheduler",
    "Authorization": "Bearer eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL2Z1bmN0aW9uIn0.c2ln",
}
PUBSUB_EVENT = {
    "ce-id": "8391204",
    "ce-specversion": "1.0",
    "ce-source": "//pubsub.googleapis.com/projects/acme/topics/sheetsync",
    "ce-type": "google.cloud.pubsub.topic.v1.messagePublished",
}


# -- fixtures: the built folder, its virtual environment, the emulator, the mail server ---


@pytest.fixture(scope="module")
def function_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The deployable folder, as ``python -m sheetsync.build_function`` writes it."""
    out = tmp_path_factory.mktemp("function") / "source"
    result = subprocess.run(
        [sys.executable, "-m", "sheetsync.build_function", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="module")
def function_venv(function_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment holding only the folder's requirements.txt (from PyPI)."""
    venv = tmp_path_factory.mktemp("venv") / "function"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    install = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    result = subprocess.run(
        [*install, "-r", str(function_dir / "requirements.txt")],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(
            "pip could not install the function's requirements.txt (this test needs PyPI):\n"
            + result.stderr[-3000:],
            pytrace=False,
        )
    assert "yanked" not in result.stderr, result.stderr  # pip warns when it installs one
    return venv


@pytest.fixture(scope="module")
def function(function_dir: Path, function_venv: Path) -> Function:
    """The built function, ready to serve."""
    return Function(function_dir, function_venv)


@pytest.fixture(scope="module")
def emulator() -> Iterator[SheetsEmulator]:
    """The Sheets API emulator on loopback, shared by the module's tests."""
    with SheetsEmulator() as emu:
        yield emu


@pytest.fixture(scope="module")
def ca_file(smtp: SmtpServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The mail server's test CA as a PEM file, for the function's SSL_CERT_FILE."""
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    smtp._ca.cert_pem.write_to_path(str(path))  # the CA SmtpServer issues its certificate from
    return path


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpServer]:
    """A mail server on loopback that wants STARTTLS and the robot's login."""
    with SmtpServer(tls=True, auth=(SMTP_USER, PASSWORD)) as server:
        yield server


def sheet_url(sheet_id: str) -> str:
    """The browser address of a spreadsheet, as a user pastes it."""
    return f"https://docs.google.com/spreadsheets/d/{sheet_id}/edit#gid=0"


def seed(emulator: SheetsEmulator) -> str:
    """A fresh copy of the small tracker, dated so that today is its TODAY."""
    shift = dt.datetime.now(dt.UTC).date() - TODAY
    grids = {
        tab: [[c + shift if isinstance(c, dt.date) else c for c in row] for row in grid]
        for tab, grid in tracker_grids().items()
    }
    return emulator.create_spreadsheet("Team contracts", grids, time_zone="Etc/UTC")


def statuses(emulator: SheetsEmulator, sheet_id: str) -> dict[str, str]:
    """Milestone ID → the Status the run wrote into the sheet."""
    header, *rows = emulator.values(sheet_id, "Milestones")
    column = header.index("Status")
    return {row[0]: row[column] for row in rows if len(row) > column}


# -- serving the function -------------------------------------------------------------------


@dataclass
class Served:
    """One functions-framework process: its URL, and its output once stopped."""

    url: str
    process: subprocess.Popen[bytes]
    out: Path
    err: Path

    def post(self, **kwargs: object) -> requests.Response:
        """POST to the function, the way Google's front end forwards a request."""
        with requests.Session() as session:
            session.trust_env = False
            return session.post(self.url, timeout=60, **kwargs)  # type: ignore[arg-type]

    def stop(self) -> None:
        """Stop the server and wait for it."""
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    @property
    def output(self) -> str:
        """Everything it printed (stdout then stderr)."""
        return self.out.read_text() + self.err.read_text()

    @property
    def logs(self) -> list[dict[str, object]]:
        """Its JSON log lines, in order."""
        lines = self.out.read_text().splitlines()
        return [json.loads(line) for line in lines if line.startswith("{")]


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Function:
    """The built function: its deployable folder and the virtual environment that runs it."""

    folder: Path
    venv: Path

    def serve(self, target: str, env: dict[str, str], where: Path, events: bool = False) -> Served:
        """Start ``functions-framework`` on loopback and wait until it answers."""
        port = free_port()
        command = [str(self.venv / "bin" / "functions-framework")]
        command += ["--source", str(self.folder / "main.py")]
        command += ["--target", target, "--host", "127.0.0.1", "--port", str(port)]
        if events:
            command += ["--signature-type", "cloudevent"]
        path = f"{self.venv / 'bin'}:/usr/bin:/bin"
        base = {"PATH": path, "PYTHONUNBUFFERED": "1", "HOME": str(where)}
        out, err = where / f"{target}.out", where / f"{target}.err"
        with out.open("wb") as stdout, err.open("wb") as stderr:
            process = subprocess.Popen(
                command, env=base | env, stdout=stdout, stderr=stderr, cwd=where
            )
        served = Served(f"http://127.0.0.1:{port}/", process, out, err)
        _wait_for(served, port)
        return served


def _wait_for(served: Served, port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if served.process.poll() is not None:
            pytest.fail(f"functions-framework exited:\n{served.output[-3000:]}", pytrace=False)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    served.stop()
    pytest.fail(f"functions-framework did not start:\n{served.output[-3000:]}", pytrace=False)


def function_env(
    emulator: SheetsEmulator, smtp: SmtpServer, ca_file: Path, **extra: str
) -> dict[str, str]:
    """The variables a deployment sets, pointed at the emulator and the local mail server."""
    env = {
        "SHEETS_EMULATOR_HOST": emulator.host,
        "SSL_CERT_FILE": str(ca_file),
        "SHEETSYNC_SMTP_URL": smtp.url(user=SMTP_USER),
        "SHEETSYNC_SMTP_PASSWORD": PASSWORD,
        "SHEETSYNC_SENDER": "Contracts Desk <contracts@example.com>",
        "SHEETSYNC_ALLOWED_DOMAINS": "example.com",
    }
    return env | extra


@dataclass
class Outcome:
    """What one call to the function left behind."""

    sheet: str
    response: requests.Response
    served: Served
    mail: list


@pytest.fixture(scope="module")
def scheduled(
    function: Function,
    emulator: SheetsEmulator,
    smtp: SmtpServer,
    ca_file: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Outcome]:
    """One Cloud Scheduler call to ``run_tracker`` for a tracker named by SHEETSYNC_TRACKER."""
    sheet = seed(emulator)
    env = function_env(emulator, smtp, ca_file, SHEETSYNC_TRACKER=sheet_url(sheet))
    where = tmp_path_factory.mktemp("scheduled")
    served = function.serve("run_tracker", env, where)
    before = len(smtp.messages)
    try:
        response = served.post(json={}, headers=SCHEDULER_HEADERS)
    finally:
        served.stop()
    yield Outcome(sheet, response, served, smtp.messages[before:])


@pytest.fixture(scope="module")
def published(
    function: Function,
    emulator: SheetsEmulator,
    smtp: SmtpServer,
    ca_file: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Outcome]:
    """One Pub/Sub push to ``on_pubsub`` naming two trackers: a good one and a missing one."""
    sheet = seed(emulator)
    env = function_env(emulator, smtp, ca_file)
    where = tmp_path_factory.mktemp("published")
    served = function.serve("on_pubsub", env, where, events=True)
    data = json.dumps({"trackers": [sheet_url(sheet), MISSING_SHEET]}).encode()
    body = {
        "message": {"data": base64.b64encode(data).decode(), "messageId": "8391204"},
        "subscription": "projects/acme/subscriptions/sheetsync-push",
    }
    before = len(smtp.messages)
    try:
        response = served.post(json=body, headers=PUBSUB_EVENT)
    finally:
        served.stop()
    yield Outcome(sheet, response, served, smtp.messages[before:])


# -- Cloud Scheduler → run_tracker ----------------------------------------------------------


@pytest.mark.slow
def test_scheduler_call_writes_the_status_columns(scheduled: Outcome, emulator) -> None:
    """A scheduled call writes each milestone's Status into the Google Sheet."""
    assert scheduled.response.status_code == 200, scheduled.response.text
    found = statuses(emulator, scheduled.sheet)
    assert found["M-0001"] == "Due soon"
    assert found["M-0002"] == "Overdue"
    assert found["M-0004"] == "Done"
    assert found["M-0005"] == "Cancelled"


@pytest.mark.slow
def test_scheduler_call_sends_the_mail_over_tls_with_login(scheduled: Outcome) -> None:
    """The reminders reach the mail server, over TLS, logged in, from the configured sender."""
    recipients = {address for m in scheduled.mail for address in m.envelope_to}
    assert {"jane@example.com", "dan@example.com"} <= recipients
    assert all(m.tls and m.login == SMTP_USER for m in scheduled.mail)
    assert {str(m["From"]) for m in scheduled.mail} == {"Contracts Desk <contracts@example.com>"}


@pytest.mark.slow
def test_scheduler_call_answers_with_the_run_summary(scheduled: Outcome) -> None:
    """The HTTP answer is the run's JSON summary, its email count what the server got."""
    summary = scheduled.response.json()
    assert summary["tracker"] == "Team contracts"
    assert summary["emails"] == len(scheduled.mail) > 0
    assert summary["statuses"]["Overdue"] == 1
    assert summary["dry_run"] is False


@pytest.mark.slow
def test_scheduler_call_logs_one_json_line_with_the_counts(scheduled: Outcome) -> None:
    """The run is one INFO JSON line naming the tracker and the counts."""
    lines = [line for line in scheduled.served.logs if line.get("logger") == "sheetsync.function"]
    assert len(lines) == 1
    assert lines[0]["severity"] == "INFO"
    assert lines[0]["tracker"] == sheet_url(scheduled.sheet)
    assert lines[0]["emails"] == len(scheduled.mail)
    assert "Team contracts" in str(lines[0]["message"])


@pytest.mark.slow
def test_scheduler_call_shows_the_password_nowhere(scheduled: Outcome) -> None:
    """The SMTP password is used to log in but appears in no log line and no answer."""
    assert scheduled.mail
    assert PASSWORD not in scheduled.served.output
    assert PASSWORD not in scheduled.response.text


# -- Pub/Sub → on_pubsub, two trackers, one broken ------------------------------------------


@pytest.mark.slow
def test_pubsub_processes_the_good_tracker(published: Outcome, emulator) -> None:
    """The tracker that exists is run: statuses written, its mail sent."""
    assert statuses(emulator, published.sheet)["M-0002"] == "Overdue"
    assert {"jane@example.com", "dan@example.com"} <= {
        address for m in published.mail for address in m.envelope_to
    }


@pytest.mark.slow
def test_pubsub_broken_tracker_fails_alone_with_an_error_line(published: Outcome) -> None:
    """The missing spreadsheet is one ERROR line naming it and why; the other one is INFO."""
    lines = [line for line in published.served.logs if line.get("logger") == "sheetsync.function"]
    errors = [line for line in lines if line["severity"] == "ERROR"]
    assert [line["tracker"] for line in errors] == [MISSING_SHEET]
    assert errors[0]["error"] == "TrackerNotFound"
    assert MISSING_SHEET in str(errors[0]["message"])
    infos = [line for line in lines if line.get("tracker") == sheet_url(published.sheet)]
    assert [line["severity"] for line in infos] == ["INFO"]


@pytest.mark.slow
def test_pubsub_missing_tracker_is_not_retried(published: Outcome) -> None:
    """A spreadsheet that does not exist answers 2xx: redelivering cannot fix it."""
    assert published.response.status_code == 200, published.served.output[-2000:]


@pytest.mark.slow
def test_pubsub_unreachable_mail_server_asks_for_a_retry(
    function: Function, emulator: SheetsEmulator, tmp_path: Path
) -> None:
    """A mail server that cannot be reached fails the delivery, so Pub/Sub may redeliver."""
    closed = f"smtp://127.0.0.1:{free_port()}?starttls=no"
    env = {"SHEETS_EMULATOR_HOST": emulator.host, "SHEETSYNC_SMTP_URL": closed}
    served = function.serve("on_pubsub", env, tmp_path, events=True)
    data = json.dumps({"tracker": sheet_url(seed(emulator))}).encode()
    body = {"message": {"data": base64.b64encode(data).decode()}, "subscription": "s"}
    try:
        response = served.post(json=body, headers=PUBSUB_EVENT)
    finally:
        served.stop()
    assert response.status_code >= 500
    ours = [line for line in served.logs if line["logger"] == "sheetsync.function"]
    assert [line.get("error") for line in ours if line["severity"] == "ERROR"] == ["DeliveryError"]


# -- failures over HTTP ----------------------------------------------------------------------


@pytest.mark.slow
def test_refused_login_answers_500_with_one_line_and_no_password(
    function: Function,
    emulator: SheetsEmulator,
    smtp: SmtpServer,
    ca_file: Path,
    tmp_path: Path,
) -> None:
    """A wrong SMTP password is a 500 with a one-line reason; the password shows nowhere."""
    wrong = "wrong-password-7f3a9c"
    env = function_env(emulator, smtp, ca_file, SHEETSYNC_SMTP_PASSWORD=wrong)
    served = function.serve("run_tracker", env, tmp_path)
    try:
        response = served.post(json={"tracker": sheet_url(seed(emulator))})
    finally:
        served.stop()
    assert response.status_code == 500
    assert "refused the login" in response.text
    assert "\n" not in response.text.strip()
    assert wrong not in response.text
    assert wrong not in served.output


@pytest.mark.slow
def test_bad_configuration_answers_500_naming_the_variable(
    function: Function, emulator: SheetsEmulator, tmp_path: Path
) -> None:
    """A malformed variable is a 500 whose one line names it, and an ERROR log line."""
    env = {"SHEETS_EMULATOR_HOST": emulator.host, "SHEETSYNC_OUTBOX": str(tmp_path / "out")}
    env |= {"SHEETSYNC_TRACKER": sheet_url(seed(emulator)), "SHEETSYNC_DRY_RUN": "maybe"}
    served = function.serve("run_tracker", env, tmp_path)
    try:
        response = served.post(json={}, headers=SCHEDULER_HEADERS)
    finally:
        served.stop()
    assert response.status_code == 500
    assert response.text.startswith("SHEETSYNC_DRY_RUN:")
    assert any(line["severity"] == "ERROR" for line in served.logs)


# -- in-process: configuration and the build helpers -----------------------------------------


def test_config_reads_every_variable() -> None:
    """Each SHEETSYNC_* variable lands in its field, parsed."""
    config = Config.from_env(
        {
            "SHEETSYNC_TRACKER": "tracker.xlsx",
            "SHEETSYNC_SMTP_URL": "smtp://robot%40example.com@smtp.example.com:587",
            "SHEETSYNC_SMTP_PASSWORD": PASSWORD,
            "SHEETSYNC_SENDER": "Contracts Desk <Contracts@Example.com>",
            "SHEETSYNC_ALLOWED_DOMAINS": "example.com, @Example.org",
            "SHEETSYNC_DRY_RUN": "yes",
        }
    )
    assert config.tracker == "tracker.xlsx"
    assert config.sender is not None and config.sender.email == "contracts@example.com"
    assert config.allowed_domains == ("example.com", "example.org")
    assert config.dry_run is True
    assert config.smtp_password == PASSWORD


def test_config_repr_hides_the_password() -> None:
    """The password is not part of the configuration's repr."""
    config = Config.from_env({"SHEETSYNC_OUTBOX": "out", "SHEETSYNC_SMTP_PASSWORD": PASSWORD})
    assert PASSWORD not in repr(config)


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"SHEETSYNC_DRYRUN": "1"}, "unknown variable SHEETSYNC_DRYRUN"),
        ({"SHEETSYNC_DRY_RUN": "maybe"}, "SHEETSYNC_DRY_RUN: 'maybe' is not yes or no"),
        ({"SHEETSYNC_SENDER": "not an address"}, "SHEETSYNC_SENDER:"),
        ({"SHEETSYNC_ALLOWED_DOMAINS": "example"}, "SHEETSYNC_ALLOWED_DOMAINS: 'example'"),
        ({"SHEETSYNC_SMTP_URL": "http://mail"}, "SHEETSYNC_SMTP_URL: not an SMTP URL"),
        ({"SHEETSYNC_SMTP_URL": "smtp://me@mail"}, "no password was given"),
        ({"SHEETSYNC_SMTP_URL": "smtp://mail", "SHEETSYNC_OUTBOX": "o"}, "not both"),
        ({}, "no mail transport: set SHEETSYNC_SMTP_URL"),
    ],
)
def test_config_rejects_bad_settings_in_one_line(environ: dict[str, str], message: str) -> None:
    """A bad or missing setting is one UsageError line that names the variable."""
    with pytest.raises(UsageError, match=message.replace("(", r"\(")) as caught:
        Config.from_env(environ)
    assert "\n" not in str(caught.value)


def test_config_dry_run_needs_no_mail_settings() -> None:
    """A dry run may leave out SMTP and outbox: it sends nothing."""
    assert Config.from_env({"SHEETSYNC_DRY_RUN": "1"}).dry_run


def test_run_configured_needs_a_tracker() -> None:
    """Without SHEETSYNC_TRACKER or a named tracker, the run stops with one line."""
    with pytest.raises(UsageError, match="no tracker"):
        run_configured(Config(outbox="out"))


def test_run_configured_runs_the_named_workbook(workbook: Path, tmp_path: Path) -> None:
    """run_configured opens the tracker and transport and runs the whole job."""
    result = run_configured(Config(outbox=str(tmp_path / "out")), str(workbook))
    assert result.emails == len(list((tmp_path / "out").glob("*.eml"))) > 0


def test_pinned_takes_the_lower_bound() -> None:
    """``>=`` becomes ``==`` with extras and markers kept; sheetsync itself is dropped."""
    assert pinned("pandas>=2.2") == "pandas==2.2"
    assert pinned("x[y] >=1.0,<2; python_version < '3.12'") == "x[y]==1.0; python_version < '3.12'"
    assert pinned("sheetsync[test]") is None


def test_requirements_lists_one_pin_a_line() -> None:
    """requirements.txt is a header comment and one pinned line per dependency."""
    text = requirements(["a>=1", "b>=2.0"])
    assert text.splitlines()[1:] == ["a==1", "b==2.0"]


def test_build_folder_holds_main_requirements_and_templates(tmp_path: Path) -> None:
    """The folder has main.py, pinned requirements without sheetsync, and the templates."""
    folder = build(tmp_path / "source")
    checkout = Path(__file__).parents[1]
    assert (folder / "main.py").read_bytes() == (checkout / "cloud_function/main.py").read_bytes()
    lines = (folder / "requirements.txt").read_text().splitlines()
    assert "functions-framework==3.5" in lines
    assert not any(line.startswith("sheetsync") for line in lines)
    assert (folder / "sheetsync" / "templates" / "layout.html.j2").is_file()
    assert not list(folder.rglob("__pycache__"))


def test_build_refuses_a_folder_in_use(tmp_path: Path) -> None:
    """Building into a non-empty folder stops instead of mixing old and new files."""
    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(BuildError, match="not empty"):
        build(tmp_path)
    assert (tmp_path / "keep.txt").read_text() == "mine"
