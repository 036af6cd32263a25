"""`kqlrules deploy plan` warns about each detection it would create that would be blind (the `sources check`
rules), in text and in --format json, and still succeeds."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from kqlrules.cli.main import app
from kqlrules.deploy.emulator import ArmEmulator

from .test_sources_cli import SUBSCRIPTION

PACK = ("identity/legacy_auth_signin", "intune/device_wiped_or_retired")


@pytest.fixture
def emulator() -> Iterator[ArmEmulator]:
    with ArmEmulator() as arm:
        yield arm


def _repo(project_root: Path, tmp_path: Path, url: str, *, workspace_id: bool = True) -> Path:
    for name in PACK:
        area, stem = name.split("/")
        (tmp_path / "queries" / area).mkdir(parents=True, exist_ok=True)
        for suffix in (".yaml", ".kql"):
            shutil.copy(project_root / "queries" / area / f"{stem}{suffix}", tmp_path / "queries" / area)
    shutil.copytree(project_root / "queries" / "_macros", tmp_path / "queries" / "_macros")
    (tmp_path / "workspace").mkdir()
    local = f'workspace_id = "local:{tmp_path / "workspace"}"\n' if workspace_id else ""
    (tmp_path / "kqlrules.toml").write_text(
        f"""[environments.prod]
subscription = "{SUBSCRIPTION}"
resource_group = "sec-rg"
workspace = "sec-ws"
location = "westeurope"
targets = ["sentinel"]
arm_endpoint = "{url}"
repository = "acme/detections"
{local}"""
    )
    return tmp_path


def _tables_read(repo: Path) -> set[str]:
    """Every table the copied detections declare they read (the pack decides, not this test)."""
    tables: set[str] = set()
    for meta in (repo / "queries").glob("*/*.yaml"):
        tables.update(yaml.safe_load(meta.read_text())["tables"])
    return tables


def _deploy_plan(repo: Path, *extra: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["--repo", str(repo), *extra, "deploy", "plan"])
    return result.exit_code, result.stdout, result.stderr


def test_deploy_plan_warns_about_each_blind_detection_without_failing(
    project_root: Path, tmp_path: Path, emulator: ArmEmulator
) -> None:
    repo = _repo(project_root, tmp_path, emulator.url)
    code, out, err = _deploy_plan(repo)
    assert code == 0, out + err
    assert "identity/legacy_auth_signin would be blind once deployed: SigninLogs: not exported" in err
    assert "intune/device_wiped_or_retired would be blind once deployed: IntuneAuditLogs: not exported" in err

    code, out, err = _deploy_plan(repo, "--format", "markdown")
    assert code == 0, err
    assert "**Blind once deployed**" in out
    assert (
        "- intune/device_wiped_or_retired would be blind once deployed: IntuneAuditLogs: not exported" in out
    )

    code, out, err = _deploy_plan(repo, "--format", "json")
    assert code == 0, err
    report = json.loads(out)
    assert report["summary"]["create"] == 2
    assert sorted(b["detection"] for b in report["blind"]) == sorted(PACK)

    # Collection set up and data arriving: the same plan has nothing to warn about.
    sources = CliRunner().invoke(app, ["--repo", str(repo), "sources", "apply", "--auto-approve"])
    assert sources.exit_code == 0, sources.stdout + sources.stderr
    fresh = (datetime.now(UTC) - timedelta(minutes=10)).isoformat()
    for table in _tables_read(repo):
        (repo / "workspace" / f"{table}.jsonl").write_text(json.dumps({"TimeGenerated": fresh}) + "\n")
    code, out, err = _deploy_plan(repo, "--format", "json")
    assert code == 0 and json.loads(out)["blind"] == [] and "blind" not in err, err


def test_without_a_workspace_to_count_rows_in_the_plan_is_as_before(
    project_root: Path, tmp_path: Path, emulator: ArmEmulator
) -> None:
    repo = _repo(project_root, tmp_path, emulator.url, workspace_id=False)
    code, out, err = _deploy_plan(repo, "--format", "json")
    assert code == 0, err
    assert "blind" not in json.loads(out) and "blind" not in err
