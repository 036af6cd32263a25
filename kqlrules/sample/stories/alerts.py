"""Stories around Microsoft Defender alerts (SecurityAlert) and what the alerted account did next."""

from __future__ import annotations

from datetime import datetime

from kqlrules.sample.directory import (
    ASHBURN,
    OUTLOOK_WEB,
    User,
)
from kqlrules.sample.records import account_entity
from kqlrules.sample.stories.catalogue import Played, Scene, story
from kqlrules.sample.stories.shared import (
    minutes_after,
    unmanaged,
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


@story("A security alert about a machine, with no user in it", must_not_fire=("defender_alert_then_signin",))
def host_alert_without_account(scene: Scene) -> Played:
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
    return Played(when, minutes_after(when, 3), ("vm-web-01",))


@story(
    "A Defender alert on a user whose only sign-in came before it",
    must_not_fire=("defender_alert_then_signin",),
)
def alert_without_later_signin(scene: Scene) -> Played:
    """Henrietta signs in, then Defender raises an alert on her; nobody uses her account afterwards."""
    user = scene.user("henrietta.mueller")
    scene.time.reserve(user.name, -2)
    start = scene.at(-2, "19:40")
    scene.log.sign_in(user, start, ip=user.home_ip, app=OUTLOOK_WEB)
    alert = scene.at(-2, "20:15")
    _phish_alert(scene, alert, user, "A potentially malicious URL click was detected")
    return Played(start, minutes_after(alert, 3), (user.upn,))


@story(
    "A Defender alert on a user, then that user's sign-in",
    malicious=True,
    fires=("defender_alert_then_signin",),
)
def defender_alert_then_signin(scene: Scene) -> Played:
    """Lidia clicks a phishing link; 35 minutes after the alert her account signs in from a proxy host."""
    user = scene.user("lidia.holloway")
    scene.time.reserve(user.name, -1)
    start = scene.at(-1, "01:10")
    _phish_alert(scene, start, user, "A potentially malicious URL click was detected")
    end = minutes_after(start, 35)
    scene.log.sign_in(user, end, ip="192.0.2.99", place=ASHBURN, app=OUTLOOK_WEB, device=unmanaged())
    return Played(start, end, (user.upn, "192.0.2.99"))
