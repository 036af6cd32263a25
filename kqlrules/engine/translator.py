"""Translate the analyzer's typed tree into one DuckDB statement.

`Translator` holds one query's state (its text, CTEs, scopes, request options, run-time guards) and is what
every stage and operator is handed; the stages themselves live in `kqlrules.engine.translation`: literals,
scopes and `let`, scalar expressions, tabular expressions. Tabular operators are in
`kqlrules.engine.operators`, functions and binary operators in `kqlrules.engine.functions`.
"""

from __future__ import annotations

from dataclasses import dataclass

from kqlrules.engine import patterns
from kqlrules.engine.context import Ctes, Position, Row, Scope
from kqlrules.engine.external import Empty, ExternalData
from kqlrules.engine.guards import Guard
from kqlrules.engine.relation import Relation
from kqlrules.engine.sql import Sql
from kqlrules.engine.translation import expressions, scopes, tabular
from kqlrules.engine.translation.nodes import describe, kusto_type
from kqlrules.engine.types import normalise_type
from kqlrules.kusto import Expansion, Node
from kqlrules.table import Column

__all__ = ["BaseTable", "Translator", "kusto_type"]


@dataclass(frozen=True)
class BaseTable:
    name: str
    columns: list[Column]


@dataclass
class _Flags:
    """What the sub-expressions translated so far hold (see `Sql`'s flags)."""

    subquery: bool = False
    window: bool = False


class Translator:
    """One query's translation. Implements the function library's `TranslationContext`."""

    def __init__(
        self,
        text: str,
        tables: dict[str, BaseTable],
        external: ExternalData | None = None,
        *,
        windowed: bool = False,
        ingestion_tables: frozenset[str] = frozenset(),
    ) -> None:
        self.text = text
        # A windowed query sees only the rows of [$span_start, $span_end) of every table with a time column,
        # as a Log Analytics query with a `timespan` does.
        self.windowed = windowed
        # Tables the query reads by name only as ingested in [$ingest_start, $ingest_end) (the runner's
        # ingestion-time scope, given as parameters: `kqlrules.engine.translation.tabular.ingestion_scoped`).
        self.ingestion_tables = ingestion_tables
        self.tables = tables
        self.external = external or ExternalData()
        self.position = Position(text)
        self.ctes = Ctes()
        self.scope = Scope()
        self.uses_now = False
        self.used_tables: set[str] = set()
        self.patterns: dict[str, patterns.Pattern] = {}  # `declare pattern` statements by name
        self.guards: list[Guard] = []
        # The request properties the query sets (`set query_bin_auto_size=1h;`): their value expressions,
        # translated only by a function that reads them.
        self.options: dict[str, Node] = {}
        # While `summarize` translates its aggregates over a serialized input: the input's row order (SQL),
        # which order-keeping aggregates (make_list) follow.
        self.input_order: str | None = None
        # One frame per scalar expression being translated: the flags of its sub-expressions.
        self._frames: list[_Flags] = []

    # -- TranslationContext ----------------------------------------------------------------------
    @property
    def now(self) -> Sql:
        self.uses_now = True
        return Sql("CAST($now AS TIMESTAMP_NS)", "datetime")

    def unsupported(self, what: str) -> Exception:
        return self.position.unsupported(what)

    def error(self, message: str) -> Exception:
        return self.position.semantic(message)

    # -- run-time guards -------------------------------------------------------------------------
    def guard(self, at: Node, sql: str, construct: str) -> None:
        """Refuse `construct` (at `at`) at run time when `sql` counts anything (`kqlrules.engine.guards`)."""
        line, col = self.position.at(at)
        self.guards.append(Guard(sql, construct, line, col))

    # -- scalar expressions ------------------------------------------------------------------------
    def expr(self, node: Node, row: Row) -> Sql:
        """`node` as SQL, flagged with what any of its sub-expressions holds (a subquery, a window)."""
        frame = _Flags()
        self._frames.append(frame)
        try:
            result = expressions.translate(self, node, row)
        finally:
            self._frames.pop()
        result = result.flagged(subquery=frame.subquery, window=frame.window)
        if self._frames:
            outer = self._frames[-1]
            outer.subquery = outer.subquery or result.subquery
            outer.window = outer.window or result.window
        return result

    def list_operand(self, node: Node, row: Row, element_type: str) -> Sql:
        return expressions.list_operand(self, node, row, element_type)

    def dynamic_member(self, base: Sql, key: str | int) -> Sql:
        return expressions.dynamic_member(base, key)

    def call_scalar(self, name: str, args: list[Sql], result_type: str, at: Node) -> Sql:
        return expressions.call_scalar(self, name, args, result_type, at)

    def source(self, node: Node) -> str:
        """The text of `node`: sliced from the query, or rebuilt from its tokens inside a function body (whose
        offsets do not index any text the engine holds)."""
        if self.position.fixed is None:
            return _utf16_slice(self.text, node.start, node.end)
        parts: list[str] = []
        for token in (n.token or "" for n in node.walk() if n.is_token):
            if parts and parts[-1][-1:].isalnum() and token[:1].isalnum():
                parts.append(" ")
            parts.append(token)
        return "".join(parts)

    # -- names, let and functions ------------------------------------------------------------------
    def set_option(self, statement: Node) -> None:
        scopes.set_option(self, statement)

    def bind_query_parameters(self, statement: Node) -> None:
        scopes.bind_query_parameters(self, statement)

    def bind_pattern(self, statement: Node) -> None:
        scopes.bind_pattern(self, statement)

    def bind_let(self, statement: Node) -> None:
        scopes.bind_let(self, statement)

    def call_user_function(
        self, node: Node, expansion: Expansion, row: Row, piped: Relation | None = None
    ) -> Sql | Relation:
        return scopes.call_user_function(self, node, expansion, row, piped)

    def body(self, body: Node, row: Row) -> Sql | Relation:
        return scopes.body(self, body, row)

    # -- tabular expressions -----------------------------------------------------------------------
    def tabular(self, node: Node, source: Relation | None = None) -> Relation:
        result = self.tabular_or_graph(node, source)
        if result.is_graph:
            raise self.position.unsupported("a graph where a table is expected", node)
        return result

    def tabular_or_graph(self, node: Node, source: Relation | None = None) -> Relation:
        """A tabular expression, or a graph (make-graph), which only graph operators take. A scalar expression
        around it does not inherit the flags of the expressions inside it (they live in its CTEs)."""
        frames, self._frames = self._frames, []
        try:
            return tabular.tabular_or_graph(self, node, source)
        finally:
            self._frames = frames

    def table(self, name: str, node: Node) -> Relation:
        return tabular.table(self, name, node)

    def external_path(self, uri: str, at: Node) -> str | Empty:
        """The local file an `externaldata` URI is read from, or `EMPTY`."""
        found = self.external.resolve(uri)
        if found is None:
            raise self.position.unsupported(
                f"externaldata from {uri} (the local engine reads only local files; map the URL to one)", at
            )
        return found

    def output_columns(self, node: Node) -> list[Column]:
        """The columns the analyzer says `node` produces."""
        columns = node.columns
        if columns is None:
            raise self.position.unsupported(describe(node), node)
        return [Column(n, normalise_type(t)) for n, t in columns]


def _utf16_slice(text: str, start: int, end: int) -> str:
    """`text[start:end]` where the offsets count UTF-16 code units, as the analyzer's do (a character beyond
    the Basic Multilingual Plane, an emoji, is two of them)."""
    if text.isascii() or all(ord(c) < 0x10000 for c in text):
        return text[start:end]
    encoded = text.encode("utf-16-le")
    return encoded[2 * start : 2 * end].decode("utf-16-le")
