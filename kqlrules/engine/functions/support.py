"""Small builders shared by the function families: argument checks, literals and Kusto's type coercions.

Every helper returns an `Sql` whose `type` is a Kusto type name; the DuckDB representation of each type is the
contract in `kqlrules.engine.types` (strings are never NULL, timespans are BIGINT ticks, datetimes naive UTC
TIMESTAMPs, dynamic values JSON).
"""

from __future__ import annotations

from kqlrules.engine.errors import RUN_TIME_REFUSAL, RefusedAtRunTime, refusal_sql
from kqlrules.engine.functions.registry import Call, TranslationContext
from kqlrules.engine.sql import Sql, constant_json_path, quote_string
from kqlrules.engine.types import TICKS_PER_SECOND

INTEGER_TYPES = frozenset({"int", "long"})

# A helper that meets a case the reference does not settle stops the query with the engine's run-time
# refusal, which the engine reports as `UnsupportedKql` (a refusal, not a failure of the query).
RUNTIME_REFUSAL = RUN_TIME_REFUSAL
Refusal = RefusedAtRunTime


def sql_refusal(what: str) -> str:
    """The SQL that stops the query with a refusal (inside a CASE branch)."""
    return refusal_sql(quote_string(what))


# What the engine cannot store in a dynamic value (its dynamic values are JSON text).
NON_FINITE_IN_DYNAMIC = "an infinity or NaN inside a dynamic value"

NUMERIC_TYPES = frozenset({"int", "long", "real", "decimal"})


def arity(ctx: TranslationContext, call: Call, low: int, high: int | None = None) -> list[Sql]:
    """The call's arguments, or a refusal when their count is outside `low..high`: the analyzer has accepted
    the call, so a count the engine does not expect is a form it does not know, not an error in the query."""
    high = low if high is None else high
    if not low <= len(call.args) <= high:
        expected = str(low) if low == high else f"{low} to {high}"
        raise ctx.unsupported(f"{call.name}() with {len(call.args)} arguments (it reads {expected})")
    return call.args


def fn(name: str, *args: Sql | str) -> str:
    return f"{name}({', '.join(str(a) for a in args)})"


def string_literal(value: str) -> Sql:
    return Sql(quote_string(value), "string", constant=True, value=value)


def long_literal(value: int) -> Sql:
    return Sql(f"CAST({value} AS BIGINT)", "long", constant=True, value=value)


def real_literal(value: float) -> Sql:
    return Sql(f"CAST({value!r} AS DOUBLE)", "real", constant=True, value=value)


def bool_literal(value: bool) -> Sql:
    return Sql("TRUE" if value else "FALSE", "bool", constant=True, value=value)


def null_of(kusto_type: str) -> Sql:
    """The typed null of a Kusto type (the empty string for `string`)."""
    if kusto_type == "string":
        return string_literal("")
    from kqlrules.engine.types import DUCKDB_TYPES

    return Sql(
        f"CAST(NULL AS {DUCKDB_TYPES.get(kusto_type, 'VARCHAR')})", kusto_type, constant=True, value=None
    )


def constant_string(ctx: TranslationContext, call: Call, arg: Sql, what: str) -> str:
    """A string argument that Kusto requires to be a constant (a regex, a format)."""
    if not arg.constant or not isinstance(arg.value, str):
        raise ctx.unsupported(f"{call.name}() with a non-constant {what}")
    return arg.value


def constant_int(ctx: TranslationContext, call: Call, arg: Sql, what: str) -> int:
    if not arg.constant or not isinstance(arg.value, int) or isinstance(arg.value, bool):
        raise ctx.unsupported(f"{call.name}() with a non-constant {what}")
    return arg.value


def never_null(text: str) -> Sql:
    """A string result: Kusto strings are never null, DuckDB's may be."""
    return Sql(f"COALESCE({text}, '')", "string")


# Longer arguments of tostring(dynamic) are named once (see as_string).
_INLINE_LIMIT = 256
# The JSON values whose json_extract_string() text is not Kusto's tostring(): arrays, bags and numbers that
# are not integers (DuckDB reads NaN and Infinity too). Strings that look like them take the long way, and
# get the same text. The first character is tested alone first, a cheaper test that most values fail:
# '-', digits (and the rarer characters below them), and with the case bit set, i, n and { (for I, N and [).
# Kept as a few comparisons: DuckDB turns a long IN list into a join.
_NOT_ITS_TEXT = r"'^(?:[\[{]|-?(?i:nan|inf)|-?[0-9]+(?:\.[0-9]+(?:[eE][-+]?[0-9]+)?|[eE][-+]?[0-9]+)$)'"


def _dynamic_to_string(value: str, text: str) -> str:
    """`tostring()` of a dynamic `value`, given `text`, its json_extract_string(). That text is the answer
    for strings, integers, booleans and nulls (one parse of the document). Otherwise its JSON type decides:
    reals, arrays and bags go to Python, which prints them the way Kusto does."""
    by_type = (
        f"CASE json_type({value}) WHEN 'VARCHAR' THEN {value} ->> '$' WHEN 'NULL' THEN '' "
        f"WHEN 'BIGINT' THEN CAST(CAST({value} AS BIGINT) AS VARCHAR) "
        f"WHEN 'BOOLEAN' THEN CASE WHEN CAST({value} AS BOOLEAN) THEN 'true' ELSE 'false' END "
        f"ELSE {fn('kql_dynamic_to_string', value)} END"
    )
    first = f"ascii({text})"
    maybe_not = (
        f"({first} <= 57 OR ({first} | 32) IN (105, 110, 123)) AND regexp_matches({text}, {_NOT_ITS_TEXT})"
    )
    return f"(CASE WHEN {maybe_not} THEN {by_type} ELSE {text} END)"


def _dynamic_as_string(arg: Sql) -> Sql:
    if len(arg.text) > _INLINE_LIMIT:
        # The conversion names its value several times: a long (nested) argument is named once, by a lambda,
        # so that the SQL of nested conversions does not grow exponentially.
        inner = _dynamic_to_string("__kql_v", "json_extract_string(__kql_v, '$')")
        return never_null(f"list_transform([{arg}], lambda __kql_v: {inner})[1]")
    path = constant_json_path(arg.text)
    # A member (d.a.b) is read from its document directly: one parse instead of two.
    text = f"json_extract_string({path[0]}, '{path[1]}')" if path else f"json_extract_string({arg}, '$')"
    return never_null(_dynamic_to_string(arg.text, text))


def as_string(arg: Sql) -> Sql:
    """Kusto's `tostring()` of any typed value (the empty string for null)."""
    kind = arg.type
    if kind == "string":
        return arg
    if kind in INTEGER_TYPES or kind == "guid":
        return never_null(f"CAST({arg} AS VARCHAR)")
    if kind == "decimal":
        # A decimal held exactly (parse_version's DECIMAL(38, 0)) prints all its digits. One held as a double
        # has lost its scale: decimal.md gives decimals .NET's SqlDecimal text, which keeps the literal's
        # digits (`1.50`, `100000000000000000000` where a real prints `1E+20`), so its text is refused.
        refused = sql_refusal("the text of a decimal (its scale is not kept)")
        return never_null(
            f"(CASE WHEN typeof({arg}) LIKE 'DECIMAL%' THEN CAST({arg} AS VARCHAR) "
            f"WHEN {arg} IS NULL THEN NULL ELSE {refused} END)"
        )
    if kind == "real":
        return never_null(fn("kql_format_real", arg))
    if kind == "bool":
        return Sql(f"(CASE WHEN {arg} THEN 'true' WHEN NOT {arg} THEN 'false' ELSE '' END)", "string")
    if kind == "datetime":
        # ISO 8601 with seven fraction digits (the engine holds six; the seventh is 0).
        return never_null(datetime_text(arg))
    if kind == "timespan":
        return never_null(fn("kql_format_timespan", arg))
    if kind == "dynamic":
        return _dynamic_as_string(arg)
    return never_null(f"CAST({arg} AS VARCHAR)")


def as_real(arg: Sql) -> Sql:
    if arg.type == "real":
        return arg
    if arg.type == "dynamic":
        return Sql(fn("kql_dynamic_to_real", arg), "real")
    if arg.type == "string":
        return Sql(fn("kql_parse_real", arg), "real")
    if arg.type == "bool":
        return Sql(f"CAST(CAST({arg} AS INTEGER) AS DOUBLE)", "real")
    return Sql(f"CAST({arg} AS DOUBLE)", "real")


def as_long(arg: Sql) -> Sql:
    if arg.type == "long":
        return arg
    if arg.type == "int":
        return Sql(f"CAST({arg} AS BIGINT)", "long")
    if arg.type in ("real", "decimal"):
        # Kusto truncates toward zero; out-of-range and non-finite values become null.
        return Sql(f"TRY_CAST(trunc({arg}) AS BIGINT)", "long")
    if arg.type == "dynamic":
        return Sql(fn("kql_dynamic_to_long", arg), "long")
    if arg.type == "string":
        return Sql(fn("kql_parse_long", arg), "long")
    if arg.type == "bool":
        return Sql(f"CAST({arg} AS BIGINT)", "long")
    return Sql(f"TRY_CAST({arg} AS BIGINT)", "long")


def datetime_text(arg: Sql | str) -> str:
    """ISO 8601 with seven fraction digits, to the tick (`2020-01-01T00:00:00.1234567Z`); the calendar part
    from the instant cut to its microsecond (`kql_floor_us`), the fraction from its ticks."""
    seconds = f"strftime(kql_floor_us({arg}), '%Y-%m-%dT%H:%M:%S.')"
    fraction = f"lpad(CAST(kql_mod(kql_ticks({arg}), {TICKS_PER_SECOND}) AS VARCHAR), 7, '0')"
    return f"({seconds} || {fraction} || 'Z')"


def as_dynamic(arg: Sql) -> Sql:
    """A typed value as a dynamic (JSON) value, the way Kusto stores scalars in a property bag or array."""
    kind = arg.type
    if kind == "dynamic":
        return arg
    if kind == "string" or kind == "guid":
        inner = f"to_json({arg})"
    elif kind in INTEGER_TYPES or kind in ("real", "decimal") or kind == "bool":
        # Kusto's dynamic values hold infinities and NaN (series-divide-function.md: "2/0 yields
        # double(+inf)"), JSON has no form for them: the query is refused rather than answered with null.
        inner = (
            f"to_json(CASE WHEN {arg} IS NULL OR isfinite({arg}) THEN {arg} "
            f"ELSE {sql_refusal(NON_FINITE_IN_DYNAMIC)} END)"
            if kind in ("real", "decimal")
            else (f"to_json({arg})")
        )
    elif kind == "datetime":
        inner = f"to_json({datetime_text(arg)})"
    elif kind == "timespan":
        inner = f"to_json({fn('kql_format_timespan', arg)})"
    else:
        inner = f"to_json({arg})"
    return Sql(f"COALESCE(CAST({inner} AS JSON), CAST('null' AS JSON))", "dynamic")


def coerce(arg: Sql, kusto_type: str) -> Sql:
    """A value converted to `kusto_type` the way Kusto's `to<type>()` converts it."""
    if arg.type == kusto_type:
        return arg
    if kusto_type == "string":
        return as_string(arg)
    if kusto_type in ("real", "decimal"):
        return as_real(arg)
    if kusto_type == "long":
        return as_long(arg)
    if kusto_type == "int":
        return Sql(f"TRY_CAST({as_long(arg)} AS INTEGER)", "int")
    if kusto_type == "dynamic":
        return as_dynamic(arg)
    if kusto_type == "datetime":
        if arg.type == "dynamic":
            text = fn("kql_dynamic_to_string", arg)
            return Sql(fn("kql_from_ticks", fn("kql_parse_datetime_ticks", text)), "datetime")
        if arg.type == "string":
            return Sql(fn("kql_from_ticks", fn("kql_parse_datetime_ticks", arg)), "datetime")
    if kusto_type == "timespan":
        if arg.type == "dynamic":
            return Sql(fn("kql_parse_timespan", fn("kql_dynamic_to_string", arg)), "timespan")
        if arg.type == "string":
            return Sql(fn("kql_parse_timespan", arg), "timespan")
        if arg.type in INTEGER_TYPES:
            return Sql(f"CAST({arg} AS BIGINT)", "timespan")
    if kusto_type == "bool":
        if arg.type == "dynamic":
            return Sql(fn("kql_parse_bool", fn("kql_dynamic_to_string", arg)), "bool")
        if arg.type == "string":
            return Sql(fn("kql_parse_bool", arg), "bool")
        if arg.type in NUMERIC_TYPES:
            return Sql(f"({arg} <> 0)", "bool")
    if kusto_type == "guid":
        return Sql(fn("kql_parse_guid", as_string(arg)), "guid")
    from kqlrules.engine.types import DUCKDB_TYPES

    return Sql(f"TRY_CAST({arg} AS {DUCKDB_TYPES.get(kusto_type, 'VARCHAR')})", kusto_type)


def numeric_result_type(left: Sql, right: Sql) -> str:
    """Kusto's arithmetic rule: real if either side is real, else long."""
    kinds = {left.type, right.type}
    if kinds & {"real", "decimal", "dynamic"}:
        return "real"
    return "long"


def shift_datetime(value: Sql | str, ticks: Sql | str) -> str:
    """A datetime moved by a timespan, exact to the tick (DuckDB's INTERVAL stops at the microsecond)."""
    return f"kql_from_ticks(kql_ticks({value}) + ({ticks}))"


def ticks_between(later: Sql | str, earlier: Sql | str) -> str:
    """`later - earlier` as a timespan: 100-ns ticks."""
    return f"(kql_ticks({later}) - kql_ticks({earlier}))"


def epoch_ticks(value: Sql | str) -> str:
    """A datetime as 100-ns ticks from 1970-01-01."""
    return f"kql_ticks({value})"


def datetime_from_ticks(ticks: Sql | str) -> str:
    """The datetime `ticks` (100 ns) from 1970-01-01; refused outside the span the engine holds."""
    return f"kql_from_ticks({ticks})"


def calendar_timestamp(value: Sql | str) -> str:
    """A datetime for DuckDB's calendar functions (year(), date_trunc(), dayofweek() ...): cut down to its
    microsecond, since they would round a TIMESTAMP_NS (23:59:59.9999999 into the next day)."""
    return f"kql_floor_us({value})"


def json_elements(value: Sql | str) -> str:
    """A dynamic value as a DuckDB list of JSON: an array's elements, any other value alone, null as empty."""
    return (
        f"(CASE WHEN json_type({value}) = 'ARRAY' THEN CAST({value} AS JSON[]) "
        f"WHEN {value} IS NULL THEN CAST([] AS JSON[]) ELSE [CAST({value} AS JSON)] END)"
    )
