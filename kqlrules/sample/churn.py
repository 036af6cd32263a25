"""The churn that makes up most of a real tenant's audit and sign-in volume, none of it an attack:

- Entra Connect directory sync: the `Sync_...` account updates users and on-premises groups every cycle;
- PIM: eligible admins activate their roles in the morning (PIM logs the request and completion, MS-PIM
  writes the Core Directory membership) and the activation expires eight hours later;
- dynamic groups: "Microsoft Approval Management" adds and removes members as attributes change;
- self-service security info: users register a new phone, change their default method, delete the old one;
- devices: registrations by the Device Registration Service, compliance that lapses overnight and comes
  back before work, Intune syncs and reboots, Intune's own clean-up of stale devices, the helpdesk retiring
  a lost phone, the daily IntuneDevices snapshot;
- apps: service principals and a managed identity signing in on their schedules; admins using the Azure
  CLI and Graph PowerShell with MFA;
- Identity Protection: low-risk "unfamiliar sign-in properties" detections remediated by MFA.

Nobody picked these to be quiet: the demo counts every alert they raise as a false alert.
Operation names and shapes: Microsoft Entra audit activity reference, Intune audit log reference.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from kqlrules.sample.directory import (
    ADMINS,
    AZURE_CLI,
    AZURE_CLI_AGENT,
    GRAPH_POWERSHELL,
    GRAPH_POWERSHELL_AGENT,
    MICROSOFT_AUTHENTICATOR,
    OUTLOOK_IOS,
    SYNC_ACCOUNT,
    App,
    User,
)
from kqlrules.sample.records import Initiator, changed, target
from kqlrules.sample.services import (
    intune_audit,
    intune_device,
    risk_detection,
    risky_user,
    service_principal_sign_in,
)
from kqlrules.sample.stories import Scene

KEY_VAULT = App(
    "Azure Key Vault",
    "cfa8b339-82a2-471a-a3c9-0fc0be7a4093",
    "Azure Key Vault",
    "cfa8b339-82a2-471a-a3c9-0fc0be7a4093",
)
GRAPH = App(
    "Microsoft Graph",
    "00000003-0000-0000-c000-000000000000",
    "Microsoft Graph",
    "00000003-0000-0000-c000-000000000000",
)
ARM = App(
    "Windows Azure Service Management API",
    "797f4846-ba00-4fd7-ba43-dac1f8f63013",
    "Windows Azure Service Management API",
    "797f4846-ba00-4fd7-ba43-dac1f8f63013",
)
# Eligible administrators and the role each activates every working morning.
PIM_ELIGIBLE = (
    ("nestor.wilke", ("62e90394-69f5-4237-9190-012177145e10", "Global Administrator")),
    ("pradeep.gupta", ("b1be1c3e-b65d-4f19-8427-f6fa0d97feb9", "Conditional Access Administrator")),
)
SYNCED_GROUPS = ("SG-Sales-OnPrem", "SG-Finance-OnPrem", "SG-VPN-Users")
DYNAMIC_GROUPS = ("All Marketing (dynamic)", "All Engineering (dynamic)", "Seattle office (dynamic)")


def generate_churn(scene: Scene) -> None:
    groups = {name: scene.log.guid() for name in (*SYNCED_GROUPS, *DYNAMIC_GROUPS)}
    for day in range(scene.time.days):
        _directory_sync(scene, day, groups)
        _service_principals(scene, day)
        _intune(scene, day)
        if scene.time.is_weekend(day):
            continue
        _pim_activations(scene, day)
        _dynamic_groups(scene, day, groups)
        _security_info(scene, day)
        _device_registrations(scene, day)
        _admin_tools(scene, day)
        _risk(scene, day)


def _at(scene: Scene, day: int, first_hour: float, last_hour: float) -> datetime:
    rng = scene.time.rng
    seconds = rng.randint(int(first_hour * 3600), int(last_hour * 3600) - 1)
    return scene.time.day(day) + timedelta(seconds=seconds, milliseconds=rng.randint(0, 999))


def _staff(scene: Scene, day: int) -> list[User]:
    return [u for u in scene.tenant.users if u.name not in ADMINS and not scene.time.is_reserved(u.name, day)]


def _sync_initiator() -> Initiator:
    return Initiator(
        {
            "user": {
                "id": "9a0b1c2d-0000-4000-8000-00000000c0de",
                "displayName": None,
                "userPrincipalName": SYNC_ACCOUNT,
                "ipAddress": "",
            }
        },
        SYNC_ACCOUNT,
    )


def _directory_sync(scene: Scene, day: int, groups: dict[str, str]) -> None:
    """A sync cycle every 30 minutes; a few cycles carry changes from the on-premises directory."""
    rng, log, sync = scene.time.rng, scene.log, _sync_initiator()
    for cycle in range(48):
        if rng.random() > 0.25:
            continue
        when = scene.time.day(day) + timedelta(
            minutes=30 * cycle + rng.randint(1, 4), seconds=rng.randint(0, 59)
        )
        for user in rng.sample(_staff(scene, day), rng.randint(1, 3)):
            log.audit(
                when,
                "Update user",
                category="UserManagement",
                service="Core Directory",
                by=sync,
                targets=[
                    target(
                        "User",
                        user.id,
                        None,
                        user.upn,
                        [
                            changed(
                                "LastDirSyncTime",
                                [when.strftime("%Y-%m-%dT%H:%M:%SZ")],
                                [(when + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%SZ")],
                            ),
                            changed("Included Updated Properties", None, "LastDirSyncTime"),
                        ],
                    )
                ],
                operation_type="Update",
            )
        if rng.random() < 0.3:
            user, group = rng.choice(_staff(scene, day)), rng.choice(SYNCED_GROUPS)
            adding = rng.random() < 0.6
            prefix = "Add member to group" if adding else "Remove member from group"
            key = "newValue" if adding else "oldValue"
            member = target(
                "User",
                user.id,
                None,
                user.upn,
                [
                    {
                        "displayName": "Group.ObjectID",
                        "oldValue": None,
                        "newValue": None,
                        key: f'"{groups[group]}"',
                    },
                    {
                        "displayName": "Group.DisplayName",
                        "oldValue": None,
                        "newValue": None,
                        key: f'"{group}"',
                    },
                ],
            )
            log.audit(
                when + timedelta(seconds=5),
                prefix,
                category="GroupManagement",
                service="Core Directory",
                by=sync,
                targets=[member, target("Group", groups[group], group)],
                operation_type="Assign" if adding else "Unassign",
            )


def _pim_activations(scene: Scene, day: int) -> None:
    log, ms_pim = scene.log, scene.tenant.service_principal("MS-PIM")
    for name, (role_id, role_name) in PIM_ELIGIBLE:
        if scene.time.is_reserved(name, day):
            continue
        admin = scene.user(name)
        when = _at(scene, day, 8, 9.5)
        role = target("Role", role_id, role_name)
        member = target("User", admin.id, admin.display_name, admin.upn)
        request = target("Request", log.guid(), None)
        by_admin = Initiator.user(admin, admin.office_ip)
        for offset, operation in (
            (0, "Add member to role requested (PIM activation)"),
            (20, "Add member to role completed (PIM activation)"),
        ):
            log.audit(
                when + timedelta(seconds=offset),
                operation,
                category="RoleManagement",
                service="PIM",
                by=by_admin,
                targets=[role, request, member],
                operation_type="Assign",
                details=[("Justification", "daily administration"), ("RoleDefinitionOriginId", role_id)],
            )
        copy = target(
            "User",
            admin.id,
            admin.display_name,
            admin.upn,
            [
                changed("Role.ObjectID", None, role_id),
                changed("Role.DisplayName", None, role_name),
                changed("Role.TemplateId", None, role_id),
            ],
        )
        log.audit(
            when + timedelta(seconds=18),
            "Add member to role",
            category="RoleManagement",
            service="Core Directory",
            by=Initiator.app(ms_pim),
            targets=[copy, role],
            operation_type="Assign",
        )
        expiry = when + timedelta(hours=8)
        removed = target(
            "User",
            admin.id,
            admin.display_name,
            admin.upn,
            [changed("Role.ObjectID", role_id, None), changed("Role.DisplayName", role_name, None)],
        )
        log.audit(
            expiry,
            "Remove member from role",
            category="RoleManagement",
            service="Core Directory",
            by=Initiator.app(ms_pim),
            targets=[removed, role],
            operation_type="Unassign",
        )
        log.audit(
            expiry + timedelta(seconds=3),
            "Remove member from role (PIM activation expired)",
            category="RoleManagement",
            service="PIM",
            by=Initiator.app(ms_pim),
            targets=[role, request, member],
            operation_type="Unassign",
        )


def _dynamic_groups(scene: Scene, day: int, groups: dict[str, str]) -> None:
    rng, log = scene.time.rng, scene.log
    engine = Initiator.app(scene.tenant.service_principal("Microsoft Approval Management"))
    for _ in range(rng.randint(1, 3)):
        user, group = rng.choice(_staff(scene, day)), rng.choice(DYNAMIC_GROUPS)
        adding = rng.random() < 0.5
        key = "newValue" if adding else "oldValue"
        member = target(
            "User",
            user.id,
            None,
            user.upn,
            [
                {
                    "displayName": "Group.ObjectID",
                    "oldValue": None,
                    "newValue": None,
                    key: f'"{groups[group]}"',
                },
                {"displayName": "Group.DisplayName", "oldValue": None, "newValue": None, key: f'"{group}"'},
            ],
        )
        log.audit(
            _at(scene, day, 9, 18),
            "Add member to group" if adding else "Remove member from group",
            category="GroupManagement",
            service="Core Directory",
            by=engine,
            targets=[member, target("Group", groups[group], group)],
            operation_type="Assign" if adding else "Unassign",
        )


def _security_info(scene: Scene, day: int) -> None:
    """Users register a new phone (and sign in to the Authenticator app); some delete the old one."""
    rng, log = scene.time.rng, scene.log
    for user in rng.sample(_staff(scene, day), rng.randint(0, 2)):
        when = _at(scene, day, 9, 17)
        by_user = Initiator.user(user, user.office_ip)
        me = [target("User", user.id, user.display_name, user.upn)]
        log.sign_in(
            user,
            when - timedelta(minutes=2),
            ip=user.office_ip,
            app=MICROSOFT_AUTHENTICATOR,
            user_agent=OUTLOOK_IOS.replace("Outlook-iOS/709.2226530.prod.iphone", "Authenticator/6.8.18"),
            client_app="Mobile Apps and Desktop clients",
        )
        log.audit(
            when,
            "User registered security info",
            category="UserManagement",
            service="Authentication Methods",
            by=by_user,
            targets=me,
            operation_type="Add",
            details=[("Method", "Microsoft Authenticator App")],
        )
        log.audit(
            when + timedelta(seconds=40),
            "User changed default security info",
            category="UserManagement",
            service="Authentication Methods",
            by=by_user,
            targets=me,
            operation_type="Update",
        )
        log.audit(
            when + timedelta(seconds=41),
            "Update user",
            category="UserManagement",
            service="Core Directory",
            by=by_user,
            targets=[
                target(
                    "User",
                    user.id,
                    None,
                    user.upn,
                    [
                        changed(
                            "StrongAuthenticationMethod",
                            [{"MethodType": 6, "Default": True}],
                            [{"MethodType": 6, "Default": False}, {"MethodType": 7, "Default": True}],
                        ),
                        changed("Included Updated Properties", None, "StrongAuthenticationMethod"),
                    ],
                )
            ],
            operation_type="Update",
        )
        if rng.random() < 0.35:
            log.audit(
                when + timedelta(minutes=rng.randint(2, 6)),
                "User deleted security info",
                category="UserManagement",
                service="Authentication Methods",
                by=by_user,
                targets=me,
                operation_type="Delete",
                details=[("Method", "Phone")],
            )


def _device_registrations(scene: Scene, day: int) -> None:
    rng, log = scene.time.rng, scene.log
    drs = Initiator.app(scene.tenant.service_principal("Device Registration Service"))
    if rng.random() < 0.5:
        user = rng.choice(_staff(scene, day))
        when, device_id = _at(scene, day, 9, 17), log.guid()
        phone = f"iPhone-{user.name.split('.')[0]}"
        log.audit(
            when,
            "Add device",
            category="Device",
            service="Core Directory",
            by=drs,
            targets=[
                target(
                    "Device",
                    device_id,
                    phone,
                    None,
                    [
                        changed("DisplayName", None, [phone]),
                        changed("DeviceOSType", None, ["IPhone"]),
                        changed("DeviceTrustType", None, ["Workplace"]),
                    ],
                )
            ],
            operation_type="Add",
        )
        for offset, operation in (
            (1, "Add registered owner to device"),
            (2, "Add registered users to device"),
        ):
            log.audit(
                when + timedelta(seconds=offset),
                operation,
                category="Device",
                service="Core Directory",
                by=drs,
                targets=[target("Device", device_id, phone), target("User", user.id, None, user.upn)],
                operation_type="Assign",
            )
    # A laptop misses its update check overnight and is compliant again before its user starts work.
    intune = Initiator.app(scene.tenant.service_principal("Microsoft Intune"))
    user = rng.choice(_staff(scene, day))
    for when, old, new in ((_at(scene, day, 1, 2), True, False), (_at(scene, day, 3, 4), False, True)):
        log.audit(
            when,
            "Update device",
            category="Device",
            service="Core Directory",
            by=intune,
            targets=[
                target(
                    "Device",
                    user.device.object_id,
                    user.device.name,
                    None,
                    [
                        changed("IsCompliant", [old], [new]),
                        changed("Included Updated Properties", None, "IsCompliant"),
                    ],
                )
            ],
            operation_type="Update",
        )


def _intune(scene: Scene, day: int) -> None:
    rng, log = scene.time.rng, scene.log
    snapshot = scene.time.day(day) + timedelta(hours=5, minutes=rng.randint(0, 20))
    for user in scene.tenant.users:
        intune_device(log, snapshot, user)
    helpdesk = scene.user("patti.fernandez")
    if not scene.time.is_weekend(day):
        for user in rng.sample(_staff(scene, day), rng.randint(1, 4)):
            action = rng.choice(("syncDevice ManagedDevice", "rebootNow ManagedDevice"))
            intune_audit(
                log,
                _at(scene, day, 9, 17),
                action,
                actor=helpdesk,
                targets=[(user.device.name, user.device.intune_id)],
            )
        if day == 2:
            # A lost phone: the helpdesk retires it, as its ticket asks.
            lost = rng.choice(_staff(scene, day))
            intune_audit(
                log,
                _at(scene, day, 10, 16),
                "retire ManagedDevice",
                actor=helpdesk,
                targets=[(f"iPhone-{lost.name.split('.')[0]}", log.guid())],
            )
    # Intune's clean-up rule deletes devices that have not checked in for 90 days.
    if rng.random() < 0.4:
        intune_audit(
            log,
            _at(scene, day, 2, 4),
            "delete ManagedDevice",
            actor=None,
            targets=[(f"CONTOSO-LT-{rng.randint(10, 99):04d}", log.guid())],
        )


def _service_principals(scene: Scene, day: int) -> None:
    log, tenant = scene.log, scene.tenant
    pipeline, hr_sync = (
        tenant.service_principal("contoso-deploy-pipeline"),
        tenant.service_principal("Contoso HR Sync"),
    )
    identity = tenant.service_principal("id-contoso-web")
    for hour in range(24):
        base = scene.time.day(day) + timedelta(hours=hour)
        service_principal_sign_in(
            log,
            identity,
            base + timedelta(minutes=scene.time.rng.randint(0, 5)),
            ip="20.50.2.10",
            resource=KEY_VAULT,
            managed_identity=True,
        )
        if hour % 2 == 0:
            service_principal_sign_in(
                log, hr_sync, base + timedelta(minutes=15), ip="203.0.113.25", resource=GRAPH
            )
        if not scene.time.is_weekend(day) and 8 <= hour <= 19:
            service_principal_sign_in(
                log,
                pipeline,
                base + timedelta(minutes=scene.time.rng.randint(0, 50)),
                ip="198.51.100.201",
                resource=ARM,
            )


def _admin_tools(scene: Scene, day: int) -> None:
    """The cloud admin scripts with the Azure CLI and Graph PowerShell, with MFA; the tools refresh their
    tokens silently afterwards (the MFA claim in the token satisfies the requirement)."""
    # Every working day, also the days a story holds him: the tools are part of his baseline from day 0.
    admin = scene.user("pradeep.gupta")
    for app, agent in ((AZURE_CLI, AZURE_CLI_AGENT), (GRAPH_POWERSHELL, GRAPH_POWERSHELL_AGENT)):
        when = _at(scene, day, 9, 16)
        scene.log.sign_in(
            admin,
            when,
            ip=admin.office_ip,
            app=app,
            user_agent=agent,
            client_app="Mobile Apps and Desktop clients",
        )
        for refresh in range(1, 3):
            scene.log.sign_in(
                admin,
                when + timedelta(minutes=55 * refresh),
                ip=admin.office_ip,
                app=app,
                user_agent=agent,
                client_app="Mobile Apps and Desktop clients",
                interactive=False,
            )


def _risk(scene: Scene, day: int) -> None:
    """Identity Protection flags an unfamiliar sign-in as low risk; the user passes MFA: remediated."""
    rng, log = scene.time.rng, scene.log
    if rng.random() > 0.4:
        return
    user = rng.choice(_staff(scene, day))
    when, detection = _at(scene, day, 9, 17), log.guid()
    risk_detection(
        log,
        when,
        user,
        event_type="unfamiliarFeatures",
        level="low",
        ip=user.home_ip,
        place=user.place,
        detection_id=detection,
    )
    risky_user(log, when, user, level="low", state="atRisk", detail="none")
    later = when + timedelta(minutes=3)
    risk_detection(
        log,
        later,
        user,
        event_type="unfamiliarFeatures",
        level="low",
        state="remediated",
        detail="userPassedMFADrivenByRiskBasedPolicy",
        ip=user.home_ip,
        place=user.place,
        detection_id=detection,
    )
    risky_user(
        log, later, user, level="none", state="remediated", detail="userPassedMFADrivenByRiskBasedPolicy"
    )
