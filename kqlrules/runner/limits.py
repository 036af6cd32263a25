"""The query API's manners: at most 5 queries in flight and 200 per 30 seconds, and polite retries.

Retries back off exponentially with jitter (half to all of base * 2^(attempt-1), capped) and never sooner
than the service's `Retry-After`.
"""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Limits:
    max_in_flight: int = 5
    max_per_window: int = 200
    rate_window: timedelta = timedelta(seconds=30)
    max_attempts: int = 5
    backoff_base: timedelta = timedelta(seconds=2)
    backoff_cap: timedelta = timedelta(minutes=2)


class RateLimiter:
    """A sliding window over query start times, on the runner's clock."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._starts: deque[datetime] = deque()

    def next_slot(self, now: datetime) -> datetime:
        """The earliest time a query may start (`now` when it may start now)."""
        while self._starts and self._starts[0] <= now - self.limits.rate_window:
            self._starts.popleft()
        if len(self._starts) < self.limits.max_per_window:
            return now
        return self._starts[0] + self.limits.rate_window

    def started(self, now: datetime) -> None:
        self._starts.append(now)


def backoff(attempt: int, limits: Limits, retry_after: float | None, rng: random.Random) -> timedelta:
    """The wait before retry number `attempt` (1 for the first retry)."""
    ceiling = min(limits.backoff_cap, limits.backoff_base * 2 ** (attempt - 1))
    delay: timedelta = ceiling * (0.5 + rng.random() / 2)
    if retry_after is not None:
        delay = max(delay, timedelta(seconds=retry_after))
    return delay
