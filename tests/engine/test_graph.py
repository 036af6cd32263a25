"""Kusto's graph semantics on the local engine: make-graph, graph-match, graph-shortest-paths, graph-to-table,
graph-mark-components and the graph functions. Expected outputs are the Kusto reference's own (its examples'
documented outputs), or follow from its stated rules."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from kqlrules.engine import LocalEngine, UnsupportedKql


@pytest.fixture(scope="module")
def engine() -> Iterator[LocalEngine]:
    local = LocalEngine()
    yield local
    local.close()


def rows(engine: LocalEngine, query: str) -> list[list[Any]]:
    return sorted((list(r) for r in engine.query(query).rows), key=repr)


ATTACKS = """
let nodes = datatable(name:string, type:string, age:long)
[
  "Alice", "Person", 23,
  "Bob", "Person", 31,
  "Eve", "Person", 17,
  "Trent", "System", 99
];
let edges = datatable(source:string, destination:string, edge_type:string)
[
  "Alice", "Bob", "communicatesWith",
  "Alice", "Trent", "trusts",
  "Bob", "Trent", "hasPermission",
  "Eve", "Alice", "attacks",
  "Mallory", "Alice", "attacks",
  "Mallory", "Bob", "attacks"
];
edges
| make-graph source --> destination with nodes on name
"""

STATIONS = """
let connections = datatable(from_station:string, to_station:string, line:string)
[
  "Central", "North", "red",
  "North", "Central", "red",
  "Central", "South",  "red",
  "South", "Central",  "red",
  "South", "South-West", "red",
  "South-West", "South", "red",
  "South-West", "West", "red",
  "West", "South-West", "red",
  "Central", "East", "blue",
  "East", "Central", "blue",
  "Central", "West", "blue",
  "West", "Central", "blue",
];
connections
"""

REPORTS = """
let employees = datatable(name:string, age:long)
[ "Alice", 32, "Bob", 31, "Eve", 27, "Joe", 29, "Chris", 45, "Alex", 35, "Ben", 23, "Richard", 39,
  "Jim", 42 ];
let reports = datatable(employee:string, manager:string)
[ "Bob", "Alice", "Chris", "Alice", "Eve", "Bob", "Ben", "Chris", "Joe", "Alice", "Richard", "Bob",
  "Alice", "Jim" ];
reports
| make-graph employee --> manager with employees on name
"""

CHILD_OF = """
let ChildOf = datatable(child:string, parent:string)
[ "Alice", "Bob", "Carol", "Alice", "Carol", "Dave", "Greg", "Alice", "Greg", "Dave", "Howard", "Alice",
  "Howard", "Dave", "Eve", "Frank", "Frank", "Mallory", "Eve", "Kirk" ];
ChildOf
| make-graph child --> parent with_node_id=name
"""

PAIRS = (
    'let E = datatable(s:string, d:string) ["A", "B", "B", "A", "C", "C"];\n'
    "E | make-graph s --> d with_node_id=id\n"
)


def test_a_fixed_pattern_joins_nodes_and_edges_by_their_properties(engine: LocalEngine) -> None:
    query = ATTACKS + (
        "| graph-match (mallory)-[attacks]->(compromised)-[hasPermission]->(trent)\n"
        '  where mallory.name == "Mallory" and trent.name == "Trent" and attacks.edge_type == "attacks"\n'
        '    and hasPermission.edge_type == "hasPermission"\n'
        "  project Attacker = mallory.name, Compromised = compromised.name, System = trent.name"
    )
    assert rows(engine, query) == [["Mallory", "Bob", "Trent"]]


def test_a_variable_length_edge_lists_its_edges_from_the_left_node(engine: LocalEngine) -> None:
    query = REPORTS + (
        "| graph-match (alice)<-[reports*1..5]-(employee)\n"
        '  where alice.name == "Alice" and employee.age < 30\n'
        "  project employee = employee.name, age = employee.age, reportingPath = reports.manager"
    )
    assert rows(engine, query) == [
        ["Ben", 23, ["Alice", "Chris"]],
        ["Eve", 27, ["Alice", "Bob"]],
        ["Joe", 29, ["Alice"]],
    ]


def test_a_condition_on_a_variable_length_edge_holds_for_each_of_its_edges(engine: LocalEngine) -> None:
    query = REPORTS + (
        "| graph-match (top)<-[reports*1..3]-(employee)\n"
        '  where top.name == "Jim" and reports.employee != "Bob"\n'
        "  project employee.name"
    )
    # Every path through Bob's edge (Bob, Eve, Richard) is left out.
    assert rows(engine, query) == [["Alice"], ["Ben"], ["Chris"], ["Joe"]]


def test_any_and_map_read_the_edges_of_a_path(engine: LocalEngine) -> None:
    query = """
let Locations = datatable(LocationName: string, LocationType: string) [
    "New York", "City", "San Francisco", "City", "Chicago", "City", "Los Angeles", "City",
    "Seattle", "Warehouse"
];
let Routes = datatable(OriginLocationID: string, DestinationLocationID: string, TransportMode: string) [
    "New York", "San Francisco", "Truck", "New York", "Chicago", "Train",
    "San Francisco", "Los Angeles", "Truck",
    "Chicago", "Seattle", "Train", "Los Angeles", "New York", "Truck", "Seattle", "San Francisco", "Train"
];
Routes
| make-graph OriginLocationID --> DestinationLocationID with Locations on LocationName
| graph-match (src)-[route*1..2]->(dest)
  where any(route, TransportMode == "Train")
  project src.LocationName, dest.LocationName, route_TransportModes = map(route, TransportMode)
"""
    assert rows(engine, query) == sorted(
        [
            ["Seattle", "San Francisco", ["Train"]],
            ["Chicago", "Seattle", ["Train"]],
            ["New York", "Chicago", ["Train"]],
            ["Seattle", "Los Angeles", ["Train", "Truck"]],
            ["Chicago", "San Francisco", ["Train", "Train"]],
            ["New York", "Seattle", ["Train", "Train"]],
            ["Los Angeles", "Chicago", ["Truck", "Train"]],
        ],
        key=repr,
    )


def test_shortest_paths_any_keeps_one_path_per_pair(engine: LocalEngine) -> None:
    query = STATIONS + (
        "| make-graph from_station --> to_station with_node_id=station\n"
        "| graph-shortest-paths (start)-[connections*1..5]->(destination)\n"
        '  where start.station == "South-West" and destination.station == "North"\n'
        "  project from = start.station, path = map(connections, to_station), to = destination.station"
    )
    assert rows(engine, query) == [["South-West", ["South", "Central", "North"], "North"]]


def test_shortest_paths_all_keeps_every_path_of_the_shortest_length(engine: LocalEngine) -> None:
    query = STATIONS + (
        "| make-graph from_station --> to_station with_node_id=station\n"
        "| graph-shortest-paths output=all (start)-[connections*1..5]->(destination)\n"
        '  where start.station == "South-West" and destination.station == "North"\n'
        "  project path = map(connections, to_station), line = map(connections, line)"
    )
    assert rows(engine, query) == [
        [["South", "Central", "North"], ["red", "red", "red"]],
        [["West", "Central", "North"], ["red", "blue", "red"]],
    ]


def test_shortest_paths_are_the_shortest_of_the_paths_the_condition_allows(engine: LocalEngine) -> None:
    query = STATIONS.replace("connections\n", "") + (
        "let stations = datatable(station:string, wifi: bool)\n"
        '  ["Central", true, "North", false, "South", false,\n'
        '  "South-West", true, "West", true, "East", false];\n'
        "connections\n"
        "| make-graph from_station --> to_station with stations on station\n"
        "| graph-shortest-paths (start)-[connections*2..5]->(destination)\n"
        '  where start.station == "South-West" and destination.station == "North"\n'
        "    and all(inner_nodes(connections), wifi)\n"
        '  project stations = strcat_array(map(inner_nodes(connections), station), "->")'
    )
    assert rows(engine, query) == [["West->Central"]]


def test_default_cycles_never_use_an_edge_twice(engine: LocalEngine) -> None:
    query = PAIRS + "| graph-match (a)-->(b)-->(c) project a.id, b.id, c.id"
    assert rows(engine, query) == [["A", "B", "A"], ["B", "A", "B"]]


def test_cycles_none_never_visits_a_node_twice(engine: LocalEngine) -> None:
    query = PAIRS + "| graph-match cycles=none (a)-->(b)-->(c) project a.id, b.id, c.id"
    assert rows(engine, query) == []


def test_cycles_all_may_walk_an_edge_again(engine: LocalEngine) -> None:
    query = PAIRS + "| graph-match cycles=all (a)-[e*2..2]->(c) project a.id, c.id"
    assert rows(engine, query) == [["A", "A"], ["B", "B"], ["C", "C"]]


def test_an_any_direction_edge_matches_each_edge_both_ways_and_a_self_loop_once(engine: LocalEngine) -> None:
    query = PAIRS + '| graph-match (a)--(b) where a.id == "A" or a.id == "C" project a.id, b.id'
    assert rows(engine, query) == [["A", "B"], ["A", "B"], ["C", "C"]]


def test_a_zero_length_edge_matches_a_node_with_itself(engine: LocalEngine) -> None:
    query = (
        PAIRS + '| graph-match (a)-[e*0..0]->(b) where a.id == "A" project b.id, n = array_length(map(e, s))'
    )
    assert rows(engine, query) == [["A", 0]]


def test_node_degrees_count_a_nodes_edges_in_the_whole_graph(engine: LocalEngine) -> None:
    query = REPORTS + (
        "| graph-match (manager)<-[reports]-(employee)\n"
        "  where node_degree_out(manager) == 0\n"
        "  project manager.name, employee.name,\n"
        "    di_m=node_degree_in(manager), do_m=node_degree_out(manager),\n"
        "    di_e=node_degree_in(employee), do_e=node_degree_out(employee)"
    )
    assert rows(engine, query) == [["Jim", "Alice", 1, 0, 3, 1]]


def test_a_made_graph_has_no_labels(engine: LocalEngine) -> None:
    query = PAIRS + '| graph-match (a)-->(b) where a.id == "A" project l = labels(a)'
    assert rows(engine, query) == [[[]]]


def test_graph_to_table_nodes_lists_ids_only_edges_name_with_empty_properties(engine: LocalEngine) -> None:
    table = engine.query(ATTACKS + "| graph-to-table nodes with_node_id=NodeId")
    assert [c.name for c in table.columns] == ["NodeId", "name", "type", "age"]
    assert [list(r) for r in table.rows] == [
        [-3122868243544336885, "Alice", "Person", 23],
        [-7133945255344544237, "Bob", "Person", 31],
        [4363395278938690453, "Eve", "Person", 17],
        [2533909231875758225, "Trent", "System", 99],
        [3855580634910899594, "Mallory", "", None],
    ]


def test_graph_to_table_edges_names_their_ends_by_node_hash(engine: LocalEngine) -> None:
    query = ATTACKS + "| graph-to-table edges with_source_id=SourceId with_target_id=TargetId | take 2"
    assert rows(engine, query) == [
        [-3122868243544336885, -7133945255344544237, "Alice", "Bob", "communicatesWith"],
        [-3122868243544336885, 2533909231875758225, "Alice", "Trent", "trusts"],
    ]


def test_graph_to_table_with_two_result_tables_is_refused(engine: LocalEngine) -> None:
    with pytest.raises(UnsupportedKql):
        engine.query(ATTACKS + "| graph-to-table nodes as N, edges as E;\nN")


def test_weak_components_are_numbered_in_the_order_of_their_first_node(engine: LocalEngine) -> None:
    query = CHILD_OF + "| graph-mark-components with_component_id = family | graph-to-table nodes"
    assert [list(r) for r in engine.query(query).rows] == [
        ["Alice", 0],
        ["Bob", 0],
        ["Carol", 0],
        ["Dave", 0],
        ["Greg", 0],
        ["Howard", 0],
        ["Eve", 1],
        ["Frank", 1],
        ["Mallory", 1],
        ["Kirk", 1],
    ]


def test_a_component_id_is_a_node_property_patterns_read(engine: LocalEngine) -> None:
    query = CHILD_OF + (
        "| graph-mark-components with_component_id = family\n"
        "| graph-match (descendant)-[childOf*1..5]->(ancestor)\n"
        "  project name = ancestor.name, lineage = map(childOf, child), family = ancestor.family\n"
        "| summarize (generations, name) = arg_max(array_length(lineage), name) by family"
    )
    assert rows(engine, query) == [[0, 2, "Bob"], [1, 2, "Mallory"]]


def test_strong_components_follow_the_edges_directions(engine: LocalEngine) -> None:
    query = (
        'datatable(s:string, d:string) ["A", "B", "B", "A", "B", "C", "D", "C"]\n'
        "| make-graph s --> d with_node_id=id\n"
        "| graph-mark-components kind=strong\n"
        "| graph-to-table nodes"
    )
    assert [list(r) for r in engine.query(query).rows] == [["A", 0], ["B", 0], ["C", 1], ["D", 2]]


def test_a_partitioned_graph_matches_within_each_partition(engine: LocalEngine) -> None:
    query = """
let nodes = datatable(id:string, tenant:string, name:string)
  ["u1", "T1", "Ann", "u2", "T1", "Ben", "u1", "T2", "Cy"];
let edges = datatable(a:string, b:string, tenant:string) ["u1", "u2", "T1", "u2", "u1", "T2"];
edges
| make-graph a --> b with nodes on id partitioned-by tenant (
    graph-match (x)-->(y) project from = x.name, to = y.name, tenant = y.tenant
)
"""
    # In T2, u2 is only named by an edge: its name is empty.
    assert rows(engine, query) == [["", "Cy", "T2"], ["Ann", "Ben", "T1"]]


def test_a_node_id_in_two_rows_of_the_nodes_table_is_refused(engine: LocalEngine) -> None:
    query = (
        'let nodes = datatable(id:string, v:long) ["A", 1, "A", 2];\n'
        'datatable(s:string, d:string) ["A", "B"] | make-graph s --> d with nodes on id\n'
        "| graph-to-table nodes"
    )
    with pytest.raises(UnsupportedKql):
        engine.query(query)


def test_a_table_operator_over_a_graph_is_refused(engine: LocalEngine) -> None:
    with pytest.raises(UnsupportedKql):
        engine.query(PAIRS + "| take 1")


def test_a_single_node_pattern_matches_every_node(engine: LocalEngine) -> None:
    query = PAIRS + "| graph-match (n) project n.id, degree = node_degree_in(n)"
    assert rows(engine, query) == [["A", 1], ["B", 1], ["C", 1]]


def test_a_whole_graph_element_as_a_value_is_refused(engine: LocalEngine) -> None:
    with pytest.raises(UnsupportedKql):
        engine.query(PAIRS + "| graph-match (n) project n")


def test_cycles_none_over_several_sequences_is_refused(engine: LocalEngine) -> None:
    with pytest.raises(UnsupportedKql):
        engine.query(PAIRS + "| graph-match cycles=none (a)-->(b), (b)-->(c) project a.id")


def test_a_node_only_edges_name_has_empty_strings_not_nulls(engine: LocalEngine) -> None:
    query = ATTACKS + '| graph-match (n) where n.type == "" project n.name, isnull(n.age)'
    assert rows(engine, query) == [["Mallory", True]]
