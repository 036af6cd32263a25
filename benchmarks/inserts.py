"""Fixture-sized table loads: `insert_rows` (multi-row INSERT statements) against `executemany`, side by side.

    python benchmarks/inserts.py [--rows 20] [--columns 20] [--repeat 200]

Prints the median time a load of each and their ratio; both run in one process on the same rows.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kqlrules.engine.storage import _TO_DUCKDB, _same, create_table, insert_rows
from kqlrules.table import Column, Table


def sample(rows: int, columns: int) -> Table:
    kinds = ["datetime", "string", "string", "long", "dynamic"]
    cols = [Column(f"c{i}", kinds[i % len(kinds)]) for i in range(columns)]
    start = datetime(2024, 5, 1, tzinfo=UTC)
    values: dict[str, Any] = {"string": "user@contoso.com", "long": 50126, "dynamic": {"a": [1, 2]}}
    data = [
        [start + timedelta(minutes=r) if c.type == "datetime" else values[c.type] for c in cols]
        for r in range(rows)
    ]
    return Table(cols, data)


def executemany(connection: Any, name: str, table: Table) -> None:
    """What `insert_rows` did before: the same value conversions, one statement run per row."""
    marks = ", ".join("?" for _ in table.columns)
    converters = [_TO_DUCKDB.get(c.type, _same) for c in table.columns]
    rows = [[conv(v) for conv, v in zip(converters, row, strict=True)] for row in table.rows]
    connection.executemany(f'INSERT INTO "{name}" VALUES ({marks})', rows)


def timed(load: Any, connection: Any, table: Table, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        create_table(connection, "T", table.columns)
        started = time.perf_counter()
        load(connection, "T", table)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20)
    parser.add_argument("--columns", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    table = sample(args.rows, args.columns)
    connection = duckdb.connect()
    ours = timed(insert_rows, connection, table, args.repeat)
    theirs = timed(executemany, connection, table, args.repeat)
    print(f"{args.rows} rows x {args.columns} columns, median of {args.repeat}")
    print(f"insert_rows (multi-row INSERT)  {ours * 1000:7.2f} ms")
    print(f"executemany                     {theirs * 1000:7.2f} ms")
    print(f"ratio executemany / insert_rows {theirs / ours:7.2f}")


if __name__ == "__main__":
    main()
