"""The rule kinds the seed needs, end to end against the emulator: NRT, incident creation from Microsoft
security alerts, per-detection targets, and Monitor rules of two environments in one resource group."""

from __future__ import annotations

from kqlrules.deploy import Action, Deployable, Environment, RuleStore, apply_plan, open_stores
from kqlrules.deploy.emulator import ArmEmulator, EmulatorCredential
from kqlrules.deploy.targets import MonitorTarget
from kqlrules.rules.incident_creation import IncidentCreationRule

from .conftest import Portal, deployable, make_environment, plan_for

INCIDENTS = IncidentCreationRule(
    id="e0c9f129-2030-4328-aad8-cfba25dfd7e9",
    kind="MicrosoftSecurityIncidentCreation",
    name="Identity Protection alerts",
    description="One incident per Identity Protection alert.",
    product="Azure Active Directory Identity Protection",
    severities=["High", "Medium"],
    display_names={"exclude": ["Unfamiliar sign-in properties"]},
)


def changes(plan: object) -> list[tuple[str, str, str]]:
    return sorted((c.target, c.action.value, c.name[:36]) for c in plan.changes)  # type: ignore[attr-defined]


def test_an_nrt_rule_is_created_then_unchanged(
    environment: Environment, stores: dict[str, RuleStore], portal: Portal
) -> None:
    nrt = deployable(1, sentinel={"kind": "NRT"})
    assert not apply_plan(plan_for([nrt], environment, stores), stores).failed
    live = portal.get("sentinel", nrt.id)
    assert live["kind"] == "NRT"
    assert "queryFrequency" not in live["properties"] and "triggerOperator" not in live["properties"]
    assert live["properties"]["subTechniques"] == ["T1110.001"]
    assert plan_for([nrt], environment, stores).pending == []


def test_an_incident_creation_rule_is_planned_applied_and_pruned(
    environment: Environment, stores: dict[str, RuleStore], portal: Portal
) -> None:
    item = Deployable(INCIDENTS, "")
    plan = plan_for([item], environment, stores)
    assert changes(plan) == [("sentinel", "create", INCIDENTS.id)]  # a Sentinel rule only
    assert not apply_plan(plan, stores).failed
    live = portal.get("sentinel", INCIDENTS.id)
    assert live["kind"] == "MicrosoftSecurityIncidentCreation"
    assert live["properties"]["productFilter"] == "Azure Active Directory Identity Protection"
    assert live["properties"]["displayNamesExcludeFilter"] == ["Unfamiliar sign-in properties"]
    assert plan_for([item], environment, stores).pending == []
    portal.edit("sentinel", INCIDENTS.id, severitiesFilter=["High"])
    [update] = plan_for([item], environment, stores).pending
    assert [f.path for f in update.fields] == ["properties.severitiesFilter"]
    pruned = plan_for([], environment, stores, prune=True)
    assert changes(pruned) == [("sentinel", "delete", INCIDENTS.id)]


def test_a_detection_deploys_only_to_its_targets(
    environment: Environment, stores: dict[str, RuleStore]
) -> None:
    only_sentinel = deployable(1, targets=["sentinel"])
    only_monitor = deployable(2, targets=["monitor"])
    plan = plan_for([only_sentinel, only_monitor], environment, stores)
    assert changes(plan) == [("monitor", "create", only_monitor.id), ("sentinel", "create", only_sentinel.id)]


def test_two_environments_in_one_resource_group_never_touch_each_others_rules(emulator: ArmEmulator) -> None:
    dev = make_environment(emulator.url, workspace="dev-ws", targets=["monitor"])
    prod = make_environment(emulator.url, workspace="prod-ws", targets=["monitor"])
    dev_stores = open_stores(dev, EmulatorCredential.for_endpoint(dev.arm_endpoint), retry_total=0)
    prod_stores = open_stores(prod, EmulatorCredential.for_endpoint(prod.arm_endpoint), retry_total=0)
    item = deployable(1)
    assert not apply_plan(plan_for([item], dev, dev_stores), dev_stores).failed
    prod_plan = plan_for([item], prod, prod_stores)
    assert [(c.action, c.name) for c in prod_plan.changes] == [(Action.create, f"{item.id}-prod-ws")]
    assert not apply_plan(prod_plan, prod_stores).failed
    # prod without the detection prunes its own rule only; dev's stays.
    pruned = plan_for([], prod, prod_stores, prune=True)
    assert [(c.action, c.name) for c in pruned.changes] == [(Action.delete, f"{item.id}-prod-ws")]
    assert not apply_plan(pruned, prod_stores).failed
    assert plan_for([item], dev, dev_stores).pending == []


def test_rule_resolve_configuration_is_compared_in_one_form() -> None:
    target = MonitorTarget()
    ours = {"properties": {"ruleResolveConfiguration": {"autoResolved": True, "timeToResolve": "PT60M"}}}
    theirs = {"properties": {"ruleResolveConfiguration": {"autoResolved": True, "timeToResolve": "PT1H"}}}
    assert target.normalise(ours) == target.normalise(theirs)
    absent = {"properties": {}}
    defaults = {"properties": {"ruleResolveConfiguration": {"autoResolved": False}}}
    assert target.normalise(absent) == target.normalise(defaults)
    assert target.normalise(ours) != target.normalise(absent)


def test_a_stable_api_put_loses_sub_techniques_so_kqlrules_sends_them_with_the_preview(
    emulator: ArmEmulator, portal: Portal, environment: Environment, stores: dict[str, RuleStore]
) -> None:
    item = deployable(1, targets=["sentinel"])
    [change] = plan_for([item], environment, stores).changes
    assert change.body is not None
    status, stored = portal.call("PUT", "sentinel", item.id, change.body, version="2025-09-01")
    assert status == 201 and "subTechniques" not in stored["properties"]
    [drifted] = plan_for([item], environment, stores).pending
    assert [f.path for f in drifted.fields] == ["properties.subTechniques"]
    assert not apply_plan(plan_for([item], environment, stores), stores).failed
    assert plan_for([item], environment, stores).pending == []


def test_an_incident_creation_rule_for_a_preview_only_product_is_sent_with_the_preview(
    environment: Environment, stores: dict[str, RuleStore], portal: Portal
) -> None:
    """Defender for Endpoint is a MicrosoftSecurityProductName of 2025-07-01-preview only: a stable PUT
    would be refused, so the rule goes with the preview and plans unchanged afterwards."""
    mdatp = INCIDENTS.model_copy(
        update={
            "id": "5b0f7a3e-6f1c-4b8e-9a0d-2c7e1f4a9b63",
            "product": "Microsoft Defender Advanced Threat Protection",
        }
    )
    item = Deployable(mdatp, "")
    assert not apply_plan(plan_for([item], environment, stores), stores).failed
    assert portal.get("sentinel", mdatp.id)["properties"]["productFilter"] == mdatp.product
    assert plan_for([item], environment, stores).pending == []


def test_a_rule_overriding_sub_techniques_per_alert_is_sent_with_the_preview(
    environment: Environment, stores: dict[str, RuleStore], portal: Portal
) -> None:
    """AlertProperty SubTechniques is 2025-07-01-preview's only; without sub-techniques of its own the rule
    would otherwise go with the stable version, which refuses it."""
    item = deployable(
        3,
        techniques=["T1110"],
        alert={"title": "Failed sign-ins", "dynamic_properties": {"SubTechniques": "Failures"}},
    )
    assert not apply_plan(plan_for([item], environment, stores), stores).failed
    override = portal.get("sentinel", item.id)["properties"]["alertDetailsOverride"]
    assert override["alertDynamicProperties"] == [{"alertProperty": "SubTechniques", "value": "Failures"}]
    assert plan_for([item], environment, stores).pending == []
