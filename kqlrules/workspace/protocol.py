"""The one thing every workspace does: answer a KQL query over a time range with a `Table`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol, TypeAlias

from kqlrules.table import Table

# As the Log Analytics query API takes it: a (start, end) pair, a duration ending now, or no limit.
Timespan: TypeAlias = tuple[datetime, datetime] | timedelta | None


class Workspace(Protocol):
    def query(self, kql: str, timespan: Timespan) -> Table:
        """Run `kql` with each table's `TimeGenerated` limited to `timespan`: [start, end)."""
        ...


def resolve_timespan(timespan: Timespan, now: datetime | None = None) -> tuple[datetime, datetime] | None:
    """The absolute (start, end) a timespan stands for; a duration ends at `now`."""
    if timespan is None:
        return None
    if isinstance(timespan, timedelta):
        end = now or datetime.now(UTC)
        return end - timespan, end
    return timespan
