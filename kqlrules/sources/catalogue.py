"""Which collection fills each Log Analytics table a detection may read: the one table kept in one place.

A detection is blind when the feed behind a table it reads is not switched on. Each entry names the
source (where the diagnostic setting lives), the category that setting must export, and whether kqlrules
can switch it on itself (`managed`) or only check that data arrives.

Sources:
- Entra ID diagnostic settings (tenant scope, `/providers/microsoft.aadiam/diagnosticSettings`): the
  categories and the tables they fill are listed in "Configure Microsoft Entra diagnostic settings for
  activity logs" and "Integrate Microsoft Entra logs with Azure Monitor logs" (learn.microsoft.com,
  entra/identity/monitoring-health/howto-configure-diagnostic-settings).
- The subscription activity log (subscription scope, `Microsoft.Insights/diagnosticSettings`): AzureActivity,
  categories from "Azure Monitor activity log schema" (azure-monitor/essentials/activity-log-schema).
- Resource logs (resource scope, `Microsoft.Insights/diagnosticSettings`): categories per resource type from
  "Supported categories for Azure Monitor resource logs" (azure-monitor/reference/logs-index); Key Vault's
  AuditEvent lands in AzureDiagnostics, storage blob logs only in their resource-specific table.
- Intune diagnostic settings (tenant scope, `/providers/microsoft.intune/diagnosticSettings`, the shape of
  Entra ID's): categories AuditLogs, OperationalLogs, DeviceComplianceOrg and Devices fill IntuneAuditLogs,
  IntuneOperationalLogs, IntuneDeviceComplianceOrg and IntuneDevices ("Send Intune log data to Azure
  Monitor", mem/intune/fundamentals/review-logs-using-azure-monitor).
- Defender for Cloud continuous export (`Microsoft.Security/automations` with a `Workspace` action): event
  source Alerts fills SecurityAlert, Assessments fills SecurityRecommendation (the spec's
  AutomationActionWorkspace description; defender-for-cloud/continuous-export). Sentinel's Defender for
  Cloud data connector is the other route to SecurityAlert; kqlrules cannot see it, and counts the table's
  data instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Source(StrEnum):
    entra = "entra"
    activity = "activity"
    resource = "resource"
    intune = "intune"
    defender = "defender"
    sentinel = "sentinel"


@dataclass(frozen=True)
class Feed:
    """What fills one table."""

    table: str
    source: Source
    category: str
    resource_type: str | None = None  # for resource logs: the ARM type whose setting exports `category`
    managed: bool = True  # kqlrules plans and applies it; False: checked only
    billed_by_volume: bool = True  # ingestion is billed per GB (the Free tier categories are not)

    @property
    def describe(self) -> str:
        where = {
            Source.entra: "Entra ID diagnostic setting",
            Source.activity: "subscription activity log setting",
            Source.resource: f"{self.resource_type} diagnostic setting",
            Source.intune: "Intune diagnostic setting",
            Source.defender: "Defender for Cloud continuous export",
            Source.sentinel: "Microsoft Sentinel itself",
        }[self.source]
        if self.source is Source.sentinel:
            return where
        kind = "event source" if self.source is Source.defender else "category"
        return f"{where}, {kind} {self.category}"


_ENTRA = {
    "SigninLogs": "SignInLogs",
    "AuditLogs": "AuditLogs",
    "AADNonInteractiveUserSignInLogs": "NonInteractiveUserSignInLogs",
    "AADServicePrincipalSignInLogs": "ServicePrincipalSignInLogs",
    "AADManagedIdentitySignInLogs": "ManagedIdentitySignInLogs",
    "AADProvisioningLogs": "ProvisioningLogs",
    "ADFSSignInLogs": "ADFSSignInLogs",
    "AADRiskyUsers": "RiskyUsers",
    "AADUserRiskEvents": "UserRiskEvents",
    "AADRiskyServicePrincipals": "RiskyServicePrincipals",
    "AADServicePrincipalRiskEvents": "ServicePrincipalRiskEvents",
    "MicrosoftGraphActivityLogs": "MicrosoftGraphActivityLogs",
    # Identity Protection for agent identities (tables/aadriskyagents). No published category list names
    # its category yet; every other AAD<X> table of the setting is filled by category <X> (AADRiskyUsers by
    # RiskyUsers, AADRiskyServicePrincipals by RiskyServicePrincipals), so it is taken to be RiskyAgents.
    "AADRiskyAgents": "RiskyAgents",
}
# Every category the Entra ID setting accepts (the same page), for the emulator and for `sources plan`.
ENTRA_CATEGORIES = frozenset(
    {
        *_ENTRA.values(),
        "NetworkAccessTrafficLogs",
        "EnrichedOffice365AuditLogs",
        "RemoteNetworkHealthLogs",
        "NetworkAccessAlerts",
    }
)
# The activity log's categories (activity-log-schema). Administrative is what role, policy and resource
# changes are logged under; Security carries Defender for Cloud's alerts.
ACTIVITY_CATEGORIES = (
    "Administrative",
    "Security",
    "ServiceHealth",
    "Alert",
    "Recommendation",
    "Policy",
    "Autoscale",
    "ResourceHealth",
)
# The Intune setting's categories ("Send Intune log data to Azure Monitor").
INTUNE_CATEGORIES = frozenset({"AuditLogs", "OperationalLogs", "DeviceComplianceOrg", "Devices"})
# Continuous export's event sources (EventSource in the automations spec, 2023-12-01-preview).
DEFENDER_EVENT_SOURCES = (
    "Alerts",
    "Assessments",
    "AssessmentsSnapshot",
    "SubAssessments",
    "SubAssessmentsSnapshot",
    "SecureScores",
    "SecureScoresSnapshot",
    "SecureScoreControls",
    "SecureScoreControlsSnapshot",
    "RegulatoryComplianceAssessment",
    "RegulatoryComplianceAssessmentSnapshot",
    "AttackPaths",
    "AttackPathsSnapshot",
)
# Resource log categories per resource type (logs-index), for the types the seed collects.
RESOURCE_CATEGORIES: dict[str, frozenset[str]] = {
    "microsoft.keyvault/vaults": frozenset({"AuditEvent", "AzurePolicyEvaluationDetails"}),
    "microsoft.network/networksecuritygroups": frozenset(
        {"NetworkSecurityGroupEvent", "NetworkSecurityGroupRuleCounter"}
    ),
    "microsoft.storage/storageaccounts/blobservices": frozenset(
        {"StorageRead", "StorageWrite", "StorageDelete"}
    ),
    "microsoft.storage/storageaccounts/fileservices": frozenset(
        {"StorageRead", "StorageWrite", "StorageDelete"}
    ),
}

FEEDS: dict[str, Feed] = {
    **{table: Feed(table, Source.entra, category) for table, category in _ENTRA.items()},
    # Administrative is billed like any table, but the activity log itself is free to ingest (Azure
    # Monitor pricing: "Activity log data ... no charge"), hence billed_by_volume False.
    "AzureActivity": Feed("AzureActivity", Source.activity, "Administrative", billed_by_volume=False),
    "AzureDiagnostics": Feed("AzureDiagnostics", Source.resource, "AuditEvent", "microsoft.keyvault/vaults"),
    "StorageBlobLogs": Feed(
        "StorageBlobLogs", Source.resource, "StorageRead", "microsoft.storage/storageaccounts/blobservices"
    ),
    "IntuneAuditLogs": Feed("IntuneAuditLogs", Source.intune, "AuditLogs"),
    "IntuneOperationalLogs": Feed("IntuneOperationalLogs", Source.intune, "OperationalLogs"),
    "IntuneDeviceComplianceOrg": Feed("IntuneDeviceComplianceOrg", Source.intune, "DeviceComplianceOrg"),
    "IntuneDevices": Feed("IntuneDevices", Source.intune, "Devices"),
    # Defender for Cloud's alerts reach SecurityAlert through continuous export (or Sentinel's connector);
    # security alerts are free to ingest in Sentinel ("Free data sources", sentinel/billing), exported
    # recommendations are billed like any table.
    "SecurityAlert": Feed("SecurityAlert", Source.defender, "Alerts", billed_by_volume=False),
    "SecurityRecommendation": Feed("SecurityRecommendation", Source.defender, "Assessments"),
    "SecurityIncident": Feed(
        "SecurityIncident", Source.sentinel, "Incidents", managed=False, billed_by_volume=False
    ),
}


def feed_for(table: str) -> Feed | None:
    """The feed of `table`, or None for a table kqlrules knows no collection for (a custom `_CL` table,
    a function)."""
    return FEEDS.get(table)
