"""`sources check` over a repository: whether each detection's tables have rows, collection and retention
enough for its lookback (the rules are `kqlrules.sources.check_detection`'s), and which detections a deploy
would leave blind."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kqlrules.deploy import Environment, arm_credential
from kqlrules.kusto import AnalysisCache, resolve_schemas, shared_analyzer
from kqlrules.rules import Repository, workspace_spec
from kqlrules.sources import (
    ArmSourcesStore,
    DetectionState,
    SourcesConfig,
    SourcesStore,
    check_detection,
    read_live_for,
    sources_config,
)
from kqlrules.workflow.data_coverage import DetectionTables, rows_per_table, tables_read
from kqlrules.workspace import open_workspace


def detection_states(
    repository: Repository,
    environment: Environment,
    config: SourcesConfig,
    read: list[DetectionTables],
    store: SourcesStore,
    *,
    workspace: str | None,
    endpoint: str | None,
    moment: datetime,
) -> list[DetectionState]:
    """`sources check` for the detections in `read` (what each reads, from `tables_read`): one row count
    per table per distinct lookback, the live settings, exports and retention."""
    tables = sorted({table for detection in read for table in detection.tables})
    live = read_live_for(store, tables, config, environment)
    spec = workspace_spec(workspace, repository.config, environment.name)
    source = open_workspace(spec, endpoint=endpoint)
    by_key = {detection.key: detection for detection in repository.detections}
    counted: dict[timedelta, dict[str, int]] = {}
    states = []
    for detection in read:
        lookback = by_key[detection.key].meta.schedule.period
        if lookback not in counted:  # one count per table per distinct lookback
            counted[lookback] = rows_per_table(source, moment - lookback, moment)
        states.append(
            check_detection(
                detection.key, detection.name, detection.tables, lookback, counted[lookback], live,
                environment, config.resources, detection.optional,
            )
        )  # fmt: skip
    return states


def blind_before_deploy(
    repository: Repository, environment: Environment, detection_ids: set[str]
) -> list[DetectionState] | None:
    """The detections among `detection_ids` (lower-case ids) that would be blind once deployed, by the
    `sources check` rules; None when the environment names no workspace_id to count rows in."""
    if not detection_ids or not repository.config.environment(environment.name).workspace_id:
        return None
    chosen = [d for d in repository.detections if d.meta.id.lower() in detection_ids]
    if not chosen:
        return []
    config = sources_config(environment.name, environment.extra)
    read = tables_read(chosen, shared_analyzer(), resolve_schemas(repository.root), AnalysisCache())
    store = ArmSourcesStore(environment, arm_credential(environment))
    states = detection_states(
        repository, environment, config, read, store, workspace=None, endpoint=None, moment=datetime.now(UTC)
    )
    return [state for state in states if state.blind]
