"""Rows in the shapes the real services write: one builder per kind of event, collected per table.

Everything that is a service's convention (result codes and their texts, how `modifiedProperties` values are
JSON-encoded, the Start/Success pair of an Azure operation) lives here, so stories and background activity
only say what happened.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from kqlrules.sample.columns import TABLES
from kqlrules.sample.directory import App, Place, ServicePrincipal, Tenant, User, new_guid

Row = dict[str, Any]

# ResultType -> failure reason, as Entra ID reports them.
RESULTS = {
    "0": "",
    "50126": "Error validating credentials due to invalid username or password.",
    "50053": "Account is locked because user tried to sign in too many times with an incorrect user ID "
    "or password.",
    "50057": "User account is disabled. The account has been disabled by an administrator.",
    "50074": "Strong Authentication is required.",
    "50076": "Due to a configuration change made by your administrator, or because you moved to a new "
    "location, you must use multi-factor authentication to access the resource.",
    "500121": "Authentication failed during strong authentication request.",
    "53003": "Access has been blocked by Conditional Access policies. The access policy does not allow "
    "token issuance.",
}

CA_REQUIRE_MFA = ("Require MFA for all users", ["Mfa"])
CA_BLOCK_LEGACY = ("Block legacy authentication", ["Block"])
CA_POLICIES = (CA_REQUIRE_MFA, CA_BLOCK_LEGACY)


@dataclass(frozen=True)
class Risk:
    level: str = "none"
    state: str = "none"
    detail: str = "none"
    event_types: tuple[str, ...] = ()


NO_RISK = Risk()


@dataclass(frozen=True)
class Initiator:
    """Who did something in the directory: a user from an address, or an application."""

    detail: dict[str, Any]
    name: str

    @classmethod
    def user(cls, user: User, ip: str) -> Initiator:
        return cls(
            {"user": {"id": user.id, "displayName": None, "userPrincipalName": user.upn, "ipAddress": ip}},
            user.upn,
        )

    @classmethod
    def app(cls, principal: ServicePrincipal) -> Initiator:
        return cls(
            {
                "app": {
                    "appId": principal.app_id,
                    "displayName": principal.display_name,
                    "servicePrincipalId": principal.id,
                    "servicePrincipalName": None,
                }
            },
            principal.display_name,
        )


def changed(name: str, old: Any, new: Any) -> dict[str, Any]:
    """One `modifiedProperties` entry; the directory stores both values as JSON text."""
    return {
        "displayName": name,
        "oldValue": None if old is None else json.dumps(old, separators=(",", ":")),
        "newValue": None if new is None else json.dumps(new, separators=(",", ":")),
    }


def target(
    kind: str,
    object_id: str,
    display_name: str | None = None,
    upn: str | None = None,
    properties: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    return {
        "id": object_id,
        "displayName": display_name,
        "type": kind,
        "userPrincipalName": upn,
        "modifiedProperties": list(properties),
        "administrativeUnits": [],
    }


@dataclass
class Recorder:
    """Collects rows per table; identifiers come from the same seeded generator as everything else."""

    tenant: Tenant
    rng: random.Random
    rows: dict[str, list[Row]] = field(default_factory=lambda: {name: [] for name in TABLES})

    def guid(self) -> str:
        return new_guid(self.rng)

    def add(self, table: str, row: Row) -> Row:
        unknown = [name for name in row if name not in TABLES[table]]
        if unknown:
            raise ValueError(f"{table} has no column {unknown[0]!r}")
        self.rows[table].append(row)
        return row

    # Entra ID sign-ins -------------------------------------------------------------------------------

    def sign_in(
        self,
        user: User,
        when: datetime,
        *,
        ip: str,
        place: Place | None = None,
        app: App,
        user_agent: str | None = None,
        result: str = "0",
        mfa: bool = True,
        client_app: str = "Browser",
        device: dict[str, Any] | None = None,
        risk: Risk = NO_RISK,
        ca_status: str | None = None,
        interactive: bool = True,
        mfa_denied_reason: str = "MFA denied; user did not respond to mobile app notification",
        agentic: dict[str, str] | None = None,
    ) -> Row:
        place = place or user.place
        agent = user.device.user_agent if user_agent is None else user_agent
        device_detail = user.device.details() if device is None else device
        requirement = "multiFactorAuthentication" if mfa else "singleFactorAuthentication"
        succeeded = result == "0"
        status: dict[str, Any] = {"errorCode": int(result)}
        if succeeded:
            status["additionalDetails"] = (
                "MFA requirement satisfied by claim in the token" if mfa else "MFA requirement skipped"
            )
        else:
            status["failureReason"] = RESULTS[result]
            if result == "500121":
                status["additionalDetails"] = mfa_denied_reason
        if ca_status is None:
            ca_status = "failure" if result == "53003" else "success" if mfa else "notApplied"
        policies = [
            {
                "id": f"{index:08d}-aaaa-4bbb-8ccc-00000000000{index}",
                "displayName": name,
                "enforcedGrantControls": controls,
                "enforcedSessionControls": [],
                "result": _policy_result(name, ca_status, client_app),
            }
            for index, (name, controls) in enumerate(CA_POLICIES, start=1)
        ]
        steps = [
            _auth_step(when, "Password", result not in ("50126", "50053", "50057"), "Primary authentication")
        ]
        if mfa and result in ("0", "500121"):
            steps.append(_auth_step(when, "Mobile app notification", succeeded, "Secondary authentication"))
        row: Row = {
            "TenantId": self.tenant.id,
            "SourceSystem": "Azure AD",
            "TimeGenerated": when,
            "OperationName": "Sign-in activity",
            "OperationVersion": "1.0",
            "Category": "SignInLogs" if interactive else "NonInteractiveUserSignInLogs",
            "ResultType": result,
            "ResultSignature": "None",
            "ResultDescription": RESULTS[result],
            "DurationMs": 0,
            "CorrelationId": self.guid(),
            "ResourceGroup": "Microsoft.aadiam",
            "Identity": user.display_name,
            "Level": "4",
            "Location": place.country,
            "AlternateSignInName": user.upn,
            "AppDisplayName": app.display_name,
            "AppId": app.app_id,
            "AuthenticationDetails": steps,
            "AuthenticationRequirement": requirement,
            "ClientAppUsed": client_app,
            "ConditionalAccessPolicies": policies,
            "ConditionalAccessStatus": ca_status,
            "CreatedDateTime": when,
            "DeviceDetail": device_detail,
            "IsInteractive": interactive,
            "Id": self.guid(),
            "IPAddress": ip,
            "IsRisky": risk.state == "atRisk",
            "LocationDetails": place.details(),
            "MfaDetail": {"authMethod": "Mobile app notification"} if mfa and succeeded else {},
            "NetworkLocationDetails": [],
            "OriginalRequestId": self.guid(),
            "ResourceDisplayName": app.resource,
            "ResourceIdentity": app.resource_id,
            "RiskDetail": risk.detail,
            "RiskEventTypes": list(risk.event_types),
            "RiskEventTypes_V2": list(risk.event_types),
            "RiskLevelAggregated": risk.level,
            "RiskLevelDuringSignIn": risk.level,
            "RiskState": risk.state,
            "Status": status,
            "TokenIssuerName": "",
            "TokenIssuerType": "AzureAD",
            "UserAgent": agent,
            "UserDisplayName": user.display_name,
            "UserId": user.id,
            "UserPrincipalName": user.upn,
        }
        if agentic is not None:
            # The Agent column: the signIn resource's `agent` (microsoft.graph.agentic.agentSignIn) as JSON.
            row["Agent"] = json.dumps(agentic)
        if interactive:
            row.update(
                ResourceId=f"/tenants/{self.tenant.id}/providers/Microsoft.aadiam",
                Resource="Microsoft.aadiam",
                ResourceProvider="Microsoft.aadiam",
                UserType=user.user_type,
                AADTenantId=self.tenant.id,
            )
            return self.add("SigninLogs", row)
        row.update(ResourceTenantId=self.tenant.id, SignInEventTypes=["nonInteractiveUser"])
        return self.add("AADNonInteractiveUserSignInLogs", row)

    # Entra ID directory audit ------------------------------------------------------------------------

    def audit(
        self,
        when: datetime,
        operation: str,
        *,
        category: str,
        service: str,
        by: Initiator,
        targets: Sequence[dict[str, Any]],
        operation_type: str,
        details: Sequence[tuple[str, str]] = (),
    ) -> Row:
        return self.add(
            "AuditLogs",
            {
                "TenantId": self.tenant.id,
                "SourceSystem": "Azure AD",
                "TimeGenerated": when,
                "ResourceId": f"/tenants/{self.tenant.id}/providers/Microsoft.aadiam",
                "OperationName": operation,
                "OperationVersion": "1.0",
                "Category": category,
                "ResultType": "",
                "ResultSignature": "None",
                "ResultDescription": "",
                "DurationMs": 0,
                "CorrelationId": self.guid(),
                "Resource": "Microsoft.aadiam",
                "ResourceGroup": "Microsoft.aadiam",
                "ResourceProvider": "Microsoft.aadiam",
                "Identity": by.name,
                "Level": "4",
                "Location": "",
                "AdditionalDetails": [{"key": key, "value": value} for key, value in details],
                "Id": f"Directory_{self.guid()}",
                "InitiatedBy": by.detail,
                "LoggedByService": service,
                "Result": "success",
                "ResultReason": "",
                "TargetResources": list(targets),
                "AADTenantId": self.tenant.id,
                "ActivityDisplayName": operation,
                "ActivityDateTime": when,
                "AADOperationType": operation_type,
            },
        )

    # Azure Resource Manager -------------------------------------------------------------------------

    def azure_operation(
        self,
        when: datetime,
        operation: str,
        resource_id: str,
        *,
        caller: str,
        ip: str,
        request: dict[str, Any] | None = None,
        status_code: str = "OK",
    ) -> None:
        """An ARM write, delete or action: a Start event, then its Success a few seconds later."""
        parts = resource_id.split("/")
        group = parts[4] if len(parts) > 4 else ""
        provider = operation.split("/")[0]
        correlation, operation_id = self.guid(), self.guid()
        hierarchy = f"{self.tenant.id}/{self.tenant.subscription_id}"
        base = {
            "eventCategory": "Administrative",
            "entity": resource_id,
            "message": operation.lower(),
            "hierarchy": hierarchy,
        }
        start_properties = dict(base)
        if request is not None:
            start_properties["requestbody"] = json.dumps(request, separators=(",", ":"))
        success_properties = {"statusCode": status_code, "serviceRequestId": self.guid(), **base}
        for moment, status, substatus, properties in (
            (when, "Start", "", start_properties),
            (when + timedelta(seconds=self.rng.randint(2, 40)), "Success", status_code, success_properties),
        ):
            self.add(
                "AzureActivity",
                {
                    "TenantId": self.tenant.id,
                    "SourceSystem": "Azure",
                    "CallerIpAddress": ip,
                    "CategoryValue": "Administrative",
                    "CorrelationId": correlation,
                    "Authorization_d": {"action": operation.lower(), "scope": resource_id},
                    "Level": "Informational",
                    "OperationNameValue": operation.upper(),
                    "Properties": properties,
                    "Properties_d": properties,
                    "Caller": caller,
                    "EventDataId": self.guid(),
                    "EventSubmissionTimestamp": moment + timedelta(seconds=9),
                    "HTTPRequest": {"clientRequestId": self.guid(), "clientIpAddress": ip, "method": "PUT"}
                    if operation.upper().endswith("/WRITE")
                    else {"clientRequestId": self.guid(), "clientIpAddress": ip, "method": "DELETE"}
                    if operation.upper().endswith("/DELETE")
                    else {"clientRequestId": self.guid(), "clientIpAddress": ip, "method": "POST"},
                    "Resource": parts[-1],
                    "ResourceId": resource_id,
                    "OperationId": operation_id,
                    "ResourceGroup": group,
                    "ResourceProviderValue": provider.upper(),
                    "ActivityStatusValue": status,
                    "ActivitySubstatusValue": substatus,
                    "Hierarchy": hierarchy,
                    "TimeGenerated": moment,
                    "SubscriptionId": self.tenant.subscription_id,
                },
            )

    def resource_id(self, group: str, provider_path: str) -> str:
        return (
            f"/subscriptions/{self.tenant.subscription_id}/resourceGroups/{group}/providers/{provider_path}"
        )

    # Key Vault data plane --------------------------------------------------------------------------

    def key_vault(
        self,
        when: datetime,
        operation: str,
        *,
        vault: str,
        secret: str | None,
        ip: str,
        user: User | None = None,
        app: ServicePrincipal | None = None,
        client: str = "FxVersion/4.8.9256.0 OSName/Windows OSVersion/10.0 Azure.Security.KeyVault.Secrets",
    ) -> Row:
        group = "RG-SECURITY"
        arm_id = (
            f"/SUBSCRIPTIONS/{self.tenant.subscription_id.upper()}/RESOURCEGROUPS/{group}"
            f"/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/{vault.upper()}"
        )
        base = f"https://{vault}.vault.azure.net/secrets"
        item = f"{base}/{secret}/{self.guid().replace('-', '')}" if secret else base
        row: Row = {
            "TenantId": self.tenant.id,
            "TimeGenerated": when,
            "ResourceId": arm_id,
            "Category": "AuditEvent",
            "ResourceGroup": group,
            "SubscriptionId": self.tenant.subscription_id,
            "ResourceProvider": "MICROSOFT.KEYVAULT",
            "Resource": vault.upper(),
            "ResourceType": "VAULTS",
            "OperationName": operation,
            "ResultType": "Success",
            "ResultSignature": "OK",
            "ResultDescription": "",
            "DurationMs": self.rng.randint(3, 40),
            "CallerIPAddress": ip,
            "OperationVersion": "7.5",
            "id_s": item,
            "requestUri_s": f"{base}/{secret or ''}?api-version=7.5",
            "clientInfo_s": client,
            "httpStatusCode_d": 200.0,
            "identity_claim_appid_g": app.app_id if app else "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
            "identity_claim_http_schemas_microsoft_com_identity_claims_objectidentifier_g": (
                app.id if app else user.id if user else ""
            ),
            "identity_claim_http_schemas_xmlsoap_org_ws_2005_05_identity_claims_upn_s": user.upn
            if user
            else "",
            "SourceSystem": "Azure",
            "_ResourceId": arm_id.lower(),
        }
        return self.add("AzureDiagnostics", row)

    # Security alerts -------------------------------------------------------------------------------

    def security_alert(
        self,
        when: datetime,
        *,
        name: str,
        severity: str,
        description: str,
        product: str,
        provider: str,
        entities: Sequence[dict[str, Any]],
        compromised: str,
        tactics: str,
        alert_type: str,
    ) -> Row:
        alert_id = self.guid()
        numbered = [{"$id": str(index), **entity} for index, entity in enumerate(entities, start=2)]
        return self.add(
            "SecurityAlert",
            {
                "TenantId": self.tenant.id,
                "TimeGenerated": when + timedelta(minutes=3),
                "DisplayName": name,
                "AlertName": name,
                "AlertSeverity": severity,
                "Description": description,
                "ProviderName": provider,
                "VendorName": "Microsoft",
                "VendorOriginalId": self.guid(),
                "SystemAlertId": alert_id,
                "ResourceId": "",
                "AlertType": alert_type,
                "ConfidenceLevel": "Unknown",
                "IsIncident": False,
                "StartTime": when,
                "EndTime": when,
                "ProcessingEndTime": when + timedelta(minutes=3),
                "RemediationSteps": ["Review the alert in the Microsoft Defender portal."],
                "ExtendedProperties": {"Detection Source": product},
                "Entities": numbered,
                "SourceSystem": "Detection",
                "ProductName": product,
                "ProductComponentName": "",
                "AlertLink": f"https://security.microsoft.com/alerts/{alert_id}",
                "Status": "New",
                "CompromisedEntity": compromised,
                "Tactics": tactics,
            },
        )


def account_entity(user: User) -> dict[str, Any]:
    """An `account` entity as Microsoft Defender products write it into `SecurityAlert.Entities`."""
    return {
        "Type": "account",
        "Name": user.name,
        "UPNSuffix": user.upn.split("@")[1],
        "AadUserId": user.id,
        "DisplayName": user.display_name,
    }


def _policy_result(name: str, ca_status: str, client_app: str) -> str:
    legacy = client_app not in ("Browser", "Mobile Apps and Desktop clients")
    if name == CA_BLOCK_LEGACY[0]:
        return "failure" if ca_status == "failure" and legacy else "notApplied"
    return "notApplied" if ca_status == "notApplied" or legacy else ca_status


def _auth_step(when: datetime, method: str, succeeded: bool, requirement: str) -> dict[str, Any]:
    return {
        "authenticationStepDateTime": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "authenticationMethod": method,
        "succeeded": succeeded,
        "authenticationStepRequirement": requirement,
    }
