"""Microsoft Sentinel's analytic rule YAML (the Azure-Sentinel repository's format) <-> kqlrules detections.

Import keeps every field of the rule: the schedule and trigger, ATT&CK (sub-techniques included), entity
mappings (and the older `sentinelEntitiesMappings`), custom details, alert details override, event and
incident grouping, suppression, required data connectors (as written), tags (words and objects), the
template link (`alertRuleTemplateName` / `templateVersion`), version, status; any other field is
kept verbatim under `sentinel.extra`. Export writes them back; docs/workflow.md lists the few normalisations.
The query becomes the detection's template with Jinja2 syntax escaped, so it renders back to the same text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pydantic

from kqlrules.errors import KqlrulesError, Location
from kqlrules.rules import TACTICS, Detection
from kqlrules.timespan import format_timespan
from kqlrules.workflow.connectors import required_data_connectors
from kqlrules.workflow.sentinel_shapes import shape_problem

_OPERATORS = {
    "gt": "gt",
    "greaterthan": "gt",
    "lt": "lt",
    "lessthan": "lt",
    "eq": "eq",
    "equal": "eq",
    "ne": "ne",
    "notequal": "ne",
}
_TACTICS_BY_KEY = {t.lower(): t for t in TACTICS}
_JINJA_MARKERS = ("{{", "{%", "{#", "}}", "%}", "#}")


class SentinelImportError(KqlrulesError):
    """A Sentinel rule file that cannot become a detection."""


@dataclass(frozen=True)
class ImportedRule:
    """A detection made from a Sentinel rule: its metadata (as written to YAML) and its template text."""

    metadata: dict[str, Any]
    template: str
    query: str
    area: str
    name: str
    source: Path


def template_for(query: str) -> str:
    """The query as a Jinja2 template that renders back to exactly the same text."""
    if not any(marker in query for marker in _JINJA_MARKERS):
        return query
    # `{% raw %}` keeps Jinja2 from reading KQL such as `{{` in a regex as template syntax.
    return "{% raw %}" + query + "{% endraw %}"


def area_for(source: Path) -> str:
    """`Detections/AzureActivity/x.yaml` -> `azureactivity`; `Solutions/Okta SSO/...` -> `okta-sso`."""
    parts = source.parts
    for marker in ("Detections", "Solutions"):
        if marker in parts:
            index = parts.index(marker)
            if index + 1 < len(parts) - 1:
                return _slug(parts[index + 1])
    return _slug(source.parent.name) or "imported"


def file_stem(display_name: str) -> str:
    """A detection's file name from its rule's display name, for every import (Sentinel files, a live
    workspace): `MFA fatigue - denied prompts` -> `mfa_fatigue_denied_prompts` (at most 60 characters),
    the snake_case the repository's own detections use."""
    slug = re.sub(r"[^a-z0-9]+", "_", display_name.lower()).strip("_") or "rule"
    if len(slug) > 60:
        slug = slug[:60].rsplit("_", 1)[0]
    return slug


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _timespan_text(value: Any, field: str, where: Location) -> str:
    text = str(value).strip()
    if not text:
        raise SentinelImportError(f"{field} is empty", where)
    return text


def from_sentinel(data: dict[str, Any], source: Path) -> ImportedRule:
    """Translate one parsed Sentinel rule. Raises `SentinelImportError` for a rule that has no query, or
    one the detection model refuses (the message says why, at the file)."""
    where = Location.of(source)
    query = data.get("query")
    if not isinstance(query, str) or not query.strip():
        raise SentinelImportError(
            "no query: not an analytic rule (a moved stub or another kind of file)", where
        )
    problem = shape_problem(data)
    if problem is not None:
        raise SentinelImportError(f"not importable: {problem}", where)
    try:
        meta = _metadata(data, where)
    except (AttributeError, TypeError, ValueError) as error:
        # A shape the check above does not know: still the file's problem, never a crash.
        message = f"not importable: a field has an unexpected value ({error})"
        raise SentinelImportError(message, where) from None
    # A `query: |` block ends with YAML's newline, not the query's; the template file ends with one of
    # its own, which Jinja2 drops when rendering, so the rendered text is the query exactly.
    query = query[:-1] if query.endswith("\n") else query
    try:
        detection = Detection.model_validate(meta)
    except pydantic.ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        message = str(first["msg"]).removeprefix("Value error, ")
        raise SentinelImportError(f"not importable: {field}: {message}", where) from None
    # Whatever export would not write back (fields kqlrules gives no meaning to, or an explicit default
    # such as `enabled: true`) is kept verbatim, so the exported rule has every field the original had.
    written = to_sentinel(detection, query)
    extra = {key: value for key, value in data.items() if key not in written}
    if "relevantTechniques" in written:
        extra.pop("techniques", None)  # written back under the name Sentinel's CI reads
    if extra:
        meta.setdefault("sentinel", {})["extra"] = extra
    name = file_stem(str(data.get("name") or source.stem))
    return ImportedRule(meta, template_for(query) + "\n", query, area_for(source), name, source)


def _metadata(data: dict[str, Any], where: Location) -> dict[str, Any]:
    kind = str(data.get("kind") or "Scheduled")
    meta: dict[str, Any] = {
        "id": str(data.get("id", "")).strip(),
        "name": str(data.get("name", "")),
        "description": str(data.get("description") or ""),
        "severity": str(data.get("severity") or "Medium"),
    }
    if data.get("enabled") is False:
        meta["enabled"] = False
    if kind == "NRT":
        # Near-real-time rules have no schedule of their own; kqlrules runs them at its shortest frequency.
        meta["schedule"] = {"frequency": "5m", "period": "5m"}
    else:
        meta["schedule"] = {
            "frequency": _timespan_text(data.get("queryFrequency", "1h"), "queryFrequency", where),
            "period": _timespan_text(data.get("queryPeriod", "1h"), "queryPeriod", where),
        }
    operator = _OPERATORS.get(str(data.get("triggerOperator", "gt")).replace(" ", "").lower())
    if operator is None:
        raise SentinelImportError(f"unknown triggerOperator {data.get('triggerOperator')!r}", where)
    meta["trigger"] = {"operator": operator, "threshold": int(data.get("triggerThreshold") or 0)}
    tactics = [
        _TACTICS_BY_KEY.get(str(t).lower().replace(" ", ""), str(t)) for t in data.get("tactics") or []
    ]
    if tactics:
        meta["tactics"] = tactics
    techniques = [
        str(t).strip().upper() for t in (data.get("relevantTechniques") or data.get("techniques") or [])
    ]
    if techniques:
        meta["techniques"] = techniques
    connectors = data.get("requiredDataConnectors")
    tables = sorted(
        {str(t) for c in connectors or [] if isinstance(c, dict) for t in (c.get("dataTypes") or [])}
    )
    if tables:
        meta["tables"] = tables
    entities = [
        {
            "type": str(mapping.get("entityType")),
            "fields": {
                str(f.get("identifier")): str(f.get("columnName")) for f in mapping.get("fieldMappings") or []
            },
        }
        for mapping in data.get("entityMappings") or []
    ]
    if entities:
        meta["entities"] = entities
    if data.get("customDetails"):
        meta["custom_details"] = {str(k): str(v) for k, v in data["customDetails"].items()}
    alert = _alert_from(data.get("alertDetailsOverride") or {})
    if alert:
        meta["alert"] = alert
    meta["version"] = str(data.get("version") or "1.0.0")
    tags = [_tag(t) for t in data.get("tags") or [] if t is not None]
    if tags:
        meta["tags"] = tags
    if data.get("suppressionEnabled") and data.get("suppressionDuration"):
        meta["suppress_for"] = str(data["suppressionDuration"])
    sentinel = _sentinel_from(data, kind, connectors)
    if sentinel:
        meta["sentinel"] = sentinel
    return meta


def _tag(tag: Any) -> str | dict[str, Any]:
    """A tag as written: a word, or an object such as `{Schema: ASimDns, SchemaVersion: 0.1.1}`."""
    if isinstance(tag, dict):
        return {str(k): v for k, v in tag.items()}
    return str(tag)


def _alert_from(override: dict[str, Any]) -> dict[str, Any]:
    alert: dict[str, Any] = {}
    for source_key, key in (
        ("alertDisplayNameFormat", "title"),
        ("alertDescriptionFormat", "description"),
        ("alertSeverityColumnName", "severity_column"),
        ("alertTacticsColumnName", "tactics_column"),
    ):
        if override.get(source_key):
            alert[key] = str(override[source_key])
    dynamic = override.get("alertDynamicProperties") or []
    if dynamic:
        alert["dynamic_properties"] = {str(p["alertProperty"]): str(p["value"]) for p in dynamic}
    return alert


def _sentinel_from(data: dict[str, Any], kind: str, connectors: Any) -> dict[str, Any]:
    sentinel: dict[str, Any] = {}
    if kind != "Scheduled":
        sentinel["kind"] = kind
    grouping = (data.get("eventGroupingSettings") or {}).get("aggregationKind")
    if grouping and grouping != "SingleAlert":
        sentinel["event_grouping"] = grouping
    incident = data.get("incidentConfiguration")
    if incident:
        config = incident.get("groupingConfiguration") or {}
        out: dict[str, Any] = {"create": bool(incident.get("createIncident", True))}
        if config:
            out["grouping"] = {
                "enabled": bool(config.get("enabled", False)),
                "lookback": str(config.get("lookbackDuration", "5h")),
                "matching_method": str(config.get("matchingMethod", "AllEntities")),
                "reopen_closed_incident": bool(config.get("reopenClosedIncident", False)),
                "group_by_entities": list(config.get("groupByEntities") or []),
                "group_by_alert_details": list(config.get("groupByAlertDetails") or []),
                "group_by_custom_details": list(config.get("groupByCustomDetails") or []),
            }
        sentinel["incident"] = out
    if data.get("status"):
        sentinel["status"] = str(data["status"])
    if isinstance(connectors, list):
        # Kept as written, the empty list and the ids' case included (Sentinel's CI requires the key).
        sentinel["required_data_connectors"] = connectors
    template = data.get("alertRuleTemplateName")
    if isinstance(template, str) and template:
        version = data.get("templateVersion")
        sentinel["template"] = {"name": template, **({"version": str(version)} if version else {})}
    if isinstance(data.get("sentinelEntitiesMappings"), list):
        sentinel["entities_mappings"] = data["sentinelEntitiesMappings"]
    return sentinel


def to_sentinel(detection: Detection, query: str, *, tables: list[str] | None = None) -> dict[str, Any]:
    """A Sentinel analytic rule (the Azure-Sentinel repository's YAML shape) for a rendered detection.

    `requiredDataConnectors` is the detection's own list when it has one (an imported rule's, as written);
    otherwise it is derived from `tables` (the tables the query reads; default: the detection's `tables`)."""
    settings = detection.sentinel
    rule: dict[str, Any] = {
        "id": detection.id,
        "name": detection.name,
        "description": detection.description,
        "severity": detection.severity.value,
    }
    if not detection.enabled:
        rule["enabled"] = False
    if settings.required_data_connectors is not None:
        rule["requiredDataConnectors"] = settings.required_data_connectors
    else:
        # Azure-Sentinel's CI requires the key on every scheduled rule, even empty
        # (ScheduledTemplateInternalModel.cs: `requiredDataConnectors`, Required.Always).
        read = detection.tables if tables is None else tables
        rule["requiredDataConnectors"] = required_data_connectors(read, query)[0]
    if settings.kind == "Scheduled":
        rule["queryFrequency"] = format_timespan(detection.schedule.frequency)
        rule["queryPeriod"] = format_timespan(detection.schedule.period)
        rule["triggerOperator"] = detection.trigger.operator
        rule["triggerThreshold"] = detection.trigger.threshold
    if detection.tactics:
        rule["tactics"] = list(detection.tactics)
    if detection.techniques:
        rule["relevantTechniques"] = list(detection.techniques)
    if detection.tags:
        rule["tags"] = list(detection.tags)
    # Written as a `query: |` block, which ends with a newline as the Azure-Sentinel files' queries do.
    rule["query"] = query if query.endswith("\n") else query + "\n"
    if detection.entities:
        rule["entityMappings"] = [
            {
                "entityType": entity.type,
                "fieldMappings": [{"identifier": k, "columnName": v} for k, v in entity.fields.items()],
            }
            for entity in detection.entities
        ]
    if settings.entities_mappings:
        rule["sentinelEntitiesMappings"] = settings.entities_mappings
    if detection.custom_details:
        rule["customDetails"] = dict(detection.custom_details)
    override = _override_of(detection)
    if override:
        rule["alertDetailsOverride"] = override
    if settings.event_grouping != "SingleAlert":
        rule["eventGroupingSettings"] = {"aggregationKind": settings.event_grouping}
    if settings.incident.create is not True or settings.incident.grouping.enabled:
        grouping = settings.incident.grouping
        rule["incidentConfiguration"] = {
            "createIncident": settings.incident.create,
            "groupingConfiguration": {
                "enabled": grouping.enabled,
                "reopenClosedIncident": grouping.reopen_closed_incident,
                "lookbackDuration": format_timespan(grouping.lookback),
                "matchingMethod": grouping.matching_method,
                "groupByEntities": grouping.group_by_entities,
                "groupByAlertDetails": grouping.group_by_alert_details,
                "groupByCustomDetails": grouping.group_by_custom_details,
            },
        }
    if detection.suppress_for:
        rule["suppressionDuration"] = format_timespan(detection.suppress_for)
        rule["suppressionEnabled"] = True
    rule["version"] = detection.version
    rule["kind"] = settings.kind
    if settings.status:
        rule["status"] = settings.status
    if settings.template is not None:
        rule["alertRuleTemplateName"] = settings.template.name
        if settings.template.version:
            rule["templateVersion"] = settings.template.version
    # Kept fields come last and never override what the detection itself says.
    rule.update({k: v for k, v in settings.extra.items() if k not in rule})
    return rule


def _override_of(detection: Detection) -> dict[str, Any]:
    alert = detection.alert
    override: dict[str, Any] = {}
    if alert.title:
        override["alertDisplayNameFormat"] = alert.title
    if alert.description:
        override["alertDescriptionFormat"] = alert.description
    if alert.severity_column:
        override["alertSeverityColumnName"] = alert.severity_column
    if alert.tactics_column:
        override["alertTacticsColumnName"] = alert.tactics_column
    if alert.dynamic_properties:
        override["alertDynamicProperties"] = [
            {"alertProperty": k, "value": v} for k, v in alert.dynamic_properties.items()
        ]
    return override
