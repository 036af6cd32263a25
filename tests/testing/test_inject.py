"""Fixtures as `let <Table> = datatable(...)` statements, for running cases on a real workspace."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kqlrules.engine import LocalEngine
from kqlrules.kusto import SchemaSet, shared_analyzer
from kqlrules.table import Column, Table
from kqlrules.testing.inject import inject, value_literal

COLUMNS = [
    Column("TimeGenerated", "datetime"),
    Column("Name", "string"),
    Column("Count", "long"),
    Column("Score", "real"),
    Column("Ok", "bool"),
    Column("Took", "timespan"),
    Column("Id", "guid"),
    Column("Props", "dynamic"),
    Column("Odd name", "string"),
]
ROW = [
    datetime(2024, 5, 1, 11, 59, 30, 250000, tzinfo=UTC),
    'say "hi"\n\\ok',
    3,
    0.5,
    True,
    timedelta(days=1, minutes=2, seconds=3),
    "0b0e8f0e-1c1e-4c1e-9c1e-0b0e8f0e1c1e",
    {"a": [1, "x"]},
    "",
]


def test_each_type_has_its_literal() -> None:
    assert value_literal(ROW[0], "datetime") == "datetime(2024-05-01T11:59:30.250000Z)"
    assert value_literal(ROW[1], "string") == '"say \\"hi\\"\\n\\\\ok"'
    assert value_literal(3, "long") == "long(3)"
    assert value_literal(ROW[5], "timespan") == "timespan(1.00:02:03)"
    assert value_literal({"a": [1, "x"]}, "dynamic") == 'dynamic({"a": [1, "x"]})'
    assert value_literal(None, "datetime") == "datetime(null)"
    assert value_literal(None, "string") == '""'


@pytest.mark.parametrize(
    "value",
    [
        timedelta(days=1, minutes=2, seconds=3),
        timedelta(minutes=5),
        -timedelta(seconds=90),
        timedelta(microseconds=1500),
    ],
)
def test_a_timespan_literal_reads_back_as_the_same_value_on_the_local_engine(value: timedelta) -> None:
    result = LocalEngine({}).query(f"print t = {value_literal(value, 'timespan')}")
    assert result.rows == [[value]]


def test_injected_tables_shadow_the_workspace_tables_and_bind_cleanly() -> None:
    schemas = SchemaSet()
    schemas.add_table("T", [(c.name, c.type) for c in COLUMNS])
    tables = {"T": Table(COLUMNS, [ROW, [None] * len(COLUMNS)])}
    text, added = inject(tables, "T\n| where Count > 1\n| project Name, Props")
    analysis = shared_analyzer().analyze(text, schemas)
    assert analysis.errors == []
    assert [c.name for c in analysis.result_columns or []] == ["Name", "Props"]
    assert text.splitlines()[added] == "T"


def test_an_empty_table_keeps_its_columns() -> None:
    text, _ = inject({"T": Table(COLUMNS[:2], [])}, "T")
    assert text.startswith("let T = datatable(TimeGenerated:datetime, Name:string)[];")
