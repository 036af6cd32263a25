"""Every column the sample writes is a column of the real table, with a value of its type."""

from __future__ import annotations

import re
from typing import Any

import pytest

from kqlrules.kusto import SchemaSet

ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _fits(kusto_type: str, value: Any) -> bool:
    if value is None:
        return True
    if kusto_type == "string":
        return isinstance(value, str)
    if kusto_type == "guid":
        return isinstance(value, str) and bool(GUID.match(value))
    if kusto_type == "datetime":
        return isinstance(value, str) and bool(ISO_UTC.match(value))
    if kusto_type == "bool":
        return isinstance(value, bool)
    if kusto_type in ("int", "long"):
        return isinstance(value, int) and not isinstance(value, bool)
    if kusto_type in ("real", "decimal"):
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kusto_type == "dynamic":
        return isinstance(value, dict | list)
    return False


@pytest.fixture(scope="module")
def schemas() -> SchemaSet:
    # The bundled schemas: Microsoft's published ones (Sentinel CI) with the columns the table reference
    # adds (the sign-in tables' Agent), and the tables they lack (Intune, Identity Protection, agents).
    return SchemaSet.builtin()


def test_every_table_has_a_published_schema(
    rows: dict[str, list[dict[str, Any]]], schemas: SchemaSet
) -> None:
    assert sorted(set(rows) - set(schemas.tables)) == []


def test_every_column_exists_with_a_compatible_json_type(
    rows: dict[str, list[dict[str, Any]]], schemas: SchemaSet
) -> None:
    problems = set()
    for table, table_rows in rows.items():
        types = {column.name: column.type for column in schemas.tables[table].columns}
        for row in table_rows:
            for name, value in row.items():
                if name not in types:
                    problems.add(f"{table}.{name}: no such column")
                elif not _fits(types[name], value):
                    problems.add(f"{table}.{name}: {value!r:.60} is not {types[name]}")
    assert sorted(problems) == []
