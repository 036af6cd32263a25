"""Conversions: tostring, toint/tolong/toreal/todouble/todecimal, tobool, todatetime, totimespan, toguid,
todynamic/parse_json. Each returns null (the empty string for `tostring`) when Kusto cannot convert the value.
"""

from __future__ import annotations

from kqlrules.engine.functions import jsonpath
from kqlrules.engine.functions.registry import Call, ScalarTranslator, TranslationContext, scalar
from kqlrules.engine.functions.support import NUMERIC_TYPES, arity, as_string, coerce, fn
from kqlrules.engine.sql import Sql, quote_string

KNOWN_TYPES = frozenset(
    {"string", "long", "int", "real", "decimal", "bool", "datetime", "timespan", "guid", "dynamic"}
)


@scalar("tostring")
def tostring(ctx: TranslationContext, call: Call) -> Sql:
    (value,) = arity(ctx, call, 1)
    return as_string(value)


def _to(target: str, accepted: frozenset[str]) -> ScalarTranslator:
    def translate(ctx: TranslationContext, call: Call) -> Sql:
        (value,) = arity(ctx, call, 1)
        if value.type not in accepted:
            raise ctx.unsupported(f"{call.name}() of a {value.type} value")
        return coerce(value, target)

    return translate


_NUMBER_SOURCES = frozenset({*NUMERIC_TYPES, "string", "dynamic", "bool"})


def _to_integer(target: str, accepted: frozenset[str]) -> ScalarTranslator:
    """toint-function.md: a decimal value is truncated to its integer portion, text like "1.5" too; the
    conversion of anything else that fails is null (tolong-function.md). See `parsing.text_to_long`."""
    generic = _to(target, accepted)
    truncate = "TRUE" if target == "int" else "FALSE"
    sql_type = "INTEGER" if target == "int" else "BIGINT"

    def translate(ctx: TranslationContext, call: Call) -> Sql:
        (value,) = arity(ctx, call, 1)
        if value.type == "string":
            return Sql(f"TRY_CAST({fn('kql_text_to_long', value, truncate)} AS {sql_type})", target)
        if value.type == "dynamic":
            return Sql(f"TRY_CAST({fn('kql_dynamic_to_integer', value, truncate)} AS {sql_type})", target)
        return generic(ctx, call)

    return translate


scalar("tolong")(_to_integer("long", _NUMBER_SOURCES | {"timespan"}))
scalar("toint")(_to_integer("int", _NUMBER_SOURCES))
scalar("toreal", "todouble")(_to("real", _NUMBER_SOURCES))
_to_real = _to("real", _NUMBER_SOURCES)


@scalar("todecimal")
def todecimal(ctx: TranslationContext, call: Call) -> Sql:
    """todecimal-function.md: "If conversion isn't successful, result will be null". A decimal (decimal.md:
    .NET's SqlDecimal, 38 digits) holds no infinity, NaN, or magnitude of 1e38 and more: those are null."""
    value = _to_real(ctx, call)
    return Sql(f"(CASE WHEN isfinite({value}) AND abs({value}) < 1e38 THEN {value} END)", "real")
scalar("tobool", "toboolean")(_to("bool", frozenset({*NUMERIC_TYPES, "string", "dynamic", "bool"})))
scalar("todatetime")(_to("datetime", frozenset({"string", "dynamic", "datetime"})))
scalar("totimespan", "totime")(_to("timespan", frozenset({"string", "dynamic", "timespan"})))
scalar("toguid")(_to("guid", frozenset({"string", "dynamic", "guid"})))


@scalar("todynamic", "parse_json", "toobject", "parsejson")
def todynamic(ctx: TranslationContext, call: Call) -> Sql:
    (value,) = arity(ctx, call, 1)
    if value.type == "string":
        return Sql(f"CAST({fn('kql_parse_json', value)} AS JSON)", "dynamic")
    return coerce(value, "dynamic")


@scalar("new_guid")
def new_guid(ctx: TranslationContext, call: Call) -> Sql:
    arity(ctx, call, 0)
    return Sql("CAST(uuid() AS VARCHAR)", "guid")


@scalar("extract_json", "extractjson")
def extract_json(ctx: TranslationContext, call: Call) -> Sql:
    """The element at a JSONPath (`$.a.b`, `$[0].c`) of JSON text, converted to the requested type (string
    by default); null (empty for strings) when the text is not JSON or the path finds nothing."""
    args = arity(ctx, call, 2, 3)
    path = args[0]
    if not path.constant or not isinstance(path.value, str) or not path.value.startswith("$"):
        raise ctx.unsupported("extract_json() with a path that is not a constant JSONPath")
    try:
        steps = jsonpath.parse(path.value)
    except ValueError:
        # jsonpath.md: "Wildcards, recursion, union, slices and current object are not supported."
        raise ctx.unsupported(
            f"extract_json() with the path {path.value!r}, outside the JSONPath subset Kusto documents"
        ) from None
    document = f"CAST({fn('kql_parse_json', as_string(args[1]))} AS JSON)"
    found = Sql(f"json_extract({document}, {quote_string(jsonpath.duckdb_path(steps))})", "dynamic")
    target = call.result_type if call.result_type in KNOWN_TYPES else "string"
    return coerce(found, target)
