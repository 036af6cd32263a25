"""The runner against the local query-API server through `LogsQueryClient`, with the service's bad days."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from kqlrules.runner import Limits, Runner, RunnerConfig, RunnerState, RunSummary, SimulatedClock, open_sink
from kqlrules.workspace import AzureWorkspace, Faults, LocalWorkspace, WorkspaceServer
from tests.runner.conftest import DAY, delivered, detection, expected_alerts, signins

FIVE = timedelta(minutes=5)
PATIENT = Limits(max_attempts=12)


@pytest.fixture
def server(workspace: LocalWorkspace) -> Iterator[WorkspaceServer]:
    with WorkspaceServer(workspace) as running:
        yield running


@pytest.fixture
def remote(server: WorkspaceServer) -> Iterator[AzureWorkspace]:
    over_http = AzureWorkspace("local", server.credential(), server.url, server_timeout=5)
    yield over_http
    over_http.close()


def run_hours(
    remote: AzureWorkspace, state: RunnerState, path: Path, hours: int, limits: Limits
) -> RunSummary:
    sink = open_sink(f"file:{path}")
    config = RunnerConfig(delay=timedelta(0), once=True, since=DAY, limits=limits, seed=1)
    clock = SimulatedClock(DAY + timedelta(hours=hours))
    summary = Runner([detection("failed")], remote, state, [sink], clock=clock, config=config).run()
    sink.close()
    return summary


def lines(path: Path) -> list[tuple[str, str]]:
    return delivered([json.loads(line) for line in path.read_text().splitlines()])


def test_a_429_storm_is_ridden_out_with_no_alert_lost_or_repeated(
    server: WorkspaceServer, remote: AzureWorkspace, state: RunnerState, tmp_path: Path
) -> None:
    server.set_faults(Faults(throttle=0.5, retry_after=3, seed=3))
    summary = run_hours(remote, state, tmp_path / "alerts.jsonl", 3, PATIENT)
    got = lines(tmp_path / "alerts.jsonl")
    assert server.stats.outcomes.get("429", 0) > 0 and summary.retries > 0
    assert sorted(got) == sorted(expected_alerts(signins(), FIVE, DAY, DAY + timedelta(hours=3)))


def test_5xx_drops_timeouts_and_partial_results_are_retried_to_the_exact_alerts(
    server: WorkspaceServer, remote: AzureWorkspace, state: RunnerState, tmp_path: Path
) -> None:
    server.set_faults(Faults(server_error=0.15, drop=0.1, timeout=0.1, partial=0.15, seed=5))
    run_hours(remote, state, tmp_path / "alerts.jsonl", 3, PATIENT)
    got = lines(tmp_path / "alerts.jsonl")
    assert {"503", "drop", "504", "200-partial"} <= set(server.stats.outcomes)
    assert sorted(got) == sorted(expected_alerts(signins(), FIVE, DAY, DAY + timedelta(hours=3)))


def test_a_partial_result_that_persists_is_reported_not_alerted_on(
    server: WorkspaceServer, remote: AzureWorkspace, state: RunnerState, tmp_path: Path
) -> None:
    server.set_faults(Faults(partial=1.0))
    summary = run_hours(remote, state, tmp_path / "alerts.jsonl", 1, Limits(max_attempts=3))
    assert summary.windows_failed == 1 and summary.executions == 3
    status = state.statuses()[0]
    assert "partial result" in (status.last_error or "") and status.last_window_end is None
    assert lines(tmp_path / "alerts.jsonl") == []


def test_a_retry_waits_at_least_the_retry_after_the_service_asked_for(
    server: WorkspaceServer, remote: AzureWorkspace, state: RunnerState
) -> None:
    server.set_faults(Faults(script=["throttle"], retry_after=600))
    clock = SimulatedClock(DAY + FIVE)
    config = RunnerConfig(delay=timedelta(0), once=True)
    summary = Runner([detection("failed")], remote, state, [], clock=clock, config=config).run()
    assert summary.windows_completed == 1 and summary.retries == 1
    assert clock.now() - (DAY + FIVE) >= timedelta(seconds=600)


def test_no_more_than_five_queries_are_ever_in_flight(
    server: WorkspaceServer, remote: AzureWorkspace, state: RunnerState
) -> None:
    server.set_faults(Faults(latency=0.02))
    rules = [detection(f"rule{i}") for i in range(20)]
    config = RunnerConfig(delay=timedelta(0), once=True)
    summary = Runner(rules, remote, state, [], clock=SimulatedClock(DAY + FIVE), config=config).run()
    assert summary.windows_completed == 20
    assert 1 < server.stats.max_in_flight <= 5
