"""Azure stories (AzureActivity, AzureDiagnostics): network rules, role assignments, diagnostic settings,
deletions and Key Vault reads."""

from __future__ import annotations

from datetime import datetime, timedelta

from kqlrules.sample.directory import (
    CORPORATE_RANGE,
    SEATTLE_OFFICE_IP,
)
from kqlrules.sample.stories.catalogue import Played, Scene, story
from kqlrules.sample.stories.shared import (
    ATTACKER_AZURE_IP,
    OWNER_ROLE,
    READER_ROLE,
    minutes_after,
)


def _nsg_rule(scene: Scene, when: datetime, caller: str, ip: str, rule: str, source: str, port: str) -> None:
    resource = scene.log.resource_id(
        "rg-prod-web", f"Microsoft.Network/networkSecurityGroups/nsg-prod-web/securityRules/{rule}"
    )
    body = {
        "properties": {
            "protocol": "Tcp",
            "sourcePortRange": "*",
            "destinationPortRange": port,
            "sourceAddressPrefix": source,
            "destinationAddressPrefix": "*",
            "access": "Allow",
            "priority": 100 + int(port) % 97,
            "direction": "Inbound",
        }
    }
    scene.log.azure_operation(
        when,
        "Microsoft.Network/networkSecurityGroups/securityRules/write",
        resource,
        caller=caller,
        ip=ip,
        request=body,
        status_code="Created",
    )


_CI_RESOURCES = (
    "Microsoft.Compute/virtualMachines/ci-runner-7",
    "Microsoft.Compute/disks/ci-runner-7-osdisk",
    "Microsoft.Network/networkInterfaces/ci-runner-7-nic",
    "Microsoft.Network/publicIPAddresses/ci-runner-7-ip",
)


def _diagnostic_setting(resource_path: str, group: str, scene: Scene) -> str:
    return scene.log.resource_id(
        group, f"{resource_path}/providers/microsoft.insights/diagnosticSettings/send-to-sentinel"
    )


def _role_assignment(
    scene: Scene, when: datetime, caller: str, ip: str, scope: str, role: str, principal: str
) -> None:
    assignment = scene.log.guid()
    scene.log.azure_operation(
        when,
        "Microsoft.Authorization/roleAssignments/write",
        f"{scope}/providers/Microsoft.Authorization/roleAssignments/{assignment}",
        caller=caller,
        ip=ip,
        request={
            "Id": assignment,
            "Properties": {
                "PrincipalId": principal,
                "PrincipalType": "User",
                "RoleDefinitionId": f"/subscriptions/{scene.tenant.subscription_id}/providers/"
                f"Microsoft.Authorization/roleDefinitions/{role}",
                "Scope": scope,
            },
        },
        status_code="Created",
    )


_PROD_RESOURCES = tuple(
    [f"Microsoft.Compute/virtualMachines/vm-web-0{n}" for n in range(1, 5)]
    + [f"Microsoft.Compute/disks/vm-web-0{n}-osdisk" for n in range(1, 5)]
    + [f"Microsoft.Network/networkInterfaces/vm-web-0{n}-nic" for n in range(1, 4)]
    + ["Microsoft.Storage/storageAccounts/stcontosoprod01", "Microsoft.Storage/storageAccounts/stcontosologs"]
    + ["Microsoft.Sql/servers/sql-contoso-prod", "Microsoft.Web/sites/app-contoso-web"]
)


@story(
    "NSG rules limited to the corporate range, or opening only HTTPS", must_not_fire=("nsg_open_to_internet",)
)
def corporate_nsg_rules(scene: Scene) -> Played:
    """The cloud admin allows RDP from the corporate range, and HTTPS from anywhere to the web tier."""
    admin = scene.user("pradeep.gupta")
    start = scene.at(-3, "14:40")
    _nsg_rule(scene, start, admin.upn, SEATTLE_OFFICE_IP, "allow-rdp-corp", CORPORATE_RANGE, "3389")
    _nsg_rule(scene, minutes_after(start, 4), admin.upn, SEATTLE_OFFICE_IP, "allow-https", "*", "443")
    return Played(start, minutes_after(start, 5), (admin.upn,))


@story("Automation deletes a handful of CI resources", must_not_fire=("mass_resource_deletion",))
def pipeline_cleanup(scene: Scene) -> Played:
    """The pipeline tears down a CI runner: four deletions in an ephemeral resource group."""
    pipeline = scene.tenant.service_principal("contoso-deploy-pipeline")
    start = scene.at(-3, "15:10")
    for offset, path in enumerate(_CI_RESOURCES):
        provider, kind, _ = path.split("/")
        scene.log.azure_operation(
            minutes_after(start, offset * 2),
            f"{provider}/{kind}/delete",
            scene.log.resource_id("rg-ci-ephemeral", path),
            caller=pipeline.app_id,
            ip="198.51.100.201",
        )
    return Played(start, minutes_after(start, 7), (pipeline.app_id,))


@story("A diagnostic setting created, not deleted", must_not_fire=("diagnostic_settings_deleted",))
def diagnostic_setting_updated(scene: Scene) -> Played:
    """The cloud admin points the web app's diagnostic setting at the Sentinel workspace."""
    admin = scene.user("pradeep.gupta")
    when = scene.at(-3, "16:00")
    scene.log.azure_operation(
        when,
        "Microsoft.Insights/diagnosticSettings/write",
        _diagnostic_setting("Microsoft.Web/sites/app-contoso-web", "rg-prod-web", scene),
        caller=admin.upn,
        ip=SEATTLE_OFFICE_IP,
        request={"properties": {"workspaceId": "law-contoso-sentinel", "logs": [{"enabled": True}]}},
    )
    return Played(when, when, (admin.upn,))


@story(
    "A Reader role assignment on a resource group",
    fires=("role_assignment_created",),
    must_not_fire=("privileged_azure_role_assigned",),
)
def reader_role_on_resource_group(scene: Scene) -> Played:
    """The cloud admin gives a finance analyst Reader on the billing resource group."""
    admin, member = scene.user("pradeep.gupta"), scene.user("alan.steiner")
    when = scene.at(-3, "16:30")
    scope = f"/subscriptions/{scene.tenant.subscription_id}/resourceGroups/rg-billing"
    _role_assignment(scene, when, admin.upn, SEATTLE_OFFICE_IP, scope, READER_ROLE, member.id)
    return Played(when, when, (admin.upn, member.id))


@story(
    "An application reads the same two secrets every thirty minutes",
    must_not_fire=("key_vault_secret_mass_access",),
)
def key_vault_app_polling(scene: Scene) -> Played:
    """The web API reads its two secrets every half hour, all week: a lot of reads, few secrets."""
    api = scene.tenant.service_principal("Contoso Web API")
    moment = last = scene.time.start
    while moment < scene.time.end:
        for secret in ("sql-connection-string", "storage-account-key"):
            last = moment + timedelta(seconds=scene.time.rng.randint(0, 50))
            scene.log.key_vault(
                last,
                "SecretGet",
                vault="kv-contoso-prod",
                secret=secret,
                ip="198.51.100.200",
                app=api,
                client="azsdk-net-Security.KeyVault.Secrets/4.6.0 (.NET 8.0.10; Linux)",
            )
        moment += timedelta(minutes=30)
    return Played(scene.time.start, last, (api.app_id,))


@story("An NSG rule allowing RDP from anywhere", malicious=True, fires=("nsg_open_to_internet",))
def nsg_opened_to_internet(scene: Scene) -> Played:
    """RDP to the production web tier is opened to any source address."""
    user = scene.user("isaiah.langer")
    when = scene.at(-1, "06:05")
    _nsg_rule(scene, when, user.upn, ATTACKER_AZURE_IP, "allow-rdp-any", "*", "3389")
    return Played(when, when, (user.upn, ATTACKER_AZURE_IP))


@story(
    "Two diagnostic settings deleted",
    malicious=True,
    fires=("diagnostic_settings_deleted",),
    must_not_fire=("mass_resource_deletion",),
)
def diagnostic_settings_deleted(scene: Scene) -> Played:
    """The Key Vault's and the NSG's diagnostic settings are deleted, blinding Sentinel."""
    user = scene.user("isaiah.langer")
    start = scene.at(-1, "06:40")
    targets = (
        ("Microsoft.KeyVault/vaults/kv-contoso-prod", "rg-security"),
        ("Microsoft.Network/networkSecurityGroups/nsg-prod-web", "rg-prod-web"),
    )
    for offset, (path, group) in enumerate(targets):
        scene.log.azure_operation(
            minutes_after(start, offset * 3),
            "Microsoft.Insights/diagnosticSettings/delete",
            _diagnostic_setting(path, group, scene),
            caller=user.upn,
            ip=ATTACKER_AZURE_IP,
        )
    return Played(start, minutes_after(start, 4), (user.upn, ATTACKER_AZURE_IP))


@story("One caller reads 25 distinct secrets", malicious=True, fires=("key_vault_secret_mass_access",))
def key_vault_secret_dump(scene: Scene) -> Played:
    """Isaiah grants himself secret permissions on the production vault (an ARM write), lists the vault
    and reads 25 different secrets in eight minutes."""
    user = scene.user("isaiah.langer")
    start = scene.at(-1, "07:10")
    scene.log.azure_operation(
        start,
        "Microsoft.KeyVault/vaults/accessPolicies/write",
        scene.log.resource_id("rg-security", "Microsoft.KeyVault/vaults/kv-contoso-prod/accessPolicies/add"),
        caller=user.upn,
        ip=ATTACKER_AZURE_IP,
        request={
            "properties": {
                "accessPolicies": [
                    {
                        "tenantId": scene.tenant.id,
                        "objectId": user.id,
                        "permissions": {"secrets": ["get", "list"]},
                    }
                ]
            }
        },
    )
    client = "azsdk-python-keyvault-secrets/4.8.0 Python/3.11.9 (Linux-6.5.0-x86_64)"
    scene.log.key_vault(
        start + timedelta(minutes=1),
        "SecretList",
        vault="kv-contoso-prod",
        secret=None,
        ip=ATTACKER_AZURE_IP,
        user=user,
        client=client,
    )
    when = start + timedelta(minutes=1)
    for index in range(25):
        when = when + timedelta(seconds=scene.time.rng.randint(10, 25))
        scene.log.key_vault(
            when,
            "SecretGet",
            vault="kv-contoso-prod",
            secret=f"{('db', 'api', 'svc', 'sftp', 'vpn')[index % 5]}-credential-{index // 5 + 1}",
            ip=ATTACKER_AZURE_IP,
            user=user,
            client=client,
        )
    return Played(start, when, (user.upn, ATTACKER_AZURE_IP))


@story(
    "Owner granted at subscription scope",
    malicious=True,
    fires=("privileged_azure_role_assigned", "role_assignment_created"),
)
def owner_assigned_to_guest(scene: Scene) -> Played:
    """The guest from Fabrikam is made Owner of the whole subscription."""
    user = scene.user("isaiah.langer")
    when = scene.at(-1, "07:45")
    scope = f"/subscriptions/{scene.tenant.subscription_id}"
    _role_assignment(scene, when, user.upn, ATTACKER_AZURE_IP, scope, OWNER_ROLE, scene.log.guid())
    return Played(when, when, (user.upn, ATTACKER_AZURE_IP))


@story(
    f"{len(_PROD_RESOURCES)} resources deleted by one caller",
    malicious=True,
    fires=("mass_resource_deletion",),
)
def mass_resource_deletion(scene: Scene) -> Played:
    """Fifteen production resources deleted by one caller in twenty minutes."""
    user = scene.user("isaiah.langer")
    start = scene.at(-1, "08:30")
    when = start
    for path in _PROD_RESOURCES:
        provider, kind, _ = path.split("/")
        scene.log.azure_operation(
            when,
            f"{provider}/{kind}/delete",
            scene.log.resource_id("rg-prod-web", path),
            caller=user.upn,
            ip=ATTACKER_AZURE_IP,
        )
        when = when + timedelta(seconds=scene.time.rng.randint(50, 90))
    return Played(start, when, (user.upn, ATTACKER_AZURE_IP))


@story(
    "A whole NSG rewritten with an inline rule opening SSH and RDP to the internet",
    malicious=True,
    fires=("nsg_open_to_internet",),
)
def nsg_inline_rules_opened(scene: Scene) -> Played:
    """The intruder rewrites the batch subnet's NSG in one PUT: its rules inline, one of them a port list."""
    when = scene.at(-1, "04:20")
    caller = scene.user("isaiah.langer").upn
    resource = scene.log.resource_id("rg-batch", "Microsoft.Network/networkSecurityGroups/nsg-batch")
    rules: list[tuple[str, dict[str, object]]] = [
        ("allow-https", {"sourceAddressPrefix": "*", "destinationPortRange": "443", "access": "Allow"}),
        (
            "mgmt",
            {
                "sourceAddressPrefixes": ["0.0.0.0/0"],
                "destinationPortRanges": ["22", "3389"],
                "access": "Allow",
            },
        ),
        ("deny-smb", {"sourceAddressPrefix": "*", "destinationPortRange": "445", "access": "Deny"}),
    ]
    body = {
        "location": "westeurope",
        "properties": {
            "securityRules": [
                {
                    "name": name,
                    "properties": {
                        "protocol": "Tcp",
                        "sourcePortRange": "*",
                        "destinationAddressPrefix": "*",
                        "priority": 100 + index * 10,
                        "direction": "Inbound",
                        **rule,
                    },
                }
                for index, (name, rule) in enumerate(rules)
            ]
        },
    }
    scene.log.azure_operation(
        when,
        "Microsoft.Network/networkSecurityGroups/write",
        resource,
        caller=caller,
        ip=ATTACKER_AZURE_IP,
        request=body,
        status_code="OK",
    )
    return Played(when, minutes_after(when, 1), (caller,))
