"""The ARM emulator accepts only the token its start drew (as the local query-API server does), checked in
constant time before the body is read; `kqlrules deploy` finds the token in the file only its user reads."""

from __future__ import annotations

import http.client
import json
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kqlrules.cli.main import app
from kqlrules.deploy.emulator import ArmEmulator, EmulatorCredential
from kqlrules.deploy.emulator.server import MAX_BODY_BYTES
from kqlrules.errors import KqlrulesError

from .conftest import SUBSCRIPTION
from .test_cli import write_rule

LIST = (
    f"/subscriptions/{SUBSCRIPTION}/resourceGroups/sec-rg/providers/Microsoft.Insights/scheduledQueryRules"
    "?api-version=2023-12-01"
)


def call(emulator: ArmEmulator, headers: dict[str, str], method: str = "GET") -> tuple[int, object]:
    connection = http.client.HTTPConnection("127.0.0.1", emulator.port, timeout=30)
    try:
        connection.request(method, LIST, headers=headers)
        response = connection.getresponse()
        raw = response.read()
        return response.status, json.loads(raw) if raw else None
    finally:
        connection.close()


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer", "Bearer kqlrules-emulator-token", "Bearer portal", "Basic dXNlcjpwYXNz", "Bearer x y"],
)
def test_a_request_without_the_emulators_token_is_401(
    emulator: ArmEmulator, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    status, body = call(emulator, headers)
    assert status == 401
    assert isinstance(body, dict) and body["error"]["code"] == "AuthenticationFailed"


def test_the_emulators_own_token_is_accepted(emulator: ArmEmulator) -> None:
    status, body = call(emulator, {"Authorization": f"Bearer {emulator.token}"})
    assert status == 200 and body == {"value": []}


def test_each_start_draws_another_token_and_its_file_is_the_users_alone() -> None:
    with ArmEmulator() as first, ArmEmulator() as second:
        assert first.token != second.token and len(first.token) >= 32
        assert first.token_file is not None
        assert stat.S_IMODE(first.token_file.stat().st_mode) == 0o600
        assert EmulatorCredential.for_endpoint(first.url).get_token().token == first.token
        token_file = first.token_file
    assert not token_file.exists()  # removed when the emulator stops


def test_a_stranger_cannot_send_a_body_and_a_huge_one_is_refused_unread(emulator: ArmEmulator) -> None:
    headers = {"Authorization": f"Bearer {emulator.token}", "Content-Length": str(MAX_BODY_BYTES + 1)}
    assert call(emulator, headers, "PUT")[0] == 413
    assert call(emulator, {"Content-Length": "100000000"}, "PUT")[0] == 401
    assert (
        call(emulator, {"Authorization": f"Bearer {emulator.token}", "Content-Length": "-5"}, "PUT")[0] == 400
    )


def test_deploy_without_the_token_file_says_where_it_looked(tmp_path: Path) -> None:
    (tmp_path / "kqlrules.toml").write_text(
        f"""repository = "acme/detections"
[environments.dev]
subscription = "{SUBSCRIPTION}"
resource_group = "sec-rg"
workspace = "sec-ws"
targets = ["sentinel"]
arm_endpoint = "http://127.0.0.1:9"
"""
    )
    write_rule(tmp_path, "spray")
    result = CliRunner().invoke(app, ["--repo", str(tmp_path), "deploy", "plan"])
    assert result.exit_code == 1
    assert "no token for the ARM emulator" in result.output and "Traceback" not in result.output
    with pytest.raises(KqlrulesError):
        EmulatorCredential.for_endpoint("http://127.0.0.1:9")
