"""The detection model: what a `queries/<area>/<name>.yaml` file may say.

The limits of the target APIs (Sentinel scheduled analytics rules, Azure Monitor scheduled query rules) are
checked here, before anything is rendered or deployed.
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from kqlrules.timespan import TimespanError, parse_timespan

MIN_FREQUENCY = timedelta(minutes=5)
MAX_PERIOD = timedelta(days=14)
MAX_QUERY_LENGTH = 10_000
MAX_ENTITY_MAPPINGS = 5
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
                raise ValueError(f"{name} must be between 5m and 14d")
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


class Alert(_Strict):
    title: str | None = None
    description: str | None = None


class LintSettings(_Strict):
    """`lint: {disable: [KQR003]}`: lint codes this detection opts out of (see docs/lint.md)."""

    disable: list[str] = []


class Detection(_Strict):
    """One detection's metadata. `path` and `query_path` are set by the loader, not written by users."""

    id: str
    name: str = Field(min_length=1, max_length=256)
    description: str = ""
    severity: Severity
    enabled: bool = True
    schedule: Schedule
    trigger: Trigger = Trigger()
    tactics: list[str] = []
    techniques: list[str] = []
    tables: list[str] = []
    # entity type -> {identifier: column}; `Account: UserPrincipalName` is short for the default identifier.
    entities: dict[str, dict[str, str]] = {}
    custom_details: dict[str, str] = {}
    alert: Alert = Alert()
    params: dict[str, Any] = {}
    version: str = "1.0.0"
    suppress_for: timedelta | None = None
    tags: list[str] = []
    lint: LintSettings = LintSettings()

    @field_validator("id")
    @classmethod
    def _guid(cls, value: str) -> str:
        try:
            return str(uuid.UUID(value))
        except ValueError:
            raise ValueError("id must be a GUID such as 4d1c5f7e-0f6a-4c1e-9b8e-2f1d3c4b5a69") from None

    @field_validator("suppress_for", mode="before")
    @classmethod
    def _suppress(cls, value: Any) -> timedelta | None:
        return None if value is None else _timespan(value)

    @field_validator("tactics")
    @classmethod
    def _tactics(cls, value: list[str]) -> list[str]:
        for tactic in value:
            if tactic not in TACTICS:
                raise ValueError(f"unknown tactic {tactic!r}; one of: {', '.join(TACTICS)}")
        return value

    @field_validator("techniques")
    @classmethod
    def _techniques(cls, value: list[str]) -> list[str]:
        for technique in value:
            if not _TECHNIQUE.match(technique):
                raise ValueError(f"technique {technique!r} is not an ATT&CK id such as T1078 or T1078.004")
        return value

    @field_validator("entities", mode="before")
    @classmethod
    def _entities(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        expanded: dict[str, Any] = {}
        for entity, mapping in value.items():
            if isinstance(mapping, str):
                identifier = DEFAULT_ENTITY_IDENTIFIER.get(str(entity))
                if identifier is None:
                    raise ValueError(
                        f"entity {entity!r} has no default identifier; write {{Identifier: Column}}"
                    )
                mapping = {identifier: mapping}
            expanded[entity] = mapping
        return expanded

    @field_validator("version")
    @classmethod
    def _semver(cls, value: str) -> str:
        if not _SEMVER.match(value):
            raise ValueError("version must be semver, such as 1.0.0")
        return value

    @field_validator("entities")
    @classmethod
    def _entity_limits(cls, value: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        if len(value) > MAX_ENTITY_MAPPINGS:
            raise ValueError(
                f"{len(value)} entity mappings; at most {MAX_ENTITY_MAPPINGS} (Sentinel's limit)"
            )
        for entity, fields in value.items():
            if not 1 <= len(fields) <= MAX_FIELDS_PER_ENTITY:
                raise ValueError(f"entity {entity} must map 1 to {MAX_FIELDS_PER_ENTITY} fields")
        return value

    @field_validator("custom_details")
    @classmethod
    def _custom_detail_limit(cls, value: dict[str, str]) -> dict[str, str]:
        if len(value) > MAX_CUSTOM_DETAILS:
            raise ValueError(f"{len(value)} custom details; at most {MAX_CUSTOM_DETAILS} (Sentinel's limit)")
        return value
