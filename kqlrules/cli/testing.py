"""Testing commands: `test` runs each detection's cases (locally or on a workspace), `record` captures
fixture rows from a workspace."""

from __future__ import annotations

import importlib
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from kqlrules.cli.common import (
    OutputFormat,
    app_context,
    console,
    err_console,
    print_json,
    user_errors,
)
from kqlrules.errors import KqlrulesError
from kqlrules.testing.mutation import MutantResult
from kqlrules.testing.record import DEFAULT_LIMIT
from kqlrules.testing.report import summary, to_json, to_junit
from kqlrules.testing.runner import Backend, CaseResult, RunReport
from kqlrules.testing.session import TestPlan, plan_tests, run_plan, run_plan_mutants

# One by default: the engine's Python UDFs hold the GIL, so threads contend more than they help.
# Two DuckDB connections side by side: 1,000 pack cases in 16 s against 25 s for one (docs/benchmarks.md).
DEFAULT_JOBS = min(2, os.cpu_count() or 1)


class Engine(StrEnum):
    local = "local"
    workspace = "workspace"


class TestFormat(StrEnum):
    __test__ = False
    text = "text"
    json = "json"
    junit = "junit"


def register(app: typer.Typer) -> None:
    app.command("test")(test_command)
    app.command("record")(record_command)


@user_errors
def test_command(
    ctx: typer.Context,
    names: list[str] = typer.Argument(
        None, help="Detections to test (name, area/name, id or path); default: all."
    ),
    engine: Engine = typer.Option(Engine.local, "--engine", help="Run cases locally or on a workspace."),
    workspace: str | None = typer.Option(
        None, "--workspace", help="For --engine workspace: a workspace id, or local:DIR."
    ),
    endpoint: str | None = typer.Option(
        None, "--endpoint", help="Query API endpoint (default Azure; http://127.0.0.1:PORT for a local one)."
    ),
    output_format: TestFormat | None = typer.Option(
        None, "--format", help="text, json or junit (default: the global --format)."
    ),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the json/junit report here."),
    min_cases: int = typer.Option(
        1, "--min-cases", help="Cases each detection needs that fire, and that must not (0: no check)."
    ),
    mutants: bool = typer.Option(False, "--mutants", help="Also run mutants; report those no case kills."),
    schemas: list[Path] = typer.Option([], "--schemas", help="Extra schema folder (repeatable)."),
    env: str | None = typer.Option(None, "--env", help="Environment from kqlrules.toml whose params apply."),
    jobs: int = typer.Option(
        DEFAULT_JOBS,
        "--jobs",
        "-j",
        help="Cases the local engine runs at once (a DuckDB connection each).",
    ),
) -> None:
    """Run each detection's test cases (`<name>.tests.yaml`); exit 1 if any fails."""
    app = app_context(ctx)
    fmt = output_format or (TestFormat.json if app.format is OutputFormat.json else TestFormat.text)
    plan = plan_tests(app.repo, names or [], env=env, schema_folders=schemas)
    backend = _backend(engine, workspace, endpoint, plan, max(jobs, 1))
    report = _run(plan, backend, min_cases, show_progress=fmt is TestFormat.text)
    mutant_results = _mutants(plan, backend, report, fmt) if mutants else None
    if fmt is TestFormat.text:
        _print_text(plan, report, mutant_results)
    else:
        text = to_junit(report, mutant_results) if fmt is TestFormat.junit else None
        if output is not None:
            output.write_text(text if text is not None else _json_text(report, mutant_results))
        elif text is not None:
            sys.stdout.write(text)
        else:
            print_json(to_json(report, mutant_results))
    survivors = [m for m in mutant_results or [] if m.status == "survived"]
    if not report.ok or survivors:
        raise typer.Exit(1)


def _json_text(report: RunReport, mutant_results: list[MutantResult] | None) -> str:
    import json

    return json.dumps(to_json(report, mutant_results), indent=2, default=str) + "\n"


def _backend(
    engine: Engine, workspace: str | None, endpoint: str | None, plan: TestPlan, jobs: int
) -> Backend:
    if engine is Engine.local:
        from kqlrules.testing.local_backend import LocalBackend

        return LocalBackend(plan.schemas, parallel=jobs)
    if not workspace:
        raise KqlrulesError(
            "--engine workspace needs --workspace", hint="a Log Analytics workspace id, or local:DIR"
        )
    from kqlrules.testing.workspace_backend import WorkspaceBackend

    return WorkspaceBackend(_open_workspace(workspace, endpoint, plan.repo.root))


def _open_workspace(spec: str, endpoint: str | None, repo: Path | None = None) -> Any:
    # Resolved at run time: the workspace room is optional for local testing.
    open_workspace: Any = importlib.import_module("kqlrules.workspace").__dict__.get("open_workspace")
    if open_workspace is None:
        raise KqlrulesError("this kqlrules has no workspace support yet")
    return open_workspace(spec, endpoint=endpoint, watchlists=repo)


def _run(plan: TestPlan, backend: Backend, min_cases: int, *, show_progress: bool) -> RunReport:
    if not show_progress:
        return run_plan(plan, backend, min_cases=min_cases)
    with Progress(
        TextColumn("[bold]testing[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as progress:
        task = progress.add_task("", total=plan.case_count)

        def advance(result: CaseResult) -> None:
            progress.update(task, advance=1, description=escape(result.detection))

        return run_plan(plan, backend, min_cases=min_cases, on_result=advance)


def _mutants(plan: TestPlan, backend: Backend, report: RunReport, fmt: TestFormat) -> list[MutantResult]:
    if fmt is not TestFormat.text:
        return run_plan_mutants(plan, backend, report)
    with err_console.status("running mutants..."):
        return run_plan_mutants(plan, backend, report)


_STYLE = {"passed": "green", "failed": "red", "error": "red", "skipped": "yellow"}


def _print_text(plan: TestPlan, report: RunReport, mutant_results: list[MutantResult] | None) -> None:
    for result in report.results:
        if result.status in ("failed", "error"):
            _print_failure(result)
    table = Table(title=f"{len(plan.items)} detection(s), {plan.case_count} case(s) on {report.engine}")
    for column in ("detection", "cases", "passed", "failed", "errors", "time"):
        table.add_column(column, justify="left" if column == "detection" else "right")
    by_detection: dict[str, list[CaseResult]] = {}
    for result in report.results:
        by_detection.setdefault(result.detection, []).append(result)
    for item in plan.items:
        results = by_detection.get(item.key, [])
        cases = [r for r in results if r.name != "(coverage)"]
        failed = sum(r.status == "failed" for r in results)
        errors = sum(r.status == "error" for r in results)
        style = "red" if failed or errors else ("yellow" if not cases else "green")
        table.add_row(
            f"[{style}]{escape(item.key)}[/]",
            str(len(cases)),
            str(sum(r.status == "passed" for r in results)),
            str(failed),
            str(errors),
            f"{sum(r.duration for r in results):.2f}s",
        )
    console.print(table)
    counts = summary(report)
    parts = [f"[{_STYLE[k]}]{v} {k}[/]" for k, v in counts.items() if v]
    console.print(", ".join(parts) + f" in {report.duration:.2f}s")
    if mutant_results is not None:
        _print_mutants(mutant_results)


def _print_failure(result: CaseResult) -> None:
    err_console.print(
        f"[bold red]{result.status.upper()}[/] {escape(result.detection)} :: {escape(result.name)}",
        highlight=False,
    )
    if result.error:
        err_console.print(f"  {escape(result.error)}", highlight=False, soft_wrap=True)
    for failure in result.failures:
        where = f"{failure.location}: " if failure.location else ""
        err_console.print(f"  {escape(where + failure.message)}", highlight=False, soft_wrap=True)
        for line in failure.diff.splitlines():
            style = "red" if line.lstrip().startswith("-") else "green"
            err_console.print(f"  [{style}]{escape(line)}[/]", highlight=False, soft_wrap=True)


def _print_mutants(results: list[MutantResult]) -> None:
    survivors = [m for m in results if m.status == "survived"]
    killed = sum(m.status == "killed" for m in results)
    for mutant in survivors:
        console.print(
            f"[yellow]survived[/] {escape(str(mutant.location))}: {escape(mutant.mutant.description)}",
            highlight=False,
            soft_wrap=True,
        )
    equivalent = sum(m.status == "equivalent" for m in results)
    style = "yellow" if survivors else "green"
    tail = f", {equivalent} equivalent" if equivalent else ""
    console.print(f"[{style}]mutants: {killed} killed, {len(survivors)} survived{tail}[/]")


@user_errors
def record_command(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The detection (name, area/name, id or path)."),
    workspace: str = typer.Option(..., "--workspace", help="A workspace id, or local:DIR."),
    endpoint: str | None = typer.Option(None, "--endpoint", help="Query API endpoint (default Azure)."),
    since: str = typer.Option("7d", "--since", help="How far back to record (a timespan: 1h, 7d)."),
    limit: int = typer.Option(DEFAULT_LIMIT, "--limit", help="Rows per table, newest first."),
    redact: list[str] = typer.Option(
        [], "--redact", help="Column=mode (upn, ip, host, hash, keep, drop); repeatable."
    ),
    salt: str | None = typer.Option(
        None, "--salt", envvar="KQLRULES_REDACTION_SALT", help="Keeps pseudonyms the same across recordings."
    ),
    schemas: list[Path] = typer.Option([], "--schemas", help="Extra schema folder (repeatable)."),
) -> None:
    """Record redacted fixture rows for the tables a detection reads, from a workspace."""
    from kqlrules.rules import find_detection, load_repository
    from kqlrules.testing.record import describe, record
    from kqlrules.testing.redaction import Redactor
    from kqlrules.testing.session import repository_schemas
    from kqlrules.timespan import TimespanError, parse_timespan

    app = app_context(ctx)
    try:
        span = parse_timespan(since)
    except TimespanError as error:
        raise KqlrulesError(f"--since: {error}") from None
    if limit < 1:
        raise KqlrulesError("--limit must be 1 or more")
    columns = {}
    for item in redact:
        column, _, mode = item.partition("=")
        if not column or not mode:
            raise KqlrulesError(f"--redact {item!r}: write Column=mode")
        columns[column.strip()] = mode.strip()
    try:
        redactor = Redactor(salt, columns)
    except ValueError as error:
        raise KqlrulesError(str(error)) from None
    repo = load_repository(app.repo)
    detection = find_detection(repo, name)
    target = _open_workspace(workspace, endpoint)
    recording = record(
        detection, target, repository_schemas(app.repo, schemas), since=span, limit=limit, redactor=redactor
    )
    for line in describe(recording):
        err_console.print(f"recorded {escape(line)}", highlight=False)
    if salt is None:
        err_console.print("note: a random salt was used; pass --salt to keep pseudonyms stable across runs")
    console.print(recording.case_stub(), markup=False, highlight=False, end="")
