"""`kqlrules lint [PATHS...]`: every detection (or plain .kql / Sentinel rule YAML) through Microsoft's
analyzer and kqlrules' rules; exit 1 on errors (on warnings too with --warnings-as-errors)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from kqlrules.cli.common import app_context, console, real_console, user_errors
from kqlrules.cli.options import SCHEMAS_OPTION, OutputFormat, formats, output_option
from kqlrules.cli.progress import counted, progress_for


def register(app: typer.Typer) -> None:
    app.command("lint")(lint)


@formats(OutputFormat.text, OutputFormat.json, OutputFormat.sarif)
@user_errors
def lint(
    ctx: typer.Context,
    paths: list[Path] = typer.Argument(None, help="Detections, folders, .kql or Sentinel YAML files."),
    schemas: list[Path] = SCHEMAS_OPTION,
    output: Path | None = output_option("Write the report to this file."),
    warnings_as_errors: bool = typer.Option(False, "--warnings-as-errors", help="Fail on warnings."),
    use_cache: bool = typer.Option(
        True, "--cache/--no-cache", help="Reuse analyses of unchanged queries (KQLRULES_CACHE_DIR)."
    ),
) -> None:
    """Check queries with Microsoft's Kusto analyzer and kqlrules' rules (see docs/lint.md)."""
    from kqlrules.cli.schema import command_schemas, repository_or_none
    from kqlrules.kusto import AnalysisCache, shared_analyzer
    from kqlrules.lint import discover, lint_units, render_json, render_sarif, render_text

    context = app_context(ctx)
    repo = repository_or_none(context)
    if not paths and repo is None:
        context.repo  # noqa: B018 - raises the "no repository here" error with its hint
    schema_set = command_schemas(ctx, schemas)
    units = discover(list(paths or []), repo)
    cache = AnalysisCache() if use_cache else None
    chosen = context.format
    with progress_for("linting", None, show=chosen is OutputFormat.text) as advance:
        run = lint_units(counted(units, advance), shared_analyzer(), schema_set, cache=cache)
    if chosen is OutputFormat.text:
        if output is None:
            render_text(run, real_console(console))
        else:
            from rich.console import Console

            with output.open("w", encoding="utf-8") as handle:
                render_text(run, Console(file=handle, no_color=True, width=200))
    else:
        document = render_sarif(run) if chosen is OutputFormat.sarif else render_json(run)
        text = json.dumps(document, indent=2) + "\n"
        if output is None:
            typer.echo(text, nl=False)
        else:
            output.write_text(text, encoding="utf-8")
    if run.errors(warnings_as_errors=warnings_as_errors):
        raise typer.Exit(1)
