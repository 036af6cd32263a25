from __future__ import annotations

import hashlib
import hmac
import json
import socket
import sqlite3
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from kqlrules.errors import KqlrulesError
from kqlrules.runner import DeliveryFailed, Runner, RunnerConfig, RunnerState, SimulatedClock, open_sink
from kqlrules.runner.sinks import SIGNATURE_HEADER, WebhookSink
from kqlrules.workspace import LocalWorkspace
from tests.runner.conftest import DAY, detection

ALERT = {"idempotency_key": "k1", "detection": {"id": "d"}, "window": {"end": "2024-05-01T10:00:00Z"}}


def test_the_file_sink_writes_an_alert_once_even_across_reopening(tmp_path: Path) -> None:
    path = tmp_path / "alerts.jsonl"
    for _ in range(2):
        sink = open_sink(f"file:{path}")
        sink.deliver("k1", ALERT)
        sink.deliver("k1", ALERT)
        sink.close()
    assert len(path.read_text().splitlines()) == 1


def test_the_file_sink_cuts_a_torn_last_line_left_by_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "alerts.jsonl"
    path.write_text(json.dumps(ALERT) + "\n" + '{"idempotency_key": "k2", "detec')
    sink = open_sink(f"file:{path}")
    sink.deliver("k2", {**ALERT, "idempotency_key": "k2"})
    sink.close()
    keys = [json.loads(line)["idempotency_key"] for line in path.read_text().splitlines()]
    assert keys == ["k1", "k2"]


def test_the_sqlite_sink_keeps_one_row_per_idempotency_key(tmp_path: Path) -> None:
    sink = open_sink(f"sqlite:{tmp_path / 'alerts.db'}")
    sink.deliver("k1", ALERT)
    sink.deliver("k1", ALERT)
    sink.close()
    with sqlite3.connect(tmp_path / "alerts.db") as db:
        assert db.execute("SELECT COUNT(*) FROM alerts").fetchone()[0] == 1


def test_an_unknown_sink_names_the_known_kinds() -> None:
    with pytest.raises(KqlrulesError) as raised:
        open_sink("pigeon:coop")
    assert "file[:ARG]" in str(raised.value) and "webhook[:ARG]" in str(raised.value)


class Receiver:
    """A webhook receiver on 127.0.0.1 that checks signatures and keeps each idempotency key once."""

    def __init__(self, secret: str, fail_first: int = 0, status: int = 503) -> None:
        self.secret, self.fail_first, self.status = secret, fail_first, status
        self.requests = 0
        self.stored: dict[str, Any] = {}
        self.keys: list[str] = []  # the key of every accepted POST, repeats included
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests += 1
                expected = "sha256=" + hmac.new(receiver.secret.encode(), body, hashlib.sha256).hexdigest()
                if receiver.requests <= receiver.fail_first:
                    code = receiver.status
                elif not hmac.compare_digest(self.headers.get(SIGNATURE_HEADER, ""), expected):
                    code = 401
                else:
                    receiver.stored.setdefault(self.headers["Idempotency-Key"], json.loads(body))
                    receiver.keys.append(self.headers["Idempotency-Key"])
                    code = 200
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/alerts"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver("s3cret", fail_first=2)
    yield running
    running.server.shutdown()
    running.server.server_close()


def test_the_webhook_retries_5xx_and_signs_the_body(receiver: Receiver) -> None:
    sink = WebhookSink("webhook", receiver.url, secret="s3cret", backoff=0.01, attempts=4)
    sink.deliver("k1", ALERT)
    sink.deliver("k1", ALERT)  # at least once: the receiver drops the repeat by its key
    assert receiver.requests == 4
    assert list(receiver.stored) == ["k1"]


def test_a_webhook_refusal_is_a_failed_delivery_without_retries() -> None:
    refusing = Receiver("s3cret", fail_first=10, status=400)
    try:
        sink = WebhookSink("webhook", refusing.url, secret="s3cret", backoff=0.01)
        with pytest.raises(DeliveryFailed, match="status 400"):
            sink.deliver("k1", ALERT)
        assert refusing.requests == 1
    finally:
        refusing.server.shutdown()
        refusing.server.server_close()


def test_alerts_a_sink_did_not_take_stay_in_the_outbox_for_the_next_run(
    workspace: LocalWorkspace, state: RunnerState, tmp_path: Path
) -> None:
    down = Receiver("s3cret", fail_first=1000)
    try:
        sink = WebhookSink(f"webhook:{down.url}", down.url, secret="s3cret", attempts=1)
        config = RunnerConfig(delay=timedelta(0), once=True, since=DAY)
        clock = SimulatedClock(DAY + timedelta(hours=1))
        first = Runner([detection("failed")], workspace, state, [sink], clock=clock, config=config).run()
        assert first.alerts > 0 and first.deliveries == 0
    finally:
        down.server.shutdown()
        down.server.server_close()
    up = Receiver("s3cret")
    try:
        sink = WebhookSink(f"webhook:{down.url}", up.url, secret="s3cret")
        again = Runner([detection("failed")], workspace, state, [sink], clock=clock, config=config).run()
        assert again.executions == 0 and len(up.stored) == first.alerts
    finally:
        up.server.shutdown()
        up.server.server_close()


def test_a_webhooks_credentials_never_appear_in_its_name_errors_or_the_state(
    workspace: LocalWorkspace, state: RunnerState, tmp_path: Path
) -> None:
    # A port nothing listens on: every delivery fails and is reported.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://bob:hunter2@127.0.0.1:{port}/services/T00/B00/s3cretpath?sig=s3cretquery"
    sink = open_sink(f"webhook:{url}")
    assert all(secret not in sink.name for secret in ("hunter2", "s3cretpath", "s3cretquery"))
    with pytest.raises(DeliveryFailed) as failed:
        sink.deliver("key", {"a": 1})
    assert all(secret not in str(failed.value) for secret in ("hunter2", "s3cretpath", "s3cretquery"))
    config = RunnerConfig(delay=timedelta(0), once=True, since=DAY)
    clock = SimulatedClock(DAY + timedelta(hours=1))
    Runner([detection("failed")], workspace, state, [sink], clock=clock, config=config).run()
    state.close()
    stored = Path(tmp_path).glob("**/*.db")
    for database in stored:
        text = database.read_bytes()
        assert b"hunter2" not in text and b"s3cretpath" not in text and b"s3cretquery" not in text


def test_two_webhooks_on_one_host_keep_apart_names() -> None:
    first = open_sink("webhook:https://hooks.example.com/a?token=1")
    second = open_sink("webhook:https://hooks.example.com/b?token=2")
    assert first.name != second.name and first.name.startswith("webhook:https://hooks.example.com/")


def test_a_misspelt_sink_kind_does_not_echo_the_url_it_carries() -> None:
    with pytest.raises(KqlrulesError) as raised:
        open_sink("webhok:https://hooks.example.com/services/s3cretpath")
    assert "s3cretpath" not in str(raised.value) and "webhok:https://hooks.example.com/" in str(raised.value)
