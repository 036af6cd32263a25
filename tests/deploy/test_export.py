"""ARM export: templates whose resources, with their parameters filled in, are valid rule bodies."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from kqlrules.deploy.export import export_arm

from .conftest import deployable, make_environment
from .swagger import alert_rule_errors, scheduled_query_rule_errors

ITEMS = [
    deployable(1),
    deployable(
        2,
        suppress_for="30m",
        severity="High",
        trigger={"operator": "eq", "threshold": 0},
        alert={"title": "T {{IPAddress}}", "description": "D"},
    ),
    deployable(3, entities={}, custom_details={}, tactics=[], techniques=[], enabled=False),
]
WORKSPACE_ID = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/ws"
PARAMETERS = {
    "workspace": "ws",
    "workspaceResourceId": WORKSPACE_ID,
    "location": "westeurope",
    "actionGroups": ["/subscriptions/s/resourceGroups/rg/providers/microsoft.insights/actionGroups/a"],
}
_PARAMETER = re.compile(r"^\[parameters\('(\w+)'\)\]$")


def filled(value: Any) -> Any:
    """The value ARM would deploy: whole-string `[parameters('x')]` expressions replaced."""
    if isinstance(value, dict):
        return {k: filled(v) for k, v in value.items()}
    if isinstance(value, list):
        return [filled(v) for v in value]
    if isinstance(value, str) and (match := _PARAMETER.match(value)):
        return PARAMETERS[match.group(1)]
    return value


@pytest.fixture
def templates(tmp_path: Path) -> dict[str, Any]:
    paths = export_arm(ITEMS, tmp_path, repository="acme/detections")
    return {path.stem: json.loads(path.read_text()) for path in paths}


def test_export_writes_one_deployment_template_per_target(templates: dict[str, Any]) -> None:
    assert sorted(templates) == ["monitor", "sentinel"]
    for template in templates.values():
        assert template["$schema"].endswith("deploymentTemplate.json#")
    assert len(templates["monitor"]["resources"]) == len(ITEMS)
    # Each Sentinel rule comes with its Content Hub metadata.
    assert len(templates["sentinel"]["resources"]) == 2 * len(ITEMS)


def test_exported_sentinel_rules_validate_against_the_alert_rules_spec(
    templates: dict[str, Any], shared_dir: Path
) -> None:
    rules = [r for r in templates["sentinel"]["resources"] if r["type"].endswith("/alertRules")]
    assert len(rules) == len(ITEMS)
    for resource in rules:
        # Sub-techniques go through the preview (kqlrules/deploy/api_versions.py); the stable spec in
        # shared/specs knows every other field.
        has_sub = bool(resource["properties"].get("subTechniques"))
        assert resource["apiVersion"] == ("2025-07-01-preview" if has_sub else "2025-09-01")
        body = filled({k: v for k, v in resource.items() if k in ("kind", "properties", "etag")})
        body["properties"].pop("subTechniques", None)
        assert alert_rule_errors(shared_dir / "specs", body, request=True) == []


def test_exported_monitor_rules_validate_against_the_scheduled_query_rules_spec(
    templates: dict[str, Any], shared_dir: Path
) -> None:
    for resource in templates["monitor"]["resources"]:
        assert (resource["type"], resource["apiVersion"]) == (
            "Microsoft.Insights/scheduledQueryRules",
            "2023-12-01",
        )
        body = filled({k: v for k, v in resource.items() if k not in ("type", "apiVersion", "name")})
        assert scheduled_query_rule_errors(shared_dir / "specs", body, request=True) == []
        assert body["properties"]["scopes"] == [WORKSPACE_ID]


def test_every_parameter_a_template_uses_is_declared(templates: dict[str, Any]) -> None:
    for template in templates.values():
        used = set(re.findall(r"parameters\('(\w+)'\)", json.dumps(template["resources"])))
        assert used and used <= set(template["parameters"])


def test_an_environment_gives_the_parameters_their_defaults(tmp_path: Path) -> None:
    environment = make_environment("https://management.azure.com")
    export_arm(ITEMS, tmp_path, repository="acme/detections", environment=environment, targets=["monitor"])
    template = json.loads((tmp_path / "monitor.json").read_text())
    assert template["parameters"]["workspaceResourceId"]["defaultValue"] == environment.workspace_id
    assert not (tmp_path / "sentinel.json").exists()


def test_metadata_names_source_author_support_and_version(templates: dict[str, Any]) -> None:
    resources = templates["sentinel"]["resources"]
    for rule, metadata in zip(resources[::2], resources[1::2], strict=True):
        assert metadata["type"] == "Microsoft.OperationalInsights/workspaces/providers/metadata"
        properties = metadata["properties"]
        assert properties["kind"] == "AnalyticsRule" and properties["version"] == "1.0.0"
        assert properties["source"] == {
            "kind": "SourceRepository",
            "name": "acme/detections",
            "sourceId": "acme/detections",
        }
        assert properties["author"]["name"] == "acme/detections" and properties["support"]["tier"]
        assert metadata["dependsOn"] == [properties["parentId"]]
        assert rule["name"].split("'")[-2] in properties["parentId"]


def test_a_string_arm_would_read_as_an_expression_is_escaped(tmp_path: Path) -> None:
    item = deployable(4, description="", alert={"title": "[x] {{IPAddress}}", "description": "[lit]"})
    [path, _] = export_arm([item], tmp_path, repository="acme/detections")
    rule = json.loads(path.read_text())["resources"][0]
    # An empty description is just the ownership marker `[kqlrules ...]`: ARM would evaluate it.
    assert rule["properties"]["description"].startswith("[[kqlrules repository=acme/detections")
    assert rule["properties"]["alertDetailsOverride"]["alertDescriptionFormat"] == "[[lit]"
    assert rule["properties"]["alertDetailsOverride"]["alertDisplayNameFormat"] == "[x] {{IPAddress}}"


def test_templates_are_split_under_the_resource_limit_and_one_file_per_rule_on_request(
    tmp_path: Path,
) -> None:
    items = [deployable(n) for n in range(1, 8)]
    paths = export_arm(items, tmp_path / "split", repository="r", targets=["sentinel"], max_resources=4)
    assert [p.name for p in paths] == [
        "sentinel-1.json",
        "sentinel-2.json",
        "sentinel-3.json",
        "sentinel-4.json",
    ]
    counts = [len(json.loads(p.read_text())["resources"]) for p in paths]
    assert counts == [4, 4, 4, 2] and all(c <= 4 for c in counts)
    paths = export_arm(items, tmp_path / "each", repository="r", per_rule=True)
    assert len(paths) == 2 * len(items)
    assert sorted(p.parent.name for p in paths) == ["monitor"] * 7 + ["sentinel"] * 7


def test_the_default_limit_is_arms_800(tmp_path: Path) -> None:
    items = [deployable(n) for n in range(1, 402)]  # 802 Sentinel resources with the metadata
    paths = export_arm(items, tmp_path, repository="r", targets=["sentinel"])
    counts = [len(json.loads(p.read_text())["resources"]) for p in paths]
    assert counts == [800, 2]
