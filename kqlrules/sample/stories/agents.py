"""AI agent stories (Microsoft Entra Agent ID): agent users signing in from fixed Azure infrastructure, a
stolen agent token used from abroad against a new resource, an agent moved to a new Azure address, and
Identity Protection's risk state for agents (AADRiskyAgents).

Agent sign-ins carry the `Agent` column (the signIn resource's `agent`: agentType agentIDuser for an agent
user); people's sign-ins leave it empty. Each story writes its agent's baseline (two token refreshes a day
from the agent's Azure address since the start of the week) and reports only the moment that matters as its
window, so the baseline counts as background.
"""

from __future__ import annotations

from datetime import datetime

from kqlrules.sample.directory import AMSTERDAM, DOMAIN, LAGOS, App, Device, Place, User
from kqlrules.sample.services import risky_agent
from kqlrules.sample.stories.catalogue import Played, Scene, story
from kqlrules.sample.stories.shared import minutes_after

GRAPH = ("Microsoft Graph", "00000003-0000-0000-c000-000000000000")
KEY_VAULT = ("Azure Key Vault", "cfa8b339-82a2-471a-a3c9-0fc0be7a4093")
# Agents have no device of their own: their sign-ins carry an empty DeviceDetail.
_NO_DEVICE = Device("", "", "", "", "", "")
AGENT_USER_AGENT = "Microsoft-Agent-SDK/1.4 (Linux; Python 3.12)"


def _agent(name: str, agent_id: str, ip: str) -> User:
    return User(
        f"{name}@{DOMAIN}",
        name.replace("-", " ").title(),
        agent_id,
        AMSTERDAM,
        ip,
        ip,
        _NO_DEVICE,
        "AI agents",
    )


# Fixed ids: the agents are the same objects in every story that names them.
INVOICE_AGENT = _agent("invoice-agent", "a9e1c000-7f3b-4c2d-9e10-5d2b8c0a0001", "20.50.2.10")
HELPDESK_AGENT = _agent("helpdesk-agent", "a9e1c000-7f3b-4c2d-9e10-5d2b8c0a0002", "20.50.2.20")
_BLUEPRINTS = {
    INVOICE_AGENT.id: "b1b1b1b1-2c3d-4e5f-8a9b-0c1d2e3f4a01",
    HELPDESK_AGENT.id: "b1b1b1b1-2c3d-4e5f-8a9b-0c1d2e3f4a02",
}


def _app(agent: User, resource: tuple[str, str]) -> App:
    return App(agent.display_name, "5b2c0000-3d4e-4f60-8a71-" + agent.id[-12:], *resource)


def _refresh(
    scene: Scene,
    agent: User,
    when: datetime,
    *,
    ip: str,
    resource: tuple[str, str] = GRAPH,
    place: Place | None = None,
) -> None:
    scene.log.sign_in(
        agent,
        when,
        ip=ip,
        place=place or agent.place,
        app=_app(agent, resource),
        user_agent=AGENT_USER_AGENT,
        mfa=False,
        client_app="Mobile Apps and Desktop clients",
        device={},
        interactive=False,
        agentic={
            "agentType": "agentIDuser",
            "agentSubjectType": "agentIDuser",
            "agentSubjectParentId": _BLUEPRINTS[agent.id],
        },
    )


def _baseline(scene: Scene, agent: User, until_day: int) -> None:
    """Two token refreshes a day from the agent's own Azure address to Microsoft Graph."""
    for day in range(0, scene.time.index(until_day)):
        for clock in ("02:00", "14:00"):
            _refresh(scene, agent, scene.at(day, clock), ip=agent.office_ip)


@story(
    "An AI agent's token used from abroad against Key Vault",
    malicious=True,
    fires=("anomalous_agent_signin", "new_country_signin"),
)
def agent_token_used_from_abroad(scene: Scene) -> Played:
    """The invoice agent's refresh token, stolen from its host, is replayed from Lagos to read Key Vault."""
    agent = INVOICE_AGENT
    _baseline(scene, agent, -1)
    when = scene.at(-1, "04:10")
    _refresh(scene, agent, when, ip="198.51.100.201", place=LAGOS)
    later = minutes_after(when, 12)
    _refresh(scene, agent, later, ip="198.51.100.201", place=LAGOS, resource=KEY_VAULT)
    return Played(when, later, (agent.upn,))


@story(
    "An AI agent moved to a new Azure address in its usual region",
    must_not_fire=("anomalous_agent_signin",),
)
def agent_moves_to_new_azure_address(scene: Scene) -> Played:
    """The helpdesk agent's container is redeployed: a new address, the same country and the same API."""
    agent = HELPDESK_AGENT
    _baseline(scene, agent, -3)
    when = scene.at(-3, "10:15")
    _refresh(scene, agent, when, ip="20.50.2.21")
    later = minutes_after(when, 30)
    _refresh(scene, agent, later, ip="20.50.2.21")
    return Played(when, later, (agent.upn,))


@story(
    "Identity Protection rates the replayed AI agent high risk",
    malicious=True,
    fires=("risky_agent",),
)
def agent_rated_high_risk(scene: Scene) -> Played:
    """After the replay from Lagos, Identity Protection marks the invoice agent at high risk."""
    agent = INVOICE_AGENT
    when = scene.at(-1, "05:20")
    risky_agent(
        scene.log,
        when,
        agent_id=agent.id,
        name=agent.display_name,
        identity_type="AgentUser",
        level="high",
        state="atRisk",
        detail="none",
    )
    return Played(when, when, (agent.id,))


@story(
    "A low-risk AI agent detection dismissed by an administrator",
    must_not_fire=("risky_agent",),
)
def agent_risk_dismissed(scene: Scene) -> Played:
    """The helpdesk agent is rated low risk after its redeployment; an admin confirms it safe."""
    agent = HELPDESK_AGENT
    when = scene.at(-3, "11:05")
    risky_agent(
        scene.log,
        when,
        agent_id=agent.id,
        name=agent.display_name,
        identity_type="AgentUser",
        level="low",
        state="atRisk",
        detail="none",
    )
    later = minutes_after(when, 20)
    risky_agent(
        scene.log,
        later,
        agent_id=agent.id,
        name=agent.display_name,
        identity_type="AgentUser",
        level="none",
        state="confirmedSafe",
        detail="adminConfirmedAgentSafe",
    )
    return Played(when, later, (agent.id,))
