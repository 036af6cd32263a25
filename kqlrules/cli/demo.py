"""`kqlrules demo`: the pack over the sample tenant's week, through the local query API; alerts printed."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

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
from kqlrules.cli.options import output_option
from kqlrules.cli.progress import progress_for

if TYPE_CHECKING:
    from rich.table import Table

    from kqlrules.demo import DemoResult
    from kqlrules.sample import DetectionScore

DEFAULT_OUT = Path(".kqlrules/demo")
_SEVERITY_STYLE = {"High": "bold red", "Medium": "yellow", "Low": "cyan", "Informational": "dim"}


def register(app: typer.Typer) -> None:
    app.command("demo")(demo_command)


@user_errors
def demo_command(
    ctx: typer.Context,
    output: Path = output_option(
        "Folder for the sample workspace, the runner's state and alerts.jsonl.", DEFAULT_OUT
    ),
) -> None:
    """Run every detection over the sample tenant's week (simulated clock, catching up window by window)
    through the Log Analytics query API served on 127.0.0.1; print the alerts and the stories caught."""
    from kqlrules.cli.run import counting_windows
    from kqlrules.demo import run_demo
    from kqlrules.rules import load_repository

    context = app_context(ctx)
    people = context.format is OutputFormat.text
    repo = load_repository(context.repo)
    for problem in repo.problems:
        err_console.print(f"[yellow]skipped[/] {escape(str(problem))}", highlight=False)

    def say(message: str) -> None:
        if people:
            err_console.print(f"[dim]{escape(message)}[/]", highlight=False)

    with progress_for("windows", None, show=people) as advance:
        result = run_demo(repo, output, render=counting_windows(advance), progress=say)
    if context.format is OutputFormat.json:
        print_json(_as_json(result))
    else:
        _print(result)
    if result.summary.windows_failed or not all(check.ok for check in result.checks):
        raise typer.Exit(1)


def _print(result: DemoResult) -> None:
    from rich.table import Table

    # One line per alert, so the table fits 80 columns: the entities are in alerts.jsonl and --format json.
    table = Table(title=f"{len(result.alerts)} alerts", title_justify="left", box=None, padding=(0, 1))
    table.add_column("when (UTC)", no_wrap=True)
    table.add_column("severity", no_wrap=True)
    table.add_column("detection", no_wrap=True, overflow="ellipsis", ratio=1)
    table.add_column("alert", no_wrap=True, overflow="ellipsis", ratio=2)
    for alert in sorted(result.alerts, key=lambda a: (a["window"]["end"], a["detection"]["name"])):
        severity = alert["detection"]["severity"]
        when = alert["window"]["end"].replace("T", " ").removesuffix(":00Z")
        table.add_row(
            when[5:] if len(when) > 5 else when,
            f"[{_SEVERITY_STYLE.get(severity, '')}]{escape(severity)}[/]",
            escape(alert["detection"]["name"]),
            escape(alert["title"]),
        )
    console.print(table)
    stories = Table(title="the sample tenant's stories", title_justify="left", box=None, padding=(0, 1))
    stories.add_column("story", no_wrap=True, overflow="ellipsis", ratio=3)
    stories.add_column("", no_wrap=True)
    stories.add_column("result", no_wrap=True, overflow="ellipsis", ratio=2)
    for check in sorted(result.checks, key=lambda c: c.story.start):
        story = check.story
        if not check.ok:
            parts = [f"missed by {', '.join(check.missed)}"] if check.missed else []
            parts += [f"false alert from {', '.join(check.false_positives)}"] if check.false_positives else []
            outcome = f"[red]{escape('; '.join(parts))}[/]"
        elif story.fires:
            outcome = f"[green]caught[/] by {escape(', '.join(story.fires))}"
        else:
            outcome = f"[green]quiet[/]: {escape(', '.join(story.must_not_fire))}"
        stories.add_row(escape(story.title), "attack" if story.malicious else "benign", outcome)
    console.print(stories)
    console.print(precision_table(result.scores))
    caught = sum(1 for c in result.checks if c.story.fires and c.ok)
    quiet = sum(1 for c in result.checks if not c.story.fires and c.ok)
    summary = result.summary
    console.print(
        f"{summary.windows_completed} windows run ({summary.windows_failed} failed, "
        f"{result.windows_answered_quietly} provably empty ones answered without a query); "
        f"{caught}/{sum(1 for c in result.checks if c.story.fires)} stories caught, "
        f"{quiet}/{sum(1 for c in result.checks if not c.story.fires)} look-alikes quiet. "
        f"Alerts also in {escape(str(result.alerts_file))}."
    )
    console.print(next_steps(result), highlight=False, markup=False)


def next_steps(result: DemoResult) -> str:
    """What a person can try next on the same week: the commands work as printed, from the same folder."""
    workspace = f"local:{result.tenant.folder}"
    first, last = result.tenant.start.date().isoformat(), result.tenant.end.date().isoformat()
    return "\n".join(
        [
            "",
            "Next:",
            f"  kqlrules query 'SigninLogs | take 5' --workspace {workspace}",
            f"  kqlrules backtest password_spray --from {first} --to {last} --workspace {workspace}",
            "  kqlrules init my-detections   # your own repository and its CI workflow (docs/workflow.md)",
        ]
    )


def precision_table(scores: list[DetectionScore]) -> Table:
    """Per detection: alerts on the stories it is for, on look-alikes, on the ordinary week's background."""
    from rich.table import Table

    table = Table(title="precision on the sample week", title_justify="left")
    table.add_column("detection", no_wrap=True)
    for column in ("alerts", "on stories", "on look-alikes", "on background", "precision"):
        table.add_column(column, justify="right", no_wrap=True)
    for entry in scores:
        precision = "-" if entry.precision is None else f"{entry.precision:.0%}"
        style = "" if not entry.false_alerts else "yellow"
        table.add_row(
            escape(entry.detection),
            str(entry.alerts),
            str(entry.on_stories),
            f"[{style}]{entry.on_look_alikes}[/]" if style else str(entry.on_look_alikes),
            f"[{style}]{entry.on_background}[/]" if style else str(entry.on_background),
            precision,
        )
    total = sum(e.alerts for e in scores)
    on_stories = sum(e.on_stories for e in scores)
    table.add_row(
        "all detections",
        str(total),
        str(on_stories),
        str(sum(e.on_look_alikes for e in scores)),
        str(sum(e.on_background for e in scores)),
        f"{on_stories / total:.0%}" if total else "-",
        style="bold",
    )
    return table


def _as_json(result: DemoResult) -> dict[str, object]:
    return {
        "precision": [entry.as_dict() for entry in result.scores],
        "alerts": result.alerts,
        "alerts_file": str(result.alerts_file),
        "windows_completed": result.summary.windows_completed,
        "windows_failed": result.summary.windows_failed,
        "windows_answered_without_a_query": result.windows_answered_quietly,
        "stories": [
            {**c.story.as_dict(), "missed": list(c.missed), "false_positives": list(c.false_positives)}
            for c in result.checks
        ],
    }
