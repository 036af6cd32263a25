"""Identity Protection stories (AADUserRiskEvents, AADRiskyUsers): leaked credentials, a compromise
confirmed by the SOC, and the low-risk detections and dismissals that look like them."""

from __future__ import annotations

from kqlrules.sample.directory import LAGOS
from kqlrules.sample.services import risk_detection, risky_user
from kqlrules.sample.stories.catalogue import Played, Scene, story
from kqlrules.sample.stories.shared import minutes_after


@story(
    "A medium-risk user reviewed and dismissed by an administrator",
    must_not_fire=("user_confirmed_compromised", "high_risk_user_detections"),
)
def risk_dismissed_after_review(scene: Scene) -> Played:
    """Tessa logs in from a new hotel; the SOC checks with her and dismisses the risk."""
    user = scene.user("tessa.brooks")
    when = scene.at(-3, "10:20")
    detection = scene.log.guid()
    risk_detection(
        scene.log,
        when,
        user,
        event_type="unfamiliarFeatures",
        level="medium",
        ip=user.home_ip,
        place=user.place,
        detection_id=detection,
    )
    risky_user(scene.log, when, user, level="medium", state="atRisk", detail="none")
    later = minutes_after(when, 25)
    risk_detection(
        scene.log,
        later,
        user,
        event_type="unfamiliarFeatures",
        level="medium",
        state="dismissed",
        detail="adminDismissedAllRiskForUser",
        ip=user.home_ip,
        place=user.place,
        detection_id=detection,
    )
    risky_user(scene.log, later, user, level="none", state="dismissed", detail="adminDismissedAllRiskForUser")
    return Played(when, later, (user.upn,))


@story(
    "A low-risk unfamiliar-properties detection left open",
    must_not_fire=("high_risk_user_detections",),
)
def unfamiliar_signin_low_risk(scene: Scene) -> Played:
    """Wendy signs in from a new café; Identity Protection rates it low and nobody acts on it."""
    user = scene.user("wendy.chen")
    when = scene.at(-3, "13:10")
    risk_detection(
        scene.log, when, user, event_type="unfamiliarFeatures", level="low", ip=user.home_ip, place=user.place
    )
    risky_user(scene.log, when, user, level="low", state="atRisk", detail="none")
    return Played(when, when, (user.upn,))


@story(
    "Leaked credentials found for a user, with a high-risk sign-in from Lagos",
    malicious=True,
    fires=("high_risk_user_detections",),
)
def leaked_credentials_detected(scene: Scene) -> Played:
    """Microsoft finds Joni's password in a dump (offline), then rates a sign-in from Lagos high risk."""
    user = scene.user("joni.sherman")
    when = scene.at(-1, "05:10")
    risk_detection(scene.log, when, user, event_type="leakedCredentials", level="high", timing="offline")
    later = minutes_after(when, 20)
    risk_detection(
        scene.log, later, user, event_type="unlikelyTravel", level="high", ip="192.0.2.150", place=LAGOS
    )
    risky_user(scene.log, later, user, level="high", state="atRisk", detail="none")
    return Played(when, later, (user.upn,))


@story(
    "The SOC confirms a user compromised",
    malicious=True,
    fires=("user_confirmed_compromised",),
)
def user_confirmed_compromised(scene: Scene) -> Played:
    """After the malicious consent from Megan's account, Nestor marks her as compromised."""
    user = scene.user("megan.bowen")
    when = scene.at(-1, "09:35")
    risky_user(
        scene.log,
        when,
        user,
        level="high",
        state="confirmedCompromised",
        detail="adminConfirmedUserCompromised",
    )
    return Played(when, when, (user.upn,))
