"""An ordinary week: people sign in during working hours from their office or home, the helpdesk updates
profiles, Intune checks devices, the cloud team starts VMs and ships deployments.

Nothing here may look like a story: every user signs in from their own country with their own device's
browser (first on day 0, so every later sign-in has a baseline; the browser updates itself mid-week) and
typos come one at a time. The directory's own churn (sync, PIM, dynamic groups, security info, devices,
apps, Identity Protection) is in `churn.py`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from kqlrules.sample.churn import generate_churn
from kqlrules.sample.directory import (
    ADMINS,
    BROWSER_APPS,
    BROWSER_UPDATES,
    OUTLOOK_IOS,
    OUTLOOK_MOBILE,
    User,
)
from kqlrules.sample.records import Initiator, changed, target
from kqlrules.sample.stories import Scene

TYPO_RATE = 0.12
# People whose typing habits are a story of their own.
OWN_TYPO_STORY = ("miriam.graham",)


def generate_background(scene: Scene) -> None:
    for day in range(scene.time.days):
        for user in scene.tenant.users:
            if not scene.time.is_reserved(user.name, day):
                _user_day(scene, user, day)
        _directory_day(scene, day)
        _azure_day(scene, day)
    generate_churn(scene)


def _agent(scene: Scene, user: User, day: int) -> str:
    """The user's browser, updated to the next major version on a day of its own (2, 3 or 4)."""
    update_day = 2 + scene.tenant.users.index(user) % 3
    agent = user.device.user_agent
    return BROWSER_UPDATES.get(agent, agent) if day >= update_day else agent


def _moment(scene: Scene, day: int, first_hour: int, last_hour: int) -> datetime:
    rng = scene.time.rng
    seconds = rng.randint(first_hour * 3600, last_hour * 3600 - 1)
    return scene.time.day(day) + timedelta(seconds=seconds, milliseconds=rng.randint(0, 999))


def _user_day(scene: Scene, user: User, day: int) -> None:
    rng = scene.time.rng
    weekend = scene.time.is_weekend(day)
    if weekend:
        count = 1 if rng.random() < 0.3 else 0
        hours = (10, 16)
    else:
        count = rng.randint(1, 3)
        hours = (7, 18)
    if day == 0:
        count = max(count, 1)
    if count == 0:
        return
    ip = user.home_ip if weekend else user.office_ip
    times = sorted(_moment(scene, day, *hours) for _ in range(count))
    if user.name not in OWN_TYPO_STORY and rng.random() < TYPO_RATE:
        scene.log.sign_in(
            user,
            times[0] - timedelta(seconds=rng.randint(30, 90)),
            ip=ip,
            app=BROWSER_APPS[0],
            user_agent=_agent(scene, user, day),
            result="50126",
            mfa=False,
        )
    for when in times:
        app = rng.choice(BROWSER_APPS)
        agent = _agent(scene, user, day)
        scene.log.sign_in(user, when, ip=ip, app=app, user_agent=agent)
        for refresh in range(rng.randint(1, 2)):
            scene.log.sign_in(
                user,
                when + timedelta(minutes=rng.randint(20, 55) * (refresh + 1)),
                ip=ip,
                app=app,
                user_agent=agent,
                interactive=False,
            )
    # The phone's mail app refreshes its token from wherever the user is.
    scene.log.sign_in(
        user,
        times[-1] + timedelta(minutes=rng.randint(5, 90)),
        ip=user.home_ip,
        app=OUTLOOK_MOBILE,
        user_agent=OUTLOOK_IOS,
        client_app="Mobile Apps and Desktop clients",
        device={
            "deviceId": "",
            "displayName": "",
            "operatingSystem": "Ios",
            "browser": "",
            "isCompliant": False,
            "isManaged": False,
            "trustType": "",
        },
        interactive=False,
    )


_PROFILE_CHANGES = (
    ("JobTitle", "Account Executive", "Senior Account Executive"),
    ("Department", "Sales", "Retail"),
    ("TelephoneNumber", "+1 425 555 0100", "+1 425 555 0142"),
    ("OfficeLocation", "Building 4", "Building 7"),
)


def _directory_day(scene: Scene, day: int) -> None:
    if scene.time.is_weekend(day):
        return
    rng = scene.time.rng
    helpdesk = scene.tenant.user("patti.fernandez")
    intune = scene.tenant.service_principal("Microsoft Intune")
    staff = [u for u in scene.tenant.users if u.name not in ADMINS]
    for _ in range(rng.randint(2, 4)):
        user = rng.choice(staff)
        name, old, new = rng.choice(_PROFILE_CHANGES)
        scene.log.audit(
            _moment(scene, day, 9, 17),
            "Update user",
            category="UserManagement",
            service="Core Directory",
            by=Initiator.user(helpdesk, helpdesk.office_ip),
            targets=[
                target(
                    "User",
                    user.id,
                    None,
                    user.upn,
                    [changed(name, [old], [new]), changed("Included Updated Properties", None, name)],
                )
            ],
            operation_type="Update",
        )
    for _ in range(rng.randint(1, 3)):
        user = rng.choice(staff)
        scene.log.audit(
            _moment(scene, day, 1, 6),
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
                        changed("DeviceOSVersion", ["10.0.22631.4317"], ["10.0.22631.4460"]),
                        changed("Included Updated Properties", None, "DeviceOSVersion"),
                    ],
                )
            ],
            operation_type="Update",
        )


_VMS = ("vm-web-01", "vm-web-02", "vm-web-03", "vm-web-04", "vm-batch-01")


def _azure_day(scene: Scene, day: int) -> None:
    if scene.time.is_weekend(day):
        return
    rng = scene.time.rng
    admin = scene.tenant.user("pradeep.gupta")
    pipeline = scene.tenant.service_principal("contoso-deploy-pipeline")
    log = scene.log
    for _ in range(rng.randint(3, 6)):
        vm = rng.choice(_VMS)
        action = rng.choice(("start", "deallocate", "restart"))
        log.azure_operation(
            _moment(scene, day, 7, 18),
            f"Microsoft.Compute/virtualMachines/{action}/action",
            log.resource_id("rg-prod-web", f"Microsoft.Compute/virtualMachines/{vm}"),
            caller=admin.upn,
            ip=admin.office_ip,
            status_code="Accepted",
        )
    for _ in range(rng.randint(1, 3)):
        name = f"release-{rng.randint(1000, 9999)}"
        log.azure_operation(
            _moment(scene, day, 8, 20),
            "Microsoft.Resources/deployments/write",
            log.resource_id("rg-prod-web", f"Microsoft.Resources/deployments/{name}"),
            caller=pipeline.app_id,
            ip="198.51.100.201",
            request={"properties": {"mode": "Incremental", "templateLink": {"uri": f"{name}.json"}}},
            status_code="Created",
        )
    log.azure_operation(
        _moment(scene, day, 8, 20),
        "Microsoft.Web/sites/write",
        log.resource_id("rg-prod-web", "Microsoft.Web/sites/app-contoso-web"),
        caller=pipeline.app_id,
        ip="198.51.100.201",
        request={"properties": {"siteConfig": {"alwaysOn": True}}},
    )
    if rng.random() < 0.5:
        log.azure_operation(
            _moment(scene, day, 8, 20),
            "Microsoft.Resources/deployments/delete",
            log.resource_id("rg-ci-ephemeral", f"Microsoft.Resources/deployments/ci-{rng.randint(100, 999)}"),
            caller=pipeline.app_id,
            ip="198.51.100.201",
        )
    if rng.random() < 0.6:
        when = _moment(scene, day, 9, 17)
        for offset, secret in enumerate(
            rng.sample(("sql-admin-password", "vpn-psk", "storage-account-key"), 2)
        ):
            log.key_vault(
                when + timedelta(seconds=offset * 20),
                "SecretGet",
                vault="kv-contoso-prod",
                secret=secret,
                ip=admin.office_ip,
                user=admin,
            )
