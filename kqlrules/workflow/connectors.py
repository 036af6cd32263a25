"""Which Microsoft Sentinel data connector fills which Log Analytics table: the `requiredDataConnectors` of an
exported rule are derived from the tables its query reads.

Sources. Connector ids are those Azure-Sentinel's repository CI accepts
(`.script/tests/detectionTemplateSchemaValidation/ValidConnectorIds.json`, github:Azure/Azure-Sentinel at
9102fc88a3f074490b09c87b39004c202be506ac, kept in `sentinel_connector_ids.json`). Which connector fills a
table is what Microsoft's own analytic rules declare in that repository (`Detections/`, `Solutions/*/Analytic
Rules/`: `Detections/SigninLogs/*.yaml` name `AzureActiveDirectory` for SigninLogs, those of
`Detections/AzureActivity/` `AzureActivity`, the Key Vault rules `AzureKeyVault` for AzureDiagnostics).
A table several connectors fill (AzureDiagnostics, SecurityAlert, CommonSecurityLog, Syslog) is resolved
by what the query filters on.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

# One table, one connector: the connector Microsoft's own rules name for it.
TABLE_CONNECTORS: dict[str, str] = {
    # Microsoft Entra ID (Azure Active Directory connector): sign-in and audit logs.
    "SigninLogs": "AzureActiveDirectory",
    "AuditLogs": "AzureActiveDirectory",
    "AADNonInteractiveUserSignInLogs": "AzureActiveDirectory",
    "AADServicePrincipalSignInLogs": "AzureActiveDirectory",
    "AADManagedIdentitySignInLogs": "AzureActiveDirectory",
    "AADProvisioningLogs": "AzureActiveDirectory",
    "ADFSSignInLogs": "AzureActiveDirectory",
    "AADRiskyUsers": "AzureActiveDirectory",
    "AADUserRiskEvents": "AzureActiveDirectory",
    "AADRiskyServicePrincipals": "AzureActiveDirectory",
    "AADServicePrincipalRiskEvents": "AzureActiveDirectory",
    # Azure activity (the subscription's control plane) and resource logs with a table of their own.
    "AzureActivity": "AzureActivity",
    "KeyVaultData": "AzureKeyVault",
    "StorageBlobLogs": "AzureStorageAccount",
    "StorageFileLogs": "AzureStorageAccount",
    "StorageQueueLogs": "AzureStorageAccount",
    "StorageTableLogs": "AzureStorageAccount",
    # Microsoft 365 and Defender.
    "OfficeActivity": "Office365",
    "DeviceEvents": "MicrosoftThreatProtection",
    "DeviceFileCertificateInfo": "MicrosoftThreatProtection",
    "DeviceFileEvents": "MicrosoftThreatProtection",
    "DeviceImageLoadEvents": "MicrosoftThreatProtection",
    "DeviceInfo": "MicrosoftThreatProtection",
    "DeviceLogonEvents": "MicrosoftThreatProtection",
    "DeviceNetworkEvents": "MicrosoftThreatProtection",
    "DeviceNetworkInfo": "MicrosoftThreatProtection",
    "DeviceProcessEvents": "MicrosoftThreatProtection",
    "DeviceRegistryEvents": "MicrosoftThreatProtection",
    "EmailEvents": "MicrosoftThreatProtection",
    "EmailAttachmentInfo": "MicrosoftThreatProtection",
    "EmailUrlInfo": "MicrosoftThreatProtection",
    "EmailPostDeliveryEvents": "MicrosoftThreatProtection",
    "CloudAppEvents": "MicrosoftThreatProtection",
    "IdentityLogonEvents": "MicrosoftThreatProtection",
    "IdentityQueryEvents": "MicrosoftThreatProtection",
    "IdentityDirectoryEvents": "MicrosoftThreatProtection",
    "Dynamics365Activity": "Dynamics365",
    # Windows and Linux machines, DNS, threat intelligence, Azure Monitor insights.
    "SecurityEvent": "SecurityEvents",
    "Event": "SecurityEvents",
    "WindowsFirewall": "WindowsFirewall",
    "DnsEvents": "DNS",
    "ThreatIntelligenceIndicator": "ThreatIntelligence",
    "VMConnection": "AzureMonitor(VMInsights)",
    "VMComputer": "AzureMonitor(VMInsights)",
    "VMProcess": "AzureMonitor(VMInsights)",
    "W3CIISLog": "AzureMonitor(IIS)",
    "WireData": "AzureMonitor(WireData)",
    "AWSCloudTrail": "AWS",
    "ApacheHTTPServer": "ApacheHTTPServer",
    "VMwareESXi": "VMwareESXi",
    "Cloudflare": "CloudflareDataConnector",
    "Corelight": "Corelight",
    "ESETPROTECT": "ESETPROTECT",
    "PaloAltoPrismaCloud": "PaloAltoPrismaCloud",
    "PingFederateEvent": "PingFederate",
    "UbiquitiAuditEvent": "UbiquitiUnifi",
}


@dataclass(frozen=True)
class SharedTable:
    """A table several connectors fill: the first rule whose pattern the query matches names the connector;
    `default` when none does (None: the table is left out rather than guessed)."""

    rules: tuple[tuple[str, str], ...]
    default: str | None


# Patterns are what a query filters on to pick its source (case-insensitive), as in Microsoft's rules:
# Key Vault rules filter `ResourceProvider == "MICROSOFT.KEYVAULT"` or `ResourceType =~ "VAULTS"`.
SHARED_TABLES: dict[str, SharedTable] = {
    "AzureDiagnostics": SharedTable(
        (
            (r"MICROSOFT\.KEYVAULT|\bVAULTS\b", "AzureKeyVault"),
            (r"AZUREFIREWALLS|AzureFirewall(Application|Network|Dns)Rule", "AzureFirewall"),
            (r"APPLICATIONGATEWAYS|FRONTDOORS|WebApplicationFirewall", "WAF"),
            (r"MICROSOFT\.SQL|SQLSecurityAuditEvents", "AzureSql"),
            (r"MICROSOFT\.CONTAINERSERVICE|kube-audit", "AzureKubernetes"),
        ),
        None,
    ),
    "SecurityAlert": SharedTable(
        (
            (r"Identity Protection|\bIPC\b", "AzureActiveDirectoryIdentityProtection"),
            (r"Cloud App Security|\bMCAS\b", "MicrosoftCloudAppSecurity"),
            (r"Defender Advanced Threat Protection|\bMDATP\b", "MicrosoftDefenderAdvancedThreatProtection"),
            (r"Azure Advanced Threat Protection|\bAATP\b", "AzureAdvancedThreatProtection"),
            (r"Office 365 Advanced Threat Protection|\bOATP\b", "OfficeATP"),
            (r"Azure Security Center|Defender for Cloud|\bASC\b", "AzureSecurityCenter"),
        ),
        "MicrosoftThreatProtection",
    ),
    "CommonSecurityLog": SharedTable(
        (
            (r"Palo Alto", "PaloAltoNetworks"),
            (r"Zscaler", "Zscaler"),
            (r"Fortinet", "Fortinet"),
            (r"Check Point", "CheckPoint"),
            (r"\bCisco\b", "CiscoASA"),
            (r"\bF5\b", "F5"),
        ),
        "CEF",
    ),
    "Syslog": SharedTable((), "Syslog"),
}


@cache
def valid_connector_ids() -> frozenset[str]:
    """The connector ids Azure-Sentinel's CI accepts (see the module docstring for the source)."""
    text = resources.files("kqlrules.workflow").joinpath("sentinel_connector_ids.json").read_text("utf-8")
    ids: list[str] = json.loads(text)["ids"]
    return frozenset(ids)


def connector_for(table: str, query: str) -> str | None:
    """The connector that fills `table` for this query, or None when no connector is known for it."""
    if table in TABLE_CONNECTORS:
        return TABLE_CONNECTORS[table]
    shared = SHARED_TABLES.get(table)
    if shared is None:
        return None
    for pattern, connector in shared.rules:
        if re.search(pattern, query, re.IGNORECASE):
            return connector
    return shared.default


def required_data_connectors(tables: list[str], query: str) -> tuple[list[dict[str, Any]], list[str]]:
    """`requiredDataConnectors` for a rule reading `tables` (one entry per connector, its tables in order),
    and the tables no known connector fills (they are left out: a made-up id would fail Sentinel's CI)."""
    by_connector: dict[str, list[str]] = {}
    unknown: list[str] = []
    for table in dict.fromkeys(tables):
        connector = connector_for(table, query)
        if connector is None:
            unknown.append(table)
        else:
            by_connector.setdefault(connector, []).append(table)
    entries = [{"connectorId": c, "dataTypes": types} for c, types in by_connector.items()]
    return entries, unknown


def tables_named_in(query: str) -> list[str]:
    """Known tables the query names (a word match), for when no analyzer is at hand."""
    known = [*TABLE_CONNECTORS, *SHARED_TABLES]
    return [t for t in known if re.search(rf"(?<![\w.]){re.escape(t)}(?![\w])", query)]
