"""The checks Azure-Sentinel's repository CI runs on analytic rule YAML, so an exported rule is known to pass
before anyone opens a pull request there.

Source: github:Azure/Azure-Sentinel `.script/tests/detectionTemplateSchemaValidation/` (the file named on each
rule below, under `Models/` unless said otherwise). The CI deserialises each YAML file into the model for its
`kind` and runs the model's validation attributes; `DetectionTemplateSchemaValidationTests.cs` adds the
connector-id and duplicate-id checks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from kqlrules.deploy import ENTITY_CONTRACTS
from kqlrules.deploy.contracts.mitre import unmatched_techniques
from kqlrules.timespan import TimespanError, is_dotnet_timespan, parse_dotnet_timespan
from kqlrules.workflow.connectors import valid_connector_ids

# AttackTactic.cs
CI_TACTICS = (
    "InitialAccess", "Execution", "Persistence", "PrivilegeEscalation", "DefenseEvasion", "CredentialAccess",
    "Discovery", "LateralMovement", "Collection", "Exfiltration", "CommandAndControl", "Impact",
    "Reconnaissance", "ResourceDevelopment", "ImpairProcessControl", "InhibitResponseFunction",
)  # fmt: skip
SEVERITIES = ("Informational", "Low", "Medium", "High")  # QueryBasedTemplateInternalModel.cs
AGGREGATION_KINDS = ("SingleAlert", "AlertPerResult")  # EventGroupingSettings.cs
KINDS = ("Scheduled", "NRT")  # AnalyticsTemplateConverter.cs: the kinds with a template model
# ScheduledTemplateTriggerOperatorConverter.cs
TRIGGER_OPERATORS = ("GreaterThan", "LessThan", "Equal", "NotEqual", "gt", "lt", "eq", "ne")
# EntityMappingIdentifiers.cs: each entity type's identifiers and the sets of which one must be complete. The
# table is the deploy contract's (the service's, from the same CI file), plus IoTDevice, which the CI knows
# and the alert rules API does not.
ENTITY_IDENTIFIERS: dict[str, tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]] = {
    **{name: (contract.identifiers, contract.required) for name, contract in ENTITY_CONTRACTS.items()},
    "IoTDevice": (
        ("DeviceId", "DeviceName", "Manufacturer", "Model", "FirmwareVersion", "OperatingSystem",
         "MacAddress", "Protocols", "SerialNumber", "Source", "IoTSecurityAgentId", "DeviceType"),
        (("DeviceId",),),
    ),
}  # fmt: skip
# QueryBasedTemplateInternalModel.cs's ValidEntityMappings(1, 10, 1, 3), which ScheduledTemplateInternalModel
# inherits ("max for entityMappings is 10", sentinel-service-limits); older versions said 5.
MAX_ENTITY_MAPPINGS = 10
MAX_FIELD_MAPPINGS = 3
_COLUMN = re.compile(r"^[a-zA-Z_]+\w*$")  # ValidEntityMappingsAttribute.cs, DictionaryValueMatchesRegex
_DETAIL_KEY = re.compile(r"^[a-zA-Z]+\w*$")  # DictionaryKeyMatchesRegex on customDetails
_PLACEHOLDER = re.compile(r"\{\{([^{}]*)\}\}")  # MaxAmountOfDynamicContentPlaceHoldersAttribute.cs
_VERSION = re.compile(r"^(\d+\.)(\d+\.)(\d+)$")  # QueryBasedTemplateVersionValidator.cs
_GUID = re.compile(r"^\{?[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}\}?$")
_TECHNIQUE = re.compile(r"^T\d{4}(\.\d{3})?$")  # KillChainTechniquesHelper.cs formats
# NewEntityMappingsAttribute.cs: the columns of the retired entity mapping, which need a new mapping entry.
_OLD_ENTITY_COLUMNS = (
    "AccountCustomEntity", "HostCustomEntity", "IPCustomEntity", "URLCustomEntity", "ProcessCustomEntity",
    "FileHashCustomEntity",
)  # fmt: skip
_MIN_TIMESPAN, _MAX_TIMESPAN = (
    timedelta(minutes=5),
    timedelta(days=14),
)  # RangeTimeSpanIsoFormat("00:05:00", ...)


def enum_name(value: Any, names: Iterable[str]) -> str | None:
    """The enum member `value` names, as the CI's deserialiser reads it: Newtonsoft's StringEnumConverter (and
    AnalyticsTemplateConverter.cs's `Enum.TryParse(kind, ignoreCase: true)`) match names ignoring case, so
    `CommandandControl` is CommandAndControl and `high` is High. None when it names none."""
    if not isinstance(value, str):
        return None
    return next((name for name in names if name.lower() == value.lower()), None)


def ci_timespan(value: Any) -> timedelta | None:
    """ScheduledTemplateTimeSpanConverter.cs: what .NET's `TimeSpan.TryParse` reads (`01:00:00`,
    `1.02:00:00`), else `<number><m|h|d>`; None for anything else."""
    text = str(value)
    if text.strip().isascii() and text.strip().isdigit():
        return timedelta(days=int(text))  # TimeSpan.TryParse reads a bare number as days
    if is_dotnet_timespan(text):
        try:
            return parse_dotnet_timespan(text)
        except TimespanError:
            return None
    match = re.fullmatch(r"(\d+)([mhd])", text)
    if not match:
        return None
    number, unit = int(match.group(1)), match.group(2)
    return {"m": timedelta(minutes=number), "h": timedelta(hours=number), "d": timedelta(days=number)}[unit]


def ci_problems(rule: dict[str, Any]) -> list[str]:
    """Every CI rule one analytic rule YAML (parsed) breaks; empty when the CI would accept it."""
    problems: list[str] = []
    kind = enum_name(rule.get("kind"), KINDS)
    if kind is None:
        return [f"kind {rule.get('kind')!r} is not one of {', '.join(KINDS)} (AnalyticsTemplateConverter.cs)"]
    # AnalyticsTemplateInternalModelBase.cs: required fields and their lengths.
    for key in ("id", "name", "description"):
        if not isinstance(rule.get(key), str):
            problems.append(f"{key} is required (AnalyticsTemplateInternalModelBase.cs)")
    if isinstance(rule.get("id"), str) and not _GUID.match(rule["id"]):
        problems.append(f"id {rule['id']!r} is not a GUID")
    if len(str(rule.get("name") or "")) > 256:
        problems.append("name is longer than 256 characters")
    if len(str(rule.get("description") or "")) > 5000:
        problems.append("description is longer than 5000 characters")
    problems += _tactics_problems(rule)
    problems += _connector_problems(rule, required=kind == "Scheduled")
    # QueryBasedTemplateInternalModel.cs
    if enum_name(rule.get("severity"), SEVERITIES) is None:
        problems.append(f"severity {rule.get('severity')!r} is not one of {', '.join(SEVERITIES)}")
    query = rule.get("query")
    if not isinstance(query, str) or not 1 <= len(query) <= 10_000:
        problems.append("query is required and at most 10000 characters")
    problems += _custom_details_problems(rule.get("customDetails"))
    problems += _entity_problems(rule.get("entityMappings"), str(query or ""))
    problems += _override_problems(rule.get("alertDetailsOverride"))
    version = rule.get("version")
    if version is not None and (len(str(version)) > 20 or not _VERSION.match(str(version))):
        problems.append(f"version {version!r} is not X.Y.Z (QueryBasedTemplateVersionValidator.cs)")
    if rule.get("templateVersion") is not None and not rule.get("alertRuleTemplateName"):
        problems.append(
            "templateVersion without alertRuleTemplateName (NoTemplateVersionWithoutTemplateName.cs)"
        )
    grouping = rule.get("eventGroupingSettings")
    if grouping is not None and enum_name((grouping or {}).get("aggregationKind"), AGGREGATION_KINDS) is None:
        problems.append("eventGroupingSettings.aggregationKind is not SingleAlert or AlertPerResult")
    if kind == "Scheduled":
        problems += _schedule_problems(rule)
    return problems


def _tactics_problems(rule: dict[str, Any]) -> list[str]:
    problems = []
    tactics: list[str] = []
    for tactic in rule.get("tactics") or []:
        name = enum_name(tactic, CI_TACTICS)
        if name is None:
            problems.append(f"tactic {tactic!r} is not one of AttackTactic.cs's")
        else:
            tactics.append(name)
    for technique in rule.get("relevantTechniques") or []:
        if not _TECHNIQUE.match(str(technique)):
            problems.append(f"technique {technique!r} is not T#### or T####.###")
    # NoTechniquesWithoutMatchingTactics.cs: each technique needs one of its tactics.
    techniques = [str(t) for t in rule.get("relevantTechniques") or [] if _TECHNIQUE.match(str(t))]
    for technique in unmatched_techniques(techniques, tactics):
        problems.append(
            f"no valid tactic corresponding to the technique {technique} was provided in the tactics field "
            "(NoTechniquesWithoutMatchingTactics.cs)"
        )
    return problems


def _connector_problems(rule: dict[str, Any], *, required: bool) -> list[str]:
    connectors = rule.get("requiredDataConnectors")
    if connectors is None:
        # ScheduledTemplateInternalModel.cs: `requiredDataConnectors` is Required.Always (empty is fine).
        return ["requiredDataConnectors is required (ScheduledTemplateInternalModel.cs)"] if required else []
    if not isinstance(connectors, list):
        return ["requiredDataConnectors is not a list"]
    problems = []
    valid = valid_connector_ids()
    for connector in connectors:
        if not isinstance(connector, dict) or not isinstance(connector.get("dataTypes"), list):
            problems.append(
                "each requiredDataConnectors entry needs dataTypes (DataConnectorInternalModel.cs)"
            )
            continue
        # DetectionTemplateSchemaValidationTests.cs, Validate_DetectionTemplates_HasValidConnectorIds (exact,
        # case-sensitive match against ValidConnectorIds.json).
        if connector.get("connectorId") not in valid:
            problems.append(f"connectorId {connector.get('connectorId')!r} is not in ValidConnectorIds.json")
    return problems


def _custom_details_problems(details: Any) -> list[str]:
    if details is None:
        return []
    if not isinstance(details, dict):
        return ["customDetails is not a mapping"]
    problems = []
    if len(details) > 20:  # DictionaryLength(20)
        problems.append(f"{len(details)} customDetails; at most 20")
    for key, value in details.items():
        # DictionaryMaxKeyAndValueLengths(20, 500) and the two regexes of ScheduledTemplateInternalModel.cs.
        if len(str(key)) > 20 or not _DETAIL_KEY.match(str(key)):
            problems.append(f"customDetails key {key!r}: a letter, then letters, digits or _, at most 20")
        if len(str(value)) > 500 or not _COLUMN.match(str(value)):
            problems.append(f"customDetails.{key}: {value!r} is not a column name")
    return problems


def _entity_problems(mappings: Any, query: str) -> list[str]:
    problems: list[str] = []
    columns: set[str] = set()
    if mappings is not None:
        if not isinstance(mappings, list) or not 1 <= len(mappings) <= MAX_ENTITY_MAPPINGS:
            count = len(mappings) if isinstance(mappings, list) else "?"
            problems.append(
                f"{count} entityMappings; 1 to {MAX_ENTITY_MAPPINGS} (ValidEntityMappingsAttribute.cs)"
            )
            mappings = mappings if isinstance(mappings, list) else []
        for mapping in mappings:
            problems += _entity_mapping_problems(mapping, columns)
    for old in _OLD_ENTITY_COLUMNS:
        if old in query and old not in columns:
            problems.append(f"{old} in the query has no entity mapping (NewEntityMappingsAttribute.cs)")
    return problems


def _entity_mapping_problems(mapping: Any, columns: set[str]) -> list[str]:
    kind = enum_name((mapping or {}).get("entityType"), ENTITY_IDENTIFIERS)
    if kind is None:
        return [
            f"entity type {(mapping or {}).get('entityType')!r} is not one of EntityMappingIdentifiers.cs's"
        ]
    identifiers, required = ENTITY_IDENTIFIERS[kind]
    fields = mapping.get("fieldMappings") or []
    problems = []
    if not 1 <= len(fields) <= MAX_FIELD_MAPPINGS:
        problems.append(f"{kind} has {len(fields)} fieldMappings; 1 to {MAX_FIELD_MAPPINGS}")
    used: set[str] = set()
    for field in fields:
        identifier, column = field.get("identifier"), str(field.get("columnName"))
        columns.add(column)
        if identifier not in identifiers:
            problems.append(f"{kind} has no identifier {identifier!r}; one of {', '.join(identifiers)}")
        if identifier in used:
            problems.append(f"{kind} maps identifier {identifier!r} twice")
        if len(column) > 500 or not _COLUMN.match(column):
            problems.append(f"{kind}.{identifier}: column {column!r} is not a column name")
        used.add(str(identifier))
    if not any(set(group) <= used for group in required):
        needed = "; ".join(", ".join(group) for group in required)
        problems.append(f"{kind} lacks the identifiers it needs: one of {needed}")
    return problems


def _override_problems(override: Any) -> list[str]:
    if not override:
        return []
    problems = []
    # AlertDetailsOverride.cs: non-empty, length limits and at most 3 placeholders.
    for key, limit in (("alertDisplayNameFormat", 256), ("alertDescriptionFormat", 5000)):
        value = override.get(key)
        if value is None:
            continue
        text = str(value)
        if not text.strip() or len(text) > limit:
            problems.append(f"alertDetailsOverride.{key} must be 1 to {limit} characters")
        count = len(_PLACEHOLDER.findall(text))
        if count > 3:
            problems.append(f"alertDetailsOverride.{key} has {count} placeholders; at most 3")
    return problems


def _schedule_problems(rule: dict[str, Any]) -> list[str]:
    problems = []
    spans: dict[str, timedelta] = {}
    for key in ("queryFrequency", "queryPeriod"):
        span = ci_timespan(rule.get(key))
        if span is None:
            problems.append(
                f"{key} {rule.get(key)!r} is not <number><m|h|d> (ScheduledTemplateTimeSpanConverter.cs)"
            )
        elif not _MIN_TIMESPAN <= span <= _MAX_TIMESPAN:
            problems.append(f"{key} {rule.get(key)!r} is not between 5m and 14d")
        else:
            spans[key] = span
    if len(spans) == 2:
        frequency, period = spans["queryFrequency"], spans["queryPeriod"]
        if period < frequency:
            problems.append("queryPeriod is shorter than queryFrequency (PeriodGreaterThanOrEqualFrequency)")
        if period >= timedelta(days=2) and frequency < timedelta(hours=1):
            problems.append("queryPeriod of 2d or more needs queryFrequency of 1h or more")
    if rule.get("triggerOperator") not in TRIGGER_OPERATORS:
        problems.append(f"triggerOperator {rule.get('triggerOperator')!r} is not one the CI reads")
    threshold = rule.get("triggerThreshold")
    if not isinstance(threshold, int) or isinstance(threshold, bool) or not 0 <= threshold <= 10_000:
        problems.append("triggerThreshold must be a whole number from 0 to 10000")
    return problems


def duplicate_ids(rules: Iterable[tuple[str, dict[str, Any]]]) -> list[str]:
    """DetectionTemplateSchemaValidationTests.cs, NoSameTemplateIdTwice: `(file, rule)` pairs with one id."""
    seen: dict[str, str] = {}
    problems = []
    for name, rule in rules:
        key = str(rule.get("id")).lower()
        if key in seen:
            problems.append(f"{name}: id {rule.get('id')} is also the id of {seen[key]}")
        seen.setdefault(key, name)
    return problems
