"""Token files of the local servers (the query-API server and the ARM emulator): each start draws a random
token and writes it where only the user who started it can read it, so that other processes of that user
can present it. One module for both, because the two servers live in different rooms."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path


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


def read_token_file(path: Path) -> str:
    """A token file's token, or "" when there is none to read."""
    try:
        return path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return ""
