"""`kqlrules schema pull` and `kqlrules schema diff`: a real workspace's tables against the committed ones."""

from __future__ import annotations

from pathlib import Path

import typer

from kqlrules.cli.common import app_context, console, print_json, user_errors
from kqlrules.kusto.schema_import import write_schemas
from kqlrules.kusto.schemas import REPO_SCHEMA_FOLDER, SchemaSet
from kqlrules.kusto.workspace_schema import (
    SchemaDrift,
    WorkspaceRef,
    default_credential,
    diff_schemas,
    fetch_tables,
)


def _workspace_option() -> str:
    option: str = typer.Option(
        ...,
        "--workspace",
        envvar="KQLRULES_WORKSPACE_RESOURCE_ID",
        help="The workspace's resource id (/subscriptions/.../workspaces/<name>).",
    )
    return option


def _endpoint_option() -> str | None:
    option: str | None = typer.Option(
        None,
        "--arm-endpoint",
        envvar="KQLRULES_ARM_ENDPOINT",
        help="Azure Resource Manager endpoint (default: the public cloud's).",
    )
    return option


def register_workspace_commands(group: typer.Typer) -> None:
    @group.command("pull")
    @user_errors
    def pull(
        ctx: typer.Context,
        workspace: str = _workspace_option(),
        tables: list[str] = typer.Option([], "--table", help="Pull only these tables (repeatable)."),
        out: Path | None = typer.Option(None, "--out", help="Where to write (default: <repo>/schemas)."),
        arm_endpoint: str | None = _endpoint_option(),
    ) -> None:
        """Fetch a workspace's table schemas (Tables - List By Workspace) into the repository."""
        target = out if out is not None else app_context(ctx).repo / REPO_SCHEMA_FOLDER
        ref = WorkspaceRef.parse(workspace)
        schemas = fetch_tables(ref, default_credential(), base_url=arm_endpoint, only=tables or None)
        written = write_schemas(schemas, target)
        if app_context(ctx).format == "json":
            print_json({"workspace": ref.name, "written": [str(path) for path in written]})
        else:
            console.print(f"pulled {len(written)} tables of workspace {ref.name} into {target}")

    @group.command("diff")
    @user_errors
    def diff(
        ctx: typer.Context,
        workspace: str = _workspace_option(),
        folder: Path | None = typer.Option(
            None, "--schemas", help="Committed schemas to compare (default: <repo>/schemas)."
        ),
        new_tables: bool = typer.Option(False, "--new-tables", help="Also list tables not committed."),
        arm_endpoint: str | None = _endpoint_option(),
    ) -> None:
        """Show drift between the committed schemas and the workspace; exit 1 when there is any."""
        committed = SchemaSet.load(
            folder if folder is not None else app_context(ctx).repo / REPO_SCHEMA_FOLDER
        )
        ref = WorkspaceRef.parse(workspace)
        actual = fetch_tables(ref, default_credential(), base_url=arm_endpoint)
        drift = diff_schemas(committed, actual, new_tables=new_tables)
        if app_context(ctx).format == "json":
            print_json(_drift_json(drift))
        else:
            _print_drift(drift, ref.name)
        if not drift.empty:
            raise typer.Exit(1)


def _drift_json(drift: SchemaDrift) -> dict[str, object]:
    return {
        "missing_tables": drift.missing_tables,
        "new_tables": drift.new_tables,
        "tables": [
            {
                "table": table.table,
                "added": [[c.name, c.type] for c in table.added],
                "removed": [[c.name, c.type] for c in table.removed],
                "retyped": [list(item) for item in table.retyped],
            }
            for table in drift.tables
        ],
    }


def _print_drift(drift: SchemaDrift, workspace: str) -> None:
    if drift.empty:
        console.print(f"no drift: the committed schemas match workspace {workspace}")
        return
    for name in drift.missing_tables:
        console.print(f"[red]- table {name}[/] (committed, not in the workspace)")
    for name in drift.new_tables:
        console.print(f"[green]+ table {name}[/] (in the workspace, not committed)")
    for table in drift.tables:
        console.print(f"[bold]{table.table}[/]")
        for column in table.added:
            console.print(f"  [green]+ {column.name}: {column.type}[/]")
        for column in table.removed:
            console.print(f"  [red]- {column.name}: {column.type}[/]")
        for name, ours, theirs in table.retyped:
            console.print(f"  [yellow]~ {name}: {ours} -> {theirs}[/]")
