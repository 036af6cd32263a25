"""`kqlrules schema import|pull|diff`: the table and function schemas lint, query and test bind against."""

from __future__ import annotations

from pathlib import Path

import typer

from kqlrules.cli.common import AppContext, app_context, console, print_json, user_errors
from kqlrules.errors import KqlrulesError
from kqlrules.kusto.schema_import import import_folders
from kqlrules.kusto.schemas import REPO_SCHEMA_FOLDER, SchemaSet, resolve_schemas


# -- for every command that binds queries (lint, query, test) ---------------------------------------------
def schemas_option() -> list[Path]:
    """`--schemas DIR` (repeatable): `schemas: list[Path] = schemas_option()` in a command's signature."""
    option: list[Path] = typer.Option(
        [], "--schemas", help="Add a schema folder (ours or Sentinel's JSON shape); repeatable."
    )
    return option


def repository_or_none(context: AppContext) -> Path | None:
    """The detection repository if there is one here (loose files can be checked without one)."""
    try:
        return context.repo
    except KqlrulesError:
        return None


def command_schemas(ctx: typer.Context, extra: list[Path]) -> SchemaSet:
    """The schemas a command binds against: built-in, the repository's `schemas/`, then `--schemas`."""
    return resolve_schemas(repository_or_none(app_context(ctx)), extra)


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Table and function schemas: import, pull from a workspace, diff.")
    app.add_typer(group, name="schema")

    @group.command("import")
    @user_errors
    def import_(
        ctx: typer.Context,
        sources: list[Path] = typer.Argument(..., help="Folders of Sentinel-shaped (or our) schema files."),
        out: Path | None = typer.Option(None, "--out", help="Where to write (default: <repo>/schemas)."),
        only: list[str] = typer.Option([], "--only", help="Import only these tables/functions."),
        builtin: bool = typer.Option(
            False, "--builtin", help="Build kqlrules' own built-in set (merged columns + standard columns)."
        ),
    ) -> None:
        """Convert a folder of schema files (Sentinel CI's JSON shape) into kqlrules' format."""
        target = out if out is not None else app_context(ctx).repo / REPO_SCHEMA_FOLDER
        selection: list[str] | None = list(only) or None
        if builtin:
            from kqlrules.kusto.builtin_schemas import build_builtin

            written = build_builtin(list(sources), target)
        else:
            written = import_folders(sources, target, only=selection)
        if app_context(ctx).format == "json":
            print_json({"written": [str(path) for path in written]})
        else:
            console.print(f"wrote {len(written)} schema files to {target}")

    from kqlrules.cli.schema_workspace import register_workspace_commands

    register_workspace_commands(group)
