"""Where alerts go. A registry of sink kinds, each opened from a spec: `stdout`, `file:PATH`, `sqlite:PATH`,
`webhook:URL`.

Delivery is at least once (the runner's outbox resends what a sink did not confirm) and every sink drops an
alert whose idempotency key (the fingerprint) it has already taken, so each alert lands exactly once:
the file sink remembers the keys in its file, the SQLite sink keys its table on them, and the webhook sink
sends `Idempotency-Key` for the receiver to do the same. `stdout` can only remember within one process.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import random
import sqlite3
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, TextIO

from kqlrules.errors import KqlrulesError

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


def open_sink(spec: str) -> Sink:
    kind, _, argument = spec.partition(":")
    factory = SINKS.get(kind)
    if factory is None:
        raise KqlrulesError(
            f"unknown sink {spec!r}", hint=f"one of: {', '.join(f'{k}[:ARG]' for k in sorted(SINKS))}"
        )
    return factory(spec, argument)


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
    """JSON lines, appended and fsync'd one alert at a time."""

    def __init__(self, name: str, path: Path) -> None:
        self.name = name
        self.path = path
        self._seen = self._recover()
        try:
            self._file = path.open("a", encoding="utf-8")
        except OSError as error:
            raise KqlrulesError(f"cannot open alert file {path}: {error.strerror}") from None

    def _recover(self) -> set[str]:
        # A crash mid-write can leave a torn last line: cut it, the outbox will send that alert again.
        if not self.path.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            return set()
        data = self.path.read_bytes()
        whole = data[: data.rfind(b"\n") + 1]
        if len(whole) != len(data):
            with self.path.open("r+b") as handle:
                handle.truncate(len(whole))
        seen = set()
        for line in whole.splitlines():
            try:
                key = json.loads(line).get("idempotency_key")
            except ValueError:
                continue
            if isinstance(key, str):
                seen.add(key)
        return seen

    def deliver(self, key: str, alert: dict[str, Any]) -> None:
        if key in self._seen:
            return
        self._file.write(_line(alert))
        self._file.flush()
        os.fsync(self._file.fileno())
        self._seen.add(key)

    def close(self) -> None:
        self._file.close()


class SqliteSink:
    def __init__(self, name: str, path: Path) -> None:
        self.name = name
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS alerts (idempotency_key TEXT PRIMARY KEY, detection_id TEXT,"
            " window_end TEXT, payload TEXT NOT NULL)"
        )

    def deliver(self, key: str, alert: dict[str, Any]) -> None:
        self._db.execute(
            "INSERT OR IGNORE INTO alerts VALUES (?, ?, ?, ?)",
            (key, alert.get("detection", {}).get("id"), alert.get("window", {}).get("end"), _line(alert)),
        )

    def close(self) -> None:
        self._db.close()


class WebhookSink:
    """POSTs each alert as JSON with `Idempotency-Key` and, when `KQLRULES_WEBHOOK_SECRET` is set, an
    HMAC-SHA256 signature of the body in `X-Kqlrules-Signature: sha256=<hex>`. Retries 429/5xx/errors."""

    def __init__(
        self,
        name: str,
        url: str,
        *,
        secret: str | None = None,
        attempts: int = 4,
        backoff: float = 0.2,
        timeout: float = 10.0,
    ) -> None:
        if not url.startswith(("http://", "https://")):
            raise KqlrulesError(f"webhook sink needs an http(s) URL, not {url!r}")
        self.name = name
        self.url = url
        self._secret = secret if secret is not None else os.environ.get(WEBHOOK_SECRET_ENV)
        self._attempts = attempts
        self._backoff = backoff
        self._timeout = timeout

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
        raise DeliveryFailed(f"webhook {self.url} did not take alert {key}: {last}")

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
