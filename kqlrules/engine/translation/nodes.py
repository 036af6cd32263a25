"""Small readings of the analyzer's tree shared by the translator's stages."""

from __future__ import annotations

from kqlrules.engine.sql import Sql
from kqlrules.engine.types import DUCKDB_TYPES, normalise_type
from kqlrules.kusto import Node


def kusto_type(node: Node) -> str:
    return normalise_type(node.type)


def only(node: Node, field: str) -> Node:
    """The child `field` of `node`, which its kind always has."""
    child = node.get(field)
    if child is None:
        raise ValueError(f"{node.kind} has no {field}")
    return child


def operator_text(node: Node) -> str:
    op = node.get("Operator")
    return (op.token or "") if op is not None else node.kind


def describe(node: Node) -> str:
    """`MvExpandOperator` -> `mv expand operator`: a construct's name for an error message."""
    kind = node.kind
    for suffix in ("Operator", "Expression", "Statement"):
        if kind.endswith(suffix) and kind != suffix:
            base = kind[: -len(suffix)]
            words = "".join(" " + c.lower() if c.isupper() else c for c in base).strip()
            return f"{words} {suffix.lower()}"
    return kind


def typed(result: Sql, node: Node) -> Sql:
    """`result` with the type the analyzer gives `node` (a translator may leave a wider one)."""
    expected = kusto_type(node)
    if expected in DUCKDB_TYPES and result.type != expected:
        return Sql(
            result.text, expected, result.constant, result.value, result.subquery, result.window, result.side
        )
    return result
