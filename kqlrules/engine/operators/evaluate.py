"""evaluate: `bag_unpack` and `pivot` here, the other plugins in the `PLUGINS` table (`plugin(...)`)."""

from __future__ import annotations

from kqlrules.engine.names import name_text
from kqlrules.engine.operators.common import need_input, row_of
from kqlrules.engine.operators.registry import PLUGINS, operator
from kqlrules.engine.relation import Relation
from kqlrules.engine.sql import Sql, quote_identifier, quote_string
from kqlrules.engine.staging import SchemaFromData
from kqlrules.engine.translator import Translator
from kqlrules.engine.types import DUCKDB_TYPES
from kqlrules.kusto import Node


@operator("EvaluateOperator")
def evaluate(t: Translator, node: Node, source: Relation | None) -> Relation:
    call = node.get("FunctionCall")
    name_node = call.get("Name") if call is not None else None
    name = name_text(name_node) if name_node is not None else ""
    if call is not None and name == "bag_unpack":
        return bag_unpack(t, node, call, need_input(t, node, source))
    if call is not None and name == "pivot":
        return pivot(t, node, need_input(t, node, source))
    translate = PLUGINS.get(name)
    if call is not None and translate is not None:
        return translate(t, node, call, need_input(t, node, source))
    reason = _NOT_REPRODUCED.get(name)
    if reason is not None and call is not None and source is not None:
        return _patterns_of_no_rows(t, node, need_input(t, node, source), f"evaluate {name} ({reason})")
    if reason is not None:
        raise t.position.unsupported(f"evaluate {name} ({reason})", node)
    raise t.position.unsupported(f"evaluate {name or t.source(node)}", node)


# Plugins whose output the reference does not pin down (learn.microsoft.com/kusto/query/<name>-plugin).
_NOT_REPRODUCED = {
    "autocluster": "its seed-and-grow search for segments is not specified to the point of giving its rows",
    "basket": "which frequent patterns it keeps and how it orders them are not specified",
    "diffpatterns": "its search for the differing segments is not specified to the point of giving its rows",
}


def _patterns_of_no_rows(t: Translator, node: Node, source: Relation, construct: str) -> Relation:
    """A pattern plugin finds patterns that hold for a share of the input's rows (basket: "a pattern
    represents a subset of the rows", kept when its ratio of the rows passes the threshold): an input with no
    row has none, so the plan answers an empty input with the analyzer's columns and no row, and refuses any
    other at run time, since which patterns it keeps is not specified."""
    output = t.output_columns(node)
    t.guard(node, f"SELECT count(*) FROM {source.name}", f"{construct}, over rows")
    parts = [
        f"CAST(NULL AS {DUCKDB_TYPES.get(c.type, 'VARCHAR')}) AS {quote_identifier(c.name)}" for c in output
    ]
    return t.ctes.add(f"SELECT {', '.join(parts) or 'NULL AS __kql_empty'} WHERE FALSE", output)


def pivot(t: Translator, node: Node, source: Relation) -> Relation:
    """pivot's columns are the pivoted column's values: the plan answers for an empty input only (no rows,
    the analyzer's columns) and refuses any other at run time."""
    output = t.output_columns(node)
    t.guard(node, f"SELECT count(*) FROM {source.name}", "evaluate pivot() over rows")
    parts = [
        f"CAST(NULL AS {DUCKDB_TYPES.get(c.type, 'VARCHAR')}) AS {quote_identifier(c.name)}" for c in output
    ]
    return t.ctes.add(f"SELECT {', '.join(parts) or 'NULL AS __kql_empty'} WHERE FALSE", output)


def bag_unpack(t: Translator, node: Node, call: Node, source: Relation) -> Relation:
    """One column per key of the bag. Without an output schema the columns depend on the data: the engine
    stages the query (`kqlrules.engine.staging`); where it cannot (inside a function body, with options) the
    plan answers only when no row has a key (the analyzer's columns), and refuses otherwise."""
    named = [a for a in call.arguments() if a.kind == "SimpleNamedExpression"]
    args = [a for a in call.arguments() if a.kind != "SimpleNamedExpression"]
    row = row_of(source)
    if not args:
        raise t.position.unsupported("bag_unpack() without a bag", call)
    bag = t.expr(args[0], row)
    if bag.type != "dynamic" or args[0].kind != "NameReference":
        raise t.position.unsupported("bag_unpack() of a computed value", call)
    prefix = ""
    if len(args) > 1:
        value = t.expr(args[1], row)
        if not value.constant or not isinstance(value.value, str):
            raise t.position.unsupported("bag_unpack() with a computed prefix", call)
        prefix = value.value
    if len(args) > 2:
        raise t.position.unsupported("bag_unpack() with column conflict or ignored-property arguments", call)
    bag_name = name_text(args[0])
    output = t.output_columns(node)
    inputs = {c.name for c in source.columns}
    has_schema = node.get("Schema") is not None or any(c.name not in inputs for c in output)
    if not has_schema and not named and t.position.fixed is None:
        # The columns depend on the data: the engine reads the bags, then plans the query with a schema.
        line, col = t.position.at(node)
        probe = t.ctes.render(f"SELECT CAST({bag.text} AS VARCHAR) FROM {source.name}")
        others = [c for c in source.columns if c.name != bag_name]
        raise SchemaFromData(line, col, probe, call.end, others, prefix, tuple(sorted(t.used_tables)))
    for argument in named:
        name_node = argument.get("Name")
        option = name_text(name_node) if name_node is not None else ""
        # Both options act on the bags' keys only, and without a schema the plan answers for keyless bags.
        if option not in ("columnsConflict", "ignoredProperties") or has_schema:
            raise t.position.unsupported(f"bag_unpack() with {option}=", argument)
    parts = []
    for column in output:
        if column.name in inputs and column.name != bag_name:
            parts.append(quote_identifier(column.name))
            continue
        if not column.name.startswith(prefix):
            raise t.position.unsupported("bag_unpack() into this output schema", node)
        key = column.name[len(prefix) :]
        path = quote_string("$." + '"' + key.replace('"', '\\"') + '"')
        element = Sql(f"json_extract({bag.text}, {path})", "dynamic")
        parts.append(f"{_from_json(element, column.type)} AS {quote_identifier(column.name)}")
    if not has_schema:
        line, col = t.position.at(node)
        check = (
            f"SELECT count(*) FROM {source.name} "
            f"WHERE json_type({bag.text}) = 'OBJECT' AND len(json_keys({bag.text})) > 0"
        )
        t.guard(node, check, "evaluate bag_unpack() of bags with keys without an output schema")
    sql = f"SELECT {', '.join(parts + source.order_column()) or 'NULL AS __kql_empty'} FROM {source.name}"
    return t.ctes.add(sql, output, ordered=source.ordered)


def _from_json(element: Sql, kusto_type: str) -> str:
    if kusto_type == "dynamic":
        return element.text
    if kusto_type == "string":
        return (
            f"coalesce(CASE json_type({element.text}) WHEN 'VARCHAR' THEN {element.text} ->> '$' "
            f"WHEN 'NULL' THEN '' ELSE CAST({element.text} AS VARCHAR) END, '')"
        )
    return f"TRY_CAST({element.text} ->> '$' AS {DUCKDB_TYPES[kusto_type]})"
