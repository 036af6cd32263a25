"""Helpers and constants several story modules use: devices nobody manages, role and group targets,
well-known role ids."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from kqlrules.sample.records import changed, target


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


def minutes_after(when: datetime, minutes: float) -> datetime:
    """`when` plus some minutes (fractions allowed)."""
    return when + timedelta(minutes=minutes)


def member_of(member: tuple[str, str | None, str], group: tuple[str, str], prefix: str) -> list[Any]:
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
