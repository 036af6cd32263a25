"""Several `kqlrules run --once` processes started together over one `--state` (the cron-overlap case): every
window runs once, every alert is made once and each sink takes it once, whatever the interleaving."""

from __future__ import annotations

import json
import os
import subprocess
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from kqlrules.table import Table
from kqlrules.workspace import Faults, LocalWorkspace, Timespan, WorkspaceServer
from tests.runner.conftest import DAY, expected_alerts, signins
from tests.runner.test_crash_recovery import delivered, runner_command
from tests.runner.test_sinks import Receiver

# More detections than one runner queries at a time (5), so the overlapping processes share the work.
HOURS = 6
RULES = {
    f"rule{i}": (str(uuid.uuid5(uuid.NAMESPACE_URL, f"overlap/{i}")), "50126" if i % 2 else None)
    for i in range(8)
}


def write_repo(root: Path) -> Path:
    folder = root / "queries" / "identity"
    folder.mkdir(parents=True)
    for name, (guid, result) in RULES.items():
        (folder / f"{name}.yaml").write_text(
            f"id: {guid}\nname: {name}\nseverity: Medium\nschedule:\n  frequency: 5m\n  period: 5m\n"
            "entities:\n  Account: UserPrincipalName\ncustom_details:\n  Result: ResultType\n"
        )
        where = f' | where ResultType == "{result}"' if result else ""
        (folder / f"{name}.kql").write_text(f"SigninLogs{where}\n")
    return root


def expected() -> set[tuple[str, str, str]]:
    end = DAY + timedelta(hours=HOURS)
    return {
        (guid, window_end, user)
        for guid, result in RULES.values()
        for window_end, user in expected_alerts(signins(), timedelta(minutes=5), DAY, end, result=result)
    }


class StartTogether:
    """Holds every query until `arrivals` queries have come in: one runner has at most 5 in flight, so a
    sixth comes from another process, and no process can finish the work before the others have begun
    (process start-up times differ by seconds on a loaded machine). `timeout` bounds the wait."""

    def __init__(self, inner: LocalWorkspace, arrivals: int, timeout: float = 30.0) -> None:
        self.inner, self.arrivals, self.timeout = inner, arrivals, timeout
        self._count = 0
        self._lock = threading.Lock()
        self._open = threading.Event()

    def query(self, kql: str, timespan: Timespan) -> Table:
        with self._lock:
            self._count += 1
            if self._count >= self.arrivals:
                self._open.set()
        self._open.wait(self.timeout)
        return self.inner.query(kql, timespan)


@pytest.fixture
def server() -> Iterator[WorkspaceServer]:
    # Every window is queried (no quiet window answered without a query), as against Log Analytics: each
    # process then has work enough that the others start before it is done.
    workspace = LocalWorkspace(tables={"SigninLogs": signins(hours=HOURS)}, answer_quiet_windows=False)
    for query in ('SigninLogs | where ResultType == "50126"', "SigninLogs"):  # warm, as the service is
        workspace.query(query, (DAY, DAY + timedelta(minutes=5)))
    # 50 ms a query, and no query answered before a second process has claimed work (StartTogether): the
    # processes overlap however far apart they start.
    faults = Faults(throttle=0.05, retry_after=1, server_error=0.03, latency=0.05, seed=5)
    with WorkspaceServer(StartTogether(workspace, arrivals=6), faults=faults) as running:
        yield running


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver("hook-secret")
    yield running
    running.server.shutdown()
    running.server.server_close()


@pytest.mark.parametrize("processes", [2, 3])
def test_overlapping_runs_over_one_state_do_each_window_once_and_deliver_each_alert_once_per_sink(
    processes: int, server: WorkspaceServer, receiver: Receiver, tmp_path: Path, project_root: Path
) -> None:
    repo = write_repo(tmp_path / "repo")
    (repo / "kqlrules.toml").write_text(
        f'[sinks.soc]\ntarget = "webhook:{receiver.url}"\nsecret_env = "SOC_SECRET"\n'
    )
    command = [*runner_command(repo, server, tmp_path, HOURS), "--sink", "soc"]
    environment = {**os.environ, "SOC_SECRET": "hook-secret"}
    log_files = [tmp_path / f"runner{i}.log" for i in range(processes)]
    running = []
    for log_file in log_files:
        with log_file.open("w") as log:
            running.append(
                subprocess.Popen(
                    command, cwd=project_root, env=environment, stdout=subprocess.DEVNULL, stderr=log
                )
            )
    for process in running:
        process.wait(timeout=180)  # generous: a loaded CI machine starts Python processes slowly
    logs = [log_file.read_text() for log_file in log_files]
    assert [p.returncode for p in running] == [0] * processes, logs
    finished = [json.loads(line) for log in logs for line in log.splitlines() if '"run finished"' in line]
    windows = sum(f["windows_completed"] for f in finished)
    assert windows == len(RULES) * HOURS * 12, "every window ran exactly once across the processes"
    shared = sum(1 for f in finished if f["windows_completed"])
    assert shared >= 2, ("the processes did share the work", finished)
    lines = delivered(tmp_path / "alerts.jsonl")
    print(f"{processes} processes: {len(lines)} alert lines for {len(set(lines))} distinct alerts")
    assert len(lines) == len(set(lines)) == len(expected()), (len(lines), len(set(lines)))
    assert set(lines) == expected()
    posts = Counter(receiver.keys)
    assert len(posts) == len(expected()) and max(posts.values()) == 1, "the webhook got each alert once"
