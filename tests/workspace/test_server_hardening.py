"""The local query-API server under hostile or careless clients, over real HTTP on 127.0.0.1: a per-start
token, authentication before the body, a body cap, a timeout for slow clients, 429 when every worker is busy,
clean 400s for malformed requests, and `Prefer: wait` bounding a slow query."""

from __future__ import annotations

import http.client
import json
import socket
import stat
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from kqlrules.errors import KqlrulesError
from kqlrules.table import Table
from kqlrules.workspace import LocalCredential, LocalWorkspace, WorkspaceServer, open_workspace
from kqlrules.workspace.credential import TOKEN_ENV, local_token_file
from kqlrules.workspace.protocol import Timespan
from kqlrules.workspace.server import MAX_BODY_BYTES
from tests.workspace.conftest import WORKSPACE_ID

QUERY_PATH = f"/v1/workspaces/{WORKSPACE_ID}/query"
QUERY_BODY = json.dumps({"query": "SigninLogs", "timespan": "2024-05-01T10:00:00Z/PT10M"})


def post(
    server: WorkspaceServer, path: str, body: str | bytes, token: str | None = None, **headers: str
) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    sent = {"Authorization": f"Bearer {token or server.token}", "Content-Type": "application/json", **headers}
    connection.request("POST", path, body, sent)
    response = connection.getresponse()
    answer = response.status, dict(response.getheaders()), response.read()
    connection.close()
    return answer


def raw_exchange(server: WorkspaceServer, request: bytes) -> bytes:
    """Send `request` as is and read until the server answers and closes (or 10 s pass: a failure)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as connection:
        connection.sendall(request)
        received = b""
        while True:
            chunk = connection.recv(65536)
            if not chunk:
                return received
            received += chunk
            if b"\r\n\r\n" in received and b"Connection: close" in received:
                return received


def test_each_start_draws_a_new_random_token(workspace: LocalWorkspace) -> None:
    with WorkspaceServer(workspace) as first, WorkspaceServer(workspace) as second:
        assert first.token != second.token
        assert not first.token.startswith("kqlrules-local.")
        assert len(first.token) >= 32


def test_a_token_shaped_like_a_local_one_is_refused(server: WorkspaceServer) -> None:
    status, _, _ = post(server, QUERY_PATH, QUERY_BODY, token="kqlrules-local.anything")
    assert status == 401
    assert post(server, QUERY_PATH, QUERY_BODY, token=server.token + "x")[0] == 401
    assert post(server, QUERY_PATH, QUERY_BODY)[0] == 200


def test_the_token_file_is_readable_only_by_the_user_and_removed_at_stop(workspace: LocalWorkspace) -> None:
    with WorkspaceServer(workspace) as running:
        path = local_token_file(running.port)
        assert path == running.token_file
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        assert LocalCredential.for_endpoint(running.url).get_token("scope").token == running.token
    assert not path.exists()


def test_an_anonymous_client_is_refused_before_its_body_is_read(server: WorkspaceServer) -> None:
    # A 2 GB Content-Length and no body: the server answers from the headers alone, at once.
    request = f"POST {QUERY_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2000000000\r\n\r\n".encode()
    answer = raw_exchange(server, request)
    assert answer.startswith(b"HTTP/1.1 401")


def test_a_body_over_the_cap_is_refused_with_413(server: WorkspaceServer) -> None:
    request = (
        f"POST {QUERY_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {server.token}\r\n"
        f"Content-Length: {MAX_BODY_BYTES + 1}\r\n\r\n"
    ).encode()
    answer = raw_exchange(server, request)
    assert answer.startswith(b"HTTP/1.1 413")


@pytest.mark.parametrize("length", ["-5", "12abc", "1e3"])
def test_a_malformed_content_length_is_a_400(server: WorkspaceServer, length: str) -> None:
    request = (
        f"POST /v1/$batch HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {server.token}\r\n"
        f"Content-Length: {length}\r\n\r\n{{}}"
    ).encode()
    assert raw_exchange(server, request).startswith(b"HTTP/1.1 400")


def test_a_client_that_stops_sending_is_cut_off(workspace: LocalWorkspace) -> None:
    with (
        WorkspaceServer(workspace, client_timeout=0.2) as running,
        socket.create_connection(("127.0.0.1", running.port), timeout=10) as connection,
    ):
        connection.sendall(
            f"POST {QUERY_PATH} HTTP/1.1\r\nAuthorization: Bearer {running.token}\r\n"
            "Content-Length: 100\r\n\r\n{".encode()
        )
        assert connection.recv(65536) == b""  # closed by the server; a hang fails on the 10 s guard


@pytest.mark.parametrize("headers", ["not an object", ["Prefer", "wait=5"], {"Prefer": 5}, {"Prefer": None}])
def test_batch_requests_with_malformed_headers_are_a_400(server: WorkspaceServer, headers: object) -> None:
    batch = {
        "requests": [
            {
                "id": "1",
                "workspace": WORKSPACE_ID,
                "headers": headers,
                "body": {"query": "SigninLogs"},
                "method": "POST",
                "path": "/query",
            }
        ]
    }
    status, _, body = post(server, "/v1/$batch", json.dumps(batch))
    assert status == 400
    assert json.loads(body)["error"]["code"] == "BadArgumentError"


class _StuckWorkspace:
    """A workspace whose query runs until the test lets it go: a slow query without a clock."""

    def __init__(self) -> None:
        self.release = threading.Event()

    def query(self, kql: str, timespan: Timespan) -> Table:
        self.release.wait(60)
        return Table([], [])


@pytest.fixture
def stuck() -> Iterator[_StuckWorkspace]:
    workspace = _StuckWorkspace()
    yield workspace
    workspace.release.set()


def test_a_slow_query_beyond_prefer_wait_is_a_504(stuck: _StuckWorkspace) -> None:
    with WorkspaceServer(stuck) as running:
        status, _, body = post(running, "/v1/workspaces/any/query", QUERY_BODY, Prefer="wait=1")
        stuck.release.set()
    assert status == 504
    assert json.loads(body)["error"]["code"] == "GatewayTimeout"


def test_a_full_server_answers_429_with_retry_after_and_drops_nobody(stuck: _StuckWorkspace) -> None:
    burst = 48
    start = threading.Barrier(burst)

    def one(wait_for_the_others: bool) -> tuple[int, dict[str, str]]:
        if wait_for_the_others:
            start.wait()
        status, headers, _ = post(running, "/v1/workspaces/any/query", QUERY_BODY)
        return status, headers

    with (
        WorkspaceServer(stuck, max_concurrent=2) as running,
        ThreadPoolExecutor(burst + 2) as pool,
    ):
        holders = [pool.submit(one, False) for _ in range(2)]
        for _ in range(6000):  # until both workers are held by queries that wait for the test
            if running.stats.in_flight == 2:
                break
            threading.Event().wait(0.01)
        answers = list(pool.map(one, [True] * burst))  # a reset connection raises here
        stuck.release.set()
        held = [holder.result() for holder in holders]
    assert [status for status, _ in answers] == [429] * burst
    assert all(headers.get("Retry-After") == "1" for _, headers in answers)
    assert [status for status, _ in held] == [200, 200]


def test_a_client_of_a_server_that_is_not_running_is_told_how_to_start_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    with pytest.raises(KqlrulesError, match="no token for the local workspace server") as raised:
        open_workspace("any", endpoint="http://127.0.0.1:9")
    assert raised.value.hint is not None and "kqlrules workspace serve" in raised.value.hint


def test_a_token_given_in_the_environment_opens_a_server_started_elsewhere(
    workspace: LocalWorkspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with WorkspaceServer(workspace) as running:
        monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))  # its token file is out of sight
        monkeypatch.setenv(TOKEN_ENV, running.token)
        assert LocalCredential.for_endpoint(running.url).get_token("scope").token == running.token
