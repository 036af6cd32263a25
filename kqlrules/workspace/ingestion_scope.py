"""The ingestion-time scope the scheduled runner writes on a query's first line (`kqlrules.runner.ingestion`):

    let AuditLogs = AuditLogs | where ingestion_time() >= datetime(S) and ingestion_time() < datetime(E);

read back, so that a local workspace can tell a near-real-time window whose tables received no rows in it,
and run the query the scope narrows with the scope given to the engine as parameters (`run_in_scope`): one
translation for every window rather than one per window's text. Only that exact form is recognised; any other
text is an ordinary query.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import datetime

from kqlrules.datetimes import parse_datetime
from kqlrules.engine import IngestionWindow, KqlEngineError, LocalEngine
from kqlrules.table import Table

# Query texts known to translate with their scope's `let` lines, per engine fingerprint (bounded).
_CHECKED_SIZE = 4096

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


class _Checked:
    """Which narrowed queries translate with the scope's `let` lines too (checked once each)."""

    def __init__(self) -> None:
        self._known: dict[tuple[str, tuple[str, ...], str, bool], bool] = {}
        self._lock = threading.Lock()

    def translates(self, engine: LocalEngine, kql: str, scope: IngestionScope, *, windowed: bool) -> bool:
        key = (scope.query, scope.tables, engine.fingerprint, windowed)
        with self._lock:
            known = self._known.get(key)
        if known is None:
            try:
                engine.translate(kql, windowed=windowed)
                known = True
            except KqlEngineError:
                known = False
            with self._lock:
                if len(self._known) >= _CHECKED_SIZE:
                    self._known.clear()
                self._known[key] = known
        return known


_CHECKED = _Checked()


def run_in_scope(
    engine: LocalEngine,
    kql: str,
    scope: IngestionScope,
    now: datetime,
    timespan: tuple[datetime, datetime] | None,
) -> Table | None:
    """The answer of `kql` (the scope's `let` lines, then `scope.query`), from `scope.query` run with the
    scope as the engine's parameters; None when that cannot stand for the text, and the text must run:
    the text does not translate (it says what is wrong, at its own line and column), or the narrowed query
    reads a scoped table where the `let` may not reach (`table()`, a wildcard `union`, a function's body),
    or fails at all (the text's error is the one to report)."""
    if not _CHECKED.translates(engine, kql, scope, windowed=timespan is not None):
        return None
    window = IngestionWindow(frozenset(scope.tables), scope.start, scope.end)
    try:
        return engine.query(scope.query, now=now, timespan=timespan, ingestion=window)
    except KqlEngineError:
        return None
