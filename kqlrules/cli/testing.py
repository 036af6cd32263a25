"""Testing commands: `test` runs each detection's cases (locally or on a workspace), `record` captures
fixture rows from a workspace."""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from kqlrules.cli.common import app_context, console, err_console, escape, user_errors
from kqlrules.cli.options import (
    ENDPOINT_OPTION,
    ENV_OPTION,
    NOW_OPTION,
    SCHEMAS_OPTION,
    OutputFormat,
    formats,
    output_option,
    workspace_option,
)
from kqlrules.cli.progress import progress_for

if TYPE_CHECKING:
    from kqlrules.testing import Backend, CaseResult, MutantResult, RunReport, TestPlan

# One by default: the engine's Python UDFs hold the GIL, so threads contend more than they help.
# Two DuckDB connections side by side: 1,000 pack cases in 16 s against 25 s for one (docs/benchmarks.md).
DEFAULT_JOBS = min(2, os.cpu_count() or 1)
# Rows per table `record` takes by default (kqlrules.testing.record.DEFAULT_LIMIT; kept here so that
# `kqlrules --help` does not import the testing room).
DEFAULT_RECORD_LIMIT = 100


class Engine(StrEnum):
    local = "local"
    workspace = "workspace"


def register(app: typer.Typer) -> None:
    app.command("test")(test_command)
    app.command("record")(record_command)


@formats(OutputFormat.text, OutputFormat.json, OutputFormat.junit, OutputFormat.sarif)
@user_errors
def test_command(
    ctx: typer.Context,
    names: list[str] = typer.Argument(
        None, help="Detections to test (name, area/name, id or path); default: all."
    ),
    engine: Engine = typer.Option(Engine.local, "--engine", help="Run cases locally or on a workspace."),
    workspace: str | None = workspace_option(default_help="For --engine workspace."),
    endpoint: str | None = ENDPOINT_OPTION,
    output: Path | None = output_option("Write the json, junit or sarif report to this file."),
    min_cases: int = typer.Option(
        1, "--min-cases", min=0, help="Cases each detection needs that fire, and that must not (0: no check)."
    ),
    mutants: bool = typer.Option(False, "--mutants", help="Also run mutants; report those no case kills."),
    schemas: list[Path] = SCHEMAS_OPTION,
    env: str | None = ENV_OPTION,
    jobs: int = typer.Option(
        DEFAULT_JOBS,
        "--jobs",
        "-j",
        help="Cases the local engine runs at once (a DuckDB connection each).",
    ),
) -> None:
    """Run each detection's test cases (`<name>.tests.yaml`); exit 1 if any fails."""
    from kqlrules.testing import plan_tests, to_json, to_junit, to_sarif

    app = app_context(ctx)
    fmt = app.format
    plan = plan_tests(app.repo, names or [], env=env, schema_folders=schemas)
    backend = _backend(engine, workspace, endpoint, plan, max(jobs, 1))
    report = _run(plan, backend, min_cases, show_progress=fmt is OutputFormat.text)
    mutant_results = _mutants(plan, backend, report, fmt) if mutants else None
    if fmt is OutputFormat.text:
        _print_text(plan, report, mutant_results)
    else:
        import json

        if fmt is OutputFormat.junit:
            text = to_junit(report, mutant_results)
        elif fmt is OutputFormat.sarif:
            text = json.dumps(to_sarif(report, mutant_results), indent=2) + "\n"
        else:
            text = json.dumps(to_json(report, mutant_results), indent=2, default=str) + "\n"
        if output is not None:
            # The report to its file, the summary for people to the terminal or the CI log: one run.
            output.parent.mkdir(parents=True, exist_ok=True)
            output.write_text(text, encoding="utf-8")
            _print_text(plan, report, mutant_results)
        else:
            sys.stdout.write(text)
    survivors = [m for m in mutant_results or [] if m.status == "survived"]
    if not report.ok or survivors:
        raise typer.Exit(1)


def _backend(
    engine: Engine, workspace: str | None, endpoint: str | None, plan: TestPlan, jobs: int
) -> Backend:
    from kqlrules.cli.common import UsageProblem

    if engine is Engine.local:
        from kqlrules.testing import LocalBackend

        return LocalBackend(plan.schemas, parallel=jobs)
    if not workspace:
        raise UsageProblem(
            "--engine workspace needs --workspace", hint="a Log Analytics workspace id, or local:DIR"
        )
    from kqlrules.testing import WorkspaceBackend
    from kqlrules.workspace import open_workspace

    return WorkspaceBackend(open_workspace(workspace, endpoint=endpoint, watchlists=plan.repo.root))


def _run(plan: TestPlan, backend: Backend, min_cases: int, *, show_progress: bool) -> RunReport:
    from kqlrules.testing import run_plan

    with progress_for("testing", plan.case_count, show=show_progress) as advance:

        def on_result(result: CaseResult) -> None:
            advance(description=result.detection)

        return run_plan(plan, backend, min_cases=min_cases, on_result=on_result)


def _mutants(plan: TestPlan, backend: Backend, report: RunReport, fmt: OutputFormat) -> list[MutantResult]:
    from kqlrules.testing import run_plan_mutants

    with progress_for("mutants", None, show=fmt is OutputFormat.text) as advance:

        def on_result(result: MutantResult) -> None:
            advance(description=result.detection)

        return run_plan_mutants(plan, backend, report, on_result=on_result)


_STYLE = {"passed": "green", "failed": "red", "error": "red", "skipped": "yellow"}


def _print_text(plan: TestPlan, report: RunReport, mutant_results: list[MutantResult] | None) -> None:
    from rich.table import Table

    from kqlrules.testing import summary

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
    # As pytest counts them: "1 error", "3 errors" (the other words do not change).
    words = {k: f"{k}s" if k == "error" and v != 1 else k for k, v in counts.items()}
    parts = [f"[{_STYLE[k]}]{v} {words[k]}[/]" for k, v in counts.items() if v]
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
    workspace: str = workspace_option(required=True),
    endpoint: str | None = ENDPOINT_OPTION,
    since: str = typer.Option("7d", "--since", help="How far back to record (a timespan: 1h, 7d)."),
    now: str | None = NOW_OPTION,
    limit: int = typer.Option(DEFAULT_RECORD_LIMIT, "--limit", help="Rows per table, newest first."),
    redact: list[str] = typer.Option(
        [], "--redact", help="Column=mode (upn, ip, host, hash, keep, drop); repeatable."
    ),
    salt: str | None = typer.Option(
        None, "--salt", envvar="KQLRULES_REDACTION_SALT", help="Keeps pseudonyms the same across recordings."
    ),
    schemas: list[Path] = SCHEMAS_OPTION,
) -> None:
    """Record redacted fixture rows for the tables a detection reads, from a workspace."""
    from kqlrules.cli.common import UsageProblem, instant_option
    from kqlrules.rules import find_detection, load_repository
    from kqlrules.testing import Redactor, describe, record_fixtures, repository_schemas
    from kqlrules.timespan import TimespanError, parse_timespan
    from kqlrules.workspace import open_workspace

    app = app_context(ctx)
    try:
        span = parse_timespan(since)
    except TimespanError as error:
        raise UsageProblem(f"--since: {error}") from None
    if limit < 1:
        raise UsageProblem("--limit must be 1 or more")
    columns = {}
    for item in redact:
        column, _, mode = item.partition("=")
        if not column or not mode:
            raise UsageProblem(f"--redact {item!r}: write Column=mode")
        columns[column.strip()] = mode.strip()
    try:
        redactor = Redactor(salt, columns)
    except ValueError as error:
        raise UsageProblem(str(error)) from None
    instant = instant_option(now, "--now") if now is not None else None
    repo = load_repository(app.repo)
    detection = find_detection(repo, name)
    target = open_workspace(workspace, endpoint=endpoint)
    recording = record_fixtures(
        detection,
        target,
        repository_schemas(app.repo, schemas),
        since=span,
        limit=limit,
        redactor=redactor,
        now=instant,
    )
    for line in describe(recording):
        err_console.print(f"recorded {escape(line)}", highlight=False)
    if salt is None:
        err_console.print("note: a random salt was used; pass --salt to keep pseudonyms stable across runs")
    console.print(recording.case_stub(), markup=False, highlight=False, end="")
