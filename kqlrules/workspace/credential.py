"""The credential for the local query-API server: the random token that one server start issued.

Each `WorkspaceServer` draws a fresh token when it starts (`secrets.token_urlsafe`), keeps it in memory for
in-process users (`server.credential()`), and writes it to a file only the user can read
(`local_token_file(port)`), so another process of the same user (`kqlrules run --endpoint
http://127.0.0.1:PORT`) can present it. The server compares tokens in constant time. The token proves the
client is the user who started the server (or was given the token), which is what the loopback bind alone
cannot: every local user can reach 127.0.0.1.
"""

from __future__ import annotations

import os
import time
from typing import Any
from urllib.parse import urlsplit

from azure.core.credentials import AccessToken

from kqlrules.errors import KqlrulesError
from kqlrules.local_tokens import (
    local_token_dir,
    local_token_file,
    new_token,
    read_token_file,
    remove_token_file,
    write_token_file,
)

__all__ = [
    "TOKEN_ENV",
    "LocalCredential",
    "local_token_dir",
    "local_token_file",
    "new_token",
    "read_local_token",
    "read_token_file",
    "remove_token_file",
    "write_token_file",
]

# Set it to the token of a local server started elsewhere (another user's, a container's).
TOKEN_ENV = "KQLRULES_LOCAL_TOKEN"
_LIFETIME_SECONDS = 3600


def read_local_token(endpoint: str) -> str:
    """The token of the local server at `endpoint`: `$KQLRULES_LOCAL_TOKEN`, else its token file."""
    if os.environ.get(TOKEN_ENV):
        return os.environ[TOKEN_ENV]
    port = urlsplit(endpoint).port or 80
    path = local_token_file(port)
    token = read_token_file(path)
    if not token:
        raise KqlrulesError(
            f"no token for the local workspace server at {endpoint} (looked in {path})",
            hint=f"start it with `kqlrules workspace serve DIR --port {port}`, or set {TOKEN_ENV}",
        )
    return token


class LocalCredential:
    """A `TokenCredential` that presents a local server's token; pass it to `LogsQueryClient`."""

    def __init__(self, token: str) -> None:
        self._token = token

    @classmethod
    def for_endpoint(cls, endpoint: str) -> LocalCredential:
        return cls(read_local_token(endpoint))

    def get_token(
        self,
        *scopes: str,
        claims: str | None = None,
        tenant_id: str | None = None,
        enable_cae: bool = False,
        **kwargs: Any,
    ) -> AccessToken:
        return AccessToken(self._token, int(time.time()) + _LIFETIME_SECONDS)

    def close(self) -> None:
        pass

    def __repr__(self) -> str:  # never print the token
        return "LocalCredential(<token>)"
