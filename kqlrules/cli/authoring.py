"""Authoring commands: `list` the detections, `render` one to KQL, `validate` them all."""

from __future__ import annotations

import sys
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import typer

from kqlrules.cli.common import (
    OutputFormat,
    app_context,
    console,
    err_console,
    escape,
    print_json,
    user_errors,
)
from kqlrules.cli.options import ENV_OPTION, PARAM_OPTION
from kqlrules.timespan import format_timespan

if TYPE_CHECKING:
    from kqlrules.errors import KqlrulesError
    from kqlrules.rules import LoadedDetection


def register(app: typer.Typer) -> None:
    app.command("list")(list_command)
    app.command("render")(render_command)
    app.command("validate")(validate_command)
    from kqlrules.cli.new import new_command

    app.command("new")(new_command)


def _schedule(detection: LoadedDetection) -> str:
    schedule = detection.meta.schedule
    return f"every {format_timespan(schedule.frequency)} over {format_timespan(schedule.period)}"


def _summary(detection: LoadedDetection) -> dict[str, Any]:
    meta = detection.meta
    return {
        "id": meta.id,
        "name": meta.name,
        "detection": detection.key,
        "severity": str(meta.severity),
        "enabled": meta.enabled,
        "frequency": format_timespan(meta.schedule.frequency),
        "period": format_timespan(meta.schedule.period),
        "tactics": list(meta.tactics),
        "techniques": list(meta.techniques),
        "yaml": str(detection.yaml_path),
        "kql": str(detection.kql_path),
    }


def _order(problem: KqlrulesError) -> tuple[str, int, int, str]:
    from kqlrules.errors import Location

    where = problem.location or Location("")
    return (where.path, where.line, where.col, problem.message)


def _problem(error: KqlrulesError) -> dict[str, Any]:
    where = error.location
    return {
        "path": where.path if where else None,
        "line": where.line if where else None,
        "col": where.col if where else None,
        "message": error.message,
        "hint": error.hint,
    }


@user_errors
def list_command(ctx: typer.Context) -> None:
    """List every detection: id, name, severity, schedule, tactics."""
    from kqlrules.rules import load_repository

    app = app_context(ctx)
    repo = load_repository(app.repo)
    if app.format is OutputFormat.json:
        print_json([_summary(detection) for detection in repo.detections])
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table(title=f"{len(repo.detections)} detections")
        for column in ("id", "detection"):
            table.add_column(column, no_wrap=True)
        for column in ("name", "severity", "schedule", "tactics"):
            table.add_column(column, overflow="fold")
        for detection in repo.detections:
            meta = detection.meta
            table.add_row(
                escape(meta.id),
                escape(detection.key),
                escape(meta.name),
                escape(str(meta.severity)),
                escape(_schedule(detection)),
                escape(", ".join(meta.tactics)),
            )
        # Piped output has no terminal width; a table folded to 80 columns would be unreadable.
        (console if console.is_terminal else Console(width=max(console.width, 160))).print(table)
    if repo.problems:
        err_console.print(
            f"{len(repo.problems)} problem(s) hide some detections; run `kqlrules validate`.",
            highlight=False,
        )


@user_errors
def render_command(
    ctx: typer.Context,
    detection: str = typer.Argument(..., help="Detection name, area/name, id, or path of its .yaml/.kql."),
    env: str | None = ENV_OPTION,
    param: list[str] = PARAM_OPTION,
) -> None:
    """Print a detection's rendered KQL."""
    from kqlrules.rules import check_param_names, find_detection, load_repository, parse_param_options

    app = app_context(ctx)
    given = parse_param_options(param)
    repo = load_repository(app.repo, env=env, params=given)
    found = find_detection(repo, detection)
    check_param_names(given, [found])
    rendered = found.render()
    if app.format is OutputFormat.json:
        print_json(
            {
                "detection": found.key,
                "id": found.meta.id,
                "kql": rendered.text,
                "params": {key: _jsonable(value) for key, value in rendered.params.items()},
            }
        )
    else:
        sys.stdout.write(rendered.text + "\n")


def _jsonable(value: Any) -> Any:
    return format_timespan(value) if isinstance(value, timedelta) else value


@user_errors
def validate_command(
    ctx: typer.Context,
    env: str | None = ENV_OPTION,
    param: list[str] = PARAM_OPTION,
) -> None:
    """Check every detection's metadata and render its template; list every problem, exit 1 if any."""
    from kqlrules.rules import check_param_names, load_repository, parse_param_options

    app = app_context(ctx)
    given = parse_param_options(param)
    repo = load_repository(app.repo, env=env, params=given)
    check_param_names(given, repo.detections)
    problems = repo.validate()
    from kqlrules.deploy import contract_problems

    # What each deploy target accepts (Sentinel, Azure Monitor), so that what validates here deploys.
    problems = sorted([*problems, *contract_problems(repo)], key=_order)
    if app.format is OutputFormat.json:
        print_json(
            {
                "valid": not problems,
                "detections": len(repo.detections),
                "problems": [_problem(problem) for problem in problems],
            }
        )
    else:
        for problem in problems:
            sys.stdout.write(f"{problem}\n")
        if problems:
            err_console.print(f"[bold red]{len(problems)} problem(s)[/] found.", highlight=False)
        else:
            rules = (
                f" and {len(repo.incident_rules)} incident-creation rule(s)" if repo.incident_rules else ""
            )
            count = len(repo.detections)
            noun = "detection" if count == 1 else "detections"
            console.print(f"[green]{count} {noun}{rules} valid.[/]", highlight=False)
    if problems:
        raise typer.Exit(1)
