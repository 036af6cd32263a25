"""The runner's exactly-once promise beyond one tidy process: sink changes, frequency changes, failing and
hung sinks, catch-up caps, and a lease left behind by a runner that died."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from kqlrules.cli.main import app
from kqlrules.runner import Runner, RunnerConfig, RunnerState, SimulatedClock, open_sink
from kqlrules.runner.delivery import DeliveryPolicy
from kqlrules.workspace import LocalWorkspace, WorkspaceServer
from tests.runner.conftest import DAY, detection, expected_alerts, signins
from tests.runner.test_crash_recovery import write_repo
from tests.runner.test_sinks import Receiver

cli = CliRunner()
FIVE = timedelta(minutes=5)


@pytest.fixture
def server() -> Iterator[WorkspaceServer]:
    workspace = LocalWorkspace(tables={"SigninLogs": signins(hours=8)})
    with WorkspaceServer(workspace) as running:
        yield running


def run_once(repo: Path, server: WorkspaceServer, state: Path, hours: float, *extra: str) -> Result:
    return cli.invoke(
        app,
        ["--repo", str(repo), "run", "--once", "--workspace", "local", "--endpoint", server.url,
         "--state", str(state), "--since", DAY.isoformat(),
         "--now", (DAY + timedelta(hours=hours)).isoformat(), "--delay", "0m", *extra],
        env={"SOC_SECRET": "s3cret", "KQLRULES_WEBHOOK_SECRET": "s3cret"},
    )  # fmt: skip


def name_sink(repo: Path, url: str) -> None:
    (repo / "kqlrules.toml").write_text(f'[sinks.soc]\ntarget = "webhook:{url}"\nsecret_env = "SOC_SECRET"\n')


@pytest.fixture
def receivers() -> Iterator[list[Receiver]]:
    made: list[Receiver] = []
    yield made
    for receiver in made:
        receiver.server.shutdown()
        receiver.server.server_close()


def receiver(made: list[Receiver], **options: Any) -> Receiver:
    running = Receiver("s3cret", **options)
    made.append(running)
    return running


def test_a_named_sink_whose_url_changes_does_not_get_history_again(
    server: WorkspaceServer, receivers: list[Receiver], tmp_path: Path
) -> None:
    repo, state = write_repo(tmp_path / "repo"), tmp_path / "state.db"
    old, new = receiver(receivers), receiver(receivers)
    name_sink(repo, old.url)
    assert run_once(repo, server, state, 2, "--sink", "soc").exit_code == 0
    name_sink(repo, new.url)  # the token rotation: same sink, another URL
    assert run_once(repo, server, state, 3, "--sink", "soc").exit_code == 0
    assert old.keys and new.keys
    assert not set(old.keys) & set(new.keys)
    windows = {alert["window"]["end"] for alert in new.stored.values()}
    assert min(windows) > "2024-05-01T02:00:00Z"


def test_a_sink_the_state_has_never_seen_starts_at_now_unless_replay_from_says_otherwise(
    server: WorkspaceServer, tmp_path: Path
) -> None:
    repo, state = write_repo(tmp_path / "repo"), tmp_path / "state.db"
    assert run_once(repo, server, state, 2, "--sink", f"file:{tmp_path / 'first.jsonl'}").exit_code == 0
    later = tmp_path / "later.jsonl"
    assert run_once(repo, server, state, 3, "--sink", f"file:{later}").exit_code == 0
    ends = {json.loads(line)["window"]["end"] for line in later.read_text().splitlines()}
    assert ends and min(ends) > "2024-05-01T02:00:00Z"
    replayed = tmp_path / "replayed.jsonl"
    result = run_once(
        repo, server, state, 3, "--sink", f"file:{replayed}", "--replay-from", "2024-05-01T01:00:00Z"
    )
    assert result.exit_code == 0, result.output
    ends = {json.loads(line)["window"]["end"] for line in replayed.read_text().splitlines()}
    assert min(ends) == "2024-05-01T01:05:00Z"


def test_a_frequency_change_does_not_alert_an_event_again(
    workspace: LocalWorkspace, state: RunnerState, tmp_path: Path
) -> None:
    path = tmp_path / "alerts.jsonl"
    five = detection("failed")
    hourly = detection("failed", schedule={"frequency": "1h", "period": "1h"})
    for rule, hours in ((five, 1.5), (hourly, 3)):
        sink = open_sink(f"file:{path}")
        config = RunnerConfig(delay=timedelta(0), once=True, since=DAY)
        Runner(
            [rule],
            workspace,
            state,
            [sink],
            clock=SimulatedClock(DAY + timedelta(hours=hours)),
            config=config,
        ).run()
        sink.close()
    alerts = [json.loads(line) for line in path.read_text().splitlines()]
    events = [alert["first_event"] for alert in alerts]
    assert len(events) == len(set(events)), "an event was alerted twice"
    failed = {when for when, _, code in signins().rows if code == "50126" and when < DAY + timedelta(hours=3)}
    assert sum(alert["row_count"] for alert in alerts) == len(failed)


def test_a_webhook_answering_500_fails_the_run_and_status_shows_the_undelivered_alerts(
    server: WorkspaceServer, receivers: list[Receiver], tmp_path: Path
) -> None:
    repo, state = write_repo(tmp_path / "repo"), tmp_path / "state.db"
    broken = receiver(receivers, fail_first=10_000, status=500)
    result = run_once(repo, server, state, 1, "--sink", f"webhook:{broken.url}")
    assert result.exit_code == 1
    assert "alert(s) undelivered" in result.output
    status = cli.invoke(app, ["--format", "json", "run", "status", "--state", str(state)])
    sinks = json.loads(status.stdout)["sinks"]
    assert sinks[0]["undelivered"] > 0 and "status 500" in sinks[0]["last_error"]
    assert broken.requests <= DeliveryPolicy().breaker_failures  # the breaker stopped the tries


def test_a_hung_webhook_does_not_hold_up_the_windows(workspace: LocalWorkspace, tmp_path: Path) -> None:
    release = threading.Event()
    answered: list[str] = []

    class Hung(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            release.wait(30)
            answered.append(self.headers["Idempotency-Key"])
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    hung = ThreadingHTTPServer(("127.0.0.1", 0), Hung)
    threading.Thread(target=hung.serve_forever, args=(0.05,), daemon=True).start()
    state = RunnerState(tmp_path / "state.db")
    try:
        sink = open_sink(f"webhook:http://127.0.0.1:{hung.server_address[1]}/")
        config = RunnerConfig(delay=timedelta(0), once=True, since=DAY)
        clock = SimulatedClock(DAY + timedelta(hours=6))
        runner = Runner([detection("failed")], workspace, state, [sink], clock=clock, config=config)
        thread = threading.Thread(target=runner.run)
        thread.start()
        deadline = time.monotonic() + 60
        while runner.summary.windows_completed < 72 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert runner.summary.windows_completed == 72 and not answered  # every window, with the sink stuck
        release.set()
        thread.join(60)
        assert runner.summary.undelivered == 0 and len(set(answered)) == runner.summary.alerts
    finally:
        release.set()
        hung.shutdown()
        hung.server_close()
        state.close()


def test_catch_up_runs_every_missed_window_by_default(server: WorkspaceServer, tmp_path: Path) -> None:
    repo, state = write_repo(tmp_path / "repo"), tmp_path / "state.db"
    result = run_once(repo, server, state, 8, "--sink", f"file:{tmp_path / 'a.jsonl'}")
    assert result.exit_code == 0, result.output
    status = json.loads(cli.invoke(app, ["--format", "json", "run", "status", "--state", str(state)]).stdout)
    assert {d["last_window_end"] for d in status["detections"]} == {"2024-05-01T08:00:00+00:00"}
    assert status["skipped"] == []


def test_an_explicit_catch_up_cap_records_the_skipped_range_and_fails_the_run(
    server: WorkspaceServer, tmp_path: Path
) -> None:
    repo, state = write_repo(tmp_path / "repo"), tmp_path / "state.db"
    result = run_once(
        repo, server, state, 8, "--sink", f"file:{tmp_path / 'a.jsonl'}", "--max-catch-up", "12"
    )
    assert result.exit_code == 1
    assert "window(s) skipped" in result.output
    status = json.loads(cli.invoke(app, ["--format", "json", "run", "status", "--state", str(state)]).stdout)
    ranges = {
        (r["name"], r["first_window_end"], r["last_window_end"], r["windows"]) for r in status["skipped"]
    }
    assert ranges == {
        (name, "2024-05-01T00:05:00+00:00", "2024-05-01T07:00:00+00:00", 84)
        for name in ("failed_signins", "all_signins")
    }
    shown = cli.invoke(app, ["run", "status", "--state", str(state)])
    assert "84 window(s) ending 2024-05-01 00:05Z .. 2024-05-01 07:00Z" in shown.stdout


def test_a_lease_left_by_a_dead_runner_on_another_host_is_taken_over_at_its_expiry(
    workspace: LocalWorkspace, tmp_path: Path
) -> None:
    rule = detection("failed")
    dead = RunnerState(tmp_path / "state.db", owner="elsewhere:4242:dead")
    assert dead.claim_window(rule.meta.id, "failed", DAY + FIVE, timedelta(seconds=1)).outcome == "claimed"
    dead.close()
    state = RunnerState(tmp_path / "state.db")
    sink = open_sink(f"file:{tmp_path / 'alerts.jsonl'}")
    config = RunnerConfig(delay=timedelta(0), once=True, since=DAY)
    summary = Runner(
        [rule], workspace, state, [sink], clock=SimulatedClock(DAY + timedelta(hours=1)), config=config
    ).run()
    sink.close()
    state.close()
    assert summary.lease_waits > 0 and summary.windows_completed == 12
    got = [json.loads(line) for line in (tmp_path / "alerts.jsonl").read_text().splitlines()]
    want = expected_alerts(signins(), FIVE, DAY, DAY + timedelta(hours=1))
    assert {(a["window"]["end"], a["entities"][0]["FullName"]) for a in got} == want
