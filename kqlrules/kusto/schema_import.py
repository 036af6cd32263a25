"""Convert schema files of any shape kqlrules reads (Sentinel CI's, Log Analytics manifests) into kqlrules'
own format: one small JSON file per table or function, easy to review in a pull request.

This is the code behind `kqlrules schema import DIR` and how `kqlrules/kusto/schemas/` (the built-in
schemas) is generated:

    kqlrules schema import ../shared/schemas/tables ../shared/schemas/functions \
        --out kqlrules/kusto/schemas --builtin
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from kqlrules.kusto.schemas import FunctionSchema, SchemaError, SchemaSet, TableSchema

# The tables and functions detections hit first; the built-in set (kqlrules.kusto.builtin_schemas) carries
# every table of its sources, and at least these.
BUILTIN_TABLES = (
    "AADManagedIdentitySignInLogs",
    "AADNonInteractiveUserSignInLogs",
    "AADProvisioningLogs",
    "AADRiskyAgents",
    "AADRiskyUsers",
    "AADServicePrincipalSignInLogs",
    "AADUserRiskEvents",
    "ADFSSignInLogs",
    "IntuneAuditLogs",
    "IntuneDeviceComplianceOrg",
    "IntuneDevices",
    "IntuneOperationalLogs",
    "MicrosoftGraphActivityLogs",
    "AuditLogs",
    "AWSCloudTrail",
    "AzureActivity",
    "AzureDiagnostics",
    "BehaviorAnalytics",
    "CommonSecurityLog",
    "DeviceEvents",
    "DeviceFileCertificateInfo",
    "DeviceFileEvents",
    "DeviceImageLoadEvents",
    "DeviceInfo",
    "DeviceLogonEvents",
    "DeviceNetworkEvents",
    "DeviceNetworkInfo",
    "DeviceProcessEvents",
    "DeviceRegistryEvents",
    "DnsEvents",
    "EmailAttachmentInfo",
    "EmailEvents",
    "EmailPostDeliveryEvents",
    "EmailUrlInfo",
    "Event",
    "Heartbeat",
    "IdentityInfo",
    "LAQueryLogs",
    "OfficeActivity",
    "SecurityAlert",
    "SecurityEvent",
    "SecurityIncident",
    "SigninLogs",
    "Syslog",
    "ThreatIntelligenceIndicator",
    "W3CIISLog",
    "WindowsEvent",
)
BUILTIN_FUNCTIONS = (
    "_ASIM_GetSourceBySourceType",
    "_GetWatchlist",
    "_Im_Dns",
    "_Im_NetworkSession",
    "_Im_ProcessEvent",
    "_Im_WebSession",
    "imAuthentication",
    "imDns",
    "imNetworkSession",
    "imWebSession",
)


def table_document(table: TableSchema) -> dict[str, Any]:
    document: dict[str, Any] = {"table": table.name}
    if table.origin:
        document["source"] = table.origin  # what the file restates, named when lint finds a column unknown
    document["columns"] = {c.name: c.type for c in table.columns}
    return document


def function_document(function: FunctionSchema) -> dict[str, Any]:
    document: dict[str, Any] = {"function": function.name}
    if function.origin:
        document["source"] = function.origin
    document |= {
        "parameters": [{"name": p.name, "type": p.type, "required": p.required} for p in function.parameters],
        "columns": {c.name: c.type for c in function.columns},
    }
    if function.body is not None:
        document["body"] = function.body
    return document


def write_schemas(schemas: SchemaSet, out: Path) -> list[Path]:
    """Write every table and function of `schemas` into `out`, one `<Name>.json` each (tables in
    `out/`, functions in `out/functions/`); returns the files written."""
    written = []
    out.mkdir(parents=True, exist_ok=True)
    for table in sorted(schemas.tables.values(), key=lambda t: t.name):
        if table.name in schemas.functions:
            continue  # Sentinel ships ASIM parsers as tables too; the function (with parameters) wins.
        written.append(_write(out / f"{table.name}.json", table_document(table)))
    if schemas.functions:
        (out / "functions").mkdir(exist_ok=True)
    for function in sorted(schemas.functions.values(), key=lambda f: f.name):
        written.append(_write(out / "functions" / f"{function.name}.json", function_document(function)))
    return written


def import_folders(sources: Iterable[Path], out: Path, *, only: Iterable[str] | None = None) -> list[Path]:
    """Read schema folders of either shape and write the tables and functions named in `only` (all
    when None) into `out` in kqlrules' format."""
    schemas = SchemaSet.load(*sources)
    if only is not None:
        wanted = set(only)
        missing = wanted - set(schemas.tables) - set(schemas.functions)
        if missing:
            raise SchemaError(f"not found in the source folders: {', '.join(sorted(missing))}")
        schemas = SchemaSet(
            {n: t for n, t in schemas.tables.items() if n in wanted},
            {n: f for n, f in schemas.functions.items() if n in wanted},
        )
    return write_schemas(schemas, out)


def _write(path: Path, document: dict[str, Any]) -> Path:
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
