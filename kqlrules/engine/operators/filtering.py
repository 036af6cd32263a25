"""Operators that keep the input's columns: where, take, sort, top, distinct, count, serialize, as."""

from __future__ import annotations

import dataclasses

from kqlrules.engine.context import Binding
from kqlrules.engine.names import name_text
from kqlrules.engine.operators.common import need_input, passthrough, row_of, select
from kqlrules.engine.operators.registry import operator
from kqlrules.engine.relation import ORDER, Relation
from kqlrules.engine.sql import quote_identifier
from kqlrules.engine.translator import Translator
from kqlrules.kusto import Node
from kqlrules.table import Column


@operator("FilterOperator")
def where(t: Translator, node: Node, source: Relation | None) -> Relation:
    source = need_input(t, node, source)
    _no_parameters(t, node)
    cond = node.get("Condition")
    assert cond is not None
    test = t.expr(cond, row_of(source))
    # WHERE and QUALIFY drop a row whose condition is null as they drop one whose condition is false, so
    # the condition goes bare: wrapped in coalesce(..., FALSE) DuckDB cannot push it into the table scan.
    if test.window:
        # prev()/next()/row_number() are window functions: SQL filters on them with QUALIFY.
        return select(t, source, passthrough(source), suffix=f" QUALIFY {test.text}")
    return select(t, source, passthrough(source), where=test.text)


def _no_parameters(t: Translator, node: Node) -> None:
    params = node.elements("Parameters")
    if params:
        raise t.position.unsupported(f"the parameter {t.source(params[0])}", params[0])


def _count_value(t: Translator, node: Node) -> str:
    expression = node.get("Expression")
    assert expression is not None
    value = t.expr(expression, row_of(Relation("", [])))
    if value.type not in ("long", "int"):
        raise t.position.semantic("the row count must be a number", expression)
    return f"greatest(CAST({value.text} AS BIGINT), 0)"


@operator("TakeOperator")
def take(t: Translator, node: Node, source: Relation | None) -> Relation:
    source = need_input(t, node, source)
    _no_parameters(t, node)
    order = f" ORDER BY {ORDER}" if source.ordered else ""
    return select(t, source, passthrough(source), suffix=f"{order} LIMIT {_count_value(t, node)}")


def order_terms(t: Translator, nodes: list[Node], source: Relation) -> list[str]:
    """Kusto ordering: `desc` by default; nulls first for asc and last for desc unless stated."""
    row = row_of(source)
    terms = []
    for item in nodes:
        expression, ordering = item, None
        if item.kind == "OrderedExpression":
            expression = item.get("Expression") or item
            ordering = item.get("Ordering")
        descending = True
        nulls_first: bool | None = None
        if ordering is not None:
            tokens = [n.token.lower() for n in ordering.walk() if n.is_token and n.token]
            if "asc" in tokens:
                descending = False
            if "first" in tokens:
                nulls_first = True
            elif "last" in tokens:
                nulls_first = False
        if nulls_first is None:
            nulls_first = not descending
        value = t.expr(expression, row)
        if value.type == "dynamic":
            raise t.position.unsupported("sorting by a dynamic value", expression)
        nulls = "FIRST" if nulls_first else "LAST"
        if value.type == "real":
            # sort-operator.md, "Using special floating-point values": NaN sorts with the nulls (between them
            # and the numbers), whatever the direction; DuckDB puts NaN above +inf.
            number = f"(CASE WHEN isnan({value.text}) THEN NULL ELSE {value.text} END)"
            terms.append(f"{number} {'DESC' if descending else 'ASC'} NULLS {nulls}")
            terms.append(f"isnan({value.text}) ASC NULLS {nulls}")
            continue
        terms.append(f"{value.text} {'DESC' if descending else 'ASC'} NULLS {nulls}")
    return terms


@operator("SortOperator")
def sort(t: Translator, node: Node, source: Relation | None) -> Relation:
    source = need_input(t, node, source)
    _no_parameters(t, node)
    terms = order_terms(t, node.elements("Expressions"), source)
    return _numbered(t, source, terms)


def _numbered(t: Translator, source: Relation, terms: list[str], limit: str = "") -> Relation:
    if source.ordered:
        terms = [*terms, ORDER]
    window = f"row_number() OVER (ORDER BY {', '.join(terms)})" if terms else "row_number() OVER ()"
    columns = ", ".join(f"{quote_identifier(c.name)}" for c in source.columns)
    inner = f"SELECT {columns}{', ' if columns else ''}{window} AS {ORDER} FROM {source.name}"
    if limit:
        inner = f"SELECT * FROM ({inner}) WHERE {ORDER} <= {limit}"
    return t.ctes.add(inner, source.columns, ordered=True, sources=source.sources)


@operator("TopOperator")
def top(t: Translator, node: Node, source: Relation | None) -> Relation:
    source = need_input(t, node, source)
    _no_parameters(t, node)
    by = node.get("ByExpression")
    assert by is not None
    terms = order_terms(t, [by], source)
    return _numbered(t, source, terms, limit=_count_value(t, node))


@operator("SerializeOperator")
def serialize(t: Translator, node: Node, source: Relation | None) -> Relation:
    source = need_input(t, node, source)
    _no_parameters(t, node)
    if node.elements("Expressions"):
        from kqlrules.engine.operators.projection import extend

        source = _numbered(t, source, []) if not source.ordered else source
        return extend(t, node, source)
    return source if source.ordered else _numbered(t, source, [])


@operator("DistinctOperator")
def distinct(t: Translator, node: Node, source: Relation | None) -> Relation:
    source = need_input(t, node, source)
    _no_parameters(t, node)
    items = node.elements("Expressions")
    columns = t.output_columns(node)
    if len(items) == 1 and items[0].kind == "StarExpression":
        parts = passthrough(source, columns)
    else:
        row = row_of(source)
        parts = []
        for column, item in zip(columns, items, strict=True):
            value = t.expr(item, row)
            parts.append((column, value.text))
    body = ", ".join(f"{text} AS {quote_identifier(c.name)}" for c, text in parts)
    return t.ctes.add(f"SELECT DISTINCT {body} FROM {source.name}", columns, sources=source.sources)


@operator("CountOperator")
def count(t: Translator, node: Node, source: Relation | None) -> Relation:
    source = need_input(t, node, source)
    columns = t.output_columns(node)
    name = quote_identifier(columns[0].name)
    return t.ctes.add(f"SELECT count(*) AS {name} FROM {source.name}", columns)


@operator("InvokeOperator")
def invoke(t: Translator, node: Node, source: Relation | None) -> Relation:
    source = need_input(t, node, source)
    call = node.get("Function")
    expansion = call.expansion if call is not None else None
    if call is None or expansion is None:
        raise t.position.unsupported("invoke of this function", node)
    result = t.call_user_function(call, expansion, row_of(source), source)
    if not isinstance(result, Relation):
        raise t.position.semantic("invoke needs a function that returns a table", node)
    return result


@operator("AsOperator")
def as_(t: Translator, node: Node, source: Relation | None) -> Relation:
    source = need_input(t, node, source)
    for param in node.elements("Parameters"):
        if "hint.materialized" not in t.source(param).lower():
            raise t.position.unsupported(f"the parameter {t.source(param)}", param)
    declared = node.get("Name")
    assert declared is not None
    named = dataclasses.replace(source, alias=name_text(declared))
    t.scope.names[name_text(declared)] = Binding(relation=named)
    return named


def columns_named(source: Relation, names: list[str]) -> list[Column]:
    return [c for name in names for c in source.columns if c.name == name]
