"""Random requests at the local ARM emulator over real HTTP on 127.0.0.1: whatever arrives (with or
without its token), the answer is a 2xx or a 4xx, never a 5xx and never a connection dropped without one."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kqlrules.deploy.emulator import ArmEmulator
from tests.workspace.test_server_fuzz import JSON

from .conftest import ACTION_GROUP, SUBSCRIPTION

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
SCOPE = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/sec-rg"
WORKSPACE = f"{SCOPE}/providers/Microsoft.OperationalInsights/workspaces/sec-ws"
NAME = "0a5c1e00-0000-4000-8000-0000000000e1"

PATHS = st.sampled_from(
    [
        f"{SCOPE}/providers/Microsoft.Insights/scheduledQueryRules/{NAME}?api-version=2023-12-01",
        f"{SCOPE}/providers/Microsoft.Insights/scheduledQueryRules?api-version=2023-12-01&$skipToken=x",
        f"{WORKSPACE}/providers/Microsoft.SecurityInsights/alertRules/{NAME}?api-version=2025-09-01",
        f"{WORKSPACE}/providers/Microsoft.SecurityInsights/alertRules?api-version=2025-07-01-preview",
        f"{WORKSPACE}/providers/Microsoft.SecurityInsights/watchlists/w1?api-version=2025-09-01",
        f"{WORKSPACE}/providers/Microsoft.SecurityInsights/watchlists/w1/watchlistItems/i1?api-version=2025-09-01",
        f"{ACTION_GROUP}?api-version=2023-01-01",
        f"{WORKSPACE}/providers/Microsoft.Insights/diagnosticSettings/ds?api-version=2021-05-01-preview",
        f"{WORKSPACE}/tables/SigninLogs?api-version=2022-10-01",
        "/providers/microsoft.aadiam/diagnosticSettings/ds?api-version=2017-04-01",
        "/",
    ]
) | st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=60).map(
    lambda t: "/" + t
)

PROPERTY_NAMES = st.sampled_from(
    ["displayName", "query", "severity", "enabled", "queryFrequency", "queryPeriod", "triggerOperator",
     "triggerThreshold", "tactics", "techniques", "entityMappings", "scopes", "criteria", "windowSize",
     "evaluationFrequency", "actions", "itemsSearchKey", "rawContent", "logs", "workspaceId",
     "retentionInDays", "itemsKeyValue", "eventGroupingSettings", "incidentConfiguration",
     "alertDetailsOverride", "kind"]
)  # fmt: skip
RESOURCE = st.fixed_dictionaries(
    {"properties": st.dictionaries(PROPERTY_NAMES, JSON, max_size=8)},
    optional={"kind": st.sampled_from(["Scheduled", "NRT", "Fusion", "x"]) | JSON, "location": JSON,
              "tags": JSON, "etag": JSON},
)  # fmt: skip
BODIES = (
    st.binary(max_size=300)
    | JSON.map(lambda value: json.dumps(value).encode())
    | RESOURCE.map(lambda value: json.dumps(value).encode())
)


@pytest.fixture(scope="module")
def fuzzed() -> Iterator[ArmEmulator]:
    with ArmEmulator(action_groups=[ACTION_GROUP]) as running:
        yield running


@FUZZ
@given(
    method=st.sampled_from(["GET", "PUT", "PATCH", "DELETE"]),
    path=PATHS,
    body=BODIES,
    authorized=st.booleans(),
    if_match=st.none()
    | st.sampled_from(["*", '"x"'])
    | st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=8),
)
def test_any_arm_request_gets_a_2xx_or_4xx(
    fuzzed: ArmEmulator, method: str, path: str, body: bytes, authorized: bool, if_match: str | None
) -> None:
    headers = {"Content-Type": "application/json"}
    if authorized:
        headers["Authorization"] = f"Bearer {fuzzed.token}"
    if if_match is not None:
        headers["If-Match"] = if_match
    connection = http.client.HTTPConnection("127.0.0.1", fuzzed.port, timeout=60)
    try:
        connection.request(method, path, body, headers)
        response = connection.getresponse()  # a dropped connection raises here
        response.read()
    finally:
        connection.close()
    assert 200 <= response.status < 300 or 400 <= response.status < 500, (method, path, body)
    if not authorized:
        assert response.status == 401
