"""Rules the services enforce on a PUT body that kqlrules' own model never lets through, so they are probed
with bodies written from the REST specs' examples (shared/specs): each broken once, refused with ARM's error
shape (400, `error.code`, `error.message`, `error.details`), and the unbroken example accepted."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from kqlrules.deploy.emulator import ArmEmulator

from .conftest import Portal, make_environment

Body = dict[str, Any]


@pytest.fixture(scope="module")
def arm() -> Iterator[ArmEmulator]:
    with ArmEmulator() as emulator:
        yield emulator


@pytest.fixture
def portal(arm: ArmEmulator) -> Iterator[Portal]:
    yield Portal(arm, make_environment(arm.url))
    arm.state.resources.clear()
    arm.state.action_groups.clear()


def example(shared_dir: Path, file: str) -> Any:
    return json.loads((shared_dir / "specs" / file).read_text(encoding="utf-8"))["parameters"]


@pytest.fixture
def scheduled(shared_dir: Path) -> Body:
    body: Body = example(
        shared_dir, "securityinsights-2025-03-01/examples/alertRules/CreateScheduledAlertRule.json"
    )["alertRule"]
    body.pop("etag")  # a create carries no etag
    return body


@pytest.fixture
def log_alert(shared_dir: Path, portal: Portal) -> Body:
    body: Body = example(shared_dir, "monitor-2023-12-01/examples/createOrUpdateScheduledQueryRule.json")[
        "parameters"
    ]
    for group in body["properties"]["actions"]["actionGroups"]:
        portal.call("PUT", "actiongroup", group)
    return body


def refused(portal: Portal, target: str, body: Body, version: str) -> str:
    status, answer = portal.call("PUT", target, "probe", body, version=version)
    assert status == 400, answer
    error = answer["error"]
    assert error["code"] == "BadRequest" and error["message"] == error["details"][0]["message"], answer
    return "\n".join(d["message"] for d in error["details"])


def accepted(portal: Portal, target: str, body: Body, version: str) -> Any:
    status, answer = portal.call("PUT", target, "probe", body, version=version)
    assert status in (200, 201), answer
    return answer


def change(**properties: Any) -> Callable[[Body], None]:
    return lambda body: body["properties"].update(properties)


SENTINEL_BREAKS: list[tuple[str, Callable[[Body], None], str]] = [
    # FrequencyLimitationForLongPeriodQuery (the service's ARM model; Azure-Sentinel CI Models/).
    ("long-period-frequency", change(queryPeriod="P2D", queryFrequency="PT30M"),
     "properties.queryFrequency: when 'queryPeriod' is 2 days or more, 'queryFrequency' must be 1 hour"),
    # QueryBasedTemplateVersionValidator, NoTemplateVersionWithoutTemplateName.
    ("template-version-format",
     change(alertRuleTemplateName="0b9ae89d-8cad-461c-808f-0494f70ad5c4", templateVersion="1.0"),
     "properties.templateVersion: '1.0' should be in format X.Y.Z"),
    ("template-version-without-name", change(templateVersion="1.0.0"),
     "can only be used if 'alertRuleTemplateName' is not empty"),
    # github:Azure/Azure-Sentinel issue 8960: a sub-technique in techniques.
    ("sub-technique-in-techniques", change(techniques=["T1071.001"]),
     "the technique 'T1071.001' is invalid. The expected format is 'T####'"),
    ("dynamic-property-without-value",
     lambda b: b["properties"]["alertDetailsOverride"]["alertDynamicProperties"][0].pop("value"),
     "alertDynamicProperties[0].value: is required"),
    ("dynamic-property-unknown", lambda b: b["properties"]["alertDetailsOverride"].update(
        alertDynamicProperties=[{"alertProperty": "Vendor", "value": "Column"}]),
     "alertDynamicProperties[0].alertProperty: 'Vendor' is not one of"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "mutate", "message"), SENTINEL_BREAKS, ids=[c[0] for c in SENTINEL_BREAKS])
def test_a_sentinel_body_breaking_a_service_rule_is_refused(
    portal: Portal, scheduled: Body, case: str, mutate: Callable[[Body], None], message: str
) -> None:
    for version in ("2025-09-01", "2025-03-01"):
        accepted(portal, "sentinel", scheduled, version)
        broken = copy.deepcopy(scheduled)
        mutate(broken)
        assert message in refused(portal, "sentinel", broken, version)


def test_what_those_rules_allow_is_accepted(portal: Portal, scheduled: Body) -> None:
    fine = change(
        queryPeriod="P2D",
        queryFrequency="PT1H",
        alertRuleTemplateName="0b9ae89d-8cad-461c-808f-0494f70ad5c4",
        templateVersion="1.0.2",
        techniques=["T1078"],
    )
    fine(scheduled)
    stored = accepted(portal, "sentinel", scheduled, "2025-09-01")
    assert stored["properties"]["templateVersion"] == "1.0.2"


def test_the_stable_2025_03_01_version_is_served_like_2025_09_01(portal: Portal, scheduled: Body) -> None:
    """The example's own api-version; sub-techniques are a preview property, dropped by stable versions."""
    scheduled["properties"].update(techniques=["T1071"], subTechniques=["T1071.001"])
    stored = accepted(portal, "sentinel", scheduled, "2025-03-01")
    assert "subTechniques" not in stored["properties"]
    status, answer = portal.call("PUT", "sentinel", "probe", scheduled, version="2024-13-01")
    assert status == 400 and answer["error"]["code"] == "InvalidApiVersionParameter"


MONITOR_BREAKS: list[tuple[str, Callable[[Body], None], str]] = [
    # The 2023-12-01 swagger: ScheduledQueryRuleResource.properties requires enabled, criteria and scopes.
    ("enabled-required", lambda b: b["properties"].pop("enabled"), "properties.enabled: is required"),
    ("criteria-required", lambda b: b["properties"].pop("criteria"), "properties.criteria: is required"),
    # Learn, Measure: any aggregation but Count aggregates the column metricMeasureColumn names.
    ("measure-column-required",
     lambda b: b["properties"]["criteria"]["allOf"][0].pop("metricMeasureColumn"),
     "metricMeasureColumn: is required when timeAggregation is Average"),
    ("failing-periods-at-least-one",
     lambda b: b["properties"]["criteria"]["allOf"][0]["failingPeriods"].update(
         numberOfEvaluationPeriods=0, minFailingPeriodsToAlert=0),
     "failingPeriods.numberOfEvaluationPeriods: must be at least 1"),
    ("failing-periods-order",
     lambda b: b["properties"]["criteria"]["allOf"][0]["failingPeriods"].update(
         numberOfEvaluationPeriods=1, minFailingPeriodsToAlert=2),
     "minFailingPeriodsToAlert must not exceed numberOfEvaluationPeriods"),
    # Learn: the alert time range is at most two days: windowSize * numberOfEvaluationPeriods here.
    ("time-range", lambda b: (b["properties"].update(windowSize="P1D", evaluationFrequency="P1D"),
                              b["properties"]["criteria"]["allOf"][0]["failingPeriods"].update(
                                  numberOfEvaluationPeriods=3, minFailingPeriodsToAlert=1)),
     "the query time range (windowSize * numberOfEvaluationPeriods) must be at most P2D"),
    ("override-time-range", change(overrideQueryTimeRange="P3D"),
     "the query time range (overrideQueryTimeRange) must be at most P2D"),
    ("dimension-values", lambda b: b["properties"]["criteria"]["allOf"][0]["dimensions"][0].update(
        values="*"), "dimensions[0].values: must be an array"),
    # swagger Condition.metricName: required for LogToMetric.
    ("log-to-metric-metric-name", lambda b: b.update(kind="LogToMetric"), "metricName: is required"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "mutate", "message"), MONITOR_BREAKS, ids=[c[0] for c in MONITOR_BREAKS])
def test_a_log_alert_body_breaking_a_service_rule_is_refused(
    portal: Portal, log_alert: Body, case: str, mutate: Callable[[Body], None], message: str
) -> None:
    accepted(portal, "monitor", log_alert, "2023-12-01")
    broken = copy.deepcopy(log_alert)
    mutate(broken)
    assert message in refused(portal, "monitor", broken, "2023-12-01")


def test_a_count_needs_no_measure_column_and_two_days_of_range_is_allowed(
    portal: Portal, log_alert: Body
) -> None:
    condition = log_alert["properties"]["criteria"]["allOf"][0]
    condition.pop("metricMeasureColumn")
    condition.update(timeAggregation="Count", failingPeriods={"numberOfEvaluationPeriods": 2,
                                                              "minFailingPeriodsToAlert": 1})  # fmt: skip
    log_alert["properties"].update(windowSize="P1D", evaluationFrequency="P1D")
    accepted(portal, "monitor", log_alert, "2023-12-01")


def test_a_fusion_rule_is_made_from_its_template_and_left_alone_by_plan(
    shared_dir: Path, portal: Portal, arm: ArmEmulator
) -> None:
    """FusionAlertRuleProperties requires alertRuleTemplateName and enabled; displayName, severity and the
    MITRE fields are readOnly (the template's). kqlrules does not own it, so neither plans nor prunes it."""
    from kqlrules.deploy import open_stores

    from .conftest import deployable, plan_for

    fusion = example(shared_dir, "securityinsights-2025-09-01/examples/alertRules/CreateFusionAlertRule.json")
    body = fusion["alertRule"]
    stored = accepted(portal, "sentinel", {**body, "properties": {**body["properties"], "severity": "Low"}},
                      "2025-09-01")  # fmt: skip
    assert stored["kind"] == "Fusion" and "severity" not in stored["properties"]
    nameless = {**body, "properties": {"enabled": True}}
    assert "properties.alertRuleTemplateName: is required" in refused(
        portal, "sentinel", nameless, "2025-09-01"
    )
    preview_only = {**body, "kind": "MLBehaviorAnalytics"}
    assert "kind: 'MLBehaviorAnalytics' is not one of" in refused(
        portal, "sentinel", preview_only, "2025-09-01"
    )
    status, answer = portal.call("PUT", "sentinel", "ueba", preview_only, version="2025-07-01-preview")
    assert status == 201, answer
    stores = open_stores(portal.environment, arm.credential())
    plan = plan_for([deployable(1)], portal.environment, stores, prune=True)
    assert all(change.name not in ("probe", "ueba") for change in plan.changes)


def test_sentinel_entities_mappings_are_a_preview_property(portal: Portal, scheduled: Body) -> None:
    scheduled["properties"]["sentinelEntitiesMappings"] = [{"columnName": "Entities"}]
    assert (
        "sentinelEntitiesMappings" not in accepted(portal, "sentinel", scheduled, "2025-09-01")["properties"]
    )
    kept = accepted(portal, "sentinel", scheduled, "2025-07-01-preview")["properties"]
    assert kept["sentinelEntitiesMappings"] == [{"columnName": "Entities"}]
    scheduled["properties"]["sentinelEntitiesMappings"] = [{"columnName": "Sentinel entities"}]
    message = refused(portal, "sentinel", scheduled, "2025-07-01-preview")
    assert "sentinelEntitiesMappings[0].columnName: 'Sentinel entities' is not a column name" in message


def test_arm_tag_limits_hold_for_a_log_alert(portal: Portal, log_alert: Body) -> None:
    """Learn, tag-resources#limitations: 50 tags, names of 512 characters without < > % & \\ ? /, values
    of 256 characters."""
    log_alert["tags"] = {f"t{n}": "v" for n in range(50)}
    accepted(portal, "monitor", log_alert, "2023-12-01")
    assert "51 tags" in refused(
        portal, "monitor", {**log_alert, "tags": {f"t{n}": "v" for n in range(51)}}, "2023-12-01"
    )
    assert "tags.a/b: a tag name" in refused(
        portal, "monitor", {**log_alert, "tags": {"a/b": "v"}}, "2023-12-01"
    )
    assert "tags.t: a tag value" in refused(
        portal, "monitor", {**log_alert, "tags": {"t": "v" * 257}}, "2023-12-01"
    )


def test_older_stable_versions_of_the_same_shape_are_served(
    portal: Portal, log_alert: Body, scheduled: Body
) -> None:
    stored = accepted(portal, "monitor", log_alert, "2021-08-01")
    assert stored["properties"]["createdWithApiVersion"] == "2021-08-01"
    assert (
        accepted(portal, "monitor", log_alert, "2023-12-01")["properties"]["createdWithApiVersion"]
        == "2021-08-01"
    )
    accepted(portal, "sentinel", scheduled, "2024-03-01")
    status, answer = portal.call("PUT", "monitor", "probe", log_alert, version="2018-04-16")
    assert status == 400 and answer["error"]["code"] == "InvalidApiVersionParameter"


def test_an_nrt_rule_ignores_a_schedule_it_does_not_have(portal: Portal, scheduled: Body) -> None:
    """NrtAlertRuleProperties has no queryFrequency, queryPeriod or trigger: sent anyway, they are neither
    checked (a 1-minute frequency would break a Scheduled rule) nor kept."""
    nrt = {**scheduled, "kind": "NRT"}
    nrt["properties"] = {**scheduled["properties"], "queryFrequency": "PT1M", "queryPeriod": "PT1M"}
    stored = accepted(portal, "sentinel", nrt, "2025-07-01-preview")
    assert not {"queryFrequency", "queryPeriod", "triggerOperator", "triggerThreshold"} & set(
        stored["properties"]
    )
    assert "must be between PT5M and P14D" in refused(
        portal, "sentinel", {**nrt, "kind": "Scheduled"}, "2025-07-01-preview"
    )
