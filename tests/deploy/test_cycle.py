"""Plan and apply against the ARM emulator through the real SDK clients."""

from __future__ import annotations

import pytest

from kqlrules.deploy import Action, ConcurrencyConflict, Environment, RuleStore, apply_plan, drift
from kqlrules.deploy.emulator import ArmEmulator

from .conftest import Portal, deployable, make_environment, plan_for


def actions(plan: object) -> list[tuple[str, str, str]]:
    return sorted((c.target, c.action.value, c.name[:36][-2:]) for c in plan.changes)  # type: ignore[attr-defined]


def test_first_plan_creates_every_rule_on_every_target(
    environment: Environment, stores: dict[str, RuleStore]
) -> None:
    plan = plan_for([deployable(1), deployable(2)], environment, stores)
    assert actions(plan) == [
        ("monitor", "create", "01"),
        ("monitor", "create", "02"),
        ("sentinel", "create", "01"),
        ("sentinel", "create", "02"),
    ]


def test_apply_then_plan_shows_no_changes(environment: Environment, stores: dict[str, RuleStore]) -> None:
    items = [deployable(n) for n in (1, 2, 3)]
    report = apply_plan(plan_for(items, environment, stores), stores)
    assert not report.failed
    again = plan_for(items, environment, stores)
    assert again.pending == []
    assert again.count(Action.noop) == 6


def test_spellings_of_durations_operators_and_whitespace_are_not_changes(
    environment: Environment, stores: dict[str, RuleStore], portal: Portal
) -> None:
    item = deployable(1)
    apply_plan(plan_for([item], environment, stores), stores)
    portal.edit(
        "sentinel",
        item.id,
        queryFrequency="PT60M",
        queryPeriod="PT3600S",
        query=item.query.replace("\n", "   \r\n"),
    )
    monitor = portal.get("monitor", item.id)
    monitor["properties"]["windowSize"] = "PT60M"
    monitor["properties"]["scopes"] = [s.upper() for s in monitor["properties"]["scopes"]]
    portal.put("monitor", item.id, monitor)
    assert plan_for([item], environment, stores).pending == []


def test_a_changed_detection_is_an_update_with_field_level_diff(
    environment: Environment, stores: dict[str, RuleStore]
) -> None:
    apply_plan(plan_for([deployable(1)], environment, stores), stores)
    plan = plan_for([deployable(1, trigger={"operator": "gt", "threshold": 9})], environment, stores)
    fields = {c.target: [(f.path, f.before, f.after) for f in c.fields] for c in plan.pending}
    assert fields == {
        "sentinel": [("properties.triggerThreshold", 5, 9)],
        "monitor": [("properties.criteria.allOf[0].threshold", 5.0, 9.0)],
    }


def test_a_portal_edit_shows_as_drift(
    environment: Environment, stores: dict[str, RuleStore], portal: Portal
) -> None:
    item = deployable(1)
    apply_plan(plan_for([item], environment, stores), stores)
    portal.edit("sentinel", item.id, severity="Low", enabled=False)
    reported = drift(plan_for([item], environment, stores))
    changed = [c for c in reported.changes if c.action is Action.update]
    assert [(c.target, c.reason) for c in changed] == [("sentinel", "edited in Azure")]
    assert [(f.path, f.before, f.after) for f in changed[0].fields] == [
        ("properties.enabled", True, False),
        ("properties.severity", "Medium", "Low"),
    ]


def test_a_rule_deleted_in_the_portal_shows_as_drift(
    environment: Environment, stores: dict[str, RuleStore], portal: Portal
) -> None:
    item = deployable(1)
    apply_plan(plan_for([item], environment, stores), stores)
    portal.call("DELETE", "monitor", item.id)
    reported = drift(plan_for([item], environment, stores))
    assert [(c.target, c.reason) for c in reported.changes if c.action is Action.delete] == [
        ("monitor", "deleted in Azure")
    ]


def test_prune_deletes_only_owned_rules_that_left_the_repository(
    emulator: ArmEmulator, environment: Environment, stores: dict[str, RuleStore], portal: Portal
) -> None:
    kept, removed, foreign = deployable(1), deployable(2), deployable(3)
    apply_plan(plan_for([kept, removed], environment, stores), stores)
    other_repository = make_environment(emulator.url, repository="someone/else")
    from kqlrules.deploy import open_stores
    from kqlrules.deploy.emulator import EmulatorCredential

    other_stores = open_stores(
        other_repository, EmulatorCredential.for_endpoint(other_repository.arm_endpoint), retry_total=0
    )
    apply_plan(plan_for([foreign], other_repository, other_stores), other_stores)
    hand_made = portal.get("monitor", kept.id)
    hand_made["tags"] = {}
    portal.put("monitor", "hand-made-rule", hand_made)

    plan = plan_for([kept], environment, stores, prune=True)
    assert sorted((c.target, c.name) for c in plan.changes if c.action is Action.delete) == [
        ("monitor", f"{removed.id}-{environment.workspace}"),
        ("sentinel", removed.id),
    ]
    assert not apply_plan(plan, stores).failed
    left = {name: sorted(rule.name for rule in store.list()) for name, store in stores.items()}
    assert left == {
        "sentinel": sorted([kept.id, foreign.id]),
        "monitor": sorted([f"{kept.id}-sec-ws", f"{foreign.id}-sec-ws", "hand-made-rule"]),
    }


def test_without_prune_nothing_is_deleted(environment: Environment, stores: dict[str, RuleStore]) -> None:
    apply_plan(plan_for([deployable(1), deployable(2)], environment, stores), stores)
    plan = plan_for([deployable(1)], environment, stores)
    assert plan.count(Action.delete) == 0


@pytest.mark.parametrize("target", ["sentinel", "monitor"])
def test_a_concurrent_edit_gives_an_etag_conflict_with_a_clear_message(
    target: str, environment: Environment, stores: dict[str, RuleStore], portal: Portal
) -> None:
    apply_plan(plan_for([deployable(1)], environment, stores), stores)
    plan = plan_for([deployable(1, severity="High")], environment, stores)
    portal.edit(target, deployable(1).id, displayName="Renamed in the portal")
    report = apply_plan(plan, stores)
    failed = {o.change.target: o.error for o in report.failed}
    assert list(failed) == [target]
    error = failed[target]
    assert isinstance(error, ConcurrencyConflict)
    assert "changed in Azure since the plan was read" in str(error)
    assert "kqlrules deploy plan" in str(error)


def test_a_rule_the_api_rejects_stops_nothing_else_and_a_rerun_converges(
    environment: Environment, stores: dict[str, RuleStore]
) -> None:
    rejected = deployable(2, entities={"Account": {"Mailbox": "UserPrincipalName"}})
    items = [deployable(1), rejected, deployable(3)]
    report = apply_plan(plan_for(items, environment, stores), stores)
    assert [(o.change.target, o.change.name) for o in report.failed] == [("sentinel", rejected.id)]
    assert "identifier" in str(report.failed[0].error)
    assert len([o for o in report.outcomes if o.ok]) == 5

    fixed = [deployable(1), deployable(2), deployable(3)]
    assert [(c.target, c.action) for c in plan_for(fixed, environment, stores).pending] == [
        ("sentinel", Action.create)
    ]
    assert not apply_plan(plan_for(fixed, environment, stores), stores).failed
    assert plan_for(fixed, environment, stores).pending == []


def test_a_rule_owned_by_another_repository_is_never_overwritten(
    emulator: ArmEmulator, environment: Environment, stores: dict[str, RuleStore]
) -> None:
    from kqlrules.deploy import open_stores
    from kqlrules.deploy.emulator import EmulatorCredential

    other = make_environment(emulator.url, repository="someone/else")
    other_stores = open_stores(other, EmulatorCredential.for_endpoint(other.arm_endpoint), retry_total=0)
    apply_plan(plan_for([deployable(1)], other, other_stores), other_stores)
    plan = plan_for([deployable(1, severity="High")], environment, stores)
    assert {c.action for c in plan.changes} == {Action.blocked}
    assert "someone/else" in plan.changes[0].reason


def test_a_prune_of_a_rule_edited_since_the_plan_is_refused(
    environment: Environment, stores: dict[str, RuleStore], portal: Portal
) -> None:
    apply_plan(plan_for([deployable(1), deployable(2)], environment, stores), stores)
    plan = plan_for([deployable(1)], environment, stores, prune=True)
    portal.edit("sentinel", deployable(2).id, enabled=False)
    report = apply_plan(plan, stores)
    assert [(o.change.target, o.change.action) for o in report.failed] == [("sentinel", Action.delete)]
    assert isinstance(report.failed[0].error, ConcurrencyConflict)
    assert deployable(2).id in {rule.name for rule in stores["sentinel"].list()}
