"""The credential for the local query-API server: any token it issues opens the local server, nothing else.

The local server runs on the loopback interface only; the token proves the client went through azure-core's
ordinary bearer-token pipeline (exactly what it does against Azure), not that the caller is anybody.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from azure.core.credentials import AccessToken

LOCAL_TOKEN_PREFIX = "kqlrules-local."
_LIFETIME_SECONDS = 3600


class LocalCredential:
    """A `TokenCredential` for `kqlrules workspace serve`; pass it to `LogsQueryClient` as the credential."""

    def get_token(
        self,
        *scopes: str,
        claims: str | None = None,
        tenant_id: str | None = None,
        enable_cae: bool = False,
        **kwargs: Any,
    ) -> AccessToken:
        return AccessToken(
            LOCAL_TOKEN_PREFIX + secrets.token_urlsafe(16), int(time.time()) + _LIFETIME_SECONDS
        )

    def close(self) -> None:
        pass


def is_local_token(token: str) -> bool:
    return token.startswith(LOCAL_TOKEN_PREFIX) and len(token) > len(LOCAL_TOKEN_PREFIX)
