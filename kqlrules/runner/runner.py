"""The scheduled runner: every enabled detection, at its frequency, over its windows, into alerts and sinks.

How the window reaches the query (one rule): the window [start, end) is the query's API `timespan` — the
service, and the local workspace alike, limit every table's `TimeGenerated` to it — and the same two instants
are given to the template as the params `window_start` and `window_end` (aware datetimes: write
`{{ window_start | kql_datetime }}`) for queries that print or compare the boundaries. Locally `now()` is the
window's end, so `ago(lookback)` agrees with the window; on Azure `now()` is the real time, so a query that
computes its window with `ago()` sees nothing when it catches up an old window: prefer the params.

Each detection runs one window at a time, oldest first, so catching up after downtime goes window by window,
every missed window by default (with an explicit `max_catch_up`, older windows are skipped, and the skipped
range is recorded in the state for `run status`). Before a window is queried its detection is claimed in the
state (a lease, renewed while the work goes on), so overlapping runners over one state never run a window
twice: a runner that finds the detection claimed by another waits for it, and finds the window done or the
lease expired (the other runner died) and takes over. Queries run on a small thread pool within the API's
limits; alerts go to the sinks on their own threads (`kqlrules.runner.delivery`), so a slow sink never
delays a window. A retryable failure (429, 5xx, timeout, dropped connection, partial result) is retried
with backoff; when the attempts run out, the failure is recorded and the window runs again a frequency
later (in `once` mode, the run reports it and exits non-zero). `stop()` lets queries in flight finish and
be recorded, then returns.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from kqlrules.errors import KqlrulesError, Location
from kqlrules.rules import Detection
from kqlrules.runner.alerts import ResultShapeError, evaluate, suppressed_by
from kqlrules.runner.clock import Clock, SystemClock
from kqlrules.runner.delivery import Deliverers, DeliveryPolicy
from kqlrules.runner.failpoints import failpoint
from kqlrules.runner.ingestion import PREFIX_LINES, ingestion_scoped
from kqlrules.runner.limits import Limits, RateLimiter, backoff
from kqlrules.runner.logs import event
from kqlrules.runner.quiet import QuietWindows
from kqlrules.runner.schedule import (
    DEFAULT_DELAY,
    DEFAULT_LOOKBACK,
    INGESTION,
    Cadence,
    Window,
    align_down,
    cadence,
    catch_up,
    first_end,
    window_ending,
)
from kqlrules.runner.sinks import Sink
from kqlrules.runner.state import LeaseLost
from kqlrules.runner.store import StateStore
from kqlrules.table import Table
from kqlrules.workspace import PartialResult, QueryThrottled, Workspace, WorkspaceError

_REAL_WAIT_CAP = 0.5  # seconds: how late a stop request may be noticed while queries are in flight
DEFAULT_LEASE = timedelta(minutes=2)
# Quiet windows of one detection recorded in one state transaction, at most (a week of 1-minute windows
# is about ten such transactions).
_QUIET_BATCH = 1024


@dataclass(frozen=True)
class ScheduledDetection:
    """A detection and how to render its query for a window (the runner needs nothing else from a repo);
    `locate` turns a line and column of the rendered query into the template's, for error messages."""

    meta: Detection
    render: Callable[[Window], str]
    locate: Callable[[int, int], Location | None] | None = None


@dataclass(frozen=True)
class RunnerConfig:
    delay: timedelta = DEFAULT_DELAY
    max_catch_up: int | None = None  # None: every missed window runs
    since: datetime | None = None
    once: bool = False
    until: datetime | None = None
    limits: Limits = field(default_factory=Limits)
    seed: int | None = None
    lease: timedelta = DEFAULT_LEASE  # how long a claim on a detection lasts without renewal (wall clock)
    replay_from: datetime | None = None  # sinks new to the state get the stored alerts from here on
    delivery: DeliveryPolicy = field(default_factory=DeliveryPolicy)
    lookback: timedelta = DEFAULT_LOOKBACK  # ingestion-time windows: how late a row may arrive
    ingestion_delay: timedelta = timedelta(0)  # ingestion-time windows run this long after they end


@dataclass
class RunSummary:
    executions: int = 0
    windows_completed: int = 0
    windows_failed: int = 0
    retries: int = 0
    alerts: int = 0
    suppressed: int = 0
    deliveries: int = 0
    delivery_failures: int = 0
    undelivered: int = 0
    skipped_windows: int = 0
    answered_quietly: int = 0  # windows answered without a query (provably empty: kqlrules.runner.quiet)
    lease_waits: int = 0
    taken_over: int = 0
    query_seconds: float = 0.0
    runner_seconds: float = 0.0
    stopped: bool = False

    @property
    def ok(self) -> bool:
        """Nothing failed, nothing skipped, nothing left undelivered."""
        return not (self.windows_failed or self.skipped_windows or self.undelivered)

    @property
    def overhead_per_execution(self) -> float:
        return self.runner_seconds / self.executions if self.executions else 0.0


@dataclass(order=True)
class _Job:
    not_before: datetime
    sequence: int
    detection: ScheduledDetection = field(compare=False)
    window: Window = field(compare=False)
    attempt: int = field(default=1, compare=False)


@dataclass
class _Outcome:
    table: Table | None
    error: BaseException | None
    query_seconds: float
    render_seconds: float


class Runner:
    def __init__(
        self,
        detections: Sequence[ScheduledDetection],
        workspace: Workspace,
        state: StateStore,
        sinks: Sequence[Sink],
        *,
        clock: Clock | None = None,
        config: RunnerConfig | None = None,
        quiet: QuietWindows | None = None,
    ) -> None:
        """`quiet`: answer the windows whose result is provably empty without a query
        (`kqlrules.runner.quiet`)."""
        self.detections = [d for d in detections if d.meta.enabled]
        self._index = {d.meta.id: i for i, d in enumerate(self.detections)}
        self._cadence: dict[str, Cadence] = {d.meta.id: cadence(d.meta) for d in self.detections}
        if len(self._index) != len(self.detections):
            raise KqlrulesError("two enabled detections share an id", hint="each detection needs its own id")
        self.workspace = workspace
        self.state = state
        self.sinks = {sink.name: sink for sink in sinks}
        if len(self.sinks) != len(sinks):
            raise KqlrulesError("two sinks share a name", hint="give each sink its own name")
        self.clock: Clock = clock or SystemClock()
        self.config = config or RunnerConfig()
        self._quiet = quiet
        self._must_query: dict[str, datetime] = {}  # detection -> the end of a window to query, not answer
        self.summary = RunSummary()
        self._stop = threading.Event()
        self._limiter = RateLimiter(self.config.limits)
        self._rng = random.Random(self.config.seed)
        self._sequence = itertools.count()
        self._due: list[tuple[datetime, int, int]] = []  # (run at, sequence, index into detections)
        self._next_end: dict[str, datetime] = {}
        self._pending: list[_Job] = []
        self._in_flight: dict[Future[_Outcome], _Job] = {}
        self._rate_slot: datetime | None = None
        self._held: set[str] = set()  # detections this runner holds a lease on
        self._blocked: dict[int, float] = {}  # detection index -> monotonic time to claim again
        self._ready: deque[int] = deque()  # detections whose next window is due, not yet claimed
        self._limit = datetime.min.replace(tzinfo=UTC)  # the newest instant windows may end at (+ delay)
        self._renew_at = 0.0
        self._deliverers = Deliverers(list(sinks), state, self.config.delivery, self.config.seed)

    def stop(self) -> None:
        """Finish what is in flight, record it, and return from `run` (safe to call from a signal handler)."""
        self._stop.set()

    def run(self) -> RunSummary:
        started = self.clock.now()
        horizon = started if self.config.once else self.config.until
        self._plan(started)
        self.state.register_sinks(self.sinks, self.config.replay_from)
        self._deliverers.start()  # also delivers what a previous run stored but did not deliver
        limits = self.config.limits
        try:
            with ThreadPoolExecutor(max_workers=limits.max_in_flight, thread_name_prefix="query") as pool:
                while True:
                    tick = time.perf_counter()
                    now = self.clock.now()
                    self._collect(now)
                    self._renew()
                    if self._stop.is_set():
                        self.summary.stopped = True
                        if not self._in_flight:
                            break
                    else:
                        self._schedule(now, horizon)
                        self._dispatch(now, pool)
                        if self._finished(horizon):
                            break
                    wake = self._wake_time(horizon)
                    self.summary.runner_seconds += time.perf_counter() - tick
                    self._wait(wake)
        finally:
            self.state.release(self._held)
            self._held.clear()
            if self._stop.is_set():
                self._deliverers.stop()
            else:
                self._deliverers.drain()
        counts = self._deliverers.counts
        self.summary.deliveries, self.summary.delivery_failures = counts.deliveries, counts.failures
        self.summary.undelivered = sum(b.undelivered for b in self.state.backlog(self.sinks))
        event("run finished", **{k: v for k, v in vars(self.summary).items() if not k.endswith("seconds")})
        return self.summary

    # -- planning ----------------------------------------------------------------------------------------

    def _plan(self, now: datetime) -> None:
        last = self.state.last_window_ends()
        for index, detection in enumerate(self.detections):
            meta = detection.meta
            frequency = self._cadence[meta.id].frequency
            delay = self._delay(meta.id)
            if meta.id in last:
                # Aligned again in case the frequency changed since the last run (period >= frequency
                # keeps the next window touching the last one).
                next_end = align_down(last[meta.id], frequency) + frequency
            else:
                next_end = first_end(now, frequency, delay, self.config.since)
            self._next_end[meta.id] = next_end
            heapq.heappush(self._due, (next_end + delay, next(self._sequence), index))
            if self._quiet is not None:
                shape = self._cadence[meta.id]
                self._quiet.expect(
                    window_ending(next_end, shape.period, shape.basis, self.config.lookback, frequency)
                )

    def _schedule(self, now: datetime, horizon: datetime | None) -> None:
        """Move the detections whose next window is due (or whose claim may be tried again) to `_ready`;
        they are claimed only when a query slot is free, so a runner never holds more than it works on."""
        self._limit = now if horizon is None else min(now, horizon)
        again = time.monotonic()
        for index in [i for i, at in self._blocked.items() if at <= again]:
            del self._blocked[index]
            self._ready.append(index)
        while self._due and self._due[0][0] <= self._limit:
            _, _, index = heapq.heappop(self._due)
            self._ready.append(index)

    def _claim(self, index: int, now: datetime) -> _Job | None:
        """Claim the detection's next window in the state, unless it is done already (another runner ran
        it: move on) or another runner holds the detection (look again shortly)."""
        detection = self.detections[index]
        meta = detection.meta
        shape = self._cadence[meta.id]
        frequency, delay = shape.frequency, self._delay(meta.id)
        next_end = self._next_end[meta.id]
        claim = self.state.claim_window(meta.id, meta.name, next_end, self.config.lease)
        if claim.outcome == "done" and claim.last_end is not None:
            self._next_end[meta.id] = align_down(claim.last_end, frequency) + frequency
            self._due_again(detection, self._next_end[meta.id] + delay)
            return None
        if claim.outcome == "busy":
            self.summary.lease_waits += 1
            self._blocked[index] = time.monotonic() + self._lease_poll()
            return None
        self._held.add(meta.id)
        next_end, skipped = catch_up(next_end, self._limit, frequency, delay, self.config.max_catch_up)
        if skipped:
            first_skipped = self._next_end[meta.id]
            last_skipped = next_end - frequency
            self._next_end[meta.id] = next_end
            self.state.record_skipped(meta.id, meta.name, first_skipped, last_skipped, skipped)
            self.summary.skipped_windows += skipped
            event(
                "windows skipped",
                logging.WARNING,
                detection=meta.name,
                skipped=skipped,
                first_window_end=first_skipped.isoformat(),
                last_window_end=last_skipped.isoformat(),
            )
        window = window_ending(next_end, shape.period, shape.basis, self.config.lookback, frequency)
        return _Job(now, next(self._sequence), detection, window)

    def _delay(self, detection_id: str) -> timedelta:
        basis = self._cadence[detection_id].basis
        return self.config.ingestion_delay if basis == INGESTION else self.config.delay

    def _lease_poll(self) -> float:
        return min(1.0, self.config.lease.total_seconds() / 4)

    def _renew(self) -> None:
        """Keep this runner's claims alive while it works on them (every third of a lease)."""
        moment = time.monotonic()
        if moment < self._renew_at:
            return
        self._renew_at = moment + self.config.lease.total_seconds() / 3
        lost = self.state.renew(self._held, self.config.lease)
        if lost:
            event("leases lost", logging.WARNING, detections=sorted(lost))

    def _dispatch(self, now: datetime, pool: ThreadPoolExecutor) -> None:
        self._rate_slot = None
        while len(self._in_flight) < self.config.limits.max_in_flight:
            retry = bool(self._pending) and self._pending[0].not_before <= now
            if not retry and not self._ready:
                return
            slot = self._limiter.next_slot(now)
            if slot > now:
                self._rate_slot = slot
                return
            if retry:
                job: _Job | None = heapq.heappop(self._pending)
            else:
                job = self._claim(self._ready.popleft(), now)
                if job is not None and self._quiet is not None and self._answer_quietly(job):
                    continue
            if job is None:
                continue
            self._limiter.started(now)
            self._in_flight[pool.submit(self._execute, job)] = job
            self.summary.executions += 1

    def _finished(self, horizon: datetime | None) -> bool:
        if horizon is None or self._pending or self._in_flight or self._blocked or self._ready:
            return False
        return not self._due or self._due[0][0] > horizon

    def _wake_time(self, horizon: datetime | None) -> datetime | None:
        times = []
        free = len(self._in_flight) < self.config.limits.max_in_flight
        if self._pending and free:
            times.append(max(self._pending[0].not_before, self._rate_slot or self._pending[0].not_before))
        if self._ready and free:
            times.append(self._rate_slot or self.clock.now())
        if self._due and (horizon is None or self._due[0][0] <= horizon):
            times.append(self._due[0][0])
        return min(times) if times else None

    def _wait(self, wake: datetime | None) -> None:
        if self._stop.is_set() and not self._in_flight:
            return
        # Waiting on another runner's claim is waiting in real time, whatever clock the schedule uses.
        pause = None
        if self._blocked:
            pause = min(_REAL_WAIT_CAP, max(0.0, min(self._blocked.values()) - time.monotonic()))
        real = None if wake is None else self.clock.real_seconds_until(wake)
        if self._in_flight:
            timeout = min(_REAL_WAIT_CAP if real is None else real, _REAL_WAIT_CAP, pause or _REAL_WAIT_CAP)
            wait(list(self._in_flight), timeout=timeout, return_when=FIRST_COMPLETED)
        elif wake is not None and (pause is None or real is None or real <= pause):
            self.clock.sleep_until(wake, self._stop)
        else:  # a claim to try again, or nothing scheduled at all (no enabled detections)
            self._stop.wait(_REAL_WAIT_CAP if pause is None else pause)

    # -- executing (on a pool thread) ----------------------------------------------------------------------

    def _execute(self, job: _Job) -> _Outcome:
        started = time.perf_counter()
        try:
            kql = job.detection.render(job.window)
        except Exception as error:
            return _Outcome(None, error, 0.0, time.perf_counter() - started)
        rendered = time.perf_counter()
        try:
            if job.window.basis == INGESTION:
                kql = ingestion_scoped(kql, job.detection.meta.tables, job.window)
        except Exception as error:
            return _Outcome(None, error, 0.0, time.perf_counter() - started)
        try:
            table = self.workspace.query(kql, job.window.timespan)
        except Exception as error:
            return _Outcome(None, error, time.perf_counter() - rendered, rendered - started)
        return _Outcome(table, None, time.perf_counter() - rendered, rendered - started)

    # -- recording (on the calling thread) -----------------------------------------------------------------

    def _collect(self, now: datetime) -> None:
        for future in [f for f in self._in_flight if f.done()]:
            job = self._in_flight.pop(future)
            outcome = future.result()
            failpoint("query-answered")
            self.summary.query_seconds += outcome.query_seconds
            self.summary.runner_seconds += outcome.render_seconds
            if outcome.error is None and outcome.table is not None:
                self._complete(job, outcome.table, now)
            else:
                self._failed_attempt(job, outcome.error, now)

    def _complete(self, job: _Job, table: Table, now: datetime) -> None:
        self._commit(job, [(job.window, table)], now)

    def _commit(
        self, job: _Job, answered: list[tuple[Window, Table]], now: datetime, quiet: bool = False
    ) -> bool:
        """Evaluate and record the detection's consecutive windows (one, or a run of quiet ones) in one state
        transaction. False when quiet windows could not be recorded so (a result shape the detection cannot
        use): the first of them then runs as a query, which reports it."""
        meta = job.detection.meta
        windows = [window for window, _ in answered]
        next_end = windows[-1].end + self._cadence[meta.id].frequency
        delay = self._delay(meta.id)
        made = []
        try:
            with self.state.commit_windows(meta.id, meta.name, windows, next_end + delay) as commit:
                for window, table in answered:
                    evaluation, alerts = evaluate(meta, window, table, commit.already_alerted)
                    for alert in alerts:
                        last = commit.last_alert_end(alert.entity_key)
                        alert.suppressed = suppressed_by(last, window, meta.suppress_for)
                    self.state.store_alerts(alerts)
                    made.append((window, evaluation, alerts))
        except ResultShapeError as error:
            if quiet:
                return False
            self._give_up(job, error, now)
            return True
        except LeaseLost:
            # Another runner took the detection over after this one's lease ran out: its result counts.
            self._held.discard(meta.id)
            self.summary.taken_over += 1
            event("window taken over", logging.WARNING, detection=meta.name, window=str(windows[0]))
            self._due_again(job.detection, now)
            return True
        self._held.discard(meta.id)
        failpoint("window-committed")
        self._next_end[meta.id] = next_end
        self._due_again(job.detection, next_end + delay)
        any_delivered = False
        for window, evaluation, alerts in made:
            delivered = [a.fingerprint for a in alerts if not a.suppressed]
            any_delivered = any_delivered or bool(delivered)
            self.summary.windows_completed += 1
            self.summary.alerts += len(delivered)
            self.summary.suppressed += len(alerts) - len(delivered)
            if evaluation.fired or job.attempt > 1:
                event(
                    "window completed",
                    detection=meta.name,
                    window=str(window),
                    rows=evaluation.row_count,
                    fired=evaluation.fired,
                    alerts=len(delivered),
                    suppressed=len(alerts) - len(delivered),
                    attempts=job.attempt,
                )
        if quiet:
            self.summary.answered_quietly += len(made)
        if any_delivered:
            self._deliverers.wake()
        return True

    # -- quiet windows (on the calling thread) -------------------------------------------------------------

    def _answer_quietly(self, job: _Job) -> bool:
        """Answer the claimed window, and the detection's next windows already due, without a query while
        each is provably empty (`kqlrules.runner.quiet`), and record them in one transaction. False when the
        first window must be queried."""
        assert self._quiet is not None
        meta = job.detection.meta
        if self._must_query.get(meta.id) == job.window.end:
            return False  # found not provably empty when the windows before it were answered
        shape = self._cadence[meta.id]
        delay = self._delay(meta.id)
        now = self.clock.now()
        answered: list[tuple[Window, Table]] = []
        window = job.window
        while len(answered) < _QUIET_BATCH:
            table = self._quiet_result(job.detection, window, window.end + delay, now)
            if table is None:
                self._must_query[meta.id] = window.end
                break
            answered.append((window, table))
            following = window.end + shape.frequency
            if following + delay > self._limit:
                break
            window = window_ending(
                following, shape.period, shape.basis, self.config.lookback, shape.frequency
            )
        return bool(answered) and self._commit(job, answered, now, quiet=True)

    def _quiet_result(
        self, detection: ScheduledDetection, window: Window, due: datetime, now: datetime
    ) -> Table | None:
        assert self._quiet is not None
        try:
            kql = detection.render(window)
            return self._quiet.empty_result(detection.meta, window, kql, due=due, now=now)
        except Exception as error:  # unsure: the window runs as a query, which reports what is wrong
            if not isinstance(error, KqlrulesError):
                logging.getLogger("kqlrules.runner").debug("quiet-window proof failed", exc_info=error)
            return None

    def _failed_attempt(self, job: _Job, error: BaseException | None, now: datetime) -> None:
        retryable = isinstance(error, WorkspaceError) and error.retryable
        if retryable and job.attempt < self.config.limits.max_attempts:
            retry_after = error.retry_after if isinstance(error, QueryThrottled) else None
            delay = backoff(job.attempt, self.config.limits, retry_after, self._rng)
            job.attempt += 1
            job.not_before = now + delay
            job.sequence = next(self._sequence)
            heapq.heappush(self._pending, job)
            self.summary.retries += 1
            event(
                "query retry",
                logging.INFO,
                detection=job.detection.meta.name,
                window=str(job.window),
                error=str(error),
                attempt=job.attempt,
                after_seconds=round(delay.total_seconds(), 3),
            )
            return
        self._give_up(job, error, now)

    def _give_up(self, job: _Job, error: BaseException | None, now: datetime) -> None:
        meta = job.detection.meta
        if isinstance(error, PartialResult):
            message = f"{error} ({len(error.table)} rows came back; the window runs again)"
        elif isinstance(error, KqlrulesError):
            shift = PREFIX_LINES if job.window.basis == INGESTION else 0
            message = _in_template(job.detection, error, shift)
        else:
            message = f"unexpected {type(error).__name__}: {error}"
            logging.getLogger("kqlrules.runner").error("query failed", exc_info=error)
        retry_at = now + self._cadence[meta.id].frequency
        self.state.record_failure(meta.id, meta.name, message, retry_at)
        self._held.discard(meta.id)
        self.summary.windows_failed += 1
        event(
            "window failed",
            logging.WARNING,
            detection=meta.name,
            window=str(job.window),
            error=message,
            attempts=job.attempt,
        )
        if not self.config.once:
            self._due_again(job.detection, retry_at)

    def _due_again(self, detection: ScheduledDetection, at: datetime) -> None:
        heapq.heappush(self._due, (at, next(self._sequence), self._index[detection.meta.id]))


def _in_template(detection: ScheduledDetection, error: KqlrulesError, shift: int = 0) -> str:
    """The error at its place in the detection's template, when the rendered query's place is known
    (`shift`: lines the runner put before the rendered query)."""
    where = error.location
    if detection.locate is None or where is None or where.line - shift <= 0:
        return str(error)
    place = detection.locate(where.line - shift, where.col)
    if place is None:
        return str(error)
    return str(KqlrulesError(error.message, place, hint=error.hint))
