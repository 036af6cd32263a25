"""`kqlrules import workspace`: the alert rules already live in a workspace -> kqlrules detections.

Both targets are read through the deploy room's ARM clients (`kqlrules.deploy.open_stores`): Sentinel's
scheduled analytics rules and the Azure Monitor log search alert rules that query the workspace. Each live
rule is first put in the shape of a Sentinel analytic rule file, so one mapping (`from_sentinel`) makes
every detection, whatever its source.

A rule's detection id is the one kqlrules marked it with when it deployed it (a description marker in
Sentinel, tags in Monitor), else the rule's name when that is a GUID (Sentinel's are), else a UUID derived
from the rule's resource id, so importing the same rule again finds the same id and skips it.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pydantic

from kqlrules.deploy import Environment, LiveRule, RuleStore, owner_from_description, owner_from_tags
from kqlrules.errors import KqlrulesError, Location
from kqlrules.rules import Detection
from kqlrules.timespan import TimespanError, format_timespan, parse_timespan
from kqlrules.workflow.importer import write_detection
from kqlrules.workflow.sentinel_format import ImportedRule, SentinelImportError, file_stem, from_sentinel

DEFAULT_AREA = "imported"
_MARKER_LINE = re.compile(r"\n*\[kqlrules repository=[^\]]*\]\s*$")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
# Monitor's 0 (critical) .. 4 (verbose) onto Sentinel's four severities.
MONITOR_SEVERITY = {0: "High", 1: "High", 2: "Medium", 3: "Low", 4: "Informational"}

TablesOf = Callable[[str], list[str]]


@dataclass
class WorkspaceImport:
    written: list[tuple[Path, LiveRule]] = field(default_factory=list)
    skipped: list[KqlrulesError] = field(default_factory=list)


def rule_location(rule: LiveRule) -> Location:
    return Location(f"{rule.target}:{rule.name}")


def import_workspace(
    stores: Mapping[str, RuleStore],
    environment: Environment,
    out: Path,
    *,
    existing: Mapping[str, Path],
    area: str = DEFAULT_AREA,
    tables_of: TablesOf | None = None,
) -> WorkspaceImport:
    """Write a detection under `out/<area>/` for each live rule whose id `existing` (id -> yaml path) and
    the rules imported before it lack; Sentinel first, as its rules carry more of a detection."""
    report = WorkspaceImport()
    taken = {key.lower(): value for key, value in existing.items()}
    for target in sorted(stores, key=lambda name: name != "sentinel"):
        for rule in sorted(stores[target].list(), key=lambda r: r.name):
            try:
                shaped = rule_file(rule, environment)
                rule_id = str(shaped["id"]).lower()
                if rule_id in taken:
                    raise KqlrulesError(f"id {rule_id} is already in {taken[rule_id]}", rule_location(rule))
                imported = detection_of(shaped, rule, tables_of)
            except KqlrulesError as error:
                report.skipped.append(error)
                continue
            path = write_detection(out, area, imported)
            taken[rule_id] = path
            report.written.append((path, rule))
    return report


def rule_file(rule: LiveRule, environment: Environment) -> dict[str, Any]:
    """A live rule in the shape of a Sentinel analytic rule file."""
    if rule.target == "sentinel":
        return sentinel_rule_file(rule)
    if rule.target == "monitor":
        return monitor_rule_file(rule, environment)
    raise KqlrulesError(f"unknown target {rule.target!r}", rule_location(rule))


def detection_of(shaped: dict[str, Any], rule: LiveRule, tables_of: TablesOf | None = None) -> ImportedRule:
    """The detection for a rule file made by `rule_file`; its metadata is checked by the model, and its
    tables are the analyzer's when `tables_of` is given (live rules do not list them)."""
    source = Path(f"{rule.target}/{rule.name}.yaml")
    imported = from_sentinel(shaped, source)
    metadata = imported.metadata
    if tables_of is not None and "tables" not in metadata:
        tables = tables_of(imported.query)
        if tables:
            metadata = _with_tables(metadata, tables)
    # A rule imported from one target stays on it: deploying it to the other too would create rules nobody
    # asked for (and a Sentinel rule may look back further than Monitor's 2-day window).
    metadata = {**metadata, "targets": [rule.target]}
    try:
        Detection.model_validate(metadata)
    except pydantic.ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'rule'}: {e['msg']}" for e in error.errors()
        )
        raise SentinelImportError(f"not importable: {problems}", rule_location(rule)) from None
    name = file_stem(str(metadata.get("name") or rule.name))
    return ImportedRule(metadata, imported.template, imported.query, DEFAULT_AREA, name, source)


def sentinel_rule_file(rule: LiveRule) -> dict[str, Any]:
    """A Sentinel `alertRules` resource (kind Scheduled or NRT) as a Sentinel analytic rule file."""
    body = rule.body
    p: dict[str, Any] = body.get("properties") or {}
    owner = owner_from_description(p.get("description"))
    techniques = [*(p.get("techniques") or []), *(p.get("subTechniques") or [])]
    shaped: dict[str, Any] = {
        "id": owner.detection_id if owner else _rule_id(rule),
        "name": p.get("displayName") or rule.name,
        "description": _MARKER_LINE.sub("", str(p.get("description") or "")).strip(),
        "severity": p.get("severity") or "Medium",
        "enabled": p.get("enabled", True),
        "kind": body.get("kind") or "Scheduled",
        "triggerOperator": p.get("triggerOperator") or "GreaterThan",
        "triggerThreshold": p.get("triggerThreshold") or 0,
        "tactics": p.get("tactics") or [],
        "relevantTechniques": list(dict.fromkeys(techniques)),
        "query": p.get("query"),
        "entityMappings": p.get("entityMappings") or [],
        "customDetails": p.get("customDetails") or {},
        "alertDetailsOverride": p.get("alertDetailsOverride") or {},
        "eventGroupingSettings": p.get("eventGroupingSettings") or {},
        "version": p.get("templateVersion") or "1.0.0",
    }
    if shaped["kind"] != "NRT":  # an NRT rule has no schedule (it runs every minute)
        shaped["queryFrequency"] = _timespan(p.get("queryFrequency"), "queryFrequency", rule)
        shaped["queryPeriod"] = _timespan(p.get("queryPeriod"), "queryPeriod", rule)
    if p.get("suppressionEnabled"):
        shaped["suppressionEnabled"] = True
        shaped["suppressionDuration"] = _timespan(p.get("suppressionDuration"), "suppressionDuration", rule)
    incident = _incident(p.get("incidentConfiguration"), rule)
    if incident:
        shaped["incidentConfiguration"] = incident
    return shaped


def monitor_rule_file(rule: LiveRule, environment: Environment) -> dict[str, Any]:
    """An Azure Monitor `scheduledQueryRules` resource as a Sentinel analytic rule file; a rule whose
    condition is not "the number of result rows against a threshold" has no kqlrules equivalent."""
    body = rule.body
    p: dict[str, Any] = body.get("properties") or {}
    where = rule_location(rule)
    scopes = [str(scope).rstrip("/").lower() for scope in p.get("scopes") or []]
    if environment.workspace_id.lower() not in scopes:
        raise SentinelImportError(f"queries {', '.join(scopes) or 'no scope'}, not this workspace", where)
    conditions = (p.get("criteria") or {}).get("allOf") or []
    if len(conditions) != 1:
        raise SentinelImportError(f"{len(conditions)} conditions; a detection has one query", where)
    condition = conditions[0]
    if condition.get("metricMeasureColumn") or condition.get("dimensions"):
        raise SentinelImportError(
            "the condition aggregates a column or splits by dimensions; kqlrules triggers on the row count",
            where,
            hint="rewrite the query to return one row per finding, then import it",
        )
    operator, threshold = _monitor_trigger(condition, where)
    owner = owner_from_tags(body.get("tags"))
    severity = p.get("severity")
    shaped: dict[str, Any] = {
        "id": owner.detection_id if owner else _rule_id(rule),
        "name": p.get("displayName") or rule.name,
        "description": str(p.get("description") or "").strip(),
        "severity": MONITOR_SEVERITY.get(int(severity), "Medium") if severity is not None else "Medium",
        "enabled": p.get("enabled", True),
        "queryFrequency": _timespan(p.get("evaluationFrequency"), "evaluationFrequency", rule),
        "queryPeriod": _timespan(p.get("windowSize"), "windowSize", rule),
        "triggerOperator": operator,
        "triggerThreshold": threshold,
        "query": condition.get("query"),
    }
    if p.get("muteActionsDuration"):
        shaped["suppressionEnabled"] = True
        shaped["suppressionDuration"] = _timespan(p["muteActionsDuration"], "muteActionsDuration", rule)
    return shaped


def _monitor_trigger(condition: dict[str, Any], where: Location) -> tuple[str, int]:
    """Monitor's operator and (real) threshold as the equivalent test on an integer row count."""
    operator = str(condition.get("operator") or "GreaterThan")
    value = float(condition.get("threshold") or 0)
    if operator == "GreaterThan":
        return "gt", math.floor(value)
    if operator == "GreaterThanOrEqual":
        return "gt", math.ceil(value) - 1
    if operator == "LessThan":
        return "lt", math.ceil(value)
    if operator == "LessThanOrEqual":
        return "lt", math.floor(value) + 1
    if operator == "Equals" and value.is_integer():
        return "eq", int(value)
    raise SentinelImportError(f"operator {operator} {value:g} has no row-count equivalent", where)


def _incident(config: Any, rule: LiveRule) -> dict[str, Any] | None:
    """The incident settings, unless they are the service's defaults (create, no grouping)."""
    if not isinstance(config, dict):
        return None
    grouping = dict(config.get("groupingConfiguration") or {})
    if config.get("createIncident", True) and not grouping.get("enabled", False):
        return None
    if grouping.get("lookbackDuration"):
        grouping["lookbackDuration"] = _timespan(grouping["lookbackDuration"], "lookbackDuration", rule)
    return {**config, "groupingConfiguration": grouping}


def _rule_id(rule: LiveRule) -> str:
    if _GUID.match(rule.name):
        return rule.name.lower()
    resource_id = str(rule.body.get("id") or f"{rule.target}/{rule.name}").lower()
    return str(uuid.uuid5(uuid.NAMESPACE_URL, resource_id))


def _timespan(value: Any, key: str, rule: LiveRule) -> str:
    """ARM's ISO 8601 duration (`PT1H`) as a kqlrules timespan (`1h`)."""
    if value is None or value == "":
        raise SentinelImportError(f"no {key}", rule_location(rule))
    try:
        return format_timespan(parse_timespan(str(value)))
    except TimespanError:
        raise SentinelImportError(f"{key} {value!r} is not a duration", rule_location(rule)) from None


def _with_tables(metadata: dict[str, Any], tables: list[str]) -> dict[str, Any]:
    """`tables` placed after the ATT&CK keys, where a person writing the file would put it."""
    ordered: dict[str, Any] = {}
    anchor = next((k for k in ("techniques", "tactics", "trigger") if k in metadata), None)
    for key, value in metadata.items():
        ordered[key] = value
        if key == anchor:
            ordered["tables"] = tables
    ordered.setdefault("tables", tables)
    return ordered
