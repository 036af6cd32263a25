"""The tables of a real Log Analytics workspace, read through Azure Resource Manager (Tables - List By
Workspace, via azure-mgmt-loganalytics), and their drift from the schemas a repository has committed."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from kqlrules.errors import KqlrulesError
from kqlrules.kusto.schemas import SchemaError, SchemaSet, TableSchema, kusto_type
from kqlrules.table import Column

_RESOURCE_ID = re.compile(
    r"^/subscriptions/(?P<sub>[^/]+)/resourceGroups/(?P<rg>[^/]+)"
    r"/providers/Microsoft\.OperationalInsights/workspaces/(?P<ws>[^/]+)/?$",
    re.IGNORECASE,
)
# A static ARM token (e.g. from `az account get-access-token` in CI); otherwise DefaultAzureCredential.
TOKEN_VARIABLE = "KQLRULES_ARM_TOKEN"


class WorkspaceSchemaError(KqlrulesError):
    """The workspace could not be named, reached or read."""


@dataclass(frozen=True)
class WorkspaceRef:
    subscription_id: str
    resource_group: str
    name: str

    @classmethod
    def parse(cls, resource_id: str) -> WorkspaceRef:
        match = _RESOURCE_ID.match(resource_id.strip())
        if match is None:
            raise WorkspaceSchemaError(
                f"not a workspace resource id: {resource_id!r}",
                hint="write /subscriptions/<id>/resourceGroups/<group>/providers/"
                "Microsoft.OperationalInsights/workspaces/<name>",
            )
        return cls(match["sub"], match["rg"], match["ws"])


class StaticToken:
    """A TokenCredential for a token obtained elsewhere."""

    def __init__(self, token: str, lifetime: int = 3600) -> None:
        self._token = token
        self._expires = int(time.time()) + lifetime

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        from azure.core.credentials import AccessToken

        return AccessToken(self._token, self._expires)


def default_credential() -> Any:
    token = os.environ.get(TOKEN_VARIABLE)
    if token:
        return StaticToken(token)
    from kqlrules.azure_credential import DefaultCredential

    return DefaultCredential()


def fetch_tables(
    workspace: WorkspaceRef,
    credential: Any,
    *,
    base_url: str | None = None,
    only: Iterable[str] | None = None,
) -> SchemaSet:
    """Every table of the workspace (or those named in `only`) with its standard and custom columns."""
    from azure.core.exceptions import AzureError, ClientAuthenticationError, HttpResponseError
    from azure.mgmt.loganalytics import LogAnalyticsManagementClient

    from kqlrules.azure_credential import SIGN_IN_HINT

    client = LogAnalyticsManagementClient(credential, workspace.subscription_id, base_url=base_url)
    # azure-core refuses a bearer token over plain http unless told the endpoint is a local one.
    options = {"enforce_https": False} if base_url and base_url.startswith("http://") else {}
    wanted = set(only) if only is not None else None
    schemas = SchemaSet()
    try:
        for table in client.tables.list_by_workspace(workspace.resource_group, workspace.name, **options):
            schema = table.schema
            name = (schema.name if schema and schema.name else table.name) or ""
            if not name or (wanted is not None and name not in wanted):
                continue
            columns = [*(schema.standard_columns or []), *(schema.columns or [])] if schema else []
            origin = f"workspace {workspace.name} (Tables - List By Workspace, {_today()})"
            schemas.tables[name] = TableSchema(name, tuple(_columns(name, columns)), origin=origin)
    except ClientAuthenticationError as error:
        if error.response is None:  # no sign-in: the request never left
            raise WorkspaceSchemaError(str(error.message), hint=SIGN_IN_HINT) from None
        raise WorkspaceSchemaError(
            f"listing the tables of workspace {workspace.name} failed ({error.status_code}): {error.message}"
        ) from None
    except HttpResponseError as error:
        reason = error.message or error.reason or "request failed"
        raise WorkspaceSchemaError(
            f"listing the tables of workspace {workspace.name} failed ({error.status_code}): {reason}"
        ) from None
    except AzureError as error:
        raise WorkspaceSchemaError(f"cannot reach Azure Resource Manager: {error}") from None
    if wanted is not None and (missing := wanted - set(schemas.tables)):
        raise WorkspaceSchemaError(f"the workspace has no table {', '.join(sorted(missing))}")
    return schemas


def _today() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).strftime("%Y-%m-%d")


def _columns(table: str, columns: list[Any]) -> list[Column]:
    seen: dict[str, Column] = {}
    for column in columns:
        raw = getattr(column.type, "value", column.type)  # the SDK's enum, or a string it does not know
        try:
            kind = kusto_type(str(raw))
        except SchemaError:
            message = f"table {table}: column {column.name} has unknown type {raw}"
            raise WorkspaceSchemaError(message) from None
        seen.setdefault(str(column.name), Column(str(column.name), kind))
    return list(seen.values())


@dataclass
class TableDrift:
    table: str
    added: list[Column] = field(default_factory=list)  # in the workspace, not committed
    removed: list[Column] = field(default_factory=list)  # committed, not in the workspace
    retyped: list[tuple[str, str, str]] = field(default_factory=list)  # (column, committed, workspace)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.retyped)


@dataclass
class SchemaDrift:
    missing_tables: list[str] = field(default_factory=list)  # committed, gone from the workspace
    new_tables: list[str] = field(default_factory=list)  # in the workspace, not committed
    tables: list[TableDrift] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.missing_tables or self.new_tables or self.tables)


def diff_schemas(committed: SchemaSet, workspace: SchemaSet, *, new_tables: bool = False) -> SchemaDrift:
    """How the workspace differs from the committed tables (new workspace tables only if asked: a
    workspace has hundreds a repository never reads)."""
    drift = SchemaDrift()
    for name in sorted(committed.tables):
        theirs = workspace.tables.get(name)
        if theirs is None:
            drift.missing_tables.append(name)
            continue
        ours = {c.name: c for c in committed.tables[name].columns}
        actual = {c.name: c for c in theirs.columns}
        table = TableDrift(
            name,
            added=[c for n, c in actual.items() if n not in ours],
            removed=[c for n, c in ours.items() if n not in actual],
            retyped=[
                (n, ours[n].type, c.type) for n, c in actual.items() if n in ours and ours[n].type != c.type
            ],
        )
        if not table.empty:
            drift.tables.append(table)
    if new_tables:
        drift.new_tables = sorted(set(workspace.tables) - set(committed.tables))
    return drift
