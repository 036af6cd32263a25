"""Helpers the operator families share: building SELECTs that keep Kusto's column order and row order."""

from __future__ import annotations

from collections.abc import Collection

from kqlrules.engine.context import Row
from kqlrules.engine.relation import ORDER, Relation
from kqlrules.engine.sql import Sql, quote_identifier
from kqlrules.engine.translator import Translator
from kqlrules.kusto import Node
from kqlrules.table import Column


def need_input(t: Translator, node: Node, source: Relation | None) -> Relation:
    if source is None:
        raise t.position.unsupported(f"{node.kind} without an input table", node)
    return source


def select(
    t: Translator,
    source: Relation,
    items: list[tuple[Column, str]],
    *,
    where: str | None = None,
    keep_order: bool = True,
    suffix: str = "",
) -> Relation:
    """`SELECT items FROM source [WHERE ...]` as a new CTE; keeps the row order column when asked."""
    parts = [f"{text} AS {quote_identifier(column.name)}" for column, text in items]
    ordered = keep_order and source.ordered
    if ordered:
        parts.append(ORDER)
    sql = f"SELECT {', '.join(parts) or 'NULL AS __kql_empty'} FROM {source.name}"
    if where:
        sql += f" WHERE {where}"
    sql += suffix
    return t.ctes.add(sql, [c for c, _ in items], ordered=ordered, sources=source.sources)


def passthrough(source: Relation, columns: list[Column] | None = None) -> list[tuple[Column, str]]:
    return [(c, quote_identifier(c.name)) for c in (columns if columns is not None else source.columns)]


def condition(sql: Sql) -> str:
    return f"coalesce({sql.text}, FALSE)" if sql.type == "bool" else sql.text


def row_of(source: Relation) -> Row:
    return Row.of(source)


def cast_to(sql: Sql, kusto_type: str) -> str:
    """Make a value the Kusto type the analyzer expects (string nulls become '')."""
    from kqlrules.engine.types import DUCKDB_TYPES

    if kusto_type == "string" and sql.type == "string" and sql.constant:
        return sql.text
    if kusto_type == "string":
        return f"coalesce(CAST({sql.text} AS VARCHAR), '')" if sql.type != "string" else sql.text
    if sql.type == kusto_type:
        return sql.text
    duck = DUCKDB_TYPES.get(kusto_type)
    return f"CAST({sql.text} AS {duck})" if duck else sql.text


def lookup_columns(
    t: Translator,
    node: Node,
    source_names: Collection[str],
    lookup_names: Collection[str],
    keep_unmatched: bool,
    plugin: str,
) -> list[str]:
    """The select list of a lookup plugin's join (`l` the input, `r` the lookup table): the analyzer's output
    columns from either side; with `return_unmatched`, an unmatched row's lookup strings are empty, as
    Kusto's unmatched string columns are."""
    parts = []
    for out in t.output_columns(node):
        if out.name in source_names:
            parts.append(f"l.{quote_identifier(out.name)} AS {quote_identifier(out.name)}")
        elif out.name in lookup_names:
            text = f"r.{quote_identifier(out.name)}"
            if keep_unmatched and out.type == "string":
                text = f"coalesce({text}, '')"
            parts.append(f"{text} AS {quote_identifier(out.name)}")
        else:
            raise t.position.unsupported(f"the columns of this {plugin}", node)
    return parts
