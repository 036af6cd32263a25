"""Datetime and timespan functions: now/ago, datetime_add/diff/part, startof*, bin/floor/bin_at, format_*,
make_datetime/make_timespan, unixtime_*_todatetime, the get* parts.

Datetimes are naive UTC TIMESTAMPs (microseconds); timespans BIGINT ticks (100 ns). Kusto bins datetimes
from 0001-01-01, so bins are computed on ticks since that instant. The `endof*` functions answer one tick
before the next period, which a microsecond TIMESTAMP cannot hold: refused, not answered 900 ns early.
"""

from __future__ import annotations

from kqlrules.engine.errors import refusal_sql
from kqlrules.engine.functions.formatting import datetime_format_tokens, timespan_format_tokens
from kqlrules.engine.functions.registry import Call, ScalarTranslator, TranslationContext, scalar
from kqlrules.engine.functions.support import (
    INTEGER_TYPES,
    NUMERIC_TYPES,
    arity,
    as_long,
    as_real,
    constant_string,
    datetime_from_ticks,
    fn,
    interval_from_ticks,
    never_null,
)
from kqlrules.engine.sql import Sql

TICKS_PER_SECOND = 10_000_000
TICKS_PER_DAY = 86_400 * TICKS_PER_SECOND
# Ticks from 0001-01-01 (Kusto's epoch for bins) to 1970-01-01.
TICKS_TO_UNIX_EPOCH = 621_355_968_000_000_000


def _datetime_arg(ctx: TranslationContext, call: Call, value: Sql) -> Sql:
    if value.type == "datetime":
        return value
    if value.type in ("string", "dynamic"):
        from kqlrules.engine.functions.support import coerce

        return coerce(value, "datetime")
    raise ctx.unsupported(f"{call.name}() of a {value.type} value")


@scalar("now")
def now(ctx: TranslationContext, call: Call) -> Sql:
    args = arity(ctx, call, 0, 1)
    if args:
        return Sql(f"({ctx.now} + {interval_from_ticks(args[0])})", "datetime")
    return Sql(str(ctx.now), "datetime")


@scalar("ago")
def ago(ctx: TranslationContext, call: Call) -> Sql:
    (span,) = arity(ctx, call, 1)
    if span.type != "timespan":
        raise ctx.unsupported(f"ago() of a {span.type} value")
    return Sql(f"({ctx.now} - {interval_from_ticks(span)})", "datetime")


_ADD_UNITS = {
    "year": "to_years({n})",
    "quarter": "to_months(3 * {n})",
    "month": "to_months({n})",
    "week": "to_weeks({n})",
    "day": "to_days({n})",
    "hour": "to_hours({n})",
    "minute": "to_minutes({n})",
    "second": "to_seconds({n})",
    "millisecond": "to_milliseconds({n})",
    "microsecond": "to_microseconds({n})",
    # Nanoseconds that are not whole ticks become one stray tick, which kql_whole_microseconds refuses.
    "nanosecond": (
        "to_microseconds(kql_whole_microseconds(CASE WHEN ({n}) % 100 = 0 THEN ({n}) // 100 ELSE 1 END))"
    ),
}


def _part(ctx: TranslationContext, call: Call, value: Sql) -> str:
    part = constant_string(ctx, call, value, "part").strip().lower()
    return part


@scalar("datetime_add")
def datetime_add(ctx: TranslationContext, call: Call) -> Sql:
    part_arg, amount, value = arity(ctx, call, 3)
    part = _part(ctx, call, part_arg)
    if part not in _ADD_UNITS:
        raise ctx.error(f"datetime_add(): unknown part {part!r}")
    interval = _ADD_UNITS[part].format(n=f"CAST({as_long(amount)} AS BIGINT)")
    if part == "year":
        interval = f"to_months(12 * CAST({as_long(amount)} AS INTEGER))"
    elif part in ("quarter", "month"):
        interval = interval.replace(
            f"CAST({as_long(amount)} AS BIGINT)", f"CAST({as_long(amount)} AS INTEGER)"
        )
    return Sql(f"({_datetime_arg(ctx, call, value)} + {interval})", "datetime")


def _week_start(value: Sql | str) -> str:
    """The Sunday starting the week of a datetime, as a DATE."""
    return f"(CAST({value} AS DATE) - CAST(dayofweek({value}) AS INTEGER))"


@scalar("datetime_diff")
def datetime_diff(ctx: TranslationContext, call: Call) -> Sql:
    part_arg, later, earlier = arity(ctx, call, 3)
    part = _part(ctx, call, part_arg)
    a, b = _datetime_arg(ctx, call, later), _datetime_arg(ctx, call, earlier)
    if part == "week":
        return Sql(f"CAST(date_diff('day', {_week_start(b)}, {_week_start(a)}) // 7 AS BIGINT)", "long")
    if part == "nanosecond":
        return Sql(f"CAST(date_diff('microsecond', {b}, {a}) * 1000 AS BIGINT)", "long")
    if part not in (
        "year",
        "quarter",
        "month",
        "day",
        "hour",
        "minute",
        "second",
        "millisecond",
        "microsecond",
    ):
        raise ctx.error(f"datetime_diff(): unknown part {part!r}")
    return Sql(f"CAST(date_diff('{part}', {b}, {a}) AS BIGINT)", "long")


_PARTS = {
    "year": "year({d})",
    "quarter": "quarter({d})",
    "month": "month({d})",
    "week_of_year": "weekofyear({d})",
    "weekofyear": "weekofyear({d})",
    "week": "weekofyear({d})",
    "day": "day({d})",
    "dayofyear": "dayofyear({d})",
    "hour": "hour({d})",
    "minute": "minute({d})",
    "second": "second({d})",
    "millisecond": "(microsecond({d}) // 1000 % 1000)",
    "microsecond": "(microsecond({d}) % 1000000)",
    "nanosecond": "(microsecond({d}) % 1000000 * 1000)",
}


@scalar("datetime_part", "datepart")
def datetime_part(ctx: TranslationContext, call: Call) -> Sql:
    part_arg, value = arity(ctx, call, 2)
    part = _part(ctx, call, part_arg)
    if part not in _PARTS:
        raise ctx.error(f"datetime_part(): unknown part {part!r}")
    return Sql(f"CAST({_PARTS[part].format(d=_datetime_arg(ctx, call, value))} AS INTEGER)", "int")


def _getter(template: str, kind: str = "int") -> ScalarTranslator:
    def translate(ctx: TranslationContext, call: Call) -> Sql:
        (value,) = arity(ctx, call, 1)
        duck = "INTEGER" if kind == "int" else "BIGINT"
        return Sql(f"CAST({template.format(d=_datetime_arg(ctx, call, value))} AS {duck})", kind)

    return translate


scalar("getyear")(_getter("year({d})"))
scalar("getmonth", "monthofyear")(_getter("month({d})"))
scalar("dayofmonth")(_getter("day({d})"))
scalar("dayofyear")(_getter("dayofyear({d})"))
scalar("hourofday")(_getter("hour({d})"))
scalar("week_of_year", "weekofyear")(_getter("weekofyear({d})"))


@scalar("dayofweek")
def dayofweek(ctx: TranslationContext, call: Call) -> Sql:
    """The days since the preceding Sunday, as a timespan."""
    (value,) = arity(ctx, call, 1)
    return Sql(
        f"(CAST(dayofweek({_datetime_arg(ctx, call, value)}) AS BIGINT) * {TICKS_PER_DAY})", "timespan"
    )


def _start_of(unit: str) -> ScalarTranslator:
    def translate(ctx: TranslationContext, call: Call) -> Sql:
        args = arity(ctx, call, 1, 2)
        value = _datetime_arg(ctx, call, args[0])
        if unit == "week":
            start = f"CAST({_week_start(value)} AS TIMESTAMP)"
        else:
            start = f"date_trunc('{unit}', {value})"
        if len(args) == 2:
            offset = f"CAST({as_long(args[1])} AS INTEGER)"
            step = {"day": "to_days", "week": "to_weeks", "month": "to_months", "year": "to_years"}[unit]
            start = f"({start} + {step}({offset}))"
        return Sql(f"CAST({start} AS TIMESTAMP)", "datetime")

    return translate


scalar("startofday")(_start_of("day"))
scalar("startofweek")(_start_of("week"))
scalar("startofmonth")(_start_of("month"))
scalar("startofyear")(_start_of("year"))


@scalar("endofday", "endofweek", "endofmonth", "endofyear")
def end_of(ctx: TranslationContext, call: Call) -> Sql:
    raise ctx.unsupported(f"{call.name}() (its last tick, 100 ns before the next period, needs nanoseconds)")


def bin_value(ctx: TranslationContext, call: Call, value: Sql, size: Sql) -> Sql:
    """Kusto's bin(): the value rounded down to a multiple of size (datetimes from 0001-01-01)."""
    if "decimal" in (value.type, size.type):
        # scalar-data-types/decimal.md: decimals are exact, so bin(decimal(0.3), 0.1) is 0.3; the engine's
        # doubles would give 0.2.
        raise ctx.unsupported(f"{call.name}() of a decimal value")
    if value.type == "datetime":
        if size.type != "timespan":
            raise ctx.unsupported(f"{call.name}() of a datetime by a {size.type}")
        ticks = f"(epoch_us({value}) * 10 + {TICKS_TO_UNIX_EPOCH})"
        binned = f"({ticks} - kql_mod({ticks}, {size}) - {TICKS_TO_UNIX_EPOCH})"
        return Sql(f"(CASE WHEN {size} > 0 THEN {datetime_from_ticks(binned)} END)", "datetime")
    if value.type == "timespan":
        if size.type not in ("timespan", *INTEGER_TYPES):
            raise ctx.unsupported(f"{call.name}() of a timespan by a {size.type}")
        return Sql(f"(CASE WHEN {size} > 0 THEN {value} - kql_mod({value}, {size}) END)", "timespan")
    if value.type in INTEGER_TYPES and size.type in INTEGER_TYPES:
        v, s = as_long(value), as_long(size)
        return Sql(f"(CASE WHEN {s} > 0 THEN {v} - kql_mod({v}, {s}) END)", "long")
    if value.type in NUMERIC_TYPES and size.type in NUMERIC_TYPES:
        v, s = as_real(value), as_real(size)
        return Sql(f"(CASE WHEN {s} > 0 THEN floor({v} / {s}) * {s} END)", "real")
    raise ctx.unsupported(f"{call.name}() of a {value.type} by a {size.type}")


@scalar("bin", "floor")
def bin_(ctx: TranslationContext, call: Call) -> Sql:
    value, size = arity(ctx, call, 2)
    return bin_value(ctx, call, value, size)


@scalar("bin_at")
def bin_at(ctx: TranslationContext, call: Call) -> Sql:
    value, size, fixed = arity(ctx, call, 3)
    if value.type == "datetime" and fixed.type == "datetime":
        offset = Sql(f"((epoch_us({value}) - epoch_us({fixed})) * 10)", "timespan")
        binned = bin_value(ctx, call, offset, size)
        return Sql(f"({fixed} + {interval_from_ticks(binned)})", "datetime")
    if value.type == "timespan" and fixed.type == "timespan":
        binned = bin_value(ctx, call, Sql(f"({value} - {fixed})", "timespan"), size)
        return Sql(f"({fixed} + {binned})", "timespan")
    if value.type in NUMERIC_TYPES and fixed.type in NUMERIC_TYPES:
        kind = "long" if {value.type, size.type, fixed.type} <= INTEGER_TYPES else "real"
        cast = as_long if kind == "long" else as_real
        binned = bin_value(ctx, call, Sql(f"({cast(value)} - {cast(fixed)})", kind), size)
        return Sql(f"({cast(fixed)} + {binned})", kind)
    raise ctx.unsupported(f"bin_at() of a {value.type} at a {fixed.type}")


@scalar("format_datetime")
def format_datetime(ctx: TranslationContext, call: Call) -> Sql:
    value, fmt = arity(ctx, call, 2)
    pattern = constant_string(ctx, call, fmt, "format")
    if datetime_format_tokens(pattern) is None:
        raise ctx.unsupported(f"format_datetime() with the format {pattern!r}")
    return never_null(fn("kql_format_datetime_custom", _datetime_arg(ctx, call, value), fmt))


@scalar("format_timespan")
def format_timespan(ctx: TranslationContext, call: Call) -> Sql:
    value, fmt = arity(ctx, call, 2)
    pattern = constant_string(ctx, call, fmt, "format")
    if timespan_format_tokens(pattern) is None or value.type != "timespan":
        raise ctx.unsupported(f"format_timespan() with the format {pattern!r}")
    # format-timespan-function.md describes every element for a positive interval and names no sign
    # element: how a negative timespan is written is not documented, so it is refused on its row.
    negative = refusal_sql("'format_timespan() of a negative timespan'")
    formatted = fn("kql_format_timespan_custom", value, fmt)
    return never_null(f"(CASE WHEN {value} < 0 THEN {negative} ELSE {formatted} END)")


@scalar("make_datetime")
def make_datetime(ctx: TranslationContext, call: Call) -> Sql:
    args = arity(ctx, call, 3, 7)
    if len(args) == 4:
        raise ctx.unsupported(f"make_datetime() with {len(call.args)} arguments (it reads 3, 5, 6 or 7)")
    parts = [f"CAST({as_long(a)} AS BIGINT)" for a in args[:5]]
    while len(parts) < 5:
        parts.append("0")
    seconds = f"CAST({as_real(args[5])} AS DOUBLE)" if len(args) >= 6 else "0.0"
    if len(args) == 7:
        seconds = f"({seconds} + {as_real(args[6])} / 10000000.0)"
    # Whole seconds first, then the fraction in ticks. A fraction that is not a whole number of microseconds
    # (the engine's resolution), or not a whole number of ticks (Kusto's rounding is not documented), is
    # refused on the row that has it rather than truncated.
    whole = f"make_timestamp({', '.join(parts)}, floor({seconds}))"
    ticks = f"(({seconds} - floor({seconds})) * 10000000.0)"
    exact = f"(abs({ticks} - round({ticks})) < 1e-3 AND CAST(round({ticks}) AS BIGINT) % 10 = 0)"
    refuse = refusal_sql("'make_datetime() of a second finer than a microsecond'")
    fraction = f"to_microseconds(CAST(round({ticks}) AS BIGINT) // 10)"
    return Sql(
        f"(CASE WHEN {ticks} IS NULL OR {exact} THEN TRY({whole} + {fraction}) ELSE {refuse} END)", "datetime"
    )


@scalar("make_timespan")
def make_timespan(ctx: TranslationContext, call: Call) -> Sql:
    args = arity(ctx, call, 2, 4)
    names = {2: ["h", "m"], 3: ["h", "m", "s"], 4: ["d", "h", "m", "s"]}[len(args)]
    scale = {
        "d": TICKS_PER_DAY,
        "h": 3600 * TICKS_PER_SECOND,
        "m": 60 * TICKS_PER_SECOND,
        "s": TICKS_PER_SECOND,
    }
    terms = [f"({as_real(a)} * {scale[n]})" for a, n in zip(args, names, strict=True)]
    return Sql(f"TRY_CAST(round({' + '.join(terms)}) AS BIGINT)", "timespan")


def _unixtime(ticks_per_unit: float) -> ScalarTranslator:
    def translate(ctx: TranslationContext, call: Call) -> Sql:
        (value,) = arity(ctx, call, 1)
        if value.type not in NUMERIC_TYPES and value.type != "dynamic":
            raise ctx.unsupported(f"{call.name}() of a {value.type} value")
        ticks = f"CAST(trunc({as_real(value)} * {ticks_per_unit}) AS BIGINT)"
        return Sql(datetime_from_ticks(ticks), "datetime")

    return translate


scalar("unixtime_seconds_todatetime")(_unixtime(TICKS_PER_SECOND))
scalar("unixtime_milliseconds_todatetime")(_unixtime(10_000))
scalar("unixtime_microseconds_todatetime")(_unixtime(10))
scalar("unixtime_nanoseconds_todatetime")(_unixtime(0.01))


@scalar("datetime_utc_to_local")
def datetime_utc_to_local(ctx: TranslationContext, call: Call) -> Sql:
    """The wall-clock time in an IANA time zone (DuckDB's ICU time zone data)."""
    value, zone = arity(ctx, call, 2)
    instant = f"timezone('UTC', {_datetime_arg(ctx, call, value)})"
    return Sql(f"CAST(timezone({zone}, {instant}) AS TIMESTAMP)", "datetime")


@scalar("datetime_local_to_utc")
def datetime_local_to_utc(ctx: TranslationContext, call: Call) -> Sql:
    value, zone = arity(ctx, call, 2)
    return Sql(f"CAST(kql_local_to_utc({_datetime_arg(ctx, call, value)}, {zone}) AS TIMESTAMP)", "datetime")


@scalar("around")
def around(ctx: TranslationContext, call: Call) -> Sql:
    """Whether a value lies within `delta` of `center` (bounds included)."""
    value, center, delta = arity(ctx, call, 3)
    if value.type == "datetime" and center.type == "datetime" and delta.type == "timespan":
        distance = f"abs((epoch_us({value}) - epoch_us({center})) * 10)"
        return Sql(f"({distance} <= {delta})", "bool")
    if value.type == "timespan" and center.type == "timespan" and delta.type == "timespan":
        return Sql(f"(abs({value} - {center}) <= {delta})", "bool")
    if {value.type, center.type, delta.type} <= NUMERIC_TYPES:
        return Sql(f"(abs({as_real(value)} - {as_real(center)}) <= {as_real(delta)})", "bool")
    raise ctx.unsupported(f"around() of {value.type}, {center.type} and {delta.type}")
