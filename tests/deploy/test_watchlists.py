"""Watchlists through deploy: plan/apply against the local ARM emulator's Watchlists API (the SDK's own
pipeline over real HTTP), and the emulator's validation rules from Watchlists.json."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from azure.core.rest import HttpRequest

from kqlrules.deploy import Environment, Plan, apply_plan
from kqlrules.deploy.emulator import ArmEmulator, EmulatorCredential
from kqlrules.deploy.plan import Action
from kqlrules.deploy.watchlists import TARGET, WatchlistStore, add_watchlists, watchlist_body
from kqlrules.watchlists import load_watchlists

from .conftest import make_environment

ADMINS = "UserPrincipalName,ObjectId\nbg1@contoso.com,1\nbg2@contoso.com,2\n"


def write(root: Path, text: str = ADMINS, name: str = "admins") -> None:
    (root / "watchlists").mkdir(exist_ok=True)
    (root / "watchlists" / f"{name}.csv").write_text(text)


def plan_for(root: Path, environment: Environment, prune: bool = False) -> tuple[Plan, dict[str, Any]]:
    plan, stores = Plan(environment.name), {}
    add_watchlists(
        plan,
        stores,
        environment,
        root,
        EmulatorCredential.for_endpoint(environment.arm_endpoint),
        prune=prune,
    )
    return plan, stores


def apply(root: Path, environment: Environment, prune: bool = False) -> Plan:
    plan, stores = plan_for(root, environment, prune)
    report = apply_plan(plan, stores)
    assert not report.failed, [str(o.error) for o in report.failed]
    return plan


def live_items(environment: Environment, alias: str = "admins") -> list[dict[str, str]]:
    store = WatchlistStore(environment, EmulatorCredential.for_endpoint(environment.arm_endpoint))
    found = {w.alias: w for w in store.watchlists()}
    return sorted((found[alias].items), key=lambda item: item["UserPrincipalName"])


def test_a_new_watchlist_is_created_with_its_items_then_plans_no_op(
    tmp_path: Path, environment: Environment
) -> None:
    write(tmp_path)
    plan = apply(tmp_path, environment)
    assert [(c.action, c.target, c.name) for c in plan.changes] == [(Action.create, TARGET, "admins")]
    assert live_items(environment) == [
        {"UserPrincipalName": "bg1@contoso.com", "ObjectId": "1"},
        {"UserPrincipalName": "bg2@contoso.com", "ObjectId": "2"},
    ]
    again, _ = plan_for(tmp_path, environment)
    assert [c.action for c in again.changes] == [Action.noop]


def test_an_edited_csv_updates_items_one_by_one(tmp_path: Path, environment: Environment) -> None:
    write(tmp_path)
    apply(tmp_path, environment)
    write(tmp_path, "UserPrincipalName,ObjectId\nbg1@contoso.com,1\nbg3@contoso.com,3\n")
    plan = apply(tmp_path, environment)
    assert [c.action for c in plan.changes] == [Action.update]
    changed = {f.path for f in plan.changes[0].fields}
    assert any(path.startswith("items") for path in changed)
    assert [i["UserPrincipalName"] for i in live_items(environment)] == ["bg1@contoso.com", "bg3@contoso.com"]
    assert [c.action for c in plan_for(tmp_path, environment)[0].changes] == [Action.noop]


def test_a_changed_search_key_is_blocked_not_rewritten(tmp_path: Path, environment: Environment) -> None:
    write(tmp_path)
    apply(tmp_path, environment)
    (tmp_path / "watchlists" / "admins.yaml").write_text("search_key: ObjectId\n")
    plan, _ = plan_for(tmp_path, environment)
    assert [c.action for c in plan.changes] == [Action.blocked]
    assert "search key" in plan.changes[0].reason


def test_prune_deletes_only_this_repositorys_watchlists(
    tmp_path: Path, emulator: ArmEmulator, environment: Environment
) -> None:
    write(tmp_path)
    write(tmp_path, "Cidr\n10.0.0.0/8\n", name="ranges")
    apply(tmp_path, environment)
    other = tmp_path / "other"
    other.mkdir()
    write(other, "Host\nsrv1\n", name="hosts")
    apply(other, make_environment(emulator.url, repository="someone/else"))
    (tmp_path / "watchlists" / "ranges.csv").unlink()
    plan = apply(tmp_path, environment, prune=True)
    assert {(c.action, c.name) for c in plan.changes} == {(Action.noop, "admins"), (Action.delete, "ranges")}
    aliases = {
        w.alias
        for w in WatchlistStore(
            environment, EmulatorCredential.for_endpoint(environment.arm_endpoint)
        ).watchlists()
    }
    assert aliases == {"admins", "hosts"}


def test_a_watchlist_of_another_repository_is_blocked(
    tmp_path: Path, emulator: ArmEmulator, environment: Environment
) -> None:
    write(tmp_path)
    apply(tmp_path, make_environment(emulator.url, repository="someone/else"))
    plan, _ = plan_for(tmp_path, environment)
    assert [c.action for c in plan.changes] == [Action.blocked]


def test_a_monitor_only_environment_has_no_watchlists(tmp_path: Path, emulator: ArmEmulator) -> None:
    write(tmp_path)
    plan, stores = plan_for(tmp_path, make_environment(emulator.url, targets=["monitor"]))
    assert plan.changes == [] and TARGET not in stores


# -- the emulator's own rules (Watchlists.json) -------------------------------------------------------------
def send(
    environment: Environment, method: str, path: str, body: Any = None, version: str = "2025-09-01"
) -> Any:
    store = WatchlistStore(environment, EmulatorCredential.for_endpoint(environment.arm_endpoint))
    url = store._client.format_url(f"{environment.workspace_id}/providers/Microsoft.SecurityInsights/{path}")
    request = HttpRequest(method, f"{url}?api-version={version}", json=body)
    return store._client.send_request(request, enforce_https=False)


def valid_body(tmp_path: Path) -> dict[str, Any]:
    write(tmp_path)
    return watchlist_body(load_watchlists(tmp_path)["admins"], "acme/detections")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"displayName": None}, "properties.displayName: required"),
        ({"provider": ""}, "properties.provider: required"),
        ({"itemsSearchKey": "Nope"}, "Nope is not a column of rawContent"),
        ({"contentType": "application/json"}, "must be text/csv or text/tsv"),
        ({"sourceType": "Remote"}, "is not one of Local, AzureStorage"),
        ({"numberOfLinesToSkip": -1}, "non-negative int32"),
        ({"labels": "x"}, "array of strings"),
        ({"defaultDuration": "5 days"}, "not an ISO 8601 duration"),
        ({"provisioningState": "Succeeded"}, "read-only"),
        ({"colour": "red"}, "not a property of WatchlistProperties"),
        ({"watchlistAlias": "other"}, "is not the alias in the path"),
    ],
)
def test_the_emulator_refuses_what_the_spec_refuses(
    tmp_path: Path, environment: Environment, change: dict[str, Any], message: str
) -> None:
    body = valid_body(tmp_path)
    body["properties"].update(change)
    response = send(environment, "PUT", "watchlists/admins", body)
    assert response.status_code == 400
    assert message in response.text()
    assert send(environment, "PUT", "watchlists/admins", valid_body(tmp_path)).status_code == 201


def test_the_emulator_checks_the_api_version_and_items(tmp_path: Path, environment: Environment) -> None:
    assert send(environment, "GET", "watchlists", version="2019-01-01-preview").status_code == 400
    assert send(environment, "PUT", "watchlists/admins", valid_body(tmp_path)).status_code == 201
    got = send(environment, "GET", "watchlists/admins").json()
    assert got["properties"]["watchlistAlias"] == "admins" and "rawContent" not in got["properties"]
    item = "watchlists/admins/watchlistItems/3f1d1e4e-9a59-4f1b-8f0a-2f4f3e7d9c11"
    assert (
        send(environment, "PUT", item, {"properties": {"itemsKeyValue": {"Colour": "x"}}}).status_code == 400
    )
    assert send(environment, "PUT", item, {"properties": {}}).status_code == 400
    ok = {"properties": {"itemsKeyValue": {"UserPrincipalName": "bg9@contoso.com", "ObjectId": "9"}}}
    assert send(environment, "PUT", item, ok).status_code == 201
    assert send(environment, "PUT", "watchlists/admins/watchlistItems/not-a-guid", ok).status_code == 400
    assert send(environment, "DELETE", "watchlists/admins").status_code in (202, 204)
    assert send(environment, "GET", "watchlists/admins/watchlistItems").status_code == 404
