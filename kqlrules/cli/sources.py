"""`kqlrules sources`: plan, apply and check the log collection the detections depend on."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import Any

import typer

from kqlrules.cli.common import (
    OutputFormat,
    app_context,
    console,
    escape,
    exit_for_differences,
    instant_option,
    print_json,
    user_errors,
)
from kqlrules.cli.options import (
    DETAILED_EXITCODE_OPTION,
    ENDPOINT_OPTION,
    ENV_OPTION,
    NOW_OPTION,
    workspace_option,
)
from kqlrules.errors import KqlrulesError

sources_app = typer.Typer(
    name="sources",
    help="The log collection detections need: diagnostic settings and retention (plan, apply, check).",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(sources_app, name="sources")


def _context(ctx: typer.Context, env: str | None) -> Any:
    """Repository, environment, its sources configuration, what each detection reads, the store."""
    from kqlrules.deploy import arm_credential, environment_from_config
    from kqlrules.kusto import AnalysisCache, resolve_schemas, shared_analyzer
    from kqlrules.rules import load_config, load_repository
    from kqlrules.sources import ArmSourcesStore, sources_config
    from kqlrules.workflow import tables_read

    root = app_context(ctx).repo
    environment = environment_from_config(load_config(root), env, root)
    repository = load_repository(root, environment.name)
    config = sources_config(environment.name, environment.extra)
    read = tables_read(repository.detections, shared_analyzer(), resolve_schemas(root), AnalysisCache())
    store = ArmSourcesStore(environment, arm_credential(environment))
    return repository, environment, config, read, store


def _plan(ctx: typer.Context, env: str | None) -> Any:
    from kqlrules.sources import build_sources_plan, read_live_for

    _, environment, config, read, store = _context(ctx, env)
    tables = sorted({table for detection in read for table in detection.tables})
    live = read_live_for(store, tables, config, environment)
    return build_sources_plan(tables, config, environment, live), store


def _plan_json(plan: Any) -> dict[str, Any]:
    from kqlrules.sources import scope_label

    return {
        "settings": [
            {
                "action": str(c.action),
                "scope": scope_label(c.wanted.scope),
                "name": c.wanted.name,
                "categories": sorted(c.wanted.categories),
                "adds": sorted(c.added),
            }
            for c in plan.settings
        ],
        "exports": [
            {
                "action": str(c.action),
                "resource_group": c.wanted.resource_group,
                "name": c.wanted.name,
                "event_sources": sorted(c.wanted.event_sources),
                "adds": sorted(c.added),
            }
            for c in plan.exports
        ],
        "retention": [
            {
                "action": str(c.action),
                "table": c.wanted.table,
                "total_days": c.wanted.total_days,
                "interactive_days": c.wanted.interactive_days,
                "current_total_days": c.current.total_days if c.current else None,
            }
            for c in plan.retention
        ],
        "checked_only": [{"table": f.table, "collected_by": f.describe} for f in plan.unmanaged],
        "undeclared": [
            {"table": f.table, "resource_type": f.resource_type, "category": f.category}
            for f in plan.undeclared
        ],
        "changes": len(plan.changes),
    }


def _print_plan(plan: Any) -> None:
    from kqlrules.sources import scope_label

    for change in plan.settings:
        if change.action.value == "no change":
            continue
        where = escape(scope_label(change.wanted.scope))
        console.print(f"[bold]{change.action}[/] diagnostic setting {escape(change.wanted.name)} on {where}")
        exported = ", ".join(sorted(change.added)) or "(destinations change)"
        console.print(f"    export {exported}", markup=False)
    for export in plan.exports:
        if export.action.value == "no change":
            continue
        console.print(
            f"[bold]{export.action}[/] Defender for Cloud continuous export {escape(export.wanted.name)} "
            f"in resource group {escape(export.wanted.resource_group)}"
        )
        exported = ", ".join(sorted(export.added)) or "(scope or workspace changes)"
        console.print(f"    export {exported}", markup=False)
    for retention in plan.retention:
        if retention.action.value == "no change":
            continue
        before = f"{retention.current.total_days}d" if retention.current else "the workspace default"
        console.print(
            f"[bold]{retention.action}[/] retention of {escape(retention.wanted.table)}: {before} -> "
            f"{retention.wanted.total_days}d total, {retention.wanted.interactive_days}d interactive"
        )
    for feed in plan.unmanaged:
        console.print(f"check only: {escape(feed.table)} is collected by the {escape(feed.describe)}")
    for feed in plan.undeclared:
        console.print(
            f"[yellow]not collected:[/] {escape(feed.table)} needs the {escape(feed.describe)}; list the "
            f"{escape(feed.resource_type or '')} resources in sources.resources"
        )
    count = len(plan.changes)
    console.print(
        f"{count} change{'s' if count != 1 else ''}" if count else "No changes: collection is as declared."
    )


@sources_app.command("plan")
@user_errors
def plan_command(
    ctx: typer.Context,
    env: str | None = ENV_OPTION,
    detailed_exitcode: bool = DETAILED_EXITCODE_OPTION,
) -> None:
    """What collection the detections need, what exists, and what `sources apply` would change."""
    plan, _ = _plan(ctx, env)
    if app_context(ctx).format is OutputFormat.json:
        print_json(_plan_json(plan))
    else:
        _print_plan(plan)
    exit_for_differences(bool(plan.changes), detailed=detailed_exitcode, differences_fail=False)


@sources_app.command("apply")
@user_errors
def apply_command(
    ctx: typer.Context,
    env: str | None = ENV_OPTION,
    auto_approve: bool = typer.Option(False, "--auto-approve", help="Apply without asking."),
) -> None:
    """Create or update the diagnostic settings kqlrules owns and the tables' retention: shows the plan,
    then asks (as `deploy apply` does; --auto-approve for CI)."""
    from kqlrules.sources import apply_sources

    plan, store = _plan(ctx, env)
    as_json = app_context(ctx).format is OutputFormat.json
    if not as_json:
        _print_plan(plan)
    if plan.changes and not auto_approve:
        # Nothing is changed without a yes: from a terminal, or --auto-approve where there is none.
        if not sys.stdin.isatty():
            raise KqlrulesError("not applied: confirm interactively or pass --auto-approve")
        typer.confirm(f"Apply {len(plan.changes)} change(s)?", abort=True)
    made = apply_sources(plan, store) if plan.changes else 0
    if as_json:
        print_json({**_plan_json(plan), "applied": made})
    else:
        console.print(f"Applied {made} change{'s' if made != 1 else ''}.")


@sources_app.command("check")
@user_errors
def check_command(
    ctx: typer.Context,
    env: str | None = ENV_OPTION,
    workspace: str | None = workspace_option(default_help="Default: the --env's workspace_id."),
    endpoint: str | None = ENDPOINT_OPTION,
    now: str | None = NOW_OPTION,
) -> None:
    """For every detection: are the tables it reads exported, fed within its lookback, kept long enough?
    Exits 1 when a detection is blind."""
    from kqlrules.workflow import detection_states

    repository, environment, config, read, store = _context(ctx, env)
    moment = instant_option(now, "--now") if now else datetime.now(UTC)
    states = detection_states(
        repository, environment, config, read, store, workspace=workspace, endpoint=endpoint, moment=moment
    )
    blind = [state for state in states if state.blind]
    if app_context(ctx).format is OutputFormat.json:
        print_json({"detections": [s.to_json() for s in states], "blind": [s.key for s in blind]})
    else:
        from rich.table import Table

        table = Table("detection", "table", "collected by", "exported", "rows", "retention", "problems")
        for state in states:
            for t in state.tables:
                exported = "?" if t.exported is None else "yes" if t.exported else "no"
                retention = f"{t.retention_days}d" if t.retention_days is not None else "?"
                problems = "; ".join(t.problems) or "ok"
                table.add_row(
                    escape(state.key),
                    escape(t.table),
                    escape(t.collected_by),
                    exported,
                    str(t.rows),
                    retention,
                    escape(problems),
                )
        console.print(table)
        console.print(
            f"{len(blind)} of {len(states)} detections blind" if blind else "No detection is blind."
        )
    if blind:
        raise typer.Exit(1)
