"""The comparison rules of the conformance runner that concern shapes: each can fail."""

from __future__ import annotations

from tests.conformance.runner import Case, canonical, printed, same


def _case(rows: list[list[str]]) -> Case:
    return Case(1, "geo-x-function.md", "", "print r = 1", ["r"], rows, [])


def test_a_ring_started_at_another_vertex_is_the_same_polygon() -> None:
    documented = '{"type":"Polygon","coordinates":[[[1,0],[1,1],[0,1],[0,0],[1,0]]]}'
    engine = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}
    assert same(canonical(engine, "dynamic"), printed(documented, "dynamic"))


def test_a_ring_in_the_other_direction_or_with_other_vertices_differs() -> None:
    documented = '{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}'
    reversed_ring = {"type": "Polygon", "coordinates": [[[0, 0], [0, 1], [1, 1], [1, 0], [0, 0]]]}
    moved = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 2], [0, 1], [0, 0]]]}
    assert not same(canonical(reversed_ring, "dynamic"), printed(documented, "dynamic"))
    assert not same(canonical(moved, "dynamic"), printed(documented, "dynamic"))


def test_an_elided_output_is_not_comparable() -> None:
    assert not _case([['{"type": "Polygon", "coordinates": [ ... ]}']]).comparable
    assert _case([['{"type": "Polygon", "coordinates": [[[0,0],[1,0],[1,1],[0,0]]]}']]).comparable
