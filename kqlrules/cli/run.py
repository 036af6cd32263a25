"""`kqlrules run` (the scheduled runner), `kqlrules run status`, and `kqlrules workspace serve`."""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
    user_errors,
)
from kqlrules.cli.options import ENDPOINT_OPTION, ENV_OPTION, NOW_OPTION, PARAM_OPTION, workspace_option
from kqlrules.cli.progress import Advance, progress_for
from kqlrules.errors import KqlrulesError

if TYPE_CHECKING:
    from kqlrules.rules import LoadedDetection
    from kqlrules.runner import ScheduledDetection

DEFAULT_STATE = Path(".kqlrules/runner.db")
# Azure: a row is stamped with its ingestion time before it can be queried; a minute covers the usual gap.
AZURE_NRT_DELAY = timedelta(minutes=1)

run_app = typer.Typer(
    help="Run the enabled detections on schedule against a workspace; `run status` shows where they are.",
    invoke_without_command=True,
    no_args_is_help=False,
)
workspace_app = typer.Typer(
    help="Local workspaces: serve a folder of tables over the Log Analytics query API."
)


class LogFormat(StrEnum):
    text = "text"
    json = "json"


def register(app: typer.Typer) -> None:
    app.add_typer(run_app, name="run")
    app.add_typer(workspace_app, name="workspace")


def _instant(value: str | None, option: str) -> datetime | None:
    return None if value is None else instant_option(value, option)


def counting_windows(
    advance: Advance, *, anchor_now: bool = False
) -> Callable[[LoadedDetection], ScheduledDetection]:
    """Detections scheduled as the runner's `WindowTemplate`s, advancing a progress bar once per window."""
    from kqlrules.runner import WindowTemplate

    def schedule(detection: LoadedDetection) -> ScheduledDetection:
        step = partial(advance, description=detection.key)
        return WindowTemplate(detection, anchor_now=anchor_now).scheduled(on_render=step)

    return schedule


@run_app.callback(invoke_without_command=True)
@user_errors
def run_command(
    ctx: typer.Context,
    workspace: str | None = workspace_option(default_help="Default: the --env's workspace_id."),
    endpoint: str | None = ENDPOINT_OPTION,
    once: bool = typer.Option(False, "--once", help="Run every window due now (catching up), then exit."),
    state_path: str = typer.Option(
        str(DEFAULT_STATE), "--state", help="The runner's state: a SQLite file, or postgresql://USER@HOST/DB."
    ),
    sinks: list[str] = typer.Option(
        ["stdout"],
        "--sink",
        help="Where alerts go: a sink named in kqlrules.toml [sinks], or stdout, file:PATH, sqlite:PATH,"
        " webhook:URL (repeatable).",
    ),
    replay_from: str | None = typer.Option(
        None,
        "--replay-from",
        help="Also give the sinks the stored alerts of windows ending after this instant"
        " (a sink new to the state otherwise starts with the alerts made from now on).",
    ),
    lookback: str = typer.Option(
        "12h",
        "--lookback",
        help="NRT (ingestion-time) windows: how late a row may arrive after its TimeGenerated and be seen.",
    ),
    nrt_delay: str | None = typer.Option(
        None,
        "--nrt-delay",
        help="NRT windows run this long after they end (default 0s on a local workspace, 1m on Azure,"
        " where a row becomes queryable shortly after its ingestion time).",
    ),
    lease: str = typer.Option(
        "2m", "--lease", help="How long a claim on a detection or alert lasts if its runner dies."
    ),
    delay: str = typer.Option(
        "5m", "--delay", help="Ingestion delay: a window runs this long after it ends."
    ),
    max_catch_up: int | None = typer.Option(
        None,
        "--max-catch-up",
        min=1,
        help="Run at most this many missed windows per detection and skip older ones (recorded in"
        " `run status`; `--once` then exits 1). Default: every missed window runs.",
    ),
    since: str | None = typer.Option(None, "--since", help="Detections never run start after this instant."),
    now: str | None = NOW_OPTION,
    until: str | None = typer.Option(None, "--until", help="Stop once the clock reaches this instant."),
    quiet_windows: bool = typer.Option(
        False,
        "--quiet-windows",
        help="Answer windows whose result is provably empty (none of the tables its rows come from has a"
        " row in it, asked of the workspace once per stretch) without sending their query.",
    ),
    max_attempts: int = typer.Option(
        5, "--max-attempts", min=1, help="Tries per window for 429/5xx/timeouts/partial results."
    ),
    server_timeout: int = typer.Option(180, "--server-timeout", min=1, max=600, help="Query timeout (s)."),
    env: str | None = ENV_OPTION,
    params: list[str] = PARAM_OPTION,
    log_format: LogFormat = typer.Option(
        LogFormat.text, "--log-format", help="Logs on stderr: text or json."
    ),
) -> None:
    """Run the enabled detections at their frequency over aligned windows, into alerts and sinks.
    With --now the clock is simulated from that instant (and needs --once or --until)."""
    if ctx.invoked_subcommand is not None:
        return
    from kqlrules.rules import check_param_names, load_repository, parse_param_options, workspace_spec
    from kqlrules.runner import (
        Limits,
        Runner,
        RunnerConfig,
        SimulatedClock,
        SystemClock,
        configure,
        event,
        is_database_url,
        open_sinks,
        open_state,
    )
    from kqlrules.workspace import now_is_timespan_end, open_workspace

    ingestion_delay = _timespan(delay, "--delay")
    lease_time = _timespan(lease, "--lease")
    lookback_time = _timespan(lookback, "--lookback")
    configure(log_format.value)
    given = parse_param_options(params)
    repo = load_repository(app_context(ctx).repo, env=env, params=given)
    check_param_names(given, repo.detections)
    # kqlrules.toml's environment names the workspace `run` queries (`workspace_id`), as for backtest.
    workspace = workspace_spec(workspace, repo.config, env)
    for problem in repo.problems:
        event("detection not loaded", 30, problem=str(problem))
    opened = open_workspace(workspace, endpoint=endpoint, server_timeout=server_timeout, watchlists=repo.root)
    anchor_now = not now_is_timespan_end(opened)
    default_nrt_delay = AZURE_NRT_DELAY if anchor_now else timedelta(0)
    start = _instant(now, "--now")
    if start is not None and not once and until is None:
        raise UsageProblem(
            "--now runs on a simulated clock, which needs an end", hint="add --once or --until"
        )
    clock = SimulatedClock(start) if start is not None else SystemClock()
    config = RunnerConfig(
        delay=ingestion_delay,
        max_catch_up=max_catch_up,
        since=_instant(since, "--since"),
        once=once,
        until=_instant(until, "--until"),
        limits=Limits(max_attempts=max_attempts),
        lease=lease_time,
        replay_from=_instant(replay_from, "--replay-from"),
        lookback=lookback_time,
        ingestion_delay=_timespan(nrt_delay, "--nrt-delay") if nrt_delay else default_nrt_delay,
    )
    state_file = None if is_database_url(state_path) else Path(state_path)
    opened_sinks = open_sinks(sinks, repo.config.sinks, state_file)
    state = open_state(state_path)
    # A bar for --once (catching up, then exit) when logs are for people; a long-running runner logs.
    show = once and log_format is LogFormat.text and app_context(ctx).format is OutputFormat.text
    with progress_for("windows", None, show=show) as advance:
        detections = [counting_windows(advance, anchor_now=anchor_now)(d) for d in repo.detections]
        quiet = None
        if quiet_windows:
            from kqlrules.kusto import resolve_schemas
            from kqlrules.runner import QuietWindows

            tables = tuple(sorted({t for d in repo.detections for t in d.meta.tables}))
            quiet = QuietWindows(opened, resolve_schemas(repo.root), tables)
        runner = Runner(detections, opened, state, opened_sinks, clock=clock, config=config, quiet=quiet)
        previous = {
            sig: signal.signal(sig, lambda *_: runner.stop()) for sig in (signal.SIGTERM, signal.SIGINT)
        }
        try:
            summary = runner.run()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            for sink in opened_sinks:
                sink.close()
            state.close()
    if once and not summary.ok:
        problems = [
            f"{summary.windows_failed} window(s) failed" if summary.windows_failed else "",
            f"{summary.skipped_windows} window(s) skipped" if summary.skipped_windows else "",
            f"{summary.undelivered} alert(s) undelivered" if summary.undelivered else "",
        ]
        err_console.print(f"{', '.join(p for p in problems if p)}; `kqlrules run status` shows why")
        raise typer.Exit(1)


def _timespan(text: str, option: str) -> timedelta:
    from kqlrules.timespan import TimespanError, parse_timespan

    try:
        return parse_timespan(text)
    except TimespanError as error:
        raise UsageProblem(f"{option}: {error}") from None


@run_app.command("status")
@user_errors
def status_command(
    ctx: typer.Context,
    state_path: str = typer.Option(
        str(DEFAULT_STATE), "--state", help="The runner's state: a SQLite file, or postgresql://USER@HOST/DB."
    ),
) -> None:
    """Each detection's last completed window, next run, failures and last error."""
    from rich.table import Table

    from kqlrules.runner import is_database_url, open_state, shown_state

    if not is_database_url(state_path) and not Path(state_path).exists():
        raise KqlrulesError(
            f"no runner state at {state_path}", hint="run `kqlrules run` first, or pass --state"
        )
    state = open_state(state_path)
    try:
        statuses = state.statuses()
        backlog = state.backlog()
        skipped = state.skipped_ranges()
    finally:
        state.close()
    rows: list[dict[str, Any]] = [
        {
            "id": s.id,
            "name": s.name,
            "last_window_end": s.last_window_end.isoformat() if s.last_window_end else None,
            "next_run_at": s.next_run_at.isoformat() if s.next_run_at else None,
            "failures": s.failures,
            "skipped_windows": s.skipped_windows,
            "last_error": s.last_error,
        }
        for s in statuses
    ]
    if app_context(ctx).format is OutputFormat.json:
        print_json(
            {
                "detections": rows,
                "sinks": [
                    {
                        "name": b.sink,
                        "undelivered": b.undelivered,
                        "oldest_window_end": b.oldest_window_end.isoformat() if b.oldest_window_end else None,
                        "last_error": b.last_error,
                    }
                    for b in backlog
                ],
                "skipped": [
                    {
                        "id": r.detection_id,
                        "name": r.name,
                        "first_window_end": r.first_window_end.isoformat(),
                        "last_window_end": r.last_window_end.isoformat(),
                        "windows": r.windows,
                    }
                    for r in skipped
                ],
            }
        )
        return
    by_id = {s.id: s for s in statuses}
    table = Table(title=escape(f"{len(rows)} detections in {shown_state(state_path)}"))
    for column in ("name", "last window end", "next run", "failures", "skipped", "last error"):
        table.add_column(column, overflow="fold")
    for row in rows:
        status = by_id[row["id"]]
        table.add_row(
            escape(row["name"]),
            _short(status.last_window_end) or "never",
            _short(status.next_run_at) or "-",
            str(row["failures"]),
            str(row["skipped_windows"]),
            escape(row["last_error"] or ""),
        )
    console.print(table)
    sinks = Table(title="sinks")
    for column in ("sink", "undelivered", "oldest window end", "last error"):
        sinks.add_column(column, overflow="fold")
    for b in backlog:
        sinks.add_row(
            escape(b.sink), str(b.undelivered), _short(b.oldest_window_end) or "-", escape(b.last_error or "")
        )
    if backlog:
        console.print(sinks)
    for r in skipped:
        console.print(
            f"[yellow]skipped[/] {escape(r.name)}: {r.windows} window(s) ending {_short(r.first_window_end)}"
            f" .. {_short(r.last_window_end)} (catch-up cap)"
        )


def _short(moment: datetime | None) -> str | None:
    return moment.strftime("%Y-%m-%d %H:%MZ") if moment else None


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


@workspace_app.command("serve")
@user_errors
def serve_command(
    folder: Path = typer.Argument(..., help="A folder of <Table>.jsonl|.csv|.parquet files."),
    port: int = typer.Option(0, "--port", min=0, max=65535, help="Port on 127.0.0.1 (0 picks a free one)."),
    workspace_id: str | None = typer.Option(
        None, "--workspace-id", help="Answer only this workspace id (default: any)."
    ),
    faults_file: Path | None = typer.Option(
        None, "--faults", help="JSON file of faults to inject (for tests)."
    ),
) -> None:
    """Serve a local workspace over the Log Analytics query API on 127.0.0.1.

    Each start draws a new bearer token and writes it to a file only you can read."""
    from kqlrules.workspace import Faults, LocalWorkspace, WorkspaceServer

    faults = Faults.from_file(faults_file) if faults_file else Faults()
    server = WorkspaceServer(LocalWorkspace(folder), port=port, faults=faults, workspace_id=workspace_id)
    sys.stdout.write(
        f"serving {folder} at {server.url} (query API v1; Ctrl-C stops);"
        f" bearer token in {server.token_file} (readable only by you)\n"
    )
    sys.stdout.flush()
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
