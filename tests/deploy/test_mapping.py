"""How a detection becomes each target's rule, and what pre-flight refuses before any call."""

from __future__ import annotations

import pytest

from kqlrules.deploy import PreflightError, preflight
from kqlrules.deploy.ownership import Ownership, owner_from_description, owner_from_tags, with_marker
from kqlrules.deploy.targets import MonitorTarget, SentinelTarget

from .conftest import ACTION_GROUP, deployable, make_environment

ENV = make_environment("https://management.azure.com")
OWNER = Ownership(deployable(1).id, "acme/detections")


def test_sentinel_rule_carries_schedule_trigger_entities_and_overrides() -> None:
    props = SentinelTarget().body(deployable(1, suppress_for="2h"), ENV, OWNER)["properties"]
    assert (props["queryFrequency"], props["queryPeriod"]) == ("PT1H", "PT1H")
    assert (props["triggerOperator"], props["triggerThreshold"]) == ("GreaterThan", 5)
    assert (props["suppressionEnabled"], props["suppressionDuration"]) == (True, "PT2H")
    assert props["entityMappings"][0] == {
        "entityType": "Account",
        "fieldMappings": [{"identifier": "FullName", "columnName": "UserPrincipalName"}],
    }
    assert props["alertDetailsOverride"] == {
        "alertDisplayNameFormat": "Failed sign-ins for {{UserPrincipalName}}"
    }
    assert props["customDetails"] == {"Failures": "Failures"}


def test_sentinel_sub_techniques_are_sent_as_their_parent_technique() -> None:
    item = deployable(1, techniques=["T1110.001", "T1110.003", "T1078"])
    assert SentinelTarget().body(item, ENV, OWNER)["properties"]["techniques"] == ["T1110", "T1078"]


def test_sentinel_rule_without_suppression_still_sends_the_required_duration() -> None:
    props = SentinelTarget().body(deployable(1), ENV, OWNER)["properties"]
    assert (props["suppressionEnabled"], props["suppressionDuration"]) == (False, "PT5H")


def test_monitor_rule_scopes_the_workspace_and_counts_rows() -> None:
    body = MonitorTarget().body(deployable(1, severity="High"), ENV, OWNER)
    props = body["properties"]
    condition = props["criteria"]["allOf"][0]
    assert props["scopes"] == [ENV.workspace_id]
    assert (condition["timeAggregation"], condition["operator"], condition["threshold"]) == (
        "Count",
        "GreaterThan",
        5,
    )
    assert props["severity"] == 1
    assert props["actions"] == {"actionGroups": [ACTION_GROUP]}
    assert body["tags"] == {
        "kqlrules-detection": OWNER.detection_id,
        "kqlrules-repository": "acme/detections",
    }


def test_monitor_alerts_are_stateless_unless_asked_and_never_muted_and_auto_mitigated() -> None:
    muted = MonitorTarget().body(deployable(1, suppress_for="30m"), ENV, OWNER)["properties"]
    plain = MonitorTarget().body(deployable(1), ENV, OWNER)["properties"]
    stateful = MonitorTarget().body(deployable(1, monitor={"auto_mitigate": True}), ENV, OWNER)["properties"]
    assert (muted["muteActionsDuration"], muted["autoMitigate"]) == ("PT30M", False)
    assert "muteActionsDuration" not in plain and plain["autoMitigate"] is False
    assert stateful["autoMitigate"] is True


def test_ownership_marks_round_trip_and_replace_an_old_marker() -> None:
    description = with_marker(with_marker("Watch this.", Ownership(deployable(9).id, "old/repo")), OWNER)
    assert description.count("[kqlrules") == 1
    assert owner_from_description(description) == OWNER
    assert owner_from_description("Someone's own rule.") is None
    assert (
        owner_from_tags({"kqlrules-detection": OWNER.detection_id, "kqlrules-repository": "acme/detections"})
        == OWNER
    )
    assert owner_from_tags({"kqlrules-detection": OWNER.detection_id}) is None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"trigger": {"operator": "ne", "threshold": 0}}, "monitor: trigger operator 'ne'"),
        ({"schedule": {"frequency": "20m", "period": "1h"}}, "monitor: frequency 20m is not one of"),
        ({"schedule": {"frequency": "1h", "period": "3d"}}, "monitor: period 3d exceeds"),
        ({"suppress_for": "2d"}, "sentinel: suppress_for must be between 5m and 24h"),
        ({"entities": {"IoTDevice": "DeviceId"}}, "sentinel: entity type 'IoTDevice'"),
    ],
)
def test_preflight_refuses_what_a_target_cannot_take(changes: dict[str, object], message: str) -> None:
    with pytest.raises(PreflightError, match="nothing was sent") as error:
        preflight([deployable(1, **changes)], ENV)
    assert message in str(error.value)


def test_preflight_reports_every_problem_at_once() -> None:
    items = [deployable(1, query=""), deployable(2, query="T" * 10_001), deployable(3)]
    with pytest.raises(PreflightError) as error:
        preflight(items, ENV)
    assert "3 problem(s)" in str(error.value)  # empty for both targets; too long for Sentinel
    assert "query is empty" in str(error.value) and "10001 characters" in str(error.value)


def test_preflight_refuses_two_detections_with_one_id() -> None:
    with pytest.raises(PreflightError, match="also used by"):
        preflight([deployable(1), deployable(1, name="Copy")], ENV)
