"""`--engine workspace`: the same cases over the Log Analytics query API (the local server), with fixtures
injected as datatables, within the API's limits, and a partial result counted as a failure."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from kqlrules.cli.main import app
from kqlrules.testing.session import plan_tests, run_plan
from kqlrules.testing.workspace_backend import WorkspaceBackend
from tests.testing.conftest import Repo

workspace_room = pytest.importorskip("kqlrules.workspace")
if not hasattr(workspace_room, "WorkspaceServer"):
    pytest.skip("the local query-API server is not in this build", allow_module_level=True)

WORKSPACE_ID = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"
CASE = """\
- name: fires {n}
  now: 2024-05-01T12:00:00Z
  tables:
    SigninLogs:
      - {{TimeGenerated: -5m, UserPrincipalName: a{n}@x.com, IPAddress: 192.0.2.1, ResultType: "0",
         RiskLevelDuringSignIn: high}}
  expect:
    alerts: 1
    rows: [{{UserPrincipalName: a{n}@x.com, SignIns: 1}}]
- name: quiet {n}
  now: 2024-05-01T12:00:00Z
  tables:
    SigninLogs:
      - {{TimeGenerated: -2h, UserPrincipalName: a{n}@x.com, ResultType: "0", RiskLevelDuringSignIn: high}}
  expect: {{no_alerts: true}}
"""


@pytest.fixture
def server() -> Iterator[object]:
    empty = workspace_room.LocalWorkspace(tables={})
    with workspace_room.WorkspaceServer(empty, workspace_id=WORKSPACE_ID) as running:
        yield running


def remote(server: object) -> object:
    return workspace_room.AzureWorkspace(WORKSPACE_ID, server.credential(), server.url)  # type: ignore[attr-defined]


def test_cases_pass_on_the_workspace_as_they_do_locally(repo: Repo, server: object) -> None:
    repo.detection()
    repo.tests("".join(CASE.format(n=n) for n in range(6)))
    plan = plan_tests(repo.root)
    report = run_plan(plan, WorkspaceBackend(remote(server)))
    assert [r.message() for r in report.results if not r.ok] == []
    assert report.count("passed") == 12
    stats = server.stats  # type: ignore[attr-defined]
    assert stats.queries == 12 and stats.max_in_flight <= 5


def test_a_partial_result_is_a_failure_not_a_pass(repo: Repo, server: object) -> None:
    repo.detection()
    repo.tests(CASE.format(n=0))
    server.set_faults(workspace_room.Faults(script=["partial", "partial"]))  # type: ignore[attr-defined]
    report = run_plan(plan_tests(repo.root), WorkspaceBackend(remote(server)))
    assert {r.status for r in report.results} == {"error"}
    assert all("partial" in (r.error or "") for r in report.results)


def test_a_throttled_query_is_retried_after_the_services_delay(repo: Repo, server: object) -> None:
    repo.detection()
    repo.tests(CASE.format(n=0))
    server.set_faults(workspace_room.Faults(script=["throttle"], retry_after=0.01))  # type: ignore[attr-defined]
    report = run_plan(plan_tests(repo.root), WorkspaceBackend(remote(server)))
    assert report.count("passed") == 2
    assert server.stats.queries == 3  # type: ignore[attr-defined]


def test_the_cli_runs_cases_on_a_workspace(repo: Repo, server: object) -> None:
    repo.detection()
    repo.tests(CASE.format(n=0))
    url = server.url  # type: ignore[attr-defined]
    result = CliRunner().invoke(
        app, ["test", "--engine", "workspace", "--workspace", WORKSPACE_ID, "--endpoint", url]
    )
    assert result.exit_code == 0, result.output + result.stderr
    assert "2 passed" in result.stdout and "on workspace" in result.stdout


def test_record_writes_redacted_fixtures_from_a_workspace_folder(repo: Repo) -> None:
    repo.detection()
    folder = repo.root / "workspace"
    folder.mkdir()
    (folder / "SigninLogs.yaml").write_text((repo.root / "schemas" / "SigninLogs.yaml").read_text())
    an_hour_ago = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    (folder / "SigninLogs.jsonl").write_text(
        f'{{"TimeGenerated": "{an_hour_ago}", "UserPrincipalName": "adele@contoso.com",'
        ' "IPAddress": "203.0.113.7", "ResultType": "0"}\n'
    )
    result = CliRunner().invoke(
        app, ["record", "risky", "--workspace", f"local:{folder}", "--since", "1d", "--salt", "s"]
    )
    assert result.exit_code == 0, result.output + result.stderr
    written = (repo.root / "queries/identity/fixtures/risky.SigninLogs.jsonl").read_text()
    assert "adele" not in written and "203.0.113.7" not in written and '"ResultType": "0"' in written
    assert "SigninLogs: fixtures/risky.SigninLogs.jsonl" in result.stdout
