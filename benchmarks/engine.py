"""Engine benchmark: detection-shaped KQL on the local engine against the same logic hand-written in DuckDB
SQL, on locally generated SigninLogs/AuditLogs; and translation time over the Sentinel corpus. When the
`duckdb-kql` package is installed, its SQL for the same KQL runs on the same data too (translated once,
like the engine's cached plans; its translation time is printed apart).

The runs of one query are interleaved (engine, SQL, duckdb-kql, engine, ...): on a shared machine the
ratios are paired, the absolute times noisy.

    python benchmarks/engine.py [--rows 1000000 10000000] [--shared ../shared] [--repeat 5]
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import importlib
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import duckdb

from kqlrules.engine import CACHE, LocalEngine
from kqlrules.kusto import SchemaSet

NOW = datetime(2024, 1, 8, tzinfo=UTC)

SCHEMAS = {
    "SigninLogs": [
        ("TimeGenerated", "datetime"),
        ("UserPrincipalName", "string"),
        ("IPAddress", "string"),
        ("AppDisplayName", "string"),
        ("ResultType", "long"),
    ],
    "AuditLogs": [
        ("TimeGenerated", "datetime"),
        ("OperationName", "string"),
        ("InitiatedBy", "dynamic"),
        ("TargetResources", "dynamic"),
    ],
}

QUERIES = {
    "filter + summarize by user and bin": (
        """SigninLogs
| where TimeGenerated > ago(7d) and ResultType != 0
| summarize Failures = count(), IPs = dcount(IPAddress) by UserPrincipalName, bin(TimeGenerated, 1h)
| where Failures > 3""",
        """SELECT UserPrincipalName, time_bucket(INTERVAL 1 HOUR, TimeGenerated) AS TimeGenerated,
       count(*) AS Failures, count(DISTINCT NULLIF(IPAddress, '')) AS IPs
FROM SigninLogs
WHERE TimeGenerated > TIMESTAMP '2024-01-01 00:00:00' AND ResultType <> 0
GROUP BY ALL HAVING count(*) > 3""",
    ),
    "two-table join": (
        """SigninLogs
| where ResultType == 0
| summarize LastSignin = max(TimeGenerated) by UserPrincipalName
| join kind=inner (
    AuditLogs
    | where OperationName == "Add member to role"
    | extend Actor = tostring(InitiatedBy.user.userPrincipalName)
  ) on $left.UserPrincipalName == $right.Actor
| summarize RoleChanges = count(), FirstChange = min(TimeGenerated) by UserPrincipalName, LastSignin""",
        """SELECT s.UserPrincipalName, s.LastSignin,
       count(*) AS RoleChanges, min(a.TimeGenerated) AS FirstChange
FROM (SELECT UserPrincipalName, max(TimeGenerated) AS LastSignin FROM SigninLogs WHERE ResultType = 0
      GROUP BY UserPrincipalName) AS s
JOIN (SELECT TimeGenerated, coalesce(InitiatedBy->>'$.user.userPrincipalName', '') AS Actor FROM AuditLogs
      WHERE OperationName = 'Add member to role') AS a
ON s.UserPrincipalName = a.Actor
GROUP BY ALL""",
    ),
    "mv-expand + summarize": (
        """AuditLogs
| mv-expand Target = TargetResources
| summarize Changes = count() by TargetType = tostring(Target.type)""",
        """SELECT coalesce(t->>'$.type', '') AS TargetType, count(*) AS Changes
FROM (SELECT unnest(CAST(TargetResources AS JSON[])) AS t FROM AuditLogs)
GROUP BY ALL""",
    ),
}


def generate(connection: duckdb.DuckDBPyConnection, rows: int) -> None:
    stamp = f"TIMESTAMP '2023-12-25 00:00:00' + to_microseconds(i * {86_400_000_000 * 14 // rows})"
    apps = "['Teams', 'Outlook', 'Portal', 'SharePoint'][CAST(1 + hash(i * 3) % 4 AS BIGINT)]"
    operations = "['Add member to role', 'Update user', 'Reset password'][CAST(1 + hash(i) % 3 AS BIGINT)]"
    kinds = "['Role', 'Group', 'Device'][CAST(1 + hash(i * 17) % 3 AS BIGINT)]"
    connection.execute(f"""
        CREATE OR REPLACE TABLE SigninLogs AS
        SELECT {stamp} AS TimeGenerated,
               'user' || (hash(i) % 5000) || '@contoso.com' AS UserPrincipalName,
               '10.0.' || (hash(i * 7) % 256) || '.' || (hash(i * 13) % 256) AS IPAddress,
               {apps} AS AppDisplayName,
               CASE WHEN hash(i * 5) % 10 < 7 THEN 0 ELSE 50126 END AS ResultType
        FROM range({rows}) AS r(i)""")
    connection.execute(f"""
        CREATE OR REPLACE TABLE AuditLogs AS
        SELECT {stamp} AS TimeGenerated,
               {operations} AS OperationName,
               CAST('{{"user":{{"userPrincipalName":"user' || (hash(i * 11) % 5000) || '@contoso.com"}}}}'
                    AS JSON) AS InitiatedBy,
               CAST('[{{"type":"User","id":"' || i || '"}},{{"type":"' ||
                    {kinds} || '"}}]' AS JSON) AS TargetResources
        FROM range({rows}) AS r(i)""")


def _fetch(connection: duckdb.DuckDBPyConnection, sql: str, params: Any) -> list[Any]:
    return connection.execute(sql, params).fetchall()


def _interleaved_medians(runs: list[Callable[[], Any]], repeat: int) -> list[float]:
    """Median seconds of each run, the runs taking turns so that a busy moment of the machine is shared."""
    timings: list[list[float]] = [[] for _ in runs]
    for _ in range(repeat):
        for run, spent in zip(runs, timings, strict=True):
            started = time.perf_counter()
            run()
            spent.append(time.perf_counter() - started)
    return [statistics.median(spent) for spent in timings]


def _duckdb_kql_sql(kql: str) -> tuple[str, Any, float] | None:
    """duckdb-kql's SQL for `kql`, its parameters and translation seconds, if the package is installed."""
    try:
        duckdb_kql = importlib.import_module("duckdb_kql")
    except ImportError:
        return None
    schema = {table: [name for name, _ in columns] for table, columns in SCHEMAS.items()}
    started = time.perf_counter()
    translated = duckdb_kql.to_sql(kql, schema=schema, query_now=NOW)
    return str(translated), getattr(translated, "parameters", None) or None, time.perf_counter() - started


class QueryTiming:
    def __init__(self, name: str, local: float, hand: float, rows: tuple[int, int]) -> None:
        self.name, self.local, self.hand, self.rows = name, local, hand, rows
        self.other: float | None = None  # duckdb-kql's execution
        self.other_rows: int | None = None
        self.other_translation: float | None = None


def bench_queries(rows: int, repeat: int) -> list[QueryTiming]:
    connection = duckdb.connect()
    generate(connection, rows)
    schemas = SchemaSet()
    for name, columns in SCHEMAS.items():
        schemas.add_table(name, columns)
    engine = LocalEngine(schemas=schemas, connection=connection)
    results = []
    for name, (kql, sql) in QUERIES.items():
        kql_rows = len(engine.query(kql, now=NOW).rows)  # warms the translation cache
        sql_rows = len(connection.execute(sql).fetchall())
        runs: list[Callable[[], Any]] = [
            functools.partial(engine.query, kql, now=NOW),
            functools.partial(_fetch, connection, sql, None),
        ]
        other = _duckdb_kql_sql(kql)
        if other is not None:
            other_sql, other_params, other_translation = other
            other_rows = len(_fetch(connection, other_sql, other_params))
            runs.append(functools.partial(_fetch, connection, other_sql, other_params))
        medians = _interleaved_medians(runs, repeat)
        timing = QueryTiming(name, medians[0], medians[1], (kql_rows, sql_rows))
        if other is not None:
            timing.other, timing.other_rows, timing.other_translation = (
                medians[2],
                other_rows,
                other_translation,
            )
        results.append(timing)
    connection.close()
    return results


def bench_translation(shared: Path) -> tuple[float, float, int]:
    from kqlrules.engine.corpus import rule_queries

    schemas = SchemaSet.load(shared / "schemas")
    engine = LocalEngine(schemas=schemas)
    engine.query("print 1")  # starts the analyzer and defines the schemas
    cold: list[float] = []
    cached: list[float] = []
    queries = [q for _, q in rule_queries(shared / "corpus" / "sentinel-rules")]
    CACHE.clear()
    for query in queries:
        started = time.perf_counter()
        with contextlib.suppress(Exception):  # a failed translation costs time too: it counts the same
            engine.translate(query)
        cold.append(time.perf_counter() - started)
    for query in queries:
        started = time.perf_counter()
        with contextlib.suppress(Exception):
            engine.translate(query)
        cached.append(time.perf_counter() - started)
    return statistics.median(cold) * 1000, statistics.median(cached) * 1000, len(queries)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, nargs="*", default=[1_000_000, 10_000_000])
    parser.add_argument("--shared", default="../shared")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    for rows in args.rows:
        print(f"\n{rows:,} rows per table (load average {os.getloadavg()[0]:.1f})")
        print(f"{'query':36s} {'local engine':>12s} {'DuckDB SQL':>11s} {'ratio':>6s}  rows")
        for t in bench_queries(rows, args.repeat):
            timings = f"{t.local * 1000:10.0f}ms {t.hand * 1000:9.0f}ms {t.local / t.hand:6.2f}"
            line = f"{t.name:36s} {timings}  {t.rows[0]}/{t.rows[1]}"
            if t.other is not None and t.other_translation is not None:
                line += (
                    f"   duckdb-kql {t.other * 1000:.0f}ms ({t.other / t.hand:.2f}, {t.other_rows} rows,"
                    f" translated in {t.other_translation * 1000:.0f}ms)"
                )
            print(line)
        print(f"(load average {os.getloadavg()[0]:.1f})")
    shared = Path(args.shared)
    if (shared / "corpus").is_dir():
        cold, cached, count = bench_translation(shared)
        print(f"\ntranslation over {count} Sentinel rules: median {cold:.1f} ms cold, {cached:.3f} ms cached")


if __name__ == "__main__":
    main()
