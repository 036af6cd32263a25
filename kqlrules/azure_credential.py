"""DefaultAzureCredential, with a failure a person can read.

When no credential of its chain can sign in, `DefaultAzureCredential` raises one `ClientAuthenticationError`
whose message is a page long: every credential it tried, each with its own troubleshooting link. Every
command that talks to Azure (deploy, sources, import workspace, run, coverage data, schema pull, backtest)
prints that message, so a user without a sign-in got a wall of text instead of one line saying what to do.
Here the chain's failure keeps its type (the callers' handling of `ClientAuthenticationError` is unchanged)
and becomes one line naming the credentials tried; the long form still reaches the debug log.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from azure.core.exceptions import ClientAuthenticationError

_LOG = logging.getLogger(__name__)
# One line per credential tried, indented by a tab: "\tEnvironmentCredential: ... unavailable ..."
# (azure-identity's ChainedTokenCredential, `_get_error_message`).
_TRIED = re.compile(r"^\s+(\w+Credential): ", re.MULTILINE)
SIGN_IN_HINT = "sign in with `az login`, or set AZURE_CLIENT_ID / AZURE_TENANT_ID and a secret or OIDC token"


def short_failure(message: str) -> str:
    """`DefaultAzureCredential`'s page-long failure as one line: what failed, and the credentials tried."""
    tried = _TRIED.findall(message)
    if not tried:
        return message.strip().splitlines()[0] if message.strip() else "no Azure credential"
    names = ", ".join(name.removesuffix("Credential") for name in tried)
    return f"DefaultAzureCredential could not sign in (tried: {names})"


class DefaultCredential:
    """`azure.identity.DefaultAzureCredential`, whose failure to find any credential is one line."""

    def __init__(self) -> None:
        from azure.identity import DefaultAzureCredential

        # azure-identity also logs the page-long failure as a warning, which Python prints on stderr when
        # no logging is configured; the error itself says it in one line, so only errors are let through.
        chain_log = logging.getLogger("azure.identity")
        if chain_log.level == logging.NOTSET:
            chain_log.setLevel(logging.ERROR)
        self._inner = DefaultAzureCredential()

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        try:
            return self._inner.get_token(*scopes, **kwargs)
        except ClientAuthenticationError as error:
            raise _shortened(error) from None

    def get_token_info(self, *scopes: str, options: Any = None) -> Any:
        try:
            return self._inner.get_token_info(*scopes, options=options)
        except ClientAuthenticationError as error:
            raise _shortened(error) from None

    def close(self) -> None:
        self._inner.close()

    def __enter__(self) -> DefaultCredential:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _shortened(error: ClientAuthenticationError) -> ClientAuthenticationError:
    if error.response is not None:
        return error  # the service answered (401 and the like): its message is already short
    _LOG.debug("DefaultAzureCredential failed: %s", error.message)
    return ClientAuthenticationError(message=short_failure(str(error.message)))


__all__ = ["SIGN_IN_HINT", "DefaultCredential", "short_failure"]
