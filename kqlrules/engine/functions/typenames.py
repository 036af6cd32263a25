"""`gettype()`: the runtime type of a value, as the reference names it.

A value of a static type names that type. A dynamic value names what it holds: `dictionary`, `array`, `null`,
`real`, `string`, and `int` for a whole number (the reference: `gettype(parse_json('1'))` is `int`). Where the
engine's dynamic values cannot tell what Kusto holds, the query stops: a whole number beyond 32 bits, a
boolean, and a string that reads as a datetime, timespan or GUID (Kusto keeps those typed inside a dynamic).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from kqlrules.engine.functions.registry import Call, TranslationContext, scalar
from kqlrules.engine.functions.support import Refusal, arity, as_dynamic, string_literal
from kqlrules.engine.sql import Sql

_TYPED_TEXT = re.compile(
    r"^(?:\d{4}-\d{2}-\d{2}T.*|-?(?:\d+\.)?\d{1,2}:\d{2}:\d{2}(?:\.\d+)?|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-"
    r"[0-9a-f]{4}-[0-9a-f]{12})$",
    re.IGNORECASE,
)


def dynamic_type(text: str) -> str:
    value = json.loads(text)
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "dictionary"
    if isinstance(value, list):
        return "array"
    if isinstance(value, bool):
        raise Refusal("gettype() of a dynamic boolean is not documented")
    if isinstance(value, int):
        if -(2**31) <= value < 2**31:
            return "int"
        raise Refusal("gettype() of a dynamic whole number beyond 32 bits is not documented")
    if isinstance(value, float):
        return "real"
    if _TYPED_TEXT.match(value):
        raise Refusal("gettype() of a dynamic value that may hold a datetime, timespan or guid")
    return "string"


@scalar("gettype")
def gettype(ctx: TranslationContext, call: Call) -> Sql:
    (value,) = arity(ctx, call, 1)
    if value.type != "dynamic":
        return string_literal(value.type)
    return Sql(f"COALESCE(kql_dynamic_type(CAST({as_dynamic(value)} AS VARCHAR)), 'null')", "string")


PYTHON_FUNCTIONS: list[tuple[str, Callable[..., Any], list[str], str]] = [
    ("kql_dynamic_type", dynamic_type, ["VARCHAR"], "VARCHAR"),
]
