"""Which tables a query's result rows can come from: when none of them has a row, the result has none.

A workspace uses it to answer a window whose tables received no rows in range without running the query
(`kqlrules.workspace.time_index`). The analysis is strict: it names the tables only when every operator
between them and the result makes its output rows from its input rows, so no input rows means no output
rows; anything else (a row made from nothing: `print`, `range`, `datatable`, `externaldata`, `count`,
`summarize` without `by`, a function call, a watchlist, an operator not listed here) gives `None`, "unsure".

Kusto reference (learn.microsoft.com/kusto/query): `where`, `project*`, `extend`, `parse*`, `mv-expand`,
`mv-apply` (its subquery runs once per input row), `take`, `top`, `sort`, `distinct`, `sample*`, `serialize`,
`as`, `render` emit only rows made from their input's rows; `summarize ... by` emits one row per group of
input rows ("summarize-operator": without `by` it emits one row even over no input, so it is not listed); a
join's output rows each need a row of the side it keeps ("join-operator": inner, innerunique and the left
kinds keep the left side's rows, the right kinds the right side's, fullouter either); `lookup` keeps the left
side's rows ("lookup-operator"); `union` is its legs' rows ("union-operator").
"""

from __future__ import annotations

from kqlrules.engine.names import name_text
from kqlrules.kusto import Node

RowSources = frozenset[str]

# Operators whose output rows are all made from rows of their (piped) input.
_FROM_INPUT_ROWS = frozenset(
    {
        "AsOperator",
        "DistinctOperator",
        "ExtendOperator",
        "FilterOperator",
        "MvApplyOperator",
        "MvExpandOperator",
        "ParseKvOperator",
        "ParseOperator",
        "ParseWhereOperator",
        "ProjectAwayOperator",
        "ProjectByNamesOperator",
        "ProjectKeepOperator",
        "ProjectOperator",
        "ProjectRenameOperator",
        "ProjectReorderOperator",
        "RenderOperator",
        "SampleDistinctOperator",
        "SampleOperator",
        "SerializeOperator",
        "SortOperator",
        "TakeOperator",
        "TopOperator",
    }
)
_KEEPS_LEFT = frozenset({"innerunique", "inner", "leftouter", "leftanti", "anti", "leftantisemi", "leftsemi"})
_KEEPS_RIGHT = frozenset({"rightouter", "rightanti", "rightantisemi", "rightsemi"})


def row_sources(root: Node) -> RowSources | None:
    """The tables the query's result rows come from (empty tables: an empty result), or None when unsure."""
    bindings: dict[str, Node | None] = {}
    result: Node | None = None
    for statement in root.elements("Statements"):
        if statement.kind == "LetStatement":
            name_node, value = statement.get("Name"), statement.get("Expression")
            if name_node is None:
                return None
            name = name_text(name_node)
            # A name bound twice (or to a function) is not followed: which binding a use sees is not worth
            # working out here.
            bindings[name] = None if name in bindings or value is None else value
        elif statement.kind == "ExpressionStatement":
            if result is not None:
                return None
            result = statement.get("Expression")
        else:
            return None  # set options, query parameters, patterns: not followed
    if result is None:
        return None
    return _sources(result, bindings, frozenset())


def _sources(node: Node, bindings: dict[str, Node | None], following: frozenset[str]) -> RowSources | None:
    kind = node.kind
    if kind in ("ParenthesizedExpression", "MaterializeExpression"):
        inner = node.get("Expression")
        return None if inner is None else _sources(inner, bindings, following)
    if kind == "NameReference":
        return _name(node, bindings, following)
    if kind == "PipeExpression":
        left, operator = node.get("Expression"), node.get("Operator")
        if left is None or operator is None:
            return None
        return _operator(operator, left, bindings, following)
    if kind == "UnionOperator":  # `union A, B` at the start of a pipe
        return _union(node, frozenset(), bindings, following)
    return None


def _name(node: Node, bindings: dict[str, Node | None], following: frozenset[str]) -> RowSources | None:
    if node.expansion is not None:
        return None  # a user or stored function: its body is not followed
    symbol = node.symbol
    if symbol is None:
        return None
    name, what = symbol
    if what == "Table":
        return frozenset({name})
    if what == "Variable" and name in bindings and name not in following:
        value = bindings[name]
        return None if value is None else _sources(value, bindings, following | {name})
    return None


def _operator(
    operator: Node, left: Node, bindings: dict[str, Node | None], following: frozenset[str]
) -> RowSources | None:
    kind = operator.kind
    if kind in _FROM_INPUT_ROWS:
        return _sources(left, bindings, following)
    if kind == "SummarizeOperator":
        by = operator.get("ByClause")
        return _sources(left, bindings, following) if by is not None and by.nodes() else None
    if kind == "LookupOperator":
        return _sources(left, bindings, following)
    if kind == "JoinOperator":
        return _join(operator, left, bindings, following)
    if kind == "UnionOperator":
        piped = _sources(left, bindings, following)
        return None if piped is None else _union(operator, piped, bindings, following)
    return None


def _join(
    operator: Node, left: Node, bindings: dict[str, Node | None], following: frozenset[str]
) -> RowSources | None:
    kind = _parameter(operator, "kind", "innerunique")
    right = operator.get("Expression")
    if kind is None or right is None:
        return None
    if kind in _KEEPS_LEFT:
        return _sources(left, bindings, following)
    if kind in _KEEPS_RIGHT:
        return _sources(right, bindings, following)
    if kind == "fullouter":
        sides = (_sources(left, bindings, following), _sources(right, bindings, following))
        return None if sides[0] is None or sides[1] is None else sides[0] | sides[1]
    return None


def _union(
    operator: Node, sources: RowSources, bindings: dict[str, Node | None], following: frozenset[str]
) -> RowSources | None:
    for item in operator.elements("Expressions"):
        name = item.get("Name") if item.kind == "NameReference" else None
        if name is not None and name.kind == "WildcardedName":
            return None  # `union Sign*`: the tables it names are not worked out here
        found = _sources(item, bindings, following)
        if found is None:
            return None
        sources |= found
    return sources


def _parameter(operator: Node, wanted: str, default: str) -> str | None:
    """An operator parameter's value as written (`kind=leftouter`: "leftouter"), lower-cased."""
    for param in operator.elements("Parameters"):
        name, value = param.get("Name"), param.get("Expression")
        if name is None or value is None:
            return None
        if name_text(name).strip().lower() == wanted:
            return name_text(value).strip().lower()
    return default
