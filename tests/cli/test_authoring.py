"""`kqlrules list`, `render` and `validate` through the real CLI: exit codes, output, never a traceback."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kqlrules.cli.main import app

GOOD_YAML = """\
id: 4d1c5f7e-0f6a-4c1e-9b8e-2f1d3c4b5a69
name: Example detection
severity: High
schedule:
  frequency: 1h
  period: 1h
tactics: [InitialAccess]
params:
  users: [alice]
"""
GOOD_KQL = """\
SigninLogs
| where TimeGenerated > ago({{ lookback | kql_timespan }})
| where UserPrincipalName in ({{ users | kql_list }})
"""


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "queries/identity/example.yaml", GOOD_YAML)
    write(tmp_path, "queries/identity/example.kql", GOOD_KQL)
    return tmp_path


def write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    assert "Traceback" not in result.output + result.stderr
    return result.exit_code, result.stdout, result.stderr


def test_list_shows_each_detection(repo: Path) -> None:
    code, out, _ = invoke("list")
    assert code == 0
    assert "4d1c5f7e-0f6a-4c1e-9b8e-2f1d3c4b5a69" in out
    assert "InitialAccess" in out


def test_list_as_json(repo: Path) -> None:
    code, out, _ = invoke("--format", "json", "list")
    assert code == 0
    [item] = json.loads(out)
    assert item["detection"] == "identity/example"
    assert (item["severity"], item["frequency"], item["period"]) == ("High", "1h", "1h")
    assert item["tactics"] == ["InitialAccess"]


def test_render_prints_the_kql(repo: Path) -> None:
    code, out, _ = invoke("render", "example", "--param", 'users=bob,o"neil')
    assert code == 0
    assert out == (
        "SigninLogs\n| where TimeGenerated > ago(1h)\n"
        '| where UserPrincipalName in (dynamic(["bob", "o\\"neil"]))\n'
    )


def test_render_with_an_environment(repo: Path) -> None:
    write(repo, "kqlrules.toml", '[environments.prod.params]\nusers = ["admin"]\n')
    code, out, _ = invoke("render", "queries/identity/example.kql", "--env", "prod")
    assert code == 0
    assert 'dynamic(["admin"])' in out


def test_render_an_unknown_detection(repo: Path) -> None:
    code, _, err = invoke("render", "nothing")
    assert code == 1
    assert "error: no detection 'nothing'" in err


def test_render_a_template_error(repo: Path) -> None:
    write(repo, "queries/identity/example.kql", "SigninLogs\n| take {{ count }}\n")
    code, _, err = invoke("render", "example")
    assert code == 1
    assert "queries/identity/example.kql:2:11: template error: 'count' is undefined" in err


def test_validate_passes_a_good_repository(repo: Path) -> None:
    code, out, _ = invoke("validate")
    assert code == 0
    assert "1 detection valid" in out


def test_validate_lists_every_problem(repo: Path) -> None:
    write(repo, "queries/audit/typo.yaml", GOOD_YAML.replace("severity", "sevrity").replace("4d1c", "5d1c"))
    write(repo, "queries/audit/typo.kql", "AuditLogs")
    write(repo, "queries/audit/orphan.kql", "AuditLogs")
    code, out, _ = invoke("validate")
    assert code == 1
    assert out.splitlines() == [
        "queries/audit/orphan.kql: no metadata next to this query template (expected orphan.yaml)",
        "queries/audit/typo.yaml:1:1: missing required key 'severity'",
        "queries/audit/typo.yaml:3:1: unknown key 'sevrity' (did you mean 'severity'?)",
    ]


def test_validate_as_json(repo: Path) -> None:
    write(repo, "queries/identity/example.kql", "SigninLogs | take {{ nope }}")
    code, out, _ = invoke("--format", "json", "validate")
    assert code == 1
    report = json.loads(out)
    assert report["valid"] is False
    assert report["problems"] == [
        {
            "path": "queries/identity/example.kql",
            "line": 1,
            "col": 22,
            "message": "template error: 'nope' is undefined",
            "hint": None,
        }
    ]


def test_a_bad_param_option_is_a_message(repo: Path) -> None:
    code, _, err = invoke("render", "example", "--param", "oops")
    assert code == 1
    assert "--param 'oops': write it as name=value" in err


def test_outside_a_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = invoke("list")
    assert code == 1
    assert "no detection repository here" in err


def test_the_seed_pack_validates(project_root: Path) -> None:
    code, out, _ = invoke("--repo", str(project_root), "validate")
    assert code == 0, out


def test_a_param_no_detection_has_is_refused_with_the_name_meant(repo: Path) -> None:
    code, _, err = invoke("render", "example", "--param", "user=bob")
    assert code == 2
    assert "--param user: no detection here has a parameter 'user'" in err
    assert "did you mean 'users'?" in err


def test_validate_refuses_an_unknown_param_too(repo: Path) -> None:
    code, _, err = invoke("validate", "--param", "nosuch=1")
    assert code == 2 and "'nosuch'" in err


def test_lookback_is_a_param_every_detection_has(repo: Path) -> None:
    code, out, _ = invoke("render", "example", "--param", "lookback=2h")
    assert code == 0 and "ago(2h)" in out
