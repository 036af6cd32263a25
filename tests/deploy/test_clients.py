"""What the real SDK clients send to the emulator: api-versions, tokens, conditions, https rules."""

from __future__ import annotations

import pytest

from kqlrules.deploy import Environment, RuleStore, apply_plan, open_stores
from kqlrules.deploy.arm import ArmError
from kqlrules.deploy.emulator import ArmEmulator
from kqlrules.deploy.environment import DeployConfigError, arm_credential, environment_from_table
from kqlrules.errors import KqlrulesError
from kqlrules.rules import PLACEHOLDER_ID

from .conftest import SUBSCRIPTION, deployable, plan_for


class NoToken:
    def get_token(self, *scopes: str, **kwargs: object) -> object:
        from azure.core.credentials import AccessToken

        return AccessToken("", 0)


def test_each_rule_goes_out_at_the_api_version_of_its_kind(
    emulator: ArmEmulator, environment: Environment, stores: dict[str, RuleStore]
) -> None:
    plain = deployable(1, techniques=["T1110"])
    with_sub_technique = deployable(2, techniques=["T1110.001"])
    nrt = deployable(3, techniques=["T1110"], sentinel={"kind": "NRT"})
    apply_plan(plan_for([plain, with_sub_technique, nrt], environment, stores), stores)
    puts = {(r.path.rsplit("/", 1)[-1], r.api_version) for r in emulator.requests if r.method == "PUT"}
    sentinel = {(name, version) for name, version in puts if len(name) == 36}
    assert sentinel == {
        (plain.id, "2025-09-01"),
        (with_sub_technique.id, "2025-07-01-preview"),
        (nrt.id, "2025-07-01-preview"),
    }
    assert {version for name, version in puts if len(name) != 36} == {"2023-12-01"}
    lists = {r.api_version for r in emulator.requests if r.method == "GET" and "alertRules" in r.path}
    assert lists == {"2025-07-01-preview"}  # the version that lists every kind with every field


def test_every_request_carries_the_credentials_bearer_token(
    emulator: ArmEmulator, environment: Environment, stores: dict[str, RuleStore]
) -> None:
    plan_for([deployable(1)], environment, stores)
    assert {r.headers.get("Authorization") for r in emulator.requests} == {f"Bearer {emulator.token}"}


def test_creates_are_conditional_on_absence_and_updates_on_the_planned_etag(
    emulator: ArmEmulator, environment: Environment, stores: dict[str, RuleStore]
) -> None:
    apply_plan(plan_for([deployable(1)], environment, stores), stores)
    creates = [r for r in emulator.requests if r.method == "PUT"]
    assert {r.headers.get("If-None-Match") for r in creates} == {"*"}
    plan = plan_for([deployable(1, severity="High")], environment, stores)
    etags = {c.target: c.etag for c in plan.pending}
    apply_plan(plan, stores)
    updates = [r for r in emulator.requests if r.method == "PUT"][2:]
    sent = {("monitor" if "scheduledQueryRules" in r.path else "sentinel"): r for r in updates}
    assert sent["monitor"].headers.get("If-Match") == etags["monitor"]
    assert sent["sentinel"].body["etag"] == etags["sentinel"]


def test_monitor_rules_leave_query_validation_on_and_scope_the_workspace(
    emulator: ArmEmulator, environment: Environment, stores: dict[str, RuleStore]
) -> None:
    apply_plan(plan_for([deployable(1)], environment, stores), stores)
    body = next(r.body for r in emulator.requests if r.method == "PUT" and "scheduledQueryRules" in r.path)
    assert body["properties"]["skipQueryValidation"] is False
    assert body["properties"]["scopes"] == [environment.workspace_id]


def test_an_empty_token_is_refused_with_a_sign_in_hint(
    emulator: ArmEmulator, environment: Environment
) -> None:
    stores = open_stores(environment, NoToken(), retry_total=0)  # type: ignore[arg-type]
    with pytest.raises(ArmError) as error:
        stores["sentinel"].list()
    assert "not authenticated" in str(error.value)
    assert "hint" in str(error.value)


@pytest.mark.parametrize("endpoint", ["http://management.example.com", "http://10.0.0.5:8080"])
def test_plain_http_is_refused_except_on_loopback(endpoint: str) -> None:
    table = {
        "subscription": SUBSCRIPTION,
        "resource_group": "rg",
        "workspace": "ws",
        "location": "westeurope",
    }
    with pytest.raises(DeployConfigError, match="must be https"):
        environment_from_table("prod", {**table, "arm_endpoint": endpoint})
    assert environment_from_table("dev", {**table, "arm_endpoint": "http://127.0.0.1:9"}).is_loopback


class FailingCredential:
    def get_token(self, *scopes: str, **kwargs: object) -> object:
        from azure.core.exceptions import ClientAuthenticationError

        raise ClientAuthenticationError("no account signed in")


def test_a_credential_that_cannot_sign_in_is_a_clear_error(environment: Environment) -> None:
    stores = open_stores(environment, FailingCredential(), retry_total=0)  # type: ignore[arg-type]
    expected = "listing Azure Monitor rules in sec-rg: no account signed in"
    with pytest.raises(ArmError, match=expected) as error:
        stores["monitor"].list()
    assert "az login" in str(error.value)


def test_an_environment_names_where_its_rules_go() -> None:
    with pytest.raises(DeployConfigError, match="lacks resource_group, location"):
        environment_from_table("prod", {"subscription": SUBSCRIPTION, "workspace": "ws"})
    sentinel_only = {
        "subscription": SUBSCRIPTION,
        "resource_group": "rg",
        "workspace": "ws",
        "targets": ["sentinel"],
    }
    assert environment_from_table("prod", sentinel_only).targets == ("sentinel",)


def test_the_placeholder_subscription_kqlrules_init_writes_never_reaches_azure() -> None:
    scaffold = {"subscription": PLACEHOLDER_ID, "resource_group": "rg", "workspace": "ws"}
    placeholder = environment_from_table("prod", {**scaffold, "targets": ["sentinel"]})
    with pytest.raises(DeployConfigError, match="subscription is still the placeholder") as error:
        arm_credential(placeholder)
    assert "az account show" in (error.value.hint or "")
    # The local ARM emulator takes any id: tests and the demo may keep the placeholder.
    local = environment_from_table("prod", {**scaffold, "arm_endpoint": "http://127.0.0.1:9", "targets": []})
    with pytest.raises(
        KqlrulesError, match="no token for the ARM emulator"
    ):  # past the check: no emulator runs
        arm_credential(local)
