"""cloud_function/deploy.sh: the commands it prints with --dry-run, and what it hands gcloud.

gcloud cannot run here, so a stand-in ``gcloud`` on PATH records each call (its
arguments, and its stdin for Secret Manager) and answers ``describe`` as an empty or a
fully set-up project would. Everything else, including the build, runs for real.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parents[1]
SCRIPT = CHECKOUT / "cloud_function" / "deploy.sh"
DOCS = CHECKOUT / "docs" / "deploy.md"
PASSWORD = "s3cret-Pa55word-4f9e"
PROJECT = "acme-contracts"
RUNNER = f"sheetsync-runner@{PROJECT}.iam.gserviceaccount.com"
SCHEDULER = f"sheetsync-scheduler@{PROJECT}.iam.gserviceaccount.com"
TRACKER = "https://docs.google.com/spreadsheets/d/1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789/edit"
EXAMPLE = [
    "--project",
    PROJECT,
    "--region",
    "europe-west1",
    "--tracker",
    TRACKER,
    "--sender",
    "Contracts Desk <contracts@example.com>",
    "--smtp-url",
    "smtp://contracts%40example.com@smtp.example.com:587",
    "--allowed-domains",
    "example.com, example.org",
    "--time-zone",
    "Europe/Berlin",
]
APIS = {
    "cloudfunctions.googleapis.com",
    "run.googleapis.com",
    "cloudbuild.googleapis.com",
    "artifactregistry.googleapis.com",
    "cloudscheduler.googleapis.com",
    "secretmanager.googleapis.com",
    "sheets.googleapis.com",
    "logging.googleapis.com",
}
FAKE_GCLOUD = """#!/usr/bin/env bash
# Stand-in gcloud: record the call; keep stdin of secret commands; answer describe.
printf '%s\\n' "$*" >> "$GCLOUD_LOG"
case " $* " in
  *" secrets create "*) cat > "$GCLOUD_STDIN.$3" ;;
  *" secrets versions add "*) cat > "$GCLOUD_STDIN.$4" ;;
esac
case " $* " in
  *" functions describe "*) echo "https://sheetsync-abc123-ew.a.run.app" ;;
  *" projects describe "*) echo "123456789012" ;;
  *" describe "*) [[ -n ${GCLOUD_EXISTS:-} ]] || exit 1 ;;
esac
"""


def deploy(
    tmp_path: Path, *args: str, password: str | None = PASSWORD, exists: bool = False
) -> subprocess.CompletedProcess[str]:
    """Run deploy.sh with the stand-in gcloud first on PATH."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "gcloud").write_text(FAKE_GCLOUD)
    (bin_dir / "gcloud").chmod(0o755)
    env = {
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "GCLOUD_LOG": str(tmp_path / "gcloud.log"),
        "GCLOUD_STDIN": str(tmp_path / "gcloud.stdin"),
    }
    if password is not None:
        env["SHEETSYNC_SMTP_PASSWORD"] = password
    if exists:
        env["GCLOUD_EXISTS"] = "1"
    if "--dry-run" not in args:
        env["PYTHON"] = sys.executable  # the build needs the Python that has sheetsync
    return subprocess.run(
        ["bash", str(SCRIPT), *args], capture_output=True, text=True, env=env, check=False
    )


def gcloud_calls(tmp_path: Path) -> list[str]:
    """The argument lines the stand-in gcloud was called with, in order."""
    log = tmp_path / "gcloud.log"
    return log.read_text().splitlines() if log.exists() else []


def commands(output: str) -> list[list[str]]:
    """The printed commands, each split into words as a shell would."""
    return [shlex.split(line) for line in output.splitlines() if line.startswith("gcloud ")]


def command(output: str, *prefix: str) -> list[str]:
    """The one printed command that starts with ``prefix``."""
    found = [words for words in commands(output) if words[: len(prefix)] == list(prefix)]
    assert len(found) == 1, output
    return found[0]


def flag(words: list[str], name: str) -> str:
    """The value of ``--name=value`` in a command."""
    values = [w.partition("=")[2] for w in words if w.startswith(f"--{name}=")]
    assert len(values) == 1, words
    return values[0]


@pytest.fixture
def dry(tmp_path: Path) -> str:
    """The output of a dry run with the example arguments."""
    result = deploy(tmp_path, "--dry-run", *EXAMPLE)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_dry_run_calls_no_gcloud_and_builds_nothing(tmp_path: Path) -> None:
    """--dry-run only prints: gcloud is never called and no folder is built."""
    result = deploy(tmp_path, "--dry-run", *EXAMPLE, "--build-dir", str(tmp_path / "fn"))
    assert "gcloud functions deploy" in result.stdout
    assert gcloud_calls(tmp_path) == []
    assert not (tmp_path / "fn").exists()


def test_enables_every_api(dry: str) -> None:
    """One command enables the eight APIs the deployment uses."""
    assert set(command(dry, "gcloud", "services", "enable")[3:-1]) == APIS


def test_creates_both_service_accounts(dry: str) -> None:
    """The runner and the scheduler each get their own service account."""
    created = [
        w[4] for w in commands(dry) if w[:4] == ["gcloud", "iam", "service-accounts", "create"]
    ]
    assert created == ["sheetsync-runner", "sheetsync-scheduler"]


def test_deploys_a_private_single_instance_gen2_function(dry: str) -> None:
    """The function is 2nd gen, Python 3.12, private, one instance at a time, 540 s, 1 GiB."""
    words = command(dry, "gcloud", "functions", "deploy", "sheetsync")
    for expected in ("--gen2", "--trigger-http", "--no-allow-unauthenticated"):
        assert expected in words
    assert flag(words, "runtime") == "python312"
    assert flag(words, "entry-point") == "run_tracker"
    assert flag(words, "max-instances") == "1"
    assert flag(words, "concurrency") == "1"
    assert flag(words, "timeout") == "540s"
    assert flag(words, "memory") == "1Gi"
    assert flag(words, "service-account") == RUNNER
    assert flag(words, "source") == "build/cloud-function"


def test_passes_the_settings_as_environment_variables(dry: str) -> None:
    """Tracker, SMTP URL, sender and domains reach the function intact, commas included."""
    value = flag(command(dry, "gcloud", "functions", "deploy", "sheetsync"), "set-env-vars")
    assert value.startswith("^|^")
    pairs = dict(item.split("=", 1) for item in value[3:].split("|"))
    assert pairs == {
        "SHEETSYNC_TRACKER": TRACKER,
        "SHEETSYNC_SMTP_URL": "smtp://contracts%40example.com@smtp.example.com:587",
        "SHEETSYNC_SENDER": "Contracts Desk <contracts@example.com>",
        "SHEETSYNC_ALLOWED_DOMAINS": "example.com, example.org",
        "SHEETSYNC_ACTION_URL": "$ACT_URL",  # the act function's URL, asked in step 6
    }


def test_password_and_link_key_come_from_secret_manager(dry: str) -> None:
    """The function reads the password and the link key from the secrets' latest versions."""
    words = command(dry, "gcloud", "functions", "deploy", "sheetsync")
    assert flag(words, "set-secrets").split(",") == [
        "SHEETSYNC_LINK_KEYS=sheetsync-link-keys:latest",
        "SHEETSYNC_SMTP_PASSWORD=sheetsync-smtp-password:latest",
    ]


def test_the_mark_done_page_is_public_and_holds_no_mail_secret(dry: str) -> None:
    """sheetsync-act is deployed public (the token is the credential), with the tracker and
    the link key only; the run target stays private."""
    act = command(dry, "gcloud", "functions", "deploy", "sheetsync-act")
    run = command(dry, "gcloud", "functions", "deploy", "sheetsync")
    assert "--allow-unauthenticated" in act and "--no-allow-unauthenticated" not in act
    assert "--no-allow-unauthenticated" in run and "--allow-unauthenticated" not in run
    assert flag(act, "entry-point") == "act"
    assert flag(act, "set-env-vars") == f"^|^SHEETSYNC_TRACKER={TRACKER}"
    assert flag(act, "set-secrets") == "SHEETSYNC_LINK_KEYS=sheetsync-link-keys:latest"
    lines = dry.splitlines()
    order = [
        next(i for i, line in enumerate(lines) if line.startswith(start))
        for start in (
            "gcloud functions deploy sheetsync-act ",
            "ACT_URL=$(gcloud functions describe sheetsync-act",
            "gcloud functions deploy sheetsync ",
        )
    ]
    assert order == sorted(order), "act is deployed and its URL asked before the run target"


def test_the_link_key_is_made_at_random_into_secret_manager(dry: str) -> None:
    """The link key is generated and piped into a new secret, never printed; the runner may
    read it."""
    line = next(line for line in dry.splitlines() if "secrets create sheetsync-link-keys" in line)
    generate, _, create = line.partition(" | ")
    assert "secrets.token_urlsafe(32)" in generate and "--data-file=-" in shlex.split(create)
    bindings = [
        w for w in commands(dry) if w[:3] == ["gcloud", "secrets", "add-iam-policy-binding"]
    ]
    assert [w[3] for w in bindings] == ["sheetsync-smtp-password", "sheetsync-link-keys"]


def test_secret_is_piped_never_printed(dry: str) -> None:
    """The secret is created from stdin (--data-file=-); its value is not in the output."""
    line = next(line for line in dry.splitlines() if "gcloud secrets create" in line)
    assert line.startswith("printf '%s' \"$SHEETSYNC_SMTP_PASSWORD\" | gcloud secrets create")
    assert "--data-file=-" in shlex.split(line.partition("|")[2])
    assert PASSWORD not in dry


def test_runner_may_read_the_secret(dry: str) -> None:
    """The runner's service account gets secretAccessor on the password's secret."""
    words = command(dry, "gcloud", "secrets", "add-iam-policy-binding", "sheetsync-smtp-password")
    assert flag(words, "member") == f"serviceAccount:{RUNNER}"
    assert flag(words, "role") == "roles/secretmanager.secretAccessor"


def test_scheduler_account_may_invoke_the_function(dry: str) -> None:
    """Only the scheduler's service account is granted the invoker role."""
    words = command(dry, "gcloud", "functions", "add-invoker-policy-binding")
    assert flag(words, "member") == f"serviceAccount:{SCHEDULER}"


def test_scheduler_job_runs_daily_at_seven_with_an_oidc_token(dry: str) -> None:
    """The job calls the function's URL daily at 07:00 in the tracker's zone, with OIDC."""
    words = command(dry, "gcloud", "scheduler", "jobs", "create", "http")
    assert flag(words, "schedule") == "0 7 * * *"
    assert flag(words, "time-zone") == "Europe/Berlin"
    assert flag(words, "uri") == "$URL"
    assert flag(words, "oidc-service-account-email") == SCHEDULER
    assert flag(words, "oidc-token-audience") == "$URL"
    assert flag(words, "attempt-deadline") == "540s"


def test_prints_the_account_to_share_the_sheet_with(dry: str) -> None:
    """The output ends by naming the service account the sheet must be shared with."""
    lines = dry.splitlines()
    assert RUNNER in lines
    assert "Share the spreadsheet" in lines[lines.index(RUNNER) - 1]


def test_options_change_schedule_size_and_deadline(tmp_path: Path) -> None:
    """--schedule, --timeout and --memory are used; the scheduler waits at most 30 min."""
    more = ["--schedule", "30 6 * * 1-5", "--timeout", "3600s", "--memory", "2Gi"]
    out = deploy(tmp_path, "--dry-run", *EXAMPLE, *more).stdout
    deployed = command(out, "gcloud", "functions", "deploy", "sheetsync")
    assert (flag(deployed, "timeout"), flag(deployed, "memory")) == ("3600s", "2Gi")
    job = command(out, "gcloud", "scheduler", "jobs", "create", "http")
    assert (flag(job, "schedule"), flag(job, "attempt-deadline")) == ("30 6 * * 1-5", "1800s")


def test_missing_required_option_is_one_line_exit_2(tmp_path: Path) -> None:
    """Without --time-zone the script stops before any command, saying what is missing."""
    args = EXAMPLE[: EXAMPLE.index("--time-zone")]
    result = deploy(tmp_path, "--dry-run", *args)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "deploy.sh: error: --time-zone is required: the tracker's, e.g. Europe/Berlin"
    )
    assert result.stdout == ""


def test_login_without_password_is_refused(tmp_path: Path) -> None:
    """An SMTP URL with a user but no SHEETSYNC_SMTP_PASSWORD stops with exit status 2."""
    result = deploy(tmp_path, "--dry-run", *EXAMPLE, password=None)
    assert result.returncode == 2
    assert "SHEETSYNC_SMTP_PASSWORD" in result.stderr


def test_server_without_login_needs_no_secret(tmp_path: Path) -> None:
    """A relay without login gets no password secret: the function mounts the link key only."""
    args = [*EXAMPLE[:-6], "--smtp-url", "smtp://relay.example.com:25", *EXAMPLE[-4:]]
    out = deploy(tmp_path, "--dry-run", *args, password=None).stdout
    assert "smtp-password" not in out and "SHEETSYNC_SMTP_PASSWORD" not in out
    deployed = command(out, "gcloud", "functions", "deploy", "sheetsync")
    assert flag(deployed, "set-secrets") == "SHEETSYNC_LINK_KEYS=sheetsync-link-keys:latest"


def test_real_run_hands_the_password_to_gcloud_on_stdin_only(tmp_path: Path) -> None:
    """Run for real: the password reaches gcloud on stdin and is in no argument or output."""
    result = deploy(tmp_path, *EXAMPLE, "--build-dir", str(tmp_path / "fn"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "gcloud.stdin.sheetsync-smtp-password").read_text() == PASSWORD
    assert all(PASSWORD not in call for call in gcloud_calls(tmp_path))
    assert PASSWORD not in result.stdout + result.stderr


def test_real_run_makes_a_strong_link_key_shown_nowhere(tmp_path: Path) -> None:
    """Run for real: a random 43-character key goes to Secret Manager on stdin, and the run
    target gets the act function's real URL as its Action URL."""
    result = deploy(tmp_path, *EXAMPLE, "--build-dir", str(tmp_path / "fn"))
    key = (tmp_path / "gcloud.stdin.sheetsync-link-keys").read_text()
    assert re.fullmatch(r"[\w-]{43}", key)
    assert key not in result.stdout + result.stderr + "".join(gcloud_calls(tmp_path))
    run = next(c for c in gcloud_calls(tmp_path) if c.startswith("functions deploy sheetsync "))
    assert "SHEETSYNC_ACTION_URL=https://sheetsync-abc123-ew.a.run.app" in run


def test_real_run_builds_and_deploys_that_folder(tmp_path: Path) -> None:
    """The folder is built, deployed from, and the job targets the function's URL."""
    deploy(tmp_path, *EXAMPLE, "--build-dir", str(tmp_path / "fn"))
    assert (tmp_path / "fn" / "requirements.txt").is_file()
    calls = gcloud_calls(tmp_path)
    assert any(f"--source={tmp_path / 'fn'}" in call for call in calls)
    job = next(call for call in calls if call.startswith("scheduler jobs create http"))
    assert "--uri=https://sheetsync-abc123-ew.a.run.app" in job


def test_second_run_updates_instead_of_creating(tmp_path: Path) -> None:
    """Where the accounts, secret and job exist, it adds a secret version and updates the job."""
    deploy(tmp_path, *EXAMPLE, "--build-dir", str(tmp_path / "fn"), exists=True)
    calls = gcloud_calls(tmp_path)
    assert not any(
        call.startswith(("iam service-accounts create", "secrets create")) for call in calls
    )
    assert any(call.startswith("secrets versions add sheetsync-smtp-password") for call in calls)
    assert not any("sheetsync-link-keys" in c and "versions add" in c for c in calls)  # kept
    assert any(call.startswith("scheduler jobs update http sheetsync-daily") for call in calls)


def test_docs_show_exactly_the_commands_the_script_runs(dry: str) -> None:
    """docs/deploy.md's generated block is the script's dry-run output, word for word."""
    block = re.search(r"<!-- deploy-dry-run -->\n```bash\n(.*?)```", DOCS.read_text(), re.S)
    assert block is not None, "docs/deploy.md lacks the <!-- deploy-dry-run --> block"
    regenerate = "SHEETSYNC_SMTP_PASSWORD=x cloud_function/deploy.sh --dry-run " + shlex.join(
        EXAMPLE
    )
    assert block.group(1) == dry, f"paste the output of this into the block: {regenerate}"


# -- many trackers: --registry / --trackers (cloud_function/fleet.sh) ------------------------

REGISTRY = "https://docs.google.com/spreadsheets/d/1RegistrySheet0123456789abcdefghijklmnop/edit"
FLEET = [*EXAMPLE[:4], "--registry", REGISTRY, *EXAMPLE[6:], "--workers", "4"]


@pytest.fixture
def fleet_dry(tmp_path: Path) -> str:
    """The output of a dry run for many trackers from a registry sheet, four workers."""
    result = deploy(tmp_path, "--dry-run", *FLEET)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_fleet_shows_topic_dead_letter_topic_and_their_subscriptions(fleet_dry: str) -> None:
    """The topic, the dead-letter topic and a pull subscription to read dead letters are created."""
    topics = [
        w[4] for w in commands(fleet_dry) if w[:4] == ["gcloud", "pubsub", "topics", "create"]
    ]
    assert topics == ["sheetsync-trackers", "sheetsync-trackers-dead"]
    dead = command(
        fleet_dry, "gcloud", "pubsub", "subscriptions", "create", "sheetsync-trackers-dead"
    )
    assert flag(dead, "topic") == "sheetsync-trackers-dead"
    assert "pubsub.googleapis.com" in command(fleet_dry, "gcloud", "services", "enable")


def test_fleet_push_subscription_is_ordered_retried_and_dead_lettered(fleet_dry: str) -> None:
    """The push subscription orders by tracker, backs off, dead-letters after 5 attempts."""
    push = command(
        fleet_dry, "gcloud", "pubsub", "subscriptions", "create", "sheetsync-trackers-push"
    )
    assert "--enable-message-ordering" in push
    assert flag(push, "push-endpoint") == "$WORKER_URL"
    assert flag(push, "dead-letter-topic") == "sheetsync-trackers-dead"
    assert flag(push, "max-delivery-attempts") == "5"
    assert (flag(push, "min-retry-delay"), flag(push, "max-retry-delay")) == ("60s", "600s")
    assert flag(push, "push-auth-service-account") == SCHEDULER


def test_fleet_worker_runs_one_message_per_instance_paced_by_its_share(fleet_dry: str) -> None:
    """The worker is on_pubsub, at most 4 instances of one request, told to pace at 1/4."""
    worker = command(fleet_dry, "gcloud", "functions", "deploy", "sheetsync-worker")
    assert flag(worker, "entry-point") == "on_pubsub"
    assert (flag(worker, "max-instances"), flag(worker, "concurrency")) == ("4", "1")
    env = flag(worker, "set-env-vars")
    assert "SHEETSYNC_WORKERS=4|SHEETSYNC_SHEETS_QUOTA=60" in env
    assert "SHEETSYNC_TRACKER=" not in env


def test_fleet_scheduler_calls_the_fan_out_that_reads_the_registry(fleet_dry: str) -> None:
    """The daily job calls the fan_out function, which knows the registry sheet and the topic."""
    fan_out = command(fleet_dry, "gcloud", "functions", "deploy", "sheetsync")
    assert flag(fan_out, "entry-point") == "fan_out"
    assert flag(fan_out, "set-env-vars") == (
        f"^|^SHEETSYNC_REGISTRY={REGISTRY}|SHEETSYNC_TOPIC=projects/{PROJECT}/topics/sheetsync-trackers"
    )
    job = command(fleet_dry, "gcloud", "scheduler", "jobs", "create", "http")
    assert flag(job, "uri") == "$URL"
    describe = [line for line in fleet_dry.splitlines() if line.startswith("URL=")]
    assert describe and "functions describe sheetsync " in describe[0]


def test_fleet_deploys_the_public_act_page_and_gives_the_workers_its_url(fleet_dry: str) -> None:
    """--registry deploys sheetsync-act public for the registry's trackers, before the worker,
    and the worker gets its URL as the Action URL and the link key, so emails carry links."""
    act = command(fleet_dry, "gcloud", "functions", "deploy", "sheetsync-act")
    assert "--allow-unauthenticated" in act and flag(act, "entry-point") == "act"
    assert flag(act, "set-env-vars") == f"^|^SHEETSYNC_REGISTRY={REGISTRY}"
    assert flag(act, "set-secrets") == "SHEETSYNC_LINK_KEYS=sheetsync-link-keys:latest"
    worker = command(fleet_dry, "gcloud", "functions", "deploy", "sheetsync-worker")
    assert "|SHEETSYNC_ACTION_URL=$ACT_URL" in flag(worker, "set-env-vars")
    secrets = flag(worker, "set-secrets").split(",")
    assert "SHEETSYNC_LINK_KEYS=sheetsync-link-keys:latest" in secrets
    assert "gcloud secrets create sheetsync-link-keys" in fleet_dry
    fan_out = command(fleet_dry, "gcloud", "functions", "deploy", "sheetsync")
    assert "--no-allow-unauthenticated" in fan_out and "--no-allow-unauthenticated" in worker
    order = [
        fleet_dry.index(s)
        for s in ("deploy sheetsync-act ", "ACT_URL=$(", "deploy sheetsync-worker ")
    ]
    assert order == sorted(order), "act is deployed and its URL asked before the worker"


def test_fleet_from_a_list_gives_the_act_page_the_list(tmp_path: Path) -> None:
    """--trackers: the act page serves the listed trackers (SHEETSYNC_TRACKERS), as the fan-out."""
    listed = [*EXAMPLE[:4], "--trackers", f"{TRACKER} 1Second0123456789abcdefghij", *EXAMPLE[6:]]
    result = deploy(tmp_path, "--dry-run", *listed)
    assert result.returncode == 0, result.stderr
    act = command(result.stdout, "gcloud", "functions", "deploy", "sheetsync-act")
    assert (
        flag(act, "set-env-vars") == f"^|^SHEETSYNC_TRACKERS={TRACKER} 1Second0123456789abcdefghij"
    )


def test_fleet_real_run_gives_the_pubsub_agent_the_dead_letter_topic(tmp_path: Path) -> None:
    """Run for real: the project number names Pub/Sub's agent, which may dead-letter."""
    result = deploy(tmp_path, *FLEET, "--build-dir", str(tmp_path / "fn"))
    assert result.returncode == 0, result.stderr
    agent = "serviceAccount:service-123456789012@gcp-sa-pubsub.iam.gserviceaccount.com"
    calls = gcloud_calls(tmp_path)
    binding = next(
        c
        for c in calls
        if c.startswith("pubsub topics add-iam-policy-binding sheetsync-trackers-dead")
    )
    assert f"--member={agent}" in binding
    push = next(
        c for c in calls if c.startswith("pubsub subscriptions create sheetsync-trackers-push")
    )
    assert "--push-endpoint=https://sheetsync-abc123-ew.a.run.app" in push


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--tracker", TRACKER], "--tracker runs one tracker: leave it out with --registry"),
        (["--trackers", TRACKER], "--registry or --trackers, not both"),
        (["--workers", "61"], "--workers must not exceed --sheets-quota"),
    ],
)
def test_fleet_option_mistakes_are_one_line_exit_2(
    tmp_path: Path, extra: list[str], message: str
) -> None:
    """Contradicting fleet options stop before any command, with one line."""
    result = deploy(tmp_path, "--dry-run", *FLEET, *extra)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.strip() == f"deploy.sh: error: {message}"
