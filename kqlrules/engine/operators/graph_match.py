"""`graph-match` and `graph-shortest-paths`: a pattern over a graph (see `graph.py`) as one SELECT.

Each node of the pattern is a row of the nodes CTE, each single edge a row of the edges CTE, each variable
length edge a row of a recursive walk (`__start`, `__end`, `__len`, `__eids`, `__gids`, and the structs of
its `__edges` and `__nodes`, in the pattern's left-to-right order). The `cycles` option is Kusto's:
`unique_edges` (the default: no edge twice in a match), `none` (no node twice along a sequence), `all`.

A variable length edge named directly in a condition constrains each of its edges (`where e.x > 1` is
`all(e, x > 1)`), and in `project` gives the array of its edges' values (`e.x` is `map(e, x)`), as Kusto does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import count

from kqlrules.engine.context import Row
from kqlrules.engine.functions.support import as_dynamic
from kqlrules.engine.names import name_text
from kqlrules.engine.operators.common import cast_to
from kqlrules.engine.operators.graph import (
    DEGREE_IN,
    DEGREE_OUT,
    DST,
    EID,
    GID,
    SRC,
    Graph,
    named_parameters,
    need_graph,
)
from kqlrules.engine.operators.registry import operator
from kqlrules.engine.relation import Relation
from kqlrules.engine.sql import Sql, quote_identifier
from kqlrules.engine.translator import Translator
from kqlrules.kusto import Node

# The longest variable length edge the engine walks: a walk enumerates every path, so a long bound over a
# dense graph would not end in any useful time.
MAX_LENGTH = 16
_ELEMENT_CALLS = ("all", "any", "map")


@dataclass
class NodeVar:
    alias: str
    name: str | None


@dataclass
class EdgeVar:
    alias: str
    name: str | None
    direction: str  # "out" (-->), "in" (<--) or "any" (--)
    left: NodeVar
    right: NodeVar
    bounds: tuple[int, int] | None  # a variable length edge's *min..max
    at: Node


@dataclass
class Pattern:
    nodes: dict[str, NodeVar] = field(default_factory=dict)
    edges: list[EdgeVar] = field(default_factory=list)
    sequences: list[list[NodeVar | EdgeVar]] = field(default_factory=list)
    # Each named element's declaration (with the analyzer's idea of its properties), and whether it is a node.
    declarations: list[tuple[Node, bool]] = field(default_factory=list)

    @property
    def variable(self) -> dict[str, EdgeVar]:
        return {e.name: e for e in self.edges if e.bounds is not None and e.name is not None}


def _direction(element: Node) -> str:
    tokens = [c.token or "" for c in element.children if c.is_token]
    first, last = (tokens[0], tokens[-1]) if tokens else ("", "")
    if first.startswith("<"):
        return "in"
    if last.endswith("->"):
        return "out"
    return "any"


def _bounds(t: Translator, element: Node) -> tuple[int, int] | None:
    found = element.get("Range")
    if found is None:
        return None
    values = []
    for slot in ("RangeStart", "RangeEnd"):
        expression = found.get(slot)
        if expression is None:
            continue
        value = t.expr(expression, Row.empty())
        if not value.constant or not isinstance(value.value, int) or isinstance(value.value, bool):
            raise t.position.unsupported("a variable length edge with a computed bound", expression)
        values.append(value.value)
    if not values:
        raise t.position.unsupported("a variable length edge without bounds", found)
    low, high = values[0], values[-1]
    if low < 0 or high < low:
        raise t.position.semantic(f"the variable length edge's bounds {low}..{high} are not a range", found)
    if high > MAX_LENGTH:
        raise t.position.unsupported(f"a variable length edge longer than {MAX_LENGTH}", found)
    return low, high


def parse_pattern(t: Translator, operator_node: Node) -> Pattern:
    pattern = Pattern()
    aliases = count()
    for sequence in (c for c in operator_node.walk() if c.kind == "GraphMatchPattern"):
        elements = sequence.elements("PatternElements")
        items: list[NodeVar | EdgeVar] = []
        for element in elements:
            name_node = element.get("Name")
            name = name_text(name_node) if name_node is not None else None
            if name_node is not None:
                pattern.declarations.append((name_node, element.kind == "GraphMatchPatternNode"))
            if element.kind == "GraphMatchPatternNode":
                known = pattern.nodes.get(name) if name is not None else None
                if known is None:
                    known = NodeVar(f"__n{next(aliases)}", name)
                    pattern.nodes[name or known.alias] = known
                items.append(known)
            elif element.kind == "GraphMatchPatternEdge":
                if name is not None and any(e.name == name for e in pattern.edges):
                    raise t.position.unsupported(f"the edge {name} twice in a pattern", element)
                placeholder = NodeVar("", None)
                edge = EdgeVar(
                    f"__e{next(aliases)}",
                    name,
                    _direction(element),
                    placeholder,
                    placeholder,
                    _bounds(t, element),
                    element,
                )
                pattern.edges.append(edge)
                items.append(edge)
            else:
                raise t.position.unsupported(f"the pattern element {element.kind}", element)
        for index, item in enumerate(items):
            if isinstance(item, EdgeVar):
                left, right = items[index - 1], items[index + 1] if index + 1 < len(items) else None
                if index == 0 or not isinstance(left, NodeVar) or not isinstance(right, NodeVar):
                    raise t.position.unsupported("an edge without a node on each side", item.at)
                item.left, item.right = left, right
        if not items:
            raise t.position.unsupported("an empty graph pattern", sequence)
        pattern.sequences.append(items)
    if not pattern.sequences:
        raise t.position.unsupported("a graph operator without a pattern", operator_node)
    return pattern


class Matcher:
    """One pattern's SELECT: the FROM list, the conditions, and the rows its expressions read."""

    def __init__(self, t: Translator, graph: Graph, pattern: Pattern, cycles: str) -> None:
        self.t, self.graph, self.pattern, self.cycles = t, graph, pattern, cycles
        _check_properties(t, pattern, graph)
        self._lambdas = count()
        self.sources: list[str] = []
        self.conditions: list[str] = []
        self.row = Row({}, calls=self._calls())
        nodes, edges = graph.nodes, graph.edges
        for var in pattern.nodes.values():
            self.sources.append(f"{nodes.name} AS {var.alias}")
            if var.name is not None:
                self.row.tuples[var.name] = _columns_of(nodes, var.alias)
        for edge in pattern.edges:
            left, right = f"{edge.left.alias}.{GID}", f"{edge.right.alias}.{GID}"
            if edge.bounds is None:
                self.sources.append(f"{edges.name} AS {edge.alias}")
                forward = f"{edge.alias}.{SRC} = {left} AND {edge.alias}.{DST} = {right}"
                backward = f"{edge.alias}.{SRC} = {right} AND {edge.alias}.{DST} = {left}"
                self.conditions.append(
                    {"out": forward, "in": backward, "any": f"(({forward}) OR ({backward}))"}[edge.direction]
                )
                if edge.name is not None:
                    self.row.tuples[edge.name] = _columns_of(edges, edge.alias)
            else:
                self.sources.append(f"({self._walk(edge)}) AS {edge.alias}")
                self.conditions.append(f"{edge.alias}.__start = {left} AND {edge.alias}.__end = {right}")
        self.conditions.extend(self._cycle_rules())

    # -- walks ---------------------------------------------------------------------------------------
    def _walk(self, edge: EdgeVar) -> str:
        assert edge.bounds is not None
        low, high = edge.bounds
        nodes, edges = self.graph.nodes.name, self.graph.edges.name
        forward = f"SELECT {SRC} AS s_from, {DST} AS s_to, {EID} AS s_eid FROM {edges}"
        backward = f"SELECT {DST} AS s_from, {SRC} AS s_to, {EID} AS s_eid FROM {edges}"
        steps = {
            "out": forward,
            "in": backward,
            # A self-loop is one step either way, not two.
            "any": f"{forward} UNION ALL {backward} WHERE {SRC} <> {DST}",
        }[edge.direction]
        rule = {
            "unique_edges": " AND NOT list_contains(w.__eids, s.s_eid)",
            "none": " AND NOT list_contains(w.__gids, s.s_to)",
            "all": "",
        }[self.cycles]
        first_ok = " AND s.s_from <> s.s_to" if self.cycles == "none" else ""
        walk = (
            f"WITH RECURSIVE steps AS ({steps}), "
            f"walk(__start, __end, __len, __eids, __gids, __edges, __nodes) AS ("
            f"SELECT s.s_from, s.s_to, 1, [s.s_eid], [s.s_from, s.s_to], [e], [a, b] FROM steps AS s "
            f"JOIN {edges} AS e ON e.{EID} = s.s_eid JOIN {nodes} AS a ON a.{GID} = s.s_from "
            f"JOIN {nodes} AS b ON b.{GID} = s.s_to WHERE {high} >= 1{first_ok} "
            f"UNION ALL SELECT w.__start, s.s_to, w.__len + 1, list_append(w.__eids, s.s_eid), "
            f"list_append(w.__gids, s.s_to), list_append(w.__edges, e), list_append(w.__nodes, b) "
            f"FROM walk AS w JOIN steps AS s ON s.s_from = w.__end JOIN {edges} AS e ON e.{EID} = s.s_eid "
            f"JOIN {nodes} AS b ON b.{GID} = s.s_to WHERE w.__len < {high}{rule}) "
            f"SELECT * FROM walk WHERE __len >= {max(low, 1)}"
        )
        if low == 0:
            walk += f" UNION ALL SELECT n.{GID}, n.{GID}, 0, [], [n.{GID}], [], [n] FROM {nodes} AS n"
        return walk

    def _cycle_rules(self) -> list[str]:
        rules = []
        if self.cycles == "unique_edges" and len(self.pattern.edges) > 1:
            ids = " || ".join(
                f"[{e.alias}.{EID}]" if e.bounds is None else f"{e.alias}.__eids" for e in self.pattern.edges
            )
            rules.append(f"len(list_distinct({ids})) = len({ids})")
        if self.cycles == "none":
            for sequence in self.pattern.sequences:
                parts = []
                for item in sequence:
                    if isinstance(item, NodeVar):
                        parts.append(f"[{item.alias}.{GID}]")
                    elif item.bounds is not None:
                        parts.append(f"list_slice({item.alias}.__gids, 2, -2)")
                if len(parts) > 1:
                    walk = " || ".join(parts)
                    rules.append(f"len(list_distinct({walk})) = len({walk})")
        return rules

    # -- expressions ---------------------------------------------------------------------------------
    def condition(self, node: Node) -> str:
        """A `where` clause: each conjunct, a variable length edge named in it applying to each edge."""
        parts = []
        for conjunct in _conjuncts(node):
            edge = self._named_walk(conjunct)
            if edge is None:
                sql = self.t.expr(conjunct, self.row)
            else:
                sql = self._over_elements(edge, f"{edge.alias}.__edges", self.graph.edges, conjunct, "all")
            parts.append(f"coalesce({sql.text}, FALSE)")
        return " AND ".join(parts) or "TRUE"

    def value(self, node: Node) -> Sql:
        """A `project` expression: one naming a variable length edge is the array of its edges' values."""
        if node.kind == "NameReference" and node.type == "tuple":
            raise self.t.position.unsupported("a whole graph element as a value", node)
        edge = self._named_walk(node)
        if edge is None:
            return self.t.expr(node, self.row)
        return self._over_elements(edge, f"{edge.alias}.__edges", self.graph.edges, node, "map")

    def _named_walk(self, node: Node) -> EdgeVar | None:
        """The variable length edge an expression names outside all()/any()/map(), if any."""
        walks = self.pattern.variable
        found: dict[str, EdgeVar] = {}
        stack = [node]
        while stack:
            current = stack.pop()
            if current.kind == "FunctionCallExpression":
                name = current.get("Name")
                if name is not None and name_text(name) in _ELEMENT_CALLS:
                    continue
            if current.kind == "NameReference" and current.type == "tuple" and name_text(current) in walks:
                found[name_text(current)] = walks[name_text(current)]
            stack.extend(current.nodes())
        if len(found) > 1:
            raise self.t.position.unsupported("an expression naming two variable length edges", node)
        return next(iter(found.values()), None)

    def _over_elements(self, edge: EdgeVar, items: str, relation: Relation, body: Node, how: str) -> Sql:
        var = f"__x{next(self._lambdas)}"
        inner = Row(_columns_of(relation, var).columns, tuples=dict(self.row.tuples), calls=self.row.calls)
        if edge.name is not None and relation is self.graph.edges:
            inner.tuples[edge.name] = inner  # `e.x` inside is the edge at hand's `x`
        value = self.t.expr(body, inner)
        if how == "map":
            element = as_dynamic(value)
            return Sql(
                f"CAST(to_json(list_transform({items}, lambda {var}: {element.text})) AS JSON)", "dynamic"
            )
        test = f"list_transform({items}, lambda {var}: coalesce({value.text}, FALSE))"
        if how == "all":
            return Sql(f"coalesce(list_bool_and({test}), TRUE)", "bool")
        return Sql(f"coalesce(list_bool_or({test}), FALSE)", "bool")

    def _calls(self) -> dict[str, Callable[..., Sql]]:
        def elements(how: str) -> Callable[[Translator, Node, Row], Sql]:
            def call(t: Translator, node: Node, row: Row) -> Sql:
                args = node.arguments()
                if len(args) != 2:
                    raise t.position.unsupported(f"{how}() without a path and an expression", node)
                target, body = args
                inner_nodes = (
                    target.kind == "FunctionCallExpression"
                    and name_text(target.get("Name") or target) == "inner_nodes"
                )
                reference = target.arguments()[0] if inner_nodes and target.arguments() else target
                edge = self.pattern.variable.get(name_text(reference))
                if reference.kind != "NameReference" or edge is None:
                    raise t.position.unsupported(
                        f"{how}() of something else than a variable length edge", node
                    )
                if inner_nodes:
                    items = f"list_slice({edge.alias}.__nodes, 2, -2)"
                    return self._over_elements(edge, items, self.graph.nodes, body, how)
                return self._over_elements(edge, f"{edge.alias}.__edges", self.graph.edges, body, how)

            return call

        def degree(column: str) -> Callable[[Translator, Node, Row], Sql]:
            def call(t: Translator, node: Node, row: Row) -> Sql:
                args = node.arguments()
                var = self.pattern.nodes.get(name_text(args[0])) if len(args) == 1 else None
                if var is None or args[0].kind != "NameReference":
                    raise t.position.unsupported("a node degree of something else than a pattern node", node)
                return Sql(f"{var.alias}.{column}", "long")

            return call

        def labels(t: Translator, node: Node, row: Row) -> Sql:
            # A graph made by make-graph has no labels (only graph models do): always an empty array.
            return Sql("CAST('[]' AS JSON)", "dynamic")

        return {
            "all": elements("all"),
            "any": elements("any"),
            "map": elements("map"),
            "node_degree_in": degree(DEGREE_IN),
            "node_degree_out": degree(DEGREE_OUT),
            "labels": labels,
        }

    # -- the statement -------------------------------------------------------------------------------
    def select(self, node: Node, qualify: str = "") -> Relation:
        output = self.t.output_columns(node)
        project = node.get("ProjectClause")
        if project is None:
            raise self.t.position.unsupported(f"{node.kind} without project", node)
        items = project.elements("Expressions")
        if len(items) != len(output):
            raise self.t.position.unsupported("this project clause", project)
        where_clause = node.get("WhereClause")
        condition = where_clause.get("Condition") if where_clause is not None else None
        conditions = list(self.conditions)
        if condition is not None:
            conditions.append(self.condition(condition))
        parts = []
        for item, column in zip(items, output, strict=True):
            expression = item.get("Expression") if item.kind == "SimpleNamedExpression" else item
            if expression is None:
                raise self.t.position.unsupported("this project item", item)
            value = self.value(expression)
            if column.type == "dynamic" and value.type != "dynamic":
                # The analyzer types every expression over a variable length edge as dynamic, even where
                # Kusto returns a scalar (`strcat_array(map(e, x), ",")`): the scalar, as a dynamic value.
                value = as_dynamic(value)
            parts.append(f"{cast_to(value, column.type)} AS {quote_identifier(column.name)}")
        where = " AND ".join(conditions) or "TRUE"
        sql = f"SELECT {', '.join(parts)} FROM {', '.join(self.sources)} WHERE {where}{qualify}"
        return self.t.ctes.add(sql, output)


def _check_properties(t: Translator, pattern: Pattern, graph: Graph) -> None:
    """The analyzer knows each element's properties: where the graph built here has others, refuse."""
    for element, is_node in pattern.declarations:
        declared = element.columns
        if declared is None:
            continue
        relation = graph.nodes if is_node else graph.edges
        if [name for name, _ in declared] != [c.name for c in relation.columns]:
            raise t.position.unsupported(
                "a graph whose elements' properties the engine builds otherwise", element
            )


def _columns_of(relation: Relation, alias: str) -> Row:
    return Row({c.name: Sql(f"{alias}.{quote_identifier(c.name)}", c.type) for c in relation.columns})


def _conjuncts(node: Node) -> list[Node]:
    if node.kind == "AndExpression":
        left, right = node.get("Left"), node.get("Right")
        if left is not None and right is not None:
            return _conjuncts(left) + _conjuncts(right)
    if node.kind == "ParenthesizedExpression":
        inner = node.get("Expression")
        if inner is not None and inner.kind == "AndExpression":
            return _conjuncts(inner)
    return [node]


@operator("GraphMatchOperator")
def graph_match(t: Translator, node: Node, source: Relation | None) -> Relation:
    graph = need_graph(t, node, source)
    cycles = named_parameters(t, node.get("Parameters")).get("cycles", "unique_edges").lower()
    if cycles not in ("unique_edges", "none", "all"):
        raise t.position.unsupported(f"graph-match cycles={cycles}", node)
    pattern = parse_pattern(t, node)
    if cycles == "none" and len(pattern.sequences) > 1:
        # Whether a node two sequences both reach makes a cycle is not documented.
        raise t.position.unsupported("graph-match cycles=none with several sequences", node)
    return Matcher(t, graph, pattern, cycles).select(node)


@operator("GraphShortestPathsOperator")
def graph_shortest_paths(t: Translator, node: Node, source: Relation | None) -> Relation:
    graph = need_graph(t, node, source)
    output = named_parameters(t, node.get("Parameters")).get("output", "any").lower()
    if output not in ("any", "all"):
        raise t.position.unsupported(f"graph-shortest-paths output={output}", node)
    pattern = parse_pattern(t, node)
    if len(pattern.sequences) != 1 or not any(e.bounds is not None for e in pattern.edges):
        raise t.position.unsupported(
            "graph-shortest-paths without one path with a variable length edge", node
        )
    sequence = pattern.sequences[0]
    first, last = sequence[0], sequence[-1]
    assert isinstance(first, NodeVar) and isinstance(last, NodeVar)
    length = " + ".join("1" if e.bounds is None else f"{e.alias}.__len" for e in pattern.edges)
    ids = " || ".join(
        f"[{e.alias}.{EID}]" if e.bounds is None else f"{e.alias}.__eids" for e in pattern.edges
    )
    pair = f"PARTITION BY {first.alias}.{GID}, {last.alias}.{GID}"
    # `any` keeps one shortest path per pair: the first by its edges' order in the input (as documented
    # examples show); `all` keeps every path of the shortest length.
    rank = (
        f"row_number() OVER ({pair} ORDER BY {length}, {ids})"
        if output == "any"
        else f"rank() OVER ({pair} ORDER BY {length})"
    )
    return Matcher(t, graph, pattern, "unique_edges").select(node, f" QUALIFY {rank} = 1")
