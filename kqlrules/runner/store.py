"""The state interface the runner, its deliverers and `run status` use; two backends implement it:
`RunnerState` (SQLite, the embedded default) and `PostgresState` (several replicas on one database).
`open_state` picks one from `--state`: a `postgresql://` URL, or else a file path."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

from kqlrules.runner.alerts import Alert, EventKey
from kqlrules.runner.schedule import Window
from kqlrules.runner.state import (
    Claim,
    DetectionStatus,
    PendingDelivery,
    RunnerState,
    SinkBacklog,
    SkippedRange,
)


class Commit(Protocol):
    def already_alerted(self, events: list[EventKey]) -> set[EventKey]: ...

    def last_alert_end(self, entity_key: str) -> datetime | None: ...


class StateStore(Protocol):
    owner: str

    def close(self) -> None: ...
    def statuses(self) -> list[DetectionStatus]: ...
    def last_window_ends(self) -> dict[str, datetime]: ...
    def skipped_ranges(self) -> list[SkippedRange]: ...
    def alert_count(self) -> int: ...
    def claim_window(self, detection_id: str, name: str, window_end: datetime, lease: timedelta) -> Claim: ...
    def renew(self, detection_ids: Iterable[str], lease: timedelta) -> set[str]: ...
    def release(self, detection_ids: Iterable[str]) -> None: ...
    def commit_window(
        self, detection_id: str, name: str, window: Window, next_run_at: datetime
    ) -> AbstractContextManager[Commit]: ...
    def commit_windows(
        self, detection_id: str, name: str, windows: Sequence[Window], next_run_at: datetime
    ) -> AbstractContextManager[Commit]: ...
    def store_alerts(self, alerts: Iterable[Alert]) -> None: ...
    def record_failure(self, detection_id: str, name: str, error: str, next_run_at: datetime) -> None: ...
    def record_skipped(
        self, detection_id: str, name: str, first_end: datetime, last_end: datetime, windows: int
    ) -> None: ...
    def register_sinks(self, names: Iterable[str], replay_from: datetime | None = None) -> None: ...
    def claim_deliveries(
        self, sink: str, limit: int, lease: timedelta, skip: Iterable[str] = ()
    ) -> list[PendingDelivery]: ...
    def mark_delivered(self, fingerprint: str, sink: str) -> None: ...
    def delivery_failed(self, fingerprint: str, sink: str, error: str, retry_at: datetime) -> None: ...
    def release_deliveries(self, sink: str, fingerprints: Iterable[str]) -> None: ...
    def backlog(self, sinks: Iterable[str] | None = None) -> list[SinkBacklog]: ...


def is_database_url(spec: str) -> bool:
    return spec.startswith(("postgresql://", "postgres://"))


def shown_state(spec: str) -> str:
    """`--state` as it may be shown: a database URL without its password."""
    if not is_database_url(spec):
        return spec
    scheme, _, rest = spec.partition("://")
    credentials, at, host = rest.rpartition("@")
    return f"{scheme}://{credentials.split(':')[0]}@{host}" if at else spec


def open_state(spec: str | Path) -> StateStore:
    """`postgresql://user@host/db` opens the PostgreSQL backend; anything else is a SQLite file."""
    if isinstance(spec, str) and is_database_url(spec):
        from kqlrules.runner.state_postgres import PostgresState

        return PostgresState(spec)
    return RunnerState(Path(spec))
