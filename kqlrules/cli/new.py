"""`kqlrules new AREA/NAME`: start a detection with its metadata and passing tests written for you."""

from __future__ import annotations

import typer

from kqlrules.cli.common import OutputFormat, app_context, console, print_json, user_errors

STARTER_TABLES = ("SigninLogs", "AuditLogs", "AzureActivity")


@user_errors
def new_command(
    ctx: typer.Context,
    key: str = typer.Argument(..., metavar="AREA/NAME", help="Where it goes: queries/AREA/NAME.{kql,yaml}."),
    table: str = typer.Option(
        "SigninLogs", "--table", help=f"The table the starter query reads: {', '.join(STARTER_TABLES)}."
    ),
    title: str | None = typer.Option(None, "--title", help="Display name (default: from NAME)."),
) -> None:
    """Write a new detection (.kql, .yaml with a fresh id, .tests.yaml with a firing and a quiet case that
    pass) and record it in queries/.lock.json."""
    from kqlrules.workflow import new_detection

    context = app_context(ctx)
    written = new_detection(context.repo, key, table=table, title=title)
    if context.format is OutputFormat.json:
        print_json({"written": [str(path) for path in written]})
        return
    for path in written:
        console.print(f"wrote {path}", highlight=False, markup=False)
    console.print(
        f"\nNext: edit {written[0].name}, then `kqlrules test {key}` (and change its tests to match).",
        highlight=False,
        markup=False,
    )
