"""What can go wrong when a workspace answers a query, sorted by what a caller should do about it.

`retryable` errors are the service's transient states (throttling, 5xx, timeouts, dropped connections,
partial results); the others are the query's or the caller's fault and repeat identically if retried.
"""

from __future__ import annotations

from typing import ClassVar

from kqlrules.errors import KqlrulesError
from kqlrules.table import Table


class WorkspaceError(KqlrulesError):
    retryable: ClassVar[bool] = False


class QueryThrottled(WorkspaceError):
    """429: too many requests; `retry_after` is the service's `Retry-After` in seconds, when it sent one."""

    retryable = True

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ServiceUnavailable(WorkspaceError):
    """A 5xx answer other than a gateway timeout."""

    retryable = True

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class QueryTimedOut(WorkspaceError):
    """The query ran past the server timeout (504) or the client's read timeout."""

    retryable = True


class ConnectionDropped(WorkspaceError):
    """The connection closed before a complete answer arrived."""

    retryable = True


class PartialResult(WorkspaceError):
    """The service answered with some rows and an error: the rows are not the whole answer."""

    retryable = True

    def __init__(self, message: str, table: Table) -> None:
        super().__init__(message)
        self.table = table


class QueryRejected(WorkspaceError):
    """The service refused the query itself (syntax, semantics, unknown table): retrying will not help."""

    def __init__(self, message: str, code: str = "BadArgumentError") -> None:
        super().__init__(message)
        self.code = code


class AuthenticationFailed(WorkspaceError):
    """401/403: no token, a bad token, or no access to the workspace."""
