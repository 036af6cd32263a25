"""Sentinel's entity mapping contract: which identifiers each entity type has, and which must be mapped.

Source: Azure-Sentinel repository CI, `.script/tests/detectionTemplateSchemaValidation/Models/
EntityMappingIdentifiers.cs` (the identifiers of each type and its required identifier combinations: an
entity must map every identifier of at least one combination, so FileHash needs Algorithm *and* Value), which
encodes the service's table, cross-checked with Microsoft Learn's entities reference (sentinel/
entities-reference). The entity types are the 2025-09-01 swagger's `EntityMappingType` enum (IoTDevice is in
the CI table but not in the API, so it is refused on deploy).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EntityContract:
    identifiers: tuple[str, ...]
    # Each tuple is one combination that identifies the entity; at least one must be mapped in full.
    required: tuple[tuple[str, ...], ...]


ENTITY_CONTRACTS: dict[str, EntityContract] = {
    "Account": EntityContract(
        ("Name", "FullName", "NTDomain", "DnsDomain", "UPNSuffix", "Sid", "AadTenantId", "AadUserId", "PUID",
         "IsDomainJoined", "DisplayName", "ObjectGuid"),
        (("FullName",), ("Sid",), ("Name",), ("AadUserId",), ("PUID",), ("ObjectGuid",)),
    ),
    "AzureResource": EntityContract(("ResourceId",), (("ResourceId",),)),
    "CloudApplication": EntityContract(("AppId", "Name", "InstanceName"), (("AppId",), ("Name",))),
    "DNS": EntityContract(("DomainName",), (("DomainName",),)),
    "File": EntityContract(("Directory", "Name"), (("Name",),)),
    "FileHash": EntityContract(("Algorithm", "Value"), (("Algorithm", "Value"),)),
    "Host": EntityContract(
        ("DnsDomain", "NTDomain", "HostName", "FullName", "NetBiosName", "AzureID", "OMSAgentID", "OSFamily",
         "OSVersion", "IsDomainJoined"),
        (("FullName",), ("HostName",), ("NetBiosName",), ("AzureID",), ("OMSAgentID",)),
    ),
    "IP": EntityContract(("Address",), (("Address",),)),
    "Mailbox": EntityContract(
        ("MailboxPrimaryAddress", "DisplayName", "Upn", "ExternalDirectoryObjectId", "RiskLevel"),
        (("MailboxPrimaryAddress",),),
    ),
    "MailCluster": EntityContract(
        ("NetworkMessageIds", "CountByDeliveryStatus", "CountByThreatType", "CountByProtectionStatus",
         "Threats", "Query", "QueryTime", "MailCount", "IsVolumeAnomaly", "Source", "ClusterSourceIdentifier",
         "ClusterSourceType", "ClusterQueryStartTime", "ClusterQueryEndTime", "ClusterGroup"),
        (("Query",), ("Source",)),
    ),
    "MailMessage": EntityContract(
        ("Recipient", "Urls", "Threats", "Sender", "P1Sender", "P1SenderDisplayName", "P1SenderDomain",
         "SenderIP", "P2Sender", "P2SenderDisplayName", "P2SenderDomain", "ReceivedDate", "NetworkMessageId",
         "InternetMessageId", "Subject", "BodyFingerprintBin1", "BodyFingerprintBin2", "BodyFingerprintBin3",
         "BodyFingerprintBin4", "BodyFingerprintBin5", "AntispamDirection", "DeliveryAction",
         "DeliveryLocation", "Language", "ThreatDetectionMethods"),
        (("NetworkMessageId",), ("Recipient",)),
    ),
    "Malware": EntityContract(("Name", "Category"), (("Name",),)),
    "Process": EntityContract(
        ("ProcessId", "CommandLine", "ElevationToken", "CreationTimeUtc"), (("CommandLine",), ("ProcessId",))
    ),
    "RegistryKey": EntityContract(("Hive", "Key"), (("Key",), ("Hive",))),
    "RegistryValue": EntityContract(("Name", "Value", "ValueType"), (("Name",),)),
    "SecurityGroup": EntityContract(
        ("DistinguishedName", "SID", "ObjectGuid"), (("DistinguishedName",), ("SID",), ("ObjectGuid",))
    ),
    "SubmissionMail": EntityContract(
        ("NetworkMessageId", "Timestamp", "Recipient", "Sender", "SenderIp", "Subject", "ReportType",
         "SubmissionId", "SubmissionDate", "Submitter"),
        (("SubmissionId",), ("NetworkMessageId",), ("Recipient",), ("Submitter",)),
    ),
    "URL": EntityContract(("Url",), (("Url",),)),
}  # fmt: skip


def entity_problems(entity_type: str, identifiers: list[str]) -> list[str]:
    """What is wrong with one entity's identifiers (unknown, repeated, a required combination missing)."""
    contract = ENTITY_CONTRACTS.get(entity_type)
    if contract is None:
        return [f"entity type {entity_type!r} is not one of Sentinel's: {', '.join(ENTITY_CONTRACTS)}"]
    problems = []
    for identifier in identifiers:
        if identifier not in contract.identifiers:
            problems.append(
                f"{entity_type} has no identifier {identifier!r}; its identifiers are "
                f"{', '.join(contract.identifiers)}"
            )
    repeated = sorted({i for i in identifiers if identifiers.count(i) > 1})
    if repeated:
        problems.append(f"{entity_type} maps {', '.join(repeated)} more than once")
    if not any(all(i in identifiers for i in combination) for combination in contract.required):
        options = " or ".join("+".join(combination) for combination in contract.required)
        problems.append(f"{entity_type} must map {options} (the identifiers that identify it)")
    return problems
