"""A credential for the emulator: a fixed dummy bearer token, never a secret."""

from __future__ import annotations

import time
from typing import Any

from azure.core.credentials import AccessToken


class EmulatorCredential:
    """A `TokenCredential` whose token the emulator accepts and nothing else would."""

    token = "kqlrules-emulator-token"

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return AccessToken(self.token, int(time.time()) + 3600)
