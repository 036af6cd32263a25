"""The row functions of a serialized row set whose value depends on earlier rows' results: row_cumsum,
row_rank_dense, row_rank_min, row_window_session, and row_number() with a restart condition.

Each is computed over the whole serialized input in CTEs of its own (DuckDB cannot nest window functions,
and a restart condition usually holds `prev()`), then read back into the row by its row number (the unique
`__kql_order`). A restart condition splits the rows into segments, each ranked or summed on its own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from kqlrules.engine.context import Row
from kqlrules.engine.names import name_text
from kqlrules.engine.relation import ORDER, Relation
from kqlrules.engine.sql import Sql
from kqlrules.engine.types import DUCKDB_TYPES, normalise_type
from kqlrules.kusto import Node

if TYPE_CHECKING:
    from kqlrules.engine.translator import Translator


def _arguments(t: Translator, node: Node, row: Row, least: int, most: int) -> tuple[str, Relation, list[Sql]]:
    name = name_text(node.get("Name") or node)
    if row.window is None:
        raise t.position.semantic(f"{name}() needs a serialized input (serialize, sort, top, range...)", node)
    nodes = node.arguments()
    if not least <= len(nodes) <= most:
        raise t.position.unsupported(
            f"{name}() with {len(nodes)} arguments (it reads {least} to {most})", node
        )
    return name, row.window, [t.expr(argument, row) for argument in nodes]


def _segments(
    t: Translator, window: Relation, values: list[tuple[str, Sql]], restart: Sql | None
) -> Relation:
    """The input's row numbers, the given values, and `__kql_g`: the segment each row is in."""
    parts = [f"{ORDER} AS o"] + [f"{sql.text} AS {name}" for name, sql in values]
    flag = f"coalesce({restart.text}, FALSE)" if restart is not None else "FALSE"
    parts.append(f"{flag} AS __kql_r")
    flagged = t.ctes.add(f"SELECT {', '.join(parts)} FROM {window.name}", [])
    segment = "sum(CASE WHEN __kql_r THEN 1 ELSE 0 END) OVER (ORDER BY o ROWS UNBOUNDED PRECEDING)"
    return t.ctes.add(f"SELECT *, {segment} AS __kql_g FROM {flagged.name}", [])


def _read_back(window: Relation, computed: Relation, kusto_type: str) -> Sql:
    duck = DUCKDB_TYPES.get(kusto_type, "BIGINT")
    return Sql(
        f"(SELECT CAST(x.v AS {duck}) FROM {computed.name} AS x WHERE x.o = {window.name}.{ORDER})",
        kusto_type,
        subquery=True,
    )


def row_cumsum(t: Translator, node: Node, row: Row) -> Sql:
    _, window, args = _arguments(t, node, row, 1, 2)
    term = args[0]
    # A decimal is exact (scalar-data-types/decimal.md); the engine's doubles would sum 0.1 and 0.2 to
    # 0.30000000000000004, so a decimal term is refused like decimal arithmetic.
    if term.type not in ("long", "int", "real"):
        raise t.position.unsupported(f"row_cumsum() of a {term.type} value", node)
    rows = _segments(t, window, [("__kql_t", term)], args[1] if len(args) > 1 else None)
    summed = t.ctes.add(
        f"SELECT o, sum(__kql_t) OVER (PARTITION BY __kql_g ORDER BY o ROWS UNBOUNDED PRECEDING) AS v "
        f"FROM {rows.name}",
        [],
    )
    return _read_back(window, summed, normalise_type(node.type))


def row_number_restarting(t: Translator, node: Node, row: Row) -> Sql:
    """row_number(start, restart): start on a segment's first row, plus 1 on each further row."""
    _, window, args = _arguments(t, node, row, 2, 2)
    rows = _segments(t, window, [("__kql_t", args[0])], args[1])
    numbered = t.ctes.add(
        f"SELECT o, __kql_t + row_number() OVER (PARTITION BY __kql_g ORDER BY o) - 1 AS v FROM {rows.name}",
        [],
    )
    return _read_back(window, numbered, "long")


def row_rank_dense(t: Translator, node: Node, row: Row) -> Sql:
    """1 on a segment's first row, plus 1 each time the term differs from the previous row's."""
    _, window, args = _arguments(t, node, row, 1, 2)
    rows = _segments(t, window, [("__kql_t", args[0])], args[1] if len(args) > 1 else None)
    previous = "lag(__kql_t) OVER (PARTITION BY __kql_g ORDER BY o)"
    first = "row_number() OVER (PARTITION BY __kql_g ORDER BY o) = 1"
    changes = t.ctes.add(
        f"SELECT o, __kql_g, CASE WHEN {first} OR __kql_t IS DISTINCT FROM {previous} THEN 1 ELSE 0 END AS c "
        f"FROM {rows.name}",
        [],
    )
    ranked = t.ctes.add(
        f"SELECT o, sum(c) OVER (PARTITION BY __kql_g ORDER BY o ROWS UNBOUNDED PRECEDING) AS v "
        f"FROM {changes.name}",
        [],
    )
    return _read_back(window, ranked, "long")


def row_rank_min(t: Translator, node: Node, row: Row) -> Sql:
    """The smallest row number (within the segment) the term appears at. Where the rows are not grouped by
    the term, that and the first row of the current run of equal terms differ: the plan refuses such rows."""
    _, window, args = _arguments(t, node, row, 1, 2)
    rows = _segments(t, window, [("__kql_t", args[0])], args[1] if len(args) > 1 else None)
    numbered = t.ctes.add(
        f"SELECT *, row_number() OVER (PARTITION BY __kql_g ORDER BY o) AS n, "
        f"lag(__kql_t) OVER (PARTITION BY __kql_g ORDER BY o) AS p FROM {rows.name}",
        [],
    )
    ranked = t.ctes.add(
        f"SELECT o, min(n) OVER (PARTITION BY __kql_g, __kql_t) AS v, "
        f"max(CASE WHEN n = 1 OR __kql_t IS DISTINCT FROM p THEN n END) "
        f"OVER (PARTITION BY __kql_g ORDER BY o ROWS UNBOUNDED PRECEDING) AS run FROM {numbered.name}",
        [],
    )
    t.guard(
        node,
        f"SELECT count(*) FROM {ranked.name} WHERE v <> run",
        "row_rank_min() over rows not grouped by its term",
    )
    return _read_back(window, ranked, "long")


def row_window_session(t: Translator, node: Node, row: Row) -> Sql:
    """A session starts on the first row, where the restart condition holds, or where the value is more than
    MaxDistanceFromFirst after the session's start or more than MaxDistanceBetweenNeighbors after the
    previous row's. A distance of exactly either bound is refused: which side Kusto puts it on is not
    documented."""
    _, window, args = _arguments(t, node, row, 3, 4)
    value, from_first, between = args[:3]
    if value.type != "datetime" or from_first.type != "timespan" or between.type != "timespan":
        raise t.position.unsupported("row_window_session() other than of datetimes by timespans", node)
    if not (from_first.constant and between.constant):
        raise t.position.unsupported("row_window_session() with computed distances", node)
    rows = _segments(
        t,
        window,
        [("__kql_t", Sql(f"kql_ticks({value.text})", "long"))],
        args[3] if len(args) > 3 else None,
    )
    # On ticks (100 ns), Kusto's unit of both datetime and timespan.
    first_us = f"CAST({from_first.text} AS BIGINT)"
    between_us = f"CAST({between.text} AS BIGINT)"
    listed = t.ctes.add(
        f"SELECT list(o ORDER BY o) AS os, kql_window_sessions(list(__kql_t ORDER BY o), "
        f"list(__kql_r ORDER BY o), {first_us}, {between_us}) AS ss FROM {rows.name}",
        [],
    )
    starts = t.ctes.add(f"SELECT unnest(os) AS o, unnest(ss) AS s FROM {listed.name}", [])
    sessions = t.ctes.add(
        f"SELECT o, kql_from_ticks(s) AS v FROM {starts.name}",
        [],
    )
    t.guard(
        node,
        f"SELECT count(*) FROM {sessions.name} WHERE v IS NULL",
        "row_window_session() with a null value or a distance of exactly its bound",
    )
    return _read_back(window, sessions, "datetime")


def window_sessions(
    values: list[int | None], restarts: list[bool], first: int, between: int
) -> list[int | None]:
    """Each row's session start (ticks), the rows in order; None for a null value, and from a row
    whose distance to the session's start or to the previous row is exactly its bound (undocumented) on."""
    starts: list[int | None] = []
    start: int | None = None  # None once unknown: until the next restart
    previous: int | None = None
    for index, (value, restart) in enumerate(zip(values, restarts, strict=True)):
        if value is None:
            start = None
        elif index == 0 or restart:
            start = value
        elif start is not None and previous is not None:
            if value - start > first or value - previous > between:
                start = value
            elif value - start == first or value - previous == between:
                start = None
        elif previous is not None and value - previous > between:
            start = value  # a new session whatever the unknown one was
        starts.append(start)
        previous = value
    return starts


WINDOW_CALLS: dict[str, Callable[[Translator, Node, Row], Sql]] = {
    "row_cumsum": row_cumsum,
    "row_rank_dense": row_rank_dense,
    "row_rank_min": row_rank_min,
    "row_window_session": row_window_session,
}
