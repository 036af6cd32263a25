"""An incident-creation rule: Sentinel opens incidents from another Microsoft security product's alerts.

A `queries/<area>/<name>.yaml` with `kind: MicrosoftSecurityIncidentCreation` and no `.kql` beside it: there
is no query, Sentinel matches the product's alerts by product, severity and display name. It deploys as a
Sentinel `MicrosoftSecurityIncidentCreation` alert rule (plan / apply / prune like the others).
"""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from kqlrules.rules.model import Severity

KIND = "MicrosoftSecurityIncidentCreation"
# securityinsights 2025-07-01-preview AlertRules.json, MicrosoftSecurityProductName (2025-09-01 has the
# first five; the enum is modelAsString and the service takes all seven).
PRODUCTS = (
    "Microsoft Cloud App Security",
    "Azure Security Center",
    "Azure Advanced Threat Protection",
    "Azure Active Directory Identity Protection",
    "Azure Security Center for IoT",
    "Office 365 Advanced Threat Protection",
    "Microsoft Defender Advanced Threat Protection",
)
Product = Literal[
    "Microsoft Cloud App Security",
    "Azure Security Center",
    "Azure Advanced Threat Protection",
    "Azure Active Directory Identity Protection",
    "Azure Security Center for IoT",
    "Office 365 Advanced Threat Protection",
    "Microsoft Defender Advanced Threat Protection",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DisplayNames(_Strict):
    """Alert display names to open incidents for (`include`, empty: all) and to leave out (`exclude`)."""

    include: list[str] = []
    exclude: list[str] = []


class IncidentCreationRule(_Strict):
    id: str
    kind: Literal["MicrosoftSecurityIncidentCreation"]
    name: str = Field(min_length=1, max_length=256)
    description: str = ""
    enabled: bool = True
    product: Product
    # Empty: every severity.
    severities: list[Severity] = []
    display_names: DisplayNames = DisplayNames()
    version: str = "1.0.0"
    tags: list[str] = []
    # Incident creation is a Sentinel rule only.
    targets: list[Literal["sentinel"]] | None = None

    @field_validator("id")
    @classmethod
    def _guid(cls, value: str) -> str:
        try:
            return str(uuid.UUID(value))
        except ValueError:
            raise ValueError("id must be a GUID such as 4d1c5f7e-0f6a-4c1e-9b8e-2f1d3c4b5a69") from None
