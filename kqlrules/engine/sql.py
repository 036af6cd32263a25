"""A translated scalar expression: DuckDB SQL text with its Kusto type (and its value, when constant)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import Any


@dataclass(frozen=True)
class Sql:
    """What later steps need to know of an expression is a flag here, never read back from `text`:
    `subquery` (it holds a SELECT: not allowed inside a DuckDB lambda), `window` (it holds a window function
    over the serialized input: a filter on it is a QUALIFY), `side` (the alias of the join side whose column
    it is). The translator carries `subquery` and `window` from every sub-expression to the expression that
    contains it (`Translator.expr`)."""

    text: str
    type: str  # Kusto type name: string, long, int, real, decimal, bool, datetime, timespan, guid, dynamic
    constant: bool = False
    value: Any = None  # the Python value when `constant` (a literal, or folded from literals)
    subquery: bool = False
    window: bool = False
    side: str | None = None

    def __str__(self) -> str:
        return self.text

    def flagged(self, *, subquery: bool = False, window: bool = False) -> Sql:
        """This expression, also marked as holding a subquery or a window function."""
        if (subquery <= self.subquery) and (window <= self.window):
            return self
        return replace(self, subquery=self.subquery or subquery, window=self.window or window)


def quote_string(value: str) -> str:
    """A DuckDB string literal."""
    return "'" + value.replace("'", "''") + "'"


# Kusto names are case-sensitive (`print a = 1, A = 2` has two columns); DuckDB's are not, quoted or not.
# While a query is translated, the names that differ from another one of it only by case map to names of
# their own (`case_renames`), which every identifier the translation writes goes through.
_RENAMED: ContextVar[Mapping[str, str] | None] = ContextVar("kql_case_renames", default=None)


def quote_identifier(name: str) -> str:
    renames = _RENAMED.get()
    return plain_identifier(renames.get(name, name) if renames else name)


def plain_identifier(name: str) -> str:
    """`name` quoted as it is (a stored table's own name and columns)."""
    return '"' + name.replace('"', '""') + '"'


def case_renames(names: Iterable[str]) -> dict[str, str]:
    """Of names equal but for case, the first keeps its spelling and each other one gets `name~k`."""
    groups: dict[str, list[str]] = {}
    for name in names:
        group = groups.setdefault(name.lower(), [])
        if name not in group:
            group.append(name)
    return {name: f"{name}~{k}" for group in groups.values() for k, name in enumerate(group[1:], 1)}


@contextmanager
def renamed_identifiers(renames: Mapping[str, str]) -> Iterator[None]:
    token = _RENAMED.set(renames)
    try:
        yield
    finally:
        _RENAMED.reset(token)


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
