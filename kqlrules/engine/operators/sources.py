"""Operators that make rows from nothing: print, datatable, range."""

from __future__ import annotations

from kqlrules.engine.context import Row
from kqlrules.engine.operators.common import cast_to
from kqlrules.engine.operators.projection import assign_names, fields_of, named_items, with_fields
from kqlrules.engine.operators.registry import operator
from kqlrules.engine.relation import Relation
from kqlrules.engine.sql import quote_identifier
from kqlrules.engine.translator import Translator
from kqlrules.engine.types import DUCKDB_TYPES
from kqlrules.kusto import Node


def _no_input(t: Translator, node: Node, source: Relation | None) -> None:
    if source is not None:
        raise t.position.semantic(f"{t.source(node).split()[0]} takes no input table", node)


@operator("PrintOperator")
def print_(t: Translator, node: Node, source: Relation | None) -> Relation:
    _no_input(t, node, source)
    output = t.output_columns(node)
    compound = named_items(t, node, compound=True)
    if any(fields_of(t, e) for _, e in compound):
        # A function making several columns (series_stats, array_sort_asc of several arrays...).
        values = with_fields(t, compound, output, Row.empty(), node)
        return t.ctes.add(
            f"SELECT {', '.join(f'{values[c.name]} AS {quote_identifier(c.name)}' for c in output)}", output
        )
    pairs = assign_names(t, named_items(t, node), set(), output)
    by_name = {name: expression for name, expression in pairs}
    row = Row.empty()
    parts = []
    for column in output:
        value = t.expr(by_name[column.name], row)
        parts.append(f"{cast_to(value, column.type)} AS {quote_identifier(column.name)}")
    return t.ctes.add(f"SELECT {', '.join(parts)}", output)


@operator("DataTableExpression")
def datatable(t: Translator, node: Node, source: Relation | None) -> Relation:
    _no_input(t, node, source)
    output = t.output_columns(node)
    values = node.elements("Values")
    width = len(output)
    if width == 0 or len(values) % width:
        raise t.position.semantic("datatable: the number of values is not a multiple of the columns", node)
    row = Row.empty()
    rows = []
    for start in range(0, len(values), width):
        cells = []
        for column, cell in zip(output, values[start : start + width], strict=True):
            value = t.expr(cell, row)
            cells.append(_cell(t, value.text, value.type, column.type, cell))
        rows.append("(" + ", ".join(cells) + ")")
    names = ", ".join(quote_identifier(c.name) for c in output)
    if not rows:
        empty = ", ".join(
            f"CAST(NULL AS {DUCKDB_TYPES[c.type]}) AS {quote_identifier(c.name)}" for c in output
        )
        return t.ctes.add(f"SELECT {empty} WHERE FALSE", output)
    sql = f"SELECT * FROM (VALUES {', '.join(rows)}) AS v({names})"
    return t.ctes.add(sql, output, ordered=False)


def _cell(t: Translator, text: str, have: str, want: str, node: Node) -> str:
    if have == want:
        return text
    if want == "dynamic":
        if have in ("long", "int", "real", "bool", "string"):
            return f"CAST(to_json({text}) AS JSON)"
        raise t.position.unsupported(f"a {have} value in a dynamic datatable column", node)
    if want in ("long", "int", "real", "decimal") and have in ("long", "int", "real", "decimal"):
        return f"CAST({text} AS {DUCKDB_TYPES[want]})"
    if text.startswith("CAST(NULL"):
        return f"CAST(NULL AS {DUCKDB_TYPES[want]})" if want != "string" else "''"
    raise t.position.semantic(f"datatable: a {have} value in a {want} column", node)


@operator("RangeOperator")
def range_(t: Translator, node: Node, source: Relation | None) -> Relation:
    _no_input(t, node, source)
    output = t.output_columns(node)
    row = Row.empty()
    parts = [node.get(f) for f in ("From", "To", "Step")]
    if any(p is None for p in parts):
        raise t.position.semantic("range needs from, to and step", node)
    start, stop, step = (t.expr(p, row) for p in parts if p is not None)
    name = quote_identifier(output[0].name)
    kind = output[0].type
    if kind in ("long", "int", "real"):
        sql = f"SELECT range AS {name} FROM range({start.text}, {stop.text} + {step.text}, {step.text})"
        if kind == "real":
            sql = (
                f"SELECT {start.text} + i * {step.text} AS {name} FROM "
                f"range(0, CAST(floor(({stop.text} - {start.text}) / {step.text}) AS BIGINT) + 1) AS r(i)"
            )
        else:
            sql = (
                f"SELECT CAST({start.text} + i * {step.text} AS BIGINT) AS {name} FROM "
                f"range(0, CAST(floor(({stop.text} - {start.text}) / {step.text}) AS BIGINT) + 1) AS r(i)"
            )
    elif kind == "datetime" and step.type == "timespan":
        # On ticks (100 ns), in integers: every value exact to the tick.
        first, span = f"kql_ticks({start.text})", f"(kql_ticks({stop.text}) - kql_ticks({start.text}))"
        steps = (
            f"(CASE WHEN {step.text} > 0 THEN kql_floor_div({span}, {step.text}) "
            f"ELSE kql_floor_div(-{span}, -({step.text})) END)"
        )
        sql = (
            f"SELECT kql_from_ticks({first} + i * {step.text}) AS {name} FROM "
            f"range(0, {steps} + 1) AS r(i)"
        )
    elif kind == "timespan":
        sql = (
            f"SELECT CAST({start.text} + i * {step.text} AS BIGINT) AS {name} FROM "
            f"range(0, CAST(floor(({stop.text} - {start.text}) / {step.text}) AS BIGINT) + 1) AS r(i)"
        )
    else:
        raise t.position.unsupported(f"range over {kind}", node)
    return t.ctes.add(f"SELECT *, row_number() OVER () AS __kql_order FROM ({sql})", output, ordered=True)
