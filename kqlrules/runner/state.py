"""The runner's memory, in SQLite (WAL): each detection's last completed window, its alerts, their deliveries.

A window's alerts and the advance of its detection's last window are one transaction, so a crash either
keeps both or neither: a window is never lost (it re-runs) and its alerts are never made twice (the replay
gives the same fingerprints, and the alert table keys on them). The alert table is also the outbox:
an alert leaves it for a sink only after the sink confirmed, and undelivered alerts are sent again on
restart (at least once; the sinks drop what they have already seen).

`synchronous=NORMAL` is enough: a process crash loses nothing committed, and a power loss can only roll the
state back to an earlier window, which replays to the same fingerprints.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kqlrules.errors import KqlrulesError, Location
from kqlrules.runner.alerts import Alert
from kqlrules.runner.schedule import Window

_SCHEMA = """
CREATE TABLE IF NOT EXISTS detections (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    last_window_end TEXT,
    next_run_at TEXT,
    failures INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    skipped_windows INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT
);
CREATE TABLE IF NOT EXISTS alerts (
    fingerprint TEXT PRIMARY KEY,
    detection_id TEXT NOT NULL,
    entity_key TEXT NOT NULL,
    window_start TEXT NOT NULL,
    window_end TEXT NOT NULL,
    suppressed INTEGER NOT NULL,
    payload TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS alerts_by_entity ON alerts (detection_id, entity_key, suppressed, window_end);
CREATE TABLE IF NOT EXISTS deliveries (
    fingerprint TEXT NOT NULL,
    sink TEXT NOT NULL,
    delivered_at TEXT NOT NULL,
    PRIMARY KEY (fingerprint, sink)
);
"""


def stamp(moment: datetime) -> str:
    """A sortable text form: fixed width, UTC, microseconds always present."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def unstamp(text: str | None) -> datetime | None:
    return None if text is None else datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


@dataclass(frozen=True)
class DetectionStatus:
    id: str
    name: str
    last_window_end: datetime | None
    next_run_at: datetime | None
    failures: int
    last_error: str | None
    skipped_windows: int


@dataclass(frozen=True)
class PendingDelivery:
    fingerprint: str
    sink: str
    payload: dict[str, Any]


class RunnerState:
    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # One thread at a time uses the state (the runner's calling thread), not always the opener.
            self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as error:
            raise KqlrulesError(f"cannot open the runner state: {error}", Location.of(path)) from None

    def close(self) -> None:
        self._db.close()

    def statuses(self) -> list[DetectionStatus]:
        rows = self._db.execute(
            "SELECT id, name, last_window_end, next_run_at, failures, last_error, skipped_windows"
            " FROM detections ORDER BY name"
        ).fetchall()
        return [DetectionStatus(r[0], r[1], unstamp(r[2]), unstamp(r[3]), r[4], r[5], r[6]) for r in rows]

    def last_window_ends(self) -> dict[str, datetime]:
        rows = self._db.execute(
            "SELECT id, last_window_end FROM detections WHERE last_window_end IS NOT NULL"
        )
        return {detection_id: _must(unstamp(end)) for detection_id, end in rows}

    def last_alert_end(self, detection_id: str, entity_key: str) -> datetime | None:
        row = self._db.execute(
            "SELECT MAX(window_end) FROM alerts WHERE detection_id = ? AND entity_key = ? AND suppressed = 0",
            (detection_id, entity_key),
        ).fetchone()
        return unstamp(row[0]) if row else None

    def complete_window(
        self, detection_id: str, name: str, window: Window, alerts: Iterable[Alert], next_run_at: datetime
    ) -> None:
        """Store the window's alerts and advance the detection past it, atomically."""
        with self._transaction():
            self._db.executemany(
                "INSERT OR IGNORE INTO alerts VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        a.fingerprint,
                        a.detection_id,
                        a.entity_key,
                        stamp(a.window.start),
                        stamp(a.window.end),
                        int(a.suppressed),
                        json.dumps(a.payload(), separators=(",", ":"), default=str),
                    )
                    for a in alerts
                ],
            )
            self._db.execute(
                "INSERT INTO detections (id, name, last_window_end, next_run_at, failures, updated_at)"
                " VALUES (?, ?, ?, ?, 0, ?)"
                " ON CONFLICT (id) DO UPDATE SET name = excluded.name,"
                " last_window_end = MAX(COALESCE(last_window_end, ''), excluded.last_window_end),"
                " next_run_at = excluded.next_run_at, failures = 0, last_error = NULL,"
                " updated_at = excluded.updated_at",
                (detection_id, name, stamp(window.end), stamp(next_run_at), stamp(datetime.now(UTC))),
            )

    def record_failure(self, detection_id: str, name: str, error: str, next_run_at: datetime) -> None:
        with self._transaction():
            self._db.execute(
                "INSERT INTO detections (id, name, next_run_at, failures, last_error, updated_at)"
                " VALUES (?, ?, ?, 1, ?, ?)"
                " ON CONFLICT (id) DO UPDATE SET name = excluded.name, next_run_at = excluded.next_run_at,"
                " failures = failures + 1, last_error = excluded.last_error,"
                " updated_at = excluded.updated_at",
                (detection_id, name, stamp(next_run_at), error, stamp(datetime.now(UTC))),
            )

    def record_skipped(self, detection_id: str, name: str, skipped: int, resume_after: datetime) -> None:
        """Windows given up after downtime beyond the catch-up bound: the detection resumes after them."""
        with self._transaction():
            self._db.execute(
                "INSERT INTO detections (id, name, last_window_end, skipped_windows, updated_at)"
                " VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (id) DO UPDATE SET last_window_end = excluded.last_window_end,"
                " skipped_windows = skipped_windows + excluded.skipped_windows,"
                " updated_at = excluded.updated_at",
                (detection_id, name, stamp(resume_after), skipped, stamp(datetime.now(UTC))),
            )

    def pending_deliveries(
        self, sinks: Iterable[str], fingerprints: Iterable[str] | None = None
    ) -> list[PendingDelivery]:
        pending: list[PendingDelivery] = []
        only = None if fingerprints is None else list(fingerprints)
        for sink in sinks:
            query = (
                "SELECT a.fingerprint, a.payload FROM alerts a LEFT JOIN deliveries d"
                " ON d.fingerprint = a.fingerprint AND d.sink = ? WHERE a.suppressed = 0 AND d.sink IS NULL"
            )
            params: list[Any] = [sink]
            if only is not None:
                if not only:
                    continue
                query += f" AND a.fingerprint IN ({','.join('?' * len(only))})"
                params += only
            for fp, payload in self._db.execute(query + " ORDER BY a.window_end, a.fingerprint", params):
                pending.append(PendingDelivery(fp, sink, json.loads(payload)))
        return pending

    def mark_delivered(self, fingerprint: str, sink: str) -> None:
        self._db.execute(
            "INSERT OR IGNORE INTO deliveries VALUES (?, ?, ?)", (fingerprint, sink, stamp(datetime.now(UTC)))
        )

    def alert_count(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM alerts").fetchone()[0])

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)


class _Transaction:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: object, value: object, traceback: object) -> None:
        self._db.execute("COMMIT" if kind is None else "ROLLBACK")


def _must(value: datetime | None) -> datetime:
    assert value is not None
    return value
