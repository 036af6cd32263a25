"""The stories embedded in the sample week: attacks the pack must catch, and look-alikes it must not.

Each story writes its own rows, reserves its actors for the day (so background activity cannot blur it) and
says which detections (file stems under `queries/`) must fire on it and which must stay quiet. A detection
evaluated with its default parameters at `Story.check_at` sees the whole story; evaluate it as a workspace
would, over the rows up to `check_at` only (the week's later rows are that moment's future).

Days count from the start of the week (0, 1) or from its end (-1 is the last day): the look-alikes sit
mostly on day -3, the attacks on days -2 and -1, after a baseline. `docs/sample-tenant.md` lists every
story with its time, actors and expected detections for the default week.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from kqlrules.sample.directory import (
    AMSTERDAM,
    ASHBURN,
    AZURE_AD_POWERSHELL,
    AZURE_PORTAL,
    CORPORATE_RANGE,
    DOMAIN,
    LAGOS,
    LONDON,
    LONDON_OFFICE_IP,
    OFFICE_HOME,
    OUTLOOK_IOS,
    OUTLOOK_MOBILE,
    OUTLOOK_WEB,
    POWERSHELL,
    PYTHON_REQUESTS,
    SAO_PAULO,
    SEATTLE,
    SEATTLE_OFFICE_IP,
    TEAMS,
    Tenant,
    User,
)
from kqlrules.sample.records import Initiator, Recorder, Risk, account_entity, changed, target
from kqlrules.sample.timeline import Timeline, format_datetime


@dataclass(frozen=True)
class Story:
    name: str
    title: str
    malicious: bool
    start: datetime
    end: datetime
    actors: tuple[str, ...]
    tables: tuple[str, ...]
    fires: tuple[str, ...] = ()
    must_not_fire: tuple[str, ...] = ()

    @property
    def check_at(self) -> datetime:
        """The first full hour after the story: when an hourly rule run covers all of it."""
        top = self.end.replace(minute=0, second=0, microsecond=0)
        return top + timedelta(hours=1)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "malicious": self.malicious,
            "start": format_datetime(self.start),
            "end": format_datetime(self.end),
            "check_at": format_datetime(self.check_at),
            "actors": list(self.actors),
            "tables": list(self.tables),
            "fires": list(self.fires),
            "must_not_fire": list(self.must_not_fire),
        }


@dataclass
class Scene:
    """What a story writes with: the tenant, the rows, and the week."""

    tenant: Tenant
    log: Recorder
    time: Timeline

    def user(self, name: str) -> User:
        return self.tenant.user(name)

    def at(self, day: int, clock: str) -> datetime:
        return self.time.at(day, clock)


StoryFunction = Callable[[Scene], Story]
STORIES: list[StoryFunction] = []


def story(function: StoryFunction) -> StoryFunction:
    STORIES.append(function)
    return function


def unmanaged(operating_system: str = "Windows 10", browser: str = "Edge 130.0.0") -> dict[str, Any]:
    """`DeviceDetail` of a device the tenant does not know: an attacker's machine or a personal one."""
    return {
        "deviceId": "",
        "displayName": "",
        "operatingSystem": operating_system,
        "browser": browser,
        "isCompliant": False,
        "isManaged": False,
        "trustType": "",
    }


def _minutes(when: datetime, minutes: float) -> datetime:
    return when + timedelta(minutes=minutes)


def _member_of(member: tuple[str, str | None, str], group: tuple[str, str], prefix: str) -> list[Any]:
    """Targets of "Add member to group/role": the member carries the group or role in its properties."""
    member_id, member_name, member_upn = member
    group_id, group_name = group
    properties = [
        changed(f"{prefix}.ObjectID", None, group_id),
        changed(f"{prefix}.DisplayName", None, group_name),
    ]
    if prefix == "Role":
        properties.append(changed("Role.TemplateId", None, group_id))
    return [
        target("User", member_id, member_name, member_upn, properties),
        target(prefix, group_id, group_name),
    ]


GLOBAL_ADMINISTRATOR = ("62e90394-69f5-4237-9190-012177145e10", "Global Administrator")
PRIVILEGED_ROLE_ADMINISTRATOR = ("e8611ab8-c189-46e8-94e1-60213ab1f814", "Privileged Role Administrator")
REPORTS_READER = ("4a5d8f65-41da-4de4-8968-e035b65339cf", "Reports Reader")
OWNER_ROLE = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
READER_ROLE = "acdd72a7-3385-48ef-bd42-f606fba81ae7"

ATTACKER_AZURE_IP = "192.0.2.77"


# Look-alikes: ordinary days that resemble attacks --------------------------------------------------


@story
def office_morning_typos(scene: Scene) -> Story:
    """Monday-morning password typos: five people at the Seattle office each fail once, then sign in."""
    names = ("ben.walters", "cameron.white", "emily.braun", "jordan.miller", "karen.berg")
    start = scene.at(-3, "08:20")
    for offset, name in enumerate(names):
        user = scene.user(name)
        scene.time.reserve(name, -3)
        when = _minutes(start, offset * 6)
        scene.log.sign_in(user, when, ip=SEATTLE_OFFICE_IP, app=OFFICE_HOME, result="50126", mfa=False)
        scene.log.sign_in(user, _minutes(when, 1), ip=SEATTLE_OFFICE_IP, app=OFFICE_HOME)
    return Story(
        "office_morning_typos",
        "Five office users mistype their password once each from the office address",
        False,
        start,
        _minutes(start, 25),
        (*(f"{name}@{DOMAIN}" for name in names), SEATTLE_OFFICE_IP),
        ("SigninLogs",),
        must_not_fire=("password_spray", "brute_force_then_success"),
    )


@story
def daily_typo(scene: Scene) -> Story:
    """Miriam mistypes her password once every morning: many failures over the week, never a burst."""
    user = scene.user("miriam.graham")
    first = last = scene.at(0, "08:50")
    for day in range(scene.time.days):
        when = scene.at(day, "08:50")
        ip = user.home_ip if scene.time.is_weekend(day) else user.office_ip
        scene.log.sign_in(user, when, ip=ip, app=OFFICE_HOME, result="50126", mfa=False)
        scene.log.sign_in(user, _minutes(when, 1.5), ip=ip, app=OFFICE_HOME)
        last = when
    return Story(
        "daily_typo",
        "One user fails once every day before signing in",
        False,
        first,
        _minutes(last, 2),
        (user.upn,),
        ("SigninLogs",),
        must_not_fire=("brute_force_then_success", "password_spray"),
    )


@story
def legacy_auth_blocked(scene: Scene) -> Story:
    """An old phone mail client tries Exchange ActiveSync and Conditional Access blocks it."""
    user = scene.user("cameron.white")
    when = scene.at(-3, "09:30")
    scene.log.sign_in(
        user,
        when,
        ip=user.home_ip,
        app=OUTLOOK_WEB,
        user_agent="Android-Mail/2024.10.27",
        result="53003",
        mfa=False,
        client_app="Exchange ActiveSync",
        device=unmanaged("Android", ""),
    )
    return Story(
        "legacy_auth_blocked",
        "A legacy ActiveSync attempt blocked by Conditional Access",
        False,
        when,
        when,
        (user.upn,),
        ("SigninLogs",),
        must_not_fire=("legacy_auth_signin",),
    )


@story
def reports_reader_assigned(scene: Scene) -> Story:
    """The helpdesk grants a finance analyst the Reports Reader role: a role, but not a privileged one."""
    admin, member = scene.user("patti.fernandez"), scene.user("alan.steiner")
    when = scene.at(-3, "10:15")
    scene.log.audit(
        when,
        "Add member to role",
        category="RoleManagement",
        service="Core Directory",
        by=Initiator.user(admin, SEATTLE_OFFICE_IP),
        targets=_member_of((member.id, member.display_name, member.upn), REPORTS_READER, "Role"),
        operation_type="Assign",
    )
    return Story(
        "reports_reader_assigned",
        "A non-privileged directory role (Reports Reader) assigned",
        False,
        when,
        when,
        (admin.upn, member.upn),
        ("AuditLogs",),
        must_not_fire=("privileged_role_assigned",),
    )


@story
def admin_powershell_with_mfa(scene: Scene) -> Story:
    """The cloud admin uses Azure AD PowerShell with MFA: on the first morning, right after his browser
    sign-in (so both agents are in his baseline from the start), and again later in the week."""
    user = scene.user("pradeep.gupta")
    scene.time.reserve(user.name, 0)
    scene.log.sign_in(user, scene.at(0, "08:05"), ip=SEATTLE_OFFICE_IP, app=OFFICE_HOME)
    first = scene.at(0, "08:25")
    last = scene.at(-3, "10:40")
    for when in (first, last):
        scene.log.sign_in(
            user,
            when,
            ip=SEATTLE_OFFICE_IP,
            app=AZURE_AD_POWERSHELL,
            user_agent=POWERSHELL,
            client_app="Mobile Apps and Desktop clients",
        )
    return Story(
        "admin_powershell_with_mfa",
        "An administrator signs in to Azure AD PowerShell with MFA",
        False,
        first,
        last,
        (user.upn,),
        ("SigninLogs",),
        must_not_fire=("powershell_single_factor_signin", "anomalous_user_agent"),
    )


def _invite_guest(scene: Scene, when: datetime, by: Initiator, email: str) -> tuple[str, str]:
    guest_id = scene.log.guid()
    guest_upn = email.replace("@", "_") + f"#EXT#@{DOMAIN}"
    scene.log.audit(
        when,
        "Invite external user",
        category="UserManagement",
        service="Invited Users",
        by=by,
        targets=[target("User", guest_id, email, guest_upn)],
        operation_type="Add",
        details=[("invitedUserEmailAddress", email)],
    )
    scene.log.audit(
        _minutes(when, 0.2),
        "Add user",
        category="UserManagement",
        service="Core Directory",
        by=by,
        targets=[
            target(
                "User",
                guest_id,
                None,
                guest_upn,
                [
                    changed("AccountEnabled", None, [True]),
                    changed("UserPrincipalName", None, [guest_upn]),
                    changed("UserType", None, ["Guest"]),
                ],
            )
        ],
        operation_type="Add",
    )
    return guest_id, guest_upn


@story
def guest_added_to_group(scene: Scene) -> Story:
    """A partner is invited as a guest and joins a project group: no directory role."""
    admin = scene.user("patti.fernandez")
    by = Initiator.user(admin, SEATTLE_OFFICE_IP)
    start = scene.at(-3, "10:45")
    guest_id, guest_upn = _invite_guest(scene, start, by, "sam@northwind.com")
    group = (scene.log.guid(), "Project Falcon Partners")
    scene.log.audit(
        _minutes(start, 5),
        "Add member to group",
        category="GroupManagement",
        service="Core Directory",
        by=by,
        targets=_member_of((guest_id, None, guest_upn), group, "Group"),
        operation_type="Assign",
    )
    return Story(
        "guest_added_to_group",
        "A guest invited and added to an ordinary group",
        False,
        start,
        _minutes(start, 5),
        (admin.upn, guest_upn),
        ("AuditLogs",),
        fires=("user_or_device_added", "group_membership_changed"),
        must_not_fire=("guest_invited_then_elevated",),
    )


@story
def new_hire_onboarding(scene: Scene) -> Story:
    """IT creates a new hire's account, registers the laptop and adds the account to All Staff."""
    admin = scene.user("nestor.wilke")
    by = Initiator.user(admin, SEATTLE_OFFICE_IP)
    start = scene.at(-3, "11:00")
    user_id, upn = scene.log.guid(), f"raul.razo@{DOMAIN}"
    scene.log.audit(
        start,
        "Add user",
        category="UserManagement",
        service="Core Directory",
        by=by,
        targets=[
            target(
                "User",
                user_id,
                None,
                upn,
                [
                    changed("AccountEnabled", None, [True]),
                    changed("DisplayName", None, ["Raul Razo"]),
                    changed("UserType", None, ["Member"]),
                ],
            )
        ],
        operation_type="Add",
    )
    device_id = scene.log.guid()
    scene.log.audit(
        _minutes(start, 5),
        "Add device",
        category="Device",
        service="Core Directory",
        by=by,
        targets=[
            target(
                "Device",
                device_id,
                "CONTOSO-LT-0150",
                None,
                [changed("AccountEnabled", None, [True]), changed("DisplayName", None, ["CONTOSO-LT-0150"])],
            )
        ],
        operation_type="Add",
    )
    scene.log.audit(
        _minutes(start, 10),
        "Add member to group",
        category="GroupManagement",
        service="Core Directory",
        by=by,
        targets=_member_of((user_id, None, upn), (scene.log.guid(), "All Staff"), "Group"),
        operation_type="Assign",
    )
    return Story(
        "new_hire_onboarding",
        "A new hire's account, laptop and group membership",
        False,
        start,
        _minutes(start, 10),
        (admin.upn, upn, "CONTOSO-LT-0150"),
        ("AuditLogs",),
        fires=("user_or_device_added", "group_membership_changed"),
    )


def _credential_added(scene: Scene, when: datetime, by: Initiator, principal_name: str, key: str) -> None:
    principal = scene.tenant.service_principal(principal_name)
    key_id = scene.log.guid()
    description = f"[KeyIdentifier={key_id}, KeyType=Password, KeyUsage=Verify, DisplayName={key}]"
    scene.log.audit(
        when,
        "Add service principal credentials",
        category="ApplicationManagement",
        service="Core Directory",
        by=by,
        targets=[
            target(
                "ServicePrincipal",
                principal.id,
                principal.display_name,
                None,
                [
                    changed("KeyDescription", [], [description]),
                    changed("Included Updated Properties", None, "KeyDescription"),
                ],
            )
        ],
        operation_type="Update",
        details=[("AppId", principal.app_id)],
    )


@story
def pipeline_rotates_credential(scene: Scene) -> Story:
    """The deployment pipeline rotates the web API's client secret, as it does every month."""
    pipeline = scene.tenant.service_principal("contoso-deploy-pipeline")
    when = scene.at(-3, "11:30")
    _credential_added(scene, when, Initiator.app(pipeline), "Contoso Web API", "rotated-by-pipeline")
    return Story(
        "pipeline_rotates_credential",
        "Automation rotates a service principal secret",
        False,
        when,
        when,
        (pipeline.display_name, "Contoso Web API"),
        ("AuditLogs",),
        must_not_fire=("service_principal_credential_added",),
    )


@story
def mfa_timeout_once(scene: Scene) -> Story:
    """A user misses one push notification, then approves the next."""
    user = scene.user("ben.walters")
    when = scene.at(-3, "12:10")
    scene.log.sign_in(user, when, ip=SEATTLE_OFFICE_IP, app=TEAMS, result="500121")
    scene.log.sign_in(user, _minutes(when, 2), ip=SEATTLE_OFFICE_IP, app=TEAMS)
    return Story(
        "mfa_timeout_once",
        "One missed MFA prompt, then success",
        False,
        when,
        _minutes(when, 2),
        (user.upn,),
        ("SigninLogs",),
        must_not_fire=("mfa_fatigue",),
    )


def _consent(scene: Scene, when: datetime, user: User, ip: str, app_name: str, scopes: str) -> None:
    principal = scene.tenant.service_principal(app_name)
    grant = (
        f"[] => [[Id: {scene.log.guid()}, ClientId: {principal.id}, PrincipalId: {user.id}, "
        f"ResourceId: {scene.log.guid()}, ConsentType: Principal, Scope:  {scopes}, "
        "CreatedDateTime: , LastModifiedDateTime ]]; "
    )
    scene.log.audit(
        when,
        "Consent to application",
        category="ApplicationManagement",
        service="Core Directory",
        by=Initiator.user(user, ip),
        targets=[
            target(
                "ServicePrincipal",
                principal.id,
                principal.display_name,
                None,
                [
                    changed("ConsentContext.IsAdminConsent", None, "False"),
                    changed("ConsentContext.IsAppOnly", None, "False"),
                    changed("ConsentContext.OnBehalfOfAll", None, "False"),
                    changed("ConsentContext.Tags", None, "WindowsAzureActiveDirectoryIntegratedApp"),
                    changed("ConsentAction.Permissions", None, grant),
                    changed("TargetId.ServicePrincipalNames", None, principal.app_id),
                ],
            )
        ],
        operation_type="Assign",
        details=[("User-Agent", user.device.user_agent), ("AppId", principal.app_id)],
    )


@story
def low_risk_consent(scene: Scene) -> Story:
    """A user consents to the company's expenses app, which only reads the user's profile."""
    user = scene.user("emily.braun")
    when = scene.at(-3, "13:05")
    _consent(scene, when, user, SEATTLE_OFFICE_IP, "Contoso Expenses", "openid profile email User.Read")
    return Story(
        "low_risk_consent",
        "Consent to an app asking only for sign-in and profile",
        False,
        when,
        when,
        (user.upn, "Contoso Expenses"),
        ("AuditLogs",),
        must_not_fire=("risky_app_consent",),
    )


@story
def host_alert_without_account(scene: Scene) -> Story:
    """Defender for Cloud flags a process on a VM; the alert names a host, not a user."""
    when = scene.at(-3, "14:00")
    scene.log.security_alert(
        when,
        name="Suspicious process executed",
        severity="Medium",
        description="Machine logs indicate that the suspicious process was running on the machine.",
        product="Azure Security Center",
        provider="Detection",
        entities=[{"Type": "host", "HostName": "vm-web-01", "OSFamily": "Linux"}],
        compromised="vm-web-01",
        tactics="Execution",
        alert_type="VM_SuspiciousProcess",
    )
    return Story(
        "host_alert_without_account",
        "A security alert about a machine, with no user in it",
        False,
        when,
        _minutes(when, 3),
        ("vm-web-01",),
        ("SecurityAlert",),
        must_not_fire=("defender_alert_then_signin",),
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


@story
def corporate_nsg_rules(scene: Scene) -> Story:
    """The cloud admin allows RDP from the corporate range, and HTTPS from anywhere to the web tier."""
    admin = scene.user("pradeep.gupta")
    start = scene.at(-3, "14:40")
    _nsg_rule(scene, start, admin.upn, SEATTLE_OFFICE_IP, "allow-rdp-corp", CORPORATE_RANGE, "3389")
    _nsg_rule(scene, _minutes(start, 4), admin.upn, SEATTLE_OFFICE_IP, "allow-https", "*", "443")
    return Story(
        "corporate_nsg_rules",
        "NSG rules limited to the corporate range, or opening only HTTPS",
        False,
        start,
        _minutes(start, 5),
        (admin.upn,),
        ("AzureActivity",),
        must_not_fire=("nsg_open_to_internet",),
    )


_CI_RESOURCES = (
    "Microsoft.Compute/virtualMachines/ci-runner-7",
    "Microsoft.Compute/disks/ci-runner-7-osdisk",
    "Microsoft.Network/networkInterfaces/ci-runner-7-nic",
    "Microsoft.Network/publicIPAddresses/ci-runner-7-ip",
)


@story
def pipeline_cleanup(scene: Scene) -> Story:
    """The pipeline tears down a CI runner: four deletions in an ephemeral resource group."""
    pipeline = scene.tenant.service_principal("contoso-deploy-pipeline")
    start = scene.at(-3, "15:10")
    for offset, path in enumerate(_CI_RESOURCES):
        provider, kind, _ = path.split("/")
        scene.log.azure_operation(
            _minutes(start, offset * 2),
            f"{provider}/{kind}/delete",
            scene.log.resource_id("rg-ci-ephemeral", path),
            caller=pipeline.app_id,
            ip="198.51.100.201",
        )
    return Story(
        "pipeline_cleanup",
        "Automation deletes a handful of CI resources",
        False,
        start,
        _minutes(start, 7),
        (pipeline.app_id,),
        ("AzureActivity",),
        must_not_fire=("mass_resource_deletion",),
    )


def _diagnostic_setting(resource_path: str, group: str, scene: Scene) -> str:
    return scene.log.resource_id(
        group, f"{resource_path}/providers/microsoft.insights/diagnosticSettings/send-to-sentinel"
    )


@story
def diagnostic_setting_updated(scene: Scene) -> Story:
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
    return Story(
        "diagnostic_setting_updated",
        "A diagnostic setting created, not deleted",
        False,
        when,
        when,
        (admin.upn,),
        ("AzureActivity",),
        must_not_fire=("diagnostic_settings_deleted",),
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


@story
def reader_role_on_resource_group(scene: Scene) -> Story:
    """The cloud admin gives a finance analyst Reader on the billing resource group."""
    admin, member = scene.user("pradeep.gupta"), scene.user("alan.steiner")
    when = scene.at(-3, "16:30")
    scope = f"/subscriptions/{scene.tenant.subscription_id}/resourceGroups/rg-billing"
    _role_assignment(scene, when, admin.upn, SEATTLE_OFFICE_IP, scope, READER_ROLE, member.id)
    return Story(
        "reader_role_on_resource_group",
        "A Reader role assignment on a resource group",
        False,
        when,
        when,
        (admin.upn, member.id),
        ("AzureActivity",),
        fires=("role_assignment_created",),
        must_not_fire=("privileged_azure_role_assigned",),
    )


def _compliance_change(scene: Scene, when: datetime, user: User, compliant: bool) -> None:
    intune = scene.tenant.service_principal("Microsoft Intune")
    scene.log.audit(
        when,
        "Update device",
        category="Device",
        service="Core Directory",
        by=Initiator.app(intune),
        targets=[
            target(
                "Device",
                user.device.object_id,
                user.device.name,
                None,
                [
                    changed("IsCompliant", [not compliant], [compliant]),
                    changed("Included Updated Properties", None, "IsCompliant"),
                ],
            )
        ],
        operation_type="Update",
    )


@story
def compliance_restored(scene: Scene) -> Story:
    """A laptop falls out of compliance overnight, patches itself, and is compliant before Irvin signs in."""
    user = scene.user("irvin.sayers")
    scene.time.reserve(user.name, -3)
    start = scene.at(-3, "06:30")
    _compliance_change(scene, start, user, compliant=False)
    _compliance_change(scene, _minutes(start, 20), user, compliant=True)
    signin = _minutes(start, 70)
    scene.log.sign_in(user, signin, ip=user.office_ip, app=OFFICE_HOME)
    return Story(
        "compliance_restored",
        "A device non-compliant for twenty minutes, compliant again before use",
        False,
        start,
        signin,
        (user.upn, user.device.name),
        ("AuditLogs", "SigninLogs"),
        must_not_fire=("noncompliant_device_signin",),
    )


@story
def key_vault_app_polling(scene: Scene) -> Story:
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
    return Story(
        "key_vault_app_polling",
        "An application reads the same two secrets every thirty minutes",
        False,
        scene.time.start,
        last,
        (api.app_id,),
        ("AzureDiagnostics",),
        must_not_fire=("key_vault_secret_mass_access",),
    )


# Attacks, day -2 ------------------------------------------------------------------------------------


@story
def password_spray(scene: Scene) -> Story:
    """One address tries one common password against 25 accounts in half an hour."""
    ip = "192.0.2.66"
    start = scene.at(-2, "02:10")
    victims = [u for u in scene.tenant.users if u.name not in ("nestor.wilke",)][3:28]
    when = start
    for user in victims:
        scene.log.sign_in(
            user,
            when,
            ip=ip,
            place=AMSTERDAM,
            app=OFFICE_HOME,
            user_agent=user.device.user_agent,
            result="50126",
            mfa=False,
            device=unmanaged(),
        )
        when = when + timedelta(seconds=scene.time.rng.randint(50, 90))
    return Story(
        "password_spray",
        "Password spray: 25 accounts, one failed password each, from one address",
        True,
        start,
        when,
        (ip,),
        ("SigninLogs",),
        fires=("password_spray",),
    )


@story
def brute_force_then_success(scene: Scene) -> Story:
    """Thirty wrong passwords for one account from one address in ten minutes, then the right one."""
    user = scene.user("megan.bowen")
    scene.time.reserve(user.name, -2)
    ip = "192.0.2.23"
    start = scene.at(-2, "03:05")
    when = start
    for _ in range(30):
        scene.log.sign_in(
            user, when, ip=ip, place=ASHBURN, app=OFFICE_HOME, result="50126", mfa=False, device=unmanaged()
        )
        when = when + timedelta(seconds=scene.time.rng.randint(15, 25))
    scene.log.sign_in(user, when, ip=ip, place=ASHBURN, app=OFFICE_HOME, mfa=False, device=unmanaged())
    return Story(
        "brute_force_then_success",
        "Brute force against one user, ending in a successful sign-in",
        True,
        start,
        when,
        (user.upn, ip),
        ("SigninLogs",),
        fires=("brute_force_then_success",),
    )


@story
def risky_app_consent(scene: Scene) -> Story:
    """With Megan's account, the intruder consents to a 'mail backup' app that can read and send her mail."""
    user = scene.user("megan.bowen")
    when = scene.at(-2, "03:40")
    scopes = "Mail.ReadWrite Mail.Send Files.ReadWrite.All offline_access User.Read"
    _consent(scene, when, user, "192.0.2.23", "Mail Backup Pro", scopes)
    return Story(
        "risky_app_consent",
        "Consent to an app with mail and file read-write permissions",
        True,
        when,
        when,
        (user.upn, "Mail Backup Pro"),
        ("AuditLogs",),
        fires=("risky_app_consent",),
    )


@story
def mfa_fatigue(scene: Scene) -> Story:
    """With Grady's password, the intruder pushes MFA prompts until one is approved."""
    user = scene.user("grady.archie")
    scene.time.reserve(user.name, -2)
    ip = "192.0.2.45"
    start = scene.at(-2, "05:20")
    when = start
    for _ in range(8):
        scene.log.sign_in(
            user,
            when,
            ip=ip,
            place=ASHBURN,
            app=OFFICE_HOME,
            result="500121",
            device=unmanaged(),
            mfa_denied_reason="MFA denied; user declined the authentication",
        )
        when = when + timedelta(seconds=scene.time.rng.randint(100, 140))
    scene.log.sign_in(user, when, ip=ip, place=ASHBURN, app=OFFICE_HOME, device=unmanaged())
    return Story(
        "mfa_fatigue",
        "Eight denied MFA prompts, then an approved one",
        True,
        start,
        when,
        (user.upn, ip),
        ("SigninLogs",),
        fires=("mfa_fatigue",),
    )


@story
def frequent_traveller(scene: Scene) -> Story:
    """Lee starts the week in London and flies home; later he flies Seattle -> London, 11 hours apart."""
    user = scene.user("lee.gu")
    scene.time.reserve(user.name, 0, 1, -2)
    scene.log.sign_in(user, scene.at(0, "09:00"), ip=LONDON_OFFICE_IP, place=LONDON, app=OFFICE_HOME)
    scene.log.sign_in(user, scene.at(1, "11:00"), ip=user.home_ip, place=SEATTLE, app=OFFICE_HOME)
    start = scene.at(-2, "07:00")
    scene.log.sign_in(user, start, ip=user.home_ip, place=SEATTLE, app=OFFICE_HOME)
    end = scene.at(-2, "18:30")
    scene.log.sign_in(user, end, ip=LONDON_OFFICE_IP, place=LONDON, app=OFFICE_HOME)
    return Story(
        "frequent_traveller",
        "A traveller in two countries with a plausible gap, both seen before",
        False,
        start,
        end,
        (user.upn,),
        ("SigninLogs",),
        must_not_fire=("impossible_travel", "new_country_signin"),
    )


@story
def impossible_travel(scene: Scene) -> Story:
    """Adele signs in from home in Seattle; 35 minutes later her account signs in from Lagos."""
    user = scene.user("adele.vance")
    scene.time.reserve(user.name, -2)
    start = scene.at(-2, "09:05")
    scene.log.sign_in(user, start, ip=user.home_ip, app=OFFICE_HOME)
    end = _minutes(start, 35)
    scene.log.sign_in(user, end, ip="192.0.2.150", place=LAGOS, app=OUTLOOK_WEB, device=unmanaged())
    return Story(
        "impossible_travel",
        "Two successful sign-ins from the US and Nigeria 35 minutes apart",
        True,
        start,
        end,
        (user.upn, "192.0.2.150"),
        ("SigninLogs",),
        fires=("impossible_travel", "new_country_signin"),
    )


@story
def risky_signin(scene: Scene) -> Story:
    """Identity Protection rates a sign-in high risk (anonymous address, unfamiliar features); it succeeds."""
    user = scene.user("alex.wilber")
    scene.time.reserve(user.name, -2)
    when = scene.at(-2, "11:15")
    scene.log.sign_in(
        user,
        when,
        ip="192.0.2.210",
        place=ASHBURN,
        app=OFFICE_HOME,
        device=unmanaged("MacOs", "Safari 18.1"),
        risk=Risk("high", "atRisk", "none", ("anonymizedIPAddress", "unfamiliarFeatures")),
    )
    return Story(
        "risky_signin",
        "A successful high-risk sign-in still at risk",
        True,
        when,
        when,
        (user.upn, "192.0.2.210"),
        ("SigninLogs",),
        fires=("risky_signin",),
    )


@story
def single_factor_powershell(scene: Scene) -> Story:
    """Enrico's password alone opens Azure AD PowerShell from an unknown machine."""
    user = scene.user("enrico.cattaneo")
    scene.time.reserve(user.name, -2)
    when = scene.at(-2, "13:30")
    scene.log.sign_in(
        user,
        when,
        ip="192.0.2.220",
        place=ASHBURN,
        app=AZURE_AD_POWERSHELL,
        user_agent=POWERSHELL,
        mfa=False,
        client_app="Mobile Apps and Desktop clients",
        device=unmanaged(),
    )
    return Story(
        "single_factor_powershell",
        "A single-factor Azure AD PowerShell sign-in",
        True,
        when,
        when,
        (user.upn, "192.0.2.220"),
        ("SigninLogs",),
        fires=("powershell_single_factor_signin", "anomalous_user_agent"),
    )


@story
def legacy_auth_signin(scene: Scene) -> Story:
    """Johanna's mailbox is read over IMAP, a protocol that cannot do MFA."""
    user = scene.user("johanna.lorenz")
    scene.time.reserve(user.name, -2)
    when = scene.at(-2, "15:50")
    scene.log.sign_in(
        user,
        when,
        ip="192.0.2.200",
        place=ASHBURN,
        app=OUTLOOK_WEB,
        user_agent="",
        mfa=False,
        client_app="IMAP4",
        device=unmanaged("", ""),
    )
    return Story(
        "legacy_auth_signin",
        "A successful IMAP4 sign-in",
        True,
        when,
        when,
        (user.upn, "192.0.2.200"),
        ("SigninLogs",),
        fires=("legacy_auth_signin",),
    )


def _phish_alert(scene: Scene, when: datetime, user: User, name: str) -> None:
    scene.log.security_alert(
        when,
        name=name,
        severity="High",
        description=f"{user.display_name} clicked a URL that was later found to be malicious.",
        product="Microsoft Defender for Office 365",
        provider="OATP",
        entities=[account_entity(user), {"Type": "url", "Url": "https://login.contoso-sso.example/owa"}],
        compromised=user.upn,
        tactics="InitialAccess",
        alert_type="ThreatManagement",
    )


@story
def alert_without_later_signin(scene: Scene) -> Story:
    """Henrietta signs in, then Defender raises an alert on her; nobody uses her account afterwards."""
    user = scene.user("henrietta.mueller")
    scene.time.reserve(user.name, -2)
    start = scene.at(-2, "19:40")
    scene.log.sign_in(user, start, ip=user.home_ip, app=OUTLOOK_WEB)
    alert = scene.at(-2, "20:15")
    _phish_alert(scene, alert, user, "A potentially malicious URL click was detected")
    return Story(
        "alert_without_later_signin",
        "A Defender alert on a user whose only sign-in came before it",
        False,
        start,
        _minutes(alert, 3),
        (user.upn,),
        ("SigninLogs", "SecurityAlert"),
        must_not_fire=("defender_alert_then_signin",),
    )


@story
def ca_policy_deleted(scene: Scene) -> Story:
    """Late on Saturday, the 'Require MFA for admins' Conditional Access policy is deleted."""
    admin = scene.user("nestor.wilke")
    when = scene.at(-2, "21:10")
    policy_id = scene.log.guid()
    policy = {"displayName": "Require MFA for admins", "state": "enabled", "grantControls": ["mfa"]}
    scene.log.audit(
        when,
        "Delete conditional access policy",
        category="Policy",
        service="Conditional Access",
        by=Initiator.user(admin, admin.home_ip),
        targets=[
            target(
                "Policy",
                policy_id,
                "Require MFA for admins",
                None,
                [changed("ConditionalAccessPolicy", policy, None)],
            )
        ],
        operation_type="Delete",
    )
    return Story(
        "ca_policy_deleted",
        "A Conditional Access policy deleted by an administrator",
        True,
        when,
        when,
        (admin.upn,),
        ("AuditLogs",),
        fires=("conditional_access_policy_changed",),
    )


@story
def mfa_method_deleted(scene: Scene) -> Story:
    """A helpdesk admin deletes Christie's authenticator app registration."""
    admin, user = scene.user("patti.fernandez"), scene.user("christie.cline")
    when = scene.at(-2, "22:30")
    scene.log.audit(
        when,
        "Admin deleted security info",
        category="UserManagement",
        service="Authentication Methods",
        by=Initiator.user(admin, admin.home_ip),
        targets=[target("User", user.id, user.display_name, user.upn)],
        operation_type="Delete",
    )
    return Story(
        "mfa_method_deleted",
        "An MFA method deleted for a user",
        True,
        when,
        when,
        (admin.upn, user.upn),
        ("AuditLogs",),
        fires=("mfa_disabled",),
    )


# Attacks, day -1 ------------------------------------------------------------------------------------


@story
def defender_alert_then_signin(scene: Scene) -> Story:
    """Lidia clicks a phishing link; 35 minutes after the alert her account signs in from a proxy host."""
    user = scene.user("lidia.holloway")
    scene.time.reserve(user.name, -1)
    start = scene.at(-1, "01:10")
    _phish_alert(scene, start, user, "A potentially malicious URL click was detected")
    end = _minutes(start, 35)
    scene.log.sign_in(user, end, ip="192.0.2.99", place=ASHBURN, app=OUTLOOK_WEB, device=unmanaged())
    return Story(
        "defender_alert_then_signin",
        "A Defender alert on a user, then that user's sign-in",
        True,
        start,
        end,
        (user.upn, "192.0.2.99"),
        ("SecurityAlert", "SigninLogs"),
        fires=("defender_alert_then_signin",),
    )


@story
def new_country_signin(scene: Scene) -> Story:
    """Joni's account signs in from Brazil, a country it has never used, hours after her last sign-in."""
    user = scene.user("joni.sherman")
    scene.time.reserve(user.name, -1)
    when = scene.at(-1, "02:30")
    scene.log.sign_in(user, when, ip="192.0.2.180", place=SAO_PAULO, app=OUTLOOK_WEB, device=unmanaged())
    return Story(
        "new_country_signin",
        "A successful sign-in from a country new for the user",
        True,
        when,
        when,
        (user.upn, "192.0.2.180"),
        ("SigninLogs",),
        fires=("new_country_signin",),
        must_not_fire=("impossible_travel",),
    )


@story
def global_admin_assigned(scene: Scene) -> Story:
    """At 3 a.m. on Sunday, Isaiah (a salesperson) becomes Global Administrator."""
    admin, member = scene.user("nestor.wilke"), scene.user("isaiah.langer")
    when = scene.at(-1, "03:12")
    scene.log.audit(
        when,
        "Add member to role",
        category="RoleManagement",
        service="Core Directory",
        by=Initiator.user(admin, admin.home_ip),
        targets=_member_of((member.id, member.display_name, member.upn), GLOBAL_ADMINISTRATOR, "Role"),
        operation_type="Assign",
    )
    return Story(
        "global_admin_assigned",
        "A user added to the Global Administrator role",
        True,
        when,
        when,
        (admin.upn, member.upn),
        ("AuditLogs",),
        fires=("privileged_role_assigned",),
    )


@story
def service_principal_credential(scene: Scene) -> Story:
    """The new Global Administrator adds a client secret to the HR sync service principal."""
    user = scene.user("isaiah.langer")
    when = scene.at(-1, "03:50")
    _credential_added(scene, when, Initiator.user(user, ATTACKER_AZURE_IP), "Contoso HR Sync", "backup")
    return Story(
        "service_principal_credential",
        "A secret added to a service principal by a user",
        True,
        when,
        when,
        (user.upn, "Contoso HR Sync"),
        ("AuditLogs",),
        fires=("service_principal_credential_added",),
    )


@story
def guest_invited_then_elevated(scene: Scene) -> Story:
    """A guest from outside is invited and, fifteen minutes later, made Privileged Role Administrator."""
    user = scene.user("isaiah.langer")
    by = Initiator.user(user, ATTACKER_AZURE_IP)
    start = scene.at(-1, "04:20")
    guest_id, guest_upn = _invite_guest(scene, start, by, "eve@fabrikam.com")
    end = _minutes(start, 15)
    scene.log.audit(
        end,
        "Add member to role",
        category="RoleManagement",
        service="Core Directory",
        by=by,
        targets=_member_of((guest_id, None, guest_upn), PRIVILEGED_ROLE_ADMINISTRATOR, "Role"),
        operation_type="Assign",
    )
    return Story(
        "guest_invited_then_elevated",
        "A guest invited and given a directory role",
        True,
        start,
        end,
        (user.upn, guest_upn),
        ("AuditLogs",),
        fires=("guest_invited_then_elevated", "privileged_role_assigned", "user_or_device_added"),
    )


@story
def nsg_opened_to_internet(scene: Scene) -> Story:
    """RDP to the production web tier is opened to any source address."""
    user = scene.user("isaiah.langer")
    when = scene.at(-1, "06:05")
    _nsg_rule(scene, when, user.upn, ATTACKER_AZURE_IP, "allow-rdp-any", "*", "3389")
    return Story(
        "nsg_opened_to_internet",
        "An NSG rule allowing RDP from anywhere",
        True,
        when,
        when,
        (user.upn, ATTACKER_AZURE_IP),
        ("AzureActivity",),
        fires=("nsg_open_to_internet",),
    )


@story
def diagnostic_settings_deleted(scene: Scene) -> Story:
    """The Key Vault's and the NSG's diagnostic settings are deleted, blinding Sentinel."""
    user = scene.user("isaiah.langer")
    start = scene.at(-1, "06:40")
    targets = (
        ("Microsoft.KeyVault/vaults/kv-contoso-prod", "rg-security"),
        ("Microsoft.Network/networkSecurityGroups/nsg-prod-web", "rg-prod-web"),
    )
    for offset, (path, group) in enumerate(targets):
        scene.log.azure_operation(
            _minutes(start, offset * 3),
            "Microsoft.Insights/diagnosticSettings/delete",
            _diagnostic_setting(path, group, scene),
            caller=user.upn,
            ip=ATTACKER_AZURE_IP,
        )
    return Story(
        "diagnostic_settings_deleted",
        "Two diagnostic settings deleted",
        True,
        start,
        _minutes(start, 4),
        (user.upn, ATTACKER_AZURE_IP),
        ("AzureActivity",),
        fires=("diagnostic_settings_deleted",),
        must_not_fire=("mass_resource_deletion",),
    )


@story
def key_vault_secret_dump(scene: Scene) -> Story:
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
    return Story(
        "key_vault_secret_dump",
        "One caller reads 25 distinct secrets",
        True,
        start,
        when,
        (user.upn, ATTACKER_AZURE_IP),
        ("AzureActivity", "AzureDiagnostics"),
        fires=("key_vault_secret_mass_access",),
    )


@story
def owner_assigned_to_guest(scene: Scene) -> Story:
    """The guest from Fabrikam is made Owner of the whole subscription."""
    user = scene.user("isaiah.langer")
    when = scene.at(-1, "07:45")
    scope = f"/subscriptions/{scene.tenant.subscription_id}"
    _role_assignment(scene, when, user.upn, ATTACKER_AZURE_IP, scope, OWNER_ROLE, scene.log.guid())
    return Story(
        "owner_assigned_to_guest",
        "Owner granted at subscription scope",
        True,
        when,
        when,
        (user.upn, ATTACKER_AZURE_IP),
        ("AzureActivity",),
        fires=("privileged_azure_role_assigned", "role_assignment_created"),
    )


_PROD_RESOURCES = tuple(
    [f"Microsoft.Compute/virtualMachines/vm-web-0{n}" for n in range(1, 5)]
    + [f"Microsoft.Compute/disks/vm-web-0{n}-osdisk" for n in range(1, 5)]
    + [f"Microsoft.Network/networkInterfaces/vm-web-0{n}-nic" for n in range(1, 4)]
    + ["Microsoft.Storage/storageAccounts/stcontosoprod01", "Microsoft.Storage/storageAccounts/stcontosologs"]
    + ["Microsoft.Sql/servers/sql-contoso-prod", "Microsoft.Web/sites/app-contoso-web"]
)


@story
def mass_resource_deletion(scene: Scene) -> Story:
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
    return Story(
        "mass_resource_deletion",
        f"{len(_PROD_RESOURCES)} resources deleted by one caller",
        True,
        start,
        when,
        (user.upn, ATTACKER_AZURE_IP),
        ("AzureActivity",),
        fires=("mass_resource_deletion",),
    )


@story
def noncompliant_device_signin(scene: Scene) -> Story:
    """Intune marks Diego's laptop non-compliant (encryption off); 50 minutes later he signs in from it."""
    user = scene.user("diego.siciliani")
    scene.time.reserve(user.name, -1)
    start = scene.at(-1, "09:15")
    _compliance_change(scene, start, user, compliant=False)
    end = _minutes(start, 50)
    scene.log.sign_in(
        user, end, ip=user.home_ip, app=OFFICE_HOME, device=user.device.details(compliant=False)
    )
    return Story(
        "noncompliant_device_signin",
        "A sign-in from a device Intune has just marked non-compliant",
        True,
        start,
        end,
        (user.upn, user.device.name),
        ("AuditLogs", "SigninLogs"),
        fires=("noncompliant_device_signin",),
    )


@story
def python_user_agent(scene: Scene) -> Story:
    """Lynne's account signs in with python-requests, an agent it never used."""
    user = scene.user("lynne.robbins")
    scene.time.reserve(user.name, -1)
    when = scene.at(-1, "11:20")
    scene.log.sign_in(
        user,
        when,
        ip="192.0.2.230",
        place=ASHBURN,
        app=OFFICE_HOME,
        user_agent=PYTHON_REQUESTS,
        mfa=False,
        client_app="Mobile Apps and Desktop clients",
        device=unmanaged("", ""),
    )
    return Story(
        "python_user_agent",
        "A successful sign-in with a never-seen user agent (python-requests)",
        True,
        when,
        when,
        (user.upn, "192.0.2.230"),
        ("SigninLogs",),
        fires=("anomalous_user_agent",),
    )


@story
def account_disabled(scene: Scene) -> Story:
    """Incident response: the compromised account is disabled."""
    admin, user = scene.user("nestor.wilke"), scene.user("isaiah.langer")
    when = scene.at(-1, "14:00")
    scene.log.audit(
        when,
        "Disable account",
        category="UserManagement",
        service="Core Directory",
        by=Initiator.user(admin, admin.home_ip),
        targets=[
            target(
                "User",
                user.id,
                user.display_name,
                user.upn,
                [
                    changed("AccountEnabled", [True], [False]),
                    changed("Included Updated Properties", None, "AccountEnabled"),
                ],
            )
        ],
        operation_type="Update",
    )
    return Story(
        "account_disabled",
        "A user account disabled",
        True,
        when,
        when,
        (admin.upn, user.upn),
        ("AuditLogs",),
        fires=("account_disabled",),
    )


@story
def disabled_account_phone_once(scene: Scene) -> Story:
    """Right after the account is disabled, Isaiah's own phone fails to refresh its mail token, once."""
    user = scene.user("isaiah.langer")
    when = scene.at(-1, "14:10")
    scene.log.sign_in(
        user,
        when,
        ip=user.home_ip,
        app=OUTLOOK_MOBILE,
        user_agent=OUTLOOK_IOS,
        result="50057",
        client_app="Mobile Apps and Desktop clients",
        device=unmanaged("Ios", ""),
        interactive=False,
    )
    return Story(
        "disabled_account_phone_once",
        "One failed token refresh for a just-disabled account from the user's own phone",
        False,
        when,
        when,
        (user.upn, user.home_ip),
        ("AADNonInteractiveUserSignInLogs",),
        must_not_fire=("disabled_account_signin_attempts",),
    )


@story
def disabled_account_token_reuse(scene: Scene) -> Story:
    """The intruder's tools keep replaying Isaiah's password and tokens after the account is disabled."""
    user = scene.user("isaiah.langer")
    scene.time.reserve(user.name, -1)
    start = scene.at(-1, "15:20")
    when = start
    for attempt in range(6):
        scene.log.sign_in(
            user,
            when,
            ip=ATTACKER_AZURE_IP,
            place=ASHBURN,
            app=AZURE_PORTAL if attempt % 2 else OFFICE_HOME,
            result="50057",
            mfa=False,
            device=unmanaged(),
            interactive=attempt % 3 == 0,
        )
        when = when + timedelta(seconds=scene.time.rng.randint(200, 320))
    return Story(
        "disabled_account_token_reuse",
        "Repeated sign-ins to a disabled account from the intruder's address",
        True,
        start,
        when,
        (user.upn, ATTACKER_AZURE_IP),
        ("SigninLogs", "AADNonInteractiveUserSignInLogs"),
        fires=("disabled_account_signin_attempts",),
    )
