"""Many trackers on Pub/Sub against the Sheets API emulator with its quota on (issue 16).

    python bench/fleet.py --trackers 300 --milestones 1000 --workers 2 --quota 60/6s

Seeds ``--trackers`` synthetic trackers (``bench/synthetic.py``) and a registry sheet
into the emulator, starts Google's Pub/Sub emulator with the topic, dead-letter topic
and ordered push subscription ``deploy.sh --registry`` creates, and serves the real
targets with ``functions-framework``: one ``fan_out`` and ``--workers`` ``on_pubsub``
processes behind ``Front`` (Cloud Run's one-request-per-instance front door). The
clock runs from the fan-out call until every tracker's message was acknowledged.

The quota is Google's 60 reads and 60 writes per user, with the window scaled
(``60/6s``: per 6 seconds instead of a minute, ten times faster) so the bench ends in
minutes. The quota floor is the busier bucket's calls divided by the allowed calls per
window, times the window: no fleet can finish sooner. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import os
import platform
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic import synthetic_tracker

from sheetsync.backends.gsheets.pacing import share
from sheetsync.testing.emulator import SheetsEmulator
from sheetsync.testing.pubsub import Front, PubSubEmulator, serve_function, stop_all
from sheetsync.testing.sheets_emulator.control import READ_KINDS

MAIN = Path(__file__).resolve().parents[1] / "cloud_function" / "main.py"


def seed(emulator: SheetsEmulator, trackers: int, milestones: int) -> tuple[list[str], str]:
    """The trackers' spreadsheet IDs and the registry sheet listing them all (On: yes)."""
    today = dt.datetime.now(dt.UTC).date()
    sheets = [
        emulator.create_spreadsheet(
            f"Region {n}", synthetic_tracker(milestones, today, seed=n), time_zone="Etc/UTC"
        )
        for n in range(trackers)
    ]
    rows: list[list[object]] = [["Tracker", "On"], *([s, "yes"] for s in sheets)]
    return sheets, emulator.create_spreadsheet("Trackers", {"Trackers": rows})


def run_round(
    args: argparse.Namespace, emulator: SheetsEmulator, registry: str, where: Path
) -> dict[str, Any]:
    """Fan out once and wait until every tracker is acknowledged; what the Front saw."""
    with PubSubEmulator(log=where / "pubsub.log") as pubsub:
        topic, dead = pubsub.topic("sheetsync-trackers"), pubsub.topic("sheetsync-trackers-dead")
        common = {"SHEETS_EMULATOR_HOST": emulator.host, "PUBSUB_EMULATOR_HOST": pubsub.host}
        env = common | {
            "SHEETSYNC_OUTBOX": str(where / "outbox"),
            "SHEETSYNC_WORKERS": str(args.workers),
        }
        env["SHEETSYNC_SHEETS_QUOTA"] = args.quota
        workers = [
            serve_function(MAIN, "on_pubsub", env, where / f"worker-{n}.log", events=True)
            for n in range(args.workers)
        ]
        fan_env = common | {"SHEETSYNC_REGISTRY": registry, "SHEETSYNC_TOPIC": topic}
        fan = serve_function(MAIN, "fan_out", fan_env, where / "fan_out.log")
        try:
            with Front([url for _, url in workers], patience=30) as front:
                policy = {
                    "deadLetterPolicy": {"deadLetterTopic": dead, "maxDeliveryAttempts": 5},
                    "retryPolicy": {"minimumBackoff": "10s", "maximumBackoff": "60s"},
                    "ackDeadlineSeconds": 600,
                }
                pubsub.push_subscription("sheetsync-trackers-push", topic, front.url, **policy)
                emulator.reset_counts()
                start = time.monotonic()
                answer = requests.post(fan[1], json={}, timeout=300)
                answer.raise_for_status()
                while len(_done(front)) < args.trackers:
                    time.sleep(0.5)
                wall = time.monotonic() - start
                return {"wall": wall, "front": front, "fan_out": answer.json()}
        finally:
            stop_all([p for p, _ in [*workers, fan]])


def _done(front: Front) -> Counter[str]:
    return Counter(_tracker(b) for b in list(front.bodies) if b["status"] < 300)


def _tracker(body: dict[str, Any]) -> str:
    return str(json.loads(base64.b64decode(body["message"]["data"]))["tracker"])


def figures(
    args: argparse.Namespace, emulator: SheetsEmulator, outcome: dict[str, Any]
) -> dict[str, Any]:
    """The bench's result: calls, the floor, the ratio, 429s, deliveries."""
    pacer = share(args.quota, 1)
    sheets_calls = {k: n for k, n in emulator.calls.items() if not k.startswith("drive.")}
    reads = sum(n for k, n in sheets_calls.items() if k in READ_KINDS)
    writes = sum(sheets_calls.values()) - reads
    floor = max(reads / pacer.reads, writes / pacer.writes) * pacer.window
    front: Front = outcome["front"]
    done = _done(front)
    return {
        "trackers": args.trackers,
        "milestones_each": args.milestones,
        "workers": args.workers,
        "quota": f"{pacer.reads} reads and {pacer.writes} writes per {pacer.window:g} s "
        f"(Google: per 60 s; time scaled {60 / pacer.window:g}x)",
        "wall_s": round(outcome["wall"], 1),
        "quota_floor_s": round(floor, 1),
        "ratio_to_floor": round(outcome["wall"] / floor, 2),
        "sheets_calls": {
            "reads": reads,
            "writes": writes,
            "per_tracker": round((reads + writes) / args.trackers, 2),
        },
        "rejected_429": dict(emulator.quota.rejected),
        "done_once": sum(1 for n in done.values() if n == 1),
        "done_twice_or_more": sum(1 for n in done.values() if n > 1),
        "deliveries": dict(front.answers),
        "most_workers_busy_at_once": front.peak,
        "fan_out": outcome["fan_out"],
        "machine": f"{platform.node()}: {os.cpu_count()} CPUs",
        "load_at_end": round(os.getloadavg()[0], 1),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the bench; print its JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trackers", type=int, default=300)
    parser.add_argument("--milestones", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--quota", default="60/6s", help="requests per window, e.g. 60/6s")
    args = parser.parse_args(argv)
    with SheetsEmulator() as emulator, tempfile.TemporaryDirectory() as tmp:
        emulator.disable_quotas()
        _, registry = seed(emulator, args.trackers, args.milestones)
        pacer = share(args.quota, 1)
        emulator.set_quota(pacer.reads, pacer.writes, window=pacer.window)
        outcome = run_round(args, emulator, registry, Path(tmp))
        print(json.dumps(figures(args, emulator, outcome), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
