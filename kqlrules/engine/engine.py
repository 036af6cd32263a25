"""LocalEngine: KQL over local tables, translated by way of Microsoft's analyzer into one DuckDB statement."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

import duckdb

from kqlrules.engine.errors import (
    DATETIME_OUTSIDE_ENGINE,
    KqlEngineError,
    KqlRuntimeError,
    KqlSemanticError,
    UnsupportedKql,
    refused_construct,
)
from kqlrules.engine.external import ExternalData, ExternalSource
from kqlrules.engine.ingestion import IngestionWindow
from kqlrules.engine.planner import Plan, plan
from kqlrules.engine.results import to_table
from kqlrules.engine.sql import case_renames, renamed_identifiers
from kqlrules.engine.staging import SchemaFromData
from kqlrules.engine.storage import create_table, insert_rows
from kqlrules.engine.translator import BaseTable
from kqlrules.kusto import (
    Analysis,
    Analyzer,
    LineIndex,
    Node,
    NoLegExists,
    SchemaSet,
    TableSchema,
    bind_existing_columns,
    shared_analyzer,
    without_absent_legs,
)
from kqlrules.table import Column, Table


class TranslationCache:
    """Plans keyed by (query text, schema fingerprint): repeated tests do not re-translate."""

    def __init__(self, size: int = 4096) -> None:
        self._plans: OrderedDict[tuple[str, str], Plan | KqlEngineError] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str]) -> Plan | KqlEngineError | None:
        with self._lock:
            found = self._plans.get(key)
            if found is not None:
                self._plans.move_to_end(key)
            return found

    def put(self, key: tuple[str, str], value: Plan | KqlEngineError) -> None:
        with self._lock:
            self._plans[key] = value
            if len(self._plans) > self._size:
                self._plans.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._plans.clear()


CACHE = TranslationCache()


class _FrozenSchemas(SchemaSet):
    """The engine's schemas never change after construction: compute the analyzer's payload once."""

    _bridge: dict[str, Any] | None = None
    _fingerprint: str | None = None

    def to_bridge(self) -> dict[str, Any]:
        if self._bridge is None:
            self._bridge = super().to_bridge()
        return self._bridge

    def fingerprint(self) -> str:
        if self._fingerprint is None:
            self._fingerprint = super().fingerprint()
        return self._fingerprint


class LocalEngine:
    """Run KQL over local tables. Tables named in `schemas` but not given are empty."""

    def __init__(
        self,
        tables: dict[str, Table] | None = None,
        schemas: SchemaSet | None = None,
        *,
        analyzer: Analyzer | None = None,
        connection: Any = None,
        externaldata: ExternalData | Mapping[str, ExternalSource] | None = None,
        type_column: bool = False,
    ) -> None:
        """`externaldata` says where the URLs of `externaldata` operators are read from: a mapping of URL to
        local file or `EMPTY`, or an `ExternalData` (which can also read every unmapped URL as empty). With
        `type_column`, a table without the standard columns every Log Analytics table has gets them: `Type`
        holding its name, `_ResourceId` and `_SubscriptionId` empty."""
        self._analyzer = analyzer
        given = schemas or SchemaSet()
        merged = SchemaSet(dict(given.tables), dict(given.functions))
        # A schema set may bring rows of its own (a repository's watchlists); a caller's tables win.
        self._data = {**given.data, **(tables or {})}
        for name, table in self._data.items():
            merged.add_table(name, [(c.name, c.type) for c in table.columns])
        tables_ = {name: _distinct_columns(schema) for name, schema in merged.tables.items()}
        # Every Log Analytics table has the standard columns `Type` (the table's name), `_ResourceId` and
        # `_SubscriptionId` (Azure Monitor, "Standard columns in Azure Monitor Logs"); published schemas often
        # leave them out. Rows given without them hold the table's name and empty strings (no value).
        self._standard: dict[str, list[Column]] = {}
        if type_column:
            for name, schema in list(tables_.items()):
                if name in given.data:
                    continue  # a watchlist is not a workspace table: `_GetWatchlist` returns no `Type`
                present = {c.name.lower() for c in schema.columns}
                missing = [c for c in _STANDARD_COLUMNS if c.name.lower() not in present]
                if missing:
                    tables_[name] = TableSchema(name, (*schema.columns, *missing))
                    self._standard[name] = missing
        self.schemas: SchemaSet = _FrozenSchemas(tables_, merged.functions)
        self._external = ExternalData.of(externaldata)
        self._fingerprint = self.schemas.fingerprint() + self._external.fingerprint()
        self._connection = connection if connection is not None else duckdb.connect(":memory:")
        register_helpers(self._connection)
        self._created: set[str] = set()
        self._lock = threading.Lock()
        self._cursors = threading.local()
        self._base = {
            name: BaseTable(name, list(schema.columns)) for name, schema in self.schemas.tables.items()
        }

    @property
    def connection(self) -> Any:
        return self._connection

    @property
    def analyzer(self) -> Analyzer:
        return self._analyzer or shared_analyzer()

    @property
    def fingerprint(self) -> str:
        """Of everything besides the query text that a translation depends on (schemas, external data)."""
        return self._fingerprint

    def translate(
        self, kql: str, *, windowed: bool = False, ingestion_tables: frozenset[str] = frozenset()
    ) -> Plan:
        """The query's plan; a translation error is cached like a plan (the same text fails the same way).
        A `windowed` plan limits the tables to a timespan given when it runs, a plan with
        `ingestion_tables` those tables to an ingestion-time window given when it runs (see `query`)."""
        suffix = ("|windowed" if windowed else "") + (
            "|ingested:" + ",".join(sorted(ingestion_tables)) if ingestion_tables else ""
        )
        key = (kql, self._fingerprint + suffix)
        found = CACHE.get(key)
        if isinstance(found, KqlEngineError):
            raise found
        if found is not None:
            return found
        analysis = self._analyze(kql)
        try:
            with renamed_identifiers(case_renames(_column_names(analysis.tree))):
                result = plan(
                    analysis, self._base, self._external, windowed=windowed, ingestion_tables=ingestion_tables
                )
        except KqlEngineError as error:
            CACHE.put(key, error)
            raise
        except (KeyError, ValueError, AttributeError, TypeError, IndexError, AssertionError) as error:
            # An engine bug must still reach the user as an error about their query, never a traceback.
            raise KqlRuntimeError(
                f"the local engine failed to translate this query ({type(error).__name__}: {error})",
                hint="please report it with the query",
            ) from error
        CACHE.put(key, result)
        return result

    def _analyze(self, kql: str) -> Analysis:
        """The analysis, without the legs of `union isfuzzy=true` over absent tables (see
        kqlrules.kusto.fuzzy_union) and with `column_ifexists` of an existing column typed as the column (see
        kqlrules.kusto.existing_columns); a replaced call can make a later one's column known, hence the
        loop."""
        analysis = self.analyzer.analyze(kql, self.schemas, tree=True)
        try:
            fuzzy = without_absent_legs(analysis)
        except NoLegExists as error:
            line, col = LineIndex(kql).position(error.start)
            raise KqlSemanticError(f"{error}; Kusto fails when no leg resolves", line, col) from None
        if fuzzy is not None:
            analysis = self.analyzer.analyze(fuzzy, self.schemas, tree=True)
        for _ in range(3):
            if analysis.tree is None or "ifexists" not in analysis.text:
                break
            rewritten = bind_existing_columns(analysis.text, Node.build(analysis.tree))
            if rewritten is None:
                break
            analysis = self.analyzer.analyze(rewritten, self.schemas, tree=True)
        return analysis

    def sql(self, kql: str) -> str:
        return self.translate(kql).sql

    def query(
        self,
        kql: str,
        now: datetime | None = None,
        timespan: tuple[datetime, datetime] | None = None,
        *,
        ingestion: IngestionWindow | None = None,
    ) -> Table:
        """Run `kql` with `now()` at `now`. With a `timespan` [start, end), every table's `TimeGenerated` is
        limited to it first, as the Log Analytics query API's `timespan` does. With an `ingestion` window,
        its tables, where the query names them, hold only the rows whose `ingestion_time()` is in it: the
        answer of the query after `let T = T | where ingestion_time() >= start and ingestion_time() < end;`
        for each, from one translation for every window."""
        params: dict[str, datetime] = {"now": _naive_utc(now or datetime.now(UTC))}
        if timespan is not None:
            params["span_start"], params["span_end"] = (_naive_utc(t) for t in timespan)
        scoped = ingestion.tables if ingestion is not None else frozenset()
        if ingestion is not None:
            params["ingest_start"], params["ingest_end"] = (
                _naive_utc(ingestion.start),
                _naive_utc(ingestion.end),
            )
        try:
            compiled = self.translate(kql, windowed=timespan is not None, ingestion_tables=scoped)
        except SchemaFromData as staged:
            rewritten = self._with_schema(kql, staged, params)
            return self.query(rewritten, now, timespan, ingestion=ingestion)
        with self._lock:
            self._ensure_tables(compiled.tables)
        # Each thread queries through its own cursor (one database, shared tables and functions), so that
        # queries from a runner's thread pool run side by side.
        cursor = self._cursor()
        try:
            self._check_guards(cursor, compiled, params)
            sql = _ticks_out(compiled)
            rows = cursor.execute(sql, _used(sql, params)).fetchall()
        except duckdb.Error as error:
            construct = _refusal_of(error)
            if construct is not None:
                raise UnsupportedKql(construct) from None
            raise KqlRuntimeError(_runtime_message(error)) from error
        return to_table(compiled.columns, rows)

    def _with_schema(self, kql: str, staged: SchemaFromData, params: dict[str, datetime]) -> str:
        """`kql` with the output schema its data gives (see `kqlrules.engine.staging`)."""
        with self._lock:
            self._ensure_tables(staged.tables)
        try:
            bags = self._cursor().execute(staged.probe_sql, _used(staged.probe_sql, params)).fetchall()
        except duckdb.Error as error:
            raise KqlRuntimeError(_runtime_message(error)) from None
        first, second = staged.schemas([row[0] for row in bags])
        rewritten = staged.rewrite(kql, first)
        columns = [
            [c.name for c in self.analyzer.analyze(text, self.schemas).result_columns or []]
            for text in (rewritten, staged.rewrite(kql, second))
        ]
        if columns[0] != columns[1]:
            raise staged.refuse("whose column order shows in the result (Kusto's order is not documented)")
        return rewritten

    def _cursor(self) -> Any:
        cursor = getattr(self._cursors, "cursor", None)
        if cursor is None:
            with self._lock:
                cursor = self._connection.cursor()
            self._cursors.cursor = cursor
        return cursor

    def _check_guards(self, cursor: Any, compiled: Plan, params: dict[str, datetime]) -> None:
        for guard in compiled.guards:
            found = cursor.execute(guard.sql, _used(guard.sql, params)).fetchone()
            if found and found[0]:
                raise UnsupportedKql(guard.construct, guard.line, guard.col)

    def _ensure_tables(self, names: tuple[str, ...]) -> None:
        for name in names:
            if name in self._created or name not in self._base:
                continue
            if name not in self._data and self._exists(name):
                self._created.add(name)  # already in the connection it was given (a benchmark, a test)
                continue
            create_table(self._connection, name, self._base[name].columns)
            data = self._data.get(name)
            if data is not None:
                added = self._standard.get(name)
                if added:
                    values = [name if c.name == "Type" else "" for c in added]
                    data = Table([*data.columns, *added], [[*row, *values] for row in data.rows])
                insert_rows(self._connection, name, data)
            self._created.add(name)

    def _exists(self, name: str) -> bool:
        found = self._connection.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND schema_name = 'main'", [name]
        ).fetchone()
        return bool(found and found[0])

    def close(self) -> None:
        self._connection.close()


def register_helpers(connection: Any) -> None:
    """The function library's `kql_*` helpers (Python UDFs and SQL macros), once per connection."""
    from kqlrules.engine.udfs import register_udfs

    register_udfs(connection)


def _distinct_columns(schema: TableSchema) -> TableSchema:
    """Of columns of the same name (some published schema files repeat one), the first is kept. Names equal
    but for case are two columns, as in Kusto (see `kqlrules.engine.sql.case_renames`)."""
    seen: set[str] = set()
    kept = []
    for column in schema.columns:
        if column.name not in seen:
            seen.add(column.name)
            kept.append(column)
    return schema if len(kept) == len(schema.columns) else TableSchema(schema.name, tuple(kept))


def _column_names(tree: dict[str, Any] | None) -> Iterator[str]:
    """Every column name of the analyzer's tree (each tabular node's columns, user functions' bodies too), in
    source order: the names a translation may write."""
    stack = [tree] if tree is not None else []
    while stack:
        raw = stack.pop()
        for column in raw.get("cols") or ():
            yield str(column[0])
        expansion = raw.get("x")
        children = list(raw.get("c") or ())
        if expansion:
            children.append(expansion["body"])
        stack.extend(reversed(children))


def _ticks_out(compiled: Plan) -> str:
    """The plan's SQL, its datetime columns read out as 100-ns ticks: DuckDB hands a TIMESTAMP_NS to Python
    rounded to the microsecond (`kqlrules.engine.results` makes the ticks datetimes again)."""
    if not any(c.type == "datetime" for c in compiled.columns):
        return compiled.sql
    names = [f"__kql_c{i}" for i in range(len(compiled.columns))]
    picked = [
        f"kql_ticks({name})" if column.type == "datetime" else name
        for name, column in zip(names, compiled.columns, strict=True)
    ]
    return f"SELECT {', '.join(picked)} FROM ({compiled.sql}) AS __kql_result({', '.join(names)})"


def _naive_utc(instant: datetime) -> datetime:
    return instant.astimezone(UTC).replace(tzinfo=None) if instant.tzinfo is not None else instant


def _used(sql: str, params: dict[str, datetime]) -> dict[str, datetime] | None:
    """DuckDB refuses parameters a statement does not name."""
    used = {name: value for name, value in params.items() if f"${name}" in sql}
    return used or None


def _runtime_message(error: Exception) -> str:
    """What failed, in Kusto's terms: DuckDB's own message names SQL the user never wrote."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    asserted = text.find("assert() has failed")
    if asserted >= 0:  # the query's own assert(): Kusto's message, as assert-function.md gives it
        return f"the query failed while running: {text[asserted:]}"
    for pattern, construct in _DUCKDB_FAILURES:
        found = pattern.search(text)
        if found is not None:
            return f"the query failed while running: {construct.format(*found.groups())}"
    return "the local engine failed while running this query (please report it with the query)"


def _refusal_of(error: Exception) -> str | None:
    """The construct a DuckDB failure shows the engine cannot answer for, or None for another failure."""
    text = str(error)
    construct = refused_construct(text)
    if construct is not None:
        return construct
    for pattern, what in _DUCKDB_REFUSALS:
        found = pattern.search(text)
        if found is not None:
            return what.format(*found.groups())
    return None


_STANDARD_COLUMNS = (
    Column("Type", "string"),
    Column("_ResourceId", "string"),
    Column("_SubscriptionId", "string"),
)
# Integer arithmetic beyond the range of long: Kusto's reference does not say what it gives (the service
# wraps around, which no page documents), so the engine refuses rather than pick a value.
_DUCKDB_REFUSALS = [
    # A datetime TIMESTAMP_NS cannot hold (kqlrules.engine.types): from a calendar function or month
    # arithmetic that left its span.
    (
        re.compile(
            r"Could not convert Timestamp to higher precision|Cannot (?:add|subtract) interval (?:to|from) "
            r"timestamp_ns|Timestamp (?:nano|micro)seconds out of range"
        ),
        DATETIME_OUTSIDE_ENGINE.replace("{", "{{").replace("}", "}}"),
    ),
    (re.compile(r"Overflow in (\w+) of INT(?:64|32|128)"), "long arithmetic ({0}) beyond the range of long"),
    (re.compile(r"Overflow on abs\("), "abs() of the smallest long"),
    (re.compile(r"Overflow in (?:negation|unary minus)|Overflow on negat"), "negating the smallest long"),
    (
        re.compile(r"Out of Range Error: (?:Cannot|cannot) (?:cast|convert)"),
        "a conversion beyond its type's range",
    ),
    (re.compile(r"Out of Range Error"), "a value beyond the range of its type"),
    (
        re.compile(r"value is out of range for the destination type INT(?:64|32)"),
        "a long beyond the range of long",
    ),
    # Kusto's reference does not say what an integer division or modulo by zero gives.
    (re.compile(r"Division by zero in expression \(.*%"), "an integer modulo by zero"),
    (re.compile(r"Division by zero"), "an integer division by zero"),
]
# RE2's messages (DuckDB's regular expressions are RE2, as Kusto's are: re2.md): a regex the query gives
# that RE2 cannot compile is the query's error, named in its own terms.
_RE2_ERRORS = (
    r"missing \]|missing \)|unexpected \)|bad repetition operator|invalid repetition size|trailing \\"
    r"|invalid perl operator|invalid escape sequence|invalid character class(?: range)?"
    r"|no argument for repetition operator|invalid named capture group|invalid UTF-8|pattern too large"
)
_DUCKDB_FAILURES = [
    (
        re.compile(rf"(?:Invalid Input Error: |Pattern failed to parse: )({_RE2_ERRORS})"),
        "a regular expression is not valid ({0})",
    ),
    (re.compile(r"Conversion Error"), "a value could not be converted to its type"),
    (re.compile(r"Invalid Input Error: Malformed JSON"), "a dynamic value is not valid JSON"),
    # RE2's own messages for a pattern it cannot compile (Kusto's regular expressions are RE2: re2.md).
    (
        re.compile(r"Invalid Input Error: ((?:missing|invalid|bad|trailing|no argument|unexpected)[^\n]*)"),
        "the regular expression is not valid ({0})",
    ),
]
