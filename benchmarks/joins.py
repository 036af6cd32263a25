"""innerunique's left-side dedup: the `DISTINCT ON` the engine generates against the `row_number()` window it
generated before, side by side on the same data. Which left row a key keeps is arbitrary in both, as in
Kusto, so only the row counts are compared.

    python benchmarks/joins.py [--rows 333000] [--keys 5000] [--repeat 7]

A left table of `--rows` rows over `--keys` users joins a right table of one row per user, as Kusto's
default join kind does (one left row per key). The two forms take turns; each figure is the median.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import duckdb

WINDOW = "(SELECT * FROM l QUALIFY row_number() OVER (PARTITION BY k) = 1)"
DISTINCT_ON = "(SELECT DISTINCT ON (k) * FROM l)"


def query(left: str) -> str:
    return f"SELECT count(*) FROM {left} AS x JOIN r ON x.k = r.k"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=333_000)
    parser.add_argument("--keys", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    connection = duckdb.connect(":memory:")
    connection.execute(
        f"CREATE TABLE l AS SELECT 'user' || (i % {args.keys}) || '@contoso.com' AS k, i AS v, "
        f"'10.0.' || (i % 250) || '.' || (i % 200) AS ip FROM range({args.rows}) t(i)"
    )
    connection.execute(
        f"CREATE TABLE r AS SELECT 'user' || i || '@contoso.com' AS k FROM range({args.keys}) t(i)"
    )
    same = connection.execute(query(WINDOW)).fetchone() == connection.execute(query(DISTINCT_ON)).fetchone()
    times: dict[str, list[float]] = {"window": [], "distinct_on": []}
    for _ in range(args.repeat):
        for name, left in (("window", WINDOW), ("distinct_on", DISTINCT_ON)):
            started = time.perf_counter()
            connection.execute(query(left)).fetchall()
            times[name].append((time.perf_counter() - started) * 1000)
    window, distinct_on = (statistics.median(times[n]) for n in ("window", "distinct_on"))
    load = os.getloadavg()[0]
    print(f"load average {load:.1f}; {args.rows:,} left rows, {args.keys:,} keys; same row count: {same}")
    ratio = window / distinct_on
    print(f"row_number() window: {window:.0f} ms   DISTINCT ON: {distinct_on:.0f} ms   ratio {ratio:.2f}x")


if __name__ == "__main__":
    main()
