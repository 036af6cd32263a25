"""Datetime and timespan functions: now/ago, datetime_add/diff/part, startof*, bin/floor/bin_at, format_*,
make_datetime/make_timespan, unixtime_*_todatetime, the get* parts.

Datetimes are naive UTC TIMESTAMP_NS values and timespans BIGINT ticks, both exact to Kusto's 100-ns tick
(scalar-data-types/datetime.md, timespan.md). Arithmetic, bins, differences and sub-second parts are computed
on ticks (`kql_ticks`); DuckDB's calendar functions round a TIMESTAMP_NS to the microsecond, so they are
given the instant cut down to its microsecond (`calendar_timestamp`), which lies in the same second. Kusto
bins datetimes from 0001-01-01, so bins are computed on ticks since that instant.
"""

from __future__ import annotations

import functools

import duckdb

from kqlrules.engine.errors import refusal_sql
from kqlrules.engine.functions.formatting import datetime_format_tokens, timespan_format_tokens
from kqlrules.engine.functions.registry import Call, ScalarTranslator, TranslationContext, scalar
from kqlrules.engine.functions.support import (
    INTEGER_TYPES,
    NUMERIC_TYPES,
    arity,
    as_long,
    as_real,
    calendar_timestamp,
    constant_string,
    datetime_from_ticks,
    epoch_ticks,
    fn,
    never_null,
    shift_datetime,
    ticks_between,
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
        return Sql(shift_datetime(ctx.now, args[0]), "datetime")
    return Sql(str(ctx.now), "datetime")


@scalar("ago")
def ago(ctx: TranslationContext, call: Call) -> Sql:
    (span,) = arity(ctx, call, 1)
    if span.type != "timespan":
        raise ctx.unsupported(f"ago() of a {span.type} value")
    return Sql(shift_datetime(ctx.now, f"-({span})"), "datetime")


# datetime_add() (datetime-add-function.md): calendar units move the date (DuckDB's month arithmetic keeps the
# nanoseconds and clamps the day to the month's last, as the page's examples do); the others are a fixed
# count of 100-ns ticks.
_ADD_MONTHS = {"year": 12, "quarter": 3, "month": 1}
_ADD_TICKS = {
    "week": 7 * TICKS_PER_DAY,
    "day": TICKS_PER_DAY,
    "hour": 3600 * TICKS_PER_SECOND,
    "minute": 60 * TICKS_PER_SECOND,
    "second": TICKS_PER_SECOND,
    "millisecond": 10_000,
    "microsecond": 10,
}


def _part(ctx: TranslationContext, call: Call, value: Sql) -> str:
    return constant_string(ctx, call, value, "part").strip().lower()


@scalar("datetime_add")
def datetime_add(ctx: TranslationContext, call: Call) -> Sql:
    part_arg, amount, value = arity(ctx, call, 3)
    part = _part(ctx, call, part_arg)
    if part not in _ADD_MONTHS and part not in _ADD_TICKS and part != "nanosecond":
        raise ctx.error(f"datetime_add(): unknown part {part!r}")
    amount_sql = f"CAST({as_long(amount)} AS BIGINT)"
    moved = _datetime_arg(ctx, call, value)
    if part in _ADD_MONTHS:
        months = f"to_months(CAST({_ADD_MONTHS[part]} * {amount_sql} AS INTEGER))"
        return Sql(f"CAST(({moved} + {months}) AS TIMESTAMP_NS)", "datetime")
    if part == "nanosecond":
        # A count of nanoseconds that is not whole ticks has no datetime to land on: refused on its row.
        refuse = refusal_sql("'datetime_add() of nanoseconds that are not whole 100-ns ticks'")
        ticks = f"(CASE WHEN {amount_sql} % 100 = 0 THEN {amount_sql} // 100 ELSE {refuse} END)"
    else:
        ticks = f"({amount_sql} * {_ADD_TICKS[part]})"
    return Sql(shift_datetime(moved, ticks), "datetime")


def _week_start(value: Sql | str) -> str:
    """The Sunday starting the week of a datetime, as a DATE."""
    return f"(CAST({value} AS DATE) - CAST(dayofweek({value}) AS INTEGER))"


# datetime_diff(): how many period boundaries lie between the two instants (datetime-diff-function.md:
# `datetime_diff('second', 23:00:10.100, 23:00:00.900)` is 10). Fixed periods count on ticks since 0001-01-01
# (never negative, so `//` rounds down), the calendar ones on the dates.
# A week is counted on the calendar (from Sunday), not as seven days of ticks.
_DIFF_TICKS = {part: ticks for part, ticks in _ADD_TICKS.items() if part != "week"}


@scalar("datetime_diff")
def datetime_diff(ctx: TranslationContext, call: Call) -> Sql:
    part_arg, later, earlier = arity(ctx, call, 3)
    part = _part(ctx, call, part_arg)
    a, b = _datetime_arg(ctx, call, later), _datetime_arg(ctx, call, earlier)
    if part == "nanosecond":
        return Sql(f"({ticks_between(a, b)} * 100)", "long")
    if part in _DIFF_TICKS:
        size = _DIFF_TICKS[part]
        return Sql(f"({_ticks_from_origin(a)} // {size} - {_ticks_from_origin(b)} // {size})", "long")
    ca, cb = calendar_timestamp(a), calendar_timestamp(b)
    if part == "week":
        return Sql(f"CAST(date_diff('day', {_week_start(cb)}, {_week_start(ca)}) // 7 AS BIGINT)", "long")
    if part not in ("year", "quarter", "month"):
        raise ctx.error(f"datetime_diff(): unknown part {part!r}")
    return Sql(f"CAST(date_diff('{part}', {cb}, {ca}) AS BIGINT)", "long")


def _ticks_from_origin(value: Sql | str) -> str:
    """Ticks since 0001-01-01, Kusto's origin of datetime."""
    return f"({epoch_ticks(value)} + {TICKS_TO_UNIX_EPOCH})"


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
}
# The fraction of the second, to the tick (datetime-part-function.md: millisecond 0-999, microsecond
# 0-999999, nanosecond 0-999999999).
_FRACTION_PARTS = {
    "millisecond": "(kql_mod({t}, 10000000) // 10000)",
    "microsecond": "(kql_mod({t}, 10000000) // 10)",
    "nanosecond": "(kql_mod({t}, 10000000) * 100)",
}


@scalar("datetime_part", "datepart")
def datetime_part(ctx: TranslationContext, call: Call) -> Sql:
    part_arg, value = arity(ctx, call, 2)
    part = _part(ctx, call, part_arg)
    moment = _datetime_arg(ctx, call, value)
    if part in _FRACTION_PARTS:
        return Sql(f"CAST({_FRACTION_PARTS[part].format(t=epoch_ticks(moment))} AS INTEGER)", "int")
    if part not in _PARTS:
        raise ctx.error(f"datetime_part(): unknown part {part!r}")
    return Sql(f"CAST({_PARTS[part].format(d=calendar_timestamp(moment))} AS INTEGER)", "int")


def _getter(template: str, kind: str = "int") -> ScalarTranslator:
    def translate(ctx: TranslationContext, call: Call) -> Sql:
        (value,) = arity(ctx, call, 1)
        duck = "INTEGER" if kind == "int" else "BIGINT"
        moment = calendar_timestamp(_datetime_arg(ctx, call, value))
        return Sql(f"CAST({template.format(d=moment)} AS {duck})", kind)

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
    moment = calendar_timestamp(_datetime_arg(ctx, call, value))
    return Sql(f"(CAST(dayofweek({moment}) AS BIGINT) * {TICKS_PER_DAY})", "timespan")


def _start_of(unit: str, end: bool = False) -> ScalarTranslator:
    """startof*(date [, offset]); endof*() is the last tick before the next period's start
    (endofday-function.md: `endofday(datetime(2017-01-01 10:10:17))` is 2017-01-01 23:59:59.9999999)."""

    def translate(ctx: TranslationContext, call: Call) -> Sql:
        args = arity(ctx, call, 1, 2)
        value = calendar_timestamp(_datetime_arg(ctx, call, args[0]))
        if unit == "week":
            start = f"CAST({_week_start(value)} AS TIMESTAMP)"
        else:
            start = f"date_trunc('{unit}', {value})"
        offset = f"CAST({as_long(args[1])} AS INTEGER)" if len(args) == 2 else "0"
        if end:
            offset = f"({offset} + 1)"
        if len(args) == 2 or end:
            step = {"day": "to_days", "week": "to_weeks", "month": "to_months", "year": "to_years"}[unit]
            start = f"({start} + {step}({offset}))"
        if end:
            return Sql(datetime_from_ticks(f"({epoch_ticks(start)} - 1)"), "datetime")
        return Sql(f"CAST({start} AS TIMESTAMP_NS)", "datetime")

    return translate


scalar("startofday")(_start_of("day"))
scalar("startofweek")(_start_of("week"))
scalar("startofmonth")(_start_of("month"))
scalar("startofyear")(_start_of("year"))
scalar("endofday")(_start_of("day", end=True))
scalar("endofweek")(_start_of("week", end=True))
scalar("endofmonth")(_start_of("month", end=True))
scalar("endofyear")(_start_of("year", end=True))


def bin_value(ctx: TranslationContext, call: Call, value: Sql, size: Sql) -> Sql:
    """Kusto's bin(): the value rounded down to a multiple of size (datetimes from 0001-01-01)."""
    if "decimal" in (value.type, size.type):
        # scalar-data-types/decimal.md: decimals are exact, so bin(decimal(0.3), 0.1) is 0.3; the engine's
        # doubles would give 0.2.
        raise ctx.unsupported(f"{call.name}() of a decimal value")
    if value.type == "datetime":
        if size.type != "timespan":
            raise ctx.unsupported(f"{call.name}() of a datetime by a {size.type}")
        ticks = _ticks_from_origin(value)
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
        offset = Sql(ticks_between(value, fixed), "timespan")
        binned = bin_value(ctx, call, offset, size)
        return Sql(shift_datetime(fixed, binned), "datetime")
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
    return never_null(fn("kql_format_datetime_custom", epoch_ticks(_datetime_arg(ctx, call, value)), fmt))


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
    # Whole seconds first, then the fraction in ticks (make-datetime-function.md: seconds to 7 digits). A
    # fraction that is not a whole number of ticks (Kusto's rounding is not documented) is refused on the
    # row that has it rather than rounded.
    whole = f"make_timestamp({', '.join(parts)}, floor({seconds}))"
    ticks = f"(({seconds} - floor({seconds})) * 10000000.0)"
    exact = f"(abs({ticks} - round({ticks})) < 1e-3)"
    refuse = refusal_sql("'make_datetime() of a second finer than a 100-ns tick'")
    moved = shift_datetime(f"TRY({whole})", f"CAST(round({ticks}) AS BIGINT)")
    return Sql(f"(CASE WHEN {ticks} IS NULL OR {exact} THEN {moved} ELSE {refuse} END)", "datetime")


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
    # make-timespan-function.md: hour 0-23, minute 0-59, second 0 to 59.9999999, "Otherwise, the result will
    # be null"; a second finer than a tick (whether Kusto rounds or truncates is not documented) is refused.
    bounds = {"h": 24, "m": 60, "s": 60}
    named = dict(zip(names, args, strict=True))
    outside = " OR ".join(
        f"{as_real(named[n])} < 0 OR {as_real(named[n])} >= {limit}"
        for n, limit in bounds.items()
        if n in named
    )
    # How a negative day combines with the positive parts (-2 days and 1 hour) is not documented either.
    negative_day = f"{as_real(named['d'])} < 0" if "d" in named else "FALSE"
    terms = [f"({as_real(a)} * {scale[n]})" for a, n in zip(args, names, strict=True)]
    total = f"({' + '.join(terms)})"
    sub_tick = f"abs({total} - round({total})) >= 1e-3"
    refuse = refusal_sql("'make_timespan() of a second finer than a 100-ns tick'")
    refuse_day = refusal_sql("'make_timespan() of a negative day'")
    return Sql(
        f"(CASE WHEN {outside} THEN NULL WHEN {negative_day} THEN {refuse_day} WHEN {sub_tick} THEN {refuse} "
        f"ELSE TRY_CAST(round({total}) AS BIGINT) END)",
        "timespan",
    )


def _unixtime(ticks_per_unit: int | float) -> ScalarTranslator:
    """unixtime_*_todatetime(): a whole number of units is converted in integers (exact to the tick: a
    double cannot hold 1546300800000000100 ns), a real one through a double, truncated to the tick."""

    def translate(ctx: TranslationContext, call: Call) -> Sql:
        (value,) = arity(ctx, call, 1)
        if value.type not in NUMERIC_TYPES and value.type != "dynamic":
            raise ctx.unsupported(f"{call.name}() of a {value.type} value")
        if value.type in INTEGER_TYPES and isinstance(ticks_per_unit, int):
            ticks = f"({as_long(value)} * {ticks_per_unit})"
        elif value.type in INTEGER_TYPES:
            ticks = f"({as_long(value)} // {round(1 / ticks_per_unit)})"
        else:
            ticks = f"CAST(trunc({as_real(value)} * {ticks_per_unit}) AS BIGINT)"
        return Sql(datetime_from_ticks(ticks), "datetime")

    return translate


scalar("unixtime_seconds_todatetime")(_unixtime(TICKS_PER_SECOND))
scalar("unixtime_milliseconds_todatetime")(_unixtime(10_000))
scalar("unixtime_microseconds_todatetime")(_unixtime(10))
scalar("unixtime_nanoseconds_todatetime")(_unixtime(0.01))


@functools.cache
def _zone_names() -> frozenset[str]:
    """The time zones DuckDB's ICU data knows (the engine converts with it)."""
    with duckdb.connect() as connection:
        rows = connection.execute("SELECT name FROM pg_timezone_names()").fetchall()
    return frozenset(row[0] for row in rows)


def _known_zone(ctx: TranslationContext, call: Call, zone: Sql) -> None:
    """timezone.md lists the zones Kusto supports; what it does with another name is not documented, so a
    constant zone the local time zone data does not hold is refused (before: an engine failure)."""
    if zone.constant and isinstance(zone.value, str) and zone.value not in _zone_names():
        lacking = f"the time zone {zone.value!r}, which the local zone data lacks"
        raise ctx.unsupported(f"{call.name}() in {lacking}")


@scalar("datetime_utc_to_local")
def datetime_utc_to_local(ctx: TranslationContext, call: Call) -> Sql:
    """The wall-clock time in an IANA time zone (DuckDB's ICU time zone data): the zone's offset at the
    instant, added to the instant's ticks."""
    value, zone = arity(ctx, call, 2)
    _known_zone(ctx, call, zone)
    moment = _datetime_arg(ctx, call, value)
    floor = calendar_timestamp(moment)
    local = f"CAST(timezone({zone}, timezone('UTC', {floor})) AS TIMESTAMP)"
    return Sql(shift_datetime(moment, ticks_between(local, floor)), "datetime")


@scalar("datetime_local_to_utc")
def datetime_local_to_utc(ctx: TranslationContext, call: Call) -> Sql:
    value, zone = arity(ctx, call, 2)
    _known_zone(ctx, call, zone)
    moment = _datetime_arg(ctx, call, value)
    floor = calendar_timestamp(moment)
    utc = f"CAST(kql_local_to_utc({floor}, {zone}) AS TIMESTAMP)"
    return Sql(shift_datetime(moment, ticks_between(utc, floor)), "datetime")


@scalar("around")
def around(ctx: TranslationContext, call: Call) -> Sql:
    """Whether a value lies within `delta` of `center` (bounds included)."""
    value, center, delta = arity(ctx, call, 3)
    if value.type == "datetime" and center.type == "datetime" and delta.type == "timespan":
        distance = f"abs({ticks_between(value, center)})"
        return Sql(f"({distance} <= {delta})", "bool")
    if value.type == "timespan" and center.type == "timespan" and delta.type == "timespan":
        return Sql(f"(abs({value} - {center}) <= {delta})", "bool")
    if {value.type, center.type, delta.type} <= NUMERIC_TYPES:
        return Sql(f"(abs({as_real(value)} - {as_real(center)}) <= {as_real(delta)})", "bool")
    raise ctx.unsupported(f"around() of {value.type}, {center.type} and {delta.type}")
