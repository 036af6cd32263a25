"""Intune stories (IntuneAuditLogs): devices wiped, compliance loosened, Intune roles granted."""

from __future__ import annotations

from kqlrules.sample.services import intune_audit
from kqlrules.sample.stories.catalogue import Played, Scene, story
from kqlrules.sample.stories.shared import minutes_after

BASELINE = "Windows 11 baseline"


@story(
    "An administrator tightens a compliance policy (Secure Boot now required)",
    must_not_fire=("compliance_policy_weakened",),
)
def compliance_policy_tightened(scene: Scene) -> Played:
    """Nestor requires Secure Boot in the Windows baseline and fixes a typo in its description."""
    admin = scene.user("nestor.wilke")
    when = scene.at(-3, "11:05")
    intune_audit(
        scene.log,
        when,
        "Patch DeviceCompliancePolicy",
        actor=admin,
        targets=[(BASELINE, "c0a1b2c3-0000-4000-8000-0000000000b1")],
        changes=[
            ("SecureBootEnabled", "False", "True"),
            ("Description", "Windws baseline", "Windows baseline"),
        ],
        category="Compliance",
    )
    return Played(when, when, (admin.upn,))


@story(
    "A compliance policy no longer requires BitLocker",
    malicious=True,
    fires=("compliance_policy_weakened",),
)
def compliance_policy_weakened(scene: Scene) -> Played:
    """The intruder turns BitLocker off in the Windows baseline, so unencrypted devices count as compliant."""
    actor = scene.user("isaiah.langer")
    when = scene.at(-1, "03:25")
    intune_audit(
        scene.log,
        when,
        "Patch DeviceCompliancePolicy",
        actor=actor,
        targets=[(BASELINE, "c0a1b2c3-0000-4000-8000-0000000000b1")],
        changes=[("BitLockerEnabled", "True", "False")],
        category="Compliance",
    )
    return Played(when, when, (actor.upn,))


@story(
    "The intruder gives himself an Intune role over all devices",
    malicious=True,
    fires=("role_assignment_changed",),
)
def intune_role_granted(scene: Scene) -> Played:
    """Isaiah creates an Intune "Help Desk Operator" assignment naming himself, scoped to all devices."""
    actor = scene.user("isaiah.langer")
    when = scene.at(-1, "03:30")
    intune_audit(
        scene.log,
        when,
        "Create RoleAssignment",
        actor=actor,
        targets=[("Help Desk Operator - all devices", scene.log.guid())],
        changes=[("Members", None, f'["{actor.id}"]'), ("ScopeMembers", None, '["All devices"]')],
        category="Role",
    )
    return Played(when, when, (actor.upn,))


@story(
    "Three laptops wiped by one account at night",
    malicious=True,
    fires=("device_wiped_or_retired",),
)
def intune_mass_wipe(scene: Scene) -> Played:
    """Before leaving, the intruder wipes the laptops of the finance team."""
    actor = scene.user("isaiah.langer")
    start = scene.at(-1, "04:05")
    victims = [scene.user(name) for name in ("lidia.holloway", "alan.steiner", "emily.braun")]
    for offset, victim in enumerate(victims):
        intune_audit(
            scene.log,
            minutes_after(start, offset * 2),
            "wipe ManagedDevice",
            actor=actor,
            targets=[(victim.device.name, victim.device.intune_id)],
        )
    return Played(start, minutes_after(start, 4), (actor.upn,))
