"""Random requests at the local query server over real HTTP on 127.0.0.1: whatever arrives, the answer is
a 2xx or a 4xx, never a 5xx and never a connection dropped without a reply."""

from __future__ import annotations

import http.client
import json
import socket
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kqlrules.workspace import LocalWorkspace, WorkspaceServer
from tests.workspace.conftest import WORKSPACE_ID

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

PATHS = st.sampled_from(
    [
        f"/v1/workspaces/{WORKSPACE_ID}/query",
        "/v1/workspaces/other/query",
        "/v1/$batch",
        "/dataCollectionRules/dcr-1/streams/Custom-SigninLogs?api-version=2023-01-01",
        "/dataCollectionRules/dcr-1/streams/Nope",
        "/",
    ]
) | st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=40).map(
    lambda text: "/" + text
)

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)

BATCH_ITEM = st.fixed_dictionaries(
    {"id": st.text(max_size=4), "workspace": st.sampled_from([WORKSPACE_ID, "x"]), "body": JSON},
    optional={"headers": JSON},
)

BODIES = (
    st.binary(max_size=300)
    | JSON.map(lambda value: json.dumps(value).encode())
    | st.lists(BATCH_ITEM, max_size=3).map(lambda items: json.dumps({"requests": items}).encode())
    | st.fixed_dictionaries({"query": JSON, "timespan": JSON}).map(lambda value: json.dumps(value).encode())
)

HEADER_VALUE = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=30)


@pytest.fixture(scope="module")
def fuzzed() -> Iterator[WorkspaceServer]:
    from tests.workspace.conftest import signins

    workspace = LocalWorkspace(tables={"SigninLogs": signins()})
    with WorkspaceServer(workspace, workspace_id=WORKSPACE_ID, client_timeout=2) as running:
        yield running


@FUZZ
@given(
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE"]) | st.from_regex(r"\A[A-Z]{1,10}\Z"),
    path=PATHS,
    body=BODIES,
    authorized=st.booleans(),
    prefer=HEADER_VALUE,
)
def test_any_http_request_gets_a_2xx_or_4xx(
    fuzzed: WorkspaceServer, method: str, path: str, body: bytes, authorized: bool, prefer: str
) -> None:
    headers = {"Prefer": prefer, "Content-Type": "application/json"}
    if authorized:
        headers["Authorization"] = f"Bearer {fuzzed.token}"
    connection = http.client.HTTPConnection("127.0.0.1", fuzzed.port, timeout=30)
    try:
        connection.request(method, path, body, headers)
        response = connection.getresponse()  # a dropped connection raises here
        response.read()
    finally:
        connection.close()
    assert 200 <= response.status < 300 or 400 <= response.status < 500, (method, path, body)


@FUZZ
@given(head=st.binary(max_size=200).filter(lambda data: b"\r\n\r\n" not in data and b"\n\n" not in data))
def test_raw_bytes_as_a_request_get_a_4xx(fuzzed: WorkspaceServer, head: bytes) -> None:
    # Whatever the bytes, once the headers end the server owes an answer, and it is a client error.
    with socket.create_connection(("127.0.0.1", fuzzed.port), timeout=30) as connection:
        connection.sendall(head.replace(b"\n", b"\r\n") + b"\r\n\r\n")
        connection.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    if answer:  # an empty request line is not a request: the server just closes
        assert answer[:9] in (b"HTTP/1.1 ", b"HTTP/1.0 ") and answer[9:10] in (b"2", b"4"), answer[:100]
