from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from azure.monitor.query import LogsQueryClient

from kqlrules.table import Column, Table
from kqlrules.workspace import AzureWorkspace, LocalWorkspace, WorkspaceServer

T0 = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
WORKSPACE_ID = "6c7b2b4e-1d0f-4e55-9a43-0c1f2e3d4b5a"


def signins() -> Table:
    columns = [
        Column("TimeGenerated", "datetime"),
        Column("UserPrincipalName", "string"),
        Column("ResultType", "string"),
        Column("Attempts", "long"),
        Column("Details", "dynamic"),
        Column("Elapsed", "timespan"),
    ]
    rows = [
        [
            T0 + timedelta(minutes=i),
            f"user{i % 3}@contoso.com",
            "50126" if i % 2 else "0",
            i,
            {"ip": f"10.0.0.{i}", "tags": ["a", i]},
            timedelta(seconds=i, microseconds=500),
        ]
        for i in range(10)
    ]
    return Table(columns, rows)


@pytest.fixture
def workspace() -> LocalWorkspace:
    return LocalWorkspace(tables={"SigninLogs": signins()})


@pytest.fixture
def server(workspace: LocalWorkspace) -> Iterator[WorkspaceServer]:
    with WorkspaceServer(workspace, workspace_id=WORKSPACE_ID) as running:
        yield running


@pytest.fixture
def client(server: WorkspaceServer) -> Iterator[LogsQueryClient]:
    logs = LogsQueryClient(server.credential(), endpoint=server.url, retry_total=0)
    yield logs
    logs.close()


@pytest.fixture
def remote(server: WorkspaceServer) -> Iterator[AzureWorkspace]:
    over_http = AzureWorkspace(WORKSPACE_ID, server.credential(), server.url, server_timeout=5)
    yield over_http
    over_http.close()
