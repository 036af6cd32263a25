"""The ingestion-time scope the scheduled runner writes on a query's first line (`kqlrules.runner.ingestion`):

    let AuditLogs = AuditLogs | where ingestion_time() >= datetime(S) and ingestion_time() < datetime(E);

read back, so that a local workspace can tell a near-real-time window whose tables received no rows in it.
Only that exact form is recognised; any other text is an ordinary query.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from kqlrules.datetimes import parse_datetime

# As `format_datetime` writes them: at most microseconds (a finer bound would be cut when read).
_TIME = r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?Z"
_SCOPE = re.compile(
    r"let (?P<name>[A-Za-z_][A-Za-z0-9_]*) = (?P=name) \| where "
    rf"ingestion_time\(\) >= datetime\((?P<start>{_TIME})\) and "
    rf"ingestion_time\(\) < datetime\((?P<end>{_TIME})\);"
)


@dataclass(frozen=True)
class IngestionScope:
    tables: tuple[str, ...]
    start: datetime
    end: datetime
    query: str  # the query the scope narrows, as the detection rendered it


def split_ingestion_scope(kql: str) -> IngestionScope | None:
    first, newline, rest = kql.partition("\n")
    if not newline:
        return None
    tables: list[str] = []
    bounds: set[tuple[str, str]] = set()
    at = 0
    # The line is nothing but such lets, one space apart.
    for found in _SCOPE.finditer(first):
        if found.start() != at:
            return None
        tables.append(found["name"])
        bounds.add((found["start"], found["end"]))
        at = found.end() + 1
    if not tables or at != len(first) + 1 or len(bounds) != 1:
        return None
    ((start, end),) = bounds
    try:
        return IngestionScope(tuple(tables), parse_datetime(start), parse_datetime(end), rest)
    except ValueError:
        return None
