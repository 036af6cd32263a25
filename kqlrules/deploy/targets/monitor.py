"""Azure Monitor log search alert rules: `Microsoft.Insights/scheduledQueryRules`, api-version 2023-12-01."""

from __future__ import annotations

from typing import Any

from kqlrules.deploy import normalise as n
from kqlrules.deploy.api_versions import MONITOR, api_version
from kqlrules.deploy.deployable import Deployable
from kqlrules.deploy.environment import Environment
from kqlrules.deploy.normalise import Json
from kqlrules.deploy.ownership import Ownership, monitor_tags, owner_from_tags
from kqlrules.rules import Detection, Severity
from kqlrules.timespan import to_iso8601

API_VERSION = MONITOR
RESOURCE_TYPE = "Microsoft.Insights/scheduledQueryRules"

# Sentinel's four severities onto Monitor's 0 (critical) .. 4 (verbose); 0 is never produced.
SEVERITY = {Severity.High: 1, Severity.Medium: 2, Severity.Low: 3, Severity.Informational: 4}
OPERATORS = {"gt": "GreaterThan", "lt": "LessThan", "eq": "Equals"}
OPERATOR_SPELLINGS = {
    **OPERATORS,
    "greaterthan": "GreaterThan",
    "lessthan": "LessThan",
    "equals": "Equals",
    "equal": "Equals",
    "greaterthanorequal": "GreaterThanOrEqual",
    "lessthanorequal": "LessThanOrEqual",
    "ge": "GreaterThanOrEqual",
    "le": "LessThanOrEqual",
}


class MonitorTarget:
    name = "monitor"
    resource_type = RESOURCE_TYPE
    api_version = API_VERSION

    def resource_name(self, item: Deployable, environment: Environment) -> str:
        """`<detection id>-<workspace>`: Monitor rules live in a resource group, not in the workspace, so two
        environments (workspaces) in one resource group need different names for the same detection."""
        return self.name_for(item.id, environment)

    def name_for(self, detection_id: str, environment: Environment) -> str:
        return f"{detection_id}-{environment.workspace}"

    def api_version_of(self, body: Json) -> str:
        return api_version("monitor", body)

    def body(self, item: Deployable, environment: Environment, owner: Ownership) -> Json:
        d = item.detection
        assert isinstance(d, Detection), "incident-creation rules are Sentinel rules"
        properties: Json = {
            "displayName": d.name,
            "description": d.description,
            "severity": SEVERITY[d.severity],
            "enabled": d.enabled,
            "scopes": [environment.workspace_id],
            "evaluationFrequency": to_iso8601(d.schedule.frequency),
            "windowSize": to_iso8601(d.schedule.period),
            "criteria": {
                "allOf": [
                    {
                        "query": item.query,
                        "timeAggregation": "Count",
                        "operator": OPERATORS.get(d.trigger.operator, d.trigger.operator),
                        "threshold": d.trigger.threshold,
                        "failingPeriods": {"numberOfEvaluationPeriods": 1, "minFailingPeriodsToAlert": 1},
                    }
                ]
            },
            "actions": {"actionGroups": list(environment.action_groups)},
            "skipQueryValidation": False,
        }
        # Stateless unless the detection asks (monitor.auto_mitigate): a stateful alert does not fire again
        # until resolved, so a second attack would be hidden. Muting actions needs autoMitigate false.
        properties["autoMitigate"] = d.monitor.auto_mitigate and d.suppress_for is None
        if d.suppress_for is not None:
            properties["muteActionsDuration"] = to_iso8601(d.suppress_for)
        return {
            "location": environment.location,
            "kind": "LogAlert",
            "tags": monitor_tags(owner),
            "properties": properties,
        }

    def normalise(self, body: Json) -> Json:
        p: Json = body.get("properties") or {}
        conditions = [_condition(c) for c in (p.get("criteria") or {}).get("allOf") or []]
        actions = p.get("actions") or {}
        mute = n.duration(p.get("muteActionsDuration"))
        comparable: Json = n.pruned(
            {
                "location": n.location(body.get("location")),
                "kind": body.get("kind") or "LogAlert",
                "tags": dict(body.get("tags") or {}),
                "properties": {
                    "displayName": p.get("displayName"),
                    "description": p.get("description") or None,
                    "severity": None if p.get("severity") is None else int(p["severity"]),
                    "enabled": p.get("enabled", True),
                    "scopes": sorted(n.resource_id(s) for s in p.get("scopes") or []),
                    "evaluationFrequency": n.duration(p.get("evaluationFrequency")),
                    "windowSize": n.duration(p.get("windowSize")),
                    "overrideQueryTimeRange": n.duration(p.get("overrideQueryTimeRange")),
                    "targetResourceTypes": p.get("targetResourceTypes"),
                    "criteria": {"allOf": conditions},
                    "muteActionsDuration": mute,
                    "autoMitigate": p.get("autoMitigate", mute is None),
                    "actions": {
                        "actionGroups": sorted(n.resource_id(a) for a in actions.get("actionGroups") or []),
                        "customProperties": actions.get("customProperties"),
                        "actionProperties": actions.get("actionProperties"),
                    },
                    "skipQueryValidation": bool(p.get("skipQueryValidation", False)),
                    "checkWorkspaceAlertsStorageConfigured": bool(
                        p.get("checkWorkspaceAlertsStorageConfigured", False)
                    ),
                    "ruleResolveConfiguration": _resolve(p.get("ruleResolveConfiguration")),
                },
            }
        )
        return comparable

    def owner(self, body: Json) -> Ownership | None:
        return owner_from_tags(body.get("tags"))


def _resolve(configuration: Any) -> Json | None:
    """ruleResolveConfiguration as one form: absent, `{}` and the service's defaults (not auto-resolved,
    no time to resolve) are the same; a duration in any spelling is canonical ISO 8601."""
    configuration = configuration or {}
    auto_resolved = bool(configuration.get("autoResolved", False))
    time_to_resolve = n.duration(configuration.get("timeToResolve"))
    if not auto_resolved and time_to_resolve is None:
        return None
    return {"autoResolved": auto_resolved, "timeToResolve": time_to_resolve}


def _condition(condition: dict[str, Any]) -> Json:
    failing = condition.get("failingPeriods") or {}
    threshold = condition.get("threshold")
    return {
        "query": n.query_text(condition.get("query")),
        "timeAggregation": condition.get("timeAggregation"),
        "metricMeasureColumn": condition.get("metricMeasureColumn"),
        "resourceIdColumn": condition.get("resourceIdColumn"),
        "operator": n.alias(condition.get("operator"), OPERATOR_SPELLINGS),
        "threshold": None if threshold is None else float(threshold),
        "failingPeriods": {
            "numberOfEvaluationPeriods": int(failing.get("numberOfEvaluationPeriods", 1)),
            "minFailingPeriodsToAlert": int(failing.get("minFailingPeriodsToAlert", 1)),
        },
        "dimensions": [
            {"name": d.get("name"), "operator": d.get("operator"), "values": list(d.get("values") or [])}
            for d in condition.get("dimensions") or []
        ],
    }
