"""Scalar expressions: the dispatch by SyntaxKind, operators, member access, `toscalar` and calls.

Dispatch order for calls and binary operators: the engine's own context-dependent constructs (`toscalar`,
`column_ifexists`, `prev`... in `special_calls`), then the function library's registries.

List-taking operators (`in`, `!in`, `in~`, `!in~`, `has_any`, `has_all`) reach the library with a right-hand
`Sql` whose text is a DuckDB LIST, whose type is the element type and whose `value` is the list of element
`Sql`s when every element is a literal.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from kqlrules.engine.context import Row
from kqlrules.engine.functions.registry import AGGREGATES, BINARY_OPERATORS, SCALARS, Call
from kqlrules.engine.names import name_text
from kqlrules.engine.relation import ORDER
from kqlrules.engine.sql import Sql, constant_json_path, quote_identifier, quote_string
from kqlrules.engine.translation.literal_nodes import LITERAL_KINDS, literal
from kqlrules.engine.translation.nodes import describe, kusto_type, only, operator_text, typed
from kqlrules.engine.translation.scopes import call_user_function, name_reference
from kqlrules.engine.translation.special_calls import SPECIAL_CALLS
from kqlrules.engine.types import DUCKDB_TYPES, normalise_type
from kqlrules.kusto import Node

if TYPE_CHECKING:
    from kqlrules.engine.translator import Translator

LIST_OPERATORS = frozenset(
    {
        "InExpression",
        "NotInExpression",
        "InCsExpression",
        "NotInCsExpression",
        "HasAnyExpression",
        "HasAllExpression",
    }
)


def translate(t: Translator, node: Node, row: Row) -> Sql:
    """One scalar expression (`Translator.expr` adds the flags of its sub-expressions)."""
    if node.kind in LITERAL_KINDS:
        return literal(t, node)
    handler = _EXPRESSIONS.get(node.kind)
    if handler is not None:
        return handler(t, node, row)
    if node.get("Left") is not None and node.get("Right") is not None and node.get("Operator") is not None:
        return _binary(t, node, row)
    raise t.position.unsupported(describe(node), node)


def _parenthesized(t: Translator, node: Node, row: Row) -> Sql:
    inner = t.expr(only(node, "Expression"), row)
    return Sql(f"({inner.text})", inner.type, inner.constant, inner.value)


def _unary_minus(t: Translator, node: Node, row: Row) -> Sql:
    inner = t.expr(only(node, "Expression"), row)
    if inner.constant and isinstance(inner.value, int | float) and not isinstance(inner.value, bool):
        value = -inner.value
        if isinstance(value, int) and not -(2**63) <= value < 2**63:
            raise t.position.unsupported("negating the smallest long", node)
        return Sql(f"CAST({value!r} AS {DUCKDB_TYPES[inner.type]})", inner.type, True, value)
    if inner.type in ("long", "int"):
        # DuckDB widens -x of a BIGINT past the range of long (to HUGEINT); Kusto's result is a long.
        return Sql(f"CAST(-({inner.text}) AS {DUCKDB_TYPES[inner.type]})", inner.type)
    return Sql(f"(-{inner.text})", inner.type)


def _unary_plus(t: Translator, node: Node, row: Row) -> Sql:
    return t.expr(only(node, "Expression"), row)


# `* has "x"`: where-operator.md, "returns the rows in which the word "cow" appears in any column". Each
# column is matched as `Column has "x"` is; the negated forms (`* !has`) are not described, so refused.
STAR_OPERATORS = frozenset(
    {
        "HasExpression",
        "HasCsExpression",
        "HasPrefixExpression",
        "HasPrefixCsExpression",
        "HasSuffixExpression",
        "HasSuffixCsExpression",
        "ContainsExpression",
        "ContainsCsExpression",
    }
)


def _any_column(t: Translator, node: Node, row: Row) -> Sql:
    if node.kind not in STAR_OPERATORS or row.inputs is None:
        raise t.position.unsupported(f"the operator {operator_text(node)} of every column (*)", node)
    right = t.expr(only(node, "Right"), row)
    translator = BINARY_OPERATORS[node.kind]
    t.position.node = node
    names = [name for name in row.columns if name in row.inputs]
    matches = [translator(t, row.columns[name], right, node.kind).text for name in names]
    return typed(Sql(f"({' OR '.join(matches) or 'FALSE'})", "bool"), node)


def _binary(t: Translator, node: Node, row: Row) -> Sql:
    left_node, right_node = only(node, "Left"), only(node, "Right")
    if left_node.kind == "StarExpression":
        return _any_column(t, node, row)
    if node.kind in LIST_OPERATORS:
        left = t.expr(left_node, row)
        right = list_operand(t, right_node, row, left.type)
    else:
        left, right = t.expr(left_node, row), t.expr(right_node, row)
    translator = BINARY_OPERATORS.get(node.kind)
    if translator is None:
        raise t.position.unsupported(f"the operator {operator_text(node)}", node)
    t.position.node = node
    return typed(translator(t, left, right, node.kind), node)


def list_operand(t: Translator, node: Node, row: Row, element_type: str) -> Sql:
    """The right side of `in`/`has_any`: a DuckDB LIST (see the module docstring)."""
    items = node.arguments() if node.kind == "ExpressionList" else [node]
    if len(items) == 1 and kusto_type(items[0]) in ("table", "unknown") and items[0].columns:
        relation = t.tabular(items[0])
        first = relation.columns[0]
        return Sql(
            f"ARRAY(SELECT {quote_identifier(first.name)} FROM {relation.name})", first.type, subquery=True
        )
    parts: list[str] = []
    values: list[Sql] = []
    element = element_type
    for item in items:
        if kusto_type(item) in ("table",) or item.columns:
            raise t.position.unsupported("a tabular expression among the values of a list", item)
        sql = t.expr(item, row)
        if sql.type == "dynamic":
            # A dynamic array's elements join the list (as the left side's type; JSON if it is dynamic); a
            # dynamic value that is not an array is one value of the list (in-operator: "Each expression can
            # be a scalar value"), where casting it to a list would have dropped it.
            duck = DUCKDB_TYPES.get(element_type, "VARCHAR")
            value = sql.text
            listed = f"(CASE WHEN json_type({value}) = 'ARRAY' THEN {value} ELSE json_array({value}) END)"
            parts.append(f"coalesce(TRY_CAST({listed} AS {duck}[]), [])")
            values = []
            continue
        values.append(sql)
        parts.append(f"[{sql.text}]")
        element = sql.type if element == "unknown" else element
    text = " || ".join(parts) if parts else "[]"
    all_constant = bool(values) and len(values) == len(items) and all(v.constant for v in values)
    return Sql(f"({text})", element, all_constant, values if all_constant else None)


def _between(t: Translator, node: Node, row: Row) -> Sql:
    left = t.expr(only(node, "Left"), row)
    couple = only(node, "Right")
    low = t.expr(only(couple, "First"), row)
    high = t.expr(only(couple, "Second"), row)
    translator = BINARY_OPERATORS.get(node.kind)
    if translator is None:
        raise t.position.unsupported(f"the operator {operator_text(node)}", node)
    t.position.node = node
    pair = Sql(f"[{low.text}, {high.text}]", low.type, low.constant and high.constant, [low, high])
    return typed(translator(t, left, pair, node.kind), node)


def _path(t: Translator, node: Node, row: Row) -> Sql:
    target = only(node, "Expression")
    selector = only(node, "Selector")
    element = row.tuples.get(name_text(target)) if target.kind == "NameReference" else None
    if element is not None:
        return name_reference(t, selector, element)
    if target.symbol and target.symbol[1] == "Tuple":
        side = (target.token or name_text(target)).lower()
        side_row = row.sides.get(side) or row.sides.get(t.source(target).lower())
        if side_row is None:
            raise t.position.unsupported(f"{t.source(target)} outside a join condition", target)
        return name_reference(t, selector, side_row)
    if selector.kind == "BracketedExpression":
        # d.[expr] reads the member the expression names (d.["a b"], d.[k] with k a string).
        return _element(t, node, row)
    base = t.expr(target, row)
    if base.type != "dynamic":
        raise t.position.unsupported(f"member access on {base.type}", node)
    return dynamic_member(base, name_text(selector))


def dynamic_member(base: Sql, key: str | int) -> Sql:
    """`base.key` / `base[index]` of a dynamic value (a negative index counts from the end)."""
    if isinstance(key, int):
        step = f"[{key}]" if key >= 0 else f"[#-{-key}]"
    else:
        step = "." + '"' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'
    nested = constant_json_path(base.text)
    if nested and "'" not in step:
        # d.a.b is one JSON path, not a chain of extractions.
        return Sql(f"json_extract({nested[0]}, '{nested[1]}{step}')", "dynamic")
    return Sql(f"json_extract({base.text}, {quote_string('$' + step)})", "dynamic")


def _element(t: Translator, node: Node, row: Row) -> Sql:
    base = t.expr(only(node, "Expression"), row)
    selector = only(node, "Selector")
    inner = only(selector, "Expression") if selector.kind == "BracketedExpression" else selector
    key = t.expr(inner, row)
    if base.type != "dynamic":
        raise t.position.unsupported(f"indexing into {base.type}", node)
    if key.constant and isinstance(key.value, str | int) and not isinstance(key.value, bool):
        return dynamic_member(base, key.value)
    if key.type == "string":
        path = f"'$.\"' || replace({key.text}, '\"', '\\\"') || '\"'"
    elif key.type in ("long", "int"):
        index = key.text
        path = f"CASE WHEN {index} >= 0 THEN '$[' || {index} || ']' ELSE '$[#' || {index} || ']' END"
    else:
        raise t.position.unsupported(f"indexing with {key.type}", node)
    return Sql(f"json_extract({base.text}, {path})", "dynamic")


def _type_of(t: Translator, node: Node, row: Row) -> Sql:
    """`typeof(string)` as an argument (extractjson, extract...): a constant naming the type."""
    return Sql("NULL", "type", True, kusto_type(node) if node.symbol is None else node.symbol[0])


def _brackets(t: Translator, node: Node, row: Row) -> Sql:
    return t.expr(only(node, "Expression"), row)


def _to_scalar(t: Translator, node: Node, row: Row) -> Sql:
    inner = only(node, "Expression")
    if inner.columns is None and kusto_type(inner) not in ("table", "unknown"):
        return t.expr(inner, Row.empty())  # a scalar is its own scalar value
    relation = t.tabular(inner)
    if not relation.columns:
        raise t.position.semantic("toscalar() of a table without columns", node)
    first = relation.columns[0]
    order = f" ORDER BY {ORDER}" if relation.ordered else ""
    column = quote_identifier(first.name)
    text = f"(SELECT {column} FROM {relation.name}{order} LIMIT 1)"
    if first.type == "string":
        text = f"coalesce({text}, '')"
    return Sql(text, normalise_type(first.type), subquery=True)


def _call(t: Translator, node: Node, row: Row) -> Sql:
    name_node = node.get("Name")
    name = name_text(name_node) if name_node is not None else ""
    expansion = node.expansion
    if expansion is not None:
        result = call_user_function(t, node, expansion, row)
        if not isinstance(result, Sql):
            raise t.position.unsupported(f"the tabular function {name} used as a scalar", node)
        return result
    special = row.calls.get(name) or SPECIAL_CALLS.get(name)
    if special is not None:
        return special(t, node, row)
    args: list[Sql] = []
    named: dict[str, Sql] = {}
    for arg in node.arguments():
        if arg.kind == "SimpleNamedExpression":
            named[name_text(only(arg, "Name"))] = t.expr(only(arg, "Expression"), row)
        elif arg.kind == "StarExpression":
            raise t.position.unsupported(f"{name}(*)", node)
        else:
            args.append(t.expr(arg, row))
    call = Call(name, args, kusto_type(node), named)
    t.position.node = node
    if row.aggregates and name in AGGREGATES:
        return typed(AGGREGATES[name](t, call), node)
    scalar = SCALARS.get(name)
    if scalar is None:
        if name in AGGREGATES:
            raise t.position.semantic(f"the aggregate {name}() is only allowed in summarize", node)
        raise t.position.unsupported(f"the function {name}()", node)
    return typed(scalar(t, call), node)


def call_scalar(t: Translator, name: str, args: list[Sql], result_type: str, at: Node) -> Sql:
    """A library scalar function applied to already translated arguments."""
    scalar = SCALARS.get(name)
    if scalar is None:
        raise t.position.unsupported(f"the function {name}()", at)
    t.position.node = at
    result = scalar(t, Call(name, args, result_type))
    return Sql(result.text, result_type, result.constant, result.value)


_EXPRESSIONS: dict[str, Callable[[Translator, Node, Row], Sql]] = {
    "NameReference": name_reference,
    "ParenthesizedExpression": _parenthesized,
    "UnaryMinusExpression": _unary_minus,
    "UnaryPlusExpression": _unary_plus,
    "BetweenExpression": _between,
    "NotBetweenExpression": _between,
    "PathExpression": _path,
    "ElementExpression": _element,
    "BracketedExpression": _brackets,
    "TypeOfLiteralExpression": _type_of,
    "ToScalarExpression": _to_scalar,
    "FunctionCallExpression": _call,
}
