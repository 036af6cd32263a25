"""`kqlrules backtest`: what detections would have raised over a past interval, before they page anyone."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from kqlrules.cli.common import (
    OutputFormat,
    app_context,
    console,
    escape,
    instant_option,
    print_json,
    user_errors,
)
from kqlrules.cli.demo import precision_table
from kqlrules.cli.options import ENDPOINT_OPTION, ENV_OPTION, PARAM_OPTION, workspace_option
from kqlrules.cli.progress import progress_for

if TYPE_CHECKING:
    from kqlrules.rules import LoadedDetection
    from kqlrules.workflow import Backtest, DetectionBacktest


def register(app: typer.Typer) -> None:
    app.command("backtest")(backtest_command)


@user_errors
def backtest_command(
    ctx: typer.Context,
    names: list[str] = typer.Argument(..., help="Detections: name, area/name, id or file path."),
    start_text: str = typer.Option(..., "--from", help="Start of the interval (ISO 8601, UTC by default)."),
    end_text: str = typer.Option(..., "--to", help="End of the interval (exclusive)."),
    workspace: str | None = workspace_option(default_help="Default: the --env's workspace_id."),
    endpoint: str | None = ENDPOINT_OPTION,
    html_path: Path | None = typer.Option(None, "--html", help="Also write a self-contained HTML report."),
    env: str | None = ENV_OPTION,
    params: list[str] = PARAM_OPTION,
) -> None:
    """Replay detections' schedules over a past interval: windows, alerts per day, top entities."""
    from kqlrules.rules import (
        check_param_names,
        find_detection,
        load_repository,
        parse_param_options,
        workspace_spec,
    )
    from kqlrules.workflow import backtest, backtest_precision, check_interval, html_report
    from kqlrules.workspace import now_is_timespan_end, open_workspace

    start, end = instant_option(start_text, "--from"), instant_option(end_text, "--to")
    check_interval(start, end)
    app = app_context(ctx)
    given = parse_param_options(params)
    repo = load_repository(app.repo, env=env, params=given)
    detections = _unique([find_detection(repo, name) for name in names])
    check_param_names(given, detections)
    spec = workspace_spec(workspace, repo.config, env)
    opened = open_workspace(spec, endpoint=endpoint, watchlists=repo.root)
    anchor_now = not now_is_timespan_end(opened)
    quiet = app.format is OutputFormat.json
    with progress_for("replaying", 0, show=not quiet) as advance:

        def replaying(detection: LoadedDetection, windows: int) -> None:
            advance(0, description=detection.key, more=windows)

        result = backtest(
            detections,
            opened,
            start,
            end,
            anchor_now=anchor_now,
            progress=replaying,
            on_window=advance,
        )
    if html_path is not None:
        html_path.parent.mkdir(parents=True, exist_ok=True)
        html_path.write_text(html_report(result), encoding="utf-8")
    scores = backtest_precision(spec, detections, result)
    if quiet:
        print_json({**result.to_json(), **({"precision": [e.as_dict() for e in scores]} if scores else {})})
    else:
        _print(result)
        if scores:
            console.print(precision_table(scores))
        if html_path is not None:
            console.print(f"wrote {html_path}", highlight=False, markup=False)
    if result.failed:
        raise typer.Exit(1)


def _unique(detections: list[LoadedDetection]) -> list[LoadedDetection]:
    seen: dict[str, LoadedDetection] = {}
    for detection in detections:
        seen.setdefault(detection.meta.id, detection)
    return list(seen.values())


def _print(result: Backtest) -> None:
    from rich.table import Table

    from kqlrules.timespan import format_timespan
    from kqlrules.workflow import sparkline

    days = result.days
    summary = Table(
        title=f"backtest {days[0].isoformat()} .. {days[-1].isoformat()} ({len(days)} day(s))",
        title_justify="left",
    )
    summary.add_column("detection", overflow="fold")
    summary.add_column("every/over", no_wrap=True)
    for column in ("windows", "fired", "alerts", "suppressed"):
        summary.add_column(column, justify="right", min_width=len(column), no_wrap=True)
    summary.add_column("per day", no_wrap=True)
    for detection in result.detections:
        summary.add_row(
            escape(detection.key),
            f"{format_timespan(detection.frequency)}/{format_timespan(detection.period)}",
            str(detection.windows),
            str(detection.windows_fired),
            str(detection.alert_count),
            str(detection.suppressed),
            sparkline([detection.per_day.get(day, 0) for day in days]),
        )
    console.print(summary)
    for detection in result.detections:
        _print_detection(detection)


def _print_detection(detection: DetectionBacktest) -> None:
    from rich.table import Table

    from kqlrules.cli.common import print_error
    from kqlrules.workflow import schedule_text

    console.print(
        f"\n[bold]{escape(detection.key)}[/]: {escape(detection.name)} ({escape(schedule_text(detection))})",
        highlight=False,
    )
    if detection.error:
        print_error(str(detection.error))
    per_day = Table(show_edge=False, box=None, padding=(0, 2, 0, 0))
    per_day.add_column("day")
    per_day.add_column("alerts", justify="right")
    per_day.add_column("")
    top = max(detection.per_day.values(), default=0) or 1
    for day, count in detection.per_day.items():
        per_day.add_row(day.isoformat(), str(count), "█" * round(count / top * 30) if count else "")
    console.print(per_day)
    entities = detection.top_entities()
    if entities:
        console.print("top entities:")
        for entity in entities:
            console.print(f"  {entity.alerts:>5}  {entity.label}", highlight=False, markup=False)
