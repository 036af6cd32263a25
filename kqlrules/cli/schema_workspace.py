"""`kqlrules schema pull` and `kqlrules schema diff`: a real workspace's tables against the committed ones."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from kqlrules.cli.common import (
    app_context,
    console,
    escape,
    exit_for_differences,
    print_json,
    print_warning,
    user_errors,
)
from kqlrules.cli.options import (
    ARM_ENDPOINT_HELP,
    DETAILED_EXITCODE_OPTION,
    WORKSPACE_RESOURCE_ID_HELP,
    OutputFormat,
    output_option,
)

if TYPE_CHECKING:
    from kqlrules.kusto import SchemaDrift, WorkspaceRef


def _arm_endpoint_option() -> str | None:
    option: str | None = typer.Option(
        None, "--arm-endpoint", envvar="KQLRULES_ARM_ENDPOINT", help=ARM_ENDPOINT_HELP
    )
    return option


def _legacy_workspace_option() -> str | None:
    # Before the one vocabulary, `--workspace` here was the resource id; it now means a workspace to query.
    option: str | None = typer.Option(None, "--workspace", hidden=True)
    return option


def _workspace_ref(resource_id: str | None, legacy: str | None) -> WorkspaceRef:
    from kqlrules.cli.common import UsageProblem
    from kqlrules.kusto import WorkspaceRef

    if resource_id is None and legacy is not None:
        print_warning("--workspace with a resource id is now --workspace-resource-id")
        resource_id = legacy
    if resource_id is None:
        raise UsageProblem(
            "missing --workspace-resource-id",
            hint="the workspace's ARM resource id, or set KQLRULES_WORKSPACE_RESOURCE_ID",
        )
    return WorkspaceRef.parse(resource_id)


def register_workspace_commands(group: typer.Typer) -> None:
    @group.command("pull")
    @user_errors
    def pull(
        ctx: typer.Context,
        resource_id: str | None = typer.Option(
            None,
            "--workspace-resource-id",
            envvar="KQLRULES_WORKSPACE_RESOURCE_ID",
            help=WORKSPACE_RESOURCE_ID_HELP,
        ),
        tables: list[str] = typer.Option([], "--table", help="Pull only these tables (repeatable)."),
        output: Path | None = output_option("Folder to write the schemas into (default: <repo>/schemas)."),
        arm_endpoint: str | None = _arm_endpoint_option(),
        legacy_workspace: str | None = _legacy_workspace_option(),
    ) -> None:
        """Fetch a workspace's table schemas (Tables - List By Workspace) into the repository."""
        from kqlrules.kusto import REPO_SCHEMA_FOLDER, default_credential, fetch_tables, write_schemas

        ref = _workspace_ref(resource_id, legacy_workspace)
        target = output if output is not None else app_context(ctx).repo / REPO_SCHEMA_FOLDER
        schemas = fetch_tables(ref, default_credential(), base_url=arm_endpoint, only=tables or None)
        written = write_schemas(schemas, target)
        if app_context(ctx).format is OutputFormat.json:
            print_json({"workspace": ref.name, "written": [str(path) for path in written]})
        else:
            console.print(f"pulled {len(written)} tables of workspace {ref.name} into {target}", markup=False)

    @group.command("diff")
    @user_errors
    def diff(
        ctx: typer.Context,
        resource_id: str | None = typer.Option(
            None,
            "--workspace-resource-id",
            envvar="KQLRULES_WORKSPACE_RESOURCE_ID",
            help=WORKSPACE_RESOURCE_ID_HELP,
        ),
        folder: Path | None = typer.Option(
            None, "--schemas", help="Committed schemas to compare (default: <repo>/schemas)."
        ),
        new_tables: bool = typer.Option(False, "--new-tables", help="Also list tables not committed."),
        arm_endpoint: str | None = _arm_endpoint_option(),
        detailed_exitcode: bool = DETAILED_EXITCODE_OPTION,
        legacy_workspace: str | None = _legacy_workspace_option(),
    ) -> None:
        """Show drift between the committed schemas and the workspace; exit 1 when there is any
        (2 with --detailed-exitcode)."""
        from kqlrules.kusto import (
            REPO_SCHEMA_FOLDER,
            SchemaSet,
            default_credential,
            diff_schemas,
            fetch_tables,
        )

        ref = _workspace_ref(resource_id, legacy_workspace)
        committed = SchemaSet.load(
            folder if folder is not None else app_context(ctx).repo / REPO_SCHEMA_FOLDER
        )
        actual = fetch_tables(ref, default_credential(), base_url=arm_endpoint)
        drift = diff_schemas(committed, actual, new_tables=new_tables)
        if app_context(ctx).format is OutputFormat.json:
            print_json(_drift_json(drift))
        else:
            _print_drift(drift, ref.name)
        exit_for_differences(not drift.empty, detailed=detailed_exitcode, differences_fail=True)


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
        console.print(f"no drift: the committed schemas match workspace {escape(workspace)}")
        return
    for name in drift.missing_tables:
        console.print(f"[red]- table {escape(name)}[/] (committed, not in the workspace)")
    for name in drift.new_tables:
        console.print(f"[green]+ table {escape(name)}[/] (in the workspace, not committed)")
    for table in drift.tables:
        console.print(f"[bold]{escape(table.table)}[/]")
        for column in table.added:
            console.print(f"  [green]+ {escape(column.name)}: {escape(column.type)}[/]")
        for column in table.removed:
            console.print(f"  [red]- {escape(column.name)}: {escape(column.type)}[/]")
        for name, ours, theirs in table.retyped:
            console.print(f"  [yellow]~ {escape(name)}: {escape(ours)} -> {escape(theirs)}[/]")
