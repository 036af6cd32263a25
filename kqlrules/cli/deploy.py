"""`kqlrules deploy`: plan, apply, export and drift of the repository's detections as Azure rules.

The CLI loads, asks `kqlrules.deploy`, and prints; the deploy room does the work. Its imports (the Azure
SDK) happen inside the commands, so that `kqlrules --help` stays fast."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from kqlrules.cli.common import (
    OutputFormat,
    app_context,
    console,
    err_console,
    escape,
    exit_for_differences,
    print_json,
    print_warning,
    user_errors,
)
from kqlrules.cli.options import DETAILED_EXITCODE_OPTION, ENV_OPTION, formats, output_option
from kqlrules.errors import KqlrulesError

if TYPE_CHECKING:
    from kqlrules.deploy import Environment, Outcome, Plan, RuleStore
    from kqlrules.rules import Repository

deploy_app = typer.Typer(
    name="deploy",
    help="Deploy detections to Microsoft Sentinel and Azure Monitor: plan, apply, export, drift.",
    no_args_is_help=True,
)
PLAN_FORMATS = (OutputFormat.text, OutputFormat.markdown, OutputFormat.json)


def register(app: typer.Typer) -> None:
    app.add_typer(deploy_app, name="deploy")


def _load(ctx: typer.Context, env: str | None) -> tuple[Repository, Environment]:
    from kqlrules.deploy import environment_from_config
    from kqlrules.rules import load_config, load_repository

    root = app_context(ctx).repo
    environment = environment_from_config(load_config(root), env, root)
    return load_repository(root, environment.name, strict=True), environment


def _plan(
    ctx: typer.Context, env: str | None, prune: bool, only: list[str] | None = None
) -> tuple[Plan, dict[str, RuleStore]]:
    plan, stores, _, _ = _planned(ctx, env, prune, only)
    return plan, stores


def _planned(
    ctx: typer.Context, env: str | None, prune: bool, only: list[str] | None = None
) -> tuple[Plan, dict[str, RuleStore], Repository, Environment]:
    """The plan, the stores it read, and the repository and environment it was made for."""
    from kqlrules.deploy import plan_deployment

    repository, environment = _load(ctx, env)
    plan, stores = plan_deployment(repository, environment, prune=prune, only=only)
    return plan, stores, repository, environment


def _show(plan: Plan, output: OutputFormat, *, is_drift: bool = False) -> None:
    from kqlrules.deploy import as_markdown, as_text

    if output is OutputFormat.json:
        print_json(plan.as_json())
    elif output is OutputFormat.markdown:
        sys.stdout.write(as_markdown(plan, drift=is_drift) + "\n")
    else:
        console.print(as_text(plan, drift=is_drift), markup=False, highlight=False, soft_wrap=True)


def _changes(plan: Plan) -> bool:
    from kqlrules.deploy import Action

    return bool(plan.pending or plan.count(Action.blocked))


@deploy_app.command("plan")
@formats(*PLAN_FORMATS)
@user_errors
def plan_command(
    ctx: typer.Context,
    env: str | None = ENV_OPTION,
    prune: bool = typer.Option(False, "--prune", help="Also plan deleting owned rules that left the repo."),
    detailed_exitcode: bool = DETAILED_EXITCODE_OPTION,
) -> None:
    """Show what apply would create, update (field by field) and delete; change nothing. Exit 0 with or
    without changes (2 when there are changes with --detailed-exitcode). Warns about each detection it would
    create or update that would be blind (`kqlrules sources check`), without failing."""
    plan, _, repository, environment = _planned(ctx, env, prune)
    blind = _blind(plan, repository, environment)
    output = app_context(ctx).format
    if output is OutputFormat.json and blind is not None:
        print_json({**plan.as_json(), "blind": [state.to_json() for state in blind]})
    else:
        _show(plan, output)
    warnings = [f"{state.key} would be blind once deployed: {_why_blind(state)}" for state in blind or []]
    if output is OutputFormat.markdown and warnings:  # the pull-request comment says it too
        sys.stdout.write(
            "\n**Blind once deployed** (`kqlrules sources plan`, `apply` set collection up):\n\n"
        )
        sys.stdout.write("".join(f"- {line}\n" for line in warnings))
    for line in warnings:
        print_warning(f"{line} (kqlrules sources plan / apply set collection up)")
    exit_for_differences(_changes(plan), detailed=detailed_exitcode, differences_fail=False)


def _why_blind(state: Any) -> str:
    problems = "; ".join(f"{t.table}: {', '.join(t.problems)}" for t in state.tables if t.problems)
    return problems or "; ".join(state.problems)


def _blind(plan: Plan, repository: Repository, environment: Environment) -> list[Any] | None:
    """The detections the plan creates or updates that `sources check` finds blind; None when not checked
    (no workspace_id to count rows in). A failure to check is a warning: the plan stands on its own."""
    from kqlrules.deploy import Action
    from kqlrules.workflow import blind_before_deploy

    writes = (Action.create, Action.update)
    ids = {c.detection_id for c in plan.changes if c.action in writes and c.detection_id}
    if not ids:
        return None
    try:
        return blind_before_deploy(repository, environment, ids)
    except KqlrulesError as error:
        print_warning(f"could not check whether the detections would be blind: {error}")
        return None


def _progress(outcome: Outcome) -> None:
    change = outcome.change
    label = escape(f"{change.action.value:<7} {change.target:<9} {change.title} ({change.name})")
    if outcome.ok:
        err_console.print(f"[green]ok[/]     {label}", highlight=False, soft_wrap=True)
    else:
        error = escape(str(outcome.error))
        err_console.print(f"[red]failed[/] {label}\n       {error}", highlight=False, soft_wrap=True)


@deploy_app.command("apply")
@formats(*PLAN_FORMATS)
@user_errors
def apply_command(
    ctx: typer.Context,
    env: str | None = ENV_OPTION,
    auto_approve: bool = typer.Option(False, "--auto-approve", help="Apply without asking."),
    prune: bool = typer.Option(False, "--prune", help="Delete rules kqlrules owns that left the repository."),
    only: list[str] = typer.Option(
        [], "--only", help="Apply only this detection's rules (name, area/name or id; repeatable)."
    ),
) -> None:
    """Apply exactly the plan shown: each change conditional on the etag the plan read."""
    from kqlrules.deploy import Action, apply_plan

    plan, stores = _plan(ctx, env, prune, only)
    _show(plan, app_context(ctx).format)
    blocked = plan.count(Action.blocked)
    if not plan.pending and not blocked:
        return
    if not auto_approve:
        if not sys.stdin.isatty():
            raise KqlrulesError("not applied: confirm interactively or pass --auto-approve")
        typer.confirm(f"Apply {len(plan.pending)} change(s) to {plan.environment}?", abort=True)
    report = apply_plan(plan, stores, _progress)
    done = len(report.outcomes) - len(report.failed)
    err_console.print(f"{done} applied, {len(report.failed)} failed.", highlight=False)
    if report.failed:
        err_console.print(
            "Run `kqlrules deploy apply` again after fixing them: it converges.", highlight=False
        )
        raise typer.Exit(1)


@deploy_app.command("drift")
@formats(*PLAN_FORMATS)
@user_errors
def drift_command(
    ctx: typer.Context,
    env: str | None = ENV_OPTION,
    detailed_exitcode: bool = DETAILED_EXITCODE_OPTION,
) -> None:
    """Show live edits made outside kqlrules (the portal), as a plan in reverse; exit 1 if any (2 with
    --detailed-exitcode)."""
    from kqlrules.deploy import drift

    plan, _ = _plan(ctx, env, prune=False)
    reported = drift(plan)
    _show(reported, app_context(ctx).format, is_drift=True)
    exit_for_differences(bool(reported.pending), detailed=detailed_exitcode, differences_fail=True)


@deploy_app.command("export")
@user_errors
def export_command(
    ctx: typer.Context,
    output: Path = output_option("Folder for the ARM templates.", Path("build/arm")),
    env: str | None = ENV_OPTION,
    template: str = typer.Option("arm", "--template", help="Template kind: arm (the one there is)."),
    per_rule: bool = typer.Option(False, "--per-rule", help="One template per rule (under <target>/)."),
) -> None:
    """Write ARM templates of every detection (split to stay under ARM's 800 resources); no Azure call.

    The pre-deploy checks run first, with or without --env: a template that Azure would refuse is not
    written."""
    from kqlrules.deploy import (
        configured_repository,
        deployables,
        environment_from_config,
        environment_from_table,
        export_arm,
        facts_for,
        preflight,
    )
    from kqlrules.rules import load_config, load_repository

    if template != "arm":
        from kqlrules.cli.common import UsageProblem

        raise UsageProblem(f"--template {template!r}: the one template kind is arm")
    root = app_context(ctx).repo
    config = load_config(root)
    chosen = env is not None or len(config.environments) == 1
    environment = environment_from_config(config, env, root) if chosen else None
    repository = load_repository(root, environment.name if environment else None, strict=True)
    items = deployables(repository)
    repository_name = environment.repository if environment else configured_repository(config, root)
    checked = environment or environment_from_table(
        "export",
        {"subscription": "-", "resource_group": "-", "workspace": "-", "location": "-"},
    )
    checked = replace(checked, repository=repository_name)
    warnings = preflight(
        items, checked, facts_for(root), export=True, check_environment=environment is not None
    )
    for warning in warnings:
        print_warning(str(warning))
    targets = environment.targets if environment else ("sentinel", "monitor")
    written = export_arm(
        items, output, repository=repository_name, environment=environment, targets=targets, per_rule=per_rule
    )
    if app_context(ctx).format is OutputFormat.json:
        print_json({"written": [str(path) for path in written]})
        return
    for path in written:
        console.print(f"wrote {path}", highlight=False, markup=False)
