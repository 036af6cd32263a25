"""`kqlrules schema pull` / `diff` against recorded Tables - List By Workspace responses, served over real
HTTP on 127.0.0.1 to the real azure-mgmt-loganalytics client."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from typer.testing import CliRunner

from kqlrules.cli.main import app
from kqlrules.kusto import SchemaSet
from kqlrules.kusto.workspace_schema import (
    StaticToken,
    WorkspaceRef,
    WorkspaceSchemaError,
    diff_schemas,
    fetch_tables,
)

RECORDED = Path(__file__).with_name("recorded")
WORKSPACE_ID = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/soc-rg"
    "/providers/Microsoft.OperationalInsights/workspaces/soc-ws"
)
TOKEN = "recorded-test-token"


class ArmServer:
    """Serves the recorded pages of the tables list; remembers each request's path and bearer token."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str]] = []
        self.status = 200
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.requests.append((self.path, self.headers.get("Authorization", "")))
                url = urlparse(self.path)
                page = "page2" if parse_qs(url.query).get("$skipToken") == ["page2"] else "page1"
                if owner.status != 200:
                    body = {
                        "error": {
                            "code": "AuthorizationFailed",
                            "message": "The client does not have access.",
                        }
                    }
                    self._send(owner.status, body)
                elif (
                    url.path != WORKSPACE_ID + "/tables"
                    or self.headers.get("Authorization") != f"Bearer {TOKEN}"
                ):
                    self._send(404, {"error": {"code": "NotFound", "message": url.path}})
                else:
                    text = (RECORDED / f"tables_list_by_workspace_{page}.json").read_text()
                    self._send(200, json.loads(text.replace("{base}", owner.url)))

            def _send(self, status: int, body: Any) -> None:
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def arm() -> Iterator[ArmServer]:
    server = ArmServer()
    thread = threading.Thread(target=server.server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


def fetch(arm: ArmServer, **kwargs: Any) -> SchemaSet:
    return fetch_tables(WorkspaceRef.parse(WORKSPACE_ID), StaticToken(TOKEN), base_url=arm.url, **kwargs)


def test_every_page_of_tables_is_read_with_standard_and_custom_columns(arm: ArmServer) -> None:
    schemas = fetch(arm)
    assert sorted(schemas.tables) == ["AuditLogs", "MyApp_CL", "SigninLogs"]
    signin = {c.name: c.type for c in schemas.tables["SigninLogs"].columns}
    assert signin["TenantId"] == "guid" and signin["TimeGenerated"] == "datetime"
    assert signin["IsInteractive"] == "bool" and signin["ConditionalAccessPolicies"] == "dynamic"
    assert len(arm.requests) == 2 and all(auth == f"Bearer {TOKEN}" for _, auth in arm.requests)


def test_a_custom_table_keeps_one_timegenerated(arm: ArmServer) -> None:
    names = [c.name for c in fetch(arm).tables["MyApp_CL"].columns]
    assert names.count("TimeGenerated") == 1 and names[0] == "TenantId"


def test_only_the_named_tables_are_kept(arm: ArmServer) -> None:
    assert sorted(fetch(arm, only=["AuditLogs"]).tables) == ["AuditLogs"]


def test_an_arm_error_is_a_clear_message(arm: ArmServer) -> None:
    arm.status = 403
    with pytest.raises(WorkspaceSchemaError, match=r"soc-ws failed \(403\).*does not have access"):
        fetch(arm)


def test_a_malformed_workspace_id_says_how_to_write_it() -> None:
    with pytest.raises(WorkspaceSchemaError, match="not a workspace resource id"):
        WorkspaceRef.parse("soc-ws")


def test_diff_reports_added_removed_and_retyped_columns() -> None:
    committed, workspace = SchemaSet(), SchemaSet()
    committed.add_table("T", [("a", "string"), ("b", "long"), ("gone", "string")])
    committed.add_table("Old", [("x", "string")])
    workspace.add_table("T", [("a", "string"), ("b", "real"), ("new", "dynamic")])
    drift = diff_schemas(committed, workspace)
    [table] = drift.tables
    assert [c.name for c in table.added] == ["new"] and [c.name for c in table.removed] == ["gone"]
    assert table.retyped == [("b", "long", "real")] and drift.missing_tables == ["Old"]


def cli(arm: ArmServer, repo: Path, *args: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("KQLRULES_ARM_TOKEN", TOKEN)
    base = ["--repo", str(repo), "schema", *args, "--workspace-resource-id", WORKSPACE_ID]
    return CliRunner().invoke(app, [*base, "--arm-endpoint", arm.url])


def legacy_cli(arm: ArmServer, repo: Path, *args: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The spelling before `--workspace` meant one thing everywhere: still read, with a note."""
    monkeypatch.setenv("KQLRULES_ARM_TOKEN", TOKEN)
    base = ["--repo", str(repo), "schema", *args, "--workspace", WORKSPACE_ID, "--arm-endpoint", arm.url]
    return CliRunner().invoke(app, base)


def test_pull_writes_the_tables_into_the_repository_schema_folder(
    arm: ArmServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = cli(arm, tmp_path, "pull", monkeypatch=monkeypatch)
    assert result.exit_code == 0, result.output
    document = json.loads((tmp_path / "schemas" / "MyApp_CL.json").read_text())
    assert document["table"] == "MyApp_CL" and document["columns"]["DurationMs"] == "long"
    assert sorted(SchemaSet.load(tmp_path / "schemas").tables) == ["AuditLogs", "MyApp_CL", "SigninLogs"]


def test_diff_is_quiet_right_after_a_pull(
    arm: ArmServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli(arm, tmp_path, "pull", "--table", "SigninLogs", monkeypatch=monkeypatch)
    result = cli(arm, tmp_path, "diff", monkeypatch=monkeypatch)
    assert result.exit_code == 0 and "no drift" in result.output


def test_diff_shows_drift_and_exits_1(
    arm: ArmServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "schemas"
    folder.mkdir()
    (folder / "MyApp_CL.json").write_text(
        json.dumps(
            {
                "table": "MyApp_CL",
                "columns": {"TimeGenerated": "datetime", "Account": "string", "Old": "string"},
            }
        )
    )
    result = cli(arm, tmp_path, "diff", monkeypatch=monkeypatch)
    assert result.exit_code == 1
    assert "- Old: string" in result.output and "+ DurationMs: long" in result.output


def test_diff_with_detailed_exitcode_exits_2_on_drift(
    arm: ArmServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "schemas"
    folder.mkdir()
    (folder / "MyApp_CL.json").write_text(json.dumps({"table": "MyApp_CL", "columns": {"Old": "string"}}))
    assert cli(arm, tmp_path, "diff", "--detailed-exitcode", monkeypatch=monkeypatch).exit_code == 2


def test_diff_with_detailed_exitcode_exits_0_without_drift(
    arm: ArmServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli(arm, tmp_path, "pull", "--table", "SigninLogs", monkeypatch=monkeypatch)
    assert cli(arm, tmp_path, "diff", "--detailed-exitcode", monkeypatch=monkeypatch).exit_code == 0


def test_the_old_workspace_spelling_still_pulls(
    arm: ArmServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = legacy_cli(arm, tmp_path, "pull", monkeypatch=monkeypatch)
    assert result.exit_code == 0, result.output
    assert "--workspace-resource-id" in result.stderr


def test_pull_without_a_resource_id_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KQLRULES_WORKSPACE_RESOURCE_ID", raising=False)
    result = CliRunner().invoke(app, ["--repo", str(tmp_path), "schema", "pull"])
    assert result.exit_code == 2
    assert "--workspace-resource-id" in result.stderr
