"""How each Kusto type lives in DuckDB. The analyzer gives every expression its Kusto type statically, so the
DuckDB value never has to say which Kusto type it is.

| Kusto     | DuckDB                                  | null                         |
|-----------|-----------------------------------------|------------------------------|
| string    | VARCHAR                                 | never: Kusto strings are '' |
| long, int | BIGINT, INTEGER                         | NULL                         |
| real      | DOUBLE                                  | NULL                         |
| decimal   | DOUBLE (documented approximation)       | NULL                         |
| bool      | BOOLEAN                                 | NULL                         |
| datetime  | TIMESTAMP (UTC, naive, microseconds)    | NULL                         |
| timespan  | BIGINT: 100-nanosecond ticks            | NULL                         |
| guid      | VARCHAR (lower-case canonical)          | NULL                         |
| dynamic   | JSON                                    | NULL (JSON null is 'null')   |
"""

from __future__ import annotations

DUCKDB_TYPES = {
    "string": "VARCHAR",
    "long": "BIGINT",
    "int": "INTEGER",
    "real": "DOUBLE",
    "decimal": "DOUBLE",
    "bool": "BOOLEAN",
    "datetime": "TIMESTAMP",
    "timespan": "BIGINT",
    "guid": "VARCHAR",
    "dynamic": "JSON",
}

TICKS_PER_MICROSECOND = 10
TICKS_PER_SECOND = 10_000_000


def normalise_type(name: str) -> str:
    """The analyzer's type names (`string`, `long`, `int`, `real`, `datetime`, `timespan`, `dynamic`, ...)."""
    lowered = name.lower()
    return {"boolean": "bool", "double": "real", "date": "datetime", "time": "timespan", "uuid": "guid"}.get(
        lowered, lowered
    )
