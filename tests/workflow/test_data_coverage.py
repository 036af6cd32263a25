"""`kqlrules coverage data`: detections blind for want of data, and data no detection reads."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from kqlrules.rules import load_repository
from kqlrules.table import Column, Table
from kqlrules.workflow.data_coverage import DetectionTables, tables_read
from kqlrules.workspace import LocalWorkspace, WorkspaceServer, load_workspace_folder
from tests.workflow.conftest import invoke

SAMPLE_END = "2026-11-09T00:00Z"


@pytest.fixture(scope="module")
def without_security_alert(sample_tenant: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample tenant with SecurityAlert gone and a Heartbeat table that no detection reads."""
    folder = tmp_path_factory.mktemp("partial") / "workspace"
    shutil.copytree(sample_tenant, folder)
    (folder / "SecurityAlert.jsonl").unlink()
    (folder / "Heartbeat.jsonl").write_text(
        '{"TimeGenerated": "2026-11-05T10:00:00Z", "Computer": "vm-web-01"}\n', encoding="utf-8"
    )
    return folder


def coverage(project_root: Path, folder: Path, *options: str) -> tuple[int, dict[str, Any]]:
    code, stdout, stderr = invoke(
        "--repo", str(project_root), "--format", "json", "coverage", "data",
        "--workspace", f"local:{folder}", "--now", SAMPLE_END, *options,
    )  # fmt: skip
    assert stdout, stderr
    return code, json.loads(stdout)


def test_detections_reading_a_table_without_data_are_blind(
    project_root: Path, without_security_alert: Path
) -> None:
    _, report = coverage(project_root, without_security_alert)
    assert report["blind"] == ["identity/defender_alert_then_signin"]
    [defender] = [d for d in report["detections"] if d["blind"]]
    assert defender["tables_without_data"] == ["SecurityAlert"]
    assert defender["tables_from"] == "analyzer"


def test_a_table_with_data_that_no_detection_reads_is_named(
    project_root: Path, without_security_alert: Path
) -> None:
    _, report = coverage(project_root, without_security_alert)
    # The sample week's managed identities feed no detection of the pack, like Heartbeat (service principal
    # sign-ins feed the agent sign-in detection, device snapshots the non-compliant device sign-in).
    assert set(report["unwatched_tables"]) == {"AADManagedIdentitySignInLogs", "Heartbeat"}


def test_a_table_read_only_through_a_fuzzy_union_blinds_only_with_its_alternatives(
    project_root: Path, sample_tenant: Path
) -> None:
    _, report = coverage(project_root, sample_tenant)
    key_vault = next(
        d for d in report["detections"] if d["detection"] == "azure/key_vault_secret_mass_access"
    )
    # The sample tenant logs Key Vault to AzureDiagnostics only: AZKVAuditLogs is the other leg of the union.
    assert key_vault["tables"] == ["AzureDiagnostics", "AZKVAuditLogs"] and not key_vault["blind"]


def test_the_whole_sample_week_leaves_no_detection_blind(project_root: Path, sample_tenant: Path) -> None:
    _, report = coverage(project_root, sample_tenant)
    assert report["blind"] == []
    assert {t["table"]: t["rows"] for t in report["tables"]}["SigninLogs"] == 547


def test_only_the_last_days_count_as_data(project_root: Path, sample_tenant: Path) -> None:
    code, stdout, _ = invoke(
        "--repo", str(project_root), "--format", "json", "coverage", "data",
        "--workspace", f"local:{sample_tenant}", "--now", "2026-11-20T00:00Z", "--days", "7", "--strict",
    )  # fmt: skip
    report = json.loads(stdout)
    assert len(report["blind"]) == len(report["detections"]) > 0
    assert code == 1


def test_the_text_report_names_the_blind_detection_and_the_missing_table(
    project_root: Path, without_security_alert: Path
) -> None:
    code, stdout, _ = invoke(
        "--repo", str(project_root), "coverage", "data",
        "--workspace", f"local:{without_security_alert}", "--now", SAMPLE_END,
    )  # fmt: skip
    assert code == 0
    assert "1 blind detection(s)" in stdout
    assert "identity/defender_alert_then_signin: no data in SecurityAlert" in stdout


def test_without_a_workspace_the_error_says_how_to_name_one(project_root: Path) -> None:
    code, _, stderr = invoke("--repo", str(project_root), "coverage", "data")
    assert code == 2  # a usage error
    assert "no workspace to look at" in stderr and "--workspace" in stderr


def test_without_the_analyzer_the_declared_tables_stand_in(project_root: Path) -> None:
    repo = load_repository(project_root)
    read = {d.key: d for d in tables_read(repo.detections, None, None)}
    defender = read["identity/defender_alert_then_signin"]
    assert defender.source == "metadata"
    assert set(defender.tables) == {"SecurityAlert", "SigninLogs", "AADNonInteractiveUserSignInLogs"}


def test_a_query_api_workspace_answers_with_one_union_query(project_root: Path, sample_tenant: Path) -> None:
    tables = load_workspace_folder(sample_tenant)
    workspace = LocalWorkspace(tables={"SigninLogs": tables["SigninLogs"], "Heartbeat": heartbeat()})
    with WorkspaceServer(workspace) as server:
        code, stdout, stderr = invoke(
            "--repo", str(project_root), "--format", "json", "coverage", "data",
            "--workspace", "00000000-0000-0000-0000-000000000001", "--endpoint", server.url,
            "--now", SAMPLE_END,
        )  # fmt: skip
    assert code == 0, stderr
    report = json.loads(stdout)
    assert report["unwatched_tables"] == ["Heartbeat"]
    assert "identity/mfa_fatigue" not in report["blind"]
    assert "audit/account_disabled" in report["blind"]


def heartbeat() -> Table:
    moment = datetime(2026, 11, 5, 10, tzinfo=UTC)
    return Table([Column("TimeGenerated", "datetime"), Column("Computer", "string")], [[moment, "vm-web-01"]])


def test_optional_tables_blind_a_detection_only_when_it_reads_nothing_else() -> None:
    both_optional = DetectionTables("k", "id", "n", ("AzureDiagnostics", "AZKVAuditLogs"), "analyzer",
                                    frozenset({"AzureDiagnostics", "AZKVAuditLogs"}))  # fmt: skip
    assert both_optional.without_data(lambda table: table == "AZKVAuditLogs") == []
    assert both_optional.without_data(lambda table: False) == ["AzureDiagnostics", "AZKVAuditLogs"]
    one_optional = DetectionTables("k", "id", "n", ("SigninLogs", "IntuneDevices"), "analyzer",
                                   frozenset({"IntuneDevices"}))  # fmt: skip
    assert one_optional.without_data(lambda table: table == "SigninLogs") == []
    assert one_optional.without_data(lambda table: table == "IntuneDevices") == ["SigninLogs"]
    required = DetectionTables("k", "id", "n", ("SigninLogs", "AuditLogs"), "analyzer")
    assert required.without_data(lambda table: table == "SigninLogs") == ["AuditLogs"]
