"""Sign-in stories (SigninLogs, AADNonInteractiveUserSignInLogs): typos, sprays, MFA prompts, travel, risky
and single-factor sign-ins, legacy protocols, user agents."""

from __future__ import annotations

from datetime import timedelta

from kqlrules.sample.directory import (
    AMSTERDAM,
    ASHBURN,
    AZURE_AD_POWERSHELL,
    AZURE_CLI,
    AZURE_CLI_AGENT,
    AZURE_PORTAL,
    DOMAIN,
    GRAPH_POWERSHELL,
    GRAPH_POWERSHELL_AGENT,
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
)
from kqlrules.sample.records import Risk
from kqlrules.sample.stories.catalogue import Played, Scene, story
from kqlrules.sample.stories.shared import (
    ATTACKER_AZURE_IP,
    minutes_after,
    unmanaged,
)


@story(
    "Five office users mistype their password once each from the office address",
    must_not_fire=("password_spray", "brute_force_then_success"),
)
def office_morning_typos(scene: Scene) -> Played:
    """Monday-morning password typos: five people at the Seattle office each fail once, then sign in."""
    names = ("ben.walters", "cameron.white", "emily.braun", "jordan.miller", "karen.berg")
    start = scene.at(-3, "08:20")
    for offset, name in enumerate(names):
        user = scene.user(name)
        scene.time.reserve(name, -3)
        when = minutes_after(start, offset * 6)
        scene.log.sign_in(user, when, ip=SEATTLE_OFFICE_IP, app=OFFICE_HOME, result="50126", mfa=False)
        scene.log.sign_in(user, minutes_after(when, 1), ip=SEATTLE_OFFICE_IP, app=OFFICE_HOME)
    return Played(
        start, minutes_after(start, 25), (*(f"{name}@{DOMAIN}" for name in names), SEATTLE_OFFICE_IP)
    )


@story(
    "One user fails once every day before signing in",
    must_not_fire=("brute_force_then_success", "password_spray"),
)
def daily_typo(scene: Scene) -> Played:
    """Miriam mistypes her password once every morning: many failures over the week, never a burst."""
    user = scene.user("miriam.graham")
    first = last = scene.at(0, "08:50")
    for day in range(scene.time.days):
        when = scene.at(day, "08:50")
        ip = user.home_ip if scene.time.is_weekend(day) else user.office_ip
        scene.log.sign_in(user, when, ip=ip, app=OFFICE_HOME, result="50126", mfa=False)
        scene.log.sign_in(user, minutes_after(when, 1.5), ip=ip, app=OFFICE_HOME)
        last = when
    return Played(first, minutes_after(last, 2), (user.upn,))


@story("A legacy ActiveSync attempt blocked by Conditional Access", must_not_fire=("legacy_auth_signin",))
def legacy_auth_blocked(scene: Scene) -> Played:
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
    return Played(when, when, (user.upn,))


@story(
    "An administrator signs in to Azure AD PowerShell with MFA",
    must_not_fire=("powershell_single_factor_signin", "anomalous_user_agent"),
)
def admin_powershell_with_mfa(scene: Scene) -> Played:
    """The cloud admin uses Azure AD PowerShell with MFA: on the first morning, right after his browser
    sign-in (so both agents are in his baseline from the start), and again later in the week."""
    # Not reserved: his ordinary day 0 (browser, phone) belongs in his baseline too.
    user = scene.user("pradeep.gupta")
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
    return Played(first, last, (user.upn,))


@story("One missed MFA prompt, then success", must_not_fire=("mfa_fatigue",))
def mfa_timeout_once(scene: Scene) -> Played:
    """A user misses one push notification, then approves the next."""
    user = scene.user("ben.walters")
    when = scene.at(-3, "12:10")
    scene.log.sign_in(user, when, ip=SEATTLE_OFFICE_IP, app=TEAMS, result="500121")
    scene.log.sign_in(user, minutes_after(when, 2), ip=SEATTLE_OFFICE_IP, app=TEAMS)
    return Played(when, minutes_after(when, 2), (user.upn,))


@story(
    "Password spray: 25 accounts, one failed password each, from one address",
    malicious=True,
    fires=("password_spray",),
)
def password_spray(scene: Scene) -> Played:
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
    return Played(start, when, (ip,))


@story(
    "Brute force against one user, ending in a successful sign-in",
    malicious=True,
    fires=("brute_force_then_success",),
)
def brute_force_then_success(scene: Scene) -> Played:
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
    return Played(start, when, (user.upn, ip))


@story("Eight denied MFA prompts, then an approved one", malicious=True, fires=("mfa_fatigue",))
def mfa_fatigue(scene: Scene) -> Played:
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
    return Played(start, when, (user.upn, ip))


@story(
    "A traveller in two countries with a plausible gap, both seen before",
    must_not_fire=("impossible_travel", "new_country_signin"),
)
def frequent_traveller(scene: Scene) -> Played:
    """Lee starts the week in London and flies home; later he flies Seattle -> London, 11 hours apart."""
    user = scene.user("lee.gu")
    scene.time.reserve(user.name, 0, 1, -2)
    scene.log.sign_in(user, scene.at(0, "09:00"), ip=LONDON_OFFICE_IP, place=LONDON, app=OFFICE_HOME)
    scene.log.sign_in(user, scene.at(1, "11:00"), ip=user.home_ip, place=SEATTLE, app=OFFICE_HOME)
    start = scene.at(-2, "07:00")
    scene.log.sign_in(user, start, ip=user.home_ip, place=SEATTLE, app=OFFICE_HOME)
    end = scene.at(-2, "18:30")
    scene.log.sign_in(user, end, ip=LONDON_OFFICE_IP, place=LONDON, app=OFFICE_HOME)
    return Played(start, end, (user.upn,))


@story(
    "Two successful sign-ins from the US and Nigeria 35 minutes apart",
    malicious=True,
    fires=("impossible_travel", "new_country_signin"),
)
def impossible_travel(scene: Scene) -> Played:
    """Adele signs in from home in Seattle; 35 minutes later her account signs in from Lagos."""
    user = scene.user("adele.vance")
    scene.time.reserve(user.name, -2)
    start = scene.at(-2, "09:05")
    scene.log.sign_in(user, start, ip=user.home_ip, app=OFFICE_HOME)
    end = minutes_after(start, 35)
    scene.log.sign_in(user, end, ip="192.0.2.150", place=LAGOS, app=OUTLOOK_WEB, device=unmanaged())
    return Played(start, end, (user.upn, "192.0.2.150"))


@story("A successful high-risk sign-in still at risk", malicious=True, fires=("risky_signin",))
def risky_signin(scene: Scene) -> Played:
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
    return Played(when, when, (user.upn, "192.0.2.210"))


@story(
    "A single-factor Azure AD PowerShell sign-in",
    malicious=True,
    fires=("powershell_single_factor_signin", "anomalous_user_agent"),
)
def single_factor_powershell(scene: Scene) -> Played:
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
    return Played(when, when, (user.upn, "192.0.2.220"))


@story("A successful IMAP4 sign-in", malicious=True, fires=("legacy_auth_signin",))
def legacy_auth_signin(scene: Scene) -> Played:
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
    return Played(when, when, (user.upn, "192.0.2.200"))


@story(
    "A successful sign-in from a country new for the user",
    malicious=True,
    fires=("new_country_signin",),
    must_not_fire=("impossible_travel",),
)
def new_country_signin(scene: Scene) -> Played:
    """Joni's account signs in from Brazil, a country it has never used, hours after her last sign-in."""
    user = scene.user("joni.sherman")
    scene.time.reserve(user.name, -1)
    when = scene.at(-1, "02:30")
    scene.log.sign_in(user, when, ip="192.0.2.180", place=SAO_PAULO, app=OUTLOOK_WEB, device=unmanaged())
    return Played(when, when, (user.upn, "192.0.2.180"))


@story(
    "A successful sign-in with a never-seen user agent (python-requests)",
    malicious=True,
    fires=("anomalous_user_agent",),
)
def python_user_agent(scene: Scene) -> Played:
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
    return Played(when, when, (user.upn, "192.0.2.230"))


@story(
    "One failed token refresh for a just-disabled account from the user's own phone",
    must_not_fire=("disabled_account_signin_attempts",),
)
def disabled_account_phone_once(scene: Scene) -> Played:
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
    return Played(when, when, (user.upn, user.home_ip))


@story(
    "Repeated sign-ins to a disabled account from the intruder's address",
    malicious=True,
    fires=("disabled_account_signin_attempts",),
)
def disabled_account_token_reuse(scene: Scene) -> Played:
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
    return Played(start, when, (user.upn, ATTACKER_AZURE_IP))


@story(
    "A single-factor Microsoft Graph PowerShell session replayed from a cloud host, non-interactive only",
    malicious=True,
    fires=("powershell_single_factor_signin", "anomalous_user_agent", "new_country_signin"),
)
def graph_powershell_token_replay(scene: Scene) -> Played:
    """A refresh token stolen from Alex's single-factor Graph PowerShell session is replayed from a cloud
    host: the sign-ins show up only in the non-interactive table."""
    user = scene.user("alex.wilber")
    scene.time.reserve(user.name, -1)
    start = scene.at(-1, "14:10")
    for minutes in (0, 17, 41):
        scene.log.sign_in(
            user,
            minutes_after(start, minutes),
            ip="192.0.2.91",
            place=AMSTERDAM,
            app=GRAPH_POWERSHELL,
            user_agent=GRAPH_POWERSHELL_AGENT,
            mfa=False,
            client_app="Mobile Apps and Desktop clients",
            device=unmanaged(),
            interactive=False,
        )
    return Played(start, minutes_after(start, 41), (user.upn, "192.0.2.91"))


@story(
    "A single-factor Azure CLI sign-in",
    malicious=True,
    fires=("powershell_single_factor_signin", "anomalous_user_agent"),
)
def azure_cli_single_factor(scene: Scene) -> Played:
    """Grady's password alone signs in to the Azure CLI from an unknown address."""
    user = scene.user("grady.archie")
    scene.time.reserve(user.name, -2)
    when = scene.at(-2, "15:45")
    scene.log.sign_in(
        user,
        when,
        ip="192.0.2.230",
        place=ASHBURN,
        app=AZURE_CLI,
        user_agent=AZURE_CLI_AGENT,
        mfa=False,
        client_app="Mobile Apps and Desktop clients",
        device=unmanaged(),
    )
    return Played(when, when, (user.upn, "192.0.2.230"))
