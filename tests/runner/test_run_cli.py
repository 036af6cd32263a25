"""`kqlrules run`, `run status` and their mistakes, in-process against the local query-API server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from kqlrules.cli.main import app
from kqlrules.rules import load_repository
from kqlrules.runner import Window, WindowTemplate
from kqlrules.workspace import LocalWorkspace, WorkspaceServer
from tests.runner.conftest import DAY, signins
from tests.runner.test_crash_recovery import write_repo

cli = CliRunner()


@pytest.fixture
def server() -> Iterator[WorkspaceServer]:
    workspace = LocalWorkspace(tables={"SigninLogs": signins(hours=2)})
    with WorkspaceServer(workspace) as running:
        yield running


def run_once(repo: Path, server: WorkspaceServer, state: Path, *extra: str) -> Result:
    return cli.invoke(
        app,
        ["--repo", str(repo), "run", "--once", "--workspace", "local", "--endpoint", server.url,
         "--state", str(state), "--since", DAY.isoformat(), "--now", (DAY + timedelta(hours=2)).isoformat(),
         "--delay", "0m", *extra],
    )  # fmt: skip


def test_run_once_prints_alerts_as_json_lines_on_stdout(server: WorkspaceServer, tmp_path: Path) -> None:
    result = run_once(write_repo(tmp_path / "repo"), server, tmp_path / "state.db")
    assert result.exit_code == 0, result.output
    alerts = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert alerts and {a["detection"]["name"] for a in alerts} == {"failed_signins", "all_signins"}


def test_run_status_shows_each_detections_last_window(server: WorkspaceServer, tmp_path: Path) -> None:
    run_once(write_repo(tmp_path / "repo"), server, tmp_path / "state.db", "--sink", f"file:{tmp_path / 'a'}")
    result = cli.invoke(app, ["--format", "json", "run", "status", "--state", str(tmp_path / "state.db")])
    assert result.exit_code == 0, result.output
    rows = {row["name"]: row for row in json.loads(result.stdout)["detections"]}
    assert rows["failed_signins"]["last_window_end"] == "2024-05-01T02:00:00+00:00"
    assert rows["all_signins"]["failures"] == 0


def test_run_status_without_state_says_how_to_get_one(tmp_path: Path) -> None:
    result = cli.invoke(app, ["run", "status", "--state", str(tmp_path / "none.db")])
    assert result.exit_code == 1
    assert "no runner state" in result.output


def test_run_without_a_workspace_is_a_clear_error(tmp_path: Path) -> None:
    result = cli.invoke(app, ["--repo", str(write_repo(tmp_path / "repo")), "run", "--once"])
    assert result.exit_code == 2  # a usage error
    assert "no workspace to look at" in result.output


def test_run_takes_the_workspace_of_its_environment(tmp_path: Path) -> None:
    # kqlrules.toml says `workspace_id` is where `run` queries: --env must be enough to name it.
    repo = write_repo(tmp_path / "repo")
    config = repo / "kqlrules.toml"
    missing = tmp_path / "no-such-folder"
    config.write_text(
        (config.read_text(encoding="utf-8") if config.exists() else "")
        + f'\n[environments.lab]\nworkspace_id = "local:{missing}"\n',
        encoding="utf-8",
    )
    result = cli.invoke(app, ["--repo", str(repo), "run", "--once", "--env", "lab"])
    assert result.exit_code == 1
    assert f"workspace folder {missing} does not exist" in result.output


def test_an_unknown_sink_is_a_clear_error(server: WorkspaceServer, tmp_path: Path) -> None:
    result = run_once(write_repo(tmp_path / "repo"), server, tmp_path / "state.db", "--sink", "pigeon:coop")
    assert result.exit_code == 1
    assert "unknown sink 'pigeon:coop'" in result.output


def test_a_failing_window_in_once_mode_exits_non_zero(server: WorkspaceServer, tmp_path: Path) -> None:
    repo = write_repo(tmp_path / "repo")
    (repo / "queries" / "identity" / "all_signins.kql").write_text("NoSuchTable\n")
    result = run_once(repo, server, tmp_path / "state.db", "--sink", f"file:{tmp_path / 'a'}")
    assert result.exit_code == 1
    assert "window(s) failed" in result.output


def test_templates_get_the_window_as_window_start_and_window_end(tmp_path: Path) -> None:
    repo = write_repo(tmp_path / "repo")
    (repo / "queries" / "identity" / "all_signins.kql").write_text(
        "SigninLogs\n| where TimeGenerated >= {{ window_start | kql_datetime }}"
        " and TimeGenerated < {{ window_end | kql_datetime }}\n"
    )
    loaded = next(d for d in load_repository(repo).detections if d.name == "all_signins")
    text = WindowTemplate(loaded).render(Window(DAY, DAY + timedelta(minutes=5)))
    assert "datetime(2024-05-01T00:00:00Z)" in text and "datetime(2024-05-01T00:05:00Z)" in text


class CountingWorkspace(LocalWorkspace):
    """Counts the detection queries the server is sent (not the runner's table-activity queries)."""

    sent = 0

    def query(self, kql: str, timespan: Any) -> Any:
        if not ("SourceTable" in kql or kql.endswith("| take 0")):
            self.sent += 1
        return super().query(kql, timespan)


def test_quiet_windows_send_fewer_queries_and_make_the_same_alerts(tmp_path: Path) -> None:
    # A sign-in every 40 minutes: most 5-minute windows have none.
    sparse = {"SigninLogs": signins(hours=2, every=timedelta(minutes=40))}
    outputs, sent = [], []
    for flags in ((), ("--quiet-windows",)):
        workspace = CountingWorkspace(tables=sparse, answer_quiet_windows=False)
        with WorkspaceServer(workspace) as running:
            folder = tmp_path / ("quiet" if flags else "every")
            result = run_once(write_repo(folder / "repo"), running, folder / "state.db", *flags)
        assert result.exit_code == 0, result.output
        outputs.append(sorted(line for line in result.stdout.splitlines() if line.startswith("{")))
        sent.append(workspace.sent)
    assert outputs[0] == outputs[1] and outputs[0]
    assert sent[1] < sent[0] / 2
