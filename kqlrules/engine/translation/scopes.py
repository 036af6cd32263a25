"""Names and what they stand for: `let` bindings, query parameters, patterns, request options, and calls of
user-defined functions (a new scope over the function's body, whose text is not the query's)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kqlrules.engine import patterns
from kqlrules.engine.context import Binding, Position, Row, Scope
from kqlrules.engine.names import name_text
from kqlrules.engine.relation import Relation
from kqlrules.engine.sql import Sql
from kqlrules.engine.translation.nodes import describe, kusto_type, only
from kqlrules.kusto import Expansion, Node

if TYPE_CHECKING:
    from kqlrules.engine.translator import Translator


def name_reference(t: Translator, node: Node, row: Row) -> Sql:
    symbol = node.symbol
    name = name_text(node)
    if symbol is None or symbol[1] == "Column":
        found = row.columns.get(name)
        if found is not None:
            return found
        if symbol is None:
            raise t.position.unsupported(f"the name {name}", node)
        raise t.position.semantic(f"column {name} is not available here", node)
    if symbol[1] in ("Variable", "Parameter"):
        binding = t.scope.find(name)
        if binding is None:
            raise t.position.semantic(f"{name} is not defined", node)
        return scalar_binding(t, name, binding, node)
    raise t.position.unsupported(f"{symbol[1].lower()} {name} used as a scalar", node)


def scalar_binding(t: Translator, name: str, binding: Binding, at: Node) -> Sql:
    """A scalar `let` value, translated on first use in the scope it was declared in."""
    if binding.scalar is not None:
        return binding.scalar
    if binding.relation is not None or binding.node is None:
        raise t.position.unsupported(f"the tabular value {name} used as a scalar", at)
    if binding.busy:
        raise t.position.semantic(f"{name} refers to itself", at)
    binding.busy = True
    saved = enter(t, binding)
    try:
        binding.scalar = t.expr(binding.node, Row.empty())
    finally:
        leave(t, saved)
        binding.busy = False
    return binding.scalar


def relation_binding(t: Translator, name: str, binding: Binding, at: Node) -> Relation:
    """A tabular `let` value, translated on first use in the scope it was declared in."""
    if binding.relation is None:
        if binding.node is None or binding.busy:
            raise t.position.unsupported(f"the scalar {name} used as a table", at)
        binding.busy = True
        saved = enter(t, binding)
        try:
            binding.relation = t.tabular_or_graph(binding.node)
        finally:
            leave(t, saved)
            binding.busy = False
    return binding.relation


Saved = tuple[Scope, str, Position]


def enter(t: Translator, binding: Binding) -> Saved:
    saved = (t.scope, t.text, t.position)
    t.scope = binding.scope or t.scope
    t.text = binding.text if binding.text is not None else t.text
    t.position = binding.position or t.position
    return saved


def leave(t: Translator, saved: Saved) -> None:
    t.scope, t.text, t.position = saved


def set_option(t: Translator, statement: Node) -> None:
    """`set name = value;`: remembered for the functions that read request properties (bin_auto)."""
    name_node = statement.get("Name")
    clause = statement.get("ValueClause")
    value = clause.get("Expression") if clause is not None else None
    if name_node is not None and value is not None:
        t.options[name_text(name_node)] = value


def bind_query_parameters(t: Translator, statement: Node) -> None:
    """`declare query_parameters(...)`: locally, every parameter takes its default value."""
    for parameter in statement.elements("Parameters"):
        declaration = parameter.get("NameAndType")
        name_node = declaration.get("Name") if declaration is not None else None
        default = parameter.get("DefaultValue")
        value = default.get("Value") if default is not None else None
        if name_node is None or value is None:
            raise t.position.unsupported("a query parameter without a default value", parameter)
        t.scope.names[name_text(name_node)] = Binding(
            node=value, scope=t.scope, text=t.text, position=t.position
        )


def bind_pattern(t: Translator, statement: Node) -> None:
    name, declaration = only(statement, "Name"), only(statement, "Pattern")
    t.patterns[name_text(name)] = patterns.Pattern(declaration, t.scope, t.text, t.position)


def bind_let(t: Translator, statement: Node) -> None:
    name = name_text(only(statement, "Name"))
    value = only(statement, "Expression")
    if value.kind == "FunctionDeclaration":
        return  # calls carry their expansion
    t.scope.names[name] = Binding(node=value, scope=t.scope, text=t.text, position=t.position)


def call_user_function(
    t: Translator, node: Node, expansion: Expansion, row: Row, piped: Relation | None = None
) -> Sql | Relation:
    """A call of a `let` function (or a stored one the analyzer expanded): its arguments bound in a new
    scope, then its body; errors inside the body point at the call."""
    params = list(expansion.params)
    scope = Scope(parent=t.scope)
    if piped is not None and params:
        scope.names[params[0][0]] = Binding(relation=piped)
        params = params[1:]
    positional: list[Node] = []
    named: dict[str, Node] = {}
    for arg in node.arguments() if node.kind == "FunctionCallExpression" else []:
        if arg.kind == "SimpleNamedExpression":
            named[name_text(only(arg, "Name"))] = only(arg, "Expression")
        else:
            positional.append(arg)
    defaults: list[tuple[str, Node]] = []
    for index, (param, default) in enumerate(params):
        given: Node | None = positional[index] if index < len(positional) else named.get(param)
        if given is not None:
            if given.columns is not None and kusto_type(given) not in ("dynamic",):
                scope.names[param] = Binding(relation=t.tabular(given))
            else:
                scope.names[param] = Binding(scalar=t.expr(given, row))
        elif default is not None:
            defaults.append((param, default))
        else:
            raise t.position.unsupported(f"calling {name_text(node)} without its parameter {param}", node)
    saved = (t.scope, t.text, t.position)
    t.position = Position(expansion.text or "", fixed=saved[2].at(node))
    t.scope = scope
    try:
        for param, default in defaults:
            scope.names[param] = Binding(scalar=t.expr(default, Row.empty()))
        return body(t, expansion.body, row)
    finally:
        leave(t, saved)


def body(t: Translator, block: Node, row: Row) -> Sql | Relation:
    """A function body or query block: its `let` statements, then its one expression."""
    expression: Node | None = block.get("Expression")
    for statement in block.elements("Statements"):
        if statement.kind == "LetStatement":
            bind_let(t, statement)
        elif statement.kind == "ExpressionStatement":
            expression = only(statement, "Expression")
        else:
            raise t.position.unsupported(describe(statement), statement)
    if expression is None:
        raise t.position.semantic("the function body has no expression", block)
    if expression.columns is not None and not expression.kind.endswith("LiteralExpression"):
        return t.tabular(expression)
    return t.expr(expression, row)
