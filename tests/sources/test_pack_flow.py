"""The issue's "done when", over the repository's whole pack: on the emulator, a fresh environment goes from
every detection blind (nothing exported) to none blind with `sources plan`, `sources apply`, `sources
check`, Intune and SecurityAlert readers included."""

from __future__ import annotations

import json
import shutil
from datetime import timedelta
from pathlib import Path

from kqlrules.deploy.emulator import ArmEmulator

from .test_sources_cli import KEY_VAULT, NOW, SUBSCRIPTION, kqlrules


def _write_fresh_rows(folder: Path, tables: set[str]) -> None:
    """One row ten minutes before NOW in each table: inside every detection's lookback (1h and longer)."""
    folder.mkdir(exist_ok=True)
    for table in tables:
        row = {"TimeGenerated": (NOW - timedelta(minutes=10)).isoformat(), "OperationName": "x"}
        (folder / f"{table}.jsonl").write_text(json.dumps(row) + "\n")


def test_the_whole_pack_goes_from_every_detection_blind_to_none(project_root: Path, tmp_path: Path) -> None:
    shutil.copytree(project_root / "queries", tmp_path / "queries")
    (tmp_path / "workspace").mkdir()
    with ArmEmulator() as arm:
        (tmp_path / "kqlrules.toml").write_text(
            f"""[environments.prod]
subscription = "{SUBSCRIPTION}"
resource_group = "sec-rg"
workspace = "sec-ws"
location = "westeurope"
targets = ["sentinel"]
arm_endpoint = "{arm.url}"
repository = "acme/detections"
workspace_id = "local:{tmp_path / "workspace"}"

[environments.prod.sources]
resources = ["{KEY_VAULT}"]
"""
        )
        code, report = kqlrules(tmp_path, "check", "--now", NOW.isoformat())
        assert code == 1
        detections = report["detections"]
        assert len(detections) >= 30 and report["blind"] == [d["detection"] for d in detections]
        # Blind for the first reason: nothing is exported, whatever the detection reads.
        for detection in detections:
            known = [t for t in detection["tables"] if t["exported"] is not None]  # AZKVAuditLogs: data alone
            assert known and all("not exported" in t["problems"] for t in known), detection
        read = {t["table"] for d in detections for t in d["tables"]}
        assert {"IntuneAuditLogs", "SecurityAlert", "AzureDiagnostics", "AADUserRiskEvents"} <= read

        code, plan = kqlrules(tmp_path, "plan")
        assert code == 0 and plan["checked_only"] == []
        scopes = {s["scope"] for s in plan["settings"]}
        assert {"Entra ID", "Intune", f"/subscriptions/{SUBSCRIPTION}", KEY_VAULT} == scopes
        assert [e["event_sources"] for e in plan["exports"]] == [["Alerts"]]

        code, applied = kqlrules(tmp_path, "apply", "--auto-approve")
        assert code == 0 and applied["applied"] == plan["changes"]
        code, again = kqlrules(tmp_path, "plan", "--detailed-exitcode")
        assert code == 0 and again["changes"] == 0, again

        # Collection is on; once the tables receive data, nothing is blind.
        _write_fresh_rows(tmp_path / "workspace", read)
        code, report = kqlrules(tmp_path, "check", "--now", NOW.isoformat())
        assert report["blind"] == [], [d for d in report["detections"] if d["blind"]]
        assert code == 0
