"""Our bodies, the emulator's rules and its answers, checked against the REST specs in shared/specs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kqlrules.deploy import Environment, RuleStore, apply_plan
from kqlrules.deploy.emulator import ArmEmulator
from kqlrules.deploy.emulator import validation as rules

from .conftest import Portal, deployable, plan_for, without_preview_fields
from .swagger import Spec, alert_rule_errors, scheduled_query_rule_errors


@pytest.fixture
def specs(shared_dir: Path) -> Path:
    return shared_dir / "specs"


def definitions(specs: Path, file: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((specs / file).read_text(encoding="utf-8"))["definitions"]
    return data


def test_the_emulators_monitor_enums_and_required_fields_are_the_specs(specs: Path) -> None:
    d = definitions(specs, "monitor-2023-12-01/scheduledQueryRule_API.json")
    condition = d["Condition"]["properties"]
    assert (
        tuple(d["ScheduledQueryRuleProperties"]["properties"]["severity"]["enum"]) == rules.MONITOR_SEVERITIES
    )
    assert tuple(d["ScheduledQueryRuleResource"]["properties"]["kind"]["enum"]) == rules.MONITOR_KINDS
    assert tuple(condition["timeAggregation"]["enum"]) == rules.MONITOR_TIME_AGGREGATIONS
    assert tuple(condition["operator"]["enum"]) == rules.MONITOR_OPERATORS
    assert tuple(d["Dimension"]["properties"]["operator"]["enum"]) == rules.MONITOR_DIMENSION_OPERATORS
    assert tuple(d["Dimension"]["required"]) == rules.MONITOR_DIMENSION_REQUIRED
    assert tuple(d["ScheduledQueryRuleResource"]["required"]) == rules.MONITOR_RESOURCE_REQUIRED
    properties = d["ScheduledQueryRuleResource"]["properties"]["properties"]
    assert tuple(properties["required"]) == rules.MONITOR_PROPERTIES_REQUIRED


def test_the_emulators_sentinel_enums_and_required_fields_are_the_specs(specs: Path) -> None:
    d = definitions(specs, "securityinsights-2025-09-01/AlertRules.json")
    types = definitions(specs, "securityinsights-2025-03-01/common/AlertTypes.json")
    grouping = d["GroupingConfiguration"]
    assert tuple(d["AlertRuleKindEnum"]["enum"]) == rules.SENTINEL_KINDS
    assert tuple(types["AlertSeverityEnum"]["enum"]) == rules.SENTINEL_SEVERITIES
    assert tuple(types["AttackTactic"]["enum"]) == rules.SENTINEL_TACTICS
    assert tuple(d["AlertRuleTriggerOperator"]["enum"]) == rules.SENTINEL_OPERATORS
    assert tuple(d["EntityMappingType"]["enum"]) == rules.SENTINEL_ENTITY_TYPES
    assert set(rules.SENTINEL_IDENTIFIERS) == set(d["EntityMappingType"]["enum"])
    assert tuple(d["EventGroupingAggregationKind"]["enum"]) == rules.SENTINEL_AGGREGATION_KINDS
    assert tuple(grouping["properties"]["matchingMethod"]["enum"]) == rules.SENTINEL_MATCHING_METHODS
    assert (
        tuple(grouping["properties"]["groupByAlertDetails"]["items"]["enum"]) == rules.SENTINEL_ALERT_DETAILS
    )
    assert tuple(d["AlertProperty"]["enum"]) == rules.SENTINEL_ALERT_PROPERTIES
    assert tuple(d["ScheduledAlertRuleProperties"]["required"]) == rules.SENTINEL_REQUIRED
    assert tuple(grouping["required"]) == rules.SENTINEL_GROUPING_REQUIRED


MONITOR_EXAMPLES = [
    "createOrUpdateScheduledQueryRule.json",
    "createOrUpdateScheduledQueryRuleResourceGroup.json",
    "createOrUpdateScheduledQueryRuleSubscription.json",
]


@pytest.mark.parametrize("example", MONITOR_EXAMPLES)
def test_the_emulator_accepts_the_specs_monitor_examples(specs: Path, example: str, portal: Portal) -> None:
    request = json.loads((specs / "monitor-2023-12-01/examples" / example).read_text())["parameters"]
    for group in request["parameters"]["properties"]["actions"]["actionGroups"]:
        assert portal.call("PUT", "actiongroup", group)[0] == 201  # rules may notify existing groups only
    status, body = portal.call("PUT", "monitor", "example", request["parameters"])
    assert status == 201, body
    assert scheduled_query_rule_errors(specs, body, request=False) == []


def test_the_emulator_accepts_the_specs_sentinel_example(specs: Path, portal: Portal) -> None:
    example = specs / "securityinsights-2025-03-01/examples/alertRules/CreateScheduledAlertRule.json"
    request = json.loads(example.read_text())["parameters"]
    status, body = portal.call("PUT", "sentinel", request["ruleId"], request["alertRule"])
    assert status == 201, body
    assert alert_rule_errors(specs, body, request=False) == []


@pytest.mark.parametrize(
    ("target", "field", "value", "message"),
    [
        ("sentinel", "queryFrequency", "1 hour", "ISO 8601 duration"),
        ("sentinel", "triggerOperator", "gt", "not one of"),
        ("sentinel", "severity", None, "is required"),
        ("sentinel", "queryPeriod", "P15D", "between PT5M and P14D"),
        ("monitor", "severity", 7, "not one of"),
        ("monitor", "evaluationFrequency", "PT7M", "must be one of"),
        ("monitor", "windowSize", None, "is required"),
    ],
)
def test_the_emulator_rejects_what_the_service_rejects(
    portal: Portal,
    environment: Environment,
    stores: dict[str, RuleStore],
    target: str,
    field: str,
    value: Any,
    message: str,
) -> None:
    apply_plan(plan_for([deployable(1)], environment, stores), stores)
    body = portal.get(target, deployable(1).id)
    body["properties"][field] = value
    status, error = portal.call("PUT", target, deployable(1).id, body)
    assert status == 400
    assert field in error["error"]["message"] and message in error["error"]["message"]


def test_what_kqlrules_sends_and_the_emulator_returns_match_the_specs(
    specs: Path, emulator: ArmEmulator, environment: Environment, stores: dict[str, RuleStore]
) -> None:
    items = [deployable(1), deployable(2, suppress_for="2h", alert={"description": "From {{IPAddress}}"})]
    apply_plan(plan_for(items, environment, stores), stores)
    checked = 0
    for request in emulator.requests:
        if request.method != "PUT":
            continue
        if "scheduledQueryRules" in request.path:
            assert scheduled_query_rule_errors(specs, request.body, request=True) == []
        else:
            assert alert_rule_errors(specs, without_preview_fields(request.body), request=True) == []
        checked += 1
    for store in stores.values():
        for rule in store.list():
            if store.target.name == "monitor":
                assert scheduled_query_rule_errors(specs, rule.body, request=False) == []
            else:
                assert alert_rule_errors(specs, without_preview_fields(rule.body), request=False) == []
            checked += 1
    assert checked == 8


def test_the_spec_checker_catches_a_wrong_body(specs: Path) -> None:
    spec = Spec(specs, "sentinel")
    problems = alert_rule_errors(
        specs,
        {
            "kind": "Scheduled",
            "etag": "x",
            "properties": {
                "displayName": "x",
                "severity": "Severe",
                "queryFrequency": "1h",
                "lastModifiedUtc": "now",
            },
        },
        request=True,
    )
    assert any("severity" in p for p in problems)
    assert any("queryFrequency" in p for p in problems)
    assert any("lastModifiedUtc: read-only" in p for p in problems)
    assert any("enabled: required" in p for p in problems)
    assert spec.discriminated("AlertRule", "Scheduled") == "ScheduledAlertRule"
