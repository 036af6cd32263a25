"""`kqlrules run` as a real process against the local query-API server (through `LogsQueryClient`), with
faults injected, killed with SIGKILL at random moments and restarted: the alerts delivered at the end are
exactly the expected set. SIGTERM ends a run cleanly."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from kqlrules.runner.failpoints import ENVIRONMENT
from kqlrules.workspace import Faults, LocalWorkspace, WorkspaceServer
from tests.runner.conftest import DAY, expected_alerts, signins

FIVE = timedelta(minutes=5)
HOURS = 12
RULES = {
    "failed_signins": (
        "0b0c3a52-4f1e-4d55-8a43-1c1f2e3d4b5a",
        'SigninLogs | where ResultType == "50126"',
        "50126",
    ),
    "all_signins": ("4d1c5f7e-0f6a-4c1e-9b8e-2f1d3c4b5a69", "SigninLogs", None),
}


def write_repo(root: Path) -> Path:
    folder = root / "queries" / "identity"
    folder.mkdir(parents=True)
    for name, (guid, query, _) in RULES.items():
        (folder / f"{name}.yaml").write_text(
            f"id: {guid}\nname: {name}\nseverity: Medium\nschedule:\n  frequency: 5m\n  period: 5m\n"
            "entities:\n  Account: UserPrincipalName\ncustom_details:\n  Result: ResultType\n"
        )
        (folder / f"{name}.kql").write_text(query + "\n")
    return root


def expected(hours: int = HOURS) -> set[tuple[str, str, str]]:
    end = DAY + timedelta(hours=hours)
    return {
        (guid, window_end, user)
        for guid, _, result in RULES.values()
        for window_end, user in expected_alerts(signins(), FIVE, DAY, end, result=result)
    }


def delivered(path: Path) -> list[tuple[str, str, str]]:
    if not path.exists():
        return []
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    return [(a["detection"]["id"], a["window"]["end"], a["entities"][0]["FullName"]) for a in lines]


@pytest.fixture
def server() -> Iterator[WorkspaceServer]:
    # Every window queried, as against Log Analytics (no quiet window answered without a query): the kills
    # must land while work is left.
    workspace = LocalWorkspace(tables={"SigninLogs": signins(hours=HOURS)}, answer_quiet_windows=False)
    # Warm, as Log Analytics is: the engine has started and translated the queries before a runner arrives,
    # so the runner's progress counts queries answered, not the engine's start-up.
    for _, query, _ in RULES.values():
        workspace.query(query, (DAY, DAY + FIVE))
    faults = Faults(throttle=0.1, retry_after=2, server_error=0.05, drop=0.03, partial=0.05, seed=11)
    with WorkspaceServer(workspace, faults=faults) as running:
        yield running


def runner_command(repo: Path, server: WorkspaceServer, tmp_path: Path, hours: int = HOURS) -> list[str]:
    return [
        sys.executable, "-m", "kqlrules", "--repo", str(repo), "run", "--once",
        "--workspace", "local", "--endpoint", server.url,
        "--state", str(tmp_path / "state.db"), "--sink", f"file:{tmp_path / 'alerts.jsonl'}",
        "--since", DAY.isoformat(), "--now", (DAY + timedelta(hours=hours)).isoformat(),
        "--delay", "0m", "--max-catch-up", "1000", "--max-attempts", "12", "--log-format", "json",
    ]  # fmt: skip


def test_kill_9_at_random_moments_loses_no_alert_and_repeats_none(
    server: WorkspaceServer, tmp_path: Path, project_root: Path
) -> None:
    command = runner_command(write_repo(tmp_path / "repo"), server, tmp_path)
    rng = random.Random(20240501)
    killed_mid_run = 0
    progress: list[int] = []
    for _ in range(4):
        process = subprocess.Popen(
            command, cwd=project_root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        # A random moment inside the work: after a random number of further queries, plus a random instant.
        # The count starts at the process's first query, so a slow start (a loaded machine) is not "work".
        before = server.stats.queries
        started = time.monotonic() + 120
        while server.stats.queries == before and process.poll() is None and time.monotonic() < started:
            time.sleep(0.005)
        target = before + rng.randint(10, 100)
        deadline = time.monotonic() + 20
        while server.stats.queries < target and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        time.sleep(rng.uniform(0, 0.02))
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            killed_mid_run += 1
        process.wait()
        progress.append(len(delivered(tmp_path / "alerts.jsonl")))
    final = subprocess.run(command, cwd=project_root, capture_output=True, text=True, timeout=120)
    assert final.returncode == 0, final.stderr
    assert killed_mid_run >= 3
    assert 0 < progress[0] < len(expected()), progress  # the first kill left part of the work undone
    got = delivered(tmp_path / "alerts.jsonl")
    assert len(got) == len(set(got)), "an alert was delivered twice"
    assert set(got) == expected()


@pytest.mark.parametrize("point", ["query-answered", "window-committed", "alert-written"])
def test_a_crash_at_each_critical_point_loses_nothing_and_repeats_nothing(
    point: str, server: WorkspaceServer, tmp_path: Path, project_root: Path
) -> None:
    command = runner_command(write_repo(tmp_path / "repo"), server, tmp_path, hours=3)
    crash = {**os.environ, ENVIRONMENT: f"{point}:7"}
    first = subprocess.run(command, cwd=project_root, env=crash, capture_output=True, timeout=120)
    assert first.returncode == -signal.SIGKILL
    assert len(delivered(tmp_path / "alerts.jsonl")) < len(expected(3))
    again = subprocess.run(command, cwd=project_root, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    got = delivered(tmp_path / "alerts.jsonl")
    assert len(got) == len(set(got)), "an alert was delivered twice"
    assert set(got) == expected(3)


def test_sigterm_finishes_in_flight_work_and_exits_cleanly(
    server: WorkspaceServer, tmp_path: Path, project_root: Path
) -> None:
    server.set_faults(Faults(latency=0.05))
    command = runner_command(write_repo(tmp_path / "repo"), server, tmp_path)
    process = subprocess.Popen(
        command, cwd=project_root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 30
    while server.stats.queries < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0
    finished = [json.loads(line) for line in stderr.splitlines() if '"run finished"' in line]
    assert finished and finished[0]["stopped"] is True
    assert 0 < finished[0]["windows_completed"] < 2 * HOURS * 12
