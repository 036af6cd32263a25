"""`kqlrules init` then `kqlrules new`: from nothing to a passing new detection without writing a file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kqlrules.cli.main import app


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    assert "Traceback" not in result.output + result.stderr
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "detections"
    assert invoke("init", str(root))[0] == 0
    return root


def test_init_ignores_the_local_state_folder(repo: Path) -> None:
    assert ".kqlrules/" in (repo / ".gitignore").read_text().splitlines()


def test_init_workflow_runs_the_tests_once_and_publishes_the_junit_report(repo: Path) -> None:
    workflow = (repo / ".github/workflows/detections.yml").read_text()
    assert workflow.count("kqlrules test") == 1
    assert "--format junit --output detections-junit.xml" in workflow
    assert "action-junit-report" in workflow and "upload-artifact" in workflow


def test_the_init_example_leaves_no_mutant_alive(repo: Path) -> None:
    code, out, err = invoke("--repo", str(repo), "test", "--mutants")
    assert code == 0, out + err
    assert "0 survived" in out


def test_new_writes_a_detection_whose_cases_pass_and_whose_lock_is_current(repo: Path) -> None:
    code, out, _ = invoke("--repo", str(repo), "new", "identity/breakglass_signin")
    assert code == 0, out
    folder = repo / "queries" / "identity"
    for suffix in (".kql", ".yaml", ".tests.yaml"):
        assert (folder / f"breakglass_signin{suffix}").is_file()
    meta = (folder / "breakglass_signin.yaml").read_text()
    assert "version: 1.0.0" in meta and "entities: {}" in meta and "frequency: 1h" in meta
    lock = json.loads((repo / "queries/.lock.json").read_text())["detections"]
    assert sorted(entry["path"] for entry in lock.values()) == [
        "identity/breakglass_signin.yaml",
        "identity/password_spray.yaml",
    ]
    assert invoke("--repo", str(repo), "validate")[0] == 0
    assert invoke("--repo", str(repo), "version", "check")[0] == 0
    code, out, err = invoke("--repo", str(repo), "test", "breakglass_signin", "--mutants", "--format", "json")
    report = json.loads(out)
    assert code == 0, err
    assert report["summary"]["passed"] == 3
    assert {m["status"] for m in report["mutants"]} <= {"killed", "equivalent"}


@pytest.mark.parametrize("table", ["AuditLogs", "AzureActivity"])
def test_new_on_other_tables_passes_its_cases(repo: Path, table: str) -> None:
    assert invoke("--repo", str(repo), "new", "audit/watched_thing", "--table", table)[0] == 0
    code, out, _ = invoke("--repo", str(repo), "test", "watched_thing", "--format", "json")
    assert code == 0 and json.loads(out)["summary"]["passed"] == 3


def test_two_new_detections_get_different_ids(repo: Path) -> None:
    invoke("--repo", str(repo), "new", "identity/first")
    invoke("--repo", str(repo), "new", "identity/second")
    ids = {
        line
        for name in ("first", "second")
        for line in (repo / f"queries/identity/{name}.yaml").read_text().splitlines()
        if line.startswith("id: ")
    }
    assert len(ids) == 2


def test_new_does_not_lock_another_detections_unbumped_change(repo: Path) -> None:
    with (repo / "queries/identity/password_spray.kql").open("a") as handle:
        handle.write("| where AccountCount > 20\n")
    assert invoke("--repo", str(repo), "new", "identity/other")[0] == 0
    code, _, err = invoke("--repo", str(repo), "version", "check")
    assert code == 1 and "password_spray.yaml" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["new", "MyRule"], "is not AREA/NAME"),
        (["new", "identity/My-Rule"], "is not AREA/NAME"),
        (["new", "identity/x", "--table", "Nope"], "no starter for table 'Nope'"),
        (["new", "audit/password_spray"], "exists already"),
        (["new", "identity/password_spray"], "not overwriting"),
    ],
)
def test_new_refuses_what_it_cannot_write(repo: Path, args: list[str], message: str) -> None:
    code, _, err = invoke("--repo", str(repo), *args)
    assert code == 1 and message in err
