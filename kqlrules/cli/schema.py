"""`kqlrules schema import|pull|diff`: the table and function schemas lint, query and test bind against."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from kqlrules.cli.common import AppContext, app_context, console, print_json, user_errors
from kqlrules.cli.options import SCHEMAS_OPTION, OutputFormat, output_option
from kqlrules.errors import KqlrulesError

if TYPE_CHECKING:
    from kqlrules.kusto import SchemaSet


# -- for every command that binds queries (lint, query, test) ---------------------------------------------
def schemas_option() -> list[Path]:
    """`--schemas DIR` (repeatable): `schemas: list[Path] = schemas_option()` in a command's signature."""
    option: list[Path] = SCHEMAS_OPTION
    return option


def repository_or_none(context: AppContext) -> Path | None:
    """The detection repository if there is one here (loose files can be checked without one)."""
    try:
        return context.repo
    except KqlrulesError:
        return None


def command_schemas(ctx: typer.Context, extra: list[Path]) -> SchemaSet:
    """The schemas a command binds against: built-in, the repository's `schemas/`, then `--schemas`."""
    from kqlrules.kusto import resolve_schemas

    return resolve_schemas(repository_or_none(app_context(ctx)), extra)


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Table and function schemas: import, pull from a workspace, diff.")
    app.add_typer(group, name="schema")

    @group.command("import")
    @user_errors
    def import_(
        ctx: typer.Context,
        sources: list[Path] = typer.Argument(..., help="Folders of Sentinel-shaped (or our) schema files."),
        output: Path | None = output_option("Folder to write the schemas into (default: <repo>/schemas)."),
        only: list[str] = typer.Option([], "--only", help="Import only these tables/functions."),
        builtin: bool = typer.Option(
            False, "--builtin", help="Build kqlrules' own built-in set (merged columns + standard columns)."
        ),
    ) -> None:
        """Convert a folder of schema files (Sentinel CI's JSON shape) into kqlrules' format."""
        from kqlrules.kusto import REPO_SCHEMA_FOLDER, import_folders

        target = output if output is not None else app_context(ctx).repo / REPO_SCHEMA_FOLDER
        selection: list[str] | None = list(only) or None
        if builtin:
            from kqlrules.kusto import build_builtin

            written = build_builtin(list(sources), target)
        else:
            written = import_folders(sources, target, only=selection)
        if app_context(ctx).format is OutputFormat.json:
            print_json({"written": [str(path) for path in written]})
        else:
            console.print(f"wrote {len(written)} schema files to {target}", highlight=False, markup=False)

    from kqlrules.cli.schema_workspace import register_workspace_commands

    register_workspace_commands(group)
