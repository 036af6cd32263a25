"""The repository's own pack (scheduled rules and an incident-creation rule) deploys to the strict emulator
on both targets, and a second plan shows no change."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kqlrules.cli.main import app
from kqlrules.deploy.emulator import ArmEmulator

from .conftest import ACTION_GROUP, SUBSCRIPTION

# The whole pack applied on both targets and planned again: a whole-corpus sweep, the second step of
# `make test` (see the Makefile). Each body rule is tested on small detections in this folder's other files.
pytestmark = pytest.mark.sweep


def test_the_pack_is_accepted_by_the_emulator_and_converges(project_root: Path, tmp_path: Path) -> None:
    shutil.copytree(project_root / "queries", tmp_path / "queries")
    with ArmEmulator(action_groups=[ACTION_GROUP]) as arm:
        (tmp_path / "kqlrules.toml").write_text(
            f"""[environments.prod]
subscription = "{SUBSCRIPTION}"
resource_group = "sec-rg"
workspace = "sec-ws"
location = "westeurope"
action_groups = ["{ACTION_GROUP}"]
targets = ["sentinel", "monitor"]
arm_endpoint = "{arm.url}"
repository = "acme/detections"
"""
        )
        runner = CliRunner()
        applied = runner.invoke(app, ["--repo", str(tmp_path), "deploy", "apply", "--auto-approve"])
        assert applied.exit_code == 0, applied.stdout + applied.stderr
        assert " 0 failed" in applied.stderr
        kinds = {stored.body.get("kind") for stored in arm.state.resources.values()}
        assert {"Scheduled", "MicrosoftSecurityIncidentCreation", "LogAlert"} <= kinds
        again = runner.invoke(app, ["--repo", str(tmp_path), "deploy", "plan", "--format", "json"])
        assert again.exit_code == 0, again.stdout + again.stderr
        assert '"create": 0' in again.stdout and '"update": 0' in again.stdout
