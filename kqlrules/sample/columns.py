"""The columns the sample tenant writes, per table, as the Log Analytics schemas name them.

A row may only use these names (a typo is an error, not a new column), and a column listed as dynamic keeps
its JSON object or array; every other column that is given a dict or list gets it JSON-encoded, as the real
tables hold it (`AADNonInteractiveUserSignInLogs.LocationDetails` is a string, `SigninLogs.LocationDetails`
is dynamic).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TableColumns:
    names: tuple[str, ...]
    dynamic: frozenset[str]

    def __contains__(self, name: object) -> bool:
        return name in self.names


def _table(names: str, dynamic: str = "") -> TableColumns:
    listed = tuple(names.split())
    dynamic_names = frozenset(dynamic.split())
    assert dynamic_names <= set(listed), dynamic_names - set(listed)
    return TableColumns(listed, dynamic_names)


_SIGNIN_COMMON = """
    TenantId SourceSystem TimeGenerated OperationName OperationVersion Category ResultType ResultSignature
    ResultDescription DurationMs CorrelationId ResourceGroup Identity Level Location AlternateSignInName
    AppDisplayName AppId AuthenticationDetails AuthenticationRequirement ClientAppUsed
    ConditionalAccessPolicies ConditionalAccessStatus CreatedDateTime DeviceDetail IsInteractive Id IPAddress
    IsRisky LocationDetails MfaDetail NetworkLocationDetails OriginalRequestId ResourceDisplayName
    ResourceIdentity RiskDetail RiskEventTypes RiskEventTypes_V2 RiskLevelAggregated RiskLevelDuringSignIn
    RiskState Status TokenIssuerName TokenIssuerType UserAgent UserDisplayName UserId UserPrincipalName Agent
"""

TABLES: dict[str, TableColumns] = {
    "SigninLogs": _table(
        _SIGNIN_COMMON + " ResourceId Resource ResourceProvider UserType AADTenantId",
        "ConditionalAccessPolicies DeviceDetail LocationDetails MfaDetail Status",
    ),
    # The non-interactive table keeps its nested values as JSON text.
    "AADNonInteractiveUserSignInLogs": _table(_SIGNIN_COMMON + " ResourceTenantId SignInEventTypes"),
    "AuditLogs": _table(
        """TenantId SourceSystem TimeGenerated ResourceId OperationName OperationVersion Category ResultType
        ResultSignature ResultDescription DurationMs CorrelationId Resource ResourceGroup ResourceProvider
        Identity Level Location AdditionalDetails Id InitiatedBy LoggedByService Result ResultReason
        TargetResources AADTenantId ActivityDisplayName ActivityDateTime AADOperationType""",
        "AdditionalDetails InitiatedBy TargetResources",
    ),
    "AzureActivity": _table(
        """TenantId SourceSystem CallerIpAddress CategoryValue CorrelationId Authorization Authorization_d
        Claims Claims_d Level OperationNameValue Properties Properties_d Caller EventDataId
        EventSubmissionTimestamp HTTPRequest Resource ResourceId OperationId ResourceGroup
        ResourceProviderValue ActivityStatusValue ActivitySubstatusValue Hierarchy TimeGenerated
        SubscriptionId""",
        "Authorization_d Claims_d Properties_d",
    ),
    # Key Vault data-plane audit events (SecretGet, SecretList, ...) land in AzureDiagnostics.
    "AzureDiagnostics": _table(
        """TenantId TimeGenerated ResourceId Category ResourceGroup SubscriptionId ResourceProvider Resource
        ResourceType OperationName ResultType ResultSignature ResultDescription DurationMs CallerIPAddress
        OperationVersion id_s requestUri_s clientInfo_s httpStatusCode_d identity_claim_appid_g
        identity_claim_http_schemas_microsoft_com_identity_claims_objectidentifier_g
        identity_claim_http_schemas_xmlsoap_org_ws_2005_05_identity_claims_upn_s SourceSystem Type
        _ResourceId"""
    ),
    # Service principals and managed identities signing in: nested values as JSON text.
    "AADServicePrincipalSignInLogs": _table(
        """TenantId SourceSystem TimeGenerated OperationName OperationVersion Category ResultType
        ResultSignature ResultDescription DurationMs CorrelationId ResourceGroup Identity Level Location AppId
        ConditionalAccessStatus Id IPAddress LocationDetails ResourceDisplayName ResourceIdentity
        ServicePrincipalCredentialKeyId ServicePrincipalId ServicePrincipalName UniqueTokenIdentifier Type"""
    ),
    "AADManagedIdentitySignInLogs": _table(
        """TenantId SourceSystem TimeGenerated OperationName OperationVersion Category ResultType
        ResultSignature ResultDescription DurationMs CorrelationId ResourceGroup Identity Level Location AppId
        Id IPAddress LocationDetails ResourceDisplayName ResourceIdentity ServicePrincipalId
        ServicePrincipalName UniqueTokenIdentifier Type"""
    ),
    # Intune: the audit log keeps its details as JSON text in Properties; IntuneDevices is a daily snapshot.
    "IntuneAuditLogs": _table(
        """TenantId SourceSystem TimeGenerated Category CorrelationId Identity OperationName Properties
        ResultDescription ResultType Type"""
    ),
    "IntuneDevices": _table(
        """TenantId SourceSystem TimeGenerated DeviceName DeviceId ReferenceId CreatedDate LastContact UPN
        UserName UserId OS OSVersion Ownership CompliantState ManagedBy JoinType SerialNumber Model
        Manufacturer EncryptionStatusString DeviceRegistrationState Type"""
    ),
    # Identity Protection: one row per risk detection (updated as it changes) and per risky-user change.
    "AADUserRiskEvents": _table(
        """TenantId SourceSystem TimeGenerated Activity ActivityDateTime AdditionalInfo CorrelationId
        DetectedDateTime DetectionTimingType Id IpAddress LastUpdatedDateTime Location OperationName RequestId
        RiskDetail RiskEventType RiskLevel RiskState Source TokenIssuerType UserDisplayName UserId
        UserPrincipalName Type""",
        "AdditionalInfo Location",
    ),
    "AADRiskyUsers": _table(
        """TenantId SourceSystem TimeGenerated CorrelationId Id IsDeleted IsProcessing OperationName
        RiskDetail RiskLastUpdatedDateTime RiskLevel RiskState UserDisplayName UserPrincipalName Type"""
    ),
    "AADRiskyAgents": _table(
        """TenantId SourceSystem TimeGenerated AgentDisplayName CorrelationId Id IdentityType IsDeleted
        IsEnabled IsProcessing OperationName RiskDetail RiskLastModifiedDateTime RiskLevel RiskState Type"""
    ),
    "SecurityAlert": _table(
        """TenantId TimeGenerated DisplayName AlertName AlertSeverity Description ProviderName VendorName
        VendorOriginalId SystemAlertId ResourceId AlertType ConfidenceLevel IsIncident StartTime EndTime
        ProcessingEndTime RemediationSteps ExtendedProperties Entities SourceSystem ProductName
        ProductComponentName AlertLink Status CompromisedEntity Tactics"""
    ),
}
