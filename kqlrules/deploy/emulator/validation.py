"""The services' validation rules, as the emulator applies them to a PUT body.

Shapes, required fields and enums come from the REST specs (monitor 2023-12-01 scheduledQueryRule_API.json,
securityinsights 2025-09-01 AlertRules.json with common/AlertTypes.json); tests compare these tables with
the spec files. Limits that the specs do not state (frequencies, lengths, counts, entity identifiers) are
the services' documented limits. The tables are written out here, not shared with the deploy targets, so
that a mistake in a target shows up as a rejection.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

ISO_DURATION = re.compile(r"^P(?!$)(\d+(\.\d+)?D)?(T(?=\d)(\d+(\.\d+)?H)?(\d+(\.\d+)?M)?(\d+(\.\d+)?S)?)?$")

# monitor-2023-12-01
MONITOR_KINDS = ("LogAlert", "LogToMetric")
MONITOR_SEVERITIES = (0, 1, 2, 3, 4)
MONITOR_TIME_AGGREGATIONS = ("Count", "Average", "Minimum", "Maximum", "Total")
MONITOR_OPERATORS = ("Equals", "GreaterThan", "GreaterThanOrEqual", "LessThan", "LessThanOrEqual")
MONITOR_DIMENSION_OPERATORS = ("Include", "Exclude")
MONITOR_RESOURCE_REQUIRED = ("properties", "location")
MONITOR_DIMENSION_REQUIRED = ("name", "operator", "values")
MONITOR_FREQUENCIES = (
    "PT1M",
    "PT5M",
    "PT10M",
    "PT15M",
    "PT30M",
    "PT45M",
    "PT1H",
    "PT2H",
    "PT3H",
    "PT4H",
    "PT5H",
    "PT6H",
    "P1D",
)
MONITOR_MAX_WINDOW = timedelta(days=2)

# securityinsights-2025-09-01
SENTINEL_KINDS = ("Scheduled", "MicrosoftSecurityIncidentCreation", "Fusion")
SENTINEL_SEVERITIES = ("High", "Medium", "Low", "Informational")
SENTINEL_OPERATORS = ("GreaterThan", "LessThan", "Equal", "NotEqual")
SENTINEL_TACTICS = (
    "Reconnaissance",
    "ResourceDevelopment",
    "InitialAccess",
    "Execution",
    "Persistence",
    "PrivilegeEscalation",
    "DefenseEvasion",
    "CredentialAccess",
    "Discovery",
    "LateralMovement",
    "Collection",
    "Exfiltration",
    "CommandAndControl",
    "Impact",
    "PreAttack",
    "ImpairProcessControl",
    "InhibitResponseFunction",
)
SENTINEL_ENTITY_TYPES = (
    "Account",
    "Host",
    "IP",
    "Malware",
    "File",
    "Process",
    "CloudApplication",
    "DNS",
    "AzureResource",
    "FileHash",
    "RegistryKey",
    "RegistryValue",
    "SecurityGroup",
    "URL",
    "Mailbox",
    "MailCluster",
    "MailMessage",
    "SubmissionMail",
)
SENTINEL_AGGREGATION_KINDS = ("SingleAlert", "AlertPerResult")
SENTINEL_MATCHING_METHODS = ("AllEntities", "AnyAlert", "Selected")
SENTINEL_ALERT_DETAILS = ("DisplayName", "Severity")
SENTINEL_ALERT_PROPERTIES = (
    "AlertLink",
    "ConfidenceLevel",
    "ConfidenceScore",
    "ExtendedLinks",
    "ProductName",
    "ProviderName",
    "ProductComponentName",
    "RemediationSteps",
    "Techniques",
)
SENTINEL_REQUIRED = (
    "displayName",
    "enabled",
    "severity",
    "query",
    "queryFrequency",
    "queryPeriod",
    "triggerOperator",
    "triggerThreshold",
    "suppressionEnabled",
    "suppressionDuration",
)
SENTINEL_GROUPING_REQUIRED = ("enabled", "reopenClosedIncident", "lookbackDuration", "matchingMethod")
# Sentinel's documented entity identifiers (entities reference), by entity type.
SENTINEL_IDENTIFIERS: dict[str, tuple[str, ...]] = {
    "Account": (
        "Name",
        "FullName",
        "NTDomain",
        "DnsDomain",
        "UPNSuffix",
        "Sid",
        "AadTenantId",
        "AadUserId",
        "PUID",
        "IsDomainJoined",
        "DisplayName",
        "ObjectGuid",
    ),
    "Host": (
        "DnsDomain",
        "NTDomain",
        "HostName",
        "FullName",
        "NetBiosName",
        "AzureID",
        "OMSAgentID",
        "OSFamily",
        "OSVersion",
        "IsDomainJoined",
    ),
    "IP": ("Address",),
    "Malware": ("Name", "Category"),
    "File": ("Directory", "Name"),
    "Process": ("ProcessId", "CommandLine"),
    "CloudApplication": ("AppId", "Name", "InstanceName"),
    "DNS": ("DomainName",),
    "AzureResource": ("ResourceId",),
    "FileHash": ("Algorithm", "Value"),
    "RegistryKey": ("Hive", "Key"),
    "RegistryValue": ("Name", "Value", "ValueType"),
    "SecurityGroup": ("DistinguishedName", "SID", "ObjectGuid"),
    "URL": ("Url",),
    "Mailbox": ("MailboxPrimaryAddress", "DisplayName", "Upn", "ExternalDirectoryObjectId", "RiskLevel"),
    "MailCluster": (
        "NetworkMessageIds",
        "CountByDeliveryStatus",
        "CountByThreat",
        "CountByProtectionStatus",
        "Threats",
        "Query",
        "QueryTime",
        "MailCount",
        "IsVolumeAnomaly",
        "Source",
        "ClusterSourceIdentifier",
        "ClusterSourceType",
        "ClusterQueryStartTime",
        "ClusterQueryEndTime",
        "ClusterGroup",
    ),
    "MailMessage": (
        "Recipient",
        "Urls",
        "Threats",
        "Sender",
        "P1Sender",
        "P1SenderDisplayName",
        "P1SenderDomain",
        "SenderIP",
        "P2Sender",
        "P2SenderDisplayName",
        "P2SenderDomain",
        "ReceivedDate",
        "NetworkMessageId",
        "InternetMessageId",
        "Subject",
        "AntispamDirection",
        "DeliveryAction",
        "DeliveryLocation",
        "Language",
        "ThreatDetectionMethods",
    ),
    "SubmissionMail": (
        "SubmissionId",
        "SubmissionDate",
        "Submitter",
        "NetworkMessageId",
        "Timestamp",
        "Recipient",
        "Sender",
        "SenderIp",
        "Subject",
        "ReportType",
    ),
}
SENTINEL_MIN_FREQUENCY, SENTINEL_MAX_PERIOD = timedelta(minutes=5), timedelta(days=14)
SENTINEL_MAX_QUERY = 10_000
SENTINEL_MAX_THRESHOLD = 10_000
SENTINEL_MAX_ENTITIES, SENTINEL_MAX_FIELDS, SENTINEL_MAX_DETAILS = 10, 3, 20
SENTINEL_SUPPRESSION = (timedelta(minutes=5), timedelta(hours=24))
TECHNIQUE = re.compile(r"^T\d{4}$")


class Problems:
    """Collects `path: message` for one request body."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, path: str, message: str) -> None:
        self.items.append(f"{path}: {message}")

    def typed(self, value: Any, path: str, kind: type | tuple[type, ...], required: bool = False) -> bool:
        if value is None:
            if required:
                self.add(path, "is required")
            return False
        if isinstance(value, bool) and kind in (int, float, (int, float)):
            self.add(path, f"must be {_kind_name(kind)}")
            return False
        if not isinstance(value, kind):
            self.add(path, f"must be {_kind_name(kind)}")
            return False
        return True

    def enum(self, value: Any, path: str, allowed: tuple[Any, ...], required: bool = False) -> None:
        if value is None:
            if required:
                self.add(path, "is required")
            return
        if value not in allowed:
            self.add(path, f"{value!r} is not one of {', '.join(map(str, allowed))}")

    def duration(self, value: Any, path: str, required: bool = False) -> timedelta | None:
        if not self.typed(value, path, str, required):
            return None
        if not ISO_DURATION.match(value):
            self.add(path, f"{value!r} is not an ISO 8601 duration such as PT5M")
            return None
        return _iso_to_timedelta(value)


def _kind_name(kind: type | tuple[type, ...]) -> str:
    names = {
        str: "a string",
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        list: "an array",
        dict: "an object",
    }
    if isinstance(kind, tuple):
        return names.get(kind[-1], "a number")
    return names.get(kind, kind.__name__)


def _iso_to_timedelta(value: str) -> timedelta:
    match = re.match(
        r"^P(?:(?P<d>[\d.]+)D)?(?:T(?:(?P<h>[\d.]+)H)?(?:(?P<m>[\d.]+)M)?(?:(?P<s>[\d.]+)S)?)?$", value
    )
    assert match is not None
    parts = {k: float(v or 0) for k, v in match.groupdict().items()}
    return timedelta(days=parts["d"], hours=parts["h"], minutes=parts["m"], seconds=parts["s"])


def validate_monitor(body: Any) -> list[str]:
    p = Problems()
    if not p.typed(body, "body", dict, required=True):
        return p.items
    for key in MONITOR_RESOURCE_REQUIRED:
        if body.get(key) is None:
            p.add(key, "is required")
    p.typed(body.get("location"), "location", str)
    p.enum(body.get("kind"), "kind", MONITOR_KINDS)
    tags = body.get("tags")
    if p.typed(tags, "tags", dict):
        for key, value in tags.items():
            p.typed(value, f"tags.{key}", str)
    props = body.get("properties")
    if not p.typed(props, "properties", dict):
        return p.items
    log_alert = body.get("kind", "LogAlert") == "LogAlert"
    p.enum(props.get("severity"), "properties.severity", MONITOR_SEVERITIES, required=log_alert)
    for flag in ("enabled", "autoMitigate", "skipQueryValidation", "checkWorkspaceAlertsStorageConfigured"):
        p.typed(props.get(flag), f"properties.{flag}", bool)
    for text in ("displayName", "description"):
        p.typed(props.get(text), f"properties.{text}", str)
    scopes = props.get("scopes")
    if p.typed(scopes, "properties.scopes", list, required=True) and not scopes:
        p.add("properties.scopes", "must name at least one resource")
    frequency = p.duration(props.get("evaluationFrequency"), "properties.evaluationFrequency", log_alert)
    window = p.duration(props.get("windowSize"), "properties.windowSize", log_alert)
    p.duration(props.get("overrideQueryTimeRange"), "properties.overrideQueryTimeRange")
    mute = p.duration(props.get("muteActionsDuration"), "properties.muteActionsDuration")
    if frequency is not None and props["evaluationFrequency"] not in MONITOR_FREQUENCIES:
        p.add("properties.evaluationFrequency", f"must be one of {', '.join(MONITOR_FREQUENCIES)}")
    if window is not None and window > MONITOR_MAX_WINDOW:
        p.add("properties.windowSize", "must be at most P2D")
    if mute is not None and props.get("autoMitigate") is True:
        p.add("properties.muteActionsDuration", "cannot be set while autoMitigate is true")
    criteria = props.get("criteria")
    if p.typed(criteria, "properties.criteria", dict, required=log_alert):
        conditions = criteria.get("allOf")
        if p.typed(conditions, "properties.criteria.allOf", list, required=True) and not conditions:
            p.add("properties.criteria.allOf", "must have a condition")
        for index, condition in enumerate(conditions or []):
            _monitor_condition(p, condition, f"properties.criteria.allOf[{index}]", log_alert)
    actions = props.get("actions")
    if p.typed(actions, "properties.actions", dict) and p.typed(
        actions.get("actionGroups"), "properties.actions.actionGroups", list
    ):
        for index, group in enumerate(actions["actionGroups"]):
            p.typed(group, f"properties.actions.actionGroups[{index}]", str)
    return p.items


def _monitor_condition(p: Problems, condition: Any, path: str, log_alert: bool) -> None:
    if not p.typed(condition, path, dict):
        return
    if (
        p.typed(condition.get("query"), f"{path}.query", str, required=True)
        and not condition["query"].strip()
    ):
        p.add(f"{path}.query", "must not be empty")
    p.enum(condition.get("timeAggregation"), f"{path}.timeAggregation", MONITOR_TIME_AGGREGATIONS, log_alert)
    p.enum(condition.get("operator"), f"{path}.operator", MONITOR_OPERATORS, log_alert)
    p.typed(condition.get("threshold"), f"{path}.threshold", (int, float), log_alert)
    failing = condition.get("failingPeriods")
    if p.typed(failing, f"{path}.failingPeriods", dict):
        total = failing.get("numberOfEvaluationPeriods", 1)
        least = failing.get("minFailingPeriodsToAlert", 1)
        if (
            p.typed(total, f"{path}.failingPeriods.numberOfEvaluationPeriods", int)
            and p.typed(least, f"{path}.failingPeriods.minFailingPeriodsToAlert", int)
            and least > total
        ):
            p.add(
                f"{path}.failingPeriods", "minFailingPeriodsToAlert must not exceed numberOfEvaluationPeriods"
            )
    dimensions = condition.get("dimensions")
    if p.typed(dimensions, f"{path}.dimensions", list):
        for index, dimension in enumerate(dimensions):
            where = f"{path}.dimensions[{index}]"
            if not p.typed(dimension, where, dict):
                continue
            for key in MONITOR_DIMENSION_REQUIRED:
                if dimension.get(key) is None:
                    p.add(f"{where}.{key}", "is required")
            p.enum(dimension.get("operator"), f"{where}.operator", MONITOR_DIMENSION_OPERATORS)


def validate_sentinel(body: Any) -> list[str]:
    p = Problems()
    if not p.typed(body, "body", dict, required=True):
        return p.items
    p.enum(body.get("kind"), "kind", SENTINEL_KINDS, required=True)
    if body.get("kind") not in (None, "Scheduled"):
        p.add("kind", "this emulator serves Scheduled rules only")
    props = body.get("properties")
    if not p.typed(props, "properties", dict, required=True):
        return p.items
    for key in SENTINEL_REQUIRED:
        if props.get(key) is None:
            p.add(f"properties.{key}", "is required")
    for text in ("displayName", "description", "query"):
        p.typed(props.get(text), f"properties.{text}", str)
    for flag in ("enabled", "suppressionEnabled"):
        p.typed(props.get(flag), f"properties.{flag}", bool)
    p.enum(props.get("severity"), "properties.severity", SENTINEL_SEVERITIES)
    p.enum(props.get("triggerOperator"), "properties.triggerOperator", SENTINEL_OPERATORS)
    query = props.get("query")
    if isinstance(query, str) and len(query) > SENTINEL_MAX_QUERY:
        p.add("properties.query", f"must be at most {SENTINEL_MAX_QUERY} characters")
    threshold = props.get("triggerThreshold")
    if (
        p.typed(threshold, "properties.triggerThreshold", int)
        and not 0 <= threshold <= SENTINEL_MAX_THRESHOLD
    ):
        p.add("properties.triggerThreshold", f"must be between 0 and {SENTINEL_MAX_THRESHOLD}")
    frequency = p.duration(props.get("queryFrequency"), "properties.queryFrequency")
    period = p.duration(props.get("queryPeriod"), "properties.queryPeriod")
    for name, value in (("queryFrequency", frequency), ("queryPeriod", period)):
        if value is not None and not SENTINEL_MIN_FREQUENCY <= value <= SENTINEL_MAX_PERIOD:
            p.add(f"properties.{name}", "must be between PT5M and P14D")
    suppression = p.duration(props.get("suppressionDuration"), "properties.suppressionDuration")
    if suppression is not None and not SENTINEL_SUPPRESSION[0] <= suppression <= SENTINEL_SUPPRESSION[1]:
        p.add("properties.suppressionDuration", "must be between PT5M and PT24H")
    if p.typed(props.get("tactics"), "properties.tactics", list):
        for index, tactic in enumerate(props["tactics"]):
            p.enum(tactic, f"properties.tactics[{index}]", SENTINEL_TACTICS)
    if p.typed(props.get("techniques"), "properties.techniques", list):
        for index, technique in enumerate(props["techniques"]):
            if not isinstance(technique, str) or not TECHNIQUE.match(technique):
                p.add(f"properties.techniques[{index}]", f"{technique!r} is not a technique id such as T1078")
    _sentinel_entities(p, props.get("entityMappings"))
    details = props.get("customDetails")
    if p.typed(details, "properties.customDetails", dict) and len(details) > SENTINEL_MAX_DETAILS:
        p.add("properties.customDetails", f"at most {SENTINEL_MAX_DETAILS} custom details")
    grouping = props.get("eventGroupingSettings")
    if p.typed(grouping, "properties.eventGroupingSettings", dict):
        p.enum(
            grouping.get("aggregationKind"),
            "properties.eventGroupingSettings.aggregationKind",
            SENTINEL_AGGREGATION_KINDS,
        )
    override = props.get("alertDetailsOverride")
    if p.typed(override, "properties.alertDetailsOverride", dict):
        for index, mapping in enumerate(override.get("alertDynamicProperties") or []):
            p.enum(
                mapping.get("alertProperty"),
                f"properties.alertDetailsOverride.alertDynamicProperties[{index}].alertProperty",
                SENTINEL_ALERT_PROPERTIES,
            )
    _sentinel_incidents(p, props.get("incidentConfiguration"))
    return p.items


def _sentinel_entities(p: Problems, mappings: Any) -> None:
    if not p.typed(mappings, "properties.entityMappings", list):
        return
    if len(mappings) > SENTINEL_MAX_ENTITIES:
        p.add("properties.entityMappings", f"at most {SENTINEL_MAX_ENTITIES} entity mappings")
    for index, mapping in enumerate(mappings):
        path = f"properties.entityMappings[{index}]"
        if not p.typed(mapping, path, dict):
            continue
        entity = mapping.get("entityType")
        p.enum(entity, f"{path}.entityType", SENTINEL_ENTITY_TYPES, required=True)
        fields = mapping.get("fieldMappings")
        if not p.typed(fields, f"{path}.fieldMappings", list, required=True):
            continue
        if not 1 <= len(fields) <= SENTINEL_MAX_FIELDS:
            p.add(f"{path}.fieldMappings", f"must have 1 to {SENTINEL_MAX_FIELDS} fields")
        for number, field_mapping in enumerate(fields):
            where = f"{path}.fieldMappings[{number}]"
            identifier = field_mapping.get("identifier") if isinstance(field_mapping, dict) else None
            if entity in SENTINEL_IDENTIFIERS:
                p.enum(identifier, f"{where}.identifier", SENTINEL_IDENTIFIERS[entity], required=True)
            if not isinstance(field_mapping, dict) or not field_mapping.get("columnName"):
                p.add(f"{where}.columnName", "is required")


def _sentinel_incidents(p: Problems, incidents: Any) -> None:
    path = "properties.incidentConfiguration"
    if not p.typed(incidents, path, dict):
        return
    p.typed(incidents.get("createIncident"), f"{path}.createIncident", bool, required=True)
    grouping = incidents.get("groupingConfiguration")
    if not p.typed(grouping, f"{path}.groupingConfiguration", dict):
        return
    for key in SENTINEL_GROUPING_REQUIRED:
        if grouping.get(key) is None:
            p.add(f"{path}.groupingConfiguration.{key}", "is required")
    p.duration(grouping.get("lookbackDuration"), f"{path}.groupingConfiguration.lookbackDuration")
    p.enum(
        grouping.get("matchingMethod"),
        f"{path}.groupingConfiguration.matchingMethod",
        SENTINEL_MATCHING_METHODS,
    )
    for index, entity in enumerate(grouping.get("groupByEntities") or []):
        p.enum(entity, f"{path}.groupingConfiguration.groupByEntities[{index}]", SENTINEL_ENTITY_TYPES)
    for index, detail in enumerate(grouping.get("groupByAlertDetails") or []):
        p.enum(detail, f"{path}.groupingConfiguration.groupByAlertDetails[{index}]", SENTINEL_ALERT_DETAILS)
