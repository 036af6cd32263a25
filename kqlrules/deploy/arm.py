"""Live rules in Azure: list, put and delete through the real SDK pipelines, with etags.

Azure Monitor rules go through azure-mgmt-monitor (its default api-version for scheduledQueryRules is
2023-12-01, the one we target). Sentinel rules go through azure-mgmt-core's ARMPipelineClient, because
azure-mgmt-securityinsight is stale; both use the same credential. Plain http is allowed only to a loopback
emulator, with azure-core's per-request `enforce_https=False` option.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol, cast
from urllib.parse import quote

from azure.core.credentials import TokenCredential
from azure.core.exceptions import AzureError, ClientAuthenticationError, HttpResponseError
from azure.core.pipeline import policies
from azure.core.rest import HttpRequest, HttpResponse
from azure.mgmt.core import ARMPipelineClient
from azure.mgmt.core.policies import (
    ARMAutoResourceProviderRegistrationPolicy,
    ARMChallengeAuthenticationPolicy,
    ARMHttpLoggingPolicy,
)
from azure.mgmt.monitor import MonitorManagementClient

from kqlrules.azure_credential import SIGN_IN_HINT as _SIGN_IN
from kqlrules.deploy.api_versions import SENTINEL_LIST, SENTINEL_STABLE
from kqlrules.deploy.environment import Environment
from kqlrules.deploy.normalise import Json
from kqlrules.deploy.targets import TARGETS, Target
from kqlrules.deploy.targets.sentinel import KINDS as SENTINEL_KINDS
from kqlrules.errors import KqlrulesError

ARM_SCOPE = "https://management.azure.com/.default"


class ArmError(KqlrulesError):
    """The service refused a request; `code` is ARM's error code."""

    def __init__(self, message: str, *, status: int | None = None, code: str = "", hint: str | None = None):
        super().__init__(message, hint=hint)
        self.status = status
        self.code = code


class ConcurrencyConflict(ArmError):
    """The rule changed in Azure after the plan read it."""


@dataclass(frozen=True)
class LiveRule:
    target: str
    name: str
    body: Json

    @property
    def etag(self) -> str | None:
        etag = self.body.get("etag")
        return str(etag) if etag else None


class RuleStore(Protocol):
    target: Target

    def list(self) -> list[LiveRule]: ...

    def put(self, name: str, body: Json, *, create: bool, etag: str | None) -> LiveRule:
        """Create (only if absent) or replace (only if its etag is still `etag`, when it has one)."""
        ...

    def delete(self, name: str, *, etag: str | None) -> None: ...


def _error(exc: AzureError, what: str) -> ArmError:
    if isinstance(exc, ClientAuthenticationError) and exc.response is None:
        return ArmError(f"{what}: {exc.message}", hint=_SIGN_IN)
    if not isinstance(exc, HttpResponseError) or exc.response is None:
        return ArmError(f"{what}: {exc.message}", hint="check the network and the environment's arm_endpoint")
    status = exc.status_code
    code, message = "", str(exc.message)
    try:
        error = cast(Any, exc.response).json().get("error", {})
        code, message = str(error.get("code", "")), str(error.get("message", message))
        details = [str(d.get("message")) for d in error.get("details") or [] if d.get("message") != message]
        message = "; ".join([message, *details])
    except (ValueError, AttributeError):
        pass
    if status in (409, 412) and code in ("PreconditionFailed", "Conflict", "ConcurrencyConflict", ""):
        return ConcurrencyConflict(
            f"{what}: changed in Azure since the plan was read ({code or status}: {message})",
            status=status,
            code=code,
            hint="run `kqlrules deploy plan` again to see the live rule, then apply",
        )
    if status == 401:
        return ArmError(
            f"{what}: not authenticated ({message})",
            status=status,
            code=code,
            hint=_SIGN_IN,
        )
    return ArmError(f"{what}: {status} {code}: {message}", status=status, code=code)


def _request_options(environment: Environment) -> dict[str, Any]:
    return {"enforce_https": False} if environment.is_loopback else {}


class MonitorStore:
    """Scheduled query rules of one resource group that query one workspace."""

    def __init__(self, environment: Environment, credential: TokenCredential, **client_options: Any):
        self.target = TARGETS["monitor"]
        self._env = environment
        self._options = _request_options(environment)
        self._client = MonitorManagementClient(
            credential, environment.subscription, base_url=environment.arm_endpoint, **client_options
        )

    def list(self) -> list[LiveRule]:
        try:
            pages = self._client.scheduled_query_rules.list_by_resource_group(
                self._env.resource_group, **self._options
            )
            bodies = [rule.serialize(keep_readonly=True) for rule in pages]
        except AzureError as exc:
            raise _error(exc, f"listing Azure Monitor rules in {self._env.resource_group}") from None
        return [LiveRule("monitor", str(b.get("name")), dict(b)) for b in bodies]

    def put(self, name: str, body: Json, *, create: bool, etag: str | None) -> LiveRule:
        condition = {"If-None-Match": "*"} if create else {"If-Match": etag} if etag else {}
        try:
            raw: Json = self._client.scheduled_query_rules.create_or_update(  # type: ignore[assignment]
                self._env.resource_group,
                name,
                io.BytesIO(json.dumps(body).encode()),
                content_type="application/json",
                headers=condition,
                cls=_raw_json,
                **self._options,
            )
        except AzureError as exc:
            raise _error(exc, f"monitor rule {name}") from None
        return LiveRule("monitor", name, raw)

    def delete(self, name: str, *, etag: str | None) -> None:
        headers = {"If-Match": etag} if etag else {}
        try:
            self._client.scheduled_query_rules.delete(
                self._env.resource_group, name, headers=headers, **self._options
            )
        except AzureError as exc:
            raise _error(exc, f"monitor rule {name}") from None


def _raw_json(pipeline_response: Any, deserialized: Any, headers: Any) -> Json:
    body: Json = pipeline_response.http_response.json()
    return body


def arm_pipeline_client(
    environment: Environment, credential: TokenCredential, **client_options: Any
) -> ARMPipelineClient[HttpRequest, HttpResponse]:
    """A raw ARM client for the APIs no maintained SDK covers (Sentinel, Entra ID diagnostic settings):
    the same policies, in the same order, as the generated management clients use."""
    pipeline: list[Any] = [
        policies.RequestIdPolicy(**client_options),
        policies.HeadersPolicy(**client_options),
        policies.UserAgentPolicy(sdk_moniker="kqlrules", **client_options),
        policies.ContentDecodePolicy(**client_options),
        ARMAutoResourceProviderRegistrationPolicy(),
        policies.RedirectPolicy(**client_options),
        policies.RetryPolicy(**client_options),
        ARMChallengeAuthenticationPolicy(credential, ARM_SCOPE),
        policies.CustomHookPolicy(**client_options),
        policies.NetworkTraceLoggingPolicy(**client_options),
        ARMHttpLoggingPolicy(**client_options),
    ]
    return ARMPipelineClient(base_url=environment.arm_endpoint, policies=pipeline, **client_options)


def send_arm(
    client: ARMPipelineClient[HttpRequest, HttpResponse],
    environment: Environment,
    request: HttpRequest,
    what: str,
    ok: tuple[int, ...],
) -> HttpResponse:
    """Send one request; an `ArmError` (with ARM's code and message) for any other status."""
    try:
        response = client.send_request(request, **_request_options(environment))
        if response.status_code not in ok:
            raise HttpResponseError(response=response)
    except AzureError as exc:
        raise _error(exc, what) from None
    return response


class SentinelStore:
    """The analytics rules kqlrules deploys (Scheduled, NRT, MicrosoftSecurityIncidentCreation) of one
    Sentinel workspace; each request with the api-version kqlrules/deploy/api_versions.py chooses."""

    def __init__(self, environment: Environment, credential: TokenCredential, **client_options: Any):
        self.target = TARGETS["sentinel"]
        self._env = environment
        self._options = _request_options(environment)
        self._client = arm_pipeline_client(environment, credential, **client_options)
        self._base = f"{environment.workspace_id}/providers/{self.target.resource_type}"

    def _url(self, name: str = "", version: str = SENTINEL_STABLE) -> str:
        path = f"{self._base}/{quote(name)}" if name else self._base
        return self._client.format_url(f"{path}?api-version={version}")

    def _send(self, request: HttpRequest, what: str, ok: tuple[int, ...]) -> HttpResponse:
        return send_arm(self._client, self._env, request, what, ok)

    def _pages(self) -> Iterator[Json]:
        url: str | None = self._url(version=SENTINEL_LIST)
        while url:
            page = self._send(HttpRequest("GET", url), "listing Sentinel analytics rules", (200,)).json()
            yield from page.get("value", [])
            url = page.get("nextLink")

    def list(self) -> list[LiveRule]:
        return [
            LiveRule("sentinel", str(body.get("name")), body)
            for body in self._pages()
            if body.get("kind") in SENTINEL_KINDS
        ]

    def put(self, name: str, body: Json, *, create: bool, etag: str | None) -> LiveRule:
        headers = {"Content-Type": "application/json"}
        if create:
            headers["If-None-Match"] = "*"
        elif etag:
            body = {**body, "etag": etag}  # Sentinel's optimistic concurrency is the etag in the body
        request = HttpRequest(
            "PUT", self._url(name, self.target.api_version_of(body)), headers=headers, json=body
        )
        response = self._send(request, f"sentinel rule {name}", (200, 201))
        return LiveRule("sentinel", name, response.json())

    def delete(self, name: str, *, etag: str | None) -> None:
        headers = {"If-Match": etag} if etag else {}
        request = HttpRequest("DELETE", self._url(name), headers=headers)
        self._send(request, f"sentinel rule {name}", (200, 204))


def open_stores(
    environment: Environment, credential: TokenCredential, **client_options: Any
) -> dict[str, RuleStore]:
    """One store per target of the environment, all with the same credential."""
    makers: dict[str, Callable[..., RuleStore]] = {"monitor": MonitorStore, "sentinel": SentinelStore}
    return {name: makers[name](environment, credential, **client_options) for name in environment.targets}
