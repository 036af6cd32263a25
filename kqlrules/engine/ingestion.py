"""An ingestion-time window given to the engine as parameters: the named tables, where the query names them,
hold only the rows ingested in [start, end) (`LocalEngine.query`'s `ingestion`).

It is what a scheduled runner's near-real-time window writes as `let` lines on the query's first line
(`kqlrules.runner.ingestion`); given as parameters, the query's translation is the same for every window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class IngestionWindow:
    tables: frozenset[str]
    start: datetime
    end: datetime
