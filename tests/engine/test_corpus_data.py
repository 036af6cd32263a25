"""The rows the data-bearing corpus measure runs the rules over."""

from __future__ import annotations

from datetime import datetime, timedelta

from kqlrules.engine.corpus_data import ROWS_PER_TABLE, column_literals, made_rows, tables_with_rows
from kqlrules.kusto import SchemaSet, TableSchema
from kqlrules.table import Column

NOW = datetime(2026, 11, 9)


def test_literals_are_read_from_comparisons_in_the_queries() -> None:
    found = column_literals(['T | where OperationName == "Add member" and Result in ("a", "b")', "x has 'y'"])
    assert found["OperationName"] == ["Add member"]
    assert found["Result"] == ["a"]
    assert found["x"] == ["y"]


def test_made_rows_are_typed_recent_and_use_the_literals() -> None:
    schema = TableSchema(
        "T",
        (Column("TimeGenerated", "datetime"), Column("OperationName", "string"), Column("Count", "long")),
    )
    rows = made_rows(schema, NOW, {"OperationName": ["Add member"]})
    assert len(rows) == ROWS_PER_TABLE
    assert all(NOW - timedelta(days=14) < r[0] < NOW for r in rows)
    assert {r[1] for r in rows} == {"Add member"}
    assert all(isinstance(r[2], int) for r in rows)


def test_every_schema_table_gets_rows_and_the_sample_tables_keep_theirs() -> None:
    schemas = SchemaSet()
    schemas.add_table("SigninLogs", [("TimeGenerated", "datetime"), ("UserPrincipalName", "string")])
    schemas.add_table("Custom_CL", [("TimeGenerated", "datetime"), ("Name", "string"), ("name", "string")])
    tables, now = tables_with_rows(schemas, [])
    assert len(tables["SigninLogs"].rows) > ROWS_PER_TABLE  # the sample tenant's sign-ins, then made rows
    # Names equal but for case are two columns, as in Kusto (the engine keeps both).
    assert [c.name for c in tables["Custom_CL"].columns] == ["TimeGenerated", "Name", "name"]
    assert len(tables["Custom_CL"].rows) == ROWS_PER_TABLE
    assert now.year >= 2026
