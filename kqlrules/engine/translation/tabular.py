"""Tabular expressions: pipes, names of tables and `let` tables, `materialize`, `table()`, and the dispatch
to the tabular operators (`kqlrules.engine.operators`, one module per family)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kqlrules.engine import patterns
from kqlrules.engine.context import Row
from kqlrules.engine.names import name_text
from kqlrules.engine.relation import Relation
from kqlrules.engine.sql import plain_identifier, quote_identifier
from kqlrules.engine.storage import stored_names
from kqlrules.engine.translation.nodes import describe, only
from kqlrules.engine.translation.scopes import call_user_function, relation_binding
from kqlrules.engine.translation.special_calls import TIME_COLUMN, ingestion_time
from kqlrules.kusto import Node

if TYPE_CHECKING:
    from kqlrules.engine.translator import BaseTable, Translator


def tabular_or_graph(t: Translator, node: Node, source: Relation | None = None) -> Relation:
    """A tabular expression, or a graph (make-graph), which only graph operators take."""
    from kqlrules.engine.operators import OPERATORS

    if node.kind == "PipeExpression":
        left = tabular_or_graph(t, only(node, "Expression"), source)
        return tabular_or_graph(t, only(node, "Operator"), left)
    if node.kind == "ParenthesizedExpression":
        return tabular_or_graph(t, only(node, "Expression"), source)
    if patterns.is_invocation(node):
        return patterns.invoke(t, node, t.patterns)
    if node.kind in ("FunctionCallExpression", "NameReference") and node.expansion is not None:
        result = call_user_function(t, node, node.expansion, Row.empty(), source)
        if not isinstance(result, Relation):
            raise t.position.unsupported("a scalar function used as a table", node)
        return result
    if node.kind == "NameReference":
        return named_relation(t, node)
    if node.kind == "FunctionCallExpression":
        return _table_function(t, node)
    if node.kind == "MaterializeExpression":
        inner = t.tabular(only(node, "Expression"), source)
        columns = ", ".join([quote_identifier(c.name) for c in inner.columns] + inner.order_column())
        kept = t.ctes.add(f"SELECT {columns} FROM {inner.name}", inner.columns, ordered=inner.ordered)
        t.ctes.materialized.add(kept.name)
        return kept
    handler = OPERATORS.get(node.kind)
    if handler is None:
        raise t.position.unsupported(describe(node), node)
    if source is not None and source.is_graph and not node.kind.startswith("Graph"):
        raise t.position.unsupported(f"{describe(node)} over a graph", node)
    t.position.node = node
    return handler(t, node, source)


def _table_function(t: Translator, node: Node) -> Relation:
    name_node = node.get("Name")
    name = name_text(name_node) if name_node is not None else ""
    if name == "table":
        args = node.arguments()
        value = t.expr(args[0], Row.empty()) if args else None
        if value is None or not value.constant or not isinstance(value.value, str):
            raise t.position.unsupported("table() with a computed name", node)
        return table(t, value.value, node)
    raise t.position.unsupported(f"the function {name}() as a table", node)


def named_relation(t: Translator, node: Node) -> Relation:
    name = name_text(node)
    symbol = node.symbol
    if symbol and symbol[1] in ("Variable", "Parameter"):
        binding = t.scope.find(name)
        if binding is None:
            raise t.position.semantic(f"{name} is not defined", node)
        return relation_binding(t, name, binding, node)
    if symbol and symbol[1] == "Table":
        # Outside any function body a table's name means what a `let` of the same name at the query's top
        # would shadow: an ingestion-scoped table is narrowed here (see `ingestion_scoped`).
        return table(t, name, node, shadowable=t.position.fixed is None)
    raise t.position.unsupported(f"the name {name} as a table", node)


def table(t: Translator, name: str, node: Node, *, shadowable: bool = False) -> Relation:
    """A loaded table; in a windowed query, only its rows of [$span_start, $span_end). A table named by
    its name (`shadowable`) in an ingestion-scoped translation: only its rows ingested in
    [$ingest_start, $ingest_end)."""
    found = t.tables.get(name)
    if found is None:
        raise t.position.semantic(f"the table {name} is not loaded", node)
    if found.name in t.ingestion_tables:
        if not shadowable:
            # `table("T")`, `union T*`, a stored function's body: places a `let T` may not reach. The
            # caller runs the query with the scope's `let` lines instead.
            raise t.position.unsupported(f"the ingestion-scoped table {name} read other than by its name")
        return ingestion_scoped(t, _table(t, found), node)
    return _table(t, found)


def ingestion_scoped(t: Translator, relation: Relation, node: Node) -> Relation:
    """`relation | where ingestion_time() >= $ingest_start and ingestion_time() < $ingest_end`: what the
    runner's `let T = T | where ingestion_time() >= datetime(S) and ingestion_time() < datetime(E);`
    (`kqlrules.runner.ingestion`) makes of T, with the bounds given when the plan runs, so the translation
    is the same for every window."""
    ingested = ingestion_time(t, node, Row.of(relation)).text
    start, end = (f"CAST(${name} AS TIMESTAMP_NS)" for name in ("ingest_start", "ingest_end"))
    bounds = f"{ingested} >= {start} AND {ingested} < {end}"
    return t.ctes.add(
        f"SELECT * FROM {relation.name} WHERE {bounds}", relation.columns, sources=relation.sources
    )


def _table(t: Translator, found: BaseTable) -> Relation:
    t.used_tables.add(found.name)
    relation = Relation(plain_identifier(found.name), list(found.columns), sources=(found.name,))
    pairs = list(zip(found.columns, stored_names(found.columns), strict=True))
    if any(quote_identifier(c.name) != plain_identifier(s) for c, s in pairs):
        # Names equal but for case: the stored columns under the names this query's translation uses.
        select = ", ".join(f"{plain_identifier(s)} AS {quote_identifier(c.name)}" for c, s in pairs)
        relation = t.ctes.add(
            f"SELECT {select} FROM {relation.name}", relation.columns, sources=relation.sources
        )
    if t.windowed and any(c.name == TIME_COLUMN for c in found.columns):
        time = quote_identifier(TIME_COLUMN)
        return t.ctes.add(
            f"SELECT * FROM {relation.name} WHERE {time} >= $span_start AND {time} < $span_end",
            relation.columns,
            sources=relation.sources,
        )
    return relation
