"""What an environment declares about collection: `[environments.<name>.sources]` in `kqlrules.toml`.

```toml
[environments.prod.sources]
setting_name = "kqlrules"              # the diagnostic settings kqlrules creates and owns
retention_days = 365                   # total retention of every table a detection reads
interactive_retention_days = 90        # of which queryable at full speed
resources = ["/subscriptions/.../providers/Microsoft.KeyVault/vaults/kv-prod"]
activity_log_categories = ["Administrative", "Security", "Policy"]
entra_categories = ["RiskyUsers"]      # exported even if no detection reads them yet
intune_categories = ["Devices"]        # likewise for the Intune setting
defender_event_sources = ["Assessments"]  # continuous export: SecurityRecommendation as well as alerts
export_location = "westeurope"         # the automation's region (default: the environment's location)
storage_account_id = "/subscriptions/.../storageAccounts/archive"        # optional second destination
event_hub_authorization_rule_id = "/subscriptions/.../authorizationRules/RootManageSharedAccessKey"
event_hub_name = "security-logs"
```

Everything is optional: the tables the detections read decide which categories are exported (see
`catalogue`), and the defaults keep a year, as the guide this tool grew from recommends.
"""

from __future__ import annotations

from typing import Any

import pydantic
from pydantic import BaseModel, ConfigDict, Field

from kqlrules.errors import KqlrulesError, Location
from kqlrules.sources.catalogue import (
    ACTIVITY_CATEGORIES,
    DEFENDER_EVENT_SOURCES,
    ENTRA_CATEGORIES,
    INTUNE_CATEGORIES,
)


class SourcesConfigError(KqlrulesError):
    """The `sources` table of an environment says something invalid."""


class SourcesConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    setting_name: str = Field(default="kqlrules", pattern=r"^[A-Za-z0-9_-]{1,260}$")
    # Log Analytics keeps 4 to 730 days interactively and up to 12 years in total ("Manage data retention in
    # a Log Analytics workspace", azure-monitor/logs/data-retention-configure).
    retention_days: int = Field(default=365, ge=4, le=4383)
    interactive_retention_days: int = Field(default=90, ge=4, le=730)
    resources: tuple[str, ...] = ()
    activity_log_categories: tuple[str, ...] = ACTIVITY_CATEGORIES
    entra_categories: tuple[str, ...] = ()
    intune_categories: tuple[str, ...] = ()
    defender_event_sources: tuple[str, ...] = ()
    export_location: str | None = None
    storage_account_id: str | None = None
    event_hub_authorization_rule_id: str | None = None
    event_hub_name: str | None = None

    @pydantic.model_validator(mode="after")
    def _consistent(self) -> SourcesConfig:
        if self.interactive_retention_days > self.retention_days:
            raise ValueError("interactive_retention_days cannot exceed retention_days")
        unknown = [c for c in self.activity_log_categories if c not in ACTIVITY_CATEGORIES]
        if unknown:
            raise ValueError(
                f"unknown activity log category {unknown[0]!r}; one of {', '.join(ACTIVITY_CATEGORIES)}"
            )
        unknown = [c for c in self.entra_categories if c not in ENTRA_CATEGORIES]
        if unknown:
            raise ValueError(
                f"unknown Entra ID category {unknown[0]!r}; one of {', '.join(sorted(ENTRA_CATEGORIES))}"
            )
        unknown = [c for c in self.intune_categories if c not in INTUNE_CATEGORIES]
        if unknown:
            raise ValueError(
                f"unknown Intune category {unknown[0]!r}; one of {', '.join(sorted(INTUNE_CATEGORIES))}"
            )
        unknown = [c for c in self.defender_event_sources if c not in DEFENDER_EVENT_SOURCES]
        if unknown:
            raise ValueError(
                f"unknown Defender for Cloud event source {unknown[0]!r}; "
                f"one of {', '.join(DEFENDER_EVENT_SOURCES)}"
            )
        for resource in self.resources:
            if "/providers/" not in resource.lower() or not resource.startswith("/subscriptions/"):
                raise ValueError(
                    f"{resource!r} is not an Azure resource id (/subscriptions/.../providers/...)"
                )
        return self


def sources_config(
    environment_name: str, extra: dict[str, Any], where: Location | None = None
) -> SourcesConfig:
    """The environment's `sources` table (its defaults when it has none)."""
    table = extra.get("sources", {})
    if not isinstance(table, dict):
        raise SourcesConfigError(f"environment {environment_name!r}: sources must be a table", where)
    try:
        return SourcesConfig.model_validate(table)
    except pydantic.ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "sources"
        raise SourcesConfigError(
            f"environment {environment_name!r}: sources.{field}: {first['msg']}".replace("Value error, ", ""),
            where,
            hint="see docs/sources.md for the keys of [environments.<name>.sources]",
        ) from None
