"""`--engine local` (the default): cases run on the local engine, all on one DuckDB connection.

Each case gets an engine over its own tables, but every engine shares the connection (tables are replaced,
never re-opened) and the engine's translation cache: a detection is translated once for all its cases,
because its schema set (the tables it reads, with their declared columns) does not change between them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import duckdb

from kqlrules.engine import LocalEngine
from kqlrules.kusto import Analyzer, SchemaSet
from kqlrules.table import Table
from kqlrules.testing.runner import PreparedQuery


class LocalBackend:
    name = "local"
    parallel = 1  # one DuckDB connection; the analyzer is one process anyway

    def __init__(self, schemas: SchemaSet, *, analyzer: Analyzer | None = None) -> None:
        self.schemas = schemas
        self.analyzer = analyzer
        self.connection: Any = duckdb.connect(":memory:")
        self._narrowed: dict[tuple[str, ...], SchemaSet] = {}

    def run(self, query: PreparedQuery, tables: dict[str, Table], now: datetime) -> Table:
        engine = LocalEngine(
            tables,
            self._schemas_for(tuple(sorted(tables))),
            analyzer=self.analyzer,
            connection=self.connection,
        )
        return engine.query(query.text, now=now)

    def _schemas_for(self, names: tuple[str, ...]) -> SchemaSet:
        """Only the tables a case uses: a small schema set translates and fingerprints quickly."""
        if names not in self._narrowed:
            self._narrowed[names] = SchemaSet(
                {name: self.schemas.tables[name] for name in names if name in self.schemas.tables},
                dict(self.schemas.functions),
            )
        return self._narrowed[names]

    def close(self) -> None:
        self.connection.close()
