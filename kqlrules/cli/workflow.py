"""Adoption and upkeep: `init` a repository, `import`/`export` Sentinel rules, `coverage`, `version`."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from kqlrules.cli.common import (
    OutputFormat,
    UsageProblem,
    app_context,
    console,
    err_console,
    escape,
    instant_option,
    print_json,
    print_warning,
    user_errors,
)
from kqlrules.cli.options import (
    ARM_ENDPOINT_HELP,
    ENDPOINT_OPTION,
    ENV_OPTION,
    NOW_OPTION,
    WORKSPACE_NAME_HELP,
    output_option,
    workspace_option,
)
from kqlrules.cli.progress import progress_for
from kqlrules.errors import KqlrulesError

if TYPE_CHECKING:
    from kqlrules.kusto import Analyzer
    from kqlrules.workflow import DataCoverage

# The public cloud's ARM endpoint (kqlrules.deploy.environment.PUBLIC_ARM_ENDPOINT).
PUBLIC_ARM_ENDPOINT = "https://management.azure.com"
DEFAULT_IMPORT_AREA = "imported"  # kqlrules.workflow.workspace_import.DEFAULT_AREA

import_app = typer.Typer(help="Bring existing rules into the repository.", no_args_is_help=True)
export_app = typer.Typer(help="Write the detections in another tool's format.", no_args_is_help=True)
coverage_app = typer.Typer(help="What the detections cover.", no_args_is_help=True)
version_app = typer.Typer(help="Content hashes and versions (queries/.lock.json).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command("init")(init_command)
    app.add_typer(import_app, name="import")
    app.add_typer(export_app, name="export")
    app.add_typer(coverage_app, name="coverage")
    app.add_typer(version_app, name="version")


@user_errors
def init_command(
    directory: Path = typer.Argument(..., help="Folder for the new detection repository."),
) -> None:
    """Scaffold a detection repository: config, queries/ with an example and its tests, the CI workflow."""
    from kqlrules.workflow import scaffold

    written = scaffold(directory)
    for path in written:
        console.print(f"created {path}", highlight=False, markup=False, soft_wrap=True)
    next_step = f"\nNext: cd {directory} && kqlrules validate && kqlrules test"
    console.print(next_step, highlight=False, markup=False, soft_wrap=True)


@import_app.command("sentinel")
@user_errors
def import_sentinel_command(
    ctx: typer.Context,
    paths: list[Path] = typer.Argument(..., help="Sentinel analytic rule YAML files or folders."),
    output: Path | None = output_option("Folder for the detections (default: queries/)."),
) -> None:
    """Microsoft Sentinel analytic rule YAML -> kqlrules detections (metadata + query template)."""
    from kqlrules.workflow import import_sentinel, sentinel_files

    app = app_context(ctx)
    target = output or app.repo / "queries"
    existing: dict[str, Path] = {}
    if target.resolve() == (app.repo / "queries").resolve() and target.is_dir():
        from kqlrules.rules import load_repository

        repo = load_repository(app.repo)
        existing = {d.meta.id: d.yaml_path for d in repo.detections}
        existing.update({rule.meta.id: rule.yaml_path for rule in repo.incident_rules})
    files = sentinel_files(paths)
    with progress_for("importing", len(files), show=app.format is OutputFormat.text) as advance:
        report = import_sentinel(
            files, target, on_file=lambda path: advance(description=path.name), existing=existing
        )
    for problem in report.skipped:
        err_console.print(f"skipped {escape(str(problem))}", highlight=False, soft_wrap=True)
    if app.format is OutputFormat.json:
        print_json(
            {
                "written": [str(path) for path, _ in report.written],
                "skipped": [str(problem) for problem in report.skipped],
            }
        )
    else:
        for path, _rule in report.written:
            console.print(f"wrote {path}", highlight=False, markup=False)
        console.print(
            f"imported {len(report.written)} rule(s) into {target}; skipped {len(report.skipped)}",
            highlight=False,
            markup=False,
        )


@import_app.command("workspace")
@user_errors
def import_workspace_command(
    ctx: typer.Context,
    env: str | None = ENV_OPTION,
    subscription: str | None = typer.Option(None, "--subscription", help="Subscription id (without --env)."),
    resource_group: str | None = typer.Option(
        None, "--resource-group", help="Resource group (without --env)."
    ),
    workspace_name: str | None = typer.Option(None, "--workspace-name", help=WORKSPACE_NAME_HELP),
    arm_endpoint: str = typer.Option(PUBLIC_ARM_ENDPOINT, "--arm-endpoint", help=ARM_ENDPOINT_HELP),
    targets: list[str] = typer.Option(
        [], "--target", help="sentinel or monitor (repeatable; default: the environment's, else both)."
    ),
    area: str = typer.Option(DEFAULT_IMPORT_AREA, "--area", help="Folder under queries/ for the detections."),
    legacy_workspace: str | None = typer.Option(None, "--workspace", hidden=True),
) -> None:
    """A workspace's existing alert rules (Sentinel analytics and Azure Monitor) -> detections."""
    from kqlrules.deploy import arm_credential, import_environment, open_stores
    from kqlrules.rules import load_repository
    from kqlrules.workflow import import_workspace

    app = app_context(ctx)
    root = app.repo
    if workspace_name is None and legacy_workspace is not None:
        print_warning("--workspace NAME is now --workspace-name NAME (--workspace is a workspace to query)")
        workspace_name = legacy_workspace
    environment = import_environment(root, env, subscription, resource_group, workspace_name, arm_endpoint)
    if targets:
        unknown = [t for t in targets if t not in ("sentinel", "monitor")]
        if unknown:
            raise UsageProblem(f"--target {unknown[0]!r}: one of sentinel, monitor")
        environment = replace(environment, targets=tuple(targets))
    repo = load_repository(root)
    existing = {d.meta.id: d.yaml_path for d in repo.detections}
    stores = open_stores(environment, arm_credential(environment))
    report = import_workspace(
        stores, environment, repo.queries_dir, existing=existing, area=area, tables_of=_tables_of(root)
    )
    for problem in report.skipped:
        err_console.print(f"skipped {escape(str(problem))}", highlight=False, soft_wrap=True)
    if app.format is OutputFormat.json:
        print_json(
            {
                "written": [
                    {"path": str(path), "target": rule.target, "rule": rule.name}
                    for path, rule in report.written
                ],
                "skipped": [str(problem) for problem in report.skipped],
            }
        )
        return
    for path, _rule in report.written:
        console.print(f"wrote {path}", highlight=False, markup=False)
    console.print(
        f"imported {len(report.written)} rule(s) from {environment.workspace}; skipped {len(report.skipped)}",
        highlight=False,
        markup=False,
    )


def _tables_of(root: Path) -> Callable[[str], list[str]] | None:
    """The tables a query reads, by the analyzer; None when the analyzer does not run here."""
    from kqlrules.kusto import resolve_schemas
    from kqlrules.workflow import query_tables

    analyzer = _analyzer()
    return None if analyzer is None else query_tables(analyzer, resolve_schemas(root))


@export_app.command("sentinel")
@user_errors
def export_sentinel_command(
    ctx: typer.Context,
    output: Path = output_option("Folder for the Sentinel rule YAML files.", Path("build/sentinel")),
    env: str | None = ENV_OPTION,
) -> None:
    """kqlrules detections -> Microsoft Sentinel analytic rule YAML (the Azure-Sentinel repository shape).

    Each rule is checked against Azure-Sentinel's repository CI rules; what it would refuse is a warning."""
    from kqlrules.rules import load_repository, shown
    from kqlrules.workflow import export_sentinel

    root = app_context(ctx).repo
    repo = load_repository(root, env=env, strict=True)
    exported = export_sentinel(repo.detections, output, _tables_of(root))
    for item in exported.rules:
        for problem in item.problems:
            print_warning(f"{shown(item.path)}: {problem}")
    for problem in exported.duplicate_ids:
        print_warning(problem)
    console.print(f"exported {len(exported.rules)} rule(s) to {output}", highlight=False, markup=False)


@coverage_app.command("attack")
@user_errors
def coverage_attack_command(
    ctx: typer.Context,
    layer: Path | None = typer.Option(None, "--layer", help="Write an ATT&CK Navigator layer (JSON) here."),
    markdown: Path | None = typer.Option(
        None, "--markdown", help="Write the tactics x techniques matrix here."
    ),
    strict: bool = typer.Option(False, "--strict", help="Exit 1 when a mapping does not match ATT&CK."),
) -> None:
    """ATT&CK coverage: a Navigator layer (format 4.5) and a matrix of tactics x techniques."""
    from kqlrules.rules import load_repository
    from kqlrules.workflow import compute_coverage, markdown_matrix, navigator_layer

    app = app_context(ctx)
    repo = load_repository(app.repo)
    coverage = compute_coverage([d.meta for d in repo.detections])
    if layer:
        layer.write_text(json.dumps(navigator_layer(coverage), indent=2) + "\n", encoding="utf-8")
    if markdown:
        markdown.write_text(markdown_matrix(coverage), encoding="utf-8")
    if app.format is OutputFormat.json:
        print_json(navigator_layer(coverage))
    elif not layer and not markdown:
        sys.stdout.write(markdown_matrix(coverage))
    for problem in coverage.problems:
        print_warning(f"{problem.detection}: {problem.message}")
    if strict and coverage.problems:
        raise typer.Exit(1)


@coverage_app.command("data")
@user_errors
def coverage_data_command(
    ctx: typer.Context,
    workspace: str | None = workspace_option(default_help="Default: the --env's workspace_id."),
    endpoint: str | None = ENDPOINT_OPTION,
    env: str | None = ENV_OPTION,
    days: int = typer.Option(7, "--days", min=1, help="How far back a table's rows count as data."),
    now: str | None = NOW_OPTION,
    strict: bool = typer.Option(False, "--strict", help="Exit 1 when a detection is blind."),
) -> None:
    """Blind detections (a table they read has no data) and tables with data that no detection reads."""
    from kqlrules.kusto import AnalysisCache, resolve_schemas
    from kqlrules.rules import load_repository, workspace_spec
    from kqlrules.workflow import data_coverage
    from kqlrules.workspace import open_workspace

    app = app_context(ctx)
    repo = load_repository(app.repo, env=env)
    spec = workspace_spec(workspace, repo.config, env)
    moment = instant_option(now, "--now") if now else datetime.now(UTC)
    coverage = data_coverage(
        repo.detections,
        open_workspace(spec, endpoint=endpoint),
        moment,
        days,
        analyzer=_analyzer(),
        schemas=resolve_schemas(repo.root),
        cache=AnalysisCache(),
    )
    if app.format is OutputFormat.json:
        print_json(coverage.to_json())
    else:
        _print_data_coverage(coverage)
    if strict and coverage.blind:
        raise typer.Exit(1)


def _analyzer() -> Analyzer | None:
    """The analyzer when it runs here; without it the detections' declared tables stand in."""
    from kqlrules.kusto import shared_analyzer

    try:
        return shared_analyzer()
    except KqlrulesError as error:
        print_warning(f"{error}; using each detection's declared tables")
        return None


def _print_data_coverage(coverage: DataCoverage) -> None:
    from rich.table import Table

    span = f"{coverage.start:%Y-%m-%d %H:%MZ} .. {coverage.end:%Y-%m-%d %H:%MZ}"
    table = Table(
        title=f"data for {len(coverage.detections)} enabled detection(s), {span}", title_justify="left"
    )
    table.add_column("detection", overflow="fold")
    table.add_column("reads", overflow="fold")
    table.add_column("status", no_wrap=True)
    for detection in coverage.detections:
        missing = coverage.missing(detection)
        reads = ", ".join(f"{name} ({coverage.rows.get(name, 0):,})" for name in detection.tables)
        status = "[red]blind[/]: no " + escape(", ".join(missing)) if missing else "[green]ok[/]"
        table.add_row(escape(detection.key), escape(reads), status)
    console.print(table)
    blind = coverage.blind
    console.print(f"{len(blind)} blind detection(s)", highlight=False)
    for detection in blind:
        without = ", ".join(coverage.missing(detection))
        console.print(
            f"  {detection.key}: no data in {without}", highlight=False, soft_wrap=True, markup=False
        )
    unwatched = coverage.unwatched
    if unwatched:
        console.print(
            "tables with data that no detection reads: "
            + ", ".join(f"{name} ({coverage.rows[name]:,} rows)" for name in unwatched),
            highlight=False,
            markup=False,
        )
    else:
        console.print("every table with data is read by a detection", highlight=False)


@version_app.command("check")
@user_errors
def version_check_command(ctx: typer.Context) -> None:
    """Fail when a detection changed without a version bump, went down a version, or changed its id."""
    from kqlrules.rules import load_repository
    from kqlrules.workflow import check_versions

    app = app_context(ctx)
    repo = load_repository(app.repo, strict=True)
    problems = check_versions(repo.queries_dir, repo.detections)
    if app.format is OutputFormat.json:
        print_json(
            {
                "ok": not problems,
                "detections": len(repo.detections),
                "problems": [
                    {
                        "path": p.location.path,
                        "line": p.location.line,
                        "col": p.location.col,
                        "message": p.message,
                    }
                    for p in problems
                ],
            }
        )
    else:
        for problem in problems:
            err_console.print(str(problem), highlight=False, soft_wrap=True, markup=False)
        if not problems:
            console.print(f"{len(repo.detections)} detection(s) match queries/.lock.json")
    if problems:
        raise typer.Exit(1)


@version_app.command("bump")
@user_errors
def version_bump_command(
    ctx: typer.Context,
    names: list[str] = typer.Argument(None, help="Detections to bump (default: every changed one)."),
    part: str = typer.Option("patch", "--part", help="major, minor or patch."),
) -> None:
    """Bump the version of changed detections (or those named) and record them in the lock."""
    from kqlrules.rules import find_detection, load_repository
    from kqlrules.workflow import Part, bump_version, changed, write_lock

    if part not in ("major", "minor", "patch"):
        raise UsageProblem(f"--part must be major, minor or patch, not {part!r}")
    level: Part = part  # type: ignore[assignment]
    app = app_context(ctx)
    repo = load_repository(app.repo, strict=True)
    # A name that matches nothing is a mistake to report, not a bump of nothing (find_detection says
    # which names exist, or the one meant).
    targets = (
        list({find_detection(repo, name).key: find_detection(repo, name) for name in names}.values())
        if names
        else changed(repo.queries_dir, repo.detections)
    )
    bumps = [
        {"detection": detection.key, "from": detection.meta.version, "to": bump_version(detection, level)}
        for detection in targets
    ]
    write_lock(repo.queries_dir, load_repository(app.repo, strict=True).detections)
    if app.format is OutputFormat.json:
        print_json({"bumped": bumps})
        return
    for bump in bumps:
        console.print(f"{bump['detection']}: {bump['from']} -> {bump['to']}", highlight=False, markup=False)
    if not bumps:
        console.print("no detection changed since queries/.lock.json: nothing to bump")


@version_app.command("lock")
@user_errors
def version_lock_command(ctx: typer.Context) -> None:
    """Record every detection's current content hash and version in queries/.lock.json."""
    from kqlrules.rules import load_repository
    from kqlrules.workflow import write_lock

    repo = load_repository(app_context(ctx).repo, strict=True)
    path = write_lock(repo.queries_dir, repo.detections)
    console.print(f"wrote {path} ({len(repo.detections)} detections)", highlight=False, markup=False)
