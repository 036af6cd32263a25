"""The detection model: what a `queries/<area>/<name>.yaml` file may say.

The limits of the target APIs (Sentinel scheduled analytics rules, Azure Monitor scheduled query rules) are
checked here, before anything is rendered or deployed.
"""

from __future__ import annotations

import re
from datetime import timedelta
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from kqlrules.timespan import TimespanError, parse_timespan

# The widest schedule any target takes: Azure Monitor evaluates log search alerts every 1 minute at the
# least, Sentinel looks back 14 days at the most. Each target's narrower limits (Sentinel's 5 minutes,
# Monitor's 2-day window) are its deploy contract's (kqlrules/deploy/contracts/).
MIN_FREQUENCY = timedelta(minutes=1)
MAX_PERIOD = timedelta(days=14)
MAX_QUERY_LENGTH = 10_000
# Sentinel maps up to 10 entities per rule ("Map up to 10 entities", analytics rule wizard; Microsoft Learn,
# map-data-fields-to-entities). Azure-Sentinel's repository CI allows 5: `export sentinel` warns above that.
MAX_ENTITY_MAPPINGS = 10
MAX_FIELDS_PER_ENTITY = 3
MAX_CUSTOM_DETAILS = 20
MAX_THRESHOLD = 10_000

# Sentinel's identifier for an entity when a mapping names only a column (`Account: UserPrincipalName`).
DEFAULT_ENTITY_IDENTIFIER = {
    "Account": "FullName",
    "Host": "HostName",
    "IP": "Address",
    "URL": "Url",
    "FileHash": "Value",
    "File": "Name",
    "Process": "CommandLine",
    "CloudApplication": "Name",
    "DNS": "DomainName",
    "AzureResource": "ResourceId",
    "Mailbox": "MailboxPrimaryAddress",
    "MailMessage": "NetworkMessageId",
    "RegistryKey": "Key",
    "SecurityGroup": "ObjectGuid",
    "Malware": "Name",
    "SubmissionMail": "SubmissionId",
    "MailCluster": "ClusterSourceIdentifier",
    "IoTDevice": "DeviceId",
}

_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_TECHNIQUE = re.compile(r"^T\d{4}(\.\d{3})?$")
_SEMVER = re.compile(r"^\d+\.\d+\.\d+$")
TACTICS = (
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
    "CommandAndControl",
    "Exfiltration",
    "Impact",
    "ImpairProcessControl",
    "InhibitResponseFunction",
    "PreAttack",
)


class Severity(StrEnum):
    Informational = "Informational"
    Low = "Low"
    Medium = "Medium"
    High = "High"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _timespan(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    try:
        return parse_timespan(str(value))
    except TimespanError as exc:
        raise ValueError(str(exc)) from None


class Schedule(_Strict):
    frequency: timedelta
    period: timedelta

    _parse = field_validator("frequency", "period", mode="before")(classmethod(lambda cls, v: _timespan(v)))

    @model_validator(mode="after")
    def _limits(self) -> Schedule:
        for name, value in (("frequency", self.frequency), ("period", self.period)):
            if not MIN_FREQUENCY <= value <= MAX_PERIOD:
                raise ValueError(f"{name} must be between 1m and 14d")
        if self.period < self.frequency:
            raise ValueError("period must be at least frequency (each run must look at its whole interval)")
        if self.period >= timedelta(days=2) and self.frequency < timedelta(hours=1):
            raise ValueError("frequency must be at least 1h when period is 2d or more")
        return self


class Trigger(_Strict):
    operator: Literal["gt", "lt", "eq", "ne"] = "gt"
    threshold: int = Field(default=0, ge=0, le=MAX_THRESHOLD)

    def fires(self, row_count: int) -> bool:
        return {
            "gt": row_count > self.threshold,
            "lt": row_count < self.threshold,
            "eq": row_count == self.threshold,
            "ne": row_count != self.threshold,
        }[self.operator]


def _tactic(value: str) -> str:
    if value not in TACTICS:
        raise ValueError(f"unknown tactic {value!r}; one of: {', '.join(TACTICS)}")
    return value


def _technique(value: str) -> str:
    if not _TECHNIQUE.match(value):
        raise ValueError(f"technique {value!r} is not an ATT&CK id such as T1078 or T1078.004")
    return value


# Checked one by one so that a problem points at the list item, not at the whole list.
Tactic = Annotated[str, AfterValidator(_tactic)]
Technique = Annotated[str, AfterValidator(_technique)]

_PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}")
_COLUMN = re.compile(r"^\s*[A-Za-z_][A-Za-z0-9_]*\s*$")


def _placeholders(value: str | None) -> str | None:
    for match in _PLACEHOLDER.finditer(value or ""):
        if not _COLUMN.match(match.group(1)):
            raise ValueError(
                f"placeholder {match.group(0)} must name one result column, such as {{{{Account}}}}"
            )
    return value


class Alert(_Strict):
    """How each alert presents itself; placeholders `{{Column}}` name columns of the query's output."""

    title: Annotated[str | None, AfterValidator(_placeholders)] = None
    description: Annotated[str | None, AfterValidator(_placeholders)] = None
    severity_column: str | None = None
    tactics_column: str | None = None
    dynamic_properties: dict[str, str] = {}


class IncidentGrouping(_Strict):
    enabled: bool = False
    lookback: timedelta = timedelta(hours=5)
    matching_method: Literal["AllEntities", "AnyAlert", "Selected"] = "AllEntities"
    reopen_closed_incident: bool = False
    group_by_entities: list[str] = []
    group_by_alert_details: list[str] = []
    group_by_custom_details: list[str] = []

    _parse = field_validator("lookback", mode="before")(classmethod(lambda cls, v: _timespan(v)))


class Incident(_Strict):
    create: bool = True
    grouping: IncidentGrouping = IncidentGrouping()


class TemplateLink(_Strict):
    """The Microsoft template a rule was created from (`alertRuleTemplateName` / `templateVersion`): Sentinel
    offers the template's updates to rules that keep this link."""

    name: str
    version: str | None = None


class SentinelSettings(_Strict):
    """What only Microsoft Sentinel analytics rules have; other targets ignore it."""

    kind: Literal["Scheduled", "NRT"] = "Scheduled"
    event_grouping: Literal["SingleAlert", "AlertPerResult"] = "SingleAlert"
    incident: Incident = Incident()
    status: str | None = None
    # As the Azure-Sentinel YAML writes them (`connectorId` + `dataTypes`), ids in their own case; `None`
    # means "derive them from the tables the query reads" on export, `[]` that the rule needs none.
    required_data_connectors: list[dict[str, Any]] | None = None
    template: TemplateLink | None = None
    # `sentinelEntitiesMappings` of the Azure-Sentinel YAML (Sentinel's older entity mapping), kept verbatim.
    entities_mappings: list[dict[str, Any]] = []
    # Fields of an imported rule that kqlrules has no meaning for, kept verbatim so export gives them back.
    extra: dict[str, Any] = {}


class MonitorSettings(_Strict):
    """What only Azure Monitor log search alert rules have; other targets ignore it."""

    # Stateless by default: a fired alert that auto-resolves hides nothing, but a stateful one (autoMitigate
    # true) does not fire again for the same rule until resolved, so a second attack would go unnoticed.
    auto_mitigate: bool = False


class EntityMapping(_Strict):
    """One Sentinel entity: its type and identifier -> column (1 to 3 fields)."""

    type: str
    fields: dict[str, str]


class LintSettings(_Strict):
    """`lint: {disable: [KQR003]}`: lint codes this detection opts out of (see docs/lint.md)."""

    disable: list[str] = []


class Detection(_Strict):
    """One detection's metadata, as its `<name>.yaml` says it (the loader keeps the file paths)."""

    id: str
    name: str = Field(min_length=1, max_length=256)
    description: str = ""
    severity: Severity
    enabled: bool = True
    schedule: Schedule
    trigger: Trigger = Trigger()
    tactics: list[Tactic] = []
    techniques: list[Technique] = []
    tables: list[str] = []
    # Written as {Type: {Identifier: Column}} or {Type: Column} (the default identifier); a list of
    # {type, fields} when one type is mapped twice (two accounts, say), as Sentinel allows.
    entities: list[EntityMapping] = []
    custom_details: dict[str, str] = {}
    alert: Alert = Alert()
    params: dict[str, Any] = {}
    version: str = "1.0.0"
    suppress_for: timedelta | None = None
    # Plain words, or objects such as `{Schema: ASimDns, SchemaVersion: 0.1.1}` (Azure-Sentinel's ASIM tags).
    tags: list[str | dict[str, Any]] = []
    sentinel: SentinelSettings = SentinelSettings()
    monitor: MonitorSettings = MonitorSettings()
    # Which targets this detection deploys to (default: every target of the environment).
    targets: list[Literal["sentinel", "monitor"]] | None = None
    lint: LintSettings = LintSettings()

    @field_validator("id")
    @classmethod
    def _guid(cls, value: str) -> str:
        # Kept as written (case included): exported rules must carry the id exactly as imported, and
        # Sentinel compares template ids case-insensitively anyway. Only the GUID's form is checked.
        if not _GUID.match(value):
            raise ValueError("id must be a GUID such as 4d1c5f7e-0f6a-4c1e-9b8e-2f1d3c4b5a69")
        return value

    @field_validator("suppress_for", mode="before")
    @classmethod
    def _suppress(cls, value: Any) -> timedelta | None:
        return None if value is None else _timespan(value)

    @field_validator("entities", mode="before")
    @classmethod
    def _entities(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        expanded: list[dict[str, Any]] = []
        for entity, mapping in value.items():
            if isinstance(mapping, str):
                identifier = DEFAULT_ENTITY_IDENTIFIER.get(str(entity))
                if identifier is None:
                    raise ValueError(
                        f"entity {entity!r} has no default identifier; write {{Identifier: Column}}"
                    )
                mapping = {identifier: mapping}
            expanded.append({"type": entity, "fields": mapping})
        return expanded

    @field_validator("version")
    @classmethod
    def _semver(cls, value: str) -> str:
        if not _SEMVER.match(value):
            raise ValueError("version must be semver, such as 1.0.0")
        return value

    @field_validator("entities")
    @classmethod
    def _entity_limits(cls, value: list[EntityMapping]) -> list[EntityMapping]:
        if len(value) > MAX_ENTITY_MAPPINGS:
            raise ValueError(
                f"{len(value)} entity mappings; at most {MAX_ENTITY_MAPPINGS} (Sentinel's limit)"
            )
        for entity in value:
            if not 1 <= len(entity.fields) <= MAX_FIELDS_PER_ENTITY:
                count = len(entity.fields)
                raise ValueError(
                    f"{entity.type} maps {count} fields; an entity maps 1 to {MAX_FIELDS_PER_ENTITY}"
                )
        return value

    @field_validator("custom_details")
    @classmethod
    def _custom_detail_limit(cls, value: dict[str, str]) -> dict[str, str]:
        if len(value) > MAX_CUSTOM_DETAILS:
            raise ValueError(f"{len(value)} custom details; at most {MAX_CUSTOM_DETAILS} (Sentinel's limit)")
        return value
