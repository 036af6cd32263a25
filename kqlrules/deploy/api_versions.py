"""Which api-version each rule is sent with: the one place that decides it.

- Azure Monitor scheduled query rules: 2023-12-01, the newest stable version (what azure-mgmt-monitor
  speaks).
- Sentinel `Scheduled` and `MicrosoftSecurityIncidentCreation` rules: 2025-09-01, the newest stable
  version, as long as the rule needs nothing newer. Stable versions are supported for years; previews may
  change shape.
- Sentinel `NRT` rules, and any rule with MITRE sub-techniques: 2025-07-01-preview. The stable versions
  have no `NRT` kind and no `subTechniques` property (a stable PUT would refuse the kind, and silently drop
  the sub-techniques, so every plan would show them as drift). 2025-07-01-preview is the newest version that
  defines both (specification/securityinsights/resource-manager/Microsoft.SecurityInsights/preview/
  2025-07-01-preview/AlertRules.json).
- Listing Sentinel rules uses the preview too: it returns every kind with every field.
- Sentinel watchlists and their items: 2025-09-01, the newest stable version of Watchlists.json
  (specification/securityinsights/resource-manager/Microsoft.SecurityInsights/stable/2025-09-01/
  Watchlists.json); watchlists need nothing a preview adds.
"""

from __future__ import annotations

from kqlrules.deploy.normalise import Json

MONITOR = "2023-12-01"
SENTINEL_STABLE = "2025-09-01"
SENTINEL_PREVIEW = "2025-07-01-preview"
SENTINEL_LIST = SENTINEL_PREVIEW
WATCHLISTS = SENTINEL_STABLE


def sentinel_api_version(body: Json) -> str:
    """The api-version for one Sentinel alert rule body (its kind and the fields it uses)."""
    properties = body.get("properties") or {}
    if body.get("kind") == "NRT" or properties.get("subTechniques"):
        return SENTINEL_PREVIEW
    return SENTINEL_STABLE


def api_version(target: str, body: Json) -> str:
    """The api-version for a rule body of `target` ("sentinel" or "monitor")."""
    return sentinel_api_version(body) if target == "sentinel" else MONITOR
