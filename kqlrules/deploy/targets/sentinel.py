"""Microsoft Sentinel analytics rules: `Microsoft.SecurityInsights/alertRules` of kind `Scheduled`, `NRT`
and `MicrosoftSecurityIncidentCreation`.

A sub-technique such as T1078.004 is sent in `subTechniques` with its parent T1078 in `techniques` (the
service wants the parent listed); the api-version each body needs is kqlrules/deploy/api_versions.py's.
"""

from __future__ import annotations

from typing import Any

from kqlrules.deploy import normalise as n
from kqlrules.deploy.api_versions import SENTINEL_STABLE, api_version
from kqlrules.deploy.deployable import Deployable
from kqlrules.deploy.environment import Environment
from kqlrules.deploy.normalise import Json
from kqlrules.deploy.ownership import Ownership, owner_from_description, with_marker
from kqlrules.rules import KIND as INCIDENT_CREATION
from kqlrules.rules import Detection, IncidentCreationRule
from kqlrules.timespan import to_iso8601

API_VERSION = SENTINEL_STABLE
KINDS = ("Scheduled", "NRT", INCIDENT_CREATION)
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


def parent_techniques(techniques: list[str]) -> list[str]:
    return list(dict.fromkeys(t.split(".")[0] for t in techniques))


def sub_techniques(techniques: list[str]) -> list[str]:
    return [t for t in dict.fromkeys(techniques) if "." in t]


class SentinelTarget:
    name = "sentinel"
    resource_type = RESOURCE_TYPE
    api_version = API_VERSION

    def resource_name(self, item: Deployable, environment: Environment) -> str:
        return self.name_for(item.id, environment)

    def name_for(self, detection_id: str, environment: Environment) -> str:
        return detection_id

    def api_version_of(self, body: Json) -> str:
        return api_version("sentinel", body)

    def body(self, item: Deployable, environment: Environment, owner: Ownership) -> Json:
        d = item.detection
        if isinstance(d, IncidentCreationRule):
            return _incident_creation(d, owner)
        nrt = d.sentinel.kind == "NRT"
        properties: Json = {
            "displayName": d.name,
            "description": with_marker(d.description, owner),
            "severity": d.severity.value,
            "enabled": d.enabled,
            "query": item.query,
            # An NRT rule runs every minute on what was ingested since its last run: no schedule, no trigger.
            "queryFrequency": None if nrt else to_iso8601(d.schedule.frequency),
            "queryPeriod": None if nrt else to_iso8601(d.schedule.period),
            "triggerOperator": None if nrt else OPERATORS[d.trigger.operator],
            "triggerThreshold": None if nrt else d.trigger.threshold,
            "suppressionEnabled": d.suppress_for is not None,
            "suppressionDuration": to_iso8601(d.suppress_for) if d.suppress_for else DEFAULT_SUPPRESSION,
            "tactics": list(d.tactics),
            "techniques": parent_techniques(d.techniques),
            "subTechniques": sub_techniques(d.techniques),
            "entityMappings": [
                {
                    "entityType": entity.type,
                    "fieldMappings": [{"identifier": i, "columnName": c} for i, c in entity.fields.items()],
                }
                for entity in d.entities
            ],
            "customDetails": dict(d.custom_details),
            # The Microsoft template the rule came from (kept by `import sentinel`): Sentinel offers the
            # template's updates to rules that carry this link (AlertRules.json, 2025-09-01).
            "alertRuleTemplateName": d.sentinel.template.name if d.sentinel.template else None,
            "templateVersion": d.sentinel.template.version if d.sentinel.template else None,
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
        if body.get("kind") == INCIDENT_CREATION:
            return _normalise_incident_creation(body)
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
                    "subTechniques": sorted(p.get("subTechniques") or []),
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


def _incident_creation(rule: IncidentCreationRule, owner: Ownership) -> Json:
    properties: Json = {
        "displayName": rule.name,
        "description": with_marker(rule.description, owner),
        "enabled": rule.enabled,
        "productFilter": rule.product,
        "severitiesFilter": [s.value for s in rule.severities],
        "displayNamesFilter": list(rule.display_names.include),
        "displayNamesExcludeFilter": list(rule.display_names.exclude),
    }
    return {"kind": INCIDENT_CREATION, "properties": n.pruned(properties)}


def _normalise_incident_creation(body: Json) -> Json:
    p: Json = body.get("properties") or {}
    comparable: Json = n.pruned(
        {
            "kind": INCIDENT_CREATION,
            "properties": {
                "displayName": p.get("displayName"),
                "description": p.get("description") or None,
                "enabled": p.get("enabled"),
                "productFilter": p.get("productFilter"),
                "severitiesFilter": sorted(p.get("severitiesFilter") or []),
                "displayNamesFilter": sorted(p.get("displayNamesFilter") or []),
                "displayNamesExcludeFilter": sorted(p.get("displayNamesExcludeFilter") or []),
                "alertRuleTemplateName": p.get("alertRuleTemplateName"),
            },
        }
    )
    return comparable


def _incidents(item: Deployable) -> Json:
    assert isinstance(item.detection, Detection)
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
