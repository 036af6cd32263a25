"""Delivery beside querying: one thread per sink takes alerts from the outbox and hands them to its sink.

A slow or dead sink never holds up the schedule: the scheduler only stores alerts and wakes the deliverers.
Each deliverer claims a few alerts at a time (a lease, so overlapping runners never hand the same alert to
the same sink twice), tries each once with the sink's own timeout, and on failure leaves the alert in the
outbox with a retry time that backs off exponentially with jitter. After `breaker_failures` failures in a
row the sink's circuit breaker opens for `breaker_cooldown`: no attempts at all, so a dead webhook costs
nothing while it is down. When a run ends (`--once`, or `until`), each deliverer drains its sink: it keeps
going until nothing deliverable is left, an alert has had `attempts_per_run` tries, or the breaker opens;
what is left stays in the outbox for the next run and shows in `run status`.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from kqlrules.runner.failpoints import failpoint
from kqlrules.runner.logs import event
from kqlrules.runner.sinks import Sink
from kqlrules.runner.state import PendingDelivery
from kqlrules.runner.store import StateStore

_POLL_SECONDS = 0.2  # how often a draining deliverer looks at the outbox again
_IDLE_SECONDS = 1.0  # how often an idle one does (new alerts of this process wake it at once)


@dataclass(frozen=True)
class DeliveryPolicy:
    attempts_per_run: int = 4
    backoff_base: timedelta = timedelta(seconds=0.5)
    backoff_cap: timedelta = timedelta(minutes=5)
    breaker_failures: int = 5
    breaker_cooldown: timedelta = timedelta(seconds=30)
    lease: timedelta = timedelta(minutes=1)
    batch: int = 20


@dataclass
class DeliveryCounts:
    deliveries: int = 0
    failures: int = 0
    breaker_opened: int = 0


class Deliverers:
    """The sinks' deliverer threads of one run."""

    def __init__(
        self, sinks: list[Sink], state: StateStore, policy: DeliveryPolicy, seed: int | None = None
    ) -> None:
        self.counts = DeliveryCounts()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._drain = threading.Event()
        self._workers = [
            _SinkDeliverer(sink, state, policy, self, random.Random(None if seed is None else seed + i))
            for i, sink in enumerate(sinks)
        ]

    def start(self) -> None:
        for worker in self._workers:
            worker.start()

    def wake(self) -> None:
        for worker in self._workers:
            worker.wake.set()

    def drain(self) -> None:
        """Deliver what can be delivered now, then end the threads."""
        self._drain.set()
        self.wake()
        self._join()

    def stop(self) -> None:
        """End the threads after the delivery in hand (signals, `Runner.stop`)."""
        self._stop.set()
        self.wake()
        self._join()

    def _join(self) -> None:
        for worker in self._workers:
            if worker.is_alive():
                worker.join()

    def count(self, *, delivered: int = 0, failed: int = 0, opened: int = 0) -> None:
        with self._lock:
            self.counts.deliveries += delivered
            self.counts.failures += failed
            self.counts.breaker_opened += opened


class _SinkDeliverer(threading.Thread):
    def __init__(
        self,
        sink: Sink,
        state: StateStore,
        policy: DeliveryPolicy,
        group: Deliverers,
        rng: random.Random,
    ) -> None:
        super().__init__(name=f"deliver-{sink.name}", daemon=True)
        self.sink = sink
        self.state = state
        self.policy = policy
        self.group = group
        self.rng = rng
        self.wake = threading.Event()
        self._tries: dict[str, int] = {}
        self._given_up: set[str] = set()
        self._in_a_row = 0
        self._open_until: float | None = None

    def run(self) -> None:
        while not self.group._stop.is_set():
            draining = self.group._drain.is_set()
            if self._breaker_open():
                if draining:
                    return
                self._pause(self._open_until, _IDLE_SECONDS)
                continue
            batch = self.state.claim_deliveries(
                self.sink.name, self.policy.batch, self.policy.lease, skip=self._given_up if draining else ()
            )
            if batch:
                self._deliver(batch)
                continue
            if draining and self._nothing_left():
                return
            self._pause(None, _POLL_SECONDS if draining else _IDLE_SECONDS)

    def _deliver(self, batch: list[PendingDelivery]) -> None:
        claimed_at = time.monotonic()
        half_lease = self.policy.lease.total_seconds() / 2
        for position, pending in enumerate(batch):
            if (
                self.group._stop.is_set()
                or self._breaker_open()
                or time.monotonic() - claimed_at > half_lease
            ):
                self.state.release_deliveries(self.sink.name, [p.fingerprint for p in batch[position:]])
                return
            try:
                self.sink.deliver(pending.fingerprint, pending.payload)
            except Exception as error:  # whatever a sink raises, the alert was not taken: retry it later
                self._failed(pending, error)
                continue
            failpoint("alert-written")
            self.state.mark_delivered(pending.fingerprint, self.sink.name)
            self._in_a_row = 0
            self.group.count(delivered=1)

    def _failed(self, pending: PendingDelivery, error: BaseException) -> None:
        tries = self._tries.get(pending.fingerprint, 0) + 1
        self._tries[pending.fingerprint] = tries
        if tries >= self.policy.attempts_per_run:
            self._given_up.add(pending.fingerprint)
        ceiling = min(self.policy.backoff_cap, self.policy.backoff_base * 2 ** (tries - 1))
        retry_at = datetime.now(UTC) + ceiling * (0.5 + self.rng.random() / 2)
        self.state.delivery_failed(pending.fingerprint, self.sink.name, str(error), retry_at)
        self._in_a_row += 1
        opened = self._in_a_row >= self.policy.breaker_failures
        if opened:
            self._open_until = time.monotonic() + self.policy.breaker_cooldown.total_seconds()
            self._in_a_row = 0
        self.group.count(failed=1, opened=int(opened))
        event(
            "delivery failed",
            logging.WARNING,
            sink=self.sink.name,
            alert=pending.fingerprint,
            error=str(error),
            attempt=tries,
            breaker="open" if opened else "closed",
        )

    def _breaker_open(self) -> bool:
        if self._open_until is None:
            return False
        if time.monotonic() >= self._open_until:
            self._open_until = None  # half-open: the next alert is the probe
            return False
        return True

    def _nothing_left(self) -> bool:
        """Draining: done when every undelivered alert of this sink is one this run gave up on (alerts other
        runners hold, or waiting for their retry time, are waited for)."""
        backlog = self.state.backlog([self.sink.name])
        left = backlog[0].undelivered if backlog else 0
        return left <= len(self._given_up)

    def _pause(self, until: float | None, longest: float) -> None:
        seconds = longest if until is None else max(0.0, min(until - time.monotonic(), longest))
        self.wake.wait(seconds)
        self.wake.clear()
