"""Without an Azure sign-in, every command that talks to Azure says so in one line, with what to do."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import ClientAuthenticationError

from kqlrules.azure_credential import SIGN_IN_HINT, DefaultCredential, short_failure
from kqlrules.workspace.azure_workspace import AzureWorkspace
from kqlrules.workspace.errors import AuthenticationFailed

# The shape of azure-identity's ChainedTokenCredential failure (abridged): a page, one credential a line.
CHAIN_FAILURE = (
    "DefaultAzureCredential failed to retrieve a token from the included credentials.\n"
    "Attempted credentials:\n"
    "\tEnvironmentCredential: EnvironmentCredential authentication unavailable. Environment variables are"
    " not fully configured.\n"
    "Visit https://aka.ms/azsdk/python/identity/environmentcredential/troubleshoot to troubleshoot.\n"
    "\tManagedIdentityCredential: ManagedIdentityCredential authentication unavailable.\n"
    "\tAzureCliCredential: Azure CLI not found on path\n"
    "To mitigate this issue, please refer to the troubleshooting guidelines here at https://aka.ms/x."
)


class NoSignIn:
    """A credential chain with nothing to sign in with."""

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        raise ClientAuthenticationError(message=CHAIN_FAILURE)

    def get_token_info(self, *scopes: str, options: Any = None) -> Any:
        raise ClientAuthenticationError(message=CHAIN_FAILURE)

    def close(self) -> None:
        pass


def test_the_chain_failure_becomes_one_line_naming_what_was_tried() -> None:
    line = short_failure(CHAIN_FAILURE)
    assert line == "DefaultAzureCredential could not sign in (tried: Environment, ManagedIdentity, AzureCli)"


def test_another_failure_keeps_its_first_line() -> None:
    assert short_failure("token expired\nmore detail") == "token expired"


@pytest.mark.parametrize("method", ["get_token", "get_token_info"])
def test_the_default_credential_raises_the_short_form_and_keeps_the_type(method: str) -> None:
    credential = DefaultCredential()
    credential._inner = NoSignIn()  # type: ignore[assignment]
    with pytest.raises(ClientAuthenticationError) as raised:
        getattr(credential, method)("https://management.azure.com/.default")
    assert "\n" not in str(raised.value.message)
    assert "tried: Environment, ManagedIdentity, AzureCli" in str(raised.value.message)


def test_a_query_without_sign_in_is_an_authentication_failure_not_a_rejected_query() -> None:
    # The credential is asked before any request leaves, so the endpoint is never reached.
    credential = DefaultCredential()
    credential._inner = NoSignIn()  # type: ignore[assignment]
    workspace = AzureWorkspace(
        "00000000-0000-0000-0000-000000000000", credential, "http://127.0.0.1:9/v1"
    )
    try:
        with pytest.raises(AuthenticationFailed) as raised:
            workspace.query("print 1", None)
    finally:
        workspace.close()
    assert raised.value.hint == SIGN_IN_HINT
    assert "query rejected" not in str(raised.value)
    assert str(raised.value.message).startswith("DefaultAzureCredential could not sign in")
