"""Kusto's transient graphs: `make-graph`, `graph-to-table` and `graph-mark-components`.

A graph is two CTEs. Its nodes: `__gid` (the node's position: the nodes tables' rows in order, then the ids
only edges name, in their first appearance, source before target), `__key` (the node id), `__part` (the
partition of a `partitioned-by` graph), `__in`/`__out` (its degrees) and its properties. Its edges: `__eid`
(the edge row's position), `__src`/`__dst` (the nodes' `__gid`) and the edge row's columns.

What Kusto leaves arbitrary is refused at run time rather than guessed: a node id in several rows of the
nodes tables (Kusto merges their properties "arbitrarily"), a null node id.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from kqlrules.engine.names import name_text
from kqlrules.engine.operators.common import need_input
from kqlrules.engine.operators.registry import operator
from kqlrules.engine.relation import ORDER, Relation
from kqlrules.engine.sql import Sql, quote_identifier
from kqlrules.engine.translator import Translator
from kqlrules.engine.types import DUCKDB_TYPES
from kqlrules.kusto import Node
from kqlrules.table import Column

GID, KEY, PART, DEGREE_IN, DEGREE_OUT = "__gid", "__key", "__part", "__in", "__out"
EID, SRC, DST = "__eid", "__src", "__dst"
NODE_HIDDEN = (GID, KEY, PART, DEGREE_IN, DEGREE_OUT)
EDGE_HIDDEN = (EID, SRC, DST)


@dataclass(frozen=True, kw_only=True)
class Graph(Relation):
    """A graph flowing down a pipe: not a table (no columns), its nodes and edges as CTEs."""

    nodes: Relation  # columns: the node properties (hidden columns as above)
    edges: Relation  # columns: the edge properties
    key_type: str
    partitioned: bool = False
    is_graph: ClassVar[bool] = True


def need_graph(t: Translator, node: Node, source: Relation | None) -> Graph:
    if not isinstance(source, Graph):
        raise t.position.unsupported(f"{node.kind} without a graph (make-graph) before it", node)
    return source


def _empty(kusto_type: str) -> str:
    """A property a node does not have: Kusto's empty value (a string is never null, it is empty)."""
    if kusto_type == "string":
        return "''"
    return f"CAST(NULL AS {DUCKDB_TYPES.get(kusto_type, 'VARCHAR')})"


@operator("MakeGraphOperator")
def make_graph(t: Translator, node: Node, source: Relation | None) -> Relation:
    source = need_input(t, node, source)
    source_node, target_node = node.get("SourceColumn"), node.get("TargetColumn")
    if source_node is None or target_node is None:
        raise t.position.unsupported("make-graph without its source and target columns", node)
    source_key, target_key = name_text(source_node), name_text(target_node)
    key_column = source.column(source_key)
    if key_column is None or source.column(target_key) is None:
        raise t.position.semantic("make-graph names a column its input does not have", node)
    partition_clause = node.get("PartitionedByClause")
    partition: str | None = None
    if partition_clause is not None:
        entity = partition_clause.get("Entity")
        partition = name_text(entity) if entity is not None else None
        if partition is None or source.column(partition) is None:
            raise t.position.unsupported("make-graph partitioned-by this column", partition_clause)

    order = f"ORDER BY {ORDER}" if source.ordered else ""
    quoted = source.select_list()
    part_of_edge = f", {quote_identifier(partition)} AS {PART}" if partition else ""
    raw_edges = t.ctes.add(
        f"SELECT row_number() OVER ({order}) AS {EID}, {quote_identifier(source_key)} AS __ks, "
        f"{quote_identifier(target_key)} AS __kd{part_of_edge}, {quoted} FROM {source.name}",
        source.columns,
    )
    t.guard(
        node,
        f"SELECT count(*) FROM {raw_edges.name} WHERE __ks IS NULL OR __kd IS NULL",
        "make-graph over an edge with a null node id",
    )
    node_rows, properties, key_names = _node_rows(t, node, partition)
    if node_rows is not None:
        t.guard(
            node,
            f"SELECT count(*) FROM (SELECT {KEY} FROM {node_rows.name} GROUP BY {KEY}"
            f"{', ' + PART if partition else ''} HAVING count(*) > 1)",
            "make-graph with a node id in several rows of its nodes tables (Kusto merges them arbitrarily)",
        )
        t.guard(
            node,
            f"SELECT count(*) FROM {node_rows.name} WHERE {KEY} IS NULL",
            "make-graph with a null node id in its nodes table",
        )
    if node_rows is None:
        properties = [Column(p.name, key_column.type) for p in properties]
    nodes = _nodes(t, node, raw_edges, node_rows, properties, key_names, partition)
    same_part = f" AND n.{PART} = e.{PART}" if partition else ""
    edge_columns = ", ".join(f"e.{quote_identifier(c.name)}" for c in source.columns)
    edges = t.ctes.add(
        f"SELECT e.{EID}, s.{GID} AS {SRC}, d.{GID} AS {DST}, {edge_columns} FROM {raw_edges.name} AS e "
        f"JOIN {nodes.name} AS s ON s.{KEY} = e.__ks{same_part.replace('n.', 's.')} "
        f"JOIN {nodes.name} AS d ON d.{KEY} = e.__kd{same_part.replace('n.', 'd.')}",
        source.columns,
    )
    props = ", ".join(f"n.{quote_identifier(c.name)}" for c in nodes.columns)
    degrees = t.ctes.add(
        f"SELECT n.{GID}, n.{KEY}{', n.' + PART if partition else ''}, "
        f"(SELECT count(*) FROM {edges.name} AS e WHERE e.{DST} = n.{GID}) AS {DEGREE_IN}, "
        f"(SELECT count(*) FROM {edges.name} AS e WHERE e.{SRC} = n.{GID}) AS {DEGREE_OUT}"
        f"{', ' + props if props else ''} FROM {nodes.name} AS n",
        nodes.columns,
    )
    graph = Graph(
        degrees.name,
        [],
        nodes=degrees,
        edges=edges,
        key_type=key_column.type,
        partitioned=partition is not None,
    )
    if partition_clause is not None:
        subquery = partition_clause.get("Subquery")
        if subquery is None:
            raise t.position.unsupported("make-graph partitioned-by without a graph operator", node)
        return t.tabular(subquery, graph)
    return graph


def _node_rows(
    t: Translator, node: Node, partition: str | None
) -> tuple[Relation | None, list[Column], list[str]]:
    """The nodes tables' rows as one CTE (`__t` table, `__r` row, `__key`, properties), the properties, and
    the key columns' names."""
    clause = node.get("WithClause")
    if clause is None:
        return None, [], []
    if clause.kind == "MakeGraphWithImplicitIdClause":
        name = clause.get("Name")
        if name is None:
            raise t.position.unsupported("make-graph with_node_id without a name", clause)
        return None, [Column(name_text(name), "")], [name_text(name)]
    if clause.kind != "MakeGraphWithTablesAndKeysClause":
        raise t.position.unsupported(f"make-graph {clause.kind}", clause)
    tables: list[tuple[Relation, str]] = []
    for item in clause.elements("TablesAndKeys"):
        table_node, column_node = item.get("Table"), item.get("Column")
        if table_node is None or column_node is None:
            raise t.position.unsupported("this make-graph nodes table", item)
        tables.append((t.tabular(table_node), name_text(column_node)))
    properties: list[Column] = []
    for relation, _ in tables:
        for column in relation.columns:
            known = next((p for p in properties if p.name == column.name), None)
            if known is None:
                properties.append(column)
            elif known.type != column.type:
                raise t.position.unsupported(
                    f"make-graph nodes tables whose column {column.name} differs in type", clause
                )
    selects = []
    for index, (relation, key) in enumerate(tables):
        if relation.column(key) is None:
            raise t.position.semantic(f"the nodes table has no column {key}", clause)
        if partition is not None and relation.column(partition) is None:
            raise t.position.unsupported("make-graph partitioned-by over a nodes table without it", clause)
        order = f"ORDER BY {ORDER}" if relation.ordered else ""
        values = [quote_identifier(p.name) if relation.column(p.name) else _empty(p.type) for p in properties]
        part = f", {quote_identifier(partition)} AS {PART}" if partition else ""
        props = "".join(
            f", {v} AS {quote_identifier(p.name)}" for v, p in zip(values, properties, strict=True)
        )
        selects.append(
            f"SELECT {index} AS __t, row_number() OVER ({order}) AS __r, {quote_identifier(key)} AS {KEY}"
            f"{part}{props} FROM {relation.name}"
        )
    rows = t.ctes.add(" UNION ALL ".join(selects), properties)
    return rows, properties, [key for _, key in tables]


def _nodes(
    t: Translator,
    node: Node,
    edges: Relation,
    rows: Relation | None,
    properties: list[Column],
    key_names: list[str],
    partition: str | None,
) -> Relation:
    """Every node: the nodes tables' rows, then the ids only edges name (their key column holds the id, and
    nothing else: Kusto gives them empty properties)."""
    part = f", {PART}" if partition else ""
    ends = (
        f"SELECT {KEY}{part}, min(__pos) AS __pos FROM ("
        f"SELECT __ks AS {KEY}{part}, {EID} * 2 AS __pos FROM {edges.name} UNION ALL "
        f"SELECT __kd AS {KEY}{part}, {EID} * 2 + 1 AS __pos FROM {edges.name}) GROUP BY {KEY}{part}"
    )
    if rows is None:
        # with_node_id=name (or no nodes at all): a node's one property is its id.
        props = "".join(f", {KEY} AS {quote_identifier(c.name)}" for c in properties)
        return t.ctes.add(
            f"SELECT row_number() OVER (ORDER BY __pos) AS {GID}, {KEY}{part}{props} FROM ({ends})",
            properties,
        )
    if len(set(key_names)) > 1:
        t.guard(
            node,
            f"SELECT count(*) FROM ({ends}) AS x WHERE NOT EXISTS (SELECT 1 FROM {rows.name} AS r "
            f"WHERE r.{KEY} = x.{KEY}{' AND r.' + PART + ' = x.' + PART if partition else ''})",
            "make-graph with nodes tables keyed by differently named columns and edges naming other ids",
        )
    filled = []
    for column in properties:
        if column.name in key_names:
            filled.append(f"{KEY} AS {quote_identifier(column.name)}")
        elif partition is not None and column.name == partition:
            filled.append(f"{PART} AS {quote_identifier(column.name)}")
        else:
            filled.append(f"{_empty(column.type)} AS {quote_identifier(column.name)}")
    names = "".join(f", {quote_identifier(c.name)}" for c in properties)
    missing = (
        f"SELECT {len(key_names)} AS __t, __pos AS __r, {KEY}{part}{''.join(', ' + f for f in filled)} "
        f"FROM ({ends}) AS x WHERE NOT EXISTS (SELECT 1 FROM {rows.name} AS r WHERE r.{KEY} = x.{KEY}"
        f"{' AND r.' + PART + ' = x.' + PART if partition else ''})"
    )
    return t.ctes.add(
        f"SELECT row_number() OVER (ORDER BY __t, __r) AS {GID}, {KEY}{part}{names} FROM ("
        f"SELECT __t, __r, {KEY}{part}{names} FROM {rows.name} UNION ALL {missing})",
        properties,
    )


# -- graph-to-table ----------------------------------------------------------------------------------------


def named_parameters(t: Translator, holder: Node | None) -> dict[str, str]:
    """`name=value` parameters whose values are names or keywords."""
    found: dict[str, str] = {}
    if holder is None:
        return found
    for parameter in holder.walk():
        if parameter.kind != "NamedParameter":
            continue
        name, value = parameter.get("Name"), parameter.get("Expression")
        if name is None or value is None:
            continue
        text = name_text(value) if value.kind == "NameDeclaration" else t.source(value).strip()
        found[name_text(name).lower()] = text
    return found


@operator("GraphToTableOperator")
def graph_to_table(t: Translator, node: Node, source: Relation | None) -> Relation:
    graph = need_graph(t, node, source)
    clauses = [c for c in node.walk() if c.kind == "GraphToTableOutputClause"]
    if len(clauses) != 1:
        raise t.position.unsupported("graph-to-table with several result tables", node)
    clause = clauses[0]
    entity = clause.get("EntityKeyword")
    kind = (entity.token or "").lower() if entity is not None else ""
    parameters = named_parameters(t, clause)
    output = t.output_columns(node)
    if parameters and graph.partitioned:
        raise t.position.unsupported("graph-to-table node ids of a partitioned graph", clause)
    if kind == "nodes":
        ids = {parameters.get("with_node_id"): f"n.{KEY}"}
        relation, alias = graph.nodes, "n"
        sql_from = f"{graph.nodes.name} AS n ORDER BY n.{GID}"
    elif kind == "edges":
        ids = {parameters.get("with_source_id"): f"s.{KEY}", parameters.get("with_target_id"): f"d.{KEY}"}
        relation, alias = graph.edges, "e"
        sql_from = (
            f"{graph.edges.name} AS e JOIN {graph.nodes.name} AS s ON s.{GID} = e.{SRC} "
            f"JOIN {graph.nodes.name} AS d ON d.{GID} = e.{DST} ORDER BY e.{EID}"
        )
    else:
        raise t.position.unsupported(f"graph-to-table {kind}", clause)
    parts = []
    for column in output:
        if column.name in ids:
            hashed = t.call_scalar("hash", [Sql(ids[column.name], graph.key_type)], "long", clause)
            parts.append(f"{hashed.text} AS {quote_identifier(column.name)}")
        elif relation.column(column.name) is not None:
            parts.append(f"{alias}.{quote_identifier(column.name)}")
        else:
            raise t.position.unsupported(f"graph-to-table column {column.name}", clause)
    return t.ctes.add(f"SELECT {', '.join(parts) or 'NULL AS __kql_empty'} FROM {sql_from}", output)


# -- graph-mark-components ---------------------------------------------------------------------------------


@operator("GraphMarkComponentsOperator")
def graph_mark_components(t: Translator, node: Node, source: Relation | None) -> Relation:
    graph = need_graph(t, node, source)
    parameters = named_parameters(t, node.get("Parameters"))
    kind = parameters.get("kind", "weak").lower()
    name = parameters.get("with_component_id", "ComponentId")
    if kind not in ("weak", "strong"):
        raise t.position.unsupported(f"graph-mark-components kind={kind}", node)
    if graph.nodes.column(name) is not None:
        raise t.position.unsupported(f"graph-mark-components over an existing property {name}", node)
    edges, nodes = graph.edges.name, graph.nodes.name
    if kind == "weak":
        steps = f"SELECT {SRC} AS a, {DST} AS b FROM {edges} UNION SELECT {DST}, {SRC} FROM {edges}"
        roots = "SELECT n, min(r) AS root FROM reach GROUP BY n"
    else:
        steps = f"SELECT {SRC} AS a, {DST} AS b FROM {edges}"
        roots = (
            "SELECT x.n, min(x.r) AS root FROM reach AS x JOIN reach AS y ON y.n = x.r AND y.r = x.n "
            "GROUP BY x.n"
        )
    # Each node's component is named by its first node; the components are numbered in that order (Kusto
    # says the numbering is arbitrary: this one is stable).
    part = f"PARTITION BY n.{PART} " if graph.partitioned else ""
    hidden = ", ".join(f"n.{c}" for c in NODE_HIDDEN if c != PART or graph.partitioned)
    props = "".join(f", n.{quote_identifier(c.name)}" for c in graph.nodes.columns)
    marked = t.ctes.add(
        f"WITH RECURSIVE steps AS ({steps} UNION SELECT {GID}, {GID} FROM {nodes}), "
        f"reach(n, r) AS (SELECT a, b FROM steps UNION SELECT reach.n, steps.b FROM reach "
        f"JOIN steps ON steps.a = reach.r), roots AS ({roots}) "
        f"SELECT {hidden}{props}, dense_rank() OVER ({part}ORDER BY roots.root) - 1 "
        f"AS {quote_identifier(name)} "
        f"FROM {nodes} AS n JOIN roots ON roots.n = n.{GID}",
        [*graph.nodes.columns, Column(name, "long")],
    )
    return Graph(
        marked.name,
        [],
        nodes=marked,
        edges=graph.edges,
        key_type=graph.key_type,
        partitioned=graph.partitioned,
    )
