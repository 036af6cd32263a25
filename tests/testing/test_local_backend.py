"""The local backend's shared DuckDB connection: helpers defined once, however many engines use it."""

from __future__ import annotations

import duckdb

from kqlrules.testing.local_backend import SharedConnection


def test_a_function_registered_twice_is_registered_once() -> None:
    shared = SharedConnection(duckdb.connect())
    for _ in range(2):
        shared.create_function("kql_twice", lambda x: x * 2, ["BIGINT"], "BIGINT")
    assert shared.execute("SELECT kql_twice(21)").fetchone() == (42,)


def test_a_macro_defined_again_is_not_run_again_but_queries_are() -> None:
    shared = SharedConnection(duckdb.connect())
    for _ in range(2):
        shared.execute("CREATE MACRO kql_inc(x) AS x + 1")
    assert shared.execute("SELECT kql_inc(?)", [1]).fetchone() == (2,)
    shared.execute("CREATE TABLE t (a INTEGER)")
    shared.execute("INSERT INTO t VALUES (1)")
    shared.execute("INSERT INTO t VALUES (1)")
    assert shared.execute("SELECT count(*) FROM t").fetchone() == (2,)
