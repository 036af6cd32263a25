"""The runner's memory, in SQLite (WAL): windows done, alerts made, deliveries made, and who works on what.

Any number of runner processes may share one state file (cron starting `run --once` while the last one is
still busy, or two replicas on one host). They coordinate through leases: before a runner queries a
detection's next window it claims the detection (owner + expiry, in one `BEGIN IMMEDIATE` transaction that
also checks the window is not done yet), and before it hands an alert to a sink it claims that (alert, sink)
pair the same way. A runner renews its leases while it works; one killed while holding a lease loses it at
the expiry and another runner finishes the work. Lease times are wall-clock times (they coordinate real
processes), unlike windows, which follow the runner's clock.

A window's alerts and the advance of its detection are one transaction that first checks the lease is still
the committer's, so a window is never lost (it re-runs) and never done twice. The alert table is also the
outbox: an alert leaves it for a sink only after the sink confirmed. Sinks are known by name; a sink seen
for the first time starts with the alerts made after that moment (or from `replay_from`).

`synchronous=NORMAL` is enough: a process crash loses nothing committed, and a power loss can only roll the
state back to an earlier window, whose replay finds the same events.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import threading
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from kqlrules.datetimes import format_datetime_microseconds, parse_datetime_microseconds
from kqlrules.errors import KqlrulesError, Location
from kqlrules.runner.alerts import Alert, EventKey
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
CREATE TABLE IF NOT EXISTS alert_events (
    detection_id TEXT NOT NULL,
    entity_key TEXT NOT NULL,
    event TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    PRIMARY KEY (detection_id, entity_key, event)
);
CREATE TABLE IF NOT EXISTS deliveries (
    fingerprint TEXT NOT NULL,
    sink TEXT NOT NULL,
    delivered_at TEXT NOT NULL,
    PRIMARY KEY (fingerprint, sink)
);
CREATE TABLE IF NOT EXISTS delivery_attempts (
    fingerprint TEXT NOT NULL,
    sink TEXT NOT NULL,
    owner TEXT,
    lease_until TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    next_attempt_at TEXT,
    PRIMARY KEY (fingerprint, sink)
);
CREATE TABLE IF NOT EXISTS sinks (
    name TEXT PRIMARY KEY,
    after_alert INTEGER NOT NULL,
    replay_from TEXT,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS leases (
    detection_id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    lease_until TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS skipped_ranges (
    detection_id TEXT NOT NULL,
    name TEXT NOT NULL,
    first_window_end TEXT NOT NULL,
    last_window_end TEXT NOT NULL,
    windows INTEGER NOT NULL,
    recorded_at TEXT NOT NULL
);
"""


def _stamp_or_none(text: str | None) -> datetime | None:
    return None if text is None else parse_datetime_microseconds(text)


def payload_text(alert: Alert) -> str:
    return json.dumps(alert.payload(), separators=(",", ":"), default=str)


def new_owner() -> str:
    """Who holds a lease: host, process and a random part (a pid is reused, a restart is a new owner)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def owner_gone(owner: str | None) -> bool:
    """A lease owner on this host whose process no longer exists: its leases need not wait for expiry.
    (A reused pid only makes the lease wait for its expiry; an owner on another host always does.)"""
    if not owner:
        return False
    host, _, rest = owner.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


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
class SkippedRange:
    detection_id: str
    name: str
    first_window_end: datetime
    last_window_end: datetime
    windows: int


@dataclass(frozen=True)
class SinkBacklog:
    """A sink's undelivered alerts: how many, the oldest one's window end, the last error."""

    sink: str
    undelivered: int
    oldest_window_end: datetime | None
    last_error: str | None


@dataclass(frozen=True)
class PendingDelivery:
    fingerprint: str
    sink: str
    payload: dict[str, Any]
    attempts: int = 0


@dataclass(frozen=True)
class Claim:
    """The answer to claiming a detection's window: `claimed`, `done` (its last window ends at or after the
    one asked for: `last_end`), or `busy` (another runner holds the detection until `until`)."""

    outcome: str
    last_end: datetime | None = None
    until: datetime | None = None


class LeaseLost(KqlrulesError):
    """Another runner took over the detection (this runner's lease expired): its result is dropped."""


class WindowCommit:
    """Inside a window's commit transaction: which events are already alerted, and storing the alerts."""

    def __init__(self, db: sqlite3.Connection, detection_id: str) -> None:
        self._db = db
        self._detection_id = detection_id

    def already_alerted(self, events: list[EventKey]) -> set[EventKey]:
        seen: set[EventKey] = set()
        for key, event in set(events):
            row = self._db.execute(
                "SELECT 1 FROM alert_events WHERE detection_id = ? AND entity_key = ? AND event = ?",
                (self._detection_id, key, event),
            ).fetchone()
            if row:
                seen.add((key, event))
        return seen

    def last_alert_end(self, entity_key: str) -> datetime | None:
        row = self._db.execute(
            "SELECT MAX(window_end) FROM alerts WHERE detection_id = ? AND entity_key = ? AND suppressed = 0",
            (self._detection_id, entity_key),
        ).fetchone()
        return _stamp_or_none(row[0]) if row else None


class RunnerState:
    def __init__(self, path: Path, *, owner: str | None = None) -> None:
        self.path = path
        self.owner = owner or new_owner()
        # One connection, shared by the runner's threads (the scheduler and the sinks' deliverers) under a
        # lock; other processes are kept in step by SQLite's own locking (`BEGIN IMMEDIATE`, busy timeout).
        self._lock = threading.RLock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=60)
            self._db.execute("PRAGMA busy_timeout=60000")
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.create_function("owner_gone", 1, owner_gone)
            with self._transaction():
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        self._db.execute(statement)
        except sqlite3.DatabaseError as error:
            raise KqlrulesError(f"cannot open the runner state: {error}", Location.of(path)) from None

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
        return [
            DetectionStatus(r[0], r[1], _stamp_or_none(r[2]), _stamp_or_none(r[3]), r[4], r[5], r[6])
            for r in rows
        ]

    def last_window_ends(self) -> dict[str, datetime]:
        with self._lock:
            rows = self._db.execute(
                "SELECT id, last_window_end FROM detections WHERE last_window_end IS NOT NULL"
            ).fetchall()
        return {detection_id: _must(_stamp_or_none(end)) for detection_id, end in rows}

    def skipped_ranges(self) -> list[SkippedRange]:
        with self._lock:
            rows = self._db.execute(
                "SELECT detection_id, name, first_window_end, last_window_end, windows FROM skipped_ranges"
                " ORDER BY name, first_window_end"
            ).fetchall()
        return [
            SkippedRange(r[0], r[1], _must(_stamp_or_none(r[2])), _must(_stamp_or_none(r[3])), r[4])
            for r in rows
        ]

    def alert_count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM alerts").fetchone()[0])

    # -- windows -----------------------------------------------------------------------------------------

    def claim_window(self, detection_id: str, name: str, window_end: datetime, lease: timedelta) -> Claim:
        """Claim the detection for its window ending at `window_end`, unless that window is done already
        or another runner holds the detection."""
        now = datetime.now(UTC)
        with self._transaction():
            row = self._db.execute(
                "SELECT last_window_end FROM detections WHERE id = ?", (detection_id,)
            ).fetchone()
            last = _stamp_or_none(row[0]) if row else None
            if last is not None and last >= window_end:
                return Claim("done", last_end=last)
            held = self._db.execute(
                "SELECT owner, lease_until FROM leases WHERE detection_id = ?", (detection_id,)
            ).fetchone()
            if (
                held
                and held[0] != self.owner
                and _must(_stamp_or_none(held[1])) > now
                and not owner_gone(held[0])
            ):
                return Claim("busy", until=_stamp_or_none(held[1]))
            self._db.execute(
                "INSERT INTO leases VALUES (?, ?, ?) ON CONFLICT (detection_id) DO UPDATE"
                " SET owner = excluded.owner, lease_until = excluded.lease_until",
                (detection_id, self.owner, format_datetime_microseconds(now + lease)),
            )
        return Claim("claimed")

    def renew(self, detection_ids: Iterable[str], lease: timedelta) -> set[str]:
        """Extend this runner's leases; returns the detections whose lease another runner has taken."""
        ids = list(detection_ids)
        if not ids:
            return set()
        until = format_datetime_microseconds(datetime.now(UTC) + lease)
        lost: set[str] = set()
        with self._transaction():
            for detection_id in ids:
                changed = self._db.execute(
                    "UPDATE leases SET lease_until = ? WHERE detection_id = ? AND owner = ?",
                    (until, detection_id, self.owner),
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
    ) -> AbstractContextManager[WindowCommit]:
        """One transaction: check this runner still holds the detection and the window is not done, yield
        (the caller makes the window's alerts against `WindowCommit` and calls `store_alerts`), then advance
        the detection past the window and release it. Raises `LeaseLost` when another runner took over."""
        return self.commit_windows(detection_id, name, [window], next_run_at)

    @contextmanager
    def commit_windows(
        self, detection_id: str, name: str, windows: Sequence[Window], next_run_at: datetime
    ) -> Iterator[WindowCommit]:
        """`commit_window` for consecutive windows of one detection in one transaction (quiet windows
        answered without a query): the state ends as after committing each in turn."""
        window, last_window = windows[0], windows[-1]
        with self._transaction():
            held = self._db.execute(
                "SELECT owner FROM leases WHERE detection_id = ?", (detection_id,)
            ).fetchone()
            row = self._db.execute(
                "SELECT last_window_end FROM detections WHERE id = ?", (detection_id,)
            ).fetchone()
            last = _stamp_or_none(row[0]) if row else None
            if (held and held[0] != self.owner) or (last is not None and last >= window.end):
                raise LeaseLost(f"another runner took over the window {window}")
            commit = WindowCommit(self._db, detection_id)
            yield commit
            self._db.execute(
                "INSERT INTO detections (id, name, last_window_end, next_run_at, failures, updated_at)"
                " VALUES (?, ?, ?, ?, 0, ?)"
                " ON CONFLICT (id) DO UPDATE SET name = excluded.name,"
                " last_window_end = MAX(COALESCE(last_window_end, ''), excluded.last_window_end),"
                " next_run_at = excluded.next_run_at, failures = 0, last_error = NULL,"
                " updated_at = excluded.updated_at",
                (
                    detection_id,
                    name,
                    format_datetime_microseconds(last_window.end),
                    format_datetime_microseconds(next_run_at),
                    format_datetime_microseconds(datetime.now(UTC)),
                ),
            )
            self._release(detection_id)

    def store_alerts(self, alerts: Iterable[Alert]) -> None:
        """Within `commit_window`: the window's alerts and their events (an event alerts once)."""
        for a in alerts:
            self._db.execute(
                "INSERT OR IGNORE INTO alerts VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    a.fingerprint,
                    a.detection_id,
                    a.entity_key,
                    format_datetime_microseconds(a.window.start),
                    format_datetime_microseconds(a.window.end),
                    int(a.suppressed),
                    payload_text(a),
                ),
            )
            self._db.executemany(
                "INSERT OR IGNORE INTO alert_events VALUES (?, ?, ?, ?)",
                [(a.detection_id, a.entity_key, event, a.fingerprint) for event in a.events],
            )

    def record_failure(self, detection_id: str, name: str, error: str, next_run_at: datetime) -> None:
        with self._transaction():
            self._db.execute(
                "INSERT INTO detections (id, name, next_run_at, failures, last_error, updated_at)"
                " VALUES (?, ?, ?, 1, ?, ?)"
                " ON CONFLICT (id) DO UPDATE SET name = excluded.name, next_run_at = excluded.next_run_at,"
                " failures = failures + 1, last_error = excluded.last_error,"
                " updated_at = excluded.updated_at",
                (
                    detection_id,
                    name,
                    format_datetime_microseconds(next_run_at),
                    error,
                    format_datetime_microseconds(datetime.now(UTC)),
                ),
            )
            self._release(detection_id)

    def record_skipped(
        self, detection_id: str, name: str, first_end: datetime, last_end: datetime, windows: int
    ) -> None:
        """Windows given up by an explicit catch-up cap: the range is kept for `run status`, and the
        detection resumes after it."""
        now = format_datetime_microseconds(datetime.now(UTC))
        with self._transaction():
            self._db.execute(
                "INSERT INTO detections (id, name, last_window_end, skipped_windows, updated_at)"
                " VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (id) DO UPDATE SET last_window_end = excluded.last_window_end,"
                " skipped_windows = skipped_windows + excluded.skipped_windows,"
                " updated_at = excluded.updated_at",
                (detection_id, name, format_datetime_microseconds(last_end), windows, now),
            )
            self._db.execute(
                "INSERT INTO skipped_ranges VALUES (?, ?, ?, ?, ?, ?)",
                (
                    detection_id,
                    name,
                    format_datetime_microseconds(first_end),
                    format_datetime_microseconds(last_end),
                    windows,
                    now,
                ),
            )

    # -- the outbox --------------------------------------------------------------------------------------

    def register_sinks(self, names: Iterable[str], replay_from: datetime | None = None) -> None:
        """A sink seen for the first time gets the alerts made from now on (or, with `replay_from`, also
        the stored alerts of windows ending after it); a known sink keeps its place, whatever its URL
        or secret became."""
        with self._transaction():
            newest = int(self._db.execute("SELECT COALESCE(MAX(rowid), 0) FROM alerts").fetchone()[0])
            for name in names:
                self._db.execute(
                    "INSERT INTO sinks VALUES (?, ?, ?, ?) ON CONFLICT (name) DO NOTHING",
                    (name, newest, None, format_datetime_microseconds(datetime.now(UTC))),
                )
                if replay_from is not None:
                    self._db.execute(
                        "UPDATE sinks SET replay_from = ? WHERE name = ?",
                        (format_datetime_microseconds(replay_from), name),
                    )

    def claim_deliveries(
        self, sink: str, limit: int, lease: timedelta, skip: Iterable[str] = ()
    ) -> list[PendingDelivery]:
        """Claim up to `limit` alerts the sink has not taken, that no other runner is delivering and whose
        retry time has come (oldest window first)."""
        now = datetime.now(UTC)
        skipped = set(skip)
        with self._transaction():
            rows = self._db.execute(
                _PENDING + " AND (t.fingerprint IS NULL OR"
                " ((t.owner IS NULL OR t.owner = ? OR t.lease_until < ? OR owner_gone(t.owner))"
                " AND (t.next_attempt_at IS NULL OR t.next_attempt_at <= ?)))"
                " ORDER BY a.window_end, a.fingerprint LIMIT ?",
                (
                    sink,
                    sink,
                    sink,
                    self.owner,
                    format_datetime_microseconds(now),
                    format_datetime_microseconds(now),
                    limit + len(skipped),
                ),
            ).fetchall()
            claimed = [r for r in rows if r[0] not in skipped][:limit]
            for fingerprint, _, _ in claimed:
                self._db.execute(
                    "INSERT INTO delivery_attempts (fingerprint, sink, owner, lease_until, attempts)"
                    " VALUES (?, ?, ?, ?, 0) ON CONFLICT (fingerprint, sink) DO UPDATE"
                    " SET owner = excluded.owner, lease_until = excluded.lease_until",
                    (fingerprint, sink, self.owner, format_datetime_microseconds(now + lease)),
                )
        return [PendingDelivery(fp, sink, json.loads(body), tries or 0) for fp, body, tries in claimed]

    def mark_delivered(self, fingerprint: str, sink: str) -> None:
        with self._transaction():
            self._db.execute(
                "INSERT OR IGNORE INTO deliveries VALUES (?, ?, ?)",
                (fingerprint, sink, format_datetime_microseconds(datetime.now(UTC))),
            )
            self._db.execute(
                "DELETE FROM delivery_attempts WHERE fingerprint = ? AND sink = ?", (fingerprint, sink)
            )

    def delivery_failed(self, fingerprint: str, sink: str, error: str, retry_at: datetime) -> None:
        with self._transaction():
            self._db.execute(
                "UPDATE delivery_attempts SET owner = NULL, lease_until = NULL, attempts = attempts + 1,"
                " last_error = ?, next_attempt_at = ? WHERE fingerprint = ? AND sink = ?",
                (error, format_datetime_microseconds(retry_at), fingerprint, sink),
            )

    def release_deliveries(self, sink: str, fingerprints: Iterable[str]) -> None:
        with self._transaction():
            for fingerprint in fingerprints:
                self._db.execute(
                    "UPDATE delivery_attempts SET owner = NULL, lease_until = NULL"
                    " WHERE fingerprint = ? AND sink = ? AND owner = ?",
                    (fingerprint, sink, self.owner),
                )

    def backlog(self, sinks: Iterable[str] | None = None) -> list[SinkBacklog]:
        """Each sink's undelivered alerts (all registered sinks, or the ones named)."""
        with self._lock:
            names = [r[0] for r in self._db.execute("SELECT name FROM sinks ORDER BY name")]
            wanted = names if sinks is None else [n for n in sinks if n in names]
            out = []
            for sink in wanted:
                count, oldest, error = self._backlog_row(sink)
                out.append(SinkBacklog(sink, count, _stamp_or_none(oldest), error))
        return out

    def _backlog_row(self, sink: str) -> tuple[int, str | None, str | None]:
        row = self._db.execute(
            "SELECT COUNT(*), MIN(a.window_end), MAX(t.last_error)" + _PENDING_FROM,
            (sink, sink, sink),
        ).fetchone()
        return int(row[0]), row[1], row[2]

    # -- plumbing ----------------------------------------------------------------------------------------

    def _release(self, detection_id: str) -> None:
        self._db.execute(
            "DELETE FROM leases WHERE detection_id = ? AND owner = ?", (detection_id, self.owner)
        )

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")


# The alerts a sink has yet to take: made after the sink was first seen (or in its replay range), not
# suppressed, not delivered; `t` is the delivery's claim and retry record, when there is one.
_PENDING_FROM = (
    " FROM alerts a JOIN sinks s ON s.name = ?"
    " LEFT JOIN deliveries d ON d.fingerprint = a.fingerprint AND d.sink = s.name"
    " LEFT JOIN delivery_attempts t ON t.fingerprint = a.fingerprint AND t.sink = ?"
    " WHERE a.suppressed = 0 AND d.sink IS NULL"
    " AND (a.rowid > s.after_alert OR (s.replay_from IS NOT NULL AND a.window_end > s.replay_from))"
    " AND s.name = ?"
)
_PENDING = "SELECT a.fingerprint, a.payload, t.attempts" + _PENDING_FROM


def _must(value: datetime | None) -> datetime:
    assert value is not None
    return value
