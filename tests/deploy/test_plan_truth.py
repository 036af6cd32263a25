"""Plans and drift that tell the truth: what was last applied is known (the content hash recorded with each
rule), owned rules gone from the repository are listed, portal copies are never pruned."""

from __future__ import annotations

from typing import Any

import pytest

from kqlrules.deploy import Action, Environment, RuleStore, apply_plan, drift, open_stores
from kqlrules.deploy.emulator import ArmEmulator, EmulatorCredential
from kqlrules.deploy.ownership import owner_from_description
from kqlrules.deploy.plan import Origin
from kqlrules.deploy.render import as_markdown, as_text

from .conftest import Portal, deployable, make_environment, plan_for


@pytest.fixture
def environment(emulator: ArmEmulator) -> Environment:
    return make_environment(emulator.url, targets=["sentinel"])


@pytest.fixture
def stores(environment: Environment) -> dict[str, RuleStore]:
    return open_stores(environment, EmulatorCredential.for_endpoint(environment.arm_endpoint), retry_total=0)


def _applied(environment: Environment, stores: dict[str, RuleStore], *numbers: int) -> None:
    report = apply_plan(plan_for([deployable(n) for n in numbers], environment, stores), stores)
    assert not report.failed


def test_apply_twice_changes_nothing_and_the_rule_records_what_was_applied(
    environment: Environment, stores: dict[str, RuleStore], portal: Portal
) -> None:
    _applied(environment, stores, 1)
    again = plan_for([deployable(1)], environment, stores)
    assert again.pending == [] and again.count(Action.noop) == 1
    assert apply_plan(again, stores).outcomes == []
    description = portal.get("sentinel", deployable(1).id)["properties"]["description"]
    marks = owner_from_description(description)
    assert marks is not None and marks.content_hash and len(marks.content_hash) == 16


def test_a_change_in_the_repository_is_not_drift(
    environment: Environment, stores: dict[str, RuleStore]
) -> None:
    _applied(environment, stores, 1)
    changed = deployable(1, severity="High")
    plan = plan_for([changed], environment, stores)
    [update] = plan.pending
    assert update.origin is Origin.repository
    assert "changed in the repository, not yet applied" in as_text(plan)
    reported = drift(plan)
    assert reported.pending == []
    assert "0 rule(s) edited in Azure" in as_text(reported, drift=True)
    assert "1 changed in the repository, not yet applied" in as_text(reported, drift=True)


def test_an_edit_in_azure_is_drift(
    environment: Environment, stores: dict[str, RuleStore], portal: Portal
) -> None:
    _applied(environment, stores, 1)
    portal.edit("sentinel", deployable(1).id, severity="Low")
    plan = plan_for([deployable(1)], environment, stores)
    assert [c.origin for c in plan.pending] == [Origin.azure]
    reported = drift(plan)
    assert [(c.action, c.reason) for c in reported.pending] == [(Action.update, "edited in Azure")]


def test_edited_on_both_sides_says_so(
    environment: Environment, stores: dict[str, RuleStore], portal: Portal
) -> None:
    _applied(environment, stores, 1)
    portal.edit("sentinel", deployable(1).id, severity="Low")
    plan = plan_for([deployable(1, severity="High")], environment, stores)
    assert [c.origin for c in plan.pending] == [Origin.both]
    assert [c.reason for c in drift(plan).pending] == [Origin.both.value]


def test_owned_rules_gone_from_the_repository_are_listed_without_prune(
    environment: Environment, stores: dict[str, RuleStore]
) -> None:
    _applied(environment, stores, 1, 2, 3)
    plan = plan_for([deployable(1)], environment, stores)
    assert plan.pending == []
    assert sorted(c.name[-1] for c in plan.orphans) == ["2", "3"]
    text = as_text(plan)
    assert "2 owned rules are no longer in the repository: --prune deletes them" in text
    assert "2 owned rules are no longer in the repository" in as_markdown(plan)
    assert len(plan.as_json()["orphans"]) == 2
    pruned = plan_for([deployable(1)], environment, stores, prune=True)
    assert sorted((c.action, c.name[-1]) for c in pruned.pending) == [
        (Action.delete, "2"),
        (Action.delete, "3"),
    ]


def test_prune_never_deletes_a_copy_made_in_the_portal(
    environment: Environment, stores: dict[str, RuleStore], portal: Portal
) -> None:
    _applied(environment, stores, 1, 2)
    original = portal.get("sentinel", deployable(2).id)
    copy: dict[str, Any] = {"kind": original["kind"], "properties": dict(original["properties"])}
    copy["properties"]["displayName"] += " (copy)"
    copy_name = "99999999-0000-4000-8000-000000000099"
    portal.put("sentinel", copy_name, copy)  # the copy keeps the description, marks included
    # Detection 2 leaves the repository: its own rule is pruned, the copy is not.
    pruned = plan_for([deployable(1)], environment, stores, prune=True)
    assert [c.name for c in pruned.pending] == [deployable(2).id]
    assert apply_plan(pruned, stores).failed == []
    assert portal.get("sentinel", copy_name)["properties"]["displayName"].endswith("(copy)")


def test_a_create_is_shown_with_its_fields(environment: Environment, stores: dict[str, RuleStore]) -> None:
    text = as_text(plan_for([deployable(1)], environment, stores))
    assert "+ create" in text
    assert "    properties.severity: Medium" in text
    assert "    properties.queryFrequency: PT1H" in text
    assert "      SigninLogs" in text  # the query, line by line


def test_only_keeps_the_named_detections_changes(
    environment: Environment, stores: dict[str, RuleStore]
) -> None:
    plan = plan_for([deployable(1), deployable(2)], environment, stores)
    only = plan.only({deployable(2).id})
    assert [c.name for c in only.changes] == [deployable(2).id]
    apply_plan(only, stores)
    after = plan_for([deployable(1), deployable(2)], environment, stores)
    assert [(c.action, c.name) for c in after.pending] == [(Action.create, deployable(1).id)]
