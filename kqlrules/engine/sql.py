"""A translated scalar expression: DuckDB SQL text with its Kusto type (and its value, when constant)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Sql:
    text: str
    type: str  # Kusto type name: string, long, int, real, decimal, bool, datetime, timespan, guid, dynamic
    constant: bool = False
    value: Any = None  # the Python value when `constant` (a literal, or folded from literals)

    def __str__(self) -> str:
        return self.text


def quote_string(value: str) -> str:
    """A DuckDB string literal."""
    return "'" + value.replace("'", "''") + "'"


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
