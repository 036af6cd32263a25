"""Diagnostic settings and workspace tables on the local ARM emulator, as strict as Azure for what the
specs and service pages define. Written apart from `kqlrules.sources` on purpose: a mistake in one shows.

Routes (registered in server.py by one call, `route_sources(...)`, which returns None for other paths):
- `/providers/microsoft.aadiam/diagnosticSettings[/{name}]`, api-version 2017-04-01 (Entra ID, tenant scope;
  specification/azureactivedirectory/.../stable/2017-04-01/azureactivedirectory.json);
- `/providers/microsoft.intune/diagnosticSettings[/{name}]`, api-version 2017-04-01-preview (Intune, tenant
  scope; no public spec: the Entra ID shape, with the categories of "Send Intune log data to Azure Monitor",
  mem/intune/fundamentals/review-logs-using-azure-monitor);
- `{subscription or resource id}/providers/Microsoft.Insights/diagnosticSettings[/{name}]`, api-version
  2021-05-01-preview (specification/monitor/.../2021-05-01-preview/diagnosticsSettings_API.json);
- `.../Microsoft.OperationalInsights/workspaces/{ws}/tables[/{name}]`, api-version 2025-07-01 (GET, PUT,
  PATCH; OperationalInsights Tables.json).

Rules, each with its source:
- a setting names at least one destination, at most one of each kind; a workspace destination is a
  workspace resource id; an event hub name needs the authorization rule ("Diagnostic settings in Azure
  Monitor", azure-monitor/essentials/diagnostic-settings: "Destinations");
- each category is one the resource type offers (Entra ID: "Configure Microsoft Entra diagnostic
  settings"; Intune: "Send Intune log data to Azure Monitor"; activity log: "Azure Monitor activity log
  schema"; resources: "Supported categories for Azure Monitor resource logs"), listed once;
- at most five settings per resource, and a category goes to one destination through one setting only
  ("Diagnostic settings in Azure Monitor", Limitations: "five diagnostic settings"; "Data sinks can't be
  reused in different settings on the same category for the same resource");
- tables keep 4 to 730 days interactively (-1: the workspace default) and at most 4,383 days (12 years) in
  total, never less than interactively ("Manage data retention in a Log Analytics workspace").
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

Result = tuple[int, Any, dict[str, str]]

ENTRA = re.compile(r"^/providers/microsoft\.aadiam/diagnosticSettings(?:/(?P<name>[^/]+))?$", re.I)
INTUNE = re.compile(r"^/providers/microsoft\.intune/diagnosticSettings(?:/(?P<name>[^/]+))?$", re.I)
INTUNE_SCOPE = "/providers/microsoft.intune"
INSIGHTS = re.compile(
    r"^(?P<scope>/subscriptions/.+?)/providers/Microsoft\.Insights/diagnosticSettings(?:/(?P<name>[^/]+))?$",
    re.I,
)
TABLES = re.compile(
    r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.OperationalInsights/workspaces/[^/]+"
    r"/tables(?:/(?P<name>[^/]+))?$",
    re.I,
)
WORKSPACE_ID = re.compile(
    r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.OperationalInsights/workspaces/[^/]+$",
    re.I,
)
STORAGE_ID = re.compile(
    r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.Storage/storageAccounts/[^/]+$", re.I
)
API_VERSIONS = {
    "entra": "2017-04-01",
    "intune": "2017-04-01-preview",
    "insights": "2021-05-01-preview",
    "tables": "2025-07-01",
}
MAX_SETTINGS = 5

ENTRA_CATEGORIES = {
    "AuditLogs", "SignInLogs", "NonInteractiveUserSignInLogs", "ServicePrincipalSignInLogs",
    "ManagedIdentitySignInLogs", "ProvisioningLogs", "ADFSSignInLogs", "RiskyUsers", "UserRiskEvents",
    "NetworkAccessTrafficLogs", "RiskyServicePrincipals", "ServicePrincipalRiskEvents",
    "EnrichedOffice365AuditLogs", "MicrosoftGraphActivityLogs", "RemoteNetworkHealthLogs",
    "NetworkAccessAlerts", "RiskyAgents",
}  # fmt: skip
INTUNE_CATEGORIES = {"AuditLogs", "OperationalLogs", "DeviceComplianceOrg", "Devices"}
ACTIVITY_CATEGORIES = {
    "Administrative", "Security", "ServiceHealth", "Alert", "Recommendation", "Policy", "Autoscale",
    "ResourceHealth",
}  # fmt: skip
RESOURCE_CATEGORIES = {
    "microsoft.keyvault/vaults": {"AuditEvent", "AzurePolicyEvaluationDetails"},
    "microsoft.network/networksecuritygroups": {
        "NetworkSecurityGroupEvent",
        "NetworkSecurityGroupRuleCounter",
    },
    "microsoft.storage/storageaccounts/blobservices": {"StorageRead", "StorageWrite", "StorageDelete"},
    "microsoft.storage/storageaccounts/fileservices": {"StorageRead", "StorageWrite", "StorageDelete"},
    "microsoft.storage/storageaccounts/queueservices": {"StorageRead", "StorageWrite", "StorageDelete"},
    "microsoft.storage/storageaccounts/tableservices": {"StorageRead", "StorageWrite", "StorageDelete"},
}


@dataclass
class _Stored:
    body: dict[str, Any]
    etag: str


def _error(status: HTTPStatus, code: str, message: str) -> Result:
    return status, {"error": {"code": code, "message": message}}, {}


def route_sources(handler: Any, method: str, path: str, query: dict[str, str], body: Any) -> Result | None:
    entra, intune = ENTRA.match(path), INTUNE.match(path)
    insights, tables = INSIGHTS.match(path), TABLES.match(path)
    if entra is None and intune is None and insights is None and tables is None:
        return None
    kind = "entra" if entra else "intune" if intune else "insights" if insights else "tables"
    if query.get("api-version") != API_VERSIONS[kind]:
        return _error(
            HTTPStatus.BAD_REQUEST,
            "InvalidApiVersionParameter",
            f"api-version {query.get('api-version')!r} is not supported; use {API_VERSIONS[kind]}",
        )
    resources = handler.emulator.state.resources
    if tables is not None:
        return _table(resources, method, path, tables["name"], body)
    match = entra or intune or insights
    assert match is not None
    scope = "" if entra else INTUNE_SCOPE if intune else match["scope"]
    name = match["name"]
    prefix = path.lower().rsplit("/diagnosticsettings", 1)[0] + "/diagnosticsettings/"
    siblings = {k: v for k, v in resources.items() if k.startswith(prefix) and "/" not in k[len(prefix) :]}
    if name is None:
        if method != "GET":
            return _error(HTTPStatus.METHOD_NOT_ALLOWED, "MethodNotAllowed", method)
        return HTTPStatus.OK, {"value": [s.body for _, s in sorted(siblings.items())]}, {}
    key = path.lower()
    current = resources.get(key)
    if method == "GET":
        if current is None:
            return _error(
                HTTPStatus.NOT_FOUND, "ResourceNotFound", f"diagnostic setting {name} was not found"
            )
        return HTTPStatus.OK, current.body, {}
    if method == "DELETE":
        resources.pop(key, None)
        return (HTTPStatus.OK if current else HTTPStatus.NO_CONTENT), None, {}
    if method != "PUT":
        return _error(HTTPStatus.METHOD_NOT_ALLOWED, "MethodNotAllowed", method)
    problem = _setting_problem(scope, name, body, {k: s.body for k, s in siblings.items() if k != key})
    if current is None and len(siblings) >= MAX_SETTINGS:
        problem = problem or f"a resource has at most {MAX_SETTINGS} diagnostic settings"
    if problem:
        return _error(HTTPStatus.BAD_REQUEST, "BadRequest", problem)
    provider = "microsoft.aadiam" if entra else "microsoft.intune" if intune else "Microsoft.Insights"
    stored = {
        "id": path if insights else f"/providers/{provider}/diagnosticSettings/{name}",
        "name": name,
        "type": f"{provider}/diagnosticSettings",
        "properties": body["properties"],
    }
    resources[key] = _Stored(stored, f'"{uuid.uuid4()}"')
    return (HTTPStatus.OK if current else HTTPStatus.CREATED), stored, {}


def _categories_of(scope: str) -> set[str] | None:
    if not scope:
        return ENTRA_CATEGORIES
    if scope == INTUNE_SCOPE:
        return INTUNE_CATEGORIES
    parts = scope.strip("/").split("/")
    if len(parts) == 2:  # subscriptions/{id}: the activity log
        return ACTIVITY_CATEGORIES
    provider = scope.lower().split("/providers/")[-1].split("/")
    return RESOURCE_CATEGORIES.get("/".join([provider[0], *provider[1::2]]))


def _setting_problem(scope: str, name: str, body: Any, others: dict[str, Any]) -> str | None:
    if not isinstance(body, dict) or not isinstance(body.get("properties"), dict):
        return "the body must be an object with properties"
    if not name or len(name) > 260 or re.search(r"[*#&+:<>?@%{}\\/]", name):
        return f"invalid diagnostic setting name {name!r}"
    props = body["properties"]
    destinations = [
        k
        for k in (
            "workspaceId",
            "storageAccountId",
            "eventHubAuthorizationRuleId",
            "serviceBusRuleId",
            "marketplacePartnerId",
        )
        if props.get(k)
    ]
    if not destinations:
        return "a diagnostic setting needs at least one destination (workspace, storage account or event hub)"
    workspace = props.get("workspaceId")
    if workspace and not WORKSPACE_ID.match(str(workspace)):
        return f"workspaceId {workspace!r} is not a Log Analytics workspace resource id"
    storage = props.get("storageAccountId")
    if storage and not STORAGE_ID.match(str(storage)):
        return f"storageAccountId {storage!r} is not a storage account resource id"
    if props.get("eventHubName") and not props.get("eventHubAuthorizationRuleId"):
        return "eventHubName needs eventHubAuthorizationRuleId"
    offered = _categories_of(scope)
    if offered is None:
        return f"the resource type of {scope} supports no diagnostic log categories here"
    logs = props.get("logs") or []
    if not isinstance(logs, list):
        return "logs must be an array"
    seen: set[str] = set()
    for log in logs:
        if not isinstance(log, dict) or not isinstance(log.get("enabled"), bool):
            return "each log setting has a category and enabled (a boolean)"
        category = log.get("category")
        if category not in offered:
            return f"category {category!r} is not supported here; supported: {', '.join(sorted(offered))}"
        if category in seen:
            return f"category {category!r} is listed twice"
        seen.add(category)
    enabled = {log["category"] for log in logs if log["enabled"]}
    for other in others.values():
        other_props = other.get("properties") or {}
        shared = {
            k
            for k in destinations
            if other_props.get(k) and str(other_props[k]).lower() == str(props[k]).lower()
        }
        other_enabled = {log.get("category") for log in other_props.get("logs") or [] if log.get("enabled")}
        reused = sorted(enabled & other_enabled)
        if shared and reused:
            sink = props[sorted(shared)[0]]
            return (
                f"Data sink {sink!r} is already used in diagnostic setting {other.get('name')!r} "
                f"for category {reused[0]!r}. Data sinks can't be reused in different settings on the same "
                "category for the same resource."
            )
    return None


def _table(resources: dict[str, Any], method: str, path: str, name: str | None, body: Any) -> Result:
    if name is None:
        if method != "GET":
            return _error(HTTPStatus.METHOD_NOT_ALLOWED, "MethodNotAllowed", method)
        prefix = path.lower().rstrip("/") + "/"
        items = [
            s.body
            for k, s in sorted(resources.items())
            if k.startswith(prefix) and "/" not in k[len(prefix) :]
        ]
        return HTTPStatus.OK, {"value": items}, {}
    key = path.lower()
    current = resources.get(key)
    if method == "GET":
        return (HTTPStatus.OK, current.body, {}) if current else _default_table(path, name)
    if method not in ("PUT", "PATCH"):
        return _error(HTTPStatus.METHOD_NOT_ALLOWED, "MethodNotAllowed", method)
    props = body.get("properties") if isinstance(body, dict) else None
    if not isinstance(props, dict):
        return _error(HTTPStatus.BAD_REQUEST, "BadRequest", "the body must be an object with properties")
    merged = {
        **(current.body["properties"] if current else _default_table(path, name)[1]["properties"]),
        **props,
    }
    interactive, total = merged.get("retentionInDays"), merged.get("totalRetentionInDays")
    if not isinstance(interactive, int) or not (interactive == -1 or 4 <= interactive <= 730):
        return _error(
            HTTPStatus.BAD_REQUEST, "InvalidParameter", f"retentionInDays {interactive!r}: 4 to 730, or -1"
        )
    if not isinstance(total, int) or not (total == -1 or 4 <= total <= 4383):
        return _error(
            HTTPStatus.BAD_REQUEST, "InvalidParameter", f"totalRetentionInDays {total!r}: 4 to 4383, or -1"
        )
    if total != -1 and interactive != -1 and total < interactive:
        return _error(
            HTTPStatus.BAD_REQUEST,
            "InvalidParameter",
            "totalRetentionInDays cannot be less than retentionInDays",
        )
    merged["retentionInDaysAsDefault"] = interactive == -1
    merged["totalRetentionInDaysAsDefault"] = total == -1
    merged["provisioningState"] = "Succeeded"
    stored = {
        "id": path,
        "name": name,
        "type": "Microsoft.OperationalInsights/workspaces/tables",
        "properties": merged,
    }
    resources[key] = _Stored(stored, f'"{uuid.uuid4()}"')
    return HTTPStatus.OK, stored, {}


def _default_table(path: str, name: str) -> Result:
    """A table never configured: the workspace default of 30 days ("Manage data retention")."""
    properties = {
        "retentionInDays": 30,
        "totalRetentionInDays": 30,
        "retentionInDaysAsDefault": True,
        "totalRetentionInDaysAsDefault": True,
        "provisioningState": "Succeeded",
    }
    return (
        HTTPStatus.OK,
        {
            "id": path,
            "name": name,
            "type": "Microsoft.OperationalInsights/workspaces/tables",
            "properties": properties,
        },
        {},
    )
