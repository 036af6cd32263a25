"""The credential for the local query-API server: the random token that one server start issued.

Each `WorkspaceServer` draws a fresh token when it starts (`secrets.token_urlsafe`), keeps it in memory for
in-process users (`server.credential()`), and writes it to a file only the user can read
(`local_token_file(port)`), so another process of the same user (`kqlrules run --endpoint
http://127.0.0.1:PORT`) can present it. The server compares tokens in constant time. The token proves the
client is the user who started the server (or was given the token), which is what the loopback bind alone
cannot: every local user can reach 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from azure.core.credentials import AccessToken

from kqlrules.errors import KqlrulesError

# Set it to the token of a local server started elsewhere (another user's, a container's).
TOKEN_ENV = "KQLRULES_LOCAL_TOKEN"
_LIFETIME_SECONDS = 3600


def new_token() -> str:
    return secrets.token_urlsafe(32)


def local_token_dir() -> Path:
    """Where token files live: `$XDG_RUNTIME_DIR/kqlrules` (a per-user tmpfs on systemd systems), else
    `~/.kqlrules/run`; created with mode 0700."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    return Path(runtime) / "kqlrules" if runtime else Path.home() / ".kqlrules" / "run"


# The query-API server's token files; the ARM emulator's are `arm-emulator-<port>.token` beside them.
SERVER_TOKENS = "local-server"


def local_token_file(port: int, kind: str = SERVER_TOKENS) -> Path:
    return local_token_dir() / f"{kind}-{port}.token"


def write_token_file(port: int, token: str, kind: str = SERVER_TOKENS) -> Path:
    folder = local_token_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = local_token_file(port, kind)
    with contextlib.suppress(FileNotFoundError):
        path.unlink()  # a crashed server's leftover, or a file someone else made readable
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(token + "\n")
    return path


def remove_token_file(port: int, token: str, kind: str = SERVER_TOKENS) -> None:
    """Remove the file if it still holds this server's token (a newer server on the port keeps its own)."""
    path = local_token_file(port, kind)
    with contextlib.suppress(OSError):
        if path.read_text(encoding="ascii").strip() == token:
            path.unlink()


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


def read_token_file(path: Path) -> str:
    """A token file's token, or "" when there is none to read."""
    try:
        return path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return ""


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
