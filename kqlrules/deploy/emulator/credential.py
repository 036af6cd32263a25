"""The credential for the local ARM emulator: the random token that one emulator start issued.

Like the local query-API server (`kqlrules.workspace.credential`), each `ArmEmulator` draws a fresh token
when it starts, keeps it in memory (`emulator.credential()`), and writes it to a file only the user can read
(`arm-emulator-<port>.token` in the same folder) for other processes of the same user: `kqlrules deploy`
against `arm_endpoint = "http://127.0.0.1:<port>"` reads it from there. The emulator compares tokens in
constant time; loopback alone would let every local user change the emulated rules.
"""

from __future__ import annotations

import os
import time
from typing import Any
from urllib.parse import urlsplit

from azure.core.credentials import AccessToken

from kqlrules.errors import KqlrulesError
from kqlrules.local_tokens import local_token_file, read_token_file

EMULATOR_TOKENS = "arm-emulator"
# Set it to the token of an emulator started elsewhere (another user's, a container's).
EMULATOR_TOKEN_ENV = "KQLRULES_EMULATOR_TOKEN"
_LIFETIME_SECONDS = 3600


class EmulatorCredential:
    """A `TokenCredential` that presents one emulator's token."""

    def __init__(self, token: str) -> None:
        self._token = token

    @classmethod
    def for_endpoint(cls, endpoint: str) -> EmulatorCredential:
        """The credential of the emulator at `endpoint`: `$KQLRULES_EMULATOR_TOKEN`, else its token file."""
        if os.environ.get(EMULATOR_TOKEN_ENV):
            return cls(os.environ[EMULATOR_TOKEN_ENV])
        port = urlsplit(endpoint).port or 80
        path = local_token_file(port, EMULATOR_TOKENS)
        token = read_token_file(path)
        if not token:
            raise KqlrulesError(
                f"no token for the ARM emulator at {endpoint} (looked in {path})",
                hint=f"start it with `python -m kqlrules.deploy.emulator {port}`,"
                f" or set {EMULATOR_TOKEN_ENV}",
            )
        return cls(token)

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return AccessToken(self._token, int(time.time()) + _LIFETIME_SECONDS)

    def close(self) -> None:
        pass

    def __repr__(self) -> str:  # never print the token
        return "EmulatorCredential(<token>)"
