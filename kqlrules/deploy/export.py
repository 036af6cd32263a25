"""ARM templates of the detections, parameterised by workspace, that deploy as they are.

The resources are the same bodies `apply` sends, marks and content hash included, so a template deployed
by hand creates rules that a later `kqlrules deploy plan` sees as unchanged. What ARM itself needs:

- A string that starts with `[` and ends with `]` is an ARM expression; text of ours that looks like one
  (a description that is only the ownership marker, `[kqlrules ...]`) is escaped as `[[...]`
  ("Escape characters", learn.microsoft.com/azure/azure-resource-manager/templates/template-expressions).
- A template holds at most 800 resources ("Template limits", learn.microsoft.com/azure/azure-resource-manager/
  templates/best-practices#template-limits): larger exports are split into `<target>-1.json`, `-2`, ...,
  a rule always in the same file as its metadata. `per_rule` writes one template per rule instead.
- Each Sentinel rule comes with its `Microsoft.SecurityInsights/metadata` resource (kind AnalyticsRule,
  source, author, support, version), as Content Hub's solution templates write it, so Sentinel shows where
  the rule comes from and which version it is.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from kqlrules.deploy.contracts import deploys_to
from kqlrules.deploy.deployable import Deployable
from kqlrules.deploy.environment import Environment
from kqlrules.deploy.normalise import Json
from kqlrules.deploy.plan import desired_body
from kqlrules.deploy.targets import TARGETS

SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
MAX_RESOURCES = 800  # per template, ARM's limit (see the module docstring)
# Content Hub writes metadata with this api-version (Azure-Sentinel Solutions' mainTemplate.json files).
METADATA_API_VERSION = "2022-01-01-preview"
_PLACEHOLDER = Environment(
    name="template",
    subscription="{subscription}",
    resource_group="{resource-group}",
    workspace="{workspace}",
    location="{location}",
)


def arm_literal(value: Any) -> Any:
    """`value` with every string ARM would read as an expression (`[...]`) escaped as `[[...]`."""
    if isinstance(value, dict):
        return {k: arm_literal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [arm_literal(v) for v in value]
    if isinstance(value, str) and value.startswith("[") and value.endswith("]"):
        return "[" + value
    return value


def _quoted(text: str) -> str:
    """A literal inside an ARM expression: single quotes doubled."""
    return "'" + text.replace("'", "''") + "'"


def _template(parameters: Json, resources: list[Json]) -> Json:
    return {"$schema": SCHEMA, "contentVersion": "1.0.0.0", "parameters": parameters, "resources": resources}


def sentinel_parameters(environment: Environment | None) -> Json:
    workspace: Json = {"type": "string", "metadata": {"description": "Log Analytics workspace with Sentinel"}}
    if environment is not None:
        workspace["defaultValue"] = environment.workspace
    return {"workspace": workspace}


def sentinel_resources(item: Deployable, repository: str, environment: Environment | None) -> list[Json]:
    """The rule and its metadata (what Content Hub deploys with each analytics rule)."""
    target = TARGETS["sentinel"]
    chosen = environment or _PLACEHOLDER
    body, _ = desired_body(item, "sentinel", _with_repository(chosen, repository))
    name = target.resource_name(item, chosen)
    workspace_id = "resourceId('Microsoft.OperationalInsights/workspaces', parameters('workspace'))"
    rule_type = "'Microsoft.SecurityInsights/alertRules'"
    rule_id = f"[extensionResourceId({workspace_id}, {rule_type}, {_quoted(name)})]"
    rule = {
        "type": "Microsoft.OperationalInsights/workspaces/providers/alertRules",
        "apiVersion": target.api_version_of(body),
        "name": f"[concat(parameters('workspace'), '/Microsoft.SecurityInsights/', {_quoted(name)})]",
        **arm_literal(body),
    }
    version = getattr(item.detection, "version", None) or "1.0.0"
    metadata = {
        "type": "Microsoft.OperationalInsights/workspaces/providers/metadata",
        "apiVersion": METADATA_API_VERSION,
        "name": (
            "[concat(parameters('workspace'), '/Microsoft.SecurityInsights/', "
            f"{_quoted('analyticsrule-' + name)})]"
        ),
        "dependsOn": [rule_id],
        "properties": arm_literal(
            {
                "description": f"{item.detection.name} (kqlrules detection {item.id})",
                "contentId": item.id,
                "kind": "AnalyticsRule",
                "version": version,
                "source": {"kind": "SourceRepository", "name": repository, "sourceId": repository},
                "author": {"name": repository},
                "support": {"tier": "Community", "name": repository},
            }
        )
        | {"parentId": rule_id},
    }
    return [rule, metadata]


def monitor_parameters(environment: Environment | None) -> Json:
    parameters: Json = {
        "workspaceResourceId": {
            "type": "string",
            "metadata": {"description": "Resource id of the workspace"},
        },
        "location": {"type": "string", "defaultValue": "[resourceGroup().location]"},
        "actionGroups": {"type": "array", "defaultValue": []},
    }
    if environment is not None:
        parameters["workspaceResourceId"]["defaultValue"] = environment.workspace_id
        parameters["location"]["defaultValue"] = environment.location
        parameters["actionGroups"]["defaultValue"] = list(environment.action_groups)
    return parameters


def monitor_resources(item: Deployable, repository: str, environment: Environment | None) -> list[Json]:
    target = TARGETS["monitor"]
    body, _ = desired_body(item, "monitor", _with_repository(environment or _PLACEHOLDER, repository))
    body = arm_literal(body)
    body["location"] = "[parameters('location')]"
    body["properties"]["scopes"] = ["[parameters('workspaceResourceId')]"]
    body["properties"]["actions"] = {"actionGroups": "[parameters('actionGroups')]"}
    # `<detection id>-<workspace>` (targets/monitor.py), the workspace taken from the parameter.
    name = f"[concat({_quoted(item.id + '-')}, last(split(parameters('workspaceResourceId'), '/')))]"
    if environment is not None:
        name = target.resource_name(item, environment)
    return [{"type": target.resource_type, "apiVersion": target.api_version_of(body), "name": name, **body}]


def _with_repository(environment: Environment, repository: str) -> Environment:
    return replace(environment, repository=repository)


PARAMETERS = {"sentinel": sentinel_parameters, "monitor": monitor_parameters}
RESOURCES = {"sentinel": sentinel_resources, "monitor": monitor_resources}


def _chunks(groups: list[list[Json]], limit: int) -> list[list[Json]]:
    """Groups (a rule with its metadata) packed in order into templates of at most `limit` resources."""
    chunks: list[list[Json]] = [[]]
    for group in groups:
        if chunks[-1] and len(chunks[-1]) + len(group) > limit:
            chunks.append([])
        chunks[-1].extend(group)
    return chunks


def export_arm(
    items: Iterable[Deployable],
    out: Path,
    *,
    repository: str,
    environment: Environment | None = None,
    targets: Iterable[str] = ("sentinel", "monitor"),
    per_rule: bool = False,
    max_resources: int = MAX_RESOURCES,
) -> list[Path]:
    """Write the templates into `out` (`<target>.json`, split in parts over `max_resources`, or one file per
    rule under `<target>/` with `per_rule`); return their paths."""
    items = list(items)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for target in targets:
        chosen = [item for item in items if deploys_to(item, target)]
        parameters = PARAMETERS[target](environment)
        groups = [(item, RESOURCES[target](item, repository, environment)) for item in chosen]
        if per_rule:
            folder = out / target
            folder.mkdir(parents=True, exist_ok=True)
            for item, group in groups:
                path = folder / f"{item.id}.json"
                written.append(_write(path, _template(parameters, group)))
            continue
        chunks = _chunks([group for _, group in groups], max_resources)
        for number, resources in enumerate(chunks, start=1):
            path = out / (f"{target}.json" if len(chunks) == 1 else f"{target}-{number}.json")
            written.append(_write(path, _template(parameters, resources)))
    return written


def _write(path: Path, template: Any) -> Path:
    path.write_text(json.dumps(template, indent=2) + "\n", encoding="utf-8")
    return path
