"""Defender for Cloud automations (continuous export) on the local ARM emulator, as strict as the spec.

Routes (registered in server.py by one call, `route_automations(...)`, which returns None for other paths):
- `/subscriptions/{sub}/providers/Microsoft.Security/automations` (list the subscription's),
- `/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Security/automations[/{name}]` (list a
  resource group's; GET, PUT, DELETE one),
with api-version 2023-12-01-preview or 2019-01-01-preview, the versions the resource has (no stable one):
specification/security/resource-manager/Microsoft.Security/Security/Automations.Management/preview/
2023-12-01-preview/openapi.json and .../Microsoft.Security/preview/2019-01-01-preview/automations.json.

Rules, from those specs:
- an automation is a tracked resource: it names its `location`;
- each scope's `scopePath` is the automation's subscription or a resource group in it ("Supported scopes
  are the subscription itself or a resource group under that subscription");
- each source's `eventSource` is one of the EventSource values; rules use the Operator and PropertyType
  values;
- each action has an `actionType` (required, the discriminator) of LogicApp, EventHub or Workspace; a
  Workspace action's `workspaceResourceId` is a fully qualified Log Analytics workspace id;
- a LogicApp action's `uri` and an EventHub action's `connectionString` are never returned ("it will not be
  included in any response").
"""

from __future__ import annotations

import copy
import re
import uuid
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

Result = tuple[int, Any, dict[str, str]]

SUBSCRIPTION_LIST = re.compile(
    r"^/subscriptions/(?P<sub>[^/]+)/providers/Microsoft\.Security/automations$", re.I
)
IN_GROUP = re.compile(
    r"^/subscriptions/(?P<sub>[^/]+)/resourceGroups/(?P<rg>[^/]+)/providers/Microsoft\.Security/automations"
    r"(?:/(?P<name>[^/]+))?$",
    re.I,
)
WORKSPACE_ID = re.compile(
    r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.OperationalInsights/workspaces/[^/]+$",
    re.I,
)
API_VERSIONS = ("2023-12-01-preview", "2019-01-01-preview")
EVENT_SOURCES = {
    "Assessments", "AssessmentsSnapshot", "SubAssessments", "SubAssessmentsSnapshot", "Alerts",
    "SecureScores", "SecureScoresSnapshot", "SecureScoreControls", "SecureScoreControlsSnapshot",
    "RegulatoryComplianceAssessment", "RegulatoryComplianceAssessmentSnapshot", "AttackPaths",
    "AttackPathsSnapshot",
}  # fmt: skip
OPERATORS = {
    "Equals", "GreaterThan", "GreaterThanOrEqualTo", "LesserThan", "LesserThanOrEqualTo", "NotEquals",
    "Contains", "StartsWith", "EndsWith",
}  # fmt: skip
PROPERTY_TYPES = {"String", "Integer", "Number", "Boolean"}
ACTION_TYPES = {"LogicApp", "EventHub", "Workspace"}
WRITE_ONLY = {"LogicApp": "uri", "EventHub": "connectionString"}


@dataclass
class _Stored:
    body: dict[str, Any]
    etag: str


def _error(status: HTTPStatus, code: str, message: str) -> Result:
    return status, {"error": {"code": code, "message": message}}, {}


def route_automations(
    handler: Any, method: str, path: str, query: dict[str, str], body: Any
) -> Result | None:
    listing, one = SUBSCRIPTION_LIST.match(path), IN_GROUP.match(path)
    if listing is None and one is None:
        return None
    if query.get("api-version") not in API_VERSIONS:
        return _error(
            HTTPStatus.BAD_REQUEST,
            "InvalidApiVersionParameter",
            f"api-version {query.get('api-version')!r} is not supported; use {' or '.join(API_VERSIONS)}",
        )
    resources = handler.emulator.state.resources
    if listing is not None or (one is not None and one["name"] is None):
        if method != "GET":
            return _error(HTTPStatus.METHOD_NOT_ALLOWED, "MethodNotAllowed", method)
        prefix = path.lower().rsplit("/providers/", 1)[0] + "/"
        items = [
            stored.body
            for key, stored in sorted(resources.items())
            if key.startswith(prefix) and "/providers/microsoft.security/automations/" in key
        ]
        return HTTPStatus.OK, {"value": items}, {}
    assert one is not None
    key, name = path.lower(), one["name"]
    current = resources.get(key)
    if method == "GET":
        if current is None:
            return _error(HTTPStatus.NOT_FOUND, "ResourceNotFound", f"automation {name} was not found")
        return HTTPStatus.OK, current.body, {"ETag": current.etag}
    if method == "DELETE":
        resources.pop(key, None)
        return (HTTPStatus.OK if current else HTTPStatus.NO_CONTENT), None, {}
    if method != "PUT":
        return _error(HTTPStatus.METHOD_NOT_ALLOWED, "MethodNotAllowed", method)
    problem = automation_problem(one["sub"], body)
    if problem:
        return _error(HTTPStatus.BAD_REQUEST, "BadRequest", problem)
    etag = f'"{uuid.uuid4()}"'
    stored = _stored(path, name, body, etag)
    resources[key] = _Stored(stored, etag)
    return (HTTPStatus.OK if current else HTTPStatus.CREATED), stored, {"ETag": etag}


def automation_problem(subscription: str, body: Any) -> str | None:
    """Why Azure would refuse this automation body, or None."""
    if not isinstance(body, dict) or not isinstance(body.get("properties"), dict):
        return "the body must be an object with properties"
    if not isinstance(body.get("location"), str) or not body["location"].strip():
        return "an automation needs a location"
    props = body["properties"]
    if "isEnabled" in props and not isinstance(props["isEnabled"], bool):
        return "isEnabled must be a boolean"
    for field in ("scopes", "sources", "actions"):
        if not isinstance(props.get(field, []), list):
            return f"{field} must be an array"
    whole = f"/subscriptions/{subscription}".lower()
    for scope in props.get("scopes") or []:
        path = str(scope.get("scopePath", "")) if isinstance(scope, dict) else ""
        lowered = path.lower().rstrip("/")
        if lowered != whole and not re.fullmatch(re.escape(whole) + r"/resourcegroups/[^/]+", lowered):
            return (
                f"scopePath {path!r}: a scope is the automation's subscription ({whole}) or a resource group "
                "under it"
            )
    for source in props.get("sources") or []:
        problem = _source_problem(source)
        if problem:
            return problem
    for action in props.get("actions") or []:
        problem = _action_problem(action)
        if problem:
            return problem
    return None


def _source_problem(source: Any) -> str | None:
    if not isinstance(source, dict):
        return "each source is an object"
    event = source.get("eventSource")
    if event not in EVENT_SOURCES:
        return f"eventSource {event!r} is not one of {', '.join(sorted(EVENT_SOURCES))}"
    for rule_set in source.get("ruleSets") or []:
        for rule in (rule_set or {}).get("rules") or []:
            if rule.get("operator") is not None and rule["operator"] not in OPERATORS:
                return f"operator {rule['operator']!r} is not one of {', '.join(sorted(OPERATORS))}"
            if rule.get("propertyType") is not None and rule["propertyType"] not in PROPERTY_TYPES:
                return (
                    f"propertyType {rule['propertyType']!r} is not one of {', '.join(sorted(PROPERTY_TYPES))}"
                )
    return None


def _action_problem(action: Any) -> str | None:
    if not isinstance(action, dict) or "actionType" not in action:
        return "each action needs an actionType (LogicApp, EventHub or Workspace)"
    kind = action["actionType"]
    if kind not in ACTION_TYPES:
        return f"actionType {kind!r} is not one of LogicApp, EventHub, Workspace"
    if kind == "Workspace":
        workspace = action.get("workspaceResourceId")
        if not isinstance(workspace, str) or not WORKSPACE_ID.match(workspace):
            return f"workspaceResourceId {workspace!r} is not a fully qualified Log Analytics workspace id"
    return None


def _stored(path: str, name: str, body: dict[str, Any], etag: str) -> dict[str, Any]:
    properties = copy.deepcopy(body["properties"])
    for action in properties.get("actions") or []:
        action.pop(WRITE_ONLY.get(action["actionType"], ""), None)
    return {
        "id": path,
        "name": name,
        "type": "Microsoft.Security/automations",
        "location": body["location"],
        "etag": etag,
        "tags": body.get("tags") or {},
        "properties": properties,
    }
