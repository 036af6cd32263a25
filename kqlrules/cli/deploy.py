"""`kqlrules deploy`: plan, apply, export and drift of the repository's detections as Azure rules."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer

from kqlrules.cli.common import app_context, console, err_console, print_json, user_errors
from kqlrules.deploy import (
    Action,
    Deployable,
    Environment,
    Outcome,
    Plan,
    RuleStore,
    apply_plan,
    build_plan,
    drift,
    environment_from_config,
    open_stores,
    preflight,
)
from kqlrules.deploy.contracts.repository_check import facts_for
from kqlrules.deploy.deployable import deployables
from kqlrules.deploy.export import export_arm
from kqlrules.deploy.render import as_markdown, as_text
from kqlrules.deploy.watchlists import add_watchlists
from kqlrules.errors import KqlrulesError
from kqlrules.rules import Repository, find_detection, load_config, load_repository

deploy_app = typer.Typer(
    name="deploy",
    help="Deploy detections to Microsoft Sentinel and Azure Monitor: plan, apply, export, drift.",
    no_args_is_help=True,
)
ENV_OPTION = typer.Option(None, "--env", help="Environment from kqlrules.toml (default: the only one).")
# Exit status of `drift` when live rules differ from the repository, for CI to act on.
DRIFT_EXIT = 2
# `plan --detailed-exitcode`: 2 when there are changes, as `terraform plan -detailed-exitcode`.
PLAN_CHANGES_EXIT = 2


class PlanFormat(StrEnum):
    text = "text"
    markdown = "markdown"
    json = "json"


FORMAT_OPTION = typer.Option(None, "--format", help="text, markdown (for a PR comment) or json.")


def register(app: typer.Typer) -> None:
    app.add_typer(deploy_app, name="deploy")


def _format(ctx: typer.Context, chosen: PlanFormat | None) -> PlanFormat:
    if chosen is not None:
        return chosen
    return PlanFormat.json if app_context(ctx).format.value == "json" else PlanFormat.text


def _load(ctx: typer.Context, env: str | None) -> tuple[Repository, Environment, list[Deployable]]:
    root = app_context(ctx).repo
    environment = environment_from_config(load_config(root), env, root)
    repository = load_repository(root, environment.name, strict=True)
    return repository, environment, deployables(repository)


def _credential(environment: Environment) -> Any:
    if environment.is_loopback:
        from kqlrules.deploy.emulator import EmulatorCredential

        return EmulatorCredential()
    from azure.identity import DefaultAzureCredential

    return DefaultAzureCredential()


def _plan(
    ctx: typer.Context, env: str | None, prune: bool, only: list[str] | None = None
) -> tuple[Plan, dict[str, RuleStore]]:
    repository, environment, items = _load(ctx, env)
    preflight(items, environment, facts_for(repository.root))
    credential = _credential(environment)
    stores = open_stores(environment, credential)
    live = {name: store.list() for name, store in stores.items()}
    plan = build_plan(items, environment, live, prune=prune)
    add_watchlists(plan, stores, environment, repository.root, credential, prune=prune)
    return (plan.only(_ids_of(repository, only)) if only else plan), stores


def _ids_of(repository: Repository, names: list[str]) -> set[str]:
    """The detection ids `--only` names: a detection's name, area/name, id or file."""
    ids = set()
    for name in names:
        rules = [r for r in repository.incident_rules if name in (r.name, r.key, r.meta.id)]
        ids.add((rules[0].meta.id if rules else find_detection(repository, name).meta.id).lower())
    return ids


def _show(plan: Plan, output: PlanFormat, *, is_drift: bool = False) -> None:
    if output is PlanFormat.json:
        print_json(plan.as_json())
    elif output is PlanFormat.markdown:
        sys.stdout.write(as_markdown(plan, drift=is_drift) + "\n")
    else:
        console.print(as_text(plan, drift=is_drift), markup=False, highlight=False, soft_wrap=True)


@deploy_app.command("plan")
@user_errors
def plan_command(
    ctx: typer.Context,
    env: str | None = ENV_OPTION,
    prune: bool = typer.Option(False, "--prune", help="Also plan deleting owned rules that left the repo."),
    output: PlanFormat | None = FORMAT_OPTION,
    detailed_exitcode: bool = typer.Option(
        False, "--detailed-exitcode", help="Exit 0: no changes, 2: changes, 1: error (as Terraform)."
    ),
) -> None:
    """Show what apply would create, update (field by field) and delete; change nothing."""
    plan, _ = _plan(ctx, env, prune)
    _show(plan, _format(ctx, output))
    if detailed_exitcode and (plan.pending or plan.count(Action.blocked)):
        raise typer.Exit(PLAN_CHANGES_EXIT)


def _progress(outcome: Outcome) -> None:
    change = outcome.change
    label = f"{change.action.value:<7} {change.target:<9} {change.title} ({change.name})"
    if outcome.ok:
        err_console.print(f"[green]ok[/]     {label}", highlight=False, soft_wrap=True)
    else:
        err_console.print(f"[red]failed[/] {label}\n       {outcome.error}", highlight=False, soft_wrap=True)


@deploy_app.command("apply")
@user_errors
def apply_command(
    ctx: typer.Context,
    env: str | None = ENV_OPTION,
    auto_approve: bool = typer.Option(False, "--auto-approve", help="Apply without asking."),
    prune: bool = typer.Option(False, "--prune", help="Delete rules kqlrules owns that left the repository."),
    output: PlanFormat | None = FORMAT_OPTION,
    only: list[str] = typer.Option(
        [], "--only", help="Apply only this detection's rules (name, area/name or id; repeatable)."
    ),
) -> None:
    """Apply exactly the plan shown: each change conditional on the etag the plan read."""
    plan, stores = _plan(ctx, env, prune, only)
    _show(plan, _format(ctx, output))
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
@user_errors
def drift_command(
    ctx: typer.Context, env: str | None = ENV_OPTION, output: PlanFormat | None = FORMAT_OPTION
) -> None:
    """Show live edits made outside kqlrules (the portal), as a plan in reverse; exit 2 if any."""
    plan, _ = _plan(ctx, env, prune=False)
    reported = drift(plan)
    _show(reported, _format(ctx, output), is_drift=True)
    if reported.pending:
        raise typer.Exit(DRIFT_EXIT)


class ExportFormat(StrEnum):
    arm = "arm"


@deploy_app.command("export")
@user_errors
def export_command(
    ctx: typer.Context,
    export_format: ExportFormat = typer.Option(ExportFormat.arm, "--format", help="arm: ARM templates."),
    out: Path = typer.Option(Path("build/arm"), "--out", help="Folder for the templates."),
    env: str | None = ENV_OPTION,
) -> None:
    """Write ARM templates (one per target) of every detection; no Azure call."""
    root = app_context(ctx).repo
    config = load_config(root)
    chosen = env is not None or len(config.environments) == 1
    environment = environment_from_config(config, env, root) if chosen else None
    repository = load_repository(root, environment.name if environment else None, strict=True)
    items = deployables(repository)
    repository_name = environment.repository if environment else root.resolve().name
    if environment is not None:
        for warning in preflight(items, environment, facts_for(root), export=True):
            err_console.print(f"warning: {warning}", highlight=False, soft_wrap=True)
    targets = environment.targets if environment else ("sentinel", "monitor")
    for path in export_arm(items, out, repository=repository_name, environment=environment, targets=targets):
        console.print(f"wrote {path}", highlight=False)
