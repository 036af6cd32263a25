"""A stand-in for the local KQL engine while it is being built: it answers exactly two query shapes,

    <Table>
    <Table> | where <Column> == "<value>"

over in-memory tables. Tests of the workspace server and the runner use it through the real `LocalWorkspace`
(which applies the timespan); they switch to `kqlrules.engine.LocalEngine` once it is on main.
"""

from __future__ import annotations

import re
from datetime import datetime

from kqlrules.errors import KqlrulesError, Location
from kqlrules.table import Table

_SHAPE = re.compile(r'^\s*(\w+)\s*(?:\|\s*where\s+(\w+)\s*==\s*"([^"]*)"\s*)?$')


class TinyEngine:
    def __init__(self, tables: dict[str, Table]) -> None:
        self.tables = tables

    def query(self, kql: str, now: datetime | None = None) -> Table:
        match = _SHAPE.match(kql)
        if match is None:
            raise KqlrulesError(
                'TinyEngine answers only `T` and `T | where C == "v"`', Location("query", 1, 1)
            )
        name, column, value = match.groups()
        if name not in self.tables:
            raise KqlrulesError(f"'{name}' is not a table", Location("query", 1, 1))
        table = self.tables[name]
        if column is None:
            return Table(table.columns, list(table.rows))
        if column not in table.column_names:
            raise KqlrulesError(
                f"'{column}' is not a column of {name}", Location("query", 1, kql.index(column) + 1)
            )
        index = table.column_names.index(column)
        return Table(table.columns, [row for row in table.rows if row[index] == value])
