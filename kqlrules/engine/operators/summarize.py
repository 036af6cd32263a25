"""summarize: group keys first, then aggregates, named as the analyzer names them (`count_`, ...)."""

from __future__ import annotations

from kqlrules.engine.context import Row
from kqlrules.engine.names import name_text
from kqlrules.engine.operators.common import cast_to, need_input, row_of
from kqlrules.engine.operators.projection import implicit_name, named_items
from kqlrules.engine.operators.registry import operator
from kqlrules.engine.relation import ORDER, Relation
from kqlrules.engine.sql import Sql, quote_identifier
from kqlrules.engine.translator import Translator
from kqlrules.kusto import Node
from kqlrules.table import Column

_ARG_EXTREMES = {"arg_max": "arg_max", "arg_min": "arg_min"}


@operator("SummarizeOperator")
def summarize(t: Translator, node: Node, source: Relation | None) -> Relation:
    source = need_input(t, node, source)
    for param in node.elements("Parameters"):
        if not t.source(param).lower().startswith("hint."):
            raise t.position.unsupported(f"the parameter {t.source(param)}", param)
    output = t.output_columns(node)
    by_clause = node.get("ByClause")
    keys = named_items(t, by_clause) if by_clause is not None else []
    aggregates = named_items(t, node, "Aggregates", compound=True)
    key_columns = output[: len(keys)]
    aggregate_columns = output[len(keys) :]
    row = row_of(source)
    group: list[str] = []
    select_parts: list[str] = []
    for column, (_, expression) in zip(key_columns, keys, strict=True):
        value = t.expr(expression, row)
        group.append(value.text)
        select_parts.append(f"{cast_to(value, column.type)} AS {quote_identifier(column.name)}")
    agg_row = Row(dict(row.columns), aggregates=True)
    unpack: list[tuple[Column, str]] = []
    remaining = list(aggregate_columns)
    t.input_order = ORDER if source.ordered else None
    try:
        select_parts, unpack = _aggregates(t, aggregates, keys, remaining, agg_row, source, select_parts)
    finally:
        t.input_order = None
    sql = f"SELECT {', '.join(select_parts) or 'count(*) AS __kql_count'} FROM {source.name}"
    if group:
        sql += " GROUP BY " + ", ".join(f"{i}" for i in range(1, len(group) + 1))
        if source.ordered:
            # summarize's output order is not documented; over an ordered input (range, a sort) the groups
            # come in order of first appearance, as the reference's examples print them, rather than in
            # whatever order DuckDB's hash table gives.
            sql += f" ORDER BY min({ORDER})"
    output = key_columns + [c for c, _ in unpack]
    relation = t.ctes.add(sql, output)
    if any(text != quote_identifier(c.name) for c, text in unpack):
        keys_sql = [quote_identifier(c.name) for c in key_columns]
        parts = keys_sql + [f"{text} AS {quote_identifier(c.name)}" for c, text in unpack]
        relation = t.ctes.add(f"SELECT {', '.join(parts)} FROM {relation.name}", output)
    if not keys and not aggregates:
        raise t.position.semantic("summarize needs aggregates or keys", node)
    return relation


# Kusto names an unnamed covariance(x, y) `covariance_x_y` (the analyzer says `covariance_x`).
_PAIR_AGGREGATES = frozenset({"covariance", "covarianceif", "covariancep", "covariancepif"})


def _pair_name(t: Translator, call: str, expression: Node) -> str:
    args = expression.arguments()
    names = [implicit_name(t, arg) for arg in args[:2]]
    if len(names) != 2 or names[0] is None or names[1] is None:
        raise t.position.unsupported(f"the name Kusto gives an unnamed {call}() of expressions", expression)
    return f"{call}_{names[0]}_{names[1]}"


# percentiles(x, p1, p2...) gives one column per percentile (percentilesw after its weight argument).
_MULTI_PERCENTILES = {"percentiles": 1, "percentilesw": 2}


def _percentiles(
    t: Translator, call: str, expression: Node, remaining: list[Column], row: Row
) -> tuple[int, list[str], list[tuple[Column, str]]]:
    from kqlrules.engine.functions.registry import AGGREGATES, Call

    leading = _MULTI_PERCENTILES[call]
    args = [t.expr(arg, row) for arg in expression.arguments()]
    if len(args) <= leading:
        raise t.position.semantic(f"{call}() needs a percentile", expression)
    percents = args[leading:]
    columns = remaining[: len(percents)]
    if len(columns) != len(percents):
        raise t.position.unsupported(f"the columns of {call}()", expression)
    parts: list[str] = []
    unpacked: list[tuple[Column, str]] = []
    for column, percent in zip(columns, percents, strict=True):
        t.position.node = expression
        value = AGGREGATES[call](t, Call(call, [*args[:leading], percent], column.type))
        parts.append(f"{cast_to(value, column.type)} AS {quote_identifier(column.name)}")
        unpacked.append((column, quote_identifier(column.name)))
    return len(columns), parts, unpacked


def _any_row(
    t: Translator, expression: Node, remaining: list[Column], row: Row, source: Relation, key_names: set[str]
) -> tuple[int, list[str], list[tuple[Column, str]]]:
    """take_any(*) or take_any(a, b, ...): the columns (but the plain group keys) or the expressions of one
    arbitrary row, all from the same row (take-any-aggregation-function.md: "returns the value of one or
    more expressions over each such record"; the non-empty preference is stated for one column only)."""
    arguments = expression.arguments()
    if any(a.kind == "StarExpression" for a in arguments):
        if len(arguments) != 1:
            raise t.position.unsupported("take_any() of * and other arguments", expression)
        values = [row.columns[c.name] for c in source.columns if c.name not in key_names]
    else:
        values = [t.expr(argument, row) for argument in arguments]
    columns = remaining[: len(values)]
    if len(columns) != len(values) or not values:
        raise t.position.unsupported("the columns of take_any(*)", expression)
    alias = f"__kql_any_{len(remaining)}"
    fields = ", ".join(f"'f{index}': {value.text}" for index, value in enumerate(values))
    unpacked = [(column, f"{alias}.f{index}") for index, column in enumerate(columns)]
    return len(columns), [f"any_value({{{fields}}}) AS {alias}"], unpacked


def _call_name(expression: Node) -> str | None:
    if expression.kind == "FunctionCallExpression":
        name = expression.get("Name")
        return name_text(name) if name is not None else None
    return None


def _arg_extreme(
    t: Translator,
    expression: Node,
    name: str | None,
    remaining: list[Column],
    row: Row,
    source: Relation,
    key_names: set[str],
) -> tuple[int, list[str], list[tuple[Column, str]]]:
    """arg_max(by, cols...): the whole row where `by` is largest, as one struct so every column agrees."""
    func = _call_name(expression) or ""
    args = expression.arguments()
    if not args:
        raise t.position.unsupported(f"{func}() without arguments", expression)
    by = t.expr(args[0], row)
    if by.type == "dynamic":
        raise t.position.unsupported(f"{func}() by a dynamic value", expression)
    # The analyzer's columns follow the arguments in order: `*` stands for the input's columns except the
    # group keys and the `by` column that are plain column references (others keep theirs, renamed).
    by_name = implicit_name(t, args[0])
    values: list[Sql] = []
    for arg in args[1:]:
        if arg.kind == "StarExpression":
            for column in source.columns:
                if column.name not in key_names and column.name != by_name:
                    values.append(row.columns[column.name])
        elif arg.kind == "SimpleNamedExpression":
            inner = arg.get("Expression")
            assert inner is not None
            values.append(t.expr(inner, row))
        else:
            values.append(t.expr(arg, row))
    columns = remaining[: 1 + len(values)]
    if len(columns) != 1 + len(values):
        raise t.position.unsupported(f"the columns of {func}()", expression)
    fields = ", ".join(f"'f{index}': {value.text}" for index, value in enumerate(values))
    struct = f"'by': {by.text}" + (f", {fields}" if fields else "")
    alias = f"__kql_{func}_{len(remaining)}"
    # arg-max-aggregation-function.md's null example: a group whose `by` is null on every row still gives
    # one of its rows (Banana | <null> | Yellow), so the row falls back to the group's first.
    parts = [f"COALESCE({func}({{{struct}}}, {by.text}), first({{{struct}}})) AS {alias}"]
    unpacked: list[tuple[Column, str]] = [(columns[0], f"{alias}.by")]
    for index, column in enumerate(columns[1:]):
        unpacked.append((column, f"{alias}.f{index}"))
    return len(columns), parts, unpacked


def _aggregates(
    t: Translator,
    aggregates: list[tuple[str | None, Node]],
    keys: list[tuple[str | None, Node]],
    remaining: list[Column],
    agg_row: Row,
    source: Relation,
    select_parts: list[str],
) -> tuple[list[str], list[tuple[Column, str]]]:
    """The select list's aggregate parts, and the (column, SQL) each output column is read back with."""
    select_parts = list(select_parts)
    unpack: list[tuple[Column, str]] = []
    for name, expression in aggregates:
        call = _call_name(expression)
        if call in _ARG_EXTREMES:
            key_names = {n for key_name, e in keys if key_name is None and (n := implicit_name(t, e))}
            used, parts, unpacked = _arg_extreme(t, expression, name, remaining, agg_row, source, key_names)
            remaining = remaining[used:]
            select_parts.extend(parts)
            unpack.extend(unpacked)
            continue
        if call in ("take_any", "any") and (
            len(expression.arguments()) > 1 or any(a.kind == "StarExpression" for a in expression.arguments())
        ):
            key_names = {n for key_name, e in keys if key_name is None and (n := implicit_name(t, e))}
            used, parts, unpacked = _any_row(t, expression, remaining, agg_row, source, key_names)
            remaining = remaining[used:]
            select_parts.extend(parts)
            unpack.extend(unpacked)
            continue
        if call in _MULTI_PERCENTILES and name is None:
            used, parts, unpacked = _percentiles(t, call, expression, remaining, agg_row)
            remaining = remaining[used:]
            select_parts.extend(parts)
            unpack.extend(unpacked)
            continue
        if not remaining or expression.columns is not None:
            raise t.position.unsupported("this aggregate's output columns", expression)
        column = remaining.pop(0)
        if name is None and call in _PAIR_AGGREGATES:
            column = Column(_pair_name(t, call, expression), column.type)
        value = t.expr(expression, agg_row)
        select_parts.append(f"{cast_to(value, column.type)} AS {quote_identifier(column.name)}")
        unpack.append((column, quote_identifier(column.name)))
    return select_parts, unpack
