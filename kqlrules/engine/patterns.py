"""Pattern statements: `declare pattern p = (a:string)[b:string] { ("x").["y"] = { ... }; ... };` and their
invocations `p("x").y`, which run the body of the match whose values equal the invocation's.

Only literal matches are translated: an invocation whose values no match declares (Kusto then fails) and
wildcard (`"*"`) matches or invocations are refused."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from kqlrules.engine import literals
from kqlrules.engine.context import Binding, Position, Row, Scope
from kqlrules.engine.names import name_text
from kqlrules.engine.relation import Relation
from kqlrules.engine.sql import Sql
from kqlrules.kusto import Node

if TYPE_CHECKING:
    from kqlrules.engine.translator import Translator


@dataclass(frozen=True)
class Pattern:
    declaration: Node
    scope: Scope
    text: str
    position: Position


def is_invocation(node: Node) -> bool:
    target = node.get("Expression") if node.kind == "PathExpression" else node
    return (
        target is not None
        and target.kind == "FunctionCallExpression"
        and target.symbol is not None
        and target.symbol[1] == "Pattern"
    )


def invoke(t: Translator, node: Node, patterns: dict[str, Pattern]) -> Relation:
    call = node.get("Expression") if node.kind == "PathExpression" else node
    assert call is not None
    name = name_text(call.get("Name") or call)
    pattern = patterns.get(name)
    if pattern is None:
        raise t.position.unsupported(f"the pattern {name} declared outside the query", node)
    given = [_constant(t, arg) for arg in call.arguments()]
    if node.kind == "PathExpression":
        given.append(_path_value(t, node.get("Selector")))
    values = [v.value for v in given[: len(call.arguments())]]
    path = given[-1].value if node.kind == "PathExpression" else None
    if "*" in values or path == "*":
        raise t.position.unsupported("a pattern invoked with a wildcard", node)
    declaration = pattern.declaration
    saved = (t.scope, t.text, t.position)
    t.scope, t.text, t.position = pattern.scope, pattern.text, pattern.position
    try:
        for match in declaration.elements("Patterns"):
            listed = match.get("ParameterValues")
            match_values = [_constant(t, v).value for v in listed.arguments()] if listed is not None else []
            path_value = match.get("PathValue")
            value_node = path_value.get("Value") if path_value is not None else None
            match_path = _path_value(t, value_node).value if value_node is not None else None
            if "*" in match_values or match_path == "*":
                raise t.position.unsupported("a pattern with wildcard matches", match)
            if match_values == values and match_path == path:
                body = match.get("Body")
                assert body is not None
                t.scope = Scope(parent=pattern.scope)
                for parameter, value in zip(_parameters(declaration), given, strict=True):
                    t.scope.names[parameter] = Binding(scalar=value)
                result = t.body(body, Row.empty())
                if not isinstance(result, Relation):
                    raise t.position.unsupported("a pattern whose body is a scalar", body)
                return result
    finally:
        t.scope, t.text, t.position = saved
    raise t.position.unsupported(f"invoking the pattern {name} with values it does not declare", node)


def _parameters(declaration: Node) -> list[str]:
    names = []
    for item in declaration.elements("Parameters"):
        name_node = item.get("Name")
        if name_node is not None:
            names.append(name_text(name_node))
    path = declaration.get("PathParameter")
    parameter = path.get("Parameter") if path is not None else None
    name_node = parameter.get("Name") if parameter is not None else None
    if name_node is not None:
        names.append(name_text(name_node))
    return names


def _constant(t: Translator, node: Node) -> Sql:
    value = t.expr(node, Row.empty())
    if not value.constant:
        raise t.position.unsupported("a pattern value that is not a constant", node)
    return value


def _path_value(t: Translator, selector: Node | None) -> Sql:
    """`.name`, `.["name"]` or a match's `["name"]`."""
    if selector is None:
        raise t.position.unsupported("a pattern invocation without its path value")
    if selector.kind == "NameReference":
        return literals.string(name_text(selector))
    inner = selector.get("Expression") if selector.kind == "BracketedExpression" else selector
    if inner is None:
        raise t.position.unsupported("this pattern path", selector)
    return _constant(t, inner)
