"""Our bodies, the emulator's rules and its answers, checked against the REST specs in shared/specs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kqlrules.deploy import Environment, RuleStore, apply_plan
from kqlrules.deploy.emulator import ArmEmulator
from kqlrules.deploy.emulator import validation as rules

from .conftest import Portal, deployable, plan_for
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
    assert rules.MONITOR_SEVERITIES == tuple(d["ScheduledQueryRuleProperties"]["properties"]["severity"]["enum"])
    assert rules.MONITOR_KINDS == tuple(d["ScheduledQueryRuleResource"]["properties"]["kind"]["enum"])
    assert rules.MONITOR_TIME_AGGREGATIONS == tuple(condition["timeAggregation"]["enum"])
    assert rules.MONITOR_OPERATORS == tuple(condition["operator"]["enum"])
    assert rules.MONITOR_DIMENSION_OPERATORS == tuple(d["Dimension"]["properties"]["operator"]["enum"])
    assert rules.MONITOR_DIMENSION_REQUIRED == tuple(d["Dimension"]["required"])
    assert rules.MONITOR_RESOURCE_REQUIRED == tuple(d["ScheduledQueryRuleResource"]["required"])


def test_the_emulators_sentinel_enums_and_required_fields_are_the_specs(specs: Path) -> None:
    d = definitions(specs, "securityinsights-2025-09-01/AlertRules.json")
    types = definitions(specs, "securityinsights-2025-03-01/common/AlertTypes.json")
    grouping = d["GroupingConfiguration"]
    assert rules.SENTINEL_KINDS == tuple(d["AlertRuleKindEnum"]["enum"])
    assert rules.SENTINEL_SEVERITIES == tuple(types["AlertSeverityEnum"]["enum"])
    assert rules.SENTINEL_TACTICS == tuple(types["AttackTactic"]["enum"])
    assert rules.SENTINEL_OPERATORS == tuple(d["AlertRuleTriggerOperator"]["enum"])
    assert rules.SENTINEL_ENTITY_TYPES == tuple(d["EntityMappingType"]["enum"])
    assert set(rules.SENTINEL_IDENTIFIERS) == set(d["EntityMappingType"]["enum"])
    assert rules.SENTINEL_AGGREGATION_KINDS == tuple(d["EventGroupingAggregationKind"]["enum"])
    assert rules.SENTINEL_MATCHING_METHODS == tuple(grouping["properties"]["matchingMethod"]["enum"])
    assert rules.SENTINEL_ALERT_DETAILS == tuple(grouping["properties"]["groupByAlertDetails"]["items"]["enum"])
    assert rules.SENTINEL_ALERT_PROPERTIES == tuple(d["AlertProperty"]["enum"])
    assert rules.SENTINEL_REQUIRED == tuple(d["ScheduledAlertRuleProperties"]["required"])
    assert rules.SENTINEL_GROUPING_REQUIRED == tuple(grouping["required"])


MONITOR_EXAMPLES = [
    "createOrUpdateScheduledQueryRule.json",
    "createOrUpdateScheduledQueryRuleResourceGroup.json",
    "createOrUpdateScheduledQueryRuleSubscription.json",
]


@pytest.mark.parametrize("example", MONITOR_EXAMPLES)
def test_the_emulator_accepts_the_specs_monitor_examples(specs: Path, example: str, portal: Portal) -> None:
    request = json.loads((specs / "monitor-2023-12-01/examples" / example).read_text())["parameters"]
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
    portal: Portal, environment: Environment, stores: dict[str, RuleStore],
    target: str, field: str, value: Any, message: str,
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
        errors = scheduled_query_rule_errors if "scheduledQueryRules" in request.path else alert_rule_errors
        assert errors(specs, request.body, request=True) == []
        checked += 1
    for store in stores.values():
        for rule in store.list():
            errors = scheduled_query_rule_errors if store.target.name == "monitor" else alert_rule_errors
            assert errors(specs, rule.body, request=False) == []
            checked += 1
    assert checked == 8


def test_the_spec_checker_catches_a_wrong_body(specs: Path) -> None:
    spec = Spec(specs, "sentinel")
    problems = alert_rule_errors(specs, {"kind": "Scheduled", "etag": "x", "properties": {
        "displayName": "x", "severity": "Severe", "queryFrequency": "1h", "lastModifiedUtc": "now"}}, request=True)
    assert any("severity" in p for p in problems)
    assert any("queryFrequency" in p for p in problems)
    assert any("lastModifiedUtc: read-only" in p for p in problems)
    assert any("enabled: required" in p for p in problems)
    assert spec.discriminated("AlertRule", "Scheduled") == "ScheduledAlertRule"
