"""A translated scalar expression: DuckDB SQL text with its Kusto type (and its value, when constant)."""

from __future__ import annotations

import re
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


_CONSTANT_PATH = re.compile(r"^json_extract\((.*), '(\$[^']*)'\)$", re.DOTALL)


def constant_json_path(text: str) -> tuple[str, str] | None:
    """(document SQL, path) of `json_extract(document, '<path>')` with a constant path, else None."""
    found = _CONSTANT_PATH.match(text)
    if found is None or not _one_call(text):
        return None
    return found.group(1), found.group(2)


def _one_call(text: str) -> bool:
    """Whether `text` is a single call: its first parenthesis closes at its very end (quotes aside)."""
    depth, quoted = 0, False
    for index, char in enumerate(text):
        if char == "'":
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
        elif not quoted and char == ")":
            depth -= 1
            if depth == 0:
                return index == len(text) - 1
    return False
