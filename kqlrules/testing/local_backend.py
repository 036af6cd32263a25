"""`--engine local` (the default): cases run on the local engine, all on one DuckDB connection per worker.

Each case gets an engine over its own tables, but every engine shares the connection (tables are replaced,
never re-opened) and the engine's translation cache: a detection is translated once for all its cases,
because its schema set (the tables it reads, with their declared columns) does not change between them.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from kqlrules.engine import EMPTY, ExternalData, KqlEngineError, LocalEngine, SchemaFromData
from kqlrules.kusto import Analyzer, SchemaSet
from kqlrules.table import Table
from kqlrules.testing.runner import PreparedQuery


class LocalBackend:
    name = "local"

    def __init__(self, schemas: SchemaSet, *, analyzer: Analyzer | None = None, parallel: int = 1) -> None:
        self.schemas = schemas
        self.analyzer = analyzer
        # Workers each get a DuckDB connection of their own: DuckDB runs a query outside the GIL.
        self.parallel = parallel
        self._local = threading.local()
        self._connections: list[Any] = []
        self._narrowed: dict[tuple[str, ...], SchemaSet] = {}
        # A query the engine cannot translate fails the same way for every case: remember the refusal.
        self._refused: dict[tuple[str, tuple[str, ...], str], KqlEngineError] = {}
        self._lock = threading.Lock()

    @property
    def connection(self) -> Any:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = SharedConnection(duckdb.connect(":memory:"))
            self._local.connection = connection
            with self._lock:
                self._connections.append(connection)
        return connection

    def run(
        self,
        query: PreparedQuery,
        tables: dict[str, Table],
        now: datetime,
        externaldata: Mapping[str, Path | None] | None = None,
    ) -> Table:
        names = tuple(sorted(tables))
        sources = ExternalData(
            {url: EMPTY if file is None else file for url, file in (externaldata or {}).items()}
        )
        key = (query.text, names, sources.fingerprint())
        refused = self._refused.get(key)
        if refused is not None:
            raise refused
        engine = LocalEngine(
            tables,
            self._schemas_for(names),
            analyzer=self.analyzer,
            connection=self.connection,
            externaldata=sources,
        )
        try:
            engine.translate(query.text)
        except SchemaFromData:
            pass  # its plan depends on the data, which `query` reads first
        except KqlEngineError as error:
            self._refused[key] = error
            raise
        return engine.query(query.text, now=now)

    def _schemas_for(self, names: tuple[str, ...]) -> SchemaSet:
        """Only the tables a case uses: a small schema set translates and fingerprints quickly."""
        with self._lock:
            if names not in self._narrowed:
                self._narrowed[names] = SchemaSet(
                    {name: self.schemas.tables[name] for name in names if name in self.schemas.tables},
                    dict(self.schemas.functions),
                    dict(self.schemas.data),  # the repository's watchlists, which every case can read
                )
            return self._narrowed[names]

    def close(self) -> None:
        for connection in self._connections:
            connection.close()


class SharedConnection:
    """A DuckDB connection that engine after engine uses, one case each.

    The engine registers the function library's helpers (Python UDFs, SQL macros) on its connection when it is
    made; on a connection shared by every case that has to happen once, or DuckDB refuses the second UDF of a
    name and re-running the macros costs time on every case. Everything else passes straight through.
    """

    def __init__(self, connection: Any) -> None:
        self._connection = connection
        self._functions: set[str] = set()
        self._definitions: set[str] = set()

    def create_function(self, name: str, *args: Any, **kwargs: Any) -> SharedConnection:
        if name not in self._functions:
            self._connection.create_function(name, *args, **kwargs)
            self._functions.add(name)
        return self

    def execute(self, query: str, *args: Any, **kwargs: Any) -> Any:
        if query.lstrip().upper().startswith(_DEFINITIONS) and not args and not kwargs:
            if query in self._definitions:
                return self._connection
            self._definitions.add(query)
        return self._connection.execute(query, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)


# Statements that only define helpers: the same text run again changes nothing.
_DEFINITIONS = ("CREATE OR REPLACE MACRO", "CREATE MACRO", "CREATE OR REPLACE FUNCTION", "CREATE FUNCTION")
