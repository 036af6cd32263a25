"""The local query-API server, spoken to by the unchanged `LogsQueryClient` (real HTTP on 127.0.0.1).

The workspace behind it is the real `LocalWorkspace` answering with the local KQL engine.
"""

from __future__ import annotations

import http.client
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
from azure.core.exceptions import HttpResponseError, ServiceRequestError
from azure.monitor.query import LogsBatchQuery, LogsQueryClient, LogsQueryError, LogsQueryPartialResult

from kqlrules.errors import KqlrulesError
from kqlrules.workspace import (
    AzureWorkspace,
    ConnectionDropped,
    Faults,
    LocalWorkspace,
    PartialResult,
    QueryRejected,
    QueryThrottled,
    QueryTimedOut,
    ServiceUnavailable,
    WorkspaceServer,
)
from tests.workspace.conftest import T0, WORKSPACE_ID, signins

WINDOW = (T0, T0 + timedelta(minutes=10))
HTTP = {"enforce_https": False}
STANDARD = "Type, _ResourceId, _SubscriptionId"
NOT_A_TABLE = "'NoSuchTable' does not refer to any known column, table, variable or function"


def test_a_query_answers_with_typed_rows(client: LogsQueryClient) -> None:
    result = client.query_workspace(WORKSPACE_ID, "SigninLogs", timespan=WINDOW, **HTTP)
    table = result.tables[0]
    assert table.name == "PrimaryResult"
    # Every Log Analytics table also has the standard columns Type, _ResourceId and _SubscriptionId.
    assert table.columns_types == [
        "datetime", "string", "string", "long", "dynamic", "timespan", "string", "string", "string"
    ]  # fmt: skip
    assert len(table.rows) == 10
    assert table.rows[3]["TimeGenerated"] == T0 + timedelta(minutes=3)


def test_the_timespan_limits_time_generated_start_inclusive_end_exclusive(client: LogsQueryClient) -> None:
    window = (T0 + timedelta(minutes=2), T0 + timedelta(minutes=5))
    result = client.query_workspace(WORKSPACE_ID, "SigninLogs", timespan=window, **HTTP)
    assert [row["Attempts"] for row in result.tables[0].rows] == [2, 3, 4]


def test_values_survive_the_round_trip_through_the_wire(remote: AzureWorkspace) -> None:
    assert remote.query(f"SigninLogs | project-away {STANDARD}", WINDOW) == signins()


def test_a_request_without_a_bearer_token_is_refused(server: WorkspaceServer) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", server.port)
    body = json.dumps({"query": "SigninLogs"})
    connection.request(
        "POST", f"/v1/workspaces/{WORKSPACE_ID}/query", body, {"Content-Type": "application/json"}
    )
    response = connection.getresponse()
    assert response.status == 401
    assert json.loads(response.read())["error"]["code"] == "AuthorizationRequiredError"


def test_a_token_not_issued_by_the_local_credential_is_refused(server: WorkspaceServer) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", server.port)
    headers = {"Authorization": "Bearer someone-elses-token"}
    connection.request("POST", f"/v1/workspaces/{WORKSPACE_ID}/query", '{"query": "SigninLogs"}', headers)
    assert connection.getresponse().status == 401


def test_azure_core_refuses_a_bearer_token_over_http_unless_the_request_allows_it(
    client: LogsQueryClient,
) -> None:
    with pytest.raises(ServiceRequestError, match="non-TLS"):
        client.query_workspace(WORKSPACE_ID, "SigninLogs", timespan=WINDOW)


def test_an_unknown_workspace_id_is_not_found(client: LogsQueryClient) -> None:
    with pytest.raises(HttpResponseError) as raised:
        client.query_workspace("not-this-one", "SigninLogs", timespan=WINDOW, **HTTP)
    assert raised.value.status_code == 404


def test_a_bad_query_is_a_400_with_the_engine_message(client: LogsQueryClient) -> None:
    with pytest.raises(HttpResponseError) as raised:
        client.query_workspace(WORKSPACE_ID, "NoSuchTable", timespan=WINDOW, **HTTP)
    assert raised.value.status_code == 400
    assert isinstance(raised.value.model, LogsQueryError)
    assert NOT_A_TABLE in raised.value.model.message


def test_a_bad_query_is_rejected_not_retryable(remote: AzureWorkspace) -> None:
    with pytest.raises(QueryRejected) as raised:
        remote.query("NoSuchTable", WINDOW)
    assert not raised.value.retryable


def test_a_batch_answers_each_query_in_request_order(client: LogsQueryClient) -> None:
    queries = [
        LogsBatchQuery(WORKSPACE_ID, 'SigninLogs | where ResultType == "50126"', timespan=WINDOW),
        LogsBatchQuery(WORKSPACE_ID, "NoSuchTable", timespan=WINDOW),
        LogsBatchQuery(WORKSPACE_ID, "SigninLogs", timespan=WINDOW, server_timeout=30),
    ]
    first, second, third = client.query_batch(queries, **HTTP)
    assert len(first.tables[0].rows) == 5
    assert isinstance(second, LogsQueryError)
    assert NOT_A_TABLE in second.message
    assert len(third.tables[0].rows) == 10


def test_throttling_answers_429_with_retry_after(server: WorkspaceServer, remote: AzureWorkspace) -> None:
    server.set_faults(Faults(script=["throttle"], retry_after=7))
    with pytest.raises(QueryThrottled) as raised:
        remote.query("SigninLogs", WINDOW)
    assert raised.value.retry_after == 7
    assert remote.query("SigninLogs", WINDOW).rows


def test_a_server_error_answers_its_5xx_status(server: WorkspaceServer, remote: AzureWorkspace) -> None:
    server.set_faults(Faults(script=["server_error"], server_error_status=502))
    with pytest.raises(ServiceUnavailable) as raised:
        remote.query("SigninLogs", WINDOW)
    assert raised.value.status == 502


def test_a_dropped_connection_surfaces_as_connection_dropped(
    server: WorkspaceServer, remote: AzureWorkspace
) -> None:
    server.set_faults(Faults(script=["drop"]))
    with pytest.raises(ConnectionDropped):
        remote.query("SigninLogs", WINDOW)
    assert server.stats.outcomes == {"drop": 1}


def test_a_partial_result_carries_the_rows_that_came_back(
    server: WorkspaceServer, client: LogsQueryClient, remote: AzureWorkspace
) -> None:
    server.set_faults(Faults(script=["partial", "partial"]))
    result = client.query_workspace(WORKSPACE_ID, "SigninLogs", timespan=WINDOW, **HTTP)
    assert isinstance(result, LogsQueryPartialResult)
    assert result.partial_error is not None and "partial failure" in result.partial_error.message
    with pytest.raises(PartialResult) as raised:
        remote.query("SigninLogs", WINDOW)
    assert len(raised.value.table.rows) == 5


def test_a_timeout_fault_answers_504(server: WorkspaceServer, remote: AzureWorkspace) -> None:
    server.set_faults(Faults(script=["timeout"]))
    with pytest.raises(QueryTimedOut):
        remote.query("SigninLogs", WINDOW)


def test_latency_beyond_the_prefer_wait_is_a_server_timeout(
    server: WorkspaceServer, client: LogsQueryClient
) -> None:
    server.set_faults(Faults(latency=1.5))
    with pytest.raises(HttpResponseError) as raised:
        client.query_workspace(WORKSPACE_ID, "SigninLogs", timespan=WINDOW, server_timeout=1, **HTTP)
    assert raised.value.status_code == 504


def test_the_server_binds_only_the_loopback_interface(workspace: LocalWorkspace) -> None:
    with pytest.raises(KqlrulesError, match="loopback"):
        WorkspaceServer(workspace, host="0.0.0.0")


def test_a_duration_timespan_ends_now(remote: AzureWorkspace) -> None:
    recent = remote.query("SigninLogs", timedelta(hours=1))
    assert recent.rows == []  # the sample rows are from 2024; an hour before now has none
    assert datetime.now(UTC) > T0


def test_a_get_query_takes_query_and_timespan_as_url_parameters(server: WorkspaceServer) -> None:
    token = server.token
    connection = http.client.HTTPConnection("127.0.0.1", server.port)
    params = urlencode({"query": "SigninLogs", "timespan": "2024-05-01T10:00:00Z/PT3M"})
    connection.request(
        "GET", f"/v1/workspaces/{WORKSPACE_ID}/query?{params}", headers={"Authorization": f"Bearer {token}"}
    )
    response = connection.getresponse()
    assert response.status == 200
    assert len(json.loads(response.read())["tables"][0]["rows"]) == 3
