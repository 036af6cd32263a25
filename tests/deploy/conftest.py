"""An ARM emulator on 127.0.0.1 per test, an environment pointing at it, and detections to deploy."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from kqlrules.deploy import (
    Deployable,
    Environment,
    Plan,
    RuleStore,
    build_plan,
    environment_from_table,
    open_stores,
)
from kqlrules.deploy.emulator import ArmEmulator, EmulatorCredential
from kqlrules.rules.model import Detection

SUBSCRIPTION = "00000000-0000-0000-0000-0000000000aa"
ACTION_GROUP = (
    f"/subscriptions/{SUBSCRIPTION}/resourceGroups/soc/providers/microsoft.insights/actionGroups/oncall"
)
QUERY = (
    "SigninLogs\n| where ResultType != 0\n| summarize Failures = count() by UserPrincipalName, IPAddress\n"
)


def detection(number: int = 1, **changes: Any) -> Detection:
    fields: dict[str, Any] = {
        "id": f"4d1c5f7e-0f6a-4c1e-9b8e-{number:012d}",
        "name": f"Failed sign-ins {number}",
        "description": "Many failed sign-ins from one address.",
        "severity": "Medium",
        "schedule": {"frequency": "1h", "period": "1h"},
        "trigger": {"operator": "gt", "threshold": 5},
        "tactics": ["CredentialAccess"],
        "techniques": ["T1110.001"],
        "entities": {"Account": "UserPrincipalName", "IP": {"Address": "IPAddress"}},
        "custom_details": {"Failures": "Failures"},
        "alert": {"title": "Failed sign-ins for {{UserPrincipalName}}"},
    }
    fields.update(changes)
    return Detection(**fields)


def deployable(number: int = 1, query: str = QUERY, **changes: Any) -> Deployable:
    return Deployable(detection(number, **changes), query)


@pytest.fixture
def emulator() -> Iterator[ArmEmulator]:
    # Small pages so listing follows nextLink; the action group the environments notify exists.
    with ArmEmulator(page_size=2, action_groups=[ACTION_GROUP]) as arm:
        yield arm


def make_environment(url: str, repository: str = "acme/detections", **extra: Any) -> Environment:
    table = {
        "subscription": SUBSCRIPTION,
        "resource_group": "sec-rg",
        "workspace": "sec-ws",
        "location": "West Europe",
        "action_groups": [ACTION_GROUP],
        "arm_endpoint": url,
        "repository": repository,
        **extra,
    }
    return environment_from_table("test", table)


@pytest.fixture
def environment(emulator: ArmEmulator) -> Environment:
    return make_environment(emulator.url)


@pytest.fixture
def stores(environment: Environment) -> dict[str, RuleStore]:
    return open_stores(environment, EmulatorCredential.for_endpoint(environment.arm_endpoint), retry_total=0)


def plan_for(
    items: list[Deployable], environment: Environment, stores: dict[str, RuleStore], prune: bool = False
) -> Plan:
    live = {name: store.list() for name, store in stores.items()}
    return build_plan(items, environment, live, prune=prune)


def monitor_name(name: str, environment: Environment) -> str:
    """A Monitor rule's ARM name: `<detection id>-<workspace>` (a bare detection id is completed)."""
    return f"{name}-{environment.workspace}" if len(name) == 36 and name.count("-") == 4 else name


def without_preview_fields(body: Any) -> Any:
    """A Sentinel body as the stable 2025-09-01 spec (the one in shared/specs) knows it: sub-techniques are
    a 2025-07-01-preview field, sent only with that version."""
    properties = {k: v for k, v in (body.get("properties") or {}).items() if k != "subTechniques"}
    return {**body, "properties": properties}


class Portal:
    """Edits rules the way the portal does: plain ARM calls with a token, outside kqlrules."""

    def __init__(self, emulator: ArmEmulator, environment: Environment) -> None:
        self.base = emulator.url
        self.token = emulator.token
        self.environment = environment

    def path(self, target: str, name: str) -> str:
        env = self.environment
        if target == "actiongroup":
            return name  # the action group's resource id
        if target == "monitor":
            name = monitor_name(name, env)
            rg = f"/subscriptions/{env.subscription}/resourceGroups/{env.resource_group}"
            return f"{rg}/providers/Microsoft.Insights/scheduledQueryRules/{name}"
        return f"{env.workspace_id}/providers/Microsoft.SecurityInsights/alertRules/{name}"

    def call(
        self,
        method: str,
        target: str,
        name: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
        version: str | None = None,
    ) -> tuple[int, Any]:
        # The portal speaks the newest (preview) Sentinel version, so its edits keep sub-techniques.
        version = version or {"monitor": "2023-12-01", "actiongroup": "2023-01-01"}.get(
            target, "2025-07-01-preview"
        )
        request = urllib.request.Request(
            f"{self.base}{self.path(target, name)}?api-version={version}",
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={
                "Authorization": f"Bearer {self.token}",
                "Content-Type": "application/json",
                **(headers or {}),
            },
        )
        try:
            with urllib.request.urlopen(request) as response:
                raw = response.read()
                return response.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def get(self, target: str, name: str) -> Any:
        status, body = self.call("GET", target, name)
        assert status == 200, body
        return body

    def put(self, target: str, name: str, body: Any) -> Any:
        status, result = self.call("PUT", target, name, body)
        assert status in (200, 201), result
        return result

    def edit(self, target: str, name: str, **properties: Any) -> None:
        body = self.get(target, name)
        body["properties"].update(properties)
        self.put(target, name, body)


@pytest.fixture
def portal(emulator: ArmEmulator, environment: Environment) -> Portal:
    return Portal(emulator, environment)
