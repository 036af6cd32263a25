"""A sink only ever appends to what it is given, refuses what is not its own format (the runner's state
database above all), and a sink that cannot take an alert now (a locked SQLite file) is a failed delivery
that is retried and reported, never a crash."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kqlrules.cli.main import app
from kqlrules.errors import KqlrulesError
from kqlrules.runner import DeliveryFailed, Runner, RunnerConfig, RunnerState, SimulatedClock, open_sink
from kqlrules.runner.delivery import DeliveryPolicy
from kqlrules.runner.sinks import SqliteSink
from kqlrules.workspace import LocalWorkspace
from tests.runner.conftest import DAY, detection
from tests.runner.test_crash_recovery import write_repo

ALERT = {"idempotency_key": "k1", "detection": {"id": "d"}, "window": {"end": "2024-05-01T10:00:00Z"}}
cli = CliRunner()


def refused(spec: str) -> str:
    with pytest.raises(KqlrulesError) as raised:
        open_sink(spec)
    return str(raised.value)


def test_the_file_sink_never_cuts_a_notes_file_without_a_trailing_newline(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_bytes(b"a\nb")
    assert "not an alert file" in refused(f"file:{notes}")
    assert notes.read_bytes() == b"a\nb"


def test_the_file_sink_refuses_a_sqlite_database_and_leaves_it_intact(tmp_path: Path) -> None:
    database = tmp_path / "state.db"
    RunnerState(database).close()
    before = database.read_bytes()
    assert "SQLite database" in refused(f"file:{database}")
    assert database.read_bytes() == before
    with sqlite3.connect(database) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_the_file_sink_refuses_a_binary_file(tmp_path: Path) -> None:
    binary = tmp_path / "blob.bin"
    binary.write_bytes(bytes(range(256)) * 4)
    assert "not an alert file" in refused(f"file:{binary}")
    assert binary.read_bytes() == bytes(range(256)) * 4


def test_the_file_sink_refuses_json_lines_it_did_not_write(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    events.write_text('{"event": "login"}\n{"event": "logout"')
    assert "not an alert file" in refused(f"file:{events}")
    assert events.read_text() == '{"event": "login"}\n{"event": "logout"'


def test_a_foreign_line_appended_after_opening_is_not_cut_and_the_delivery_fails(tmp_path: Path) -> None:
    path = tmp_path / "alerts.jsonl"
    sink = open_sink(f"file:{path}")
    sink.deliver("k1", ALERT)
    with path.open("a") as handle:
        handle.write("someone's note")
    with pytest.raises(DeliveryFailed, match="not an alert line"):
        sink.deliver("k2", {**ALERT, "idempotency_key": "k2"})
    sink.close()
    assert path.read_text().endswith("someone's note")


def test_the_sqlite_sink_refuses_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_bytes(b"a\nb")
    assert "not a SQLite database" in refused(f"sqlite:{notes}")
    assert notes.read_bytes() == b"a\nb"


def test_the_sqlite_sink_refuses_a_database_of_other_tables(tmp_path: Path) -> None:
    database = tmp_path / "state.db"
    RunnerState(database).close()
    assert "not an alert database" in refused(f"sqlite:{database}")


@pytest.mark.parametrize("kind", ["file", "sqlite"])
def test_run_refuses_a_sink_on_its_own_state_file_cleanly(tmp_path: Path, kind: str) -> None:
    state = tmp_path / "state.db"
    RunnerState(state).close()
    before = state.read_bytes()
    result = cli.invoke(
        app,
        ["--repo", str(write_repo(tmp_path / "repo")), "run", "--once", "--workspace", f"local:{tmp_path}",
         "--state", str(state), "--sink", f"{kind}:{state}", "--now", DAY.isoformat()],
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "the runner's state" in result.output
    assert state.read_bytes() == before


def test_a_locked_sqlite_sink_is_a_failed_delivery_retried_and_reported(
    workspace: LocalWorkspace, state: RunnerState, tmp_path: Path
) -> None:
    path = tmp_path / "alerts.db"
    SqliteSink("sqlite", path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another process holds the write lock for the whole run
    policy = DeliveryPolicy(attempts_per_run=2, backoff_base=timedelta(0), breaker_failures=1000)
    config = RunnerConfig(delay=timedelta(0), once=True, since=DAY, delivery=policy)
    clock = SimulatedClock(DAY + timedelta(hours=1))
    try:
        sink = SqliteSink("sqlite", path, busy_timeout=0.05)
        summary = Runner([detection("failed")], workspace, state, [sink], clock=clock, config=config).run()
        sink.close()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert summary.alerts > 0 and summary.deliveries == 0
    assert summary.delivery_failures >= summary.alerts and summary.undelivered == summary.alerts
    [backlog] = state.backlog(["sqlite"])
    assert backlog.undelivered == summary.alerts and "locked" in (backlog.last_error or "")
    # The lock gone, the next run delivers every alert from the outbox.
    sink = SqliteSink("sqlite", path)
    again = Runner([detection("failed")], workspace, state, [sink], clock=clock, config=config).run()
    sink.close()
    assert again.deliveries == summary.alerts and again.undelivered == 0
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT COUNT(*) FROM alerts").fetchone()[0] == summary.alerts


def test_a_file_sink_written_by_kqlrules_still_opens_and_appends(tmp_path: Path) -> None:
    path = tmp_path / "alerts.jsonl"
    sink = open_sink(f"file:{path}")
    sink.deliver("k1", ALERT)
    sink.close()
    sink = open_sink(f"file:{path}")
    sink.deliver("k2", {**ALERT, "idempotency_key": "k2"})
    sink.close()
    assert [json.loads(line)["idempotency_key"] for line in path.read_text().splitlines()] == ["k1", "k2"]
