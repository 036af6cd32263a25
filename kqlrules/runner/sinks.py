"""Where alerts go. A registry of sink kinds, each opened from a spec: `stdout`, `file:PATH`, `sqlite:PATH`,
`webhook:URL`, under a name (the outbox's key for the sink: a name from `kqlrules.toml`, or the spec).

Delivery is at least once (the runner's outbox resends what a sink did not confirm) and every sink drops an
alert whose idempotency key (the fingerprint) it has already taken, so each alert lands exactly once:
the file sink remembers the keys in its file (also those other processes appended, under a file lock), the
SQLite sink keys its table on them, and the webhook sink sends `Idempotency-Key` for the receiver to do the
same. `stdout` can only remember within one process: a runner killed after printing an alert and before
recording it prints it again when the next run delivers it (at least once, never lost).

Each `deliver` is one attempt; retries, backoff and the circuit breaker are the runner's
(`kqlrules.runner.delivery`), so a sink never holds the schedule up.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import logging
import os
import random
import sqlite3
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TextIO
from urllib.parse import urlsplit

from kqlrules.errors import KqlrulesError
from kqlrules.runner.logs import event

if TYPE_CHECKING:
    from kqlrules.rules import SinkConfig

WEBHOOK_SECRET_ENV = "KQLRULES_WEBHOOK_SECRET"
SIGNATURE_HEADER = "X-Kqlrules-Signature"


class DeliveryFailed(KqlrulesError):
    """The sink did not take the alert; it stays in the outbox and is sent again later."""


class Sink(Protocol):
    name: str

    def deliver(self, key: str, alert: dict[str, Any]) -> None: ...

    def close(self) -> None: ...


SinkFactory = Callable[[str, str], Sink]  # (spec, argument after "kind:") -> sink
SINKS: dict[str, SinkFactory] = {}


def register_sink(kind: str) -> Callable[[SinkFactory], SinkFactory]:
    def add(factory: SinkFactory) -> SinkFactory:
        SINKS[kind] = factory
        return factory

    return add


def open_sinks(
    specs: list[str], named: Mapping[str, SinkConfig], state_file: Path | None = None
) -> list[Sink]:
    """Each of `specs`: a sink named in kqlrules.toml (`named`; the outbox keys on the name, so its target
    may change), or a spec (its own name). A named sink's secret is read from its `secret_env` variable.
    None may write into `state_file`, the runner's own state. If one cannot be opened, those opened before
    it are closed."""
    opened: list[Sink] = []
    try:
        for spec in specs:
            opened.append(_open_named(spec, named, state_file))
    except BaseException:
        for sink in opened:
            sink.close()
        raise
    return opened


def _open_named(spec: str, named: Mapping[str, SinkConfig], state_file: Path | None) -> Sink:
    config = named.get(spec)
    if config is None:
        return open_sink(spec, state_file=state_file)
    secret = os.environ.get(config.secret_env) if config.secret_env else None
    if config.secret_env and secret is None:
        raise KqlrulesError(
            f"sink {spec!r}: the environment variable {config.secret_env} (its secret) is not set"
        )
    return open_sink(config.target, name=spec, secret=secret, state_file=state_file)


def open_sink(
    spec: str, *, name: str | None = None, secret: str | None = None, state_file: Path | None = None
) -> Sink:
    """The sink `spec` names, known to the outbox as `name` (default: the spec itself); `secret` signs a
    webhook's bodies (default: `KQLRULES_WEBHOOK_SECRET`); `state_file` is the runner's own SQLite state,
    which no sink may write to."""
    kind, _, argument = spec.partition(":")
    factory = SINKS.get(kind)
    if factory is None:
        raise KqlrulesError(
            f"unknown sink {_shown_spec(spec)!r}",
            hint=f"one of: {', '.join(f'{k}[:ARG]' for k in sorted(SINKS))}",
        )
    if state_file is not None and kind in FILE_KINDS and argument:
        _refuse_state_file(spec, Path(argument), state_file)
    sink = factory(spec, argument)
    if secret is not None and isinstance(sink, WebhookSink):
        sink.use_secret(secret)
    if name is not None:
        sink.name = name
    return sink


FILE_KINDS = ("file", "sqlite")
# The first 16 bytes of every SQLite database file (https://www.sqlite.org/fileformat.html, 1.3).
SQLITE_HEADER = b"SQLite format 3\x00"
# The files SQLite keeps beside a database: its write-ahead log, shared memory and rollback journal.
_SQLITE_SIDE_FILES = ("", "-wal", "-shm", "-journal")


def _refuse_state_file(spec: str, target: Path, state_file: Path) -> None:
    """Writing alerts into the runner's state (or the files SQLite keeps beside it) would corrupt it."""
    own = {Path(f"{state_file.resolve()}{suffix}") for suffix in _SQLITE_SIDE_FILES}
    if target.resolve() in own or (
        target.exists() and state_file.exists() and os.path.samefile(target, state_file)
    ):
        raise KqlrulesError(
            f"sink {spec!r} is the runner's state ({state_file}): alerts need a file of their own",
            hint="for example --sink file:alerts.jsonl or --sink sqlite:alerts.db",
        )


def redacted_url(url: str) -> str:
    """A webhook URL as logs, errors and the state may show it: scheme and host only, plus a short digest
    of the whole URL so two webhooks on one host stay apart. Webhook URLs carry their credentials in the
    path or query (Teams, Slack, Logic Apps) or as `user:password@`; none of it is ever written out."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    port = f":{parts.port}" if parts.port else ""
    digest = hashlib.sha256(url.encode()).hexdigest()[:12]
    return f"{parts.scheme}://{host}{port}/…#{digest}"


def _shown_spec(spec: str) -> str:
    """A sink spec with any URL in it redacted: the default name the outbox and the logs use, and what
    an error about the spec (a misspelt kind, say) shows."""
    kind, _, argument = spec.partition(":")
    return f"{kind}:{redacted_url(argument)}" if "://" in argument else spec


def _line(alert: dict[str, Any]) -> str:
    return json.dumps(alert, separators=(",", ":"), sort_keys=True, default=str) + "\n"


class StdoutSink:
    def __init__(self, name: str, stream: TextIO | None = None) -> None:
        import sys

        self.name = name
        self._stream = stream or sys.stdout
        self._seen: set[str] = set()

    def deliver(self, key: str, alert: dict[str, Any]) -> None:
        if key in self._seen:
            return
        self._stream.write(_line(alert))
        self._stream.flush()
        self._seen.add(key)

    def close(self) -> None:
        pass


class FileSink:
    """JSON lines, appended and fsync'd one alert at a time. Several runners may append to one file: each
    write holds an exclusive `flock` and first reads what others appended since, so a key is written once.

    The sink only appends, and only to its own format: a file with anything but kqlrules alerts in it (a
    note, another tool's JSON lines, a binary or SQLite file) is refused when opened, and a foreign line
    appended later fails the delivery rather than being built on. The one thing ever cut is the sink's own
    unfinished last line after a crash mid-write (its alert is still in the outbox and is written again)."""

    def __init__(self, name: str, path: Path) -> None:
        self.name = name
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        except OSError as error:
            raise KqlrulesError(f"cannot open alert file {path}: {error.strerror}") from None
        self._seen: set[str] = set()
        self._read_to = 0
        self._lines = 0
        try:
            with self._locked():
                self._catch_up(opening=True)
        except BaseException:
            os.close(self._fd)
            raise

    def _locked(self) -> _FileLock:
        return _FileLock(self._fd)

    def _catch_up(self, *, opening: bool = False) -> None:
        size = os.fstat(self._fd).st_size
        if size <= self._read_to:
            return
        data = os.pread(self._fd, size - self._read_to, self._read_to)
        if opening and data.startswith(SQLITE_HEADER):
            raise KqlrulesError(
                f"{self.path} is a SQLite database, not an alert file: the file sink writes JSON lines",
                hint="give the file sink a file of its own (or use --sink sqlite: for a database)",
            )
        end = data.rfind(b"\n") + 1
        whole, tail = data[:end], data[end:]
        keys: list[str] = []
        for number, line in enumerate(whole.split(b"\n")[:-1], start=self._lines + 1):
            key = _alert_key(line)
            if key is None and line.strip():
                raise self._foreign(number, opening)
            if key is not None:
                keys.append(key)
        if tail and not _torn_alert(tail):
            raise self._foreign(self._lines + whole.count(b"\n") + 1, opening)
        if tail:
            # Only the sink's own line torn by a crash mid-write is cut: the outbox sends that alert again.
            os.ftruncate(self._fd, self._read_to + len(whole))
        self._seen.update(keys)
        self._lines += whole.count(b"\n")
        self._read_to += len(whole)

    def _foreign(self, line: int, opening: bool) -> KqlrulesError:
        if opening:
            return KqlrulesError(
                f"{self.path}:{line}: not an alert file kqlrules wrote (line {line} is not one of its JSON"
                " alerts); the file sink only appends to its own files and leaves this one as it is",
                hint="give the file sink a new file, for example --sink file:alerts.jsonl",
            )
        return DeliveryFailed(
            f"{self.path}:{line}: not an alert line (something else wrote to the alert file); nothing was"
            " appended, the alert stays in the outbox"
        )

    def deliver(self, key: str, alert: dict[str, Any]) -> None:
        if key in self._seen:
            return
        with self._locked():
            self._catch_up()
            if key in self._seen:
                return
            data = _line(alert).encode()
            written = 0
            while written < len(data):
                written += os.write(self._fd, data[written:])
            os.fsync(self._fd)
            self._read_to = os.fstat(self._fd).st_size
            self._lines += 1
            self._seen.add(key)

    def close(self) -> None:
        os.close(self._fd)


def _alert_key(line: bytes) -> str | None:
    """The idempotency key of one of the file sink's lines, or None for a line it did not write."""
    try:
        alert = json.loads(line.decode("utf-8"))
    except (ValueError, RecursionError):  # not UTF-8, not JSON, or nested past Python's recursion limit
        return None
    key = alert.get("idempotency_key") if isinstance(alert, dict) else None
    return key if isinstance(key, str) else None


def _torn_alert(tail: bytes) -> bool:
    """An unfinished last line that can only be the start of one of the sink's own alerts."""
    return tail.startswith(b"{") and b"\x00" not in tail and _alert_key(tail) is None


class _FileLock:
    def __init__(self, fd: int) -> None:
        self._fd = fd

    def __enter__(self) -> None:
        fcntl.flock(self._fd, fcntl.LOCK_EX)

    def __exit__(self, *_: object) -> None:
        fcntl.flock(self._fd, fcntl.LOCK_UN)


class SqliteSink:
    """Alerts as rows of an `alerts` table keyed on the idempotency key. The database must be a SQLite file
    holding only that table (or a new file): any other file or database is refused, not written into. A
    database another process holds locked is a failed delivery (retried by the runner), never a crash."""

    COLUMNS = ("idempotency_key", "detection_id", "window_end", "payload")

    def __init__(self, name: str, path: Path, *, busy_timeout: float = 2.0) -> None:
        self.name = name
        self.path = path
        _refuse_non_database(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Opened here, used by the sink's deliverer thread (one at a time, under `_lock`).
            self._db = sqlite3.connect(
                path, isolation_level=None, timeout=busy_timeout, check_same_thread=False
            )
        except (OSError, sqlite3.Error) as error:
            raise KqlrulesError(f"cannot open alert database {path}: {error}") from None
        self._lock = threading.Lock()
        self._ready = False
        try:
            self._prepare()
        except sqlite3.OperationalError as error:
            if error.sqlite_errorname not in ("SQLITE_BUSY", "SQLITE_LOCKED"):
                self._db.close()
                raise KqlrulesError(f"cannot use alert database {path}: {error}") from None
            # Locked by another process now: the first delivery prepares it (and fails, to be retried).
        except sqlite3.Error as error:
            self._db.close()
            raise KqlrulesError(f"{path} is not a SQLite database the sink can use: {error}") from None
        except KqlrulesError:
            self._db.close()
            raise

    def _prepare(self) -> None:
        tables = [row[0] for row in self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        if tables:
            columns = tuple(row[1] for row in self._db.execute("PRAGMA table_info(alerts)"))
            if tables != ["alerts"] or columns != self.COLUMNS:
                raise KqlrulesError(
                    f"{self.path} is not an alert database kqlrules made (it has tables"
                    f" {', '.join(sorted(tables))}); the sqlite sink writes only into its own",
                    hint="give the sqlite sink a new file, for example --sink sqlite:alerts.db",
                )
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS alerts (idempotency_key TEXT PRIMARY KEY, detection_id TEXT,"
            " window_end TEXT, payload TEXT NOT NULL)"
        )
        self._ready = True

    def deliver(self, key: str, alert: dict[str, Any]) -> None:
        detection, window = alert.get("detection"), alert.get("window")
        try:
            with self._lock:
                if not self._ready:
                    self._prepare()
                self._db.execute(
                    "INSERT OR IGNORE INTO alerts VALUES (?, ?, ?, ?)",
                    (
                        key,
                        detection.get("id") if isinstance(detection, dict) else None,
                        window.get("end") if isinstance(window, dict) else None,
                        _line(alert),
                    ),
                )
        except sqlite3.Error as error:
            raise DeliveryFailed(f"alert database {self.path} did not take alert {key}: {error}") from None

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _refuse_non_database(path: Path) -> None:
    try:
        with path.open("rb") as handle:
            head = handle.read(len(SQLITE_HEADER))
    except FileNotFoundError:
        return
    except OSError as error:
        raise KqlrulesError(f"cannot open alert database {path}: {error.strerror}") from None
    if head and head != SQLITE_HEADER:
        raise KqlrulesError(
            f"{path} is not a SQLite database: the sqlite sink writes only into its own database",
            hint="give the sqlite sink a new file, for example --sink sqlite:alerts.db",
        )


class WebhookSink:
    """POSTs each alert as JSON with `Idempotency-Key` and, when a secret is set (`KQLRULES_WEBHOOK_SECRET`,
    or the sink's `secret_env` in kqlrules.toml), an HMAC-SHA256 signature of the body in
    `X-Kqlrules-Signature: sha256=<hex>`. One attempt by default (the runner retries); `attempts` > 1
    retries 429/5xx/errors here."""

    def __init__(
        self,
        name: str,
        url: str,
        *,
        secret: str | None = None,
        attempts: int = 1,
        backoff: float = 0.2,
        timeout: float = 10.0,
    ) -> None:
        if not url.startswith(("http://", "https://")):
            raise KqlrulesError(f"webhook sink needs an http(s) URL, not {redacted_url(url)!r}")
        self.name = _shown_spec(name)
        self.url = url
        self.shown_url = redacted_url(url)
        self._secret = secret if secret is not None else os.environ.get(WEBHOOK_SECRET_ENV)
        if not self._secret:
            event(
                "webhook sink is unsigned",
                logging.WARNING,
                sink=self.name,
                hint=f"set {WEBHOOK_SECRET_ENV} (or the sink's secret_env) so receivers can verify alerts",
            )
        self._attempts = attempts
        self._backoff = backoff
        self._timeout = timeout

    def use_secret(self, secret: str) -> None:
        self._secret = secret

    def deliver(self, key: str, alert: dict[str, Any]) -> None:
        body = json.dumps(alert, separators=(",", ":"), sort_keys=True, default=str).encode()
        headers = {"Content-Type": "application/json", "Idempotency-Key": key}
        if self._secret:
            digest = hmac.new(self._secret.encode(), body, hashlib.sha256).hexdigest()
            headers[SIGNATURE_HEADER] = f"sha256={digest}"
        last = "no attempt"
        for attempt in range(self._attempts):
            if attempt:
                time.sleep(self._backoff * 2 ** (attempt - 1) * (0.5 + random.random() / 2))
            request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
            try:
                with urllib.request.urlopen(request, timeout=self._timeout) as response:
                    if 200 <= response.status < 300:
                        return
                    last = f"status {response.status}"
            except urllib.error.HTTPError as error:
                last = f"status {error.code}"
                if error.code != 429 and error.code < 500:
                    break
            except (urllib.error.URLError, OSError) as error:
                last = str(getattr(error, "reason", error))
        raise DeliveryFailed(f"webhook {self.shown_url} did not take alert {key}: {last}")

    def close(self) -> None:
        pass


register_sink("stdout")(lambda spec, _argument: StdoutSink(spec))
register_sink("file")(lambda spec, argument: FileSink(spec, Path(_required(spec, argument))))
register_sink("sqlite")(lambda spec, argument: SqliteSink(spec, Path(_required(spec, argument))))
register_sink("webhook")(lambda spec, argument: WebhookSink(spec, _required(spec, argument)))


def _required(spec: str, argument: str) -> str:
    if not argument:
        raise KqlrulesError(f"sink {spec!r} needs an argument, such as {spec}:alerts.jsonl")
    return argument
