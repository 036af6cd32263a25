"""The comparable form: spellings the services use for the same rule compare equal; real changes do not."""

from __future__ import annotations

import copy

from kqlrules.deploy.normalise import duration, flatten, pruned, query_text
from kqlrules.deploy.ownership import Ownership
from kqlrules.deploy.plan import diff
from kqlrules.deploy.targets import MonitorTarget, SentinelTarget

from .conftest import deployable, make_environment

ENV = make_environment("https://management.azure.com")
OWNER = Ownership(deployable(1).id, "acme/detections")


def test_durations_in_either_notation_are_the_same_iso_8601() -> None:
    assert {duration(v) for v in ("1h", "PT1H", "PT60M", "pt3600s", "60m")} == {"PT1H"}
    assert duration("P1D") == duration("24h") == "P1D"


def test_query_whitespace_at_line_ends_and_crlf_is_not_a_change() -> None:
    assert query_text("T\r\n| take 1   \r\n\n") == query_text("T\n| take 1")
    assert query_text("T | where A == 'x  y'") != query_text("T | where A == 'x y'")


def test_empty_values_equal_absent_ones() -> None:
    assert pruned({"a": [], "b": {}, "c": None, "d": {"e": []}, "f": 0, "g": False}) == {"f": 0, "g": False}


def test_flatten_indexes_lists_of_objects_and_keeps_lists_of_scalars_whole() -> None:
    assert flatten({"a": [{"b": 1}], "t": ["x", "y"]}) == {"a[0].b": 1, "t": ["x", "y"]}


def test_monitor_server_defaults_and_read_only_fields_are_not_changes() -> None:
    target = MonitorTarget()
    ours = target.body(deployable(1), ENV, OWNER)
    live = copy.deepcopy(ours)
    live.update(id="/x", name="n", type="t", etag='"1"', systemData={"createdAt": "now"})
    live["properties"].update(
        createdWithApiVersion="2023-12-01",
        isLegacyLogAnalyticsRule=False,
        isWorkspaceAlertsStorageConfigured=False,
        checkWorkspaceAlertsStorageConfigured=False,
    )
    condition = live["properties"]["criteria"]["allOf"][0]
    condition.update(operator="greaterthan", threshold=5.0, dimensions=[])
    del condition["failingPeriods"]
    live["location"] = "westeurope"
    assert diff(target.normalise(live), target.normalise(ours)) == ()


def test_sentinel_operator_spellings_and_list_order_are_not_changes() -> None:
    target = SentinelTarget()
    ours = target.body(deployable(1, tactics=["CredentialAccess", "InitialAccess"]), ENV, OWNER)
    live = copy.deepcopy(ours)
    live["properties"].update(
        triggerOperator="greaterthan",
        tactics=["InitialAccess", "CredentialAccess"],
        lastModifiedUtc="2026-01-01T00:00:00Z",
        alertRuleTemplateName=None,
    )
    live["properties"]["entityMappings"].reverse()
    assert diff(target.normalise(live), target.normalise(ours)) == ()


def test_a_real_change_is_reported_at_its_path() -> None:
    target = SentinelTarget()
    ours = target.body(deployable(1), ENV, OWNER)
    live = copy.deepcopy(ours)
    live["properties"]["queryPeriod"] = "PT2H"
    changes = diff(target.normalise(live), target.normalise(ours))
    assert [(c.path, c.before, c.after) for c in changes] == [("properties.queryPeriod", "PT2H", "PT1H")]
