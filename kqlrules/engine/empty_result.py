"""A query's result known to be empty without running it: the one proof the local workspace and the
scheduled runner's quiet windows (`kqlrules.runner.quiet`) both use.

The result is known empty when all of this holds, and otherwise the query runs:
- the engine translates the query, and names the tables the result's rows come from
  (`kqlrules.engine.row_sources`, which proves it for any `now()`), and the plan has no run-time guards;
- none of those tables has a row the window keeps (`active`, the caller's knowledge of its tables);
- the query, once run over an empty timespan (every table limited to nothing), returned no rows: rows there
  mean the proof and the engine disagree. That run is made once per query text and remembered; its columns
  are the empty result's.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime

from kqlrules.engine.engine import LocalEngine
from kqlrules.engine.errors import KqlEngineError
from kqlrules.table import Table

# Query texts whose empty result is remembered (a runner's detections, each rendered the same every window).
EMPTY_RESULTS = 4096


class EmptyResults:
    """The proof, with the empty-timespan runs it made remembered per query text (for one set of tables:
    a workspace whose rows change makes a new one)."""

    def __init__(self, size: int = EMPTY_RESULTS) -> None:
        # Query text -> its result over an empty timespan when that has no rows (None: it has rows, or the
        # query cannot be answered without running it).
        self._empty: dict[str, Table | None] = {}
        self._size = size
        self._lock = threading.Lock()

    def known_empty(
        self, engine: LocalEngine, query: str, at: datetime, active: Callable[[str], bool]
    ) -> Table | None:
        """The query's (empty) result when it is known to be empty, else None. `at` is the window's end
        (the empty-timespan run's `now()`); `active(table)` says whether the table may have a row the
        window keeps (True when unsure)."""
        try:
            plan = engine.translate(query, windowed=True)
        except KqlEngineError:
            return None  # the query itself says what is wrong when it runs
        sources = plan.row_sources
        if sources is None or plan.guards:
            return None
        if any(active(table) for table in sorted(sources)):
            return None
        with self._lock:
            checked, known = query in self._empty, self._empty.get(query)
        if not checked:
            try:
                result = engine.query(query, now=at, timespan=(at, at))
            except KqlEngineError:
                return None
            known = Table(list(result.columns), []) if not result.rows else None
            with self._lock:
                if len(self._empty) >= self._size:
                    self._empty.clear()
                self._empty[query] = known
        if known is None:
            return None
        return Table(list(known.columns), [])
