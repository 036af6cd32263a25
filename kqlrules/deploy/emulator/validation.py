"""The services' validation rules, as the emulator applies them to a PUT body.

Shapes, required fields and enums come from the REST specs (monitor 2023-12-01 scheduledQueryRule_API.json,
securityinsights 2025-09-01 and 2025-07-01-preview AlertRules.json with common/AlertTypes.json); tests
compare these tables with the spec files. Limits that the specs do not state are the services' documented
and enforced ones: Azure-Sentinel's repository CI (.script/tests/detectionTemplateSchemaValidation: entity
identifiers and their required combinations, 3 placeholders per alert format, name 256 / description 5000,
custom detail keys and values, and the service's own ARM model validators kept there: templateVersion X.Y.Z
and only with a template name, an hourly frequency for a period of 2 days or more), Microsoft Learn (10
entity mappings, NRT rules single-workspace and at most 50, log search alert frequencies and windows, the
1-minute frequency's unsupported operators, a measure column for every aggregation but Count, ARM's tag
limits). Errors take ARM's shape (server.py): 400, `error.code` BadRequest, one `details` entry a rule.
The tables
are written out here, not shared with the deploy contracts (kqlrules/deploy/contracts/), so that a mistake
in one shows up as a disagreement.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from kqlrules.timespan import parse_iso8601_duration


@dataclass(frozen=True)
class QueryInfo:
    """What the service's query validation finds: syntax errors; output columns (None when it cannot bind);
    operators and functions used (lower case)."""

    syntax_errors: tuple[str, ...] = ()
    columns: frozenset[str] | None = None
    operators: frozenset[str] = frozenset()
    functions: frozenset[str] = frozenset()


@dataclass
class Context:
    """What the emulated service knows besides the body: how to analyse a query, which action groups
    exist, how many NRT rules the workspace already has."""

    analyze: Callable[[str], QueryInfo] | None = None
    action_groups: set[str] = field(default_factory=set)
    nrt_rules: int = 0
    api_version: str = "2025-09-01"

    def query(self, text: str) -> QueryInfo:
        return self.analyze(text) if self.analyze is not None else QueryInfo()


ISO_DURATION = re.compile(r"^P(?!$)(\d+(\.\d+)?D)?(T(?=\d)(\d+(\.\d+)?H)?(\d+(\.\d+)?M)?(\d+(\.\d+)?S)?)?$")

# monitor-2023-12-01
MONITOR_KINDS = ("LogAlert", "LogToMetric")
MONITOR_SEVERITIES = (0, 1, 2, 3, 4)
MONITOR_TIME_AGGREGATIONS = ("Count", "Average", "Minimum", "Maximum", "Total")
MONITOR_OPERATORS = ("Equals", "GreaterThan", "GreaterThanOrEqual", "LessThan", "LessThanOrEqual")
MONITOR_DIMENSION_OPERATORS = ("Include", "Exclude")
MONITOR_RESOURCE_REQUIRED = ("properties", "location")
# ScheduledQueryRuleResource.properties: "required": ["enabled", "criteria", "scopes"] (2023-12-01 swagger).
MONITOR_PROPERTIES_REQUIRED = ("enabled", "criteria", "scopes")
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
# ARM's tag limits (Learn, azure-resource-manager/management/tag-resources#limitations): at most 50 tags, a
# name of at most 512 characters without < > % & \ ? /, a value of at most 256 characters.
MAX_TAGS, MAX_TAG_NAME, MAX_TAG_VALUE = 50, 512, 256
TAG_NAME_FORBIDDEN = re.compile(r"[<>%&\\?/]")
MONITOR_MAX_PROPERTIES = 64 * 1024
MONITOR_ONE_MINUTE_OPERATORS = ("search", "union", "take")
MONITOR_ONE_MINUTE_FUNCTIONS = ("ingestion_time", "adx")
MONITOR_WORKSPACE = re.compile(
    r"^/subscriptions/[^/]+/resourcegroups/[^/]+/providers/microsoft\.operationalinsights/workspaces/[^/]+$"
)
MONITOR_RESOURCE_ID = re.compile(
    r"^/subscriptions/[^/]+(/resourcegroups/[^/]+(/providers/[^/]+/[^/]+/[^/]+)*)?$"
)
MONITOR_CONTAINER = re.compile(r"^/subscriptions/[^/]+(/resourcegroups/[^/]+)?$")
# `az account list-locations` names (public, US Government and China clouds).
AZURE_REGIONS = frozenset(
    [
        "australiacentral",
        "australiacentral2",
        "australiaeast",
        "australiasoutheast",
        "austriaeast",
        "belgiumcentral",
        "brazilsouth",
        "brazilsoutheast",
        "canadacentral",
        "canadaeast",
        "centralindia",
        "centralus",
        "chilecentral",
        "denmarkeast",
        "eastasia",
        "eastus",
        "eastus2",
        "francecentral",
        "francesouth",
        "germanynorth",
        "germanywestcentral",
        "indonesiacentral",
        "israelcentral",
        "italynorth",
        "japaneast",
        "japanwest",
        "jioindiacentral",
        "jioindiawest",
        "koreacentral",
        "koreasouth",
        "malaysiawest",
        "mexicocentral",
        "newzealandnorth",
        "northcentralus",
        "northeurope",
        "norwayeast",
        "norwaywest",
        "polandcentral",
        "qatarcentral",
        "southafricanorth",
        "southafricawest",
        "southcentralus",
        "southindia",
        "southeastasia",
        "spaincentral",
        "swedencentral",
        "swedensouth",
        "switzerlandnorth",
        "switzerlandwest",
        "uaecentral",
        "uaenorth",
        "uksouth",
        "ukwest",
        "westcentralus",
        "westeurope",
        "westindia",
        "westus",
        "westus2",
        "westus3",
        "usgovarizona",
        "usgovtexas",
        "usgovvirginia",
        "usdodcentral",
        "usdodeast",
        "chinaeast",
        "chinaeast2",
        "chinaeast3",
        "chinanorth",
        "chinanorth2",
        "chinanorth3",
    ]
)

# securityinsights-2025-09-01 (stable) and 2025-07-01-preview
SENTINEL_STABLE, SENTINEL_PREVIEW = "2025-09-01", "2025-07-01-preview"
# The stable versions whose alert rule schema is 2025-09-01's (securityinsights stable/2024-03-01,
# 2025-03-01, 2025-06-01 and 2025-09-01 AlertRules.json define the same kinds, properties and enums; none has
# NRT, github:Azure/bicep-types-az issue 2534 for 2025-06-01).
SENTINEL_STABLE_VERSIONS = (SENTINEL_STABLE, "2025-06-01", "2025-03-01", "2024-03-01")
SENTINEL_KINDS = ("Scheduled", "MicrosoftSecurityIncidentCreation", "Fusion")
SENTINEL_PREVIEW_KINDS = (*SENTINEL_KINDS, "MLBehaviorAnalytics", "ThreatIntelligence", "NRT")
# Rules made from a Microsoft template: FusionAlertRuleProperties (stable and preview),
# MLBehaviorAnalyticsAlertRuleProperties and ThreatIntelligenceAlertRuleProperties (preview) require
# alertRuleTemplateName and enabled; what else they show (displayName, severity, tactics, ...) is readOnly,
# filled by the service from the template.
SENTINEL_TEMPLATE_KINDS = ("Fusion", "MLBehaviorAnalytics", "ThreatIntelligence")
SENTINEL_TEMPLATE_REQUIRED = ("alertRuleTemplateName", "enabled")
SENTINEL_TEMPLATE_READ_ONLY = (
    "displayName", "description", "severity", "tactics", "techniques", "subTechniques", "lastModifiedUtc",
)  # fmt: skip
SENTINEL_SERVED_KINDS = ("Scheduled", "NRT", "MicrosoftSecurityIncidentCreation", *SENTINEL_TEMPLATE_KINDS)
SENTINEL_NRT_REQUIRED = (
    "displayName",
    "enabled",
    "severity",
    "query",
    "suppressionEnabled",
    "suppressionDuration",
)
SENTINEL_INCIDENT_CREATION_REQUIRED = ("displayName", "enabled", "productFilter")
SENTINEL_PRODUCTS = (
    "Microsoft Cloud App Security",
    "Azure Security Center",
    "Azure Advanced Threat Protection",
    "Azure Active Directory Identity Protection",
    "Azure Security Center for IoT",
)
SENTINEL_PREVIEW_PRODUCTS = (
    *SENTINEL_PRODUCTS,
    "Office 365 Advanced Threat Protection",
    "Microsoft Defender Advanced Threat Protection",
)
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
SENTINEL_PREVIEW_ALERT_PROPERTIES = (*SENTINEL_ALERT_PROPERTIES, "SubTechniques")
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
# Every identifier of each entity type, and the combinations one of which must be mapped in full
# (Azure-Sentinel CI Models/EntityMappingIdentifiers.cs; Microsoft Learn sentinel/entities-reference).
SENTINEL_IDENTIFIERS: dict[str, tuple[str, ...]] = {
    "Account": ("Name", "FullName", "NTDomain", "DnsDomain", "UPNSuffix", "Sid", "AadTenantId", "AadUserId",
                "PUID", "IsDomainJoined", "DisplayName", "ObjectGuid"),
    "Host": ("DnsDomain", "NTDomain", "HostName", "FullName", "NetBiosName", "AzureID", "OMSAgentID",
             "OSFamily", "OSVersion", "IsDomainJoined"),
    "IP": ("Address",),
    "Malware": ("Name", "Category"),
    "File": ("Directory", "Name"),
    "Process": ("ProcessId", "CommandLine", "ElevationToken", "CreationTimeUtc"),
    "CloudApplication": ("AppId", "Name", "InstanceName"),
    "DNS": ("DomainName",),
    "AzureResource": ("ResourceId",),
    "FileHash": ("Algorithm", "Value"),
    "RegistryKey": ("Hive", "Key"),
    "RegistryValue": ("Name", "Value", "ValueType"),
    "SecurityGroup": ("DistinguishedName", "SID", "ObjectGuid"),
    "URL": ("Url",),
    "Mailbox": ("MailboxPrimaryAddress", "DisplayName", "Upn", "ExternalDirectoryObjectId", "RiskLevel"),
    "MailCluster": ("NetworkMessageIds", "CountByDeliveryStatus", "CountByThreatType",
                    "CountByProtectionStatus", "Threats", "Query", "QueryTime", "MailCount",
                    "IsVolumeAnomaly",
                    "Source", "ClusterSourceIdentifier", "ClusterSourceType", "ClusterQueryStartTime",
                    "ClusterQueryEndTime", "ClusterGroup"),
    "MailMessage": ("Recipient", "Urls", "Threats", "Sender", "P1Sender", "P1SenderDisplayName",
                    "P1SenderDomain", "SenderIP", "P2Sender", "P2SenderDisplayName", "P2SenderDomain",
                    "ReceivedDate", "NetworkMessageId", "InternetMessageId", "Subject",
                    "BodyFingerprintBin1", "BodyFingerprintBin2", "BodyFingerprintBin3",
                    "BodyFingerprintBin4", "BodyFingerprintBin5",
                    "AntispamDirection", "DeliveryAction", "DeliveryLocation", "Language",
                    "ThreatDetectionMethods"),
    "SubmissionMail": ("NetworkMessageId", "Timestamp", "Recipient", "Sender", "SenderIp", "Subject",
                       "ReportType", "SubmissionId", "SubmissionDate", "Submitter"),
}  # fmt: skip
SENTINEL_REQUIRED_IDENTIFIERS: dict[str, tuple[tuple[str, ...], ...]] = {
    "Account": (("FullName",), ("Sid",), ("Name",), ("AadUserId",), ("PUID",), ("ObjectGuid",)),
    "Host": (("FullName",), ("HostName",), ("NetBiosName",), ("AzureID",), ("OMSAgentID",)),
    "IP": (("Address",),),
    "Malware": (("Name",),),
    "File": (("Name",),),
    "Process": (("CommandLine",), ("ProcessId",)),
    "CloudApplication": (("AppId",), ("Name",)),
    "DNS": (("DomainName",),),
    "AzureResource": (("ResourceId",),),
    "FileHash": (("Algorithm", "Value"),),
    "RegistryKey": (("Key",), ("Hive",)),
    "RegistryValue": (("Name",),),
    "SecurityGroup": (("DistinguishedName",), ("SID",), ("ObjectGuid",)),
    "URL": (("Url",),),
    "Mailbox": (("MailboxPrimaryAddress",),),
    "MailCluster": (("Query",), ("Source",)),
    "MailMessage": (("NetworkMessageId",), ("Recipient",)),
    "SubmissionMail": (("SubmissionId",), ("NetworkMessageId",), ("Recipient",), ("Submitter",)),
}
SENTINEL_MIN_FREQUENCY, SENTINEL_MAX_PERIOD = timedelta(minutes=5), timedelta(days=14)
# FrequencyLimitationForLongPeriodQuery (Azure-Sentinel CI, Models/ScheduledTemplateInternalModel.cs, the
# service's ARM model validation): a query period of 2 days or more needs a frequency of 1 hour or more.
SENTINEL_LONG_PERIOD, SENTINEL_LONG_PERIOD_FREQUENCY = timedelta(days=2), timedelta(hours=1)
# QueryBasedTemplateVersionValidator / NoTemplateVersionWithoutTemplateName (the service's ARM model
# validation, in Azure-Sentinel CI's Models/): templateVersion is X.Y.Z, and only with alertRuleTemplateName.
SENTINEL_TEMPLATE_VERSION = re.compile(r"^\d+\.\d+\.\d+$")
SENTINEL_MAX_QUERY = 10_000
SENTINEL_MAX_THRESHOLD = 10_000
SENTINEL_MAX_ENTITIES, SENTINEL_MAX_FIELDS, SENTINEL_MAX_DETAILS = 10, 3, 20
SENTINEL_SUPPRESSION = (timedelta(minutes=5), timedelta(hours=24))
SENTINEL_GROUPING_LOOKBACK = (timedelta(minutes=5), timedelta(days=7))
SENTINEL_MAX_NAME, SENTINEL_MAX_DESCRIPTION, SENTINEL_MAX_PLACEHOLDERS = 256, 5000, 3
SENTINEL_PLACEHOLDER = re.compile(r"\{\{([^{}]*)\}\}")
SENTINEL_DETAIL_KEY, SENTINEL_MAX_DETAIL_KEY = re.compile(r"^[a-zA-Z]+\w*$"), 20
SENTINEL_COLUMN, SENTINEL_MAX_COLUMN = re.compile(r"^[a-zA-Z_]+\w*$"), 500
SENTINEL_MAX_NRT = 50
SENTINEL_CROSS_WORKSPACE = ("workspace", "app", "resource", "adx", "arg")
TECHNIQUE = re.compile(r"^T\d{4}$")
SUB_TECHNIQUE = re.compile(r"^T\d{4}\.\d{3}$")


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
        return parse_iso8601_duration(value)


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


def validate_monitor(body: Any, context: Context | None = None) -> list[str]:
    context = context or Context()
    p = Problems()
    if not p.typed(body, "body", dict, required=True):
        return p.items
    for key in MONITOR_RESOURCE_REQUIRED:
        if body.get(key) is None:
            p.add(key, "is required")
    if p.typed(body.get("location"), "location", str) and (
        "".join(body["location"].split()).lower() not in AZURE_REGIONS
    ):
        p.add(
            "location", f"{body['location']!r} is not an Azure region (LocationNotAvailableForResourceType)"
        )
    p.enum(body.get("kind"), "kind", MONITOR_KINDS)
    tags = body.get("tags")
    if p.typed(tags, "tags", dict):
        if len(tags) > MAX_TAGS:
            p.add("tags", f"{len(tags)} tags; a resource has at most {MAX_TAGS}")
        for key, value in tags.items():
            if len(key) > MAX_TAG_NAME or TAG_NAME_FORBIDDEN.search(key):
                p.add(
                    f"tags.{key}",
                    f"a tag name has at most {MAX_TAG_NAME} characters and none of < > % & \\ ? /",
                )
            if p.typed(value, f"tags.{key}", str) and len(value) > MAX_TAG_VALUE:
                p.add(f"tags.{key}", f"a tag value has at most {MAX_TAG_VALUE} characters")
    props = body.get("properties")
    if not p.typed(props, "properties", dict):
        return p.items
    log_alert = body.get("kind", "LogAlert") == "LogAlert"
    p.enum(props.get("severity"), "properties.severity", MONITOR_SEVERITIES, required=log_alert)
    for key in MONITOR_PROPERTIES_REQUIRED:
        if props.get(key) is None:
            p.add(f"properties.{key}", "is required")
    for flag in ("enabled", "autoMitigate", "skipQueryValidation", "checkWorkspaceAlertsStorageConfigured"):
        p.typed(props.get(flag), f"properties.{flag}", bool)
    for text in ("displayName", "description"):
        p.typed(props.get(text), f"properties.{text}", str)
    scopes = props.get("scopes")
    if p.typed(scopes, "properties.scopes", list) and not scopes:
        p.add("properties.scopes", "must name at least one resource")
    for index, scope in enumerate(scopes or []):
        _monitor_scope(p, scope, f"properties.scopes[{index}]", bool(props.get("targetResourceTypes")))
    frequency = p.duration(props.get("evaluationFrequency"), "properties.evaluationFrequency", log_alert)
    window = p.duration(props.get("windowSize"), "properties.windowSize", log_alert)
    p.duration(props.get("overrideQueryTimeRange"), "properties.overrideQueryTimeRange")
    mute = p.duration(props.get("muteActionsDuration"), "properties.muteActionsDuration")
    if frequency is not None and props["evaluationFrequency"] not in MONITOR_FREQUENCIES:
        p.add("properties.evaluationFrequency", f"must be one of {', '.join(MONITOR_FREQUENCIES)}")
    if window is not None and window > MONITOR_MAX_WINDOW:
        p.add("properties.windowSize", "must be at most P2D")
    if window is not None and frequency is not None and window < frequency:
        p.add("properties.windowSize", "must be at least evaluationFrequency")
    if len(json.dumps(props).encode()) > MONITOR_MAX_PROPERTIES:
        p.add("properties", "the rule's properties exceed 64 KB")
    if mute is not None and props.get("autoMitigate") is True:
        p.add("properties.muteActionsDuration", "cannot be set while autoMitigate is true")
    criteria = props.get("criteria")
    if p.typed(criteria, "properties.criteria", dict):
        conditions = criteria.get("allOf")
        if p.typed(conditions, "properties.criteria.allOf", list, required=True) and not conditions:
            p.add("properties.criteria.allOf", "must have a condition")
        for index, condition in enumerate(conditions or []):
            where = f"properties.criteria.allOf[{index}]"
            _monitor_condition(p, condition, where, log_alert)
            query = condition.get("query") if isinstance(condition, dict) else None
            if isinstance(query, str) and query.strip():
                one_minute = props.get("evaluationFrequency") == "PT1M"
                # The columns a condition names are not checked against the results: the spec's examples
                # name a measure and dimensions (`% Processor Time`, `ComputerIp`) that Perf does not have.
                _monitor_query(p, context, query, f"{where}.query", one_minute)
            if log_alert and window is not None and isinstance(condition, dict):
                _monitor_time_range(p, condition, where, window, props.get("overrideQueryTimeRange"))
    actions = props.get("actions")
    if p.typed(actions, "properties.actions", dict) and p.typed(
        actions.get("actionGroups"), "properties.actions.actionGroups", list
    ):
        for index, group in enumerate(actions["actionGroups"]):
            if p.typed(group, f"properties.actions.actionGroups[{index}]", str) and (
                group.rstrip("/").lower() not in context.action_groups
            ):
                p.add(f"properties.actions.actionGroups[{index}]", f"action group {group} does not exist")
    return p.items


def _monitor_scope(p: Problems, scope: Any, path: str, typed_targets: bool) -> None:
    """A scope is a workspace (what kqlrules deploys), or a resource; a subscription or resource group scope
    needs targetResourceTypes to say which resources' logs the rule reads (2023-12-01 swagger)."""
    text = str(scope).rstrip("/").lower()
    if "/providers/microsoft.operationalinsights/workspaces" in text:
        if not MONITOR_WORKSPACE.match(text):
            p.add(path, f"{scope!r} is not a Log Analytics workspace resource id")
        return
    if not MONITOR_RESOURCE_ID.match(text):
        p.add(path, f"{scope!r} is not a workspace resource id (nor any Azure resource id)")
    elif not typed_targets and MONITOR_CONTAINER.match(text):
        p.add(
            path,
            f"{scope!r} is a subscription or resource group: a log search alert on it needs "
            "targetResourceTypes, or a workspace scope",
        )


def _monitor_time_range(
    p: Problems, condition: dict[str, Any], path: str, window: timedelta, override: Any
) -> None:
    """[Learn] alerts-create-log-alert-rule: "The alert time range is limited to a maximum of two days";
    the time range is windowSize * numberOfEvaluationPeriods unless overrideQueryTimeRange sets it
    (swagger, overrideQueryTimeRange)."""
    failing = condition.get("failingPeriods")
    periods = failing.get("numberOfEvaluationPeriods", 1) if isinstance(failing, dict) else 1
    if isinstance(override, str) and ISO_DURATION.match(override):
        span, what = parse_iso8601_duration(override), "overrideQueryTimeRange"
    elif isinstance(periods, int) and not isinstance(periods, bool) and periods >= 1:
        span, what = window * periods, "windowSize * numberOfEvaluationPeriods"
    else:
        return
    if span > MONITOR_MAX_WINDOW:
        p.add(f"{path}.failingPeriods", f"the query time range ({what}) must be at most P2D")


def _monitor_query(p: Problems, context: Context, query: str, path: str, one_minute: bool) -> QueryInfo:
    """skipQueryValidation false (what kqlrules sends): the service parses the query before saving."""
    info = context.query(query)
    for error in info.syntax_errors:
        p.add(path, f"the query is not valid: {error}")
    if one_minute:
        used = sorted(info.operators & set(MONITOR_ONE_MINUTE_OPERATORS)) + sorted(
            f"{f}()" for f in info.functions & set(MONITOR_ONE_MINUTE_FUNCTIONS)
        )
        if used:
            p.add(path, f"a rule evaluated every minute cannot use {', '.join(used)}")
    return info


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
    for key in ("metricMeasureColumn", "resourceIdColumn", "metricName"):
        p.typed(condition.get(key), f"{path}.{key}", str)
    # swagger Condition.metricName: "Relevant and required only for rules of the kind LogToMetric".
    if not log_alert and not condition.get("metricName"):
        p.add(f"{path}.metricName", "is required for a LogToMetric rule")
    # [Learn] alerts-create-log-alert-rule, Measure: "Table rows" are counted; any other aggregation
    # (Average, Minimum, Maximum, Total) aggregates a numeric column, which metricMeasureColumn names.
    aggregation = condition.get("timeAggregation")
    if aggregation in MONITOR_TIME_AGGREGATIONS[1:] and not condition.get("metricMeasureColumn"):
        p.add(f"{path}.metricMeasureColumn", f"is required when timeAggregation is {aggregation}")
    failing = condition.get("failingPeriods")
    if p.typed(failing, f"{path}.failingPeriods", dict):
        total = failing.get("numberOfEvaluationPeriods", 1)
        least = failing.get("minFailingPeriodsToAlert", 1)
        counts = [
            p.typed(value, f"{path}.failingPeriods.{key}", int)
            for key, value in (("numberOfEvaluationPeriods", total), ("minFailingPeriodsToAlert", least))
        ]
        if all(counts):
            for key, value in (("numberOfEvaluationPeriods", total), ("minFailingPeriodsToAlert", least)):
                if value < 1:
                    p.add(f"{path}.failingPeriods.{key}", "must be at least 1")
            if least > total:
                p.add(
                    f"{path}.failingPeriods",
                    "minFailingPeriodsToAlert must not exceed numberOfEvaluationPeriods",
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
            values = dimension.get("values")
            if p.typed(values, f"{where}.values", list):
                for number, value in enumerate(values):
                    p.typed(value, f"{where}.values[{number}]", str)


def validate_sentinel(body: Any, context: Context | None = None) -> list[str]:
    context = context or Context()
    preview = context.api_version == SENTINEL_PREVIEW
    p = Problems()
    if not p.typed(body, "body", dict, required=True):
        return p.items
    p.enum(body.get("kind"), "kind", SENTINEL_PREVIEW_KINDS if preview else SENTINEL_KINDS, required=True)
    kind = body.get("kind")
    if kind not in (None, *SENTINEL_SERVED_KINDS):
        p.add("kind", f"this emulator serves {', '.join(SENTINEL_SERVED_KINDS)} rules only")
    props = body.get("properties")
    if not p.typed(props, "properties", dict, required=True):
        return p.items
    p.typed(props.get("enabled"), "properties.enabled", bool)
    if kind in SENTINEL_TEMPLATE_KINDS:
        for key in SENTINEL_TEMPLATE_REQUIRED:
            if props.get(key) is None:
                p.add(f"properties.{key}", "is required")
        if p.typed(props.get("alertRuleTemplateName"), "properties.alertRuleTemplateName", str) and not (
            props["alertRuleTemplateName"].strip()
        ):
            p.add("properties.alertRuleTemplateName", "must name the rule's template")
        return p.items
    for text in ("displayName", "description"):
        p.typed(props.get(text), f"properties.{text}", str)
    _sentinel_texts(p, props)
    if kind == "MicrosoftSecurityIncidentCreation":
        _sentinel_incident_creation(p, props, preview)
        return p.items
    required = SENTINEL_NRT_REQUIRED if kind == "NRT" else SENTINEL_REQUIRED
    for key in required:
        if props.get(key) is None:
            p.add(f"properties.{key}", "is required")
    p.typed(props.get("query"), "properties.query", str)
    p.typed(props.get("suppressionEnabled"), "properties.suppressionEnabled", bool)
    p.enum(props.get("severity"), "properties.severity", SENTINEL_SEVERITIES)
    query = props.get("query")
    info = QueryInfo()
    if isinstance(query, str):
        if not query.strip():
            p.add("properties.query", "must not be empty")
        elif len(query) > SENTINEL_MAX_QUERY:
            p.add("properties.query", f"must be at most {SENTINEL_MAX_QUERY} characters")
        else:
            info = context.query(query)
            for error in info.syntax_errors:
                p.add("properties.query", f"the query is not valid: {error}")
    if kind == "NRT":
        used = sorted(info.functions & set(SENTINEL_CROSS_WORKSPACE))
        if used:
            p.add("properties.query", f"an NRT rule cannot query other workspaces ({', '.join(used)})")
        if context.nrt_rules >= SENTINEL_MAX_NRT:
            p.add("kind", f"the workspace already has {SENTINEL_MAX_NRT} NRT rules, the most it can have")
    if kind != "NRT":
        _sentinel_schedule(p, props)
    suppression = p.duration(props.get("suppressionDuration"), "properties.suppressionDuration")
    if suppression is not None and not SENTINEL_SUPPRESSION[0] <= suppression <= SENTINEL_SUPPRESSION[1]:
        p.add("properties.suppressionDuration", "must be between PT5M and PT24H")
    _sentinel_mitre(p, props, preview)
    _sentinel_template(p, props)
    _sentinel_entities(p, props.get("entityMappings"), info)
    if preview:
        _sentinel_entities_mappings(p, props.get("sentinelEntitiesMappings"))
    details = props.get("customDetails")
    if p.typed(details, "properties.customDetails", dict):
        _sentinel_details(p, details, info)
    grouping = props.get("eventGroupingSettings")
    if p.typed(grouping, "properties.eventGroupingSettings", dict):
        p.enum(
            grouping.get("aggregationKind"),
            "properties.eventGroupingSettings.aggregationKind",
            SENTINEL_AGGREGATION_KINDS,
        )
    _sentinel_override(p, props.get("alertDetailsOverride"), info, preview)
    _sentinel_incidents(p, props)
    return p.items


def _sentinel_schedule(p: Problems, props: dict[str, Any]) -> None:
    """A Scheduled rule's schedule and trigger (NrtAlertRuleProperties has neither; the service ignores
    them on an NRT rule)."""
    p.enum(props.get("triggerOperator"), "properties.triggerOperator", SENTINEL_OPERATORS)
    threshold: Any = props.get("triggerThreshold")
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
    if frequency is not None and period is not None and period < frequency:
        p.add("properties.queryPeriod", "must be at least queryFrequency")
    if (
        frequency is not None
        and period is not None
        and period >= SENTINEL_LONG_PERIOD
        and frequency < SENTINEL_LONG_PERIOD_FREQUENCY
    ):
        p.add(
            "properties.queryFrequency",
            "when 'queryPeriod' is 2 days or more, 'queryFrequency' must be 1 hour or more",
        )


def _sentinel_texts(p: Problems, props: dict[str, Any]) -> None:
    for key, limit in (("displayName", SENTINEL_MAX_NAME), ("description", SENTINEL_MAX_DESCRIPTION)):
        value = props.get(key)
        if isinstance(value, str) and len(value) > limit:
            p.add(f"properties.{key}", f"must be at most {limit} characters")


def _sentinel_incident_creation(p: Problems, props: dict[str, Any], preview: bool) -> None:
    for key in SENTINEL_INCIDENT_CREATION_REQUIRED:
        if props.get(key) is None:
            p.add(f"properties.{key}", "is required")
    products = SENTINEL_PREVIEW_PRODUCTS if preview else SENTINEL_PRODUCTS
    p.enum(props.get("productFilter"), "properties.productFilter", products)
    if p.typed(props.get("severitiesFilter"), "properties.severitiesFilter", list):
        for index, severity in enumerate(props["severitiesFilter"]):
            p.enum(severity, f"properties.severitiesFilter[{index}]", SENTINEL_SEVERITIES)
    for key in ("displayNamesFilter", "displayNamesExcludeFilter"):
        if p.typed(props.get(key), f"properties.{key}", list):
            for index, name in enumerate(props[key]):
                p.typed(name, f"properties.{key}[{index}]", str)


def _sentinel_template(p: Problems, props: dict[str, Any]) -> None:
    name: Any = props.get("alertRuleTemplateName")
    version: Any = props.get("templateVersion")
    p.typed(name, "properties.alertRuleTemplateName", str)
    if not p.typed(version, "properties.templateVersion", str):
        return
    if not SENTINEL_TEMPLATE_VERSION.match(version):
        p.add("properties.templateVersion", f"{version!r} should be in format X.Y.Z (all numbers)")
    if not name:
        p.add("properties.templateVersion", "can only be used if 'alertRuleTemplateName' is not empty")


def _sentinel_mitre(p: Problems, props: dict[str, Any], preview: bool) -> None:
    if p.typed(props.get("tactics"), "properties.tactics", list):
        for index, tactic in enumerate(props["tactics"]):
            p.enum(tactic, f"properties.tactics[{index}]", SENTINEL_TACTICS)
    techniques: Any = props.get("techniques")
    if p.typed(techniques, "properties.techniques", list):
        for index, technique in enumerate(techniques):
            # The service's words (github:Azure/Azure-Sentinel issue 8960): sub-techniques go in
            # subTechniques (preview versions), never in techniques.
            if not isinstance(technique, str) or not TECHNIQUE.match(technique):
                p.add(
                    f"properties.techniques[{index}]",
                    f"the technique {technique!r} is invalid. The expected format is 'T####'",
                )
    subs: Any = props.get("subTechniques")
    if subs is None or not preview:
        return  # the stable versions have no subTechniques: the service drops the property
    if p.typed(subs, "properties.subTechniques", list):
        for index, sub in enumerate(subs):
            if not isinstance(sub, str) or not SUB_TECHNIQUE.match(sub):
                p.add(
                    f"properties.subTechniques[{index}]",
                    f"{sub!r} is not a sub-technique id such as T1078.004",
                )
            elif sub.split(".")[0] not in (techniques or []):
                p.add(
                    f"properties.subTechniques[{index}]",
                    f"{sub} needs its technique {sub.split('.')[0]} in techniques",
                )


def _sentinel_details(p: Problems, details: dict[str, Any], info: QueryInfo) -> None:
    if len(details) > SENTINEL_MAX_DETAILS:
        p.add("properties.customDetails", f"at most {SENTINEL_MAX_DETAILS} custom details")
    for key, column in details.items():
        where = f"properties.customDetails.{key}"
        if len(key) > SENTINEL_MAX_DETAIL_KEY or not SENTINEL_DETAIL_KEY.match(key):
            p.add(where, "the key must start with a letter, hold letters, digits or _, at most 20 characters")
        if (
            not isinstance(column, str)
            or len(column) > SENTINEL_MAX_COLUMN
            or not SENTINEL_COLUMN.match(column)
        ):
            p.add(where, f"{column!r} is not a column name")
        elif info.columns is not None and column not in info.columns:
            p.add(where, f"the query's results have no column {column!r}")


def _sentinel_override(p: Problems, override: Any, info: QueryInfo, preview: bool) -> None:
    path = "properties.alertDetailsOverride"
    if not p.typed(override, path, dict):
        return
    for key, limit in (
        ("alertDisplayNameFormat", SENTINEL_MAX_NAME),
        ("alertDescriptionFormat", SENTINEL_MAX_DESCRIPTION),
    ):
        value = override.get(key)
        if not p.typed(value, f"{path}.{key}", str):
            continue
        if not value.strip() or len(value) > limit:
            p.add(f"{path}.{key}", f"must be 1 to {limit} characters")
        placeholders = SENTINEL_PLACEHOLDER.findall(value)
        if len(placeholders) > SENTINEL_MAX_PLACEHOLDERS:
            p.add(f"{path}.{key}", f"has {len(placeholders)} parameters; at most {SENTINEL_MAX_PLACEHOLDERS}")
        for column in placeholders:
            if info.columns is not None and column.strip() not in info.columns:
                p.add(f"{path}.{key}", f"the query's results have no column {column.strip()!r}")
    for key in ("alertSeverityColumnName", "alertTacticsColumnName"):
        column = override.get(key)
        if isinstance(column, str) and info.columns is not None and column not in info.columns:
            p.add(f"{path}.{key}", f"the query's results have no column {column!r}")
    properties = SENTINEL_PREVIEW_ALERT_PROPERTIES if preview else SENTINEL_ALERT_PROPERTIES
    for index, mapping in enumerate(override.get("alertDynamicProperties") or []):
        where = f"{path}.alertDynamicProperties[{index}]"
        if not p.typed(mapping, where, dict):
            continue
        p.enum(mapping.get("alertProperty"), f"{where}.alertProperty", properties, required=True)
        # [Learn] customize-alert-details: each dynamic property names the result column it takes its value
        # from. Whether that column exists is not checked: the spec's own example maps columns its query
        # (Heartbeat) does not output.
        value = mapping.get("value")
        if p.typed(value, f"{where}.value", str, required=True) and not SENTINEL_COLUMN.match(value):
            p.add(f"{where}.value", f"{value!r} is not a column name")


def _sentinel_entities(p: Problems, mappings: Any, info: QueryInfo) -> None:
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
        used: list[str] = []
        for number, field_mapping in enumerate(fields):
            where = f"{path}.fieldMappings[{number}]"
            if not p.typed(field_mapping, where, dict):
                continue
            identifier = field_mapping.get("identifier")
            if entity in SENTINEL_IDENTIFIERS:
                p.enum(identifier, f"{where}.identifier", SENTINEL_IDENTIFIERS[entity], required=True)
            if identifier in used:
                p.add(f"{where}.identifier", f"{identifier} is mapped twice")
            used.append(str(identifier))
            column = field_mapping.get("columnName")
            if not column:
                p.add(f"{where}.columnName", "is required")
            elif (
                not isinstance(column, str)
                or len(column) > SENTINEL_MAX_COLUMN
                or not SENTINEL_COLUMN.match(column)
            ):
                p.add(f"{where}.columnName", f"{column!r} is not a column name")
            elif info.columns is not None and column not in info.columns:
                p.add(f"{where}.columnName", f"the query's results have no column {column!r}")
        combinations = SENTINEL_REQUIRED_IDENTIFIERS.get(str(entity))
        if combinations and not any(all(i in used for i in c) for c in combinations):
            wanted = "; ".join(", ".join(c) for c in combinations)
            p.add(f"{path}.fieldMappings", f"{entity} needs one of these identifier sets: {wanted}")


def _sentinel_entities_mappings(p: Problems, mappings: Any) -> None:
    """2025-07-01-preview SentinelEntityMapping: `{columnName}`, a column of the results holding entities."""
    if not p.typed(mappings, "properties.sentinelEntitiesMappings", list):
        return
    for index, mapping in enumerate(mappings):
        where = f"properties.sentinelEntitiesMappings[{index}]"
        if not p.typed(mapping, where, dict):
            continue
        column = mapping.get("columnName")
        if p.typed(column, f"{where}.columnName", str, required=True) and not SENTINEL_COLUMN.match(column):
            p.add(f"{where}.columnName", f"{column!r} is not a column name")


def _sentinel_incidents(p: Problems, props: dict[str, Any]) -> None:
    path = "properties.incidentConfiguration"
    incidents: Any = props.get("incidentConfiguration")
    if not p.typed(incidents, path, dict):
        return
    p.typed(incidents.get("createIncident"), f"{path}.createIncident", bool, required=True)
    grouping = incidents.get("groupingConfiguration")
    if not p.typed(grouping, f"{path}.groupingConfiguration", dict):
        return
    where = f"{path}.groupingConfiguration"
    for key in SENTINEL_GROUPING_REQUIRED:
        if grouping.get(key) is None:
            p.add(f"{where}.{key}", "is required")
    lookback = p.duration(grouping.get("lookbackDuration"), f"{where}.lookbackDuration")
    if (
        lookback is not None
        and not SENTINEL_GROUPING_LOOKBACK[0] <= lookback <= SENTINEL_GROUPING_LOOKBACK[1]
    ):
        p.add(f"{where}.lookbackDuration", "must be between PT5M and P7D")
    p.enum(grouping.get("matchingMethod"), f"{where}.matchingMethod", SENTINEL_MATCHING_METHODS)
    mapped = {m.get("entityType") for m in props.get("entityMappings") or [] if isinstance(m, dict)}
    for index, entity in enumerate(grouping.get("groupByEntities") or []):
        p.enum(entity, f"{where}.groupByEntities[{index}]", SENTINEL_ENTITY_TYPES)
        if entity in SENTINEL_ENTITY_TYPES and entity not in mapped:
            p.add(f"{where}.groupByEntities[{index}]", f"{entity} is not an entity this rule maps")
    for index, detail in enumerate(grouping.get("groupByAlertDetails") or []):
        p.enum(detail, f"{where}.groupByAlertDetails[{index}]", SENTINEL_ALERT_DETAILS)
    details = props.get("customDetails") or {}
    for index, key in enumerate(grouping.get("groupByCustomDetails") or []):
        if key not in details:
            p.add(f"{where}.groupByCustomDetails[{index}]", f"{key!r} is not a custom detail of this rule")
    selected = [grouping.get(k) for k in ("groupByEntities", "groupByAlertDetails", "groupByCustomDetails")]
    if grouping.get("enabled") and grouping.get("matchingMethod") == "Selected" and not any(selected):
        p.add(
            f"{where}.matchingMethod",
            "Selected needs groupByEntities, groupByAlertDetails or groupByCustomDetails",
        )
