"""A Log Analytics workspace through `azure.monitor.query.LogsQueryClient`: Azure, or the local server.

The client's own retries are off by default (`retries=0`): the caller owns retrying (the runner does it
within its rate limits and on its clock), so every service answer surfaces as a `Table` or a
`WorkspaceError`. Interactive callers may pass `retries=N` to let azure-core retry for them.
Bearer tokens over plain http are refused by azure-core unless a request says `enforce_https=False`; this
workspace says so only for a loopback endpoint (the local server), never for a remote one.
Proxy settings from the environment (`HTTPS_PROXY`, `NO_PROXY`, ...) are read for a remote endpoint, as
azure-core does by default; for a loopback endpoint they are not: no proxy can stand between a process and
its own machine's 127.0.0.1, and requests reads the whole environment again for every request.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from azure.core.credentials import TokenCredential
from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ServiceRequestError,
    ServiceRequestTimeoutError,
    ServiceResponseError,
    ServiceResponseTimeoutError,
)
from azure.core.pipeline.transport import RequestsTransport
from azure.monitor.query import LogsQueryClient, LogsQueryPartialResult, LogsTable

from kqlrules.azure_credential import SIGN_IN_HINT
from kqlrules.table import Table
from kqlrules.workspace.errors import (
    AuthenticationFailed,
    ConnectionDropped,
    PartialResult,
    QueryRejected,
    QueryThrottled,
    QueryTimedOut,
    ServiceUnavailable,
    WorkspaceError,
)
from kqlrules.workspace.protocol import Timespan
from kqlrules.workspace.server import LOOPBACK_HOSTS
from kqlrules.workspace.wire import decode_table

DEFAULT_ENDPOINT = "https://api.loganalytics.io"


def is_loopback(endpoint: str) -> bool:
    return (urlsplit(endpoint).hostname or "") in LOOPBACK_HOSTS


class AzureWorkspace:
    def __init__(
        self,
        workspace_id: str,
        credential: TokenCredential,
        endpoint: str | None = None,
        *,
        server_timeout: int = 180,
        read_timeout: float | None = None,
        retries: int = 0,
    ) -> None:
        self.workspace_id = workspace_id
        self.endpoint = endpoint or DEFAULT_ENDPOINT
        self.server_timeout = server_timeout
        loopback = is_loopback(self.endpoint)
        # azure-core's RequestsTransport, `use_env_settings` ("Uses proxy settings from environment"):
        # off, requests' session does not trust the environment (no proxies, no .netrc) for the local server.
        transport = RequestsTransport(use_env_settings=not loopback)
        self._client = LogsQueryClient(
            credential, endpoint=self.endpoint, retry_total=retries, transport=transport
        )
        self._options: dict[str, Any] = {
            "connection_timeout": 10,
            "read_timeout": read_timeout if read_timeout is not None else server_timeout + 30,
        }
        if urlsplit(self.endpoint).scheme == "http" and loopback:
            self._options["enforce_https"] = False

    def query(self, kql: str, timespan: Timespan) -> Table:
        try:
            result = self._client.query_workspace(
                self.workspace_id, kql, timespan=timespan, server_timeout=self.server_timeout, **self._options
            )
        except HttpResponseError as error:
            if (no_token := _credential_failure(error)) is not None:
                # No sign-in: the request never left, so this is not the service rejecting the query.
                raise AuthenticationFailed(str(no_token.message), hint=SIGN_IN_HINT) from None
            raise _from_http_error(error) from None
        except (ServiceRequestTimeoutError, ServiceResponseTimeoutError):
            raise QueryTimedOut(f"no answer from {self.endpoint} in time") from None
        except ServiceResponseError as error:
            raise ConnectionDropped(f"the connection to {self.endpoint} dropped: {error.message}") from None
        except ServiceRequestError as error:
            raise ConnectionDropped(f"cannot reach {self.endpoint}: {error.message}") from None
        if isinstance(result, LogsQueryPartialResult):
            partial_error = result.partial_error
            message = getattr(partial_error, "message", None) or "the service answered with a partial result"
            raise PartialResult(f"partial result: {message}", _primary(result.partial_data or []))
        return _primary(result.tables)

    def close(self) -> None:
        self._client.close()


def _primary(tables: list[LogsTable]) -> Table:
    if not tables:
        return Table([], [])
    first = tables[0]
    return decode_table(
        list(zip(first.columns, first.columns_types, strict=True)), [list(row) for row in first.rows]
    )


def _credential_failure(error: HttpResponseError) -> ClientAuthenticationError | None:
    """The credential's own failure behind `error`, if that is what it is: azure-monitor-query re-raises a
    credential's `ClientAuthenticationError` as a plain `HttpResponseError` without a response."""
    if error.response is not None:
        return None
    for cause in (error, error.__cause__, error.__context__):
        if isinstance(cause, ClientAuthenticationError) and cause.response is None:
            return cause
    return None


def _from_http_error(error: HttpResponseError) -> WorkspaceError:
    status = error.status_code or 0
    message = _service_message(error)
    if status == 429:
        retry_after = None
        headers = getattr(error.response, "headers", None)
        if headers is not None:
            header = headers.get("Retry-After")
            try:
                retry_after = float(header) if header is not None else None
            except ValueError:
                retry_after = None
        return QueryThrottled(f"throttled (429): {message}", retry_after)
    if status == 504:
        return QueryTimedOut(f"server timeout (504): {message}")
    if status >= 500:
        return ServiceUnavailable(f"service error ({status}): {message}", status)
    if status in (401, 403):
        return AuthenticationFailed(f"not authorized ({status}): {message}")
    code = getattr(getattr(error, "model", None), "code", None) or "BadArgumentError"
    return QueryRejected(f"query rejected ({status}): {message}", str(code))


def _service_message(error: HttpResponseError) -> str:
    model = getattr(error, "model", None)
    message = getattr(model, "message", None)
    if message:
        return str(message)
    return str(error.message or error.reason or "no message").splitlines()[0]
