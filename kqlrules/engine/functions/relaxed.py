"""`parse kind=relaxed`: whether a typed column's text matches its type partially.

The reference: in relaxed mode "the extended columns may partially match the required type; extended
columns that didn't match the required type get the value null". A text that converts whole is the value,
and one of which no part converts is null; a text of which only a part converts (`27abc`, a date followed by
more words) is a partial match whose value the reference does not give: the parse refuses such a row.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kqlrules.engine.functions import parsing

_LONGEST = 256  # a longer text is not searched for a converting part: it is refused

_CONVERTERS: dict[str, Callable[[str], Any]] = {
    "long": parsing.parse_long,
    "int": parsing.parse_long,
    "real": parsing.parse_real,
    "decimal": parsing.parse_real,
    "datetime": parsing.parse_datetime,
    "timespan": parsing.parse_timespan_ticks,
}

RELAXED_TYPES = frozenset(_CONVERTERS)


def partially_matches(text: str, kind: str) -> bool:
    """Whether some part of `text` (or the whole, where the engine's SQL conversion refused it) converts."""
    convert = _CONVERTERS[kind]
    if len(text) > _LONGEST:
        return True
    for start in range(len(text)):
        for end in range(len(text), start, -1):
            part = text[start:end]
            if part.strip() and convert(part) is not None:
                return True
    return False


PYTHON_FUNCTIONS: list[tuple[str, Callable[..., Any], list[str], str]] = [
    ("kql_relaxed_partial", partially_matches, ["VARCHAR", "VARCHAR"], "BOOLEAN"),
]
