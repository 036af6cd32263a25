"""Directory stories (AuditLogs): roles, guests, groups, credentials, consents, policies, MFA methods,
accounts and device compliance."""

from __future__ import annotations

from datetime import datetime

from kqlrules.sample.directory import (
    DOMAIN,
    OFFICE_HOME,
    SEATTLE_OFFICE_IP,
    User,
)
from kqlrules.sample.records import Initiator, changed, target
from kqlrules.sample.stories.catalogue import Played, Scene, story
from kqlrules.sample.stories.shared import (
    ATTACKER_AZURE_IP,
    GLOBAL_ADMINISTRATOR,
    PRIVILEGED_ROLE_ADMINISTRATOR,
    REPORTS_READER,
    member_of,
    minutes_after,
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
        minutes_after(when, 0.2),
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


@story(
    "A non-privileged directory role (Reports Reader) assigned",
    must_not_fire=("privileged_role_assigned", "privileged_role_assigned_nrt"),
)
def reports_reader_assigned(scene: Scene) -> Played:
    """The helpdesk grants a finance analyst the Reports Reader role: a role, but not a privileged one."""
    admin, member = scene.user("patti.fernandez"), scene.user("alan.steiner")
    when = scene.at(-3, "10:15")
    scene.log.audit(
        when,
        "Add member to role",
        category="RoleManagement",
        service="Core Directory",
        by=Initiator.user(admin, SEATTLE_OFFICE_IP),
        targets=member_of((member.id, member.display_name, member.upn), REPORTS_READER, "Role"),
        operation_type="Assign",
    )
    return Played(when, when, (admin.upn, member.upn))


@story(
    "A guest invited and added to an ordinary group",
    fires=("user_or_device_added", "group_membership_changed"),
    must_not_fire=("guest_invited_then_elevated",),
)
def guest_added_to_group(scene: Scene) -> Played:
    """A partner is invited as a guest and joins a project group: no directory role."""
    admin = scene.user("patti.fernandez")
    by = Initiator.user(admin, SEATTLE_OFFICE_IP)
    start = scene.at(-3, "10:45")
    guest_id, guest_upn = _invite_guest(scene, start, by, "sam@northwind.com")
    group = (scene.log.guid(), "Project Falcon Partners")
    scene.log.audit(
        minutes_after(start, 5),
        "Add member to group",
        category="GroupManagement",
        service="Core Directory",
        by=by,
        targets=member_of((guest_id, None, guest_upn), group, "Group"),
        operation_type="Assign",
    )
    return Played(start, minutes_after(start, 5), (admin.upn, guest_upn))


@story(
    "A new hire's account, laptop and group membership",
    fires=("user_or_device_added", "group_membership_changed"),
)
def new_hire_onboarding(scene: Scene) -> Played:
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
        minutes_after(start, 5),
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
        minutes_after(start, 10),
        "Add member to group",
        category="GroupManagement",
        service="Core Directory",
        by=by,
        targets=member_of((user_id, None, upn), (scene.log.guid(), "All Staff"), "Group"),
        operation_type="Assign",
    )
    return Played(start, minutes_after(start, 10), (admin.upn, upn, "CONTOSO-LT-0150"))


@story("Automation rotates a service principal secret", must_not_fire=("service_principal_credential_added",))
def pipeline_rotates_credential(scene: Scene) -> Played:
    """The deployment pipeline rotates the web API's client secret, as it does every month."""
    pipeline = scene.tenant.service_principal("contoso-deploy-pipeline")
    when = scene.at(-3, "11:30")
    _credential_added(scene, when, Initiator.app(pipeline), "Contoso Web API", "rotated-by-pipeline")
    return Played(when, when, (pipeline.display_name, "Contoso Web API"))


@story("Consent to an app asking only for sign-in and profile", must_not_fire=("risky_app_consent",))
def low_risk_consent(scene: Scene) -> Played:
    """A user consents to the company's expenses app, which only reads the user's profile."""
    user = scene.user("emily.braun")
    when = scene.at(-3, "13:05")
    _consent(scene, when, user, SEATTLE_OFFICE_IP, "Contoso Expenses", "openid profile email User.Read")
    return Played(when, when, (user.upn, "Contoso Expenses"))


@story(
    "A device non-compliant for twenty minutes, compliant again before use",
    must_not_fire=("noncompliant_device_signin",),
)
def compliance_restored(scene: Scene) -> Played:
    """A laptop falls out of compliance overnight, patches itself, and is compliant before Irvin signs in."""
    user = scene.user("irvin.sayers")
    scene.time.reserve(user.name, -3)
    start = scene.at(-3, "06:30")
    _compliance_change(scene, start, user, compliant=False)
    _compliance_change(scene, minutes_after(start, 20), user, compliant=True)
    signin = minutes_after(start, 70)
    scene.log.sign_in(user, signin, ip=user.office_ip, app=OFFICE_HOME)
    return Played(start, signin, (user.upn, user.device.name))


@story(
    "Consent to an app with mail and file read-write permissions",
    malicious=True,
    fires=("risky_app_consent",),
)
def risky_app_consent(scene: Scene) -> Played:
    """With Megan's account, the intruder consents to a 'mail backup' app that can read and send her mail."""
    user = scene.user("megan.bowen")
    when = scene.at(-2, "03:40")
    scopes = "Mail.ReadWrite Mail.Send Files.ReadWrite.All offline_access User.Read"
    _consent(scene, when, user, "192.0.2.23", "Mail Backup Pro", scopes)
    return Played(when, when, (user.upn, "Mail Backup Pro"))


@story(
    "A Conditional Access policy deleted by an administrator",
    malicious=True,
    fires=("conditional_access_policy_changed", "conditional_access_policy_changed_nrt"),
)
def ca_policy_deleted(scene: Scene) -> Played:
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
    return Played(when, when, (admin.upn,))


@story("An MFA method deleted for a user", malicious=True, fires=("mfa_disabled", "mfa_disabled_nrt"))
def mfa_method_deleted(scene: Scene) -> Played:
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
    return Played(when, when, (admin.upn, user.upn))


@story(
    "A user added to the Global Administrator role",
    malicious=True,
    fires=("privileged_role_assigned", "privileged_role_assigned_nrt"),
)
def global_admin_assigned(scene: Scene) -> Played:
    """At 3 a.m. on Sunday, Isaiah (a salesperson) becomes Global Administrator."""
    admin, member = scene.user("nestor.wilke"), scene.user("isaiah.langer")
    when = scene.at(-1, "03:12")
    scene.log.audit(
        when,
        "Add member to role",
        category="RoleManagement",
        service="Core Directory",
        by=Initiator.user(admin, admin.home_ip),
        targets=member_of((member.id, member.display_name, member.upn), GLOBAL_ADMINISTRATOR, "Role"),
        operation_type="Assign",
    )
    return Played(when, when, (admin.upn, member.upn))


@story(
    "A secret added to a service principal by a user",
    malicious=True,
    fires=("service_principal_credential_added",),
)
def service_principal_credential(scene: Scene) -> Played:
    """The new Global Administrator adds a client secret to the HR sync service principal."""
    user = scene.user("isaiah.langer")
    when = scene.at(-1, "03:50")
    _credential_added(scene, when, Initiator.user(user, ATTACKER_AZURE_IP), "Contoso HR Sync", "backup")
    return Played(when, when, (user.upn, "Contoso HR Sync"))


@story(
    "A guest invited and given a directory role",
    malicious=True,
    fires=(
        "guest_invited_then_elevated",
        "privileged_role_assigned",
        "privileged_role_assigned_nrt",
        "user_or_device_added",
    ),
)
def guest_invited_then_elevated(scene: Scene) -> Played:
    """A guest from outside is invited and, fifteen minutes later, made Privileged Role Administrator."""
    user = scene.user("isaiah.langer")
    by = Initiator.user(user, ATTACKER_AZURE_IP)
    start = scene.at(-1, "04:20")
    guest_id, guest_upn = _invite_guest(scene, start, by, "eve@fabrikam.com")
    end = minutes_after(start, 15)
    scene.log.audit(
        end,
        "Add member to role",
        category="RoleManagement",
        service="Core Directory",
        by=by,
        targets=member_of((guest_id, None, guest_upn), PRIVILEGED_ROLE_ADMINISTRATOR, "Role"),
        operation_type="Assign",
    )
    return Played(start, end, (user.upn, guest_upn))


@story(
    "A sign-in from a device Intune has just marked non-compliant",
    malicious=True,
    fires=("noncompliant_device_signin",),
)
def noncompliant_device_signin(scene: Scene) -> Played:
    """Intune marks Diego's laptop non-compliant (encryption off); 50 minutes later he signs in from it."""
    user = scene.user("diego.siciliani")
    scene.time.reserve(user.name, -1)
    start = scene.at(-1, "09:15")
    _compliance_change(scene, start, user, compliant=False)
    end = minutes_after(start, 50)
    scene.log.sign_in(
        user, end, ip=user.home_ip, app=OFFICE_HOME, device=user.device.details(compliant=False)
    )
    return Played(start, end, (user.upn, user.device.name))


@story("A user account disabled", malicious=True, fires=("account_disabled",))
def account_disabled(scene: Scene) -> Played:
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
    return Played(when, when, (admin.upn, user.upn))


@story(
    "A salesperson made eligible for Global Administrator through PIM, late at night",
    malicious=True,
    fires=("privileged_role_assigned", "privileged_role_assigned_nrt"),
)
def pim_eligible_global_admin(scene: Scene) -> Played:
    """With the stolen Global Administrator rights, the intruder makes Lee eligible for the role in PIM:
    PIM's own shape, the role as a target, no Role.DisplayName property."""
    admin, member = scene.user("isaiah.langer"), scene.user("lee.gu")
    when = scene.at(-1, "03:40")
    request = target("Request", scene.log.guid(), None)
    scene.log.audit(
        when,
        "Add eligible member to role in PIM completed (permanent)",
        category="RoleManagement",
        service="PIM",
        by=Initiator.user(admin, "192.0.2.77"),
        targets=[
            target("Role", GLOBAL_ADMINISTRATOR[0], GLOBAL_ADMINISTRATOR[1]),
            request,
            target("User", member.id, member.display_name, member.upn),
        ],
        operation_type="Assign",
        details=[("Justification", "coverage"), ("RoleDefinitionOriginId", GLOBAL_ADMINISTRATOR[0])],
    )
    return Played(when, when, (admin.upn, member.upn))
