"""Which api-version each rule is sent with: the one place that decides it.

- Azure Monitor scheduled query rules: 2023-12-01, the newest stable version (what azure-mgmt-monitor
  speaks).
- Sentinel `Scheduled` and `MicrosoftSecurityIncidentCreation` rules: 2025-09-01, the newest stable
  version, as long as the rule needs nothing newer. Stable versions are supported for years; previews may
  change shape.
- Sentinel `NRT` rules, any rule with MITRE sub-techniques (or an alert property overriding them), and
  incident-creation rules for Office 365 or Defender for Endpoint alerts: 2025-07-01-preview. The stable
  versions have no `NRT` kind, no `subTechniques` property, no `SubTechniques` AlertProperty and no such
  `productFilter` values (MicrosoftSecurityProductName): a stable PUT would refuse the kind, the property
  and the products, and silently drop the sub-techniques, so every plan would show them as drift.
  2025-07-01-preview is the newest version that defines them all
  (specification/securityinsights/resource-manager/Microsoft.SecurityInsights/preview/
  2025-07-01-preview/AlertRules.json).
- Listing Sentinel rules uses the preview too: it returns every kind with every field.
- Sentinel watchlists and their items: 2025-09-01, the newest stable version of Watchlists.json
  (specification/securityinsights/resource-manager/Microsoft.SecurityInsights/stable/2025-09-01/
  Watchlists.json); watchlists need nothing a preview adds.

Log sources (`kqlrules sources`):
- Entra ID diagnostic settings, `microsoft.aadiam/diagnosticSettings`: 2017-04-01, the only stable version
  (specification/azureactivedirectory/.../stable/2017-04-01/azureactivedirectory.json).
- Subscription and resource diagnostic settings, `Microsoft.Insights/diagnosticSettings`:
  2021-05-01-preview, the newest version of that resource
  (specification/monitor/.../preview/2021-05-01-preview/diagnosticsSettings_API.json).
- Intune diagnostic settings, `microsoft.intune/diagnosticSettings` (tenant scope, like Entra ID):
  2017-04-01-preview. azure-rest-api-specs publishes no spec for it (specification/intune holds only the
  retired 2015 MAM API); the version is the one the Intune admin center's "Diagnostic settings" blade calls,
  and the body is the Entra ID shape ("Send Intune log data to Azure Monitor",
  mem/intune/fundamentals/review-logs-using-azure-monitor).
- Defender for Cloud continuous export, `Microsoft.Security/automations`: 2023-12-01-preview. The resource
  has no stable version; 2023-12-01-preview is the newest
  (specification/security/.../Automations.Management/preview/2023-12-01-preview/openapi.json).
- Workspace tables: azure-mgmt-loganalytics' `tables` operations, its default (2025-07-01).
"""

from __future__ import annotations

from kqlrules.deploy.normalise import Json

MONITOR = "2023-12-01"
SENTINEL_STABLE = "2025-09-01"
SENTINEL_PREVIEW = "2025-07-01-preview"
SENTINEL_LIST = SENTINEL_PREVIEW
# MicrosoftSecurityProductName values in 2025-07-01-preview's AlertRules.json but not in 2025-09-01's.
SENTINEL_PREVIEW_PRODUCTS = (
    "Office 365 Advanced Threat Protection",
    "Microsoft Defender Advanced Threat Protection",
)
WATCHLISTS = SENTINEL_STABLE
ENTRA_DIAGNOSTIC_SETTINGS = "2017-04-01"
INSIGHTS_DIAGNOSTIC_SETTINGS = "2021-05-01-preview"
INTUNE_DIAGNOSTIC_SETTINGS = "2017-04-01-preview"
SECURITY_AUTOMATIONS = "2023-12-01-preview"


def sentinel_api_version(body: Json) -> str:
    """The api-version for one Sentinel alert rule body (its kind and the fields it uses)."""
    properties = body.get("properties") or {}
    dynamic = (properties.get("alertDetailsOverride") or {}).get("alertDynamicProperties") or []
    if (
        body.get("kind") == "NRT"
        or properties.get("subTechniques")
        or properties.get("productFilter") in SENTINEL_PREVIEW_PRODUCTS
        or any(isinstance(d, dict) and d.get("alertProperty") == "SubTechniques" for d in dynamic)
    ):
        return SENTINEL_PREVIEW
    return SENTINEL_STABLE


def api_version(target: str, body: Json) -> str:
    """The api-version for a rule body of `target` ("sentinel" or "monitor")."""
    return sentinel_api_version(body) if target == "sentinel" else MONITOR
