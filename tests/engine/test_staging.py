"""`evaluate bag_unpack()` without an output schema: planned once the bags are read (engine.staging)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kqlrules.engine import LocalEngine, SchemaFromData, UnsupportedKql
from kqlrules.kusto import SchemaSet
from kqlrules.table import Column, Table
from kqlrules.testing.local_backend import LocalBackend
from kqlrules.testing.runner import PreparedQuery

QUERY = "Signins | evaluate bag_unpack(Fields) | where Risk > 1 | project User, Risk"
NOW = datetime(2024, 1, 1, tzinfo=UTC)


def signins() -> Table:
    columns = [Column("User", "string"), Column("Fields", "dynamic")]
    return Table(columns, [["alice", {"Risk": 2}], ["bob", {"Risk": 1}], ["carol", None]])


def test_a_plan_without_the_data_is_refused_with_the_reason() -> None:
    engine = LocalEngine({"Signins": signins()})
    with pytest.raises(UnsupportedKql, match="depend on the data") as raised:
        engine.translate(QUERY)
    assert isinstance(raised.value, SchemaFromData)


def test_a_query_reads_the_bags_then_runs_with_their_columns() -> None:
    engine = LocalEngine({"Signins": signins()})
    result = engine.query(QUERY, now=NOW)
    assert [(c.name, c.type) for c in result.columns] == [("User", "string"), ("Risk", "long")]
    assert result.rows == [["alice", 2]]


def test_a_detection_test_backend_stages_the_query_too() -> None:
    backend = LocalBackend(SchemaSet())
    try:
        result = backend.run(PreparedQuery(QUERY, ("Signins",)), {"Signins": signins()}, NOW)
    finally:
        backend.close()
    assert result.rows == [["alice", 2]]
