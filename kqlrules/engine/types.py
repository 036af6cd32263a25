"""How each Kusto type lives in DuckDB. The analyzer gives every expression its Kusto type statically, so the
DuckDB value never has to say which Kusto type it is.

| Kusto     | DuckDB                                  | null                         |
|-----------|-----------------------------------------|------------------------------|
| string    | VARCHAR                                 | never: Kusto strings are '' |
| long, int | BIGINT, INTEGER                         | NULL                         |
| real      | DOUBLE                                  | NULL                         |
| decimal   | DOUBLE (documented approximation)       | NULL                         |
| bool      | BOOLEAN                                 | NULL                         |
| datetime  | TIMESTAMP_NS (UTC, naive, 100-ns ticks) | NULL                         |
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
    "datetime": "TIMESTAMP_NS",
    "timespan": "BIGINT",
    "guid": "VARCHAR",
    "dynamic": "JSON",
}

TICKS_PER_MICROSECOND = 10
TICKS_PER_SECOND = 10_000_000

# Kusto's datetime is a count of 100-ns ticks from 0001-01-01 to 9999-12-31 (scalar-data-types/datetime.md).
# DuckDB's TIMESTAMP_NS holds every tick exactly, but only as a signed 64-bit count of nanoseconds from
# 1970: 1677-09-21 00:12:43.1452242 to 2262-04-11 23:47:16.8547758. An instant outside is refused wherever
# it would arise (a literal, a parsed text, arithmetic), never wrapped or rounded.
MIN_UNIX_TICKS = -92_233_720_368_547_758
MAX_UNIX_TICKS = 92_233_720_368_547_758
DATETIME_RANGE_TEXT = "1677-09-21 00:12:43.1452242 to 2262-04-11 23:47:16.8547758"


def normalise_type(name: str) -> str:
    """The analyzer's type names (`string`, `long`, `int`, `real`, `datetime`, `timespan`, `dynamic`, ...)."""
    lowered = name.lower()
    return {"boolean": "bool", "double": "real", "date": "datetime", "time": "timespan", "uuid": "guid"}.get(
        lowered, lowered
    )
