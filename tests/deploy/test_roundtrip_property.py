"""For any detection the model accepts, what the service stores compares equal to what kqlrules sent."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kqlrules.deploy import build_plan, open_stores, preflight
from kqlrules.deploy.deployable import Deployable
from kqlrules.deploy.emulator import ArmEmulator, EmulatorCredential
from kqlrules.rules.model import TACTICS, Detection

from .conftest import ACTION_GROUP, make_environment

MONITOR_FREQUENCIES = ["5m", "10m", "15m", "30m", "1h", "2h", "6h", "1d"]
COLUMNS = st.sampled_from(["UserPrincipalName", "IPAddress", "ResultDescription", "AppDisplayName"])


@st.composite
def detections(draw: st.DrawFn) -> Deployable:
    frequency = draw(st.sampled_from(MONITOR_FREQUENCIES))
    period = draw(st.sampled_from([p for p in ["1h", "6h", "1d", "2d"] if p >= frequency or p == "1d"]))
    fields: dict[str, Any] = {
        "id": str(draw(st.uuids())),
        "name": draw(
            st.text(st.characters(codec="ascii", categories=["L", "N", "Zs"]), min_size=1, max_size=40)
        ),
        "description": draw(st.text(max_size=60)),
        "severity": draw(st.sampled_from(["Informational", "Low", "Medium", "High"])),
        "enabled": draw(st.booleans()),
        "schedule": {"frequency": frequency, "period": period},
        "trigger": {
            "operator": draw(st.sampled_from(["gt", "lt", "eq"])),
            "threshold": draw(st.integers(0, 10_000)),
        },
        "tactics": draw(st.lists(st.sampled_from(TACTICS), unique=True, max_size=3)),
        "techniques": draw(st.lists(st.from_regex(r"\AT1[0-9]{3}(\.00[1-9])?\Z"), unique=True, max_size=3)),
        "entities": draw(st.dictionaries(st.sampled_from(["Account", "Host", "IP"]), COLUMNS, max_size=3)),
        "custom_details": draw(st.dictionaries(st.from_regex(r"\A[A-Z][a-z]{2,8}\Z"), COLUMNS, max_size=4)),
        "suppress_for": draw(st.one_of(st.none(), st.sampled_from(["5m", "1h", "24h"]))),
        "alert": {"title": draw(st.one_of(st.none(), st.just("On {{ResultDescription}}")))},
    }
    try:
        detection = Detection(**fields)
    except ValueError:
        detection = Detection(**{**fields, "schedule": {"frequency": "1h", "period": "1d"}})
    trailing = draw(st.sampled_from(["", "  ", "\n", " \r\n"]))
    return Deployable(detection, f"SigninLogs{trailing}\n| where ResultType != 0{trailing}\n")


@pytest.fixture(scope="module")
def arm() -> Iterator[ArmEmulator]:
    with ArmEmulator(action_groups=[ACTION_GROUP]) as emulator:
        yield emulator


@settings(max_examples=15, deadline=timedelta(seconds=5), suppress_health_check=[HealthCheck.too_slow])
@given(item=detections(), workspace=st.uuids())
def test_what_the_service_stores_compares_equal_to_what_was_sent(
    arm: ArmEmulator, item: Deployable, workspace: uuid.UUID
) -> None:
    # A workspace and resource group of its own per example, so examples never see each other's rules.
    environment = make_environment(arm.url, resource_group=f"rg-{workspace}", workspace=f"ws-{workspace}")
    preflight([item], environment)
    stores = open_stores(
        environment, EmulatorCredential.for_endpoint(environment.arm_endpoint), retry_total=0
    )
    for change in build_plan([item], environment, {}).changes:
        assert change.body is not None
        stores[change.target].put(change.name, change.body, create=False, etag=None)
    live = {name: store.list() for name, store in stores.items()}
    plan = build_plan([item], environment, live)
    assert [(c.target, c.fields) for c in plan.pending] == []
