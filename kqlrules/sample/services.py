"""Rows of the services beyond sign-ins and the directory audit: service principals and managed identities
signing in, Intune's audit log and device snapshot, and Identity Protection's risk tables.

Shapes follow Microsoft's table reference (learn.microsoft.com/azure/azure-monitor/reference/tables/...)
and the services' own conventions: Intune's audit `Properties` is JSON text with an `Actor`, the target
names and ids, and `Targets[].ModifiedProperties` ({Name, Old, New}); the risk tables get a new row each
time a detection or a user's risk changes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from kqlrules.sample.directory import App, Place, ServicePrincipal, User
from kqlrules.sample.records import Recorder, Row

AZURE_REGION = "westeurope"


def service_principal_sign_in(
    log: Recorder,
    principal: ServicePrincipal,
    when: datetime,
    *,
    ip: str,
    resource: App,
    place: Place | None = None,
    managed_identity: bool = False,
) -> Row:
    """A client-credentials sign-in by an app (AADServicePrincipalSignInLogs) or a managed identity."""
    row: Row = {
        "TenantId": log.tenant.id,
        "SourceSystem": "Azure AD",
        "TimeGenerated": when,
        "OperationName": "Sign-in activity",
        "OperationVersion": "1.0",
        "Category": "ManagedIdentitySignInLogs" if managed_identity else "ServicePrincipalSignInLogs",
        "ResultType": "0",
        "ResultSignature": "SUCCESS",
        "ResultDescription": "",
        "DurationMs": 0,
        "CorrelationId": log.guid(),
        "ResourceGroup": "Microsoft.aadiam",
        "Identity": principal.display_name,
        "Level": "4",
        "Location": place.country if place else "NL",
        "AppId": principal.app_id,
        "Id": log.guid(),
        "IPAddress": ip,
        "LocationDetails": json.dumps(
            place.details() if place else {"city": "Amsterdam", "countryOrRegion": "NL"}
        ),
        "ResourceDisplayName": resource.resource,
        "ResourceIdentity": resource.resource_id,
        "ServicePrincipalId": principal.id,
        "ServicePrincipalName": principal.display_name,
        "UniqueTokenIdentifier": log.guid().replace("-", "")[:22],
        "Type": "AADManagedIdentitySignInLogs" if managed_identity else "AADServicePrincipalSignInLogs",
    }
    if managed_identity:
        return log.add("AADManagedIdentitySignInLogs", row)
    row.update(ConditionalAccessStatus="notApplied", ServicePrincipalCredentialKeyId=log.guid())
    return log.add("AADServicePrincipalSignInLogs", row)


def intune_audit(
    log: Recorder,
    when: datetime,
    operation: str,
    *,
    actor: User | None,
    targets: Sequence[tuple[str, str]],
    changes: Sequence[tuple[str, str | None, str | None]] = (),
    result: str = "Success",
    category: str = "Device",
    application: str = "Microsoft Intune portal extension",
) -> Row:
    """One Intune audit event; `targets` are (name, object id), `changes` (property, old, new)."""
    details = {
        "AuditEventId": log.guid(),
        "ActivityDate": when.strftime("%m/%d/%Y %H:%M:%S"),
        "ActivityResultStatus": 1 if result == "Success" else 2,
        "Actor": {
            "UPN": actor.upn if actor else "",
            "ObjectId": actor.id if actor else "",
            "ActorType": 1 if actor else 2,
            "IsDelegatedAdmin": False,
            "ApplicationName": application if actor else "Microsoft Intune",
        },
        "TargetDisplayNames": [name for name, _ in targets],
        "TargetObjectIds": [object_id for _, object_id in targets],
        "Targets": [
            {
                "Name": name,
                "ModifiedProperties": [{"Name": p, "Old": old, "New": new} for p, old, new in changes],
            }
            for name, _ in targets
        ],
        "AdditionalDetails": "",
    }
    return log.add(
        "IntuneAuditLogs",
        {
            "TenantId": log.tenant.id,
            "SourceSystem": "Azure",
            "TimeGenerated": when,
            "Category": category,
            "CorrelationId": log.guid(),
            "Identity": actor.upn if actor else "Microsoft Intune",
            "OperationName": operation,
            "Properties": json.dumps(details, separators=(",", ":")),
            "ResultDescription": "None",
            "ResultType": result,
            "Type": "IntuneAuditLogs",
        },
    )


def intune_device(log: Recorder, when: datetime, user: User, *, compliant: bool = True) -> Row:
    """The daily IntuneDevices snapshot row of a user's laptop."""
    device = user.device
    return log.add(
        "IntuneDevices",
        {
            "TenantId": log.tenant.id,
            "SourceSystem": "Microsoft Intune",
            "TimeGenerated": when,
            "DeviceName": device.name,
            "DeviceId": device.intune_id,
            "ReferenceId": device.id,
            "CreatedDate": "2025-09-01 08:00:00.0000000",
            "LastContact": (when - timedelta(hours=2)).strftime("%Y-%m-%d %H:%M:%S.0000000"),
            "UPN": user.upn,
            "UserName": user.display_name,
            "UserId": user.id,
            "OS": "macOS" if device.operating_system == "MacOs" else "Windows",
            "OSVersion": "15.1" if device.operating_system == "MacOs" else "10.0.22631.4460",
            "Ownership": "Corporate",
            "CompliantState": "Compliant" if compliant else "Noncompliant",
            "ManagedBy": "Intune",
            "JoinType": "Azure AD joined",
            "SerialNumber": device.id.replace("-", "")[:12].upper(),
            "Model": "MacBook Pro" if device.operating_system == "MacOs" else "Surface Laptop 5",
            "Manufacturer": "Apple" if device.operating_system == "MacOs" else "Microsoft Corporation",
            "EncryptionStatusString": "True",
            "DeviceRegistrationState": "Registered",
            "Type": "IntuneDevices",
        },
    )


def risk_detection(
    log: Recorder,
    when: datetime,
    user: User,
    *,
    event_type: str,
    level: str,
    state: str = "atRisk",
    detail: str = "none",
    ip: str = "",
    place: Place | None = None,
    detection_id: str | None = None,
    timing: str = "realtime",
) -> Row:
    """One AADUserRiskEvents row: a detection, or a later state of the same detection (same id)."""
    location: dict[str, Any] = place.details() if place else {}
    return log.add(
        "AADUserRiskEvents",
        {
            "TenantId": log.tenant.id,
            "SourceSystem": "Azure AD",
            "TimeGenerated": when,
            "Activity": "signin" if ip else "user",
            "ActivityDateTime": when - timedelta(minutes=2),
            "AdditionalInfo": [{"Key": "userAgent", "Value": user.device.user_agent}] if ip else [],
            "CorrelationId": log.guid(),
            "DetectedDateTime": when - timedelta(minutes=1),
            "DetectionTimingType": timing,
            "Id": detection_id or log.guid(),
            "IpAddress": ip,
            "LastUpdatedDateTime": when,
            "Location": location,
            "OperationName": "User Risk Detection",
            "RequestId": log.guid(),
            "RiskDetail": detail,
            "RiskEventType": event_type,
            "RiskLevel": level,
            "RiskState": state,
            "Source": "IdentityProtection",
            "TokenIssuerType": "AzureAD",
            "UserDisplayName": user.display_name,
            "UserId": user.id,
            "UserPrincipalName": user.upn,
            "Type": "AADUserRiskEvents",
        },
    )


def risky_user(log: Recorder, when: datetime, user: User, *, level: str, state: str, detail: str) -> Row:
    """One AADRiskyUsers row: the user's risk as of `when`."""
    return log.add(
        "AADRiskyUsers",
        {
            "TenantId": log.tenant.id,
            "SourceSystem": "Azure AD",
            "TimeGenerated": when,
            "CorrelationId": log.guid(),
            "Id": user.id,
            "IsDeleted": False,
            "IsProcessing": False,
            "OperationName": "Risky user",
            "RiskDetail": detail,
            "RiskLastUpdatedDateTime": when,
            "RiskLevel": level,
            "RiskState": state,
            "UserDisplayName": user.display_name,
            "UserPrincipalName": user.upn,
            "Type": "AADRiskyUsers",
        },
    )


def risky_agent(
    log: Recorder,
    when: datetime,
    *,
    agent_id: str,
    name: str,
    identity_type: str,
    level: str,
    state: str,
    detail: str,
) -> Row:
    """One AADRiskyAgents row: an AI agent identity's risk as of `when` (Identity Protection for agents)."""
    return log.add(
        "AADRiskyAgents",
        {
            "TenantId": log.tenant.id,
            "SourceSystem": "Azure AD",
            "TimeGenerated": when,
            "AgentDisplayName": name,
            "CorrelationId": log.guid(),
            "Id": agent_id,
            "IdentityType": identity_type,
            "IsDeleted": False,
            "IsEnabled": True,
            "IsProcessing": False,
            "OperationName": "Risky agent",
            "RiskDetail": detail,
            "RiskLastModifiedDateTime": when,
            "RiskLevel": level,
            "RiskState": state,
            "Type": "AADRiskyAgents",
        },
    )


__all__ = [
    "AZURE_REGION",
    "intune_audit",
    "intune_device",
    "risk_detection",
    "risky_agent",
    "risky_user",
    "service_principal_sign_in",
]
