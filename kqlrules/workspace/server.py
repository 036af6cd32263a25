"""A local Log Analytics query API (v1) over any `Workspace`, for tests, demos and offline runs.

Speaks what `azure.monitor.query.LogsQueryClient` speaks: `POST /v1/workspaces/{id}/query` (and `GET` with
`query`/`timespan` parameters), `POST /v1/$batch`, `Prefer: wait=N` as the server timeout, results as
`{"tables": [...]}`, partial results as tables plus a `PartialError`, errors as `{"error": {...}}` with the
service's status codes (400, 401, 404, 429 with `Retry-After`, 5xx, 504). Binds the loopback interface only
and refuses any request without a bearer token from `LocalCredential`. `Faults` inject the service's bad days.

Rows can be sent in as Azure Monitor's Logs Ingestion API takes them
(https://learn.microsoft.com/azure/azure-monitor/logs/logs-ingestion-api-overview):
`POST /dataCollectionRules/{dcr-immutable-id}/streams/{stream}?api-version=2023-01-01` with a JSON array
of objects; the stream `Custom-<Table>` or `Microsoft-<Table>` names the table; 204 on success. The rows are
stamped with their arrival as their ingestion time (a workspace that can take rows: `LocalWorkspace`).
"""

from __future__ import annotations

import contextlib
import hmac
import json
import logging
import socket
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from kqlrules.errors import KqlrulesError
from kqlrules.table import Table
from kqlrules.workspace.credential import is_local_token
from kqlrules.workspace.errors import (
    AuthenticationFailed,
    PartialResult,
    QueryThrottled,
    QueryTimedOut,
    ServiceUnavailable,
)
from kqlrules.workspace.faults import FaultDraw, Faults
from kqlrules.workspace.protocol import Workspace
from kqlrules.workspace.wire import TimespanFormatError, encode_table, parse_timespan_param

log = logging.getLogger("kqlrules.workspace.server")

LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")
DEFAULT_WAIT_SECONDS = 180
MAX_WAIT_SECONDS = 600


@dataclass
class Reply:
    status: int
    body: dict[str, Any] | None  # None: drop the connection without answering
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class ServerStats:
    """What the server saw: for tests that check a client's manners (concurrency, rate, retries)."""

    queries: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    in_flight: int = 0
    max_in_flight: int = 0
    # time.monotonic() of the latest query requests
    started_at: deque[float] = field(default_factory=lambda: deque(maxlen=100_000))


def error_body(code: str, message: str, inner: dict[str, Any] | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message, "correlationId": str(uuid.uuid4())}
    if inner:
        error["innererror"] = inner
    return {"error": error}


class QueryService:
    """The HTTP-free part: turns one request into one `Reply`."""

    def __init__(
        self,
        workspace: Workspace,
        *,
        faults: Faults | None = None,
        workspace_id: str | None = None,
        token: str | None = None,
    ) -> None:
        self.workspace = workspace
        self.workspace_id = workspace_id
        self.token = token
        self.stats = ServerStats()
        self._stats_lock = threading.Lock()
        self.set_faults(faults or Faults())

    def set_faults(self, faults: Faults) -> None:
        self._draw = FaultDraw(faults)

    @property
    def faults(self) -> Faults:
        return self._draw.faults

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Reply:
        if not self._authorized(headers.get("authorization", "")):
            return Reply(
                401,
                error_body("AuthorizationRequiredError", "Valid authentication was not provided"),
                {"WWW-Authenticate": 'Bearer authorization_uri="local", error="invalid_token"'},
            )
        url = urlsplit(target)
        parts = [unquote(p) for p in url.path.strip("/").split("/")]
        if parts == ["v1", "$batch"] and method == "POST":
            return self._batch(body)
        ingestion = len(parts) == 4 and parts[0] == "dataCollectionRules" and parts[2] == "streams"
        if ingestion and method == "POST":
            return self._ingest(parts[3], body)
        if len(parts) == 4 and parts[:2] == ["v1", "workspaces"] and parts[3] == "query":
            if not self._known(parts[2]):
                return Reply(404, error_body("WorkspaceNotFoundError", f"Workspace {parts[2]} not found"))
            prefer = headers.get("prefer", "")
            if method == "GET":
                params = parse_qs(url.query)
                request = {
                    "query": params.get("query", [""])[0],
                    "timespan": params.get("timespan", [None])[0],
                }
                return self._query(request, prefer)
            if method == "POST":
                try:
                    request = json.loads(body or b"{}")
                except ValueError:
                    return Reply(400, error_body("BadArgumentError", "The request body is not JSON"))
                return self._query(request, prefer)
        return Reply(404, error_body("PathNotFoundError", f"The requested path does not exist: {url.path}"))

    def _ingest(self, stream: str, body: bytes) -> Reply:
        append = getattr(self.workspace, "append", None)
        if append is None:
            return Reply(404, error_body("PathNotFoundError", "this workspace takes no ingestion"))
        prefix, _, table = stream.partition("-")
        if prefix not in ("Custom", "Microsoft") or not table:
            return Reply(400, error_body("InvalidStream", f"unknown stream {stream!r}: Custom-<Table>"))
        try:
            records = json.loads(body or b"null")
        except ValueError:
            return Reply(400, error_body("InvalidPayload", "The request body is not JSON"))
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            return Reply(400, error_body("InvalidPayload", "The body must be a JSON array of objects"))
        try:
            append(table, records)
        except KqlrulesError as error:
            return Reply(400, error_body("InvalidPayload", str(error)))
        return Reply(204, {})

    def _authorized(self, authorization: str) -> bool:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            return False
        return hmac.compare_digest(token, self.token) if self.token else is_local_token(token)

    def _known(self, workspace_id: str) -> bool:
        return self.workspace_id is None or workspace_id == self.workspace_id

    def _query(self, request: Any, prefer: str) -> Reply:
        with self._stats_lock:
            self.stats.queries += 1
            self.stats.in_flight += 1
            self.stats.max_in_flight = max(self.stats.max_in_flight, self.stats.in_flight)
            self.stats.started_at.append(time.monotonic())
        fault = self._draw.next()
        try:
            reply = self._answer(request, prefer, fault)
        finally:
            with self._stats_lock:
                self.stats.in_flight -= 1
        outcome = (
            "drop" if reply.body is None else f"{reply.status}{'-partial' if fault == 'partial' else ''}"
        )
        with self._stats_lock:
            self.stats.outcomes[outcome] = self.stats.outcomes.get(outcome, 0) + 1
        return reply

    def _answer(self, request: Any, prefer: str, fault: str) -> Reply:
        if fault == "drop":
            return Reply(0, None)
        if fault == "throttle":
            seconds = self.faults.retry_after
            return Reply(
                429,
                error_body("ThrottledError", "Too many requests, retry after the given interval"),
                {"Retry-After": f"{seconds:g}"},
            )
        if fault == "server_error":
            status = self.faults.server_error_status
            return Reply(status, error_body("ServiceError", f"Injected server error {status}"))
        wait = _prefer_wait(prefer)
        latency = self.faults.latency
        if fault == "timeout" or latency > wait:
            time.sleep(min(latency, wait))
            return _gateway_timeout(wait)
        if latency:
            time.sleep(latency)
        if not isinstance(request, dict) or not isinstance(request.get("query"), str) or not request["query"]:
            return Reply(400, error_body("BadArgumentError", "The request had no query"))
        started = time.perf_counter()
        try:
            span = parse_timespan_param(request.get("timespan"), datetime.now(UTC))
            table = self.workspace.query(request["query"], span)
        except TimespanFormatError as error:
            return Reply(400, error_body("BadArgumentError", str(error)))
        except KqlrulesError as error:
            return _error_reply(error)
        except Exception:
            log.exception("local workspace failed a query")
            return Reply(500, error_body("InternalServerError", "The local workspace failed the query"))
        body: dict[str, Any] = {"tables": [encode_table(table)]}
        if "include-statistics=true" in prefer:
            body["statistics"] = {"query": {"executionTime": time.perf_counter() - started}}
        if fault == "partial":
            return Reply(200, _partial(table, body))
        return Reply(200, body)

    def _batch(self, body: bytes) -> Reply:
        try:
            requests = json.loads(body or b"{}").get("requests")
        except (ValueError, AttributeError):
            requests = None
        if not isinstance(requests, list):
            return Reply(400, error_body("BadArgumentError", "A batch needs a list of requests"))
        responses = []
        for item in requests:
            item_id = item.get("id") if isinstance(item, dict) else None
            if not isinstance(item, dict) or not isinstance(item_id, str):
                return Reply(400, error_body("BadArgumentError", "Each batch request needs an id"))
            if not self._known(str(item.get("workspace"))):
                reply = Reply(404, error_body("WorkspaceNotFoundError", f"Workspace {item.get('workspace')}"))
            else:
                headers = {k.lower(): v for k, v in (item.get("headers") or {}).items()}
                reply = self._query(item.get("body"), headers.get("prefer", ""))
            if reply.body is None:  # a dropped connection drops the whole batch
                return reply
            responses.append(
                {"id": item_id, "status": reply.status, "body": reply.body, "headers": reply.headers}
            )
        return Reply(200, {"responses": responses})


def _prefer_wait(prefer: str) -> float:
    for part in prefer.split(","):
        name, _, value = part.strip().partition("=")
        if name.lower() == "wait" and value.strip().isdigit():
            return float(min(int(value), MAX_WAIT_SECONDS))
    return float(DEFAULT_WAIT_SECONDS)


def _gateway_timeout(wait: float) -> Reply:
    return Reply(504, error_body("GatewayTimeout", f"The query exceeded the server timeout of {wait:g} s"))


def _partial(table: Table, body: dict[str, Any]) -> dict[str, Any]:
    half = Table(table.columns, table.rows[: len(table.rows) // 2])
    return {
        **body,
        "tables": [encode_table(half)],
        "error": {
            "code": "PartialError",
            "message": "There were some errors when processing your query.",
            "details": [
                {"code": "EngineError", "message": "Injected partial failure: some shards did not answer"}
            ],
            "innererror": {
                "code": "EngineError",
                "message": "Injected partial failure: some shards did not answer",
            },
        },
    }


def _error_reply(error: KqlrulesError) -> Reply:
    if isinstance(error, QueryThrottled):
        headers = {"Retry-After": f"{error.retry_after:g}"} if error.retry_after is not None else {}
        return Reply(429, error_body("ThrottledError", error.message), headers)
    if isinstance(error, ServiceUnavailable):
        return Reply(error.status, error_body("ServiceError", error.message))
    if isinstance(error, QueryTimedOut):
        return Reply(504, error_body("GatewayTimeout", error.message))
    if isinstance(error, PartialResult):
        return Reply(200, _partial(error.table, {"tables": [encode_table(error.table)]}))
    if isinstance(error, AuthenticationFailed):
        return Reply(403, error_body("InsufficientAccessError", error.message))
    inner: dict[str, Any] = {"code": type(error).__name__, "message": str(error)}
    if error.location is not None and error.location.line > 0:
        inner["line"] = error.location.line
        inner["pos"] = error.location.col
    return Reply(400, error_body("BadArgumentError", "The request had some invalid properties", inner))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def setup(self) -> None:
        super().setup()
        # Headers and body leave in two writes; without this, Nagle + delayed ACK add ~40 ms per answer.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def _serve(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        reply = self.server.service.handle(method, self.path, headers, body)
        if reply.body is None:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        payload = b"" if reply.status == 204 else json.dumps(reply.body, separators=(",", ":")).encode()
        self.send_response(reply.status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    service: QueryService

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that vanished mid-request (killed, timed out) is routine here, not worth a traceback.
        log.debug("request from %s ended abruptly", client_address, exc_info=True)


class WorkspaceServer:
    """Serves a `Workspace` at `url` (`http://127.0.0.1:PORT`); use with `LogsQueryClient(endpoint=url)`."""

    def __init__(
        self,
        workspace: Workspace,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        faults: Faults | None = None,
        workspace_id: str | None = None,
        token: str | None = None,
    ) -> None:
        if host not in LOOPBACK_HOSTS:
            raise KqlrulesError(
                f"the local workspace server binds the loopback interface only, not {host!r}",
                hint="it has no TLS and accepts local tokens; use 127.0.0.1",
            )
        self.service = QueryService(workspace, faults=faults, workspace_id=workspace_id, token=token)
        try:
            self._server = _Server((host, port), _Handler)
        except OSError as error:
            raise KqlrulesError(f"cannot listen on {host}:{port}: {error.strerror}") from None
        self._server.service = self.service
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def stats(self) -> ServerStats:
        return self.service.stats

    def set_faults(self, faults: Faults) -> None:
        self.service.set_faults(faults)

    def start(self) -> WorkspaceServer:
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="workspace-server", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()

    def __enter__(self) -> WorkspaceServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
