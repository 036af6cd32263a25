"""ARM templates of the detections: one deployment template per target, parameterised by workspace.

The resources are the same bodies `apply` sends, so a template deployed by hand creates rules that a
later `kqlrules deploy plan` sees as unchanged (they carry the same ownership marks).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from kqlrules.deploy.contracts import deploys_to
from kqlrules.deploy.deployable import Deployable
from kqlrules.deploy.environment import Environment
from kqlrules.deploy.normalise import Json
from kqlrules.deploy.ownership import Ownership
from kqlrules.deploy.targets import TARGETS

SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
_PLACEHOLDER = Environment(
    name="template",
    subscription="{subscription}",
    resource_group="{resource-group}",
    workspace="{workspace}",
    location="{location}",
)


def _template(parameters: Json, resources: list[Json]) -> Json:
    return {"$schema": SCHEMA, "contentVersion": "1.0.0.0", "parameters": parameters, "resources": resources}


def sentinel_template(items: Iterable[Deployable], repository: str, environment: Environment | None) -> Json:
    target = TARGETS["sentinel"]
    workspace: Json = {"type": "string", "metadata": {"description": "Log Analytics workspace with Sentinel"}}
    if environment is not None:
        workspace["defaultValue"] = environment.workspace
    resources = []
    for item in items:
        body = target.body(item, _PLACEHOLDER, Ownership(item.id, repository))
        name = target.resource_name(item, environment or _PLACEHOLDER)
        resources.append(
            {
                "type": "Microsoft.OperationalInsights/workspaces/providers/alertRules",
                "apiVersion": target.api_version_of(body),
                "name": f"[concat(parameters('workspace'), '/Microsoft.SecurityInsights/', '{name}')]",
                **body,
            }
        )
    return _template({"workspace": workspace}, resources)


def monitor_template(items: Iterable[Deployable], repository: str, environment: Environment | None) -> Json:
    target = TARGETS["monitor"]
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
    resources = []
    for item in items:
        body = target.body(item, _PLACEHOLDER, Ownership(item.id, repository))
        body["location"] = "[parameters('location')]"
        body["properties"]["scopes"] = ["[parameters('workspaceResourceId')]"]
        body["properties"]["actions"] = {"actionGroups": "[parameters('actionGroups')]"}
        resources.append(
            {
                "type": target.resource_type,
                "apiVersion": target.api_version_of(body),
                "name": target.resource_name(item, environment or _PLACEHOLDER),
                **body,
            }
        )
    return _template(parameters, resources)


TEMPLATES = {"sentinel": sentinel_template, "monitor": monitor_template}


def export_arm(
    items: Iterable[Deployable],
    out: Path,
    *,
    repository: str,
    environment: Environment | None = None,
    targets: Iterable[str] = ("sentinel", "monitor"),
) -> list[Path]:
    """Write `<target>.json` templates into `out`; return their paths."""
    items = list(items)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for target in targets:
        path = out / f"{target}.json"
        chosen = [item for item in items if deploys_to(item, target)]
        template: Any = TEMPLATES[target](chosen, repository, environment)
        path.write_text(json.dumps(template, indent=2) + "\n", encoding="utf-8")
        written.append(path)
    return written
