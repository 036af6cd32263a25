"""Proxies from the environment: honoured for a remote endpoint (azure-core's default), not for the local
server on 127.0.0.1, which no proxy can stand in front of. Real HTTP on loopback, a real (refusing) proxy."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest

from kqlrules.workspace import AzureWorkspace, ConnectionDropped, WorkspaceServer
from tests.workspace.conftest import T0, WORKSPACE_ID

WINDOW = (T0, T0 + timedelta(minutes=10))
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


class RecordingProxy:
    """Accepts connections on 127.0.0.1, keeps each request's first line, and closes without answering."""

    def __init__(self) -> None:
        self._socket = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}"
        self.request_lines: list[str] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self._socket.accept()
            except OSError:
                return
            with connection:
                data = connection.recv(4096)
                self.request_lines.append(data.split(b"\r\n", 1)[0].decode("latin-1"))

    def close(self) -> None:
        self._socket.close()


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[RecordingProxy]:
    running = RecordingProxy()
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.setenv("HTTP_PROXY", running.url)
    monkeypatch.setenv("HTTPS_PROXY", running.url)
    yield running
    running.close()


def test_the_local_server_is_reached_directly_whatever_proxy_the_environment_names(
    proxy: RecordingProxy, server: WorkspaceServer
) -> None:
    workspace = AzureWorkspace(WORKSPACE_ID, server.credential(), server.url, server_timeout=120)
    try:
        assert len(workspace.query("SigninLogs", WINDOW).rows) == 10
    finally:
        workspace.close()
    assert proxy.request_lines == []


def test_a_remote_endpoint_still_goes_through_the_environments_proxy(
    proxy: RecordingProxy, server: WorkspaceServer
) -> None:
    # A name that never resolves: only the proxy (told to CONNECT to it) is ever reached.
    workspace = AzureWorkspace(
        WORKSPACE_ID, server.credential(), "https://workspace.kqlrules.invalid", read_timeout=5
    )
    try:
        with pytest.raises(ConnectionDropped):
            workspace.query("SigninLogs", WINDOW)
    finally:
        workspace.close()
    assert proxy.request_lines and proxy.request_lines[0].startswith(
        "CONNECT workspace.kqlrules.invalid:443 "
    )
