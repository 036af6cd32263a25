"""A local ARM endpoint for scheduled query rules and Sentinel analytics rules, on 127.0.0.1.

It serves PUT / GET / DELETE / LIST for `Microsoft.Insights/scheduledQueryRules` (2023-12-01) and
`Microsoft.SecurityInsights/alertRules` (2025-09-01, and 2025-07-01-preview for NRT rules and
sub-techniques) with etags, If-Match / If-None-Match, paging, bearer token checks (the random token drawn at
start, see `credential.py`; checked before the body is read, which is capped), server-filled read-only
fields and the services' validation rules, including the query's (the Kusto analyzer) and that the action
groups a rule notifies exist (PUT `Microsoft.Insights/actionGroups/{name}` creates one). The real SDK clients
point at it through `base_url`, so tests and offline demos exercise the same code as a real deployment.
"""

from __future__ import annotations

import hmac
import json
import re
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

from kqlrules.datetimes import format_datetime_microseconds
from kqlrules.deploy.emulator.automations import route_automations
from kqlrules.deploy.emulator.credential import EMULATOR_TOKENS, EmulatorCredential
from kqlrules.deploy.emulator.sources import route_sources
from kqlrules.deploy.emulator.validation import (
    SENTINEL_PREVIEW,
    SENTINEL_STABLE_VERSIONS,
    SENTINEL_TEMPLATE_KINDS,
    SENTINEL_TEMPLATE_READ_ONLY,
    Context,
    QueryInfo,
    validate_monitor,
    validate_sentinel,
)
from kqlrules.deploy.emulator.watchlists import route_watchlists
from kqlrules.errors import KqlrulesError
from kqlrules.local_tokens import new_token, remove_token_file, write_token_file

_SCOPE = r"/subscriptions/(?P<sub>[^/]+)/resourceGroups/(?P<rg>[^/]+)"
MONITOR = re.compile(
    _SCOPE + r"/providers/Microsoft\.Insights/scheduledQueryRules(?:/(?P<name>[^/]+))?$", re.I
)
SENTINEL = re.compile(
    _SCOPE + r"/providers/Microsoft\.OperationalInsights/workspaces/(?P<ws>[^/]+)"
    r"/providers/Microsoft\.SecurityInsights/alertRules(?:/(?P<name>[^/]+))?$",
    re.I,
)
ACTION_GROUP = re.compile(_SCOPE + r"/providers/Microsoft\.Insights/actionGroups/(?P<name>[^/]+)$", re.I)
# No rule, watchlist or setting body comes near this; ARM's own limit for a whole template is 4 MB
# (https://learn.microsoft.com/azure/azure-resource-manager/templates/best-practices#template-limits).
MAX_BODY_BYTES = 4 * 1024 * 1024
API_VERSIONS = {
    # The stable scheduledQueryRules versions of the 2021-08-01 shape (criteria.allOf of log conditions);
    # 2018-04-16's is another resource shape altogether.
    "monitor": ("2023-12-01", "2022-06-15", "2021-08-01"),
    "sentinel": (*SENTINEL_STABLE_VERSIONS, SENTINEL_PREVIEW),
    "actiongroup": ("2023-01-01", "2022-06-01", "2021-09-01"),
}


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    api_version: str
    headers: dict[str, str]
    body: Any


@dataclass
class Stored:
    body: dict[str, Any]
    etag: str


@dataclass
class EmulatorState:
    resources: dict[str, Stored] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    action_groups: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)


class ArmEmulator:
    """Start with `with ArmEmulator() as arm:`; `arm.url` is the base URL to give the SDK clients."""

    def __init__(
        self,
        port: int = 0,
        page_size: int = 50,
        *,
        action_groups: Iterable[str] = (),
        validate_query: Callable[[str], QueryInfo] | None = None,
        token: str | None = None,
    ) -> None:
        """`action_groups`: resource ids that exist (rules may notify only those); `validate_query`: the
        service's query check (default: the Kusto analyzer over the built-in schemas); `token`: the bearer
        token to accept (default: a random one per start, written to a token file only the user reads)."""
        self.token = token or new_token()
        self.token_file: Path | None = None
        self.state = EmulatorState()
        self.state.action_groups.update(a.rstrip("/").lower() for a in action_groups)
        if validate_query is None:
            from kqlrules.deploy.emulator.queries import analyzer_validation

            validate_query = analyzer_validation()
        self.validate_query = validate_query
        self.page_size = page_size
        handler = type("Handler", (_Handler,), {"emulator": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def requests(self) -> list[Recorded]:
        return list(self.state.requests)

    def credential(self) -> EmulatorCredential:
        """The credential this emulator accepts, for clients in this process."""
        return EmulatorCredential(self.token)

    def write_token_file(self) -> None:
        """Write this start's token for other processes of the user (done by `start` and `serve_forever`)."""
        if self.token_file is not None:
            return
        try:
            self.token_file = write_token_file(self.port, self.token, EMULATOR_TOKENS)
        except OSError as error:
            self._server.server_close()
            raise KqlrulesError(f"cannot write the emulator's token file: {error}") from None

    def start(self) -> ArmEmulator:
        self.write_token_file()
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="arm-emulator",
            daemon=True,
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self.write_token_file()
        try:
            self._server.serve_forever()
        finally:
            remove_token_file(self.port, self.token, EMULATOR_TOKENS)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        remove_token_file(self.port, self.token, EMULATOR_TOKENS)

    def __enter__(self) -> ArmEmulator:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


def _error(status: HTTPStatus, code: str, message: str, details: list[str] | None = None) -> tuple[int, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if details:
        error["details"] = [{"code": code, "message": d} for d in details]
    return status, {"error": error}


class _Handler(BaseHTTPRequestHandler):
    emulator: ArmEmulator
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: tests read `emulator.requests` instead

    def do_GET(self) -> None:
        self._handle("GET")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def _handle(self, method: str) -> None:
        # Authenticate and size the request before reading a byte of its body: a stranger's request (or
        # a huge one) is answered without being read, and the connection closed.
        refused = self._refusal()
        if refused is not None:
            self.close_connection = True
            self._reply(*refused, {"Connection": "close"})
            return
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except (ValueError, RecursionError):
            body = ValueError
        state = self.emulator.state
        with state.lock:
            state.requests.append(
                Recorded(
                    method,
                    url.path,
                    query.get("api-version", ""),
                    dict(self.headers.items()),
                    None if body is ValueError else body,
                )
            )
            status, payload, headers = self._route(method, url.path, query, body)
        self._reply(status, payload, headers)

    def _refusal(self) -> tuple[int, Any] | None:
        scheme, _, token = (self.headers.get("Authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            token.strip().encode(), self.emulator.token.encode()
        ):
            return _error(HTTPStatus.UNAUTHORIZED, "AuthenticationFailed", "a valid bearer token is required")
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0:
            return _error(HTTPStatus.BAD_REQUEST, "InvalidContentLength", "Content-Length is not a length")
        if length > MAX_BODY_BYTES:
            return _error(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                "RequestEntityTooLarge",
                f"the body is {length} bytes; the emulator takes at most {MAX_BODY_BYTES}",
            )
        return None

    def _reply(self, status: int, payload: Any, headers: dict[str, str]) -> None:
        data = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("x-ms-request-id", str(uuid.uuid4()))
        for key, value in headers.items():
            self.send_header(key, value)
        if payload is not None:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _route(
        self, method: str, path: str, query: dict[str, str], body: Any
    ) -> tuple[int, Any, dict[str, str]]:
        sources = route_sources(self, method, path, query, body)  # kqlrules.deploy.emulator.sources
        if sources is not None:
            return sources
        automations = route_automations(self, method, path, query, body)  # emulator.automations
        if automations is not None:
            return automations
        watchlists = route_watchlists(self, method, path, query, body)  # kqlrules.deploy.emulator.watchlists
        if watchlists is not None:
            return watchlists
        for kind, pattern in (("monitor", MONITOR), ("sentinel", SENTINEL), ("actiongroup", ACTION_GROUP)):
            match = pattern.match(path)
            if match is None:
                continue
            version = query.get("api-version")
            if version not in API_VERSIONS[kind]:
                return (
                    *_error(
                        HTTPStatus.BAD_REQUEST,
                        "InvalidApiVersionParameter",
                        f"api-version {version!r} is not supported; use {' or '.join(API_VERSIONS[kind])}",
                    ),
                    {},
                )
            name = match.group("name")
            if kind == "actiongroup":
                return self._action_group(method, path, name)
            if name is None:
                if method != "GET":
                    return (*_error(HTTPStatus.METHOD_NOT_ALLOWED, "MethodNotAllowed", method), {})
                return self._list(path, query)
            return self._resource(kind, method, path, name, body, version or "")
        return (*_error(HTTPStatus.NOT_FOUND, "InvalidResourceType", f"no such resource type: {path}"), {})

    def _list(self, path: str, query: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        prefix = path.lower().rstrip("/") + "/"
        items = [
            s.body
            for key, s in sorted(self.emulator.state.resources.items())
            if key.startswith(prefix) and "/" not in key[len(prefix) :]
        ]
        skip = query.get("$skipToken", "0")
        if not skip.isdigit():
            return (*_error(HTTPStatus.BAD_REQUEST, "InvalidSkipToken", f"$skipToken {skip!r}"), {})
        start = int(skip)
        size = self.emulator.page_size
        page: dict[str, Any] = {"value": items[start : start + size]}
        if start + size < len(items):
            rest = urlencode({"api-version": query["api-version"], "$skipToken": start + size})
            page["nextLink"] = f"{self.emulator.url}{path}?{rest}"
        return HTTPStatus.OK, page, {}

    def _action_group(self, method: str, path: str, name: str) -> tuple[int, Any, dict[str, str]]:
        """Just enough of `Microsoft.Insights/actionGroups` for rules to notify a group that exists."""
        groups = self.emulator.state.action_groups
        key = path.rstrip("/").lower()
        if method == "PUT":
            created = key not in groups
            groups.add(key)
            return (HTTPStatus.CREATED if created else HTTPStatus.OK), {"id": path, "name": name}, {}
        if method == "DELETE":
            groups.discard(key)
            return HTTPStatus.OK, None, {}
        if key not in groups:
            return (*_error(HTTPStatus.NOT_FOUND, "ResourceNotFound", f"{name} was not found"), {})
        return HTTPStatus.OK, {"id": path, "name": name}, {}

    def _context(self, path: str, version: str) -> Context:
        prefix = path.lower().rsplit("/", 1)[0] + "/"
        nrt = sum(
            1
            for key, stored in self.emulator.state.resources.items()
            if key.startswith(prefix) and key != path.lower() and stored.body.get("kind") == "NRT"
        )
        return Context(self.emulator.validate_query, self.emulator.state.action_groups, nrt, version)

    def _resource(
        self, kind: str, method: str, path: str, name: str, body: Any, version: str
    ) -> tuple[int, Any, dict[str, str]]:
        resources = self.emulator.state.resources
        key = path.lower()
        current = resources.get(key)
        if method == "GET":
            if current is None:
                return (*_error(HTTPStatus.NOT_FOUND, "ResourceNotFound", f"{name} was not found"), {})
            return HTTPStatus.OK, current.body, {"ETag": current.etag}
        if_match = self.headers.get("If-Match")
        if if_match and if_match != "*" and (current is None or current.etag != if_match):
            return (
                *_error(
                    HTTPStatus.PRECONDITION_FAILED,
                    "PreconditionFailed",
                    f"the rule {name} has etag {current.etag if current else 'none'}, not {if_match}",
                ),
                {},
            )
        if method == "DELETE":
            if current is None:
                return HTTPStatus.NO_CONTENT, None, {}
            del resources[key]
            return HTTPStatus.OK, None, {}
        if self.headers.get("If-None-Match") == "*" and current is not None:
            return (
                *_error(HTTPStatus.PRECONDITION_FAILED, "PreconditionFailed", f"{name} already exists"),
                {},
            )
        if body is ValueError:
            return (*_error(HTTPStatus.BAD_REQUEST, "InvalidRequestContent", "the body is not JSON"), {})
        context = self._context(path, version)
        problems = validate_monitor(body, context) if kind == "monitor" else validate_sentinel(body, context)
        if problems:
            return (*_error(HTTPStatus.BAD_REQUEST, "BadRequest", problems[0], problems), {})
        if kind == "sentinel" and body.get("etag") and current is not None and current.etag != body["etag"]:
            return (
                *_error(
                    HTTPStatus.CONFLICT,
                    "Conflict",
                    f"the etag {body['etag']} does not match the rule's current etag",
                ),
                {},
            )
        etag = f'"{uuid.uuid4()}"'
        stored = (
            _monitor_stored(path, name, body, etag, current, version)
            if kind == "monitor"
            else _sentinel_stored(path, name, body, etag, version)
        )
        resources[key] = Stored(stored, etag)
        return (HTTPStatus.OK if current else HTTPStatus.CREATED), stored, {"ETag": etag}


def _now() -> str:
    return format_datetime_microseconds(datetime.now(UTC))


def _monitor_stored(
    path: str, name: str, body: dict[str, Any], etag: str, current: Stored | None, version: str
) -> Any:
    """What the service stores and returns: the body plus its defaults and read-only fields."""
    props = json.loads(json.dumps(body["properties"]))
    props.setdefault("enabled", True)
    props.setdefault("autoMitigate", "muteActionsDuration" not in props)
    props.setdefault("skipQueryValidation", False)
    props.setdefault("checkWorkspaceAlertsStorageConfigured", False)
    props["isWorkspaceAlertsStorageConfigured"] = False
    created_with = current.body["properties"].get("createdWithApiVersion") if current else None
    props["createdWithApiVersion"] = created_with or version
    props["isLegacyLogAnalyticsRule"] = False
    for condition in props.get("criteria", {}).get("allOf", []):
        condition.setdefault("dimensions", [])
        condition.setdefault(
            "failingPeriods", {"numberOfEvaluationPeriods": 1, "minFailingPeriodsToAlert": 1}
        )
    created = current.body["systemData"]["createdAt"] if current else _now()
    return {
        # ARM returns monitor ids in lower case; the name keeps its spelling.
        "id": path.lower(),
        "name": name,
        "type": "microsoft.insights/scheduledqueryrules",
        "location": body["location"],
        "kind": body.get("kind", "LogAlert"),
        "tags": body.get("tags", {}),
        "etag": etag,
        "systemData": {"createdBy": "emulator", "createdAt": created, "lastModifiedAt": _now()},
        "properties": props,
    }


def _sentinel_stored(path: str, name: str, body: dict[str, Any], etag: str, version: str) -> Any:
    props = json.loads(json.dumps(body["properties"]))
    kind = body.get("kind", "Scheduled")
    if version != SENTINEL_PREVIEW:
        # Not in the stable versions' schema: the service drops them.
        props.pop("subTechniques", None)
        props.pop("sentinelEntitiesMappings", None)
    if kind == "NRT":
        # Not in NrtAlertRuleProperties (2025-07-01-preview): an NRT rule runs every minute, on every row.
        for key in ("queryFrequency", "queryPeriod", "triggerOperator", "triggerThreshold"):
            props.pop(key, None)
    if kind in SENTINEL_TEMPLATE_KINDS:
        # readOnly: the service fills them from the template, which the emulator does not have.
        for key in SENTINEL_TEMPLATE_READ_ONLY:
            props.pop(key, None)
    elif kind != "MicrosoftSecurityIncidentCreation":
        props.setdefault("alertRuleTemplateName", None)
        props.setdefault("templateVersion", None)
        props.setdefault("tactics", [])
        props.setdefault("techniques", [])
    props["lastModifiedUtc"] = _now()
    return {
        "id": path,
        "name": name,
        "type": "Microsoft.SecurityInsights/alertRules",
        "kind": kind,
        "etag": etag,
        "properties": props,
    }
