"""From a command-line spec to a workspace: `local:DIR` runs in-process; anything else is a workspace id."""

from __future__ import annotations

from pathlib import Path

from azure.core.credentials import TokenCredential

from kqlrules.errors import KqlrulesError
from kqlrules.workspace.azure_workspace import AzureWorkspace, is_loopback
from kqlrules.workspace.credential import LocalCredential
from kqlrules.workspace.local import LocalWorkspace
from kqlrules.workspace.protocol import Workspace


def open_workspace(
    spec: str, *, endpoint: str | None = None, server_timeout: int = 180, watchlists: Path | None = None
) -> Workspace:
    """`local:DIR` -> `LocalWorkspace`; a workspace id -> `AzureWorkspace` (the local server when `endpoint`
    is a loopback URL, with that server's token,
    `LocalCredential.for_endpoint`; otherwise Azure with `DefaultAzureCredential`). A local
    workspace serves the watchlists of the repository `watchlists` (in Azure, Sentinel has them)."""
    if spec.startswith("local:"):
        folder = Path(spec.removeprefix("local:"))
        if not folder.is_dir():
            raise KqlrulesError(f"workspace folder {folder} does not exist", hint="local:DIR names a folder")
        return LocalWorkspace(folder, watchlists=watchlists)
    if not spec.strip():
        raise KqlrulesError(
            "no workspace given", hint="--workspace local:DIR or a Log Analytics workspace id"
        )
    credential: TokenCredential
    if endpoint is not None and is_loopback(endpoint):
        credential = LocalCredential.for_endpoint(endpoint)
    else:
        from kqlrules.azure_credential import DefaultCredential

        credential = DefaultCredential()
    return AzureWorkspace(spec, credential, endpoint, server_timeout=server_timeout)


def now_is_timespan_end(workspace: Workspace) -> bool:
    """Whether `now()` in a query is the end of its timespan: so for a local workspace and the local query-API
    server; on Azure `now()` is the real time, and a replayed window must say its end in the query."""
    if isinstance(workspace, LocalWorkspace):
        return True
    return isinstance(workspace, AzureWorkspace) and is_loopback(workspace.endpoint)
