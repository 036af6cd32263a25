"""`parse_version()`: a version string as a number that orders like the version.

One to four dot-separated parts of at most eight digits each; missing trailing parts are zeros (1.0 is
1.0.0.0); each part takes eight decimal places: 1.2.3.4 is 1 00000002 00000003 00000004. Anything else is
null, as documented, except text that .NET number parsing might still accept (white space, signs): the
reference does not say, so such text stops the query.

Kusto returns a decimal. The engine's decimals are doubles (see `kqlrules.engine.types`); this one is kept as
a DECIMAL(38, 0) in SQL so two versions compare exactly.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from kqlrules.engine.functions.registry import Call, TranslationContext, scalar
from kqlrules.engine.functions.support import Refusal, arity, as_string, fn
from kqlrules.engine.sql import Sql

_VERSION = re.compile(r"[0-9]{1,8}(?:\.[0-9]{1,8}){0,3}")
_UNDOCUMENTED = re.compile(r"[\s+\-]")


def parse_version(text: str) -> str | None:
    """The version's number as decimal digits (DuckDB casts them to DECIMAL)."""
    if _VERSION.fullmatch(text):
        parts = [int(p) for p in text.split(".")] + [0, 0, 0]
        return str(int("".join(f"{p:08d}" for p in parts[:4])))
    if _UNDOCUMENTED.search(text):
        raise Refusal(f"parse_version() of {text!r}: the reference does not say how it is read")
    return None


@scalar("parse_version")
def parse_version_call(ctx: TranslationContext, call: Call) -> Sql:
    (text,) = arity(ctx, call, 1)
    return Sql(f"CAST({fn('kql_parse_version', as_string(text))} AS DECIMAL(38, 0))", "decimal")


PYTHON_FUNCTIONS: list[tuple[str, Callable[..., Any], list[str], str]] = [
    ("kql_parse_version", parse_version, ["VARCHAR"], "VARCHAR"),
]
