"""A local Log Analytics query API (v1) over any `Workspace`, for tests, demos and offline runs.

Speaks what `azure.monitor.query.LogsQueryClient` speaks: `POST /v1/workspaces/{id}/query` (and `GET` with
`query`/`timespan` parameters), `POST /v1/$batch`, `Prefer: wait=N` as the server timeout, results as
`{"tables": [...]}`, partial results as tables plus a `PartialError`, errors as `{"error": {...}}` with the
service's status codes (400, 401, 404, 413, 429 with `Retry-After`, 5xx, 504). Binds the loopback interface
only and refuses any request without the bearer token drawn at this server's start (`server.credential()`
in-process, `local_token_file(port)` for other processes). `Faults` inject the service's bad days.

Under load it behaves as the service does: at most `max_concurrent` requests are worked on at once and the
rest are answered 429 with `Retry-After` (Log Analytics throttles the same way,
https://learn.microsoft.com/azure/azure-monitor/service-limits#la-query-api); the token is checked before
the body is read; a body above `MAX_BODY_BYTES` is refused with 413; a client that stops sending is cut
off after `client_timeout` seconds.

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
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from kqlrules.errors import KqlrulesError
from kqlrules.table import Table
from kqlrules.workspace.credential import (
    LocalCredential,
    new_token,
    remove_token_file,
    write_token_file,
)
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
# The Logs Ingestion API takes at most 1 MB per call
# (https://learn.microsoft.com/azure/azure-monitor/logs/logs-ingestion-api-overview#limits-and-restrictions);
# a query or a batch of them is far smaller. One cap for every endpoint.
MAX_BODY_BYTES = 1024 * 1024
# The runner keeps 5 queries in flight; tests and a user's ad-hoc queries come on top.
DEFAULT_MAX_CONCURRENT = 16
LISTEN_BACKLOG = 128
DEFAULT_CLIENT_TIMEOUT_SECONDS = 30.0
BUSY_RETRY_AFTER_SECONDS = 1
ALLOW = {"Allow": "GET, POST"}


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


UNAUTHORIZED = Reply(
    401,
    {"error": {"code": "AuthorizationRequiredError", "message": "Valid authentication was not provided"}},
    {"WWW-Authenticate": 'Bearer authorization_uri="local", error="invalid_token"'},
)


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
        self.token = token or new_token()
        self.stats = ServerStats()
        self._stats_lock = threading.Lock()
        self.set_faults(faults or Faults())

    def set_faults(self, faults: Faults) -> None:
        self._draw = FaultDraw(faults)

    @property
    def faults(self) -> Faults:
        return self._draw.faults

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Reply:
        if not self.authorized(headers.get("authorization", "")):
            return UNAUTHORIZED
        try:
            return self._route(method, target, headers, body)
        except Exception:  # a bug here must still answer, not drop the connection
            log.exception("the local workspace server failed a request")
            return Reply(500, error_body("InternalServerError", "The local server failed the request"))

    def _route(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Reply:
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

    def authorized(self, authorization: str) -> bool:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            return False
        # Constant time: the comparison must not tell an attacker how many leading characters were right.
        return hmac.compare_digest(token.encode(), self.token.encode())

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
        timespan = request.get("timespan")
        if timespan is not None and not isinstance(timespan, str):
            return Reply(400, error_body("BadArgumentError", "timespan must be an ISO 8601 interval string"))
        started = time.perf_counter()
        try:
            span = parse_timespan_param(timespan, datetime.now(UTC))
        except TimespanFormatError as error:
            return Reply(400, error_body("BadArgumentError", str(error)))
        outcome = _run_with_deadline(lambda: self.workspace.query(request["query"], span), wait - latency)
        if outcome is None:
            return _gateway_timeout(wait)
        table, failure = outcome
        if isinstance(failure, KqlrulesError):
            return _error_reply(failure)
        if failure is not None or table is None:
            log.error("local workspace failed a query", exc_info=failure)
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
                raw_headers = item.get("headers") or {}
                if not isinstance(raw_headers, dict) or not all(
                    isinstance(v, str) for v in raw_headers.values()
                ):
                    return Reply(
                        400,
                        error_body("BadArgumentError", f"Batch request {item_id}: headers must be strings"),
                    )
                headers = {str(k).lower(): v for k, v in raw_headers.items()}
                reply = self._query(item.get("body"), headers.get("prefer", ""))
            if reply.body is None:  # a dropped connection drops the whole batch
                return reply
            responses.append(
                {"id": item_id, "status": reply.status, "body": reply.body, "headers": reply.headers}
            )
        return Reply(200, {"responses": responses})


def _run_with_deadline(
    query: Callable[[], Table], seconds: float
) -> tuple[Table | None, BaseException | None] | None:
    """Run `query` for at most `seconds`: its table or its exception, or None when the deadline passed.

    The service cancels a query that outlives `Prefer: wait`; a local engine cannot be interrupted
    safely from outside, so the query finishes on its own thread and its result is dropped. The client
    gets its 504 on time and the request's worker slot is freed; the abandoned query still uses CPU until
    it ends."""
    done = threading.Event()
    outcome: list[tuple[Table | None, BaseException | None]] = []

    def work() -> None:
        try:
            outcome.append((query(), None))
        except Exception as error:  # handed to the request thread, which answers for it
            outcome.append((None, error))
        finally:
            done.set()

    threading.Thread(target=work, name="workspace-query", daemon=True).start()
    if not done.wait(max(seconds, 0.0)):
        return None
    return outcome[0]


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
        self.connection.settimeout(self.server.client_timeout)  # a client that stops sending is cut off
        # Headers and body leave in two writes; without this, Nagle + delayed ACK add ~40 ms per answer.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    # Methods the API does not take on any path: 405 with the ones it does (RFC 9110 15.5.6), as for a
    # method nobody knows (see `send_error`): a client error either way, never a server one.
    def do_PUT(self) -> None:
        self._not_allowed()

    do_DELETE = do_PATCH = do_OPTIONS = do_PUT

    def _not_allowed(self) -> None:
        length = _content_length(self.headers.get_all("Content-Length") or [])
        reply = Reply(405, error_body("MethodNotAllowed", f"{self.command} is not allowed"), ALLOW)
        self._refuse(reply, MAX_BODY_BYTES + 1 if length is None else length)

    def _serve(self, method: str) -> None:
        length = _content_length(self.headers.get_all("Content-Length") or [])
        if length is None:
            self.close_connection = True
            bad = error_body("BadArgumentError", "Content-Length must be one whole number >= 0")
            self._send(Reply(400, bad))
            return
        service = self.server.service
        # Authenticate on the headers alone: an anonymous client never gets the server to hold its body.
        if not service.authorized(self.headers.get("Authorization", "")):
            self._refuse(UNAUTHORIZED, length)
            return
        if length > MAX_BODY_BYTES:
            self._refuse(
                Reply(413, error_body("PayloadTooLarge", f"The body is over {MAX_BODY_BYTES} bytes")), length
            )
            return
        if not self.server.slots.acquire(blocking=False):
            busy = Reply(
                429,
                error_body("ThrottledError", "Too many requests in flight, retry after the given interval"),
                {"Retry-After": str(BUSY_RETRY_AFTER_SECONDS)},
            )
            self._refuse(busy, length)
            return
        try:
            body = self.rfile.read(length) if length else b""
            if len(body) < length:  # the client hung up mid-body
                self.close_connection = True
                return
            headers = {k.lower(): v for k, v in self.headers.items()}
            reply = service.handle(method, self.path, headers, body)
        finally:
            self.server.slots.release()
        if reply.body is None:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self._send(reply)

    def _refuse(self, reply: Reply, length: int) -> None:
        """Answer without reading the body into memory; a small body is drained so the connection can be
        reused (closing on unread bytes makes the kernel send a reset that can swallow the answer)."""
        if length <= MAX_BODY_BYTES:
            remaining = length
            while remaining > 0:
                chunk = self.rfile.read(min(remaining, 65536))
                if not chunk:
                    break
                remaining -= len(chunk)
        else:
            self.close_connection = True
        self._send(reply)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own refusals (a request line it cannot parse, an unknown method) as the API's JSON
        errors, with a status line even for a one-word "HTTP/0.9" request, which no client here speaks."""
        self.close_connection = True
        if getattr(self, "request_version", "HTTP/0.9") == "HTTP/0.9":
            self.request_version = "HTTP/1.0"
        if code == 501:  # http.server's answer to a method it has no do_ for: the API allows GET and POST
            self._send(Reply(405, error_body("MethodNotAllowed", f"{self.command} is not allowed"), ALLOW))
            return
        reason = message or self.responses.get(code, ("Error",))[0]
        self._send(Reply(code, error_body("BadRequest", reason)))

    def _send(self, reply: Reply) -> None:
        body = reply.body or {}
        payload = b"" if reply.status == 204 else json.dumps(body, separators=(",", ":")).encode()
        self.send_response(reply.status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        if self.close_connection:
            self.send_header("Connection", "close")
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)


def _content_length(values: list[str]) -> int | None:
    """The body's length; None for a malformed, negative or repeated-and-different header (RFC 9110 8.6)."""
    if not values:
        return 0
    if len(set(values)) != 1 or not values[0].strip().isdigit() or not values[0].strip().isascii():
        return None
    return int(values[0])


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # The kernel's queue of connections not yet accepted; the default 5 reset connections under a burst.
    request_queue_size = LISTEN_BACKLOG
    service: QueryService
    slots: threading.BoundedSemaphore
    client_timeout: float

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that vanished mid-request (killed, timed out) is routine here, not worth a traceback.
        log.debug("request from %s ended abruptly", client_address, exc_info=True)


class WorkspaceServer:
    """Serves a `Workspace` at `url` (`http://127.0.0.1:PORT`); use with `LogsQueryClient(server.credential(),
    endpoint=server.url)`. The token is drawn per start and written to `token_file` (mode 0600) for other
    processes of the same user; `stop()` removes the file."""

    def __init__(
        self,
        workspace: Workspace,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        faults: Faults | None = None,
        workspace_id: str | None = None,
        token: str | None = None,
        max_concurrent: int = DEFAULT_MAX_CONCURRENT,
        client_timeout: float = DEFAULT_CLIENT_TIMEOUT_SECONDS,
    ) -> None:
        if host not in LOOPBACK_HOSTS:
            raise KqlrulesError(
                f"the local workspace server binds the loopback interface only, not {host!r}",
                hint="it has no TLS; use 127.0.0.1",
            )
        self.service = QueryService(workspace, faults=faults, workspace_id=workspace_id, token=token)
        try:
            self._server = _Server((host, port), _Handler)
        except OSError as error:
            raise KqlrulesError(f"cannot listen on {host}:{port}: {error.strerror}") from None
        self._server.service = self.service
        self._server.slots = threading.BoundedSemaphore(max_concurrent)
        self._server.client_timeout = client_timeout
        self._thread: threading.Thread | None = None
        try:
            self.token_file = write_token_file(self.port, self.service.token)
        except OSError as error:
            self._server.server_close()
            raise KqlrulesError(f"cannot write the server's token file: {error}") from None

    @property
    def token(self) -> str:
        return self.service.token

    def credential(self) -> LocalCredential:
        """The credential in-process clients (the demo, tests) present to this server."""
        return LocalCredential(self.service.token)

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
        if self._thread is not None:
            self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        remove_token_file(self.port, self.service.token)

    def __enter__(self) -> WorkspaceServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
