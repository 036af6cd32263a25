"""NRT latency: from an event written to the workspace to its alert delivered, on the real clock.

    python benchmarks/nrt_latency.py [--minutes 4] [--events 40]

A local query-API server (in this process) serves a workspace; `kqlrules run` (its own process, system clock)
runs one `sentinel: {kind: NRT}` detection into a file sink. Events are sent at random moments through the
server's Logs Ingestion API endpoint, each a failed sign-in of its own user; the alerts file is watched and
each event's latency is the time from its POST to its alert's line appearing. NRT windows are one minute of
ingestion time, so the latency is the wait for the window's end (0-60 s) plus the query and the delivery.
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kqlrules.workspace import LocalWorkspace, WorkspaceServer

RULE = """id: 6a1f0a3e-8a3c-4d55-9c1e-2f3e4d5c6b7a
name: nrt_failed_signin
severity: High
sentinel:
  kind: NRT
schedule:
  frequency: 5m
  period: 5m
tables: [SigninLogs]
entities:
  Account: UserPrincipalName
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=4.0)
    parser.add_argument("--events", type=int, default=40)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="nrt-bench-"))
    (root / "ws").mkdir()
    seed = {"TimeGenerated": "2024-05-01T00:00:00Z", "UserPrincipalName": "seed", "ResultType": "0"}
    (root / "ws" / "SigninLogs.jsonl").write_text(json.dumps(seed) + "\n")
    rules = root / "repo" / "queries" / "identity"
    rules.mkdir(parents=True)
    (rules / "nrt_failed_signin.yaml").write_text(RULE)
    (rules / "nrt_failed_signin.kql").write_text('SigninLogs\n| where ResultType == "50126"\n')
    alerts = root / "alerts.jsonl"
    with WorkspaceServer(LocalWorkspace(root / "ws")) as server:
        runner = subprocess.Popen(
            [sys.executable, "-m", "kqlrules", "--repo", str(root / "repo"), "run", "--workspace", "local",
             "--endpoint", server.url, "--state", str(root / "state.db"), "--sink", f"file:{alerts}",
             "--log-format", "json"],
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        written: dict[str, float] = {}
        seen: dict[str, float] = {}
        done = threading.Event()
        watcher = threading.Thread(target=_watch, args=(alerts, seen, done), daemon=True)
        watcher.start()
        time.sleep(5)  # let the runner start
        url = f"{server.url}/dataCollectionRules/dcr-bench/streams/Custom-SigninLogs?api-version=2023-01-01"
        rng = random.Random(7)
        moments = sorted(rng.uniform(0, args.minutes * 60) for _ in range(args.events))
        start = time.monotonic()
        for number, moment in enumerate(moments):
            time.sleep(max(0.0, start + moment - time.monotonic()))
            user = f"user{number}@contoso.com"
            row = {
                "TimeGenerated": datetime.now(UTC).isoformat(),
                "UserPrincipalName": user,
                "ResultType": "50126",
            }
            request = urllib.request.Request(
                url,
                json.dumps([row]).encode(),
                {"Authorization": f"Bearer {server.token}", "Content-Type": "application/json"},
                method="POST",
            )
            urllib.request.urlopen(request, timeout=10).close()
            written[user] = time.monotonic()
        deadline = time.monotonic() + 120
        while len(seen) < len(written) and time.monotonic() < deadline:
            time.sleep(0.2)
        done.set()
        runner.send_signal(signal.SIGTERM)
        runner.wait(60)
    latencies = sorted(seen[u] - written[u] for u in written if u in seen)
    missing = len(written) - len(latencies)
    p95 = latencies[max(0, round(0.95 * len(latencies)) - 1)] if latencies else float("nan")
    print(f"events {len(written)}, alerted {len(latencies)}, missing {missing}")
    print(
        f"latency event written -> alert delivered: p50 {statistics.median(latencies):.1f} s,"
        f" p95 {p95:.1f} s, max {latencies[-1]:.1f} s"
    )


def _watch(path: Path, seen: dict[str, float], done: threading.Event) -> None:
    offset = 0
    while not done.is_set():
        if path.exists():
            with path.open("rb") as handle:
                handle.seek(offset)
                data = handle.read()
            whole = data[: data.rfind(b"\n") + 1]
            offset += len(whole)
            now = time.monotonic()
            for line in whole.splitlines():
                alert = json.loads(line)
                for entity in alert["entities"]:
                    seen.setdefault(entity.get("FullName", ""), now)
        time.sleep(0.05)


if __name__ == "__main__":
    main()
