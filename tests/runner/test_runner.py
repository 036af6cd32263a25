"""The runner on a simulated clock: a day of schedule in well under a second of real time."""

from __future__ import annotations

import itertools
import json
import threading
from datetime import datetime, timedelta
from pathlib import Path

from kqlrules.errors import Location
from kqlrules.runner import (
    Limits,
    Runner,
    RunnerConfig,
    RunnerState,
    ScheduledDetection,
    SimulatedClock,
    open_sink,
)
from kqlrules.workspace import LocalWorkspace
from tests.runner.conftest import DAY, FAILED_SIGNINS, delivered, detection, expected_alerts, signins

FIVE = timedelta(minutes=5)
NO_DELAY = timedelta(0)


def alerts_in(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_a_simulated_day_runs_every_window_and_alerts_exactly_the_expected_set(
    workspace: LocalWorkspace, state: RunnerState, tmp_path: Path
) -> None:
    sink = open_sink(f"file:{tmp_path / 'alerts.jsonl'}")
    clock = SimulatedClock(DAY)
    config = RunnerConfig(delay=NO_DELAY, since=DAY, until=DAY + timedelta(days=1))
    summary = Runner([detection("failed")], workspace, state, [sink], clock=clock, config=config).run()
    sink.close()
    assert summary.windows_completed == 288
    got = delivered(alerts_in(tmp_path / "alerts.jsonl"))
    assert sorted(got) == sorted(expected_alerts(signins(), FIVE, DAY, DAY + timedelta(days=1)))
    assert state.last_window_ends()[detection("failed").meta.id] == DAY + timedelta(days=1)


def test_the_delay_holds_a_window_back_until_its_events_had_time_to_arrive(
    workspace: LocalWorkspace, state: RunnerState
) -> None:
    clock = SimulatedClock(DAY + timedelta(hours=1, minutes=4))
    config = RunnerConfig(delay=FIVE, once=True)
    Runner([detection("failed")], workspace, state, [], clock=clock, config=config).run()
    assert state.last_window_ends()[detection("failed").meta.id] == DAY + timedelta(minutes=55)


def test_a_second_run_continues_where_the_first_stopped(
    workspace: LocalWorkspace, state: RunnerState, tmp_path: Path
) -> None:
    path = tmp_path / "alerts.jsonl"
    for hours in (3, 6):
        sink = open_sink(f"file:{path}")
        config = RunnerConfig(delay=NO_DELAY, once=True, since=DAY)
        clock = SimulatedClock(DAY + timedelta(hours=hours))
        Runner([detection("failed")], workspace, state, [sink], clock=clock, config=config).run()
        sink.close()
    got = delivered(alerts_in(path))
    assert len(got) == len(set(got))
    assert set(got) == expected_alerts(signins(), FIVE, DAY, DAY + timedelta(hours=6))


def test_after_downtime_beyond_the_bound_the_oldest_windows_are_skipped_and_counted(
    workspace: LocalWorkspace, state: RunnerState
) -> None:
    config = RunnerConfig(delay=NO_DELAY, once=True, since=DAY, max_catch_up=10)
    clock = SimulatedClock(DAY + timedelta(hours=3))
    summary = Runner([detection("failed")], workspace, state, [], clock=clock, config=config).run()
    assert (summary.windows_completed, summary.skipped_windows) == (10, 26)
    assert state.statuses()[0].skipped_windows == 26


def test_suppression_holds_back_repeat_alerts_for_the_same_entity(
    workspace: LocalWorkspace, state: RunnerState, tmp_path: Path
) -> None:
    sink = open_sink(f"file:{tmp_path / 'alerts.jsonl'}")
    rule = detection("suppressed", suppress_for="1h")
    config = RunnerConfig(delay=NO_DELAY, once=True, since=DAY)
    clock = SimulatedClock(DAY + timedelta(hours=6))
    summary = Runner([rule], workspace, state, [sink], clock=clock, config=config).run()
    sink.close()
    got = delivered(alerts_in(tmp_path / "alerts.jsonl"))
    assert summary.suppressed > 0
    assert got[0][1] == "user0@contoso.com"  # only user0 fails, every 21 minutes: one alert an hour or so
    ends = [datetime.fromisoformat(end) for end, _ in got]
    assert all(later - earlier >= timedelta(hours=1) for earlier, later in itertools.pairwise(ends))
    assert len(got) < len(expected_alerts(signins(), FIVE, DAY, DAY + timedelta(hours=6)))


def test_disabled_detections_do_not_run(workspace: LocalWorkspace, state: RunnerState) -> None:
    config = RunnerConfig(delay=NO_DELAY, once=True)
    runner = Runner(
        [detection("off", enabled=False)],
        workspace,
        state,
        [],
        config=config,
        clock=SimulatedClock(DAY + timedelta(hours=1)),
    )
    assert runner.run().executions == 0


def test_a_query_that_always_fails_is_recorded_and_does_not_advance(
    workspace: LocalWorkspace, state: RunnerState
) -> None:
    broken = detection("broken", query="NoSuchTable")
    config = RunnerConfig(delay=NO_DELAY, once=True)
    summary = Runner([broken], workspace, state, [], clock=SimulatedClock(DAY + FIVE), config=config).run()
    assert summary.windows_failed == 1
    status = state.statuses()[0]
    assert status.failures == 1 and "NoSuchTable" in (status.last_error or "")
    assert status.last_window_end is None


def test_the_rate_limit_spreads_queries_over_time_on_the_runner_clock(
    workspace: LocalWorkspace, state: RunnerState
) -> None:
    rules = [detection(f"rule{i}", query=FAILED_SIGNINS) for i in range(25)]
    limits = Limits(max_per_window=10, rate_window=timedelta(seconds=30))
    clock = SimulatedClock(DAY + FIVE)
    config = RunnerConfig(delay=NO_DELAY, once=True, limits=limits)
    summary = Runner(rules, workspace, state, [], clock=clock, config=config).run()
    assert summary.windows_completed == 25
    assert clock.now() - (DAY + FIVE) >= timedelta(seconds=60)  # 10, then 10 after 30 s, then 5 after 60 s


def test_stop_lets_in_flight_queries_finish_and_be_recorded(tmp_path: Path) -> None:
    release = threading.Event()
    started = threading.Event()

    class SlowWorkspace:
        def __init__(self, inner: LocalWorkspace) -> None:
            self.inner = inner

        def query(self, kql: str, timespan: object) -> object:
            started.set()
            release.wait(5)
            return self.inner.query(kql, timespan)  # type: ignore[arg-type]

    inner = LocalWorkspace(tables={"SigninLogs": signins()})
    state = RunnerState(tmp_path / "state.db")
    config = RunnerConfig(delay=NO_DELAY, since=DAY)
    runner = Runner(
        [detection("failed")],
        SlowWorkspace(inner),
        state,
        [],  # type: ignore[arg-type]
        clock=SimulatedClock(DAY + timedelta(hours=1)),
        config=config,
    )
    thread = threading.Thread(target=runner.run)
    thread.start()
    assert started.wait(5)
    runner.stop()
    release.set()
    thread.join(5)
    assert not thread.is_alive()
    assert runner.summary.stopped and runner.summary.windows_completed == 1
    assert state.last_window_ends()[detection("failed").meta.id] == DAY + FIVE
    state.close()


def test_a_query_error_is_reported_at_its_place_in_the_template(
    workspace: LocalWorkspace, state: RunnerState
) -> None:
    broken = detection("broken", query="NoSuchTable")
    in_template = ScheduledDetection(
        broken.meta, broken.render, lambda line, col: Location("q/x.kql", line + 2, col)
    )
    config = RunnerConfig(delay=NO_DELAY, once=True)
    Runner([in_template], workspace, state, [], clock=SimulatedClock(DAY + FIVE), config=config).run()
    assert (state.statuses()[0].last_error or "").startswith(
        "q/x.kql:3:1: The name 'NoSuchTable' does not refer to any known"
    )
