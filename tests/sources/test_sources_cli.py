"""`kqlrules sources plan|apply|check` against the ARM emulator and a local workspace: a fresh environment
goes from every detection blind to none blind; a second plan shows nothing; a foreign setting is left alone;
each reason for blindness is found."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kqlrules.cli.main import app
from kqlrules.deploy import environment_from_table
from kqlrules.deploy.emulator import ArmEmulator, EmulatorCredential
from kqlrules.sources import ArmSourcesStore, Setting, TableRetention

SUBSCRIPTION = "00000000-0000-0000-0000-0000000000aa"
WORKSPACE_ID = (
    f"/subscriptions/{SUBSCRIPTION}/resourceGroups/sec-rg"
    "/providers/Microsoft.OperationalInsights/workspaces/sec-ws"
)
KEY_VAULT = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/app-rg/providers/Microsoft.KeyVault/vaults/kv-prod"
NOW = datetime(2024, 5, 8, tzinfo=UTC)
DETECTIONS = {
    "signin": ("SigninLogs", "| where ResultType != 0", "0a5c1e00-0000-4000-8000-000000000011"),
    "audit": ("AuditLogs", "| where OperationName == 'x'", "0a5c1e00-0000-4000-8000-000000000012"),
    "activity": (
        "AzureActivity",
        "| where OperationNameValue endswith 'x'",
        "0a5c1e00-0000-4000-8000-000000000013",
    ),
    "vault": (
        "AzureDiagnostics",
        "| where OperationName == 'SecretGet'",
        "0a5c1e00-0000-4000-8000-000000000014",
    ),
}
# Each metadata also declares its table, which stands in when the analyzer cannot answer in time.
RULE = (
    "id: {ident}\nname: {name} detection\nseverity: Medium\ntables: [{table}]\n"
    "schedule: {{frequency: 1h, period: 1d}}\n"
)


@pytest.fixture
def emulator() -> Iterator[ArmEmulator]:
    with ArmEmulator() as arm:
        yield arm


@pytest.fixture
def repo(tmp_path: Path, emulator: ArmEmulator) -> Path:
    (tmp_path / "kqlrules.toml").write_text(
        f"""[environments.dev]
subscription = "{SUBSCRIPTION}"
resource_group = "sec-rg"
workspace = "sec-ws"
targets = ["sentinel"]
arm_endpoint = "{emulator.url}"
repository = "acme/detections"
workspace_id = "local:{tmp_path / "workspace"}"

[environments.dev.sources]
resources = ["{KEY_VAULT}"]
"""
    )
    folder = tmp_path / "queries" / "azure"
    folder.mkdir(parents=True)
    for name, (table, query, ident) in DETECTIONS.items():
        (folder / f"{name}.yaml").write_text(RULE.format(ident=ident, name=name, table=table))
        (folder / f"{name}.kql").write_text(f"{table}\n{query}\n")
    write_rows(tmp_path, [])
    return tmp_path


def write_rows(repo: Path, tables: list[str]) -> None:
    """One fresh row (an hour before NOW) in each of `tables` of the local workspace."""
    folder = repo / "workspace"
    folder.mkdir(exist_ok=True)
    for old in folder.glob("*.jsonl"):
        old.unlink()
    for table in tables:
        row = {"TimeGenerated": (NOW - timedelta(hours=1)).isoformat(), "OperationName": "x"}
        (folder / f"{table}.jsonl").write_text(json.dumps(row) + "\n")


def kqlrules(repo: Path, *args: str) -> tuple[int, Any]:
    result = CliRunner().invoke(app, ["--repo", str(repo), "--format", "json", "sources", *args])
    output = result.stdout.strip()
    return result.exit_code, json.loads(output) if output.startswith("{") else result.stdout + result.stderr


def check(repo: Path) -> tuple[int, dict[str, list[str]]]:
    code, report = kqlrules(repo, "check", "--now", NOW.isoformat())
    assert isinstance(report, dict), report
    problems = {
        d["detection"].split("/")[-1]: [p for t in d["tables"] for p in t["problems"]]
        for d in report["detections"]
    }
    return code, problems


def store(emulator: ArmEmulator) -> ArmSourcesStore:
    environment = environment_from_table(
        "dev",
        {
            "subscription": SUBSCRIPTION,
            "resource_group": "sec-rg",
            "workspace": "sec-ws",
            "targets": ["sentinel"],
            "arm_endpoint": emulator.url,
        },
    )
    return ArmSourcesStore(environment, EmulatorCredential.for_endpoint(environment.arm_endpoint))


def test_a_fresh_environment_goes_from_every_detection_blind_to_none(repo: Path) -> None:
    code, problems = check(repo)
    assert all("not exported" in found for found in problems.values()), problems
    assert code == 1

    code, plan = kqlrules(repo, "plan")
    assert code == 0 and plan["changes"] > 0
    settings = {s["scope"]: s for s in plan["settings"]}
    assert settings["Entra ID"]["categories"] == ["AuditLogs", "SignInLogs"]
    assert settings[f"/subscriptions/{SUBSCRIPTION}"]["action"] == "create"
    assert settings[KEY_VAULT]["categories"] == ["AuditEvent"]

    code, applied = kqlrules(repo, "apply", "--auto-approve")
    assert code == 0 and applied["applied"] == plan["changes"]
    code, again = kqlrules(repo, "plan", "--detailed-exitcode")
    assert code == 0 and again["changes"] == 0

    write_rows(repo, ["SigninLogs", "AuditLogs", "AzureActivity", "AzureDiagnostics"])
    code, problems = check(repo)
    assert code == 0, problems
    assert problems == {name: [] for name in DETECTIONS}


def test_apply_without_a_yes_changes_nothing(repo: Path) -> None:
    # CliRunner's stdin is not a terminal: with changes pending and no --auto-approve, nothing is applied.
    code, output = kqlrules(repo, "apply")
    assert code == 1 and "--auto-approve" in output, output
    code, plan = kqlrules(repo, "plan")
    assert plan["changes"] > 0


def test_plan_with_changes_exits_2_under_detailed_exitcode(repo: Path) -> None:
    code, _ = kqlrules(repo, "plan", "--detailed-exitcode")
    assert code == 2


def test_a_setting_someone_else_made_is_left_alone_and_counts_as_collected(
    repo: Path, emulator: ArmEmulator
) -> None:
    foreign = Setting("", "security-team", frozenset({"SignInLogs", "AuditLogs"}), WORKSPACE_ID)
    store(emulator).put_setting(foreign)
    kqlrules(repo, "apply", "--auto-approve")
    settings = {s.name: s for s in store(emulator).settings("")}
    assert settings["security-team"] == foreign
    # Nothing more for Entra ID: the foreign setting already sends both categories to this workspace.
    assert "kqlrules" not in settings


def test_each_reason_for_blindness_is_found(repo: Path, emulator: ArmEmulator) -> None:
    kqlrules(repo, "apply", "--auto-approve")
    write_rows(repo, ["SigninLogs", "AzureActivity", "AzureDiagnostics"])  # AuditLogs receives nothing
    store(emulator).put_retention(
        TableRetention("AzureActivity", 4, 4)
    )  # shorter than... not the 1d lookback
    code, problems = check(repo)
    assert code == 1
    assert problems["audit"] == ["no data in the last 1d"]
    assert problems["signin"] == [] and problems["activity"] == []

    # A setting that stops exporting a category makes its readers blind again.
    entra = store(emulator)
    entra.put_setting(Setting("", "kqlrules", frozenset({"AuditLogs"}), WORKSPACE_ID))
    _, problems = check(repo)
    assert problems["signin"] == ["not exported"]


def test_retention_shorter_than_a_lookback_is_blindness(repo: Path, emulator: ArmEmulator) -> None:
    for name in DETECTIONS:
        path = repo / "queries" / "azure" / f"{name}.yaml"
        path.write_text(
            path.read_text().replace("period: 1d", "period: 14d").replace("frequency: 1h", "frequency: 1d")
        )
    kqlrules(repo, "apply", "--auto-approve")
    write_rows(repo, ["SigninLogs", "AuditLogs", "AzureActivity", "AzureDiagnostics"])
    store(emulator).put_retention(TableRetention("SigninLogs", 7, 7))
    _, problems = check(repo)
    assert problems["signin"] == ["retention 7d is shorter than the lookback 14d"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"properties": {"logs": [{"category": "SignInLogs", "enabled": True}]}}, "at least one destination"),
        (
            {
                "properties": {
                    "workspaceId": WORKSPACE_ID,
                    "logs": [{"category": "AuditEvent", "enabled": True}],
                }
            },
            "category 'AuditEvent' is not supported here",
        ),
        (
            {"properties": {"workspaceId": "/subscriptions/x/resourceGroups/y", "logs": []}},
            "is not a Log Analytics workspace resource id",
        ),
        (
            {"properties": {"workspaceId": WORKSPACE_ID, "eventHubName": "hub", "logs": []}},
            "eventHubName needs eventHubAuthorizationRuleId",
        ),
    ],
)
def test_the_emulator_refuses_entra_settings_azure_refuses(
    emulator: ArmEmulator, body: dict[str, Any], message: str
) -> None:
    from kqlrules.deploy import ArmError

    client = store(emulator)
    with pytest.raises(ArmError, match=message):
        client._put_raw("", "bad", body)  # the raw body, as a hand-written client would send it


def test_the_emulator_refuses_one_category_to_one_workspace_twice(emulator: ArmEmulator) -> None:
    from kqlrules.deploy import ArmError

    client = store(emulator)
    client.put_setting(Setting("", "first", frozenset({"SignInLogs"}), WORKSPACE_ID))
    with pytest.raises(ArmError, match="Data sinks can't be reused"):
        client.put_setting(Setting("", "second", frozenset({"SignInLogs"}), WORKSPACE_ID))


@pytest.mark.parametrize(
    ("interactive", "total", "message"),
    [(3, 30, "retentionInDays 3"), (731, 800, "retentionInDays 731"), (30, 4384, "totalRetentionInDays 4384"),
     (90, 60, "cannot be less than")],
)  # fmt: skip
def test_the_emulator_refuses_retention_outside_the_service_ranges(
    emulator: ArmEmulator, interactive: int, total: int, message: str
) -> None:
    from kqlrules.deploy import ArmError

    with pytest.raises(ArmError, match=message):
        store(emulator).put_retention(TableRetention("SigninLogs", interactive, total))


def test_a_resource_log_need_without_a_declared_resource_is_named_in_the_plan(repo: Path) -> None:
    config = repo / "kqlrules.toml"
    config.write_text(config.read_text().replace(f'resources = ["{KEY_VAULT}"]', "resources = []"))
    code, plan = kqlrules(repo, "plan")
    assert code == 0
    assert plan["undeclared"] == [
        {"table": "AzureDiagnostics", "resource_type": "microsoft.keyvault/vaults", "category": "AuditEvent"}
    ]
    assert KEY_VAULT not in {s["scope"] for s in plan["settings"]}
    text = CliRunner().invoke(app, ["--repo", str(repo), "sources", "plan"])
    words = " ".join(text.stdout.split())  # as wide as the terminal happens to be
    assert "not collected: AzureDiagnostics needs the microsoft.keyvault/vaults diagnostic setting" in words
