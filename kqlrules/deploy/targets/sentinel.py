"""Microsoft Sentinel scheduled analytics rules: `Microsoft.SecurityInsights/alertRules`, kind `Scheduled`.

api-version 2025-09-01. Its stable spec has `techniques` only (no `subTechniques`), so a sub-technique such
as T1078.004 is deployed as its parent technique T1078.
"""

from __future__ import annotations

from typing import Any

from kqlrules.deploy import normalise as n
from kqlrules.deploy.deployable import Deployable
from kqlrules.deploy.environment import Environment
from kqlrules.deploy.normalise import Json
from kqlrules.deploy.ownership import Ownership, owner_from_description, with_marker
from kqlrules.deploy.targets.base import Problem, query_problems
from kqlrules.timespan import to_iso8601

API_VERSION = "2025-09-01"
RESOURCE_TYPE = "Microsoft.SecurityInsights/alertRules"
OPERATORS = {"gt": "GreaterThan", "lt": "LessThan", "eq": "Equal", "ne": "NotEqual"}
OPERATOR_SPELLINGS = {
    **OPERATORS,
    "greaterthan": "GreaterThan",
    "lessthan": "LessThan",
    "equal": "Equal",
    "equals": "Equal",
    "notequal": "NotEqual",
}
# What the portal sets when nobody says otherwise; the API requires a duration even when suppression is off.
DEFAULT_SUPPRESSION = "PT5H"
DEFAULT_INCIDENTS: Json = {
    "createIncident": True,
    "groupingConfiguration": {
        "enabled": False,
        "reopenClosedIncident": False,
        "lookbackDuration": "PT5H",
        "matchingMethod": "AllEntities",
        "groupByEntities": [],
        "groupByAlertDetails": [],
        "groupByCustomDetails": [],
    },
}
DEFAULT_GROUPING: Json = {"aggregationKind": "SingleAlert"}
# The 2025-09-01 spec's EntityMappingType: an entity type outside it is rejected by the API.
ENTITY_TYPES = (
    "Account", "Host", "IP", "Malware", "File", "Process", "CloudApplication", "DNS", "AzureResource",
    "FileHash", "RegistryKey", "RegistryValue", "SecurityGroup", "URL", "Mailbox", "MailCluster",
    "MailMessage", "SubmissionMail",
)  # fmt: skip


def parent_techniques(techniques: list[str]) -> list[str]:
    return list(dict.fromkeys(t.split(".")[0] for t in techniques))


class SentinelTarget:
    name = "sentinel"
    resource_type = RESOURCE_TYPE
    api_version = API_VERSION

    def resource_name(self, item: Deployable) -> str:
        return item.detection.id

    def preflight(self, item: Deployable, environment: Environment) -> list[Problem]:
        problems = query_problems(item)
        d = item.detection
        if d.suppress_for is not None and not 5 * 60 <= d.suppress_for.total_seconds() <= 24 * 3600:
            problems.append(
                Problem("suppress_for must be between 5m and 24h (Sentinel's limit)", ("suppress_for",))
            )
        if d.sentinel.kind != "Scheduled":
            problems.append(
                Problem(
                    f"kind {d.sentinel.kind} is not deployable: api-version {API_VERSION} has Scheduled only",
                    ("sentinel", "kind"),
                )
            )
        for entity in d.entities:
            if entity.type not in ENTITY_TYPES:
                problems.append(
                    Problem(
                        f"entity type {entity.type!r} is not one of Sentinel's: {', '.join(ENTITY_TYPES)}",
                        ("entities",),
                    )
                )
        return problems

    def body(self, item: Deployable, environment: Environment, owner: Ownership) -> Json:
        d = item.detection
        properties: Json = {
            "displayName": d.name,
            "description": with_marker(d.description, owner),
            "severity": d.severity.value,
            "enabled": d.enabled,
            "query": item.query,
            "queryFrequency": to_iso8601(d.schedule.frequency),
            "queryPeriod": to_iso8601(d.schedule.period),
            "triggerOperator": OPERATORS[d.trigger.operator],
            "triggerThreshold": d.trigger.threshold,
            "suppressionEnabled": d.suppress_for is not None,
            "suppressionDuration": to_iso8601(d.suppress_for) if d.suppress_for else DEFAULT_SUPPRESSION,
            "tactics": list(d.tactics),
            "techniques": parent_techniques(d.techniques),
            "entityMappings": [
                {
                    "entityType": entity.type,
                    "fieldMappings": [{"identifier": i, "columnName": c} for i, c in entity.fields.items()],
                }
                for entity in d.entities
            ],
            "customDetails": dict(d.custom_details),
            "eventGroupingSettings": {"aggregationKind": d.sentinel.event_grouping},
            "incidentConfiguration": _incidents(item),
            "alertDetailsOverride": {
                "alertDisplayNameFormat": d.alert.title,
                "alertDescriptionFormat": d.alert.description,
                "alertSeverityColumnName": d.alert.severity_column,
                "alertTacticsColumnName": d.alert.tactics_column,
                "alertDynamicProperties": [
                    {"alertProperty": name, "value": column}
                    for name, column in d.alert.dynamic_properties.items()
                ],
            },
        }
        return {"kind": d.sentinel.kind, "properties": n.pruned(properties)}

    def normalise(self, body: Json) -> Json:
        p: Json = body.get("properties") or {}
        incidents = {**DEFAULT_INCIDENTS, **(p.get("incidentConfiguration") or {})}
        grouping = {
            **DEFAULT_INCIDENTS["groupingConfiguration"],
            **(incidents.get("groupingConfiguration") or {}),
        }
        grouping["lookbackDuration"] = n.duration(grouping.get("lookbackDuration"))
        for key in ("groupByEntities", "groupByAlertDetails", "groupByCustomDetails"):
            grouping[key] = sorted(grouping.get(key) or [])
        override = dict(p.get("alertDetailsOverride") or {})
        if override.get("alertDynamicProperties"):
            override["alertDynamicProperties"] = sorted(
                override["alertDynamicProperties"], key=lambda m: str(m.get("alertProperty"))
            )
        comparable: Json = n.pruned(
            {
                "kind": body.get("kind"),
                "properties": {
                    "displayName": p.get("displayName"),
                    "description": p.get("description") or None,
                    "severity": p.get("severity"),
                    "enabled": p.get("enabled"),
                    "query": n.query_text(p.get("query")),
                    "queryFrequency": n.duration(p.get("queryFrequency")),
                    "queryPeriod": n.duration(p.get("queryPeriod")),
                    "triggerOperator": n.alias(p.get("triggerOperator"), OPERATOR_SPELLINGS),
                    "triggerThreshold": p.get("triggerThreshold"),
                    "suppressionEnabled": p.get("suppressionEnabled"),
                    "suppressionDuration": n.duration(p.get("suppressionDuration")),
                    "tactics": sorted(p.get("tactics") or []),
                    "techniques": sorted(p.get("techniques") or []),
                    "entityMappings": sorted(
                        (_entity(e) for e in p.get("entityMappings") or []),
                        key=lambda e: str(e["entityType"]),
                    ),
                    "customDetails": p.get("customDetails"),
                    "alertDetailsOverride": override,
                    "eventGroupingSettings": p.get("eventGroupingSettings") or DEFAULT_GROUPING,
                    "incidentConfiguration": {**incidents, "groupingConfiguration": grouping},
                    "alertRuleTemplateName": p.get("alertRuleTemplateName"),
                    "templateVersion": p.get("templateVersion"),
                },
            }
        )
        return comparable

    def owner(self, body: Json) -> Ownership | None:
        return owner_from_description((body.get("properties") or {}).get("description"))


def _incidents(item: Deployable) -> Json:
    incident = item.detection.sentinel.incident
    grouping = incident.grouping
    return {
        "createIncident": incident.create,
        "groupingConfiguration": {
            "enabled": grouping.enabled,
            "reopenClosedIncident": grouping.reopen_closed_incident,
            "lookbackDuration": to_iso8601(grouping.lookback),
            "matchingMethod": grouping.matching_method,
            "groupByEntities": list(grouping.group_by_entities),
            "groupByAlertDetails": list(grouping.group_by_alert_details),
            "groupByCustomDetails": list(grouping.group_by_custom_details),
        },
    }


def _entity(mapping: dict[str, Any]) -> Json:
    fields = sorted(mapping.get("fieldMappings") or [], key=lambda f: str(f.get("identifier")))
    return {"entityType": mapping.get("entityType"), "fieldMappings": fields}
