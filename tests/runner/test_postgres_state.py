"""The PostgreSQL state backend against a real server: overlapping runs, and three replicas SIGKILLed at
random moments and restarted, over one database: every window runs, no alert is made or delivered twice,
every alert is delivered."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from kqlrules.runner import Runner, RunnerConfig, SimulatedClock, open_sink, open_state
from kqlrules.runner.state_postgres import PostgresState
from kqlrules.workspace import LocalWorkspace, WorkspaceServer
from tests.runner.conftest import DAY, delivered, detection, expected_alerts, signins
from tests.runner.postgres_server import PostgresServer
from tests.runner.test_crash_recovery import runner_command
from tests.runner.test_overlapping_runners import RULES, write_repo

HOURS = 6
FIVE = timedelta(minutes=5)


def expected() -> set[tuple[str, str, str]]:
    end = DAY + timedelta(hours=HOURS)
    return {
        (guid, window_end, user)
        for guid, result in RULES.values()
        for window_end, user in expected_alerts(signins(), FIVE, DAY, end, result=result)
    }


def lines(path: Path) -> list[tuple[str, str, str]]:
    if not path.exists():
        return []
    alerts = [json.loads(line) for line in path.read_text().splitlines()]
    return [(a["detection"]["id"], a["window"]["end"], a["entities"][0]["FullName"]) for a in alerts]


@pytest.fixture
def server() -> Iterator[WorkspaceServer]:
    workspace = LocalWorkspace(tables={"SigninLogs": signins(hours=HOURS)})
    with WorkspaceServer(workspace) as running:
        yield running


def test_a_postgresql_url_selects_the_postgresql_backend_and_a_day_runs_exactly_once(
    postgres: PostgresServer, tmp_path: Path
) -> None:
    url = postgres.fresh_database("single")
    state = open_state(url)
    assert isinstance(state, PostgresState)
    workspace = LocalWorkspace(tables={"SigninLogs": signins()})
    sink = open_sink(f"file:{tmp_path / 'alerts.jsonl'}")
    config = RunnerConfig(delay=timedelta(0), once=True, since=DAY)
    clock = SimulatedClock(DAY + timedelta(hours=HOURS))
    summary = Runner([detection("failed")], workspace, state, [sink], clock=clock, config=config).run()
    sink.close()
    assert summary.ok and summary.windows_completed == HOURS * 12
    got = delivered([json.loads(line) for line in (tmp_path / "alerts.jsonl").read_text().splitlines()])
    assert sorted(got) == sorted(expected_alerts(signins(), FIVE, DAY, DAY + timedelta(hours=HOURS)))
    again = Runner([detection("failed")], workspace, state, [sink], clock=clock, config=config).run()
    assert again.executions == 0 and state.alert_count() == len(got)
    state.close()


def test_three_replicas_killed_at_random_and_restarted_do_every_window_once_and_deliver_every_alert_once(
    postgres: PostgresServer, server: WorkspaceServer, tmp_path: Path, project_root: Path
) -> None:
    url = postgres.fresh_database("replicas")
    repo = write_repo(tmp_path / "repo")
    command = runner_command(repo, server, tmp_path, hours=HOURS)
    command[command.index("--state") + 1] = url
    command += ["--lease", "3s"]
    rng = random.Random(17)
    kills = 0
    for _ in range(6):  # rounds: three replicas, some killed mid-work
        replicas = [
            subprocess.Popen(command, cwd=project_root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for _ in range(3)
        ]
        time.sleep(rng.uniform(0.5, 2.5))
        for replica in rng.sample(replicas, rng.randint(1, 2)):
            if replica.poll() is None:
                replica.send_signal(signal.SIGKILL)
                kills += 1
        for replica in replicas:
            replica.wait(timeout=300)
    final = [
        subprocess.Popen(
            command, cwd=project_root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        for _ in range(3)
    ]
    outputs = [replica.communicate(timeout=300)[1] for replica in final]
    assert [r.returncode for r in final] == [0, 0, 0], outputs
    assert kills >= 3
    state = PostgresState(url)
    ends = set(state.last_window_ends().values())
    state.close()
    assert ends == {DAY + timedelta(hours=HOURS)}, "every detection's windows all ran"
    got = lines(tmp_path / "alerts.jsonl")
    print(f"{kills} replicas killed: {len(got)} alert lines for {len(set(got))} distinct alerts")
    assert len(got) == len(set(got)), "an alert was delivered twice"
    assert set(got) == expected()


def test_quiet_windows_are_committed_together_on_postgresql_as_on_sqlite(
    postgres: PostgresServer, tmp_path: Path
) -> None:
    from kqlrules.kusto import SchemaSet
    from kqlrules.runner import RunnerState
    from kqlrules.runner.quiet import QuietWindows

    sparse = signins(hours=HOURS, every=timedelta(minutes=50))
    schemas = SchemaSet()
    schemas.add_table("SigninLogs", [(c.name, c.type) for c in sparse.columns])
    config = RunnerConfig(delay=timedelta(0), once=True, since=DAY)
    outcomes = []
    for state in (open_state(postgres.fresh_database("quiet")), RunnerState(tmp_path / "state.db")):
        workspace = LocalWorkspace(tables={"SigninLogs": sparse}, answer_quiet_windows=False)
        quiet = QuietWindows(workspace, schemas)
        clock = SimulatedClock(DAY + timedelta(hours=HOURS))
        summary = Runner(
            [detection("failed")], workspace, state, [], clock=clock, config=config, quiet=quiet
        ).run()
        assert summary.ok and summary.windows_completed == HOURS * 12 and summary.answered_quietly > 0
        statuses = [(s.last_window_end, s.next_run_at, s.failures) for s in state.statuses()]
        outcomes.append((statuses, state.alert_count(), summary.answered_quietly))
        state.close()
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][1] == len(expected_alerts(sparse, FIVE, DAY, DAY + timedelta(hours=HOURS)))
