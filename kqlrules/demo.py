"""The demo: the detection pack run by the scheduled runner over the sample tenant's week, through the Log
Analytics query API served locally, with each attack story checked against the alerts it should raise.

Everything is the production path: `LogsQueryClient` against the local query-API server (with the
token that server drew at its start), the runner's windows, state and file sink. Only the clock is
simulated, so the week runs in a minute rather than a week.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from kqlrules.kusto import resolve_schemas
from kqlrules.rules import LoadedDetection, Repository
from kqlrules.runner import (
    FileSink,
    QuietWindows,
    Runner,
    RunnerConfig,
    RunnerState,
    RunSummary,
    ScheduledDetection,
    SimulatedClock,
    Sink,
    WindowTemplate,
)
from kqlrules.sample import DetectionScore, GeneratedTenant, Story, generate, matches, score
from kqlrules.workspace import AzureWorkspace, LocalWorkspace, WorkspaceServer

# The demo's workspace id: the local server answers any id, like a workspace of one's own.
DEMO_WORKSPACE_ID = "00000000-0000-0000-0000-00000000demo"
# The runner's clock stops this long after the week, so the last windows are due.
SETTLE = timedelta(hours=12)


@dataclass(frozen=True)
class StoryCheck:
    story: Story
    missed: tuple[str, ...]  # detections that should have fired on the story and did not
    false_positives: tuple[str, ...]  # detections that fired on a look-alike they must stay quiet on

    @property
    def ok(self) -> bool:
        return not self.missed and not self.false_positives


@dataclass(frozen=True)
class DemoResult:
    tenant: GeneratedTenant
    summary: RunSummary
    alerts: list[dict[str, Any]]
    alerts_file: Path
    checks: list[StoryCheck]
    scores: list[DetectionScore]
    windows_answered_empty: int = 0  # windows answered without running the query (runner or workspace)
    windows_answered_quietly: int = 0  # of those, the runner's: no query sent at all (kqlrules.runner.quiet)


def run_demo(
    repo: Repository,
    out: Path,
    *,
    render: Callable[[LoadedDetection], ScheduledDetection] = lambda d: WindowTemplate(d).scheduled(),
    progress: Callable[[str], None] = lambda _: None,
    answer_quiet_windows: bool = True,
    hours: float | None = None,
) -> DemoResult:
    """`hours` stops the runner's clock that long after the week's start (a benchmark's shorter run; the
    stories are then checked against part of the week only). `answer_quiet_windows=False` sends and runs
    every window's query (a benchmark's comparison); by default the runner answers provably empty windows
    itself (`kqlrules.runner.quiet`) and the workspace answers the ones it can tell are empty."""
    out.mkdir(parents=True, exist_ok=True)
    progress("writing the sample tenant's week")
    # Written every time (deterministic, under a second): the stories' expectations always match the files.
    tenant = generate(out / "sample-workspace")
    state_path, alerts_file = out / "runner.db", out / "alerts.jsonl"
    # A fresh run each time: the demo shows what the pack finds, not what a previous run already sent.
    for stale in (state_path, Path(f"{state_path}-wal"), Path(f"{state_path}-shm"), alerts_file):
        stale.unlink(missing_ok=True)
    detections = [render(d) for d in repo.detections]
    logging.getLogger("kqlrules").setLevel(logging.WARNING)
    local = LocalWorkspace(tenant.folder, watchlists=repo.root, answer_quiet_windows=answer_quiet_windows)
    with WorkspaceServer(local) as server:
        progress(f"serving it over the Log Analytics query API at {server.url}")
        workspace = AzureWorkspace(DEMO_WORKSPACE_ID, server.credential(), server.url)
        state = RunnerState(state_path)
        sinks: list[Sink] = [FileSink("file", alerts_file)]
        config = RunnerConfig(since=tenant.start, once=True)
        stop = tenant.end + SETTLE if hours is None else tenant.start + timedelta(hours=hours)
        quiet = None
        if answer_quiet_windows:
            tables = tuple(sorted({t for d in repo.detections for t in d.meta.tables}))
            quiet = QuietWindows(workspace, resolve_schemas(repo.root), tables)
        runner = Runner(
            detections, workspace, state, sinks, clock=SimulatedClock(stop), config=config, quiet=quiet
        )
        progress(
            f"running {len(detections)} detections over {tenant.start:%Y-%m-%d} .. {tenant.end:%Y-%m-%d}"
        )
        try:
            summary = runner.run()
        finally:
            for sink in sinks:
                sink.close()
            state.close()
    alerts = [
        json.loads(line) for line in alerts_file.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    stems = {d.meta.id: d.name for d in repo.detections}
    return DemoResult(
        tenant,
        summary,
        alerts,
        alerts_file,
        check_stories(tenant.stories, alerts, repo),
        score(alerts, stems, tenant.stories),
        local.windows_answered_empty + summary.answered_quietly,
        summary.answered_quietly,
    )


def check_stories(
    stories: tuple[Story, ...], alerts: list[dict[str, Any]], repo: Repository
) -> list[StoryCheck]:
    """A story is caught when each detection it names raised an alert over the story's time that mentions
    one of its actors; a look-alike is quiet when the detections it names raised none."""
    ids = {d.name: d.meta.id for d in repo.detections}
    checks = []
    for story in stories:
        missed = tuple(n for n in story.fires if not _alerted(ids.get(n), story, alerts))
        noisy = tuple(n for n in story.must_not_fire if _alerted(ids.get(n), story, alerts))
        checks.append(StoryCheck(story, missed, noisy))
    return checks


def _alerted(detection_id: str | None, story: Story, alerts: list[dict[str, Any]]) -> bool:
    return any(alert["detection"]["id"] == detection_id and matches(alert, story) for alert in alerts)
