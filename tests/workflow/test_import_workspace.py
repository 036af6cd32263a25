"""`kqlrules import workspace`: live rules of both targets back into detections, against the ARM emulator.

The pack is deployed to Sentinel and two detections to Azure Monitor (real HTTP on 127.0.0.1, through the
same SDK clients deploy uses); a Monitor rule made outside kqlrules sits beside them. Then an empty
repository imports the workspace once, and each test reads what it got.
"""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kqlrules.deploy import environment_from_table, open_stores
from kqlrules.deploy.emulator import ArmEmulator, EmulatorCredential
from kqlrules.rules import load_repository
from tests.workflow.conftest import invoke

SUBSCRIPTION = "00000000-0000-0000-0000-0000000000aa"
WORKSPACE_ID = (
    f"/subscriptions/{SUBSCRIPTION}/resourceGroups/sec-rg"
    "/providers/Microsoft.OperationalInsights/workspaces/sec-ws"
)
MONITOR_RULES = {
    "0a5c1e00-0000-4000-8000-000000000001": ("failed_signins", "Low", "gt", 5, "2h"),
    "0a5c1e00-0000-4000-8000-000000000002": ("no_heartbeat", "Informational", "eq", 0, None),
}
MONITOR_QUERY = (
    "SigninLogs\n| where TimeGenerated > ago({{ lookback | kql_timespan }})\n| where ResultType != 0"
)


def config(arm_url: str, targets: list[str]) -> str:
    return f"""[environments.prod]
subscription = "{SUBSCRIPTION}"
resource_group = "sec-rg"
workspace = "sec-ws"
location = "westeurope"
targets = {json.dumps(targets)}
arm_endpoint = "{arm_url}"
repository = "acme/detections"
"""


def monitor_repo(root: Path, arm_url: str) -> Path:
    (root / "queries" / "monitor").mkdir(parents=True)
    (root / "kqlrules.toml").write_text(config(arm_url, ["monitor"]))
    for rule_id, (name, severity, operator, threshold, suppress) in MONITOR_RULES.items():
        meta = (
            f"id: {rule_id}\nname: {name}\nseverity: {severity}\nschedule: {{frequency: 1h, period: 1h}}\n"
            f"trigger: {{operator: {operator}, threshold: {threshold}}}\ntables: [SigninLogs]\n"
            + (f"suppress_for: {suppress}\n" if suppress else "")
        )
        (root / "queries" / "monitor" / f"{name}.yaml").write_text(meta)
        (root / "queries" / "monitor" / f"{name}.kql").write_text(MONITOR_QUERY + "\n")
    return root


def portal_rule(name: str, condition: dict[str, Any]) -> dict[str, Any]:
    return {
        "location": "westeurope",
        "kind": "LogAlert",
        "properties": {
            "displayName": name,
            "severity": 2,
            "enabled": True,
            "scopes": [WORKSPACE_ID],
            "evaluationFrequency": "PT15M",
            "windowSize": "PT30M",
            "criteria": {
                "allOf": [
                    {
                        "timeAggregation": "Count",
                        "failingPeriods": {"numberOfEvaluationPeriods": 1, "minFailingPeriodsToAlert": 1},
                        **condition,
                    }
                ]
            },
        },
    }


@pytest.fixture(scope="module")
def arm() -> Iterator[ArmEmulator]:
    with ArmEmulator() as emulator:
        yield emulator


@pytest.fixture(scope="module")
def deployed(arm: ArmEmulator, project_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The pack in Sentinel, two detections and two hand-made rules in Monitor; returns the pack's copy."""
    pack = tmp_path_factory.mktemp("pack")
    shutil.copytree(project_root / "queries", pack / "queries")
    (pack / "kqlrules.toml").write_text(config(arm.url, ["sentinel"]))
    small = monitor_repo(tmp_path_factory.mktemp("monitor"), arm.url)
    for repo in (pack, small):
        code, _, stderr = invoke("--repo", str(repo), "deploy", "apply", "--env", "prod", "--auto-approve")
        assert code == 0, stderr
    environment = environment_from_table(
        "portal", {"subscription": SUBSCRIPTION, "resource_group": "sec-rg", "workspace": "sec-ws",
                   "location": "westeurope", "arm_endpoint": arm.url, "targets": ["monitor"]},
    )  # fmt: skip
    store = open_stores(environment, EmulatorCredential.for_endpoint(environment.arm_endpoint))["monitor"]
    at_least_three = {"query": "AuditLogs | where Result == 'failure'", "operator": "GreaterThanOrEqual",
                      "threshold": 3}  # fmt: skip
    store.put("failed-audit-operations", portal_rule("Failed audit operations", at_least_three),
              create=True, etag=None)  # fmt: skip
    metric = {"query": "Perf | summarize AggregatedValue = avg(CounterValue)", "operator": "GreaterThan",
              "threshold": 90, "timeAggregation": "Average",
              "metricMeasureColumn": "AggregatedValue"}  # fmt: skip
    store.put("cpu-high", portal_rule("CPU high", metric), create=True, etag=None)
    elsewhere = portal_rule("Other workspace", at_least_three)
    elsewhere["properties"]["scopes"] = [WORKSPACE_ID.replace("sec-ws", "other-ws")]
    store.put("other-workspace", elsewhere, create=True, etag=None)
    return pack


@pytest.fixture(scope="module")
def imported(deployed: Path, arm: ArmEmulator, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("empty")
    (root / "queries").mkdir()
    (root / "kqlrules.toml").write_text(config(arm.url, ["sentinel", "monitor"]))
    code, stdout, stderr = invoke(
        "--repo", str(root), "--format", "json", "import", "workspace", "--env", "prod"
    )
    assert code == 0, stderr
    return {"root": root, "report": json.loads(stdout), "stderr": stderr}


def by_id(root: Path) -> dict[str, Any]:
    return {d.meta.id: d for d in load_repository(root, strict=True).detections}


def test_every_sentinel_and_monitor_rule_becomes_a_detection(
    imported: dict[str, Any], deployed: Path
) -> None:
    ids = set(by_id(imported["root"]))
    pack_ids = set(by_id(deployed))
    assert pack_ids | set(MONITOR_RULES) <= ids
    targets = {entry["target"] for entry in imported["report"]["written"]}
    assert targets == {"sentinel", "monitor"}


def test_the_imported_detections_validate(imported: dict[str, Any]) -> None:
    code, stdout, stderr = invoke("--repo", str(imported["root"]), "validate")
    assert code == 0, stdout + stderr


def test_the_imported_pack_renders_the_queries_that_were_deployed(
    imported: dict[str, Any], deployed: Path
) -> None:
    ours = by_id(imported["root"])
    for rule_id, original in by_id(deployed).items():
        assert ours[rule_id].render().text == original.render().text, original.key


def test_the_pack_metadata_comes_back_from_sentinel(imported: dict[str, Any], deployed: Path) -> None:
    ours = by_id(imported["root"])
    for rule_id, original in by_id(deployed).items():
        meta, back = original.meta, ours[rule_id].meta
        assert (back.name, back.severity, back.sentinel.kind) == (
            meta.name,
            meta.severity,
            meta.sentinel.kind,
        )
        if meta.sentinel.kind != "NRT":  # an NRT rule has no schedule or trigger in Azure to come back
            assert (back.schedule, back.trigger) == (meta.schedule, meta.trigger)
        assert (back.entities, back.custom_details, back.alert.title) == (
            meta.entities, meta.custom_details, meta.alert.title
        )  # fmt: skip
        # From the analyzer (Sentinel rules do not carry them), in the order the query reads them.
        assert sorted(back.tables) == sorted(meta.tables)


def test_a_monitor_rule_keeps_its_schedule_trigger_severity_and_mute(imported: dict[str, Any]) -> None:
    ours = by_id(imported["root"])
    failed = ours["0a5c1e00-0000-4000-8000-000000000001"].meta
    assert (failed.severity, failed.trigger.operator, failed.trigger.threshold) == ("Low", "gt", 5)
    assert failed.suppress_for is not None and failed.suppress_for.total_seconds() == 7200
    quiet = ours["0a5c1e00-0000-4000-8000-000000000002"].meta
    assert (quiet.severity, quiet.trigger.operator, quiet.trigger.threshold) == ("Informational", "eq", 0)


def test_a_rule_made_outside_kqlrules_gets_a_stable_id_and_an_equivalent_trigger(
    imported: dict[str, Any],
) -> None:
    resource = (
        f"/subscriptions/{SUBSCRIPTION}/resourceGroups/sec-rg/providers/"
        "Microsoft.Insights/scheduledQueryRules/failed-audit-operations"
    ).lower()
    detection = by_id(imported["root"])[str(uuid.uuid5(uuid.NAMESPACE_URL, resource))]
    assert detection.meta.name == "Failed audit operations"
    assert (detection.meta.trigger.operator, detection.meta.trigger.threshold) == ("gt", 2)  # >= 3 rows
    assert (
        detection.meta.schedule.frequency.total_seconds(),
        detection.meta.schedule.period.total_seconds(),
    ) == (
        900,
        1800,
    )


def test_a_rule_that_aggregates_a_metric_is_skipped_with_the_reason(imported: dict[str, Any]) -> None:
    [skipped] = [s for s in imported["report"]["skipped"] if "cpu-high" in s]
    assert skipped.startswith("monitor:cpu-high")
    assert "kqlrules triggers on the row count" in skipped


def test_a_monitor_rule_of_another_workspace_is_left_out(imported: dict[str, Any]) -> None:
    [skipped] = [s for s in imported["report"]["skipped"] if s.startswith("monitor:other-workspace")]
    assert "other-ws, not this workspace" in skipped


def test_importing_again_skips_every_id_already_in_the_repository(
    imported: dict[str, Any], tmp_path: Path
) -> None:
    again = tmp_path / "again"
    shutil.copytree(imported["root"], again)
    code, stdout, _ = invoke("--repo", str(again), "--format", "json", "import", "workspace", "--env", "prod")
    assert code == 0
    report = json.loads(stdout)
    assert report["written"] == []
    assert any("is already in" in problem for problem in report["skipped"])


def test_without_an_environment_or_a_workspace_the_error_says_what_to_pass(tmp_path: Path) -> None:
    (tmp_path / "queries").mkdir()
    code, _, stderr = invoke("--repo", str(tmp_path), "import", "workspace", "--subscription", SUBSCRIPTION)
    assert code == 2  # a usage error
    assert "missing --resource-group, --workspace-name" in stderr
