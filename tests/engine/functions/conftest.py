"""Run single translations on a real DuckDB connection: literal arguments in, Python values out."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import duckdb
import pytest

from kqlrules.engine.functions import AGGREGATES, BINARY_OPERATORS, SCALARS, Call
from kqlrules.engine.sql import Sql
from kqlrules.engine.udfs import register_udfs
from tests.engine.functions.harness import Context, _infer, as_python, lit, readable


@pytest.fixture(scope="session")
def connection() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    register_udfs(con)
    return con


@pytest.fixture(scope="session")
def scalar(connection: duckdb.DuckDBPyConnection) -> Callable[..., Any]:
    """scalar("strcat", lit("a"), "b", result_type="string") -> 'ab' (plain values become literals)."""

    def run(name: str, *args: Any, result_type: str = "unknown") -> Any:
        sql_args = [a if isinstance(a, Sql) else lit(a) for a in args]
        translated = SCALARS[name](Context(), Call(name, sql_args, result_type))
        row = connection.execute(f"SELECT {readable(translated)}").fetchone()
        assert row is not None
        return as_python(row[0], translated.type)

    return run


@pytest.fixture(scope="session")
def typed(connection: duckdb.DuckDBPyConnection) -> Callable[..., Sql]:
    """The translated Sql itself (to check types and constant folding)."""

    def run(name: str, *args: Any, result_type: str = "unknown") -> Sql:
        sql_args = [a if isinstance(a, Sql) else lit(a) for a in args]
        return SCALARS[name](Context(), Call(name, sql_args, result_type))

    return run


@pytest.fixture(scope="session")
def binary(connection: duckdb.DuckDBPyConnection) -> Callable[..., Any]:
    def run(kind: str, left: Any, right: Any) -> Any:
        lhs = left if isinstance(left, Sql) else lit(left)
        rhs = right if isinstance(right, Sql) else lit(right)
        translated = BINARY_OPERATORS[kind](Context(), lhs, rhs, kind)
        row = connection.execute(f"SELECT {readable(translated)}").fetchone()
        assert row is not None
        return as_python(row[0], translated.type)

    return run


@pytest.fixture(scope="session")
def aggregate(connection: duckdb.DuckDBPyConnection) -> Callable[..., Any]:
    """aggregate("sum", [1, 2, 3]) aggregates one column `x` of the given values (type inferred or given)."""

    def run(
        name: str, values: list[Any], *extra: Any, kind: str | None = None, result_type: str = "unknown"
    ) -> Any:
        column_type = kind or next((_infer(v) for v in values if v is not None), "long")
        rows = " UNION ALL ".join(f"SELECT {lit(v, column_type).text} AS x" for v in values) or (
            f"SELECT {lit(None, column_type).text} AS x WHERE FALSE"
        )
        column = Sql("x", column_type)
        args = [column, *(e if isinstance(e, Sql) else lit(e) for e in extra)]
        translated = AGGREGATES[name](Context(), Call(name, args, result_type))
        row = connection.execute(f"SELECT {readable(translated)} FROM ({rows})").fetchone()
        assert row is not None
        return as_python(row[0], translated.type)

    return run
