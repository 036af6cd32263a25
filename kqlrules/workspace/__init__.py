"""Workspaces: where queries run. The local folder, Azure Log Analytics, and the local query-API server.

`Workspace.query(kql, timespan) -> Table` is all a caller needs; `open_workspace` turns a command-line
spec (`local:DIR` or a workspace id) into one.
"""

from kqlrules.workspace.azure_workspace import AzureWorkspace
from kqlrules.workspace.cells import CellTypeError, to_kusto
from kqlrules.workspace.credential import LocalCredential
from kqlrules.workspace.errors import (
    AuthenticationFailed,
    ConnectionDropped,
    PartialResult,
    QueryRejected,
    QueryThrottled,
    QueryTimedOut,
    ServiceUnavailable,
    WorkspaceError,
)
from kqlrules.workspace.faults import Faults
from kqlrules.workspace.folder import TableFile, WorkspaceDataError, load_workspace_folder, read_table_file
from kqlrules.workspace.local import LocalWorkspace, within
from kqlrules.workspace.open import now_is_timespan_end, open_workspace
from kqlrules.workspace.protocol import Timespan, Workspace
from kqlrules.workspace.server import WorkspaceServer

__all__ = [
    "AuthenticationFailed",
    "AzureWorkspace",
    "CellTypeError",
    "ConnectionDropped",
    "Faults",
    "LocalCredential",
    "LocalWorkspace",
    "PartialResult",
    "QueryRejected",
    "QueryThrottled",
    "QueryTimedOut",
    "ServiceUnavailable",
    "TableFile",
    "Timespan",
    "Workspace",
    "WorkspaceDataError",
    "WorkspaceError",
    "WorkspaceServer",
    "load_workspace_folder",
    "now_is_timespan_end",
    "open_workspace",
    "read_table_file",
    "to_kusto",
    "within",
]
