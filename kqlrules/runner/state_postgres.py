"""The runner's state in PostgreSQL (psycopg 3), for several runner replicas over one database.

The same tables and the same promises as the SQLite state (`kqlrules.runner.state`), with PostgreSQL's
row locks instead of SQLite's one writer: a detection is claimed by locking its lease row
(`SELECT ... FOR UPDATE`), and deliveries are handed out with `FOR UPDATE OF a SKIP LOCKED`, so replicas
claiming at the same moment take different alerts instead of waiting on each other. Lease times are the
database's clock (`now()`), so replicas on hosts whose clocks differ still agree on when a lease expired.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime, timedelta
from typing import Any

import psycopg

from kqlrules.errors import KqlrulesError
from kqlrules.runner.alerts import Alert, EventKey
from kqlrules.runner.schedule import Window
from kqlrules.runner.state import (
    Claim,
    DetectionStatus,
    LeaseLost,
    PendingDelivery,
    SinkBacklog,
    SkippedRange,
    new_owner,
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS detections (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, last_window_end TIMESTAMPTZ, next_run_at TIMESTAMPTZ,
    failures INTEGER NOT NULL DEFAULT 0, last_error TEXT, skipped_windows INTEGER NOT NULL DEFAULT 0,
    updated_at TIMESTAMPTZ);
CREATE TABLE IF NOT EXISTS alerts (
    seq BIGSERIAL UNIQUE, fingerprint TEXT PRIMARY KEY, detection_id TEXT NOT NULL, entity_key TEXT NOT NULL,
    window_start TIMESTAMPTZ NOT NULL, window_end TIMESTAMPTZ NOT NULL, suppressed BOOLEAN NOT NULL,
    payload TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS alerts_by_entity ON alerts (detection_id, entity_key, suppressed, window_end);
CREATE TABLE IF NOT EXISTS alert_events (
    detection_id TEXT NOT NULL, entity_key TEXT NOT NULL, event TEXT NOT NULL, fingerprint TEXT NOT NULL,
    PRIMARY KEY (detection_id, entity_key, event));
CREATE TABLE IF NOT EXISTS deliveries (
    fingerprint TEXT NOT NULL, sink TEXT NOT NULL, delivered_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (fingerprint, sink));
CREATE TABLE IF NOT EXISTS delivery_attempts (
    fingerprint TEXT NOT NULL, sink TEXT NOT NULL, owner TEXT, lease_until TIMESTAMPTZ,
    attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT, next_attempt_at TIMESTAMPTZ,
    PRIMARY KEY (fingerprint, sink));
CREATE TABLE IF NOT EXISTS sinks (
    name TEXT PRIMARY KEY, after_alert BIGINT NOT NULL, replay_from TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL);
CREATE TABLE IF NOT EXISTS leases (
    detection_id TEXT PRIMARY KEY, owner TEXT NOT NULL, lease_until TIMESTAMPTZ NOT NULL);
CREATE TABLE IF NOT EXISTS skipped_ranges (
    detection_id TEXT NOT NULL, name TEXT NOT NULL, first_window_end TIMESTAMPTZ NOT NULL,
    last_window_end TIMESTAMPTZ NOT NULL, windows INTEGER NOT NULL, recorded_at TIMESTAMPTZ NOT NULL)
"""
_SCHEMA_LOCK = 0x6B716C72  # an advisory lock: replicas starting together create the tables one at a time

# As the SQLite state's: the alerts a sink has yet to take.
_PENDING_FROM = (
    " FROM alerts a JOIN sinks s ON s.name = %(sink)s"
    " LEFT JOIN deliveries d ON d.fingerprint = a.fingerprint AND d.sink = s.name"
    " LEFT JOIN delivery_attempts t ON t.fingerprint = a.fingerprint AND t.sink = s.name"
    " WHERE NOT a.suppressed AND d.sink IS NULL"
    " AND (a.seq > s.after_alert OR (s.replay_from IS NOT NULL AND a.window_end > s.replay_from))"
)


class PostgresCommit:
    def __init__(self, db: psycopg.Connection[Any], detection_id: str) -> None:
        self._db = db
        self._detection_id = detection_id

    def already_alerted(self, events: list[EventKey]) -> set[EventKey]:
        seen: set[EventKey] = set()
        for key, event in set(events):
            row = self._db.execute(
                "SELECT 1 FROM alert_events WHERE detection_id = %s AND entity_key = %s AND event = %s",
                (self._detection_id, key, event),
            ).fetchone()
            if row:
                seen.add((key, event))
        return seen

    def last_alert_end(self, entity_key: str) -> datetime | None:
        row = self._db.execute(
            "SELECT MAX(window_end) FROM alerts"
            " WHERE detection_id = %s AND entity_key = %s AND NOT suppressed",
            (self._detection_id, entity_key),
        ).fetchone()
        return row[0] if row else None


class PostgresState:
    def __init__(self, url: str, *, owner: str | None = None) -> None:
        self.url = url
        self.owner = owner or new_owner()
        self._lock = threading.RLock()
        try:
            self._db: psycopg.Connection[Any] = psycopg.connect(url, autocommit=True, connect_timeout=10)
        except psycopg.Error as error:
            from kqlrules.runner.store import shown_state

            raise KqlrulesError(f"cannot open the runner state at {shown_state(url)}: {error}") from None
        with self._transaction():
            self._db.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    self._db.execute(statement)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- reading -----------------------------------------------------------------------------------------

    def statuses(self) -> list[DetectionStatus]:
        with self._lock:
            rows = self._db.execute(
                "SELECT id, name, last_window_end, next_run_at, failures, last_error, skipped_windows"
                " FROM detections ORDER BY name"
            ).fetchall()
        return [DetectionStatus(*row) for row in rows]

    def last_window_ends(self) -> dict[str, datetime]:
        with self._lock:
            rows = self._db.execute(
                "SELECT id, last_window_end FROM detections WHERE last_window_end IS NOT NULL"
            ).fetchall()
        return {detection_id: end for detection_id, end in rows}

    def skipped_ranges(self) -> list[SkippedRange]:
        with self._lock:
            rows = self._db.execute(
                "SELECT detection_id, name, first_window_end, last_window_end, windows FROM skipped_ranges"
                " ORDER BY name, first_window_end"
            ).fetchall()
        return [SkippedRange(*row) for row in rows]

    def alert_count(self) -> int:
        with self._lock:
            row = self._db.execute("SELECT COUNT(*) FROM alerts").fetchone()
        return int(row[0]) if row else 0

    # -- windows -----------------------------------------------------------------------------------------

    def claim_window(self, detection_id: str, name: str, window_end: datetime, lease: timedelta) -> Claim:
        with self._transaction():
            self._db.execute(
                "INSERT INTO leases VALUES (%s, '', 'epoch') ON CONFLICT (detection_id) DO NOTHING",
                (detection_id,),
            )
            owner, until, expired = _one(
                self._db.execute(
                    "SELECT owner, lease_until, lease_until <= now() FROM leases WHERE detection_id = %s"
                    " FOR UPDATE",
                    (detection_id,),
                ).fetchone()
            )
            row = self._db.execute(
                "SELECT last_window_end FROM detections WHERE id = %s", (detection_id,)
            ).fetchone()
            last = row[0] if row else None
            if last is not None and last >= window_end:
                return Claim("done", last_end=last)
            if owner not in ("", self.owner) and not expired:
                return Claim("busy", until=until)
            self._db.execute(
                "UPDATE leases SET owner = %s, lease_until = now() + %s WHERE detection_id = %s",
                (self.owner, lease, detection_id),
            )
        return Claim("claimed")

    def renew(self, detection_ids: Iterable[str], lease: timedelta) -> set[str]:
        lost: set[str] = set()
        ids = list(detection_ids)
        if not ids:
            return lost
        with self._transaction():
            for detection_id in ids:
                changed = self._db.execute(
                    "UPDATE leases SET lease_until = now() + %s WHERE detection_id = %s AND owner = %s",
                    (lease, detection_id, self.owner),
                ).rowcount
                if not changed:
                    lost.add(detection_id)
        return lost

    def release(self, detection_ids: Iterable[str]) -> None:
        with self._transaction():
            for detection_id in detection_ids:
                self._release(detection_id)

    def commit_window(
        self, detection_id: str, name: str, window: Window, next_run_at: datetime
    ) -> AbstractContextManager[PostgresCommit]:
        return self.commit_windows(detection_id, name, [window], next_run_at)

    @contextmanager
    def commit_windows(
        self, detection_id: str, name: str, windows: Sequence[Window], next_run_at: datetime
    ) -> Iterator[PostgresCommit]:
        """Consecutive windows of one detection in one transaction (`RunnerState.commit_windows`)."""
        window, last_window = windows[0], windows[-1]
        with self._transaction():
            held = self._db.execute(
                "SELECT owner FROM leases WHERE detection_id = %s FOR UPDATE", (detection_id,)
            ).fetchone()
            row = self._db.execute(
                "SELECT last_window_end FROM detections WHERE id = %s FOR UPDATE", (detection_id,)
            ).fetchone()
            last = row[0] if row else None
            if (held and held[0] not in ("", self.owner)) or (last is not None and last >= window.end):
                raise LeaseLost(f"another runner took over the window {window}")
            yield PostgresCommit(self._db, detection_id)
            self._db.execute(
                "INSERT INTO detections (id, name, last_window_end, next_run_at, failures, updated_at)"
                " VALUES (%s, %s, %s, %s, 0, now())"
                " ON CONFLICT (id) DO UPDATE SET name = excluded.name,"
                " last_window_end = GREATEST(detections.last_window_end, excluded.last_window_end),"
                " next_run_at = excluded.next_run_at, failures = 0, last_error = NULL, updated_at = now()",
                (detection_id, name, last_window.end, next_run_at),
            )
            self._release(detection_id)

    def store_alerts(self, alerts: Iterable[Alert]) -> None:
        from kqlrules.runner.state import payload_text

        for a in alerts:
            self._db.execute(
                "INSERT INTO alerts (fingerprint, detection_id, entity_key, window_start, window_end,"
                " suppressed, payload) VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                (a.fingerprint, a.detection_id, a.entity_key, a.window.start, a.window.end, a.suppressed,
                 payload_text(a)),
            )  # fmt: skip
            for event in a.events:
                self._db.execute(
                    "INSERT INTO alert_events VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
                    (a.detection_id, a.entity_key, event, a.fingerprint),
                )

    def record_failure(self, detection_id: str, name: str, error: str, next_run_at: datetime) -> None:
        with self._transaction():
            self._db.execute(
                "INSERT INTO detections (id, name, next_run_at, failures, last_error, updated_at)"
                " VALUES (%s, %s, %s, 1, %s, now())"
                " ON CONFLICT (id) DO UPDATE SET name = excluded.name, next_run_at = excluded.next_run_at,"
                " failures = detections.failures + 1, last_error = excluded.last_error, updated_at = now()",
                (detection_id, name, next_run_at, error),
            )
            self._release(detection_id)

    def record_skipped(
        self, detection_id: str, name: str, first_end: datetime, last_end: datetime, windows: int
    ) -> None:
        with self._transaction():
            self._db.execute(
                "INSERT INTO detections (id, name, last_window_end, skipped_windows, updated_at)"
                " VALUES (%s, %s, %s, %s, now())"
                " ON CONFLICT (id) DO UPDATE SET last_window_end = excluded.last_window_end,"
                " skipped_windows = detections.skipped_windows + excluded.skipped_windows,"
                " updated_at = now()",
                (detection_id, name, last_end, windows),
            )
            self._db.execute(
                "INSERT INTO skipped_ranges VALUES (%s, %s, %s, %s, %s, now())",
                (detection_id, name, first_end, last_end, windows),
            )

    # -- the outbox --------------------------------------------------------------------------------------

    def register_sinks(self, names: Iterable[str], replay_from: datetime | None = None) -> None:
        with self._transaction():
            newest = _one(self._db.execute("SELECT COALESCE(MAX(seq), 0) FROM alerts").fetchone())[0]
            for name in names:
                self._db.execute(
                    "INSERT INTO sinks VALUES (%s, %s, NULL, now()) ON CONFLICT (name) DO NOTHING",
                    (name, newest),
                )
                if replay_from is not None:
                    self._db.execute("UPDATE sinks SET replay_from = %s WHERE name = %s", (replay_from, name))

    def claim_deliveries(
        self, sink: str, limit: int, lease: timedelta, skip: Iterable[str] = ()
    ) -> list[PendingDelivery]:
        skipped = list(skip)
        with self._transaction():
            rows = self._db.execute(
                "SELECT a.fingerprint, a.payload, t.attempts"
                + _PENDING_FROM
                + " AND NOT (a.fingerprint = ANY(%(skip)s))"
                " AND (t.fingerprint IS NULL OR"
                " ((t.owner IS NULL OR t.owner = %(owner)s OR t.lease_until < now())"
                " AND (t.next_attempt_at IS NULL OR t.next_attempt_at <= now())))"
                " ORDER BY a.window_end, a.fingerprint LIMIT %(limit)s FOR UPDATE OF a SKIP LOCKED",
                {"sink": sink, "skip": skipped, "owner": self.owner, "limit": limit},
            ).fetchall()
            for fingerprint, _, _ in rows:
                self._db.execute(
                    "INSERT INTO delivery_attempts (fingerprint, sink, owner, lease_until, attempts)"
                    " VALUES (%s, %s, %s, now() + %s, 0) ON CONFLICT (fingerprint, sink) DO UPDATE"
                    " SET owner = excluded.owner, lease_until = excluded.lease_until",
                    (fingerprint, sink, self.owner, lease),
                )
        import json

        return [PendingDelivery(fp, sink, json.loads(body), tries or 0) for fp, body, tries in rows]

    def mark_delivered(self, fingerprint: str, sink: str) -> None:
        with self._transaction():
            self._db.execute(
                "INSERT INTO deliveries VALUES (%s, %s, now()) ON CONFLICT DO NOTHING", (fingerprint, sink)
            )
            self._db.execute(
                "DELETE FROM delivery_attempts WHERE fingerprint = %s AND sink = %s", (fingerprint, sink)
            )

    def delivery_failed(self, fingerprint: str, sink: str, error: str, retry_at: datetime) -> None:
        with self._transaction():
            self._db.execute(
                "UPDATE delivery_attempts SET owner = NULL, lease_until = NULL, attempts = attempts + 1,"
                " last_error = %s, next_attempt_at = %s WHERE fingerprint = %s AND sink = %s",
                (error, retry_at, fingerprint, sink),
            )

    def release_deliveries(self, sink: str, fingerprints: Iterable[str]) -> None:
        with self._transaction():
            self._db.execute(
                "UPDATE delivery_attempts SET owner = NULL, lease_until = NULL"
                " WHERE fingerprint = ANY(%s) AND sink = %s AND owner = %s",
                (list(fingerprints), sink, self.owner),
            )

    def backlog(self, sinks: Iterable[str] | None = None) -> list[SinkBacklog]:
        with self._lock:
            names = [r[0] for r in self._db.execute("SELECT name FROM sinks ORDER BY name").fetchall()]
            wanted = names if sinks is None else [n for n in sinks if n in names]
            out = []
            for sink in wanted:
                count, oldest, error = _one(
                    self._db.execute(
                        "SELECT COUNT(*), MIN(a.window_end), MAX(t.last_error)" + _PENDING_FROM,
                        {"sink": sink},
                    ).fetchone()
                )
                out.append(SinkBacklog(sink, int(count), oldest, error))
        return out

    # -- plumbing ----------------------------------------------------------------------------------------

    def _release(self, detection_id: str) -> None:
        self._db.execute(
            "DELETE FROM leases WHERE detection_id = %s AND owner = %s", (detection_id, self.owner)
        )

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        with self._lock, self._db.transaction():
            yield


def _one(row: tuple[Any, ...] | None) -> tuple[Any, ...]:
    assert row is not None
    return row
